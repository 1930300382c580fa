"""Signing in and out of the web app with the users of the foundation (argon2 passwords).

A wrong password is recorded and slows down further tries from the same address, for that
username and for any (api/shared/login_throttle.py: 429 with a doubling wait), so guessing costs
days
instead of seconds; the account itself is never locked, so nobody can lock its owner out.
The login form has no session yet: its CSRF token is a double-submit cookie. A user tied to
one seller (``partner_id``) is refused with a 403 in words: the web app shows a whole
organization, and that user has the NOTYD Payments API, scoped to its seller.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response

from api.shared.deps import app_settings, database
from api.shared.login_throttle import address_of, login_throttle
from api.web.core import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    PostedForm,
    WebRoute,
    before_the_dpa,
    redirect,
    render,
    text,
)
from store.identity.identity import authenticate
from store.models import utcnow
from store.web import (
    close_session,
    forget_failures,
    may_use_web_app,
    open_session,
    record_failure,
)

router = APIRouter(prefix="/app", route_class=WebRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path of the web app: never a redirect to another site."""
    if target and target.startswith("/app") and not target.startswith("//"):
        return target
    return "/app/dashboard"


def _login_page(
    request: Request, status_code: int = 200, error: str | None = None, username: str = ""
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status_code=status_code,
        error=error,
        username=username,
        login_csrf=token,
        next=_safe_next(request.query_params.get("next")),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path="/app",
        httponly=True,
        samesite="lax",
        secure=app_settings(request).web_secure_cookies,
    )
    return response


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or form.get(CSRF_FIELD) != expected:
        return _login_page(request, 403, "The form has expired: please sign in again.")
    username, password = text(form, "username") or "", str(form.get("password") or "")
    settings, now = app_settings(request), utcnow()
    throttle = login_throttle(request)
    attempt = await throttle.begin(throttle.keys("web", username, address_of(request)))
    if attempt.wait is not None:
        waiting = _login_page(
            request,
            429,
            f"Too many wrong passwords from here: try again in {_duration(attempt.wait)}.",
            username,
        )
        waiting.headers["Retry-After"] = str(attempt.wait)
        return waiting
    async with database(request).transaction() as session:
        user = await authenticate(session, username, password) if username else None
        if user is None:
            record_failure(session, username, request.client.host if request.client else None)
            error = "Wrong username or password."
            return _login_page(request, 401, error, username)
        await throttle.succeeded(attempt)
        if not may_use_web_app(user):
            # its pages would show the whole organization: a seller's user has the NOTYD API
            error = (
                "This account belongs to one seller: it signs in to the NOTYD Payments API, "
                "not to the web app. Ask your organization's administrator for access."
            )
            return _login_page(request, 403, error, username)
        # a new session id at every login; the session the browser had before ends
        await close_session(session, request.cookies.get(SESSION_COOKIE, ""))
        token, _ = await open_session(
            session, user, settings.web_session_ttl, absolute=settings.web_session_absolute_ttl
        )
        await forget_failures(session, username, now - settings.login_throttle_window)
    response = redirect(_safe_next(text(form, "next")))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.web_secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/app")
    return response


@router.post("/logout")
@before_the_dpa
async def logout(request: Request, _form: PostedForm) -> Response:
    async with database(request).transaction() as session:
        await close_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/app/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
