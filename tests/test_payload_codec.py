"""Temporal payloads are encrypted (api/shared/payload_codec.py): the server's histories hold no
personal data in clear, the platform's clients still read everything, keys rotate, and the
codec server (api/shared/codec_server.py) decodes for an operator with its token only."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from uuid import uuid4

import httpx
import pytest
import temporalio.api.sdk.v1
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec

from api.main import create_app
from api.shared.converter import DATA_CONVERTER, data_converter
from api.shared.payload_codec import (
    COMPRESSION,
    ENCODING,
    KEY_ID,
    NONCE_SIZE,
    ZLIB,
    EncryptionCodec,
    PayloadKeyError,
    decode_message,
    decoded_history,
)
from settings import Settings
from tests.conftest import Stack, serving, settings_for_tests
from tests.order_flow import OrderClient, seller_session
from workflows.orders.workflow import OrderWorkflow

SDK_MARKER_DETAILS = {"patch-data", "data"}


def _key(kid: str) -> str:
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


class _Collect(PayloadCodec):
    """Keeps every payload a message holds, changing none."""

    def __init__(self) -> None:
        self.payloads: list[Payload] = []

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.payloads += [Payload.FromString(p.SerializeToString()) for p in payloads]
        return list(payloads)


async def _payloads_of(history: WorkflowHistory, *, sdk_markers: bool = True) -> list[Payload]:
    """Every payload of the history; without ``sdk_markers``, not the details the SDK itself
    writes in clear on markers (a patch's id, a local activity's timing): no business data."""
    collect = _Collect()
    for event in history.events:
        if event.HasField("marker_recorded_event_attributes") and not sdk_markers:
            details = event.marker_recorded_event_attributes.details
            for name in details:
                if name not in SDK_MARKER_DETAILS:
                    await decode_message(collect, details[name])
            continue
        await decode_message(collect, event)
    return collect.payloads


async def test_keys_rotate_and_a_payload_in_clear_passes_through():
    old, new = _key("k2025"), _key("k2026")
    before = data_converter(Settings(payload_keys=old, _env_file=None))
    payload = await before.encode(["Jeanne Dupont", {"iban": "FR7630006000011234567890189"}])
    assert all(p.metadata["encoding"] == ENCODING for p in payload)
    assert [p.metadata[KEY_ID] for p in payload] == [b"k2025", b"k2025"]
    assert b"Dupont" not in b"".join(p.SerializeToString() for p in payload)

    # the new key first encrypts; the old one, still listed, decrypts what it wrote
    rotated = data_converter(Settings(payload_keys=f"{new},{old}", _env_file=None))
    assert await rotated.decode(payload, [str, dict]) == [
        "Jeanne Dupont",
        {"iban": "FR7630006000011234567890189"},
    ]
    assert (await rotated.encode(["x"]))[0].metadata[KEY_ID] == b"k2026"

    # dropped too early, the old key is named in the error; a tampered payload never decodes
    dropped = data_converter(Settings(payload_keys=new, _env_file=None))
    with pytest.raises(PayloadKeyError, match="k2025"):
        await dropped.decode(payload, [str, dict])
    tampered = Payload.FromString(payload[0].SerializeToString())
    tampered.data = tampered.data[:-1] + bytes([tampered.data[-1] ^ 1])
    with pytest.raises(PayloadKeyError, match="does not decrypt"):
        await rotated.decode([tampered], [str])
    # nor one cut shorter than its nonce (the codec server answers it 400, as any of these)
    for kept in (0, 3):
        tampered.data = payload[0].data[:kept]
        with pytest.raises(PayloadKeyError, match="does not decrypt"):
            await rotated.decode([tampered], [str])

    # a payload in clear (a history from before encryption) decodes as it is
    plain = await pydantic_data_converter.encode(["in clear"])
    assert await rotated.decode(plain, [str]) == ["in clear"]

    with pytest.raises(ValueError, match="NT24_PAYLOAD_KEYS"):
        EncryptionCodec.from_setting("k1:not-base64!")


def test_a_large_payload_is_compressed_before_it_is_encrypted():
    codec = EncryptionCodec([("k1", os.urandom(32))])
    outcomes = [
        {"rule": f"RULE_{i}", "outcome": "PASSED", "legalBasis": "Art. 45a Implementing "
         "Regulation (EU) No 282/2011", "detail": "The buyer's VAT number was valid on the day"}
        for i in range(40)
    ]  # fmt: skip
    snapshot = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(outcomes).encode())
    sealed = codec.encrypt(snapshot)
    assert sealed.metadata[COMPRESSION] == ZLIB
    assert len(sealed.data) < len(snapshot.data) / 4
    assert b"Regulation" not in sealed.SerializeToString()
    assert codec.decrypt(sealed) == snapshot

    # an id or an amount is not worth it: encrypted as it is
    small = Payload(metadata={"encoding": b"json/plain"}, data=b'"7c1f4e0a-order"')
    assert COMPRESSION not in codec.encrypt(small).metadata
    assert codec.decrypt(codec.encrypt(small)) == small

    # the flag is covered by the encryption: removed or changed, nothing decrypts
    for flag in (None, b"gzip"):
        changed = Payload.FromString(sealed.SerializeToString())
        if flag is None:
            del changed.metadata[COMPRESSION]
        else:
            changed.metadata[COMPRESSION] = flag
        with pytest.raises(PayloadKeyError, match="does not decrypt"):
            codec.decrypt(changed)

    # a payload encrypted before compression came (the key id alone authenticated) decrypts
    key, nonce = os.urandom(32), os.urandom(NONCE_SIZE)
    before = Payload(
        metadata={"encoding": ENCODING, KEY_ID: b"k0"},
        data=nonce + AESGCM(key).encrypt(nonce, snapshot.SerializeToString(), b"k0"),
    )
    assert EncryptionCodec([("k0", key)]).decrypt(before) == snapshot


async def test_compression_turns_off_for_a_rolling_upgrade_and_either_reads_both():
    keys = _key("k1")
    name = ["Garage Dupont SARL, 1 rue de la Paix, 75002 Paris; " * 40]
    on = data_converter(Settings(payload_keys=keys, _env_file=None))
    off = data_converter(Settings(payload_keys=keys, payload_compression=False, _env_file=None))
    compressed, whole = await on.encode(name), await off.encode(name)
    assert compressed[0].metadata[COMPRESSION] == ZLIB
    assert COMPRESSION not in whole[0].metadata
    for converter in (on, off):
        assert await converter.decode(compressed, [str]) == name
        assert await converter.decode(whole, [str]) == name


def test_production_refuses_to_start_without_payload_keys(tmp_path):
    settings = Settings(environment="production", data_dir=tmp_path, _env_file=None)
    assert "NT24_PAYLOAD_KEYS" in settings.missing_production_secrets()
    with pytest.raises(RuntimeError, match="NT24_PAYLOAD_KEYS"):
        settings.effective_payload_keys  # noqa: B018
    dev = Settings(environment="dev", data_dir=tmp_path, _env_file=None)
    assert dev.effective_payload_keys == dev.effective_payload_keys  # generated once, kept
    assert (tmp_path / "payload-keys").stat().st_mode & 0o777 == 0o600


async def _order_with_buyer(stack: Stack, company: str) -> str:
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(name=company)
        created = await client.order(buyer)
    return f"order-{created['uuid']}"


async def test_an_orders_history_on_the_server_holds_no_personal_data_in_clear(stack: Stack):
    company = f"Garage Geheimnis {uuid4().hex[:8]} SARL"
    handle = stack.client.get_workflow_handle(await _order_with_buyer(stack, company))

    raw = await handle.fetch_history()  # as the server keeps it, the UI without codec shows it
    raw_json = raw.to_json()
    assert company not in raw_json
    assert company.encode() not in b"".join(e.SerializeToString() for e in raw.events)
    payloads = await _payloads_of(raw, sdk_markers=False)
    plain_ones = [p for p in payloads if p.metadata["encoding"] != ENCODING]
    assert payloads and not plain_ones, plain_ones

    # with the keys the same history reads in clear: the name was in it, encrypted
    plain = await decoded_history(await handle.fetch_history(), DATA_CONVERTER.payload_codec)
    assert company.encode() in b"".join(e.SerializeToString() for e in plain.events)

    # the platform's own client reads results and queries as before
    view = await handle.query(OrderWorkflow.view)
    assert view.status == "CREATED" and view.buyer_uuid
    metadata = await handle.query(
        "__temporal_workflow_metadata", result_type=temporalio.api.sdk.v1.WorkflowMetadata
    )
    assert company in metadata.current_details  # the UI's current details, decoded


async def test_the_codec_server_decodes_for_the_operator_with_its_token_only(
    stack: Stack, pg_url: str
):
    company = f"Autohaus Vertraulich {uuid4().hex[:8]} GmbH"
    handle = stack.client.get_workflow_handle(await _order_with_buyer(stack, company))
    encrypted = [
        p for p in await _payloads_of(await handle.fetch_history()) if p.metadata.get(KEY_ID)
    ]
    body = {"payloads": [_payload_json(p) for p in encrypted]}

    token = "codec-" + uuid4().hex
    ui = "http://127.0.0.1:8233"
    settings = settings_for_tests(pg_url, codec_token=token, temporal_ui_url=ui)
    app = create_app(settings, db=stack.db, temporal_client=stack.client)
    async with serving(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        # the UI's preflight from its own origin, and none for another origin
        preflight = await http.options(
            "/codec/decode",
            headers={
                "Origin": ui,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == ui
        assert "Authorization" in preflight.headers["access-control-allow-headers"]
        foreign = await http.options("/codec/decode", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in foreign.headers

        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = await http.post("/codec/decode", json=body, headers=headers)
            assert refused.status_code == 401, headers
            assert company not in refused.text

        auth = {"Authorization": f"Bearer {token}", "Origin": ui, "X-Namespace": "default"}
        answer = await http.post("/codec/decode", json=body, headers=auth)
        assert answer.status_code == 200, answer.text
        assert answer.headers["access-control-allow-origin"] == ui
        decoded = answer.json()["payloads"]
        assert len(decoded) == len(encrypted)
        assert all(base64.b64decode(p["metadata"]["encoding"]) != ENCODING for p in decoded)
        assert any(company in base64.b64decode(p.get("data", "")).decode() for p in decoded)

        # and /encode gives what the platform's own converter decodes
        plain = await pydantic_data_converter.encode([company])
        sealed = await http.post(
            "/codec/encode", json={"payloads": [_payload_json(plain[0])]}, headers=auth
        )
        assert sealed.status_code == 200, sealed.text
        again = _payload_from_json(sealed.json()["payloads"][0])
        assert again.metadata["encoding"] == ENCODING and company.encode() not in again.data
        assert await DATA_CONVERTER.decode([again], [str]) == [company]

        bad = await http.post("/codec/decode", content=b"not json", headers=auth)
        assert bad.status_code in (400, 422)


async def test_the_codec_server_is_off_in_production_without_a_token(pg_url: str):
    settings = settings_for_tests(pg_url, environment="production")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://codec") as http:
        answer = await http.post("/codec/decode", json={"payloads": []})
    assert answer.status_code == 404


def _payload_json(payload: Payload) -> dict:
    from google.protobuf import json_format

    return json_format.MessageToDict(payload)


def _payload_from_json(value: dict) -> Payload:
    from google.protobuf import json_format

    return json_format.ParseDict(value, Payload())


async def test_a_failures_message_travels_encrypted_and_comes_back():
    """A refusal's text names the order's facts: on the server it is an encrypted payload."""
    from temporalio.api.failure.v1 import Failure
    from temporalio.exceptions import ApplicationError

    from api.shared.converter import DATA_CONVERTER

    failure = Failure()
    refusal = ApplicationError("Garage Dupont SARL paid from DE89370400440532013000", type="x")
    await DATA_CONVERTER.encode_failure(refusal, failure)
    assert "Garage Dupont" not in failure.SerializeToString().decode(errors="replace")
    assert failure.encoded_attributes.metadata["encoding"] == b"binary/encrypted"
    decoded = await DATA_CONVERTER.decode_failure(failure)
    assert isinstance(decoded, ApplicationError)
    assert decoded.message == "Garage Dupont SARL paid from DE89370400440532013000"
    assert decoded.type == "x"
