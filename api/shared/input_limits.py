"""What a request may carry, checked once for both API families before any endpoint runs.

- **JSON bodies** are decoded strictly by ``InputLimitsMiddleware``: ``NaN``/``Infinity``
  (and numbers too large to be a finite float), numbers beyond the signed 64-bit range,
  strings or keys holding a lone UTF-16 surrogate (``"\\ud800"``, which no database or
  workflow payload can store) and objects or lists nested deeper than ``JSON_DEPTH_LIMIT``
  are a 422 ``validation-error`` naming each offending field (``vins[0].mileage``), so no
  such value reaches a model, the database or a workflow. So is an object naming a member
  twice (RFC 8259 4: its meaning is "unpredictable"; a decoder keeps the last silently), as
  a repeated single-valued form field is.
- **The NUL character** (U+0000), which no PostgreSQL text column can store, is a 422 naming
  the field wherever text comes in: JSON strings and keys, query parameters, form fields
  (urlencoded or multipart: a field's name, text or file name, whichever form any endpoint
  reads, since a browser may send any form as multipart); a path holding one names nothing
  (404). The OAuth2 token endpoint refuses it in its own terms.
- **A single-valued query parameter sent more than once** (``?status=CREATED&status=CANCELLED``)
  is a 422 naming it (``InputLimitsMiddleware``, from the route's declared parameters), where
  the endpoint would read the last value and drop the others silently: the same question would
  be answered two ways by the order of its parameters. A list parameter (``type`` on
  /v1/events) repeats as before.
- **Integer query and path parameters** use the bounded types below (``NonNegativeInt64``,
  ``NonNegativeInt32`` for values compared with 32-bit columns, ``PageNumber``), so an
  out-of-range value is a 422 naming the parameter, never a database overflow.
- **Body size** (``BodyMiddleware``, outside every middleware that reads a body): a JSON
  or form body is at most ``BODY_LIMIT`` (1 MiB), a multipart upload ``max_upload_bytes`` plus
  ``FORM_FIELDS_MARGIN`` for its other fields, a codec-server request ``CODEC_BODY_LIMIT``. A
  larger ``Content-Length`` is a 413 ``payload-too-large`` before a byte of the body is read; a
  body without one (chunked) is counted as it arrives and refused the moment it passes the
  limit, without waiting for the rest (which the server then reads past and drops: closing
  the connection instead would lose the answer to a client still sending). GET, HEAD and
  OPTIONS pass untouched: no endpoint reads their body.
- **Multipart text** is UTF-8 (unless the body names another charset): a field whose text,
  name or file name is not is a 422 naming the field once the body has arrived, where the
  form parser would have read it as Latin-1 and stored it garbled (``BodyMiddleware``
  follows the body as it passes, without keeping it). A part labelled with a media type other
  than text and sent without a file name is a file sent as text: "must be a file".
- **Money** (``money_value``): 0 <= value <= ``Settings.max_money_minor_units`` on the NT24
  ``Money`` input and on every NOTYD amount. The limit is the serving app's own setting, which
  the edge middleware (api/shared/edge.py) puts in context for the request, where the pydantic
  validators read it (outside a request, the process's settings).
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from annotated_types import Ge, Le
from fastapi import FastAPI
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from pydantic import AfterValidator, BeforeValidator
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.notyd.errors import problem
from api.shared.deps import app_settings, serving_settings
from api.shared.errors import (
    NOT_A_FILE,
    BodyProblem,
    FieldError,
    Problem,
    field_path,
    is_json_media_type,
    problem_response,
    safe_text,
    validation_problem,
)
from settings import Settings

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
# Lists take at most 100 a page: page x size (the SQL OFFSET) stays a 64-bit integer
MAX_PAGE = INT64_MAX // 100

Int64 = Annotated[int, Ge(INT64_MIN), Le(INT64_MAX)]
NonNegativeInt64 = Annotated[int, Ge(0), Le(INT64_MAX)]
NonNegativeInt32 = Annotated[int, Ge(0), Le(INT32_MAX)]  # compared with 32-bit columns


def max_money() -> int:
    """The largest amount, in minor units, a request may carry (the serving app's setting)."""
    return serving_settings().max_money_minor_units


def money_value(value: int) -> int:
    """An AfterValidator of amounts: 0 <= value <= the money limit."""
    if value < 0:
        raise ValueError("must be at least 0")
    limit = max_money()
    if value > limit:
        raise ValueError(f"must be at most {limit} (minor units)")
    return value


MoneyValue = Annotated[int, AfterValidator(money_value)]


def iso_8601(value: Any) -> Any:
    """A BeforeValidator of dates and times sent as query text: ISO 8601's extended form only.
    pydantic reads a bare number as Unix seconds (20270101, ISO 8601's basic form of 1 January
    2027, was 1970-08-24), and Python's own parser takes the basic form, which neither
    contract speaks."""
    if isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        raise ValueError("must be an ISO 8601 date or date-time, such as 2026-05-04")
    return value


TimestampQuery = Annotated[datetime, BeforeValidator(iso_8601)]
DateQuery = Annotated[date, BeforeValidator(iso_8601)]


# ----- body size -----

MIB = 1024 * 1024
# A JSON or form body. The largest legitimate ones stay far below: a NOTYD order request of
# 300 lines, each with the longest name and description its fields take; the iDenfy callback
# (at most 1 MiB on its own terms); an NT24 order of 50 VINs is a few kilobytes.
BODY_LIMIT = MIB
# A multipart upload: its file (``Settings.max_upload_bytes``) and the form fields around it
FORM_FIELDS_MARGIN = MIB
# The Temporal UI's codec requests: an event's payloads, each at most Temporal's 2 MB blob
# limit (a gRPC message at most 4 MB), a third larger in base64
CODEC_BODY_LIMIT = 8 * MIB
NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_LENGTH_DIGITS = 18  # a Content-Length of more digits is past every limit


def _mib(size: int) -> str:
    return f"{size / MIB:g} MiB"


def body_limit(scope: Scope, settings: Settings) -> tuple[int, str]:
    """The most bytes the request's body may hold, and the detail of its 413."""
    if scope["path"].startswith("/codec/"):
        limit = CODEC_BODY_LIMIT
        return limit, f"A codec request is at most {_mib(limit)}."
    for name, value in scope["headers"]:
        if name == b"content-type":
            if value.split(b";")[0].strip().lower() == b"multipart/form-data":
                limit = settings.max_upload_bytes + FORM_FIELDS_MARGIN
                return limit, (
                    f"An upload is at most {_mib(limit)}: a file of at most "
                    f"{_mib(settings.max_upload_bytes)} and its form fields."
                )
            break
    return BODY_LIMIT, f"A request body (JSON or form) is at most {_mib(BODY_LIMIT)}."


_NOT_UTF8 = "is not valid UTF-8 text"
NUL_TEXT = "must not contain the NUL character (U+0000)"


class _MultipartText:
    """Follows a multipart body as it passes, part by part, without keeping it: the fields
    whose name, text or file name is not UTF-8 (which the form parser would read as Latin-1,
    garbling it) or holds a NUL character. A body it cannot follow is left to the endpoint's
    parser."""

    def __init__(self, boundary: bytes) -> None:
        self.found: list[FieldError] = []
        self._header = b""
        self._value = b""
        self._name = ""
        self._text: Any = None  # the incremental decoder of a text part, None for a file
        self._valid = True
        self._nul = False  # a NUL character in a text part
        self._binary = False  # a part labelled with a media type other than text
        self._broken = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_part_data": self._data,
                "on_part_end": self._end,
            },
        )

    def feed(self, chunk: bytes, last: bool) -> None:
        if self._broken:
            return
        try:
            self._parser.write(chunk)
            if last:
                self._parser.finalize()
        except FormParserError:
            self._broken, self.found = True, []

    def _begin(self) -> None:
        self._name, self._text, self._valid, self._binary = "", None, True, False
        self._nul = False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.lower() == b"content-type":
            self._binary = not self._value.strip().lower().startswith(b"text/")
        if self._header.lower() == b"content-disposition":
            _, options = parse_options_header(self._value)
            name = options.get(b"name", b"")
            self._name = name.decode("utf-8", "replace")
            if problem := _text_problem(name):
                self.found.append(FieldError(safe_text(self._name), f"(its name) {problem}"))
            if b"filename" in options:
                filename = options[b"filename"]
                if problem := _text_problem(filename):
                    text = safe_text(filename.decode("utf-8", "replace"))
                    self.found.append(FieldError(self._name, f"(its file name) {problem}", text))
            else:
                self._text = codecs.getincrementaldecoder("utf-8")()
        self._header, self._value = b"", b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._text is not None and self._valid:
            try:
                self._nul = "\x00" in self._text.decode(data[start:end]) or self._nul
            except UnicodeDecodeError:
                self._valid = False

    def _end(self) -> None:
        if self._text is not None:
            try:
                self._text.decode(b"", final=True)
            except UnicodeDecodeError:
                self._valid = False
            if not self._valid:  # binary content without a file name: a file sent as text
                message = NOT_A_FILE if self._binary else _NOT_UTF8
                self.found.append(FieldError(safe_text(self._name), message))
            elif self._nul:
                message = NOT_A_FILE if self._binary else NUL_TEXT
                self.found.append(FieldError(safe_text(self._name), message))


def _text_problem(value: bytes) -> str | None:
    """Why a header's bytes are no text a field may hold: not UTF-8, or a NUL character."""
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return _NOT_UTF8
    return NUL_TEXT if b"\x00" in value else None


def _multipart_text(scope: Scope) -> _MultipartText | None:
    """The follower of a multipart body sent as UTF-8 (the default); None for any other."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind, options = parse_options_header(value)
            charset = options.get(b"charset", b"utf-8").decode("latin-1").lower()
            boundary = options.get(b"boundary")
            if kind.lower() != b"multipart/form-data" or not boundary:
                return None
            return _MultipartText(boundary) if charset in ("utf-8", "utf8") else None
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            if not value.isdigit():
                return None  # the server refuses it before the app sees it
            return int(value) if len(value) <= _MAX_LENGTH_DIGITS else 10**_MAX_LENGTH_DIGITS
    return None


class BodyMiddleware:
    """Checks the request body while it is received (see the module text): its size, and the
    text of a multipart body. Outside the middlewares that read a body (Idempotency-Key, the
    strict decoder), inside the request id and security headers, so its 413 and 422 are
    problems like any other answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in NO_BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit, detail = body_limit(scope, app_settings(Request(scope)))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            problem = Problem("payload-too-large", detail)
            await problem_response(Request(scope), problem)(scope, receive, send)
            return
        text = _multipart_text(scope)
        if declared is not None and text is None:  # the server delivers no more than it says
            await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def checked() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise BodyProblem(Problem("payload-too-large", detail))
                if text is not None:
                    text.feed(chunk, last=not message.get("more_body", False))
                    if text.found and not message.get("more_body", False):
                        raise BodyProblem(validation_problem(text.found))
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, checked, sending)
        except BodyProblem as exc:
            if started:
                raise
            await problem_response(Request(scope), exc.problem)(scope, receive, send)


# ----- strict JSON -----


class _Rejected:
    """A JSON number the platform refuses, kept as its literal text for the error."""

    __slots__ = ("literal", "message")

    def __init__(self, literal: str, message: str) -> None:
        self.literal = literal
        self.message = message


# A field, JSON member or query parameter that takes one value, sent with several: keeping one
# (the last, as parsers do) would drop the others silently
SENT_ONCE = "must be sent once, not repeated"
_NOT_FINITE = "must be a finite number (NaN and Infinity are not JSON numbers)"
_OUT_OF_RANGE = "is out of range: numbers must fit in a signed 64-bit integer"
_BAD_TEXT = "is not valid Unicode text (it contains a lone surrogate)"
_MAX_DIGITS = 19  # 2**63 has 19 digits
# Objects and lists in one another: the deepest real payload (a NOTYD order request, an NT24
# order, a webhook's data) nests fewer than 10. A value nested much deeper is no data anyone
# sends, and every recursive step that meets it (encoding it for the database or a workflow,
# validating it, logging a failure) costs a Python stack frame each level: a thousand levels
# end in a RecursionError. 64 leaves room for any real document, far below that.
JSON_DEPTH_LIMIT = 64
TOO_DEEP = f"is nested deeper than {JSON_DEPTH_LIMIT} levels"


def _constant(literal: str) -> _Rejected:
    return _Rejected(literal, _NOT_FINITE)


def _int(literal: str) -> int | _Rejected:
    if len(literal.lstrip("-")) > _MAX_DIGITS:  # before int(): no 4300-digit conversions
        return _Rejected(literal[:40], _OUT_OF_RANGE)
    value = int(literal)
    if not INT64_MIN <= value <= INT64_MAX:
        return _Rejected(literal, _OUT_OF_RANGE)
    return value


def _float(literal: str) -> float | _Rejected:
    value = float(literal)
    if not math.isfinite(value):
        return _Rejected(literal[:40], _NOT_FINITE)
    if not INT64_MIN <= value <= INT64_MAX:  # an integral float becomes an int downstream
        return _Rejected(literal[:40], _OUT_OF_RANGE)
    return value


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Members(dict[str, Any]):
    """A JSON object as decoded (the last value of a repeated name, as ``json.loads`` keeps),
    with the names it gave more than once and every value each was given."""

    repeated: dict[str, list[Any]] | None = None


def _members(pairs: list[tuple[str, Any]]) -> _Members:
    members = _Members(pairs)
    if len(members) < len(pairs):
        sent: dict[str, list[Any]] = {}
        for name, value in pairs:
            sent.setdefault(name, []).append(value)
        members.repeated = {name: given for name, given in sent.items() if len(given) > 1}
    return members


def _shown(values: list[Any]) -> list[Any] | None:
    """A repeated member's values as a refusal shows them: plain values as sent; objects and
    lists are no help to the caller (the name is), nor is a value refused for itself."""
    plain = all(v is None or isinstance(v, bool | int | float | str) for v in values)
    return values if plain else None


class _TooDeep(Exception):
    def __init__(self, loc: tuple[Any, ...]) -> None:
        self.loc = loc


def _problems(value: Any, loc: tuple[Any, ...], found: list[FieldError]) -> None:
    if isinstance(value, dict | list) and len(loc) > JSON_DEPTH_LIMIT:
        raise _TooDeep(loc)  # loc starts with "body": the top-level value is at depth 1
    if isinstance(value, _Rejected):
        found.append(FieldError(field_path(loc), value.message, value.literal))
    elif isinstance(value, str):
        if not _valid_text(value):
            found.append(FieldError(field_path(loc), _BAD_TEXT, safe_text(value)))
        elif "\x00" in value:
            found.append(FieldError(field_path(loc), NUL_TEXT, safe_text(value)))
    elif isinstance(value, dict):
        for key, given in (getattr(value, "repeated", None) or {}).items():
            name = key if _valid_text(key) else safe_text(key)
            found.append(FieldError(field_path((*loc, name)), SENT_ONCE, _shown(given)))
        for key, item in value.items():
            if not _valid_text(key):
                found.append(FieldError(field_path((*loc, safe_text(key))), _BAD_TEXT, None))
            elif "\x00" in key:
                found.append(FieldError(field_path((*loc, key)), NUL_TEXT, None))
            _problems(item, (*loc, key if _valid_text(key) else safe_text(key)), found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _problems(item, (*loc, index), found)


def json_problems(body: bytes) -> list[FieldError]:
    """What a strict decoder refuses in ``body``; [] when it is fine or not JSON at all (a
    malformed body is left to the endpoint, which answers it as before). A value nested
    deeper than ``JSON_DEPTH_LIMIT`` is the only problem named: the first such object or
    list, or the body itself when it is too deep for Python's decoder to name a path."""
    try:
        decoded = json.loads(
            body,
            parse_constant=_constant,
            parse_int=_int,
            parse_float=_float,
            object_pairs_hook=_members,
        )
    except RecursionError:
        return [FieldError("body", TOO_DEEP)]
    except ValueError:
        return []
    found: list[FieldError] = []
    try:
        _problems(decoded, ("body",), found)
    except _TooDeep as deep:  # the path cut short: its keys may be long
        return [FieldError(safe_text(field_path(deep.loc)), TOO_DEEP)]
    return found


def nul_problems(pairs: list[tuple[str, str]]) -> list[FieldError]:
    """The query parameters or form fields holding a NUL character, which no text column
    (PostgreSQL's) can store: a 422 naming each, never a database error."""
    return [
        FieldError(safe_text(name), NUL_TEXT, safe_text(value))
        for name, value in pairs
        if "\x00" in name or "\x00" in value
    ]


def _single_valued_parameters(dependant: Dependant) -> set[str]:
    """The query parameters a route and its dependencies (paging, sorting) read one value of:
    those FastAPI does not read as a list."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        names.update(
            field.alias
            for field in current.query_params
            if not field_annotation_is_sequence(field.field_info.annotation)
        )
        pending.extend(current.dependencies)
    return names


@dataclass(frozen=True)
class _QueryOf:
    """A route's path, methods and the query parameters it reads one value of."""

    path: re.Pattern[str]
    methods: frozenset[str]
    single: frozenset[str]


def _queries_of(router: Router) -> list[_QueryOf]:
    """Every route's single-valued query parameters, its included routers' too."""
    found = []
    for context in iter_route_contexts(router.routes):
        dependant = getattr(context, "dependant", None)
        path = getattr(context, "path_regex", None)
        if dependant is not None and path is not None:
            methods = frozenset(context.methods or ())
            found.append(_QueryOf(path, methods, frozenset(_single_valued_parameters(dependant))))
    return found


def _repeated_single_valued(routes: list[_QueryOf], scope: Scope, query: bytes) -> list[FieldError]:
    """The single-valued query parameters the request repeats, by its route's declared ones
    (see the module text). Only a query holding "&" is parsed here; a blank value is none
    (NOTYD's filters read it so: ``FilterQueryRoute``)."""
    pairs = [(name, value) for name, value in _pairs(query) if value]
    counted = Counter(name for name, _ in pairs)
    if all(count == 1 for count in counted.values()):
        return []
    route = next(
        (
            r
            for r in routes
            if r.path.match(scope["path"]) and (not r.methods or scope["method"] in r.methods)
        ),
        None,
    )
    if route is None:
        return []
    return [
        FieldError(safe_text(name), SENT_ONCE, [value for key, value in pairs if key == name])
        for name, count in counted.items()
        if count > 1 and name in route.single
    ]


def _pairs(encoded: bytes) -> list[tuple[str, str]]:
    return parse_qsl(encoded.decode("latin-1"), keep_blank_values=True, encoding="utf-8")


def _is_form(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.split(b";")[0].strip().lower() == b"application/x-www-form-urlencoded"
    return False


def _json_or_unlabelled(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return is_json_media_type(value.decode("latin-1"))
    return True  # no Content-Type: some endpoints read such a body as JSON


BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# the OAuth2 endpoints answer RFC 6749 errors, not problems: they check their own fields;
# the health probes read nothing a request sends
OWN_ERRORS = ("/realms/", "/healthz", "/readyz")


class InputLimitsMiddleware:
    """Refuses NUL characters and JSON bodies a strict decoder would (see the module text).
    Runs innermost: authentication and Idempotency-Key come first."""

    def __init__(self, app: ASGIApp, router: Router | None = None) -> None:
        self.app = app
        self.router = router  # the app's routes: which query parameters take one value
        self._queries: list[_QueryOf] | None = None  # read from the router when first needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:  # no resource is named so
            detail = "Nothing is found at a path holding a NUL character."
            response = problem_response(Request(scope), Problem("not-found", detail))
            await response(scope, receive, send)
            return
        own_errors = scope["path"].startswith(OWN_ERRORS)
        query = scope.get("query_string", b"")
        # a NUL reaches a query's text only written so (or percent-encoded): most queries,
        # and every empty one, need no parsing here
        holds_nul = b"\x00" in query or b"%00" in query
        found = nul_problems(_pairs(query)) if holds_nul and not own_errors else []
        if not found and not own_errors and b"&" in query and self.router is not None:
            if self._queries is None:
                self._queries = _queries_of(self.router)
            found = _repeated_single_valued(self._queries, scope, query)
        if found:
            response = problem_response(Request(scope), validation_problem(found))
            await response(scope, receive, send)
            return
        if scope["method"] in BODY_METHODS and _is_form(scope) and not own_errors:
            body, more = await _read(receive)
            found = nul_problems(_pairs(body)) if more is not None else []
            if found:
                response = problem_response(Request(scope), validation_problem(found))
                await response(scope, receive, send)
                return
            receive = _replaying(body, receive, more)
        elif scope["method"] in BODY_METHODS and _json_or_unlabelled(scope):
            body, more = await _read(receive)
            if more is None:  # the client went away
                await self.app(scope, _replaying(body, receive, more), send)
                return
            found = json_problems(body)
            if found:
                response = problem_response(Request(scope), validation_problem(found))
                await response(scope, receive, send)
                return
            receive = _replaying(body, receive, more)
        await self.app(scope, receive, send)


async def _read(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body; the message that ended it (None on a disconnect)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), message


def _replaying(body: bytes, receive: Receive, last: Message | None) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if last is None:
                return {"type": "http.disconnect"}
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def declare_body_problems(app: FastAPI) -> None:
    """In /openapi.json, every operation with a JSON body also declares the 415 a body of
    another media type gets and the 422 of the strict decoder (added where missing)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path, item in schema.get("paths", {}).items():
            for operation in item.values():
                content = operation.get("requestBody", {}).get("content", {})
                if not any(is_json_media_type(media) for media in content):
                    continue
                responses = operation.setdefault("responses", {})
                if path.startswith("/v1/api/"):
                    responses.setdefault("415", problem(415, _UNSUPPORTED)[415])
                    responses.setdefault("422", problem(422, _INVALID)[422])
                else:
                    responses.setdefault(
                        "415", {"description": f"unsupported-media-type: {_UNSUPPORTED}"}
                    )
                    responses.setdefault("422", {"description": f"validation-error: {_INVALID}"})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_UNSUPPORTED = "the body is not sent as JSON (Content-Type: application/json)"
_INVALID = (
    "a field is invalid (NaN, Infinity, a lone surrogate, out of range, nested too deep,"
    " named twice in one object); `errors` names it"
)
