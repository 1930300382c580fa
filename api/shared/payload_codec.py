"""Every payload that leaves a client or worker for the Temporal server is encrypted here.

Workflow and activity inputs, results, Update and signal arguments, query answers and memos
carry personal and financial data (contact names and e-mails, driver identification, IBANs):
the server, its database and its Web UI see only ciphertext. AES-256-GCM with a random nonce
per payload; the whole original payload (its metadata and data) is the plaintext, so the
server does not even learn which converter encoded it. An encrypted payload's metadata reads
``encoding: binary/encrypted`` and ``encryption-key-id: <kid>``, and the key id is the AEAD's
associated data.

A payload of ``COMPRESS_FROM`` bytes or more is compressed (zlib) before it is encrypted,
when that makes it shorter, and says so in ``compression: zlib``, which the associated data
covers too (``NT24_PAYLOAD_COMPRESSION=false`` stops compressing; compressed payloads still
read). The SDK's core keeps every local activity's input while its run stays in the worker's
cache, and an order's read-model write takes the order's whole snapshot (10-15 KB of JSON) on
every change: compressed, a decided order holds 262-276 KiB of the worker's memory instead of
387 (README, **Worker**). A compressed length says how much a payload repeats itself; a payload
holds one order's, buyer's or organization's data, which its sender knows, and only the
people who run the Temporal server see the lengths.

Keys come from ``NT24_PAYLOAD_KEYS``: ``kid:base64key[,kid:base64key...]``, 32-byte keys, the
first encrypts and every one decrypts, so a key is rotated by putting a new pair first and
dropping the old one once no open workflow's history (nor a history kept for replay) needs it.
A payload without the encrypted encoding is passed through on decode: the histories written
before encryption, and the saved ones under tests/histories/, still replay.

Outside production a key is generated into ``data/payload-keys`` when the setting is empty;
production refuses to start without it (settings.py). The codec server (api/shared/codec_server.py)
decodes with the same keys for an operator's Temporal UI.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

if TYPE_CHECKING:
    from temporalio.client import WorkflowHistory

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_SIZE = 12
COMPRESSION = "compression"
ZLIB = b"zlib"
COMPRESS_FROM = 1024  # bytes of the serialized payload: ids and amounts stay as they are


class PayloadKeyError(ValueError):
    """A payload does not decode here: encrypted with a key that is not configured, tampered
    with, or compressed in a way this version does not know."""


def parse_payload_keys(value: str) -> list[tuple[str, bytes]]:
    """``kid:base64key[,...]`` as (kid, key) pairs, the current one first."""
    from store.secrets_box import parse_keys

    return parse_keys(value, setting="NT24_PAYLOAD_KEYS")


class EncryptionCodec(PayloadCodec):
    """AES-GCM over whole payloads; ``keys`` as (kid, key) pairs, the first encrypts. With
    ``source`` instead, the setting is read on first use (the process's settings)."""

    def __init__(
        self,
        keys: Sequence[tuple[str, bytes]] | None = None,
        *,
        source: Callable[[], str] | None = None,
        compress: bool = True,
    ) -> None:
        if (keys is None) == (source is None):
            raise ValueError("an EncryptionCodec takes either keys or a source of them")
        self._source = source
        self._compress_from = COMPRESS_FROM if compress else math.inf
        self._current = ""
        self._keys: dict[str, AESGCM] = {}
        if keys is not None:
            self._load(keys)

    @classmethod
    def from_setting(cls, value: str, *, compress: bool = True) -> EncryptionCodec:
        return cls(parse_payload_keys(value), compress=compress)

    def _load(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("NT24_PAYLOAD_KEYS holds no key")
        self._current = keys[0][0]
        for kid, key in keys:
            if kid in self._keys:
                raise ValueError(f"NT24_PAYLOAD_KEYS: the key id {kid} appears twice")
            self._keys[kid] = AESGCM(key)

    def _ready(self) -> None:
        if not self._current and self._source is not None:
            self._load(parse_payload_keys(self._source()))

    @property
    def current_key_id(self) -> str:
        self._ready()
        return self._current

    @property
    def key_ids(self) -> list[str]:
        self._ready()
        return list(self._keys)

    def encrypt(self, payload: Payload) -> Payload:
        self._ready()
        nonce = os.urandom(NONCE_SIZE)
        kid = self._current
        plain = payload.SerializeToString()
        metadata = {"encoding": ENCODING, KEY_ID: kid.encode()}
        # level 1: an order's snapshot 8.5 -> 2.9 KB in 34 µs (the default level: 2.7 KB, 53 µs)
        if len(plain) >= self._compress_from:
            packed = zlib.compress(plain, 1)
            if len(packed) < len(plain):
                plain, metadata[COMPRESSION] = packed, ZLIB
        sealed = self._keys[kid].encrypt(nonce, plain, _associated_data(metadata))
        return Payload(metadata=metadata, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before encryption, or by a converter without it
        self._ready()
        kid = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        key = self._keys.get(kid)
        if key is None:
            raise PayloadKeyError(f"NT24_PAYLOAD_KEYS lacks the key {kid!r} a payload needs")
        nonce, sealed = payload.data[:NONCE_SIZE], payload.data[NONCE_SIZE:]
        try:
            plain = key.decrypt(nonce, sealed, _associated_data(payload.metadata))
        except (InvalidTag, ValueError):  # ValueError: too short to hold its nonce
            raise PayloadKeyError(f"a payload does not decrypt with the key {kid!r}") from None
        compression = payload.metadata.get(COMPRESSION)
        if compression == ZLIB:
            plain = zlib.decompress(plain)
        elif compression is not None:
            raise PayloadKeyError(f"a payload is compressed with {compression!r}, unknown here")
        return Payload.FromString(plain)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]


def _associated_data(metadata: Mapping[str, bytes]) -> bytes:
    """The key id, and the compression when there is one: neither can be changed in transit
    without the payload failing to decrypt. Without compression it is the key id alone, as for
    every payload encrypted before compression came."""
    kid = metadata.get(KEY_ID, b"")
    compression = metadata.get(COMPRESSION)
    return kid if compression is None else kid + b"|" + compression


async def decode_message(codec: PayloadCodec | None, message: object) -> None:
    """Decode, in place, every payload inside a protobuf message (a history event): kept for
    replay in clear, as the replay tests read them without the key. No codec: left as it is."""
    from google.protobuf.message import Message

    assert isinstance(message, Message)
    if codec is None:
        return
    if isinstance(message, Payload):
        decoded = (await codec.decode([message]))[0]
        if decoded is not message:
            message.Clear()
            message.MergeFrom(decoded)
        return
    for field, value in message.ListFields():
        if field.message_type is None or field.name == "search_attributes":
            continue  # search attributes are never encrypted: the server indexes them
        if field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            if value_field.message_type is not None:
                for item in value.values():
                    await decode_message(codec, item)
        elif isinstance(value, Message):
            await decode_message(codec, value)
        else:  # a repeated field of messages
            for item in value:
                await decode_message(codec, item)


async def decoded_history(history: WorkflowHistory, codec: PayloadCodec | None) -> WorkflowHistory:
    """The history with its payloads in clear, for tests/histories/ (captured histories
    replay in the tests without the production keys)."""
    if codec is not None:
        for event in history.events:
            await decode_message(codec, event)
    return history
