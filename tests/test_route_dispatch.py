"""Matching a request by its path segments (api/shared/route_dispatch.py) picks the route the
app's whole route list picks: for every route of the app, its neighbours and paths no route
serves, with and without the trailing slash, for every method."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRouter, iter_route_contexts
from starlette.routing import BaseRoute, Match

from api.main import create_app
from api.shared.route_dispatch import PrefixDispatch, methods_serving
from tests.conftest import settings_for_tests

SAMPLE = "0b8f6a52-2f5e-4d4e-9a52-1c3f0e6d7a10"  # fits str, uuid and path parameters
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS")


def _filled(template: str) -> str:
    template = re.sub(r"\{[^}:]+:int\}", "7", template)
    return re.sub(r"\{[^}:]+(:(str|uuid|path))?\}", SAMPLE, template)


def _choice(routes: list[BaseRoute], path: str, method: str) -> tuple[Any, ...]:
    """What the router's loop settles on: the first full match, else the first partial one
    (a 405), else the entry that would redirect to the other slash form; as the entry and
    the endpoint it names (an app-level route; an included router names none)."""
    scope: dict[str, Any] = {"type": "http", "path": path, "method": method, "root_path": ""}
    partial = None
    for index, route in enumerate(routes):
        match, child = route.matches(scope)
        if match == Match.FULL:
            return ("full", index, child.get("endpoint"))
        if match == Match.PARTIAL and partial is None:
            partial = ("partial", index, child.get("endpoint"))
    if partial is not None:
        return partial
    other = path[:-1] if path.endswith("/") else path + "/"
    for index, route in enumerate(routes):
        if route.matches(scope | {"path": other})[0] != Match.NONE:
            return ("redirect", index)
    return ("none",)


def _paths(app: FastAPI) -> set[str]:
    paths = {"/", "/nothing", "/v1", "/v1/partners", "/v1/partners/x/nothing", "/app/static"}
    for context in iter_route_contexts(app.routes):
        if context.path:
            filled = _filled(context.path)
            paths |= {filled, filled + "/", filled.rstrip("/"), filled + "/extra"}
            paths.add(filled.rsplit("/", 1)[0])
    return paths


@pytest.fixture(scope="module")
def app() -> FastAPI:
    app = create_app(settings_for_tests("sqlite+aiosqlite:///:memory:"))

    @app.get("/added/after/{thing}")  # the benchmark adds its probes after create_app
    async def added(thing: str) -> dict[str, str]:
        return {"thing": thing}

    return app


def test_every_request_gets_the_route_the_whole_list_gives(app: FastAPI):
    dispatch = app.router.middleware_stack
    assert isinstance(dispatch, PrefixDispatch)
    whole = app.router.routes
    for path in sorted(_paths(app)):
        narrowed = dispatch._narrowed_router(path).routes
        for method in METHODS:
            expected = _choice(whole, path, method)
            got = _choice(narrowed, path, method)
            # entries are compared by identity: the narrowed list keeps the app's order
            if expected[0] == "none":
                assert got == expected, (path, method)
            else:
                assert got[0] == expected[0], (path, method)
                assert narrowed[got[1]] is whole[expected[1]], (path, method)
                assert got[2:] == expected[2:], (path, method)


def test_a_route_added_after_the_first_request_is_found(app: FastAPI):
    dispatch = app.router.middleware_stack
    assert isinstance(dispatch, PrefixDispatch)
    dispatch._narrowed_router("/healthz")
    extra = APIRouter()

    @extra.get("/later/{name}")
    async def later(name: str) -> dict[str, str]:
        return {"name": name}

    app.include_router(extra)
    narrowed = dispatch._narrowed_router("/later/x").routes
    kind, entry, _ = _choice(narrowed, "/later/x", "GET")
    assert kind == "full" and narrowed[entry] is app.router.routes[-1]


def test_every_method_a_path_serves_is_allowed(app: FastAPI):
    """A 405's Allow names the methods of every route at the path, not only the first's:
    an order is read with GET and changed with PATCH, by two routes."""
    order = f"/v1/api/orders/{SAMPLE}/"
    assert {"GET", "PATCH"} <= set(methods_serving(app.routes, order))
    assert "POST" not in methods_serving(app.routes, order)
    assert methods_serving(app.routes, "/nothing/here") == []
