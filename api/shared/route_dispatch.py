"""Route matching by path segments, so a request is matched only against the routes that can
serve its path.

FastAPI keeps each included router as one entry of the app's route list and walks every entry
for every request: with some forty routers, a request for the last route tried about two hundred
path patterns (most of the no-op route's CPU). ``install`` puts a dispatcher in front of the
app's router: the path templates of every route, nested ones included, go into a tree of path
segments (a ``{param}`` segment matches any segment, a ``{param:path}`` or a mount matches the
rest), and a request is handed to a copy of the router that holds only the entries whose
templates fit its path or its path with the trailing slash toggled (for the router's slash
redirect). Their order is the app's, and the matching itself stays FastAPI's, so the chosen
route, the 404, the 405 and the redirects are the same as without the dispatcher.

Routes are read when the first request comes, and again whenever the app's route list grows
(the benchmark adds its probes after ``create_app``); routes added later to a router that is
already included are not seen, as FastAPI before its lazy inclusion did not see them either.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.routing import APIRouter, iter_route_contexts
from starlette.routing import PARAM_REGEX, BaseRoute, Mount, Route, WebSocketRoute, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass
class _Node:
    """One path segment's position in the tree: the entries whose templates end here, those
    that take any remainder from here, and the segments that may follow."""

    ending: set[int] = field(default_factory=set)
    rest: set[int] = field(default_factory=set)
    literal: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None

    def add(self, segments: list[str], entry: int) -> None:
        node = self
        for segment in segments:
            if "{" not in segment:
                node = node.literal.setdefault(segment, _Node())
                continue
            if any(m.group(2) == ":path" for m in PARAM_REGEX.finditer(segment)):
                node.rest.add(entry)  # {name:path} spans the remaining segments
                return
            node.param = node.param or _Node()
            node = node.param
        node.ending.add(entry)

    def add_rest(self, segments: list[str], entry: int) -> None:
        """A mount: its own segments, then anything."""
        node = self
        for segment in segments:
            if "{" in segment:
                node.param = node.param or _Node()
                node = node.param
            else:
                node = node.literal.setdefault(segment, _Node())
        node.rest.add(entry)

    def entries_for(self, segments: list[str], found: set[int]) -> None:
        nodes = [self]
        for segment in segments:
            following = []
            for node in nodes:
                found |= node.rest
                if (child := node.literal.get(segment)) is not None:
                    following.append(child)
                if node.param is not None:
                    following.append(node.param)
            if not following:
                return
            nodes = following
        for node in nodes:
            found |= node.rest | node.ending


def _segments(path: str) -> list[str]:
    return path.split("/")[1:]


def _tree(routes: list[BaseRoute]) -> tuple[_Node, frozenset[int]]:
    """The tree of the entries' path templates, and the entries that may match any path (a
    kind of route whose template is unknown here): those are tried for every request."""
    root = _Node()
    anywhere: set[int] = set()
    for entry, route in enumerate(routes):
        for context in iter_route_contexts([route]):
            original, path = context.original_route, context.path
            if isinstance(original, Mount) and path is not None:
                root.add_rest(_segments(path) if path else [], entry)
            elif isinstance(original, Route | WebSocketRoute) and path:
                root.add(_segments(path), entry)
            else:
                anywhere.add(entry)
    return root, frozenset(anywhere)


def methods_serving(routes: list[BaseRoute], path: str) -> list[str]:
    """Every method some route serves at ``path``, sorted: a 405's ``Allow`` (RFC 9110 §15.5.6).
    Starlette's 405 lists only the methods of the first route whose path matched, while a
    path's methods are often served by a route each (``GET`` and ``PATCH`` of one order)."""
    methods: set[str] = set()
    for context in iter_route_contexts(routes):
        template = context.path
        if isinstance(context.original_route, Route) and template and context.methods:
            regex, _, _ = compile_path(template)
            if regex.match(path):
                methods |= context.methods
    return sorted(methods)


class PrefixDispatch:
    """The app router's entry point: matches each HTTP request on the entries its path can
    reach (see the module text); lifespan and websockets go to the whole router."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self.whole: ASGIApp = router.app
        self._size = -1
        self._root = _Node()
        self._anywhere: frozenset[int] = frozenset()
        self._narrowed: dict[tuple[int, ...], APIRouter] = {}

    def _narrowed_router(self, path: str) -> APIRouter:
        routes = self.router.routes
        if len(routes) != self._size:
            self._root, self._anywhere = _tree(routes)
            self._narrowed = {}
            self._size = len(routes)
        found = set(self._anywhere)
        self._root.entries_for(_segments(path), found)
        if path != "/":  # the router redirects to the other form when only that one matches
            other = path[:-1] if path.endswith("/") else path + "/"
            self._root.entries_for(_segments(other), found)
        key = tuple(sorted(found))
        narrowed = self._narrowed.get(key)
        if narrowed is None:
            narrowed = copy.copy(self.router)
            narrowed.routes = [routes[entry] for entry in key]
            self._narrowed[key] = narrowed
        return narrowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            await self.whole(scope, receive, send)
            return
        scope.setdefault("router", self.router)  # url_for still knows every route
        await self._narrowed_router(scope["path"]).app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Match the app's requests by path segments (see the module text)."""
    app.router.middleware_stack = PrefixDispatch(app.router)
