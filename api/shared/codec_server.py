"""The codec server: the Temporal Web UI (and CLI) decode the encrypted payloads here.

Temporal's codec server protocol: ``POST /codec/decode`` and ``POST /codec/encode`` take
``{"payloads": [...]}`` (payloads in protobuf JSON, data in base64) and answer the same with
each payload run through the payload codec (api/shared/payload_codec.py) with this API's
``NT24_PAYLOAD_KEYS``. The UI calls it from the operator's browser: the origins of
``NT24_CODEC_CORS_ORIGINS`` (default the origin of ``NT24_TEMPORAL_UI_URL``) get CORS answers.

It answers only to ``Authorization: Bearer <NT24_CODEC_TOKEN>``; with no token set it answers
anyone outside production (the dev stack's UI on loopback) and no one in production (404), as
it hands out the clear text of every workflow's personal data.
"""

from __future__ import annotations

import hmac
import json
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payloads

from api.shared.converter import data_converter
from api.shared.deps import app_settings
from api.shared.payload_codec import EncryptionCodec, PayloadKeyError

router = APIRouter(prefix="/codec", include_in_schema=False)

ALLOWED_HEADERS = "Authorization, Content-Type, X-Namespace"


def _codec(request: Request) -> EncryptionCodec:
    codec = getattr(request.app.state, "payload_codec", None)
    if codec is None:
        codec = data_converter(app_settings(request)).payload_codec
        request.app.state.payload_codec = codec
    assert isinstance(codec, EncryptionCodec)
    return codec


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _cors(request: Request) -> dict[str, str]:
    settings = app_settings(request)
    allowed = settings.codec_cors_origins or [_origin_of(settings.temporal_ui_url)]
    origin = request.headers.get("origin", "")
    if not origin or origin not in allowed:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


def _allowed(request: Request) -> bool | None:
    """True: may decode; False: a wrong or missing token (401); None: the server is off."""
    settings = app_settings(request)
    token = settings.codec_token
    if not token:
        return None if settings.environment == "production" else True
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@router.options("/encode")
@router.options("/decode")
async def preflight(request: Request) -> Response:
    headers = _cors(request)
    if headers:
        headers |= {
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": "600",
        }
    return Response(status_code=204, headers=headers)


async def _run(request: Request, decode: bool) -> Response:
    cors = _cors(request)
    allowed = _allowed(request)
    if allowed is None:
        return Response(status_code=404, headers=cors)
    if not allowed:
        return Response(
            status_code=401, headers=cors | {"WWW-Authenticate": 'Bearer realm="nt24-codec"'}
        )
    try:
        body = await request.body()
        payloads = json_format.Parse(body or b"{}", Payloads(), ignore_unknown_fields=True)
    except (json_format.ParseError, DecodeError, UnicodeDecodeError):
        return Response(
            '{"error":"the body is not {\\"payloads\\": [...]}"}',
            status_code=400,
            media_type="application/json",
            headers=cors,
        )
    codec = _codec(request)
    try:
        if decode:
            result = await codec.decode(list(payloads.payloads))
        else:
            result = await codec.encode(list(payloads.payloads))
    except PayloadKeyError as exc:
        return Response(
            json.dumps({"error": str(exc)}),
            status_code=400,
            media_type="application/json",
            headers=cors,
        )
    answer = {"payloads": [json_format.MessageToDict(p) for p in result]}
    return Response(json.dumps(answer), media_type="application/json", headers=cors)


@router.post("/decode")
async def decode(request: Request) -> Response:
    return await _run(request, decode=True)


@router.post("/encode")
async def encode(request: Request) -> Response:
    return await _run(request, decode=False)
