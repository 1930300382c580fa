"""Secrets the platform must read back (webhook signing secrets, the stored answers of
Idempotency-Keys, which may carry a secret shown once), encrypted at rest.

AES-256-GCM with a key from the environment: ``NT24_SECRETS_KEY`` holds one or more
``kid:key`` pairs separated by commas (the key: 32 bytes in base64); the first encrypts, every
one decrypts, so a key is rotated by putting a new pair first and running ``nt24-admin
reencrypt-secrets``, then dropping the old pair. A stored value reads
``enc1:<kid>:<base64url(nonce + ciphertext)>``, bound to its column (the AEAD's associated
data), so a ciphertext copied into another column does not decrypt. A value without the prefix
is a row of before migration 0017, read as it is and encrypted when it is written again.

Outside production a key is generated into ``data/secrets-key`` when the setting is empty;
production refuses to start without it (settings.py).
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, String, TypeDecorator

PREFIX = "enc1:"


class SecretsKeyError(RuntimeError):
    """The key a value was encrypted with is not configured, or the value was tampered with."""


@dataclass
class Keyring:
    current: str = ""
    keys: dict[str, bytes] = field(default_factory=dict)


_ring = Keyring()


def parse_keys(value: str, setting: str = "NT24_SECRETS_KEY") -> list[tuple[str, bytes]]:
    """``kid:base64key[,kid:base64key...]`` as (kid, key) pairs, the current one first
    (``setting``: the name errors give; NT24_PAYLOAD_KEYS has the same form)."""
    pairs = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        kid, sep, encoded = part.partition(":")
        if not sep or not kid or len(kid) > 24 or not kid.replace("-", "").isalnum():
            raise ValueError(f"{setting}: each key is kid:base64key (kid: 1-24 letters)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{setting}: the key {kid} is not base64") from None
        if len(key) != 32:
            raise ValueError(f"{setting}: the key {kid} must be 32 bytes")
        pairs.append((kid, key))
    if not pairs:
        raise ValueError(f"{setting} holds no key")
    return pairs


def configure(value: str) -> None:
    """Use these keys from now on; keys configured before still decrypt (several settings in
    one process, as in the tests)."""
    pairs = parse_keys(value)
    _ring.current = pairs[0][0]
    for kid, key in pairs:
        _ring.keys.setdefault(kid, key)
        if _ring.keys[kid] != key:
            raise ValueError(f"NT24_SECRETS_KEY: the key id {kid} names two different keys")


def use_settings(settings: Any) -> None:
    """Configure the keys of these settings; a production process without them is refused
    at startup with the other missing secrets (settings.require_production_secrets)."""
    if settings.secrets_key or settings.environment != "production":
        configure(settings.effective_secrets_key)


def _keyring() -> Keyring:
    if not _ring.current:
        from settings import get_settings

        configure(get_settings().effective_secrets_key)
    return _ring


def current_kid() -> str:
    return _keyring().current


def _seal(plain: bytes, purpose: str) -> tuple[str, bytes]:
    """The current key's id, and the nonce with the ciphertext."""
    ring = _keyring()
    nonce = os.urandom(12)
    return ring.current, nonce + AESGCM(ring.keys[ring.current]).encrypt(
        nonce, plain, purpose.encode()
    )


def _open(kid: str, raw: bytes, purpose: str) -> bytes:
    key = _keyring().keys.get(kid)
    if key is None:
        raise SecretsKeyError(f"NT24_SECRETS_KEY lacks the key {kid!r} a stored secret needs")
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode())
    except InvalidTag:
        raise SecretsKeyError(f"a stored secret does not decrypt with the key {kid!r}") from None


def encrypt(plain: str, purpose: str) -> str:
    kid, raw = _seal(plain.encode(), purpose)
    return f"{PREFIX}{kid}:{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


def decrypt(stored: str, purpose: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption (migration 0017 encrypts such rows)
    kid, _, body = stored.removeprefix(PREFIX).partition(":")
    return _open(kid, base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), purpose).decode()


def encrypt_bytes(plain: bytes, purpose: str) -> bytes:
    """``enc1:<kid>:`` and the nonce with the ciphertext, as bytes (no base64: a binary
    column)."""
    kid, raw = _seal(plain, purpose)
    return f"{PREFIX}{kid}:".encode() + raw


def decrypt_bytes(stored: bytes, purpose: str) -> bytes:
    if not stored.startswith(PREFIX.encode()):
        return stored  # written in clear, before its column was encrypted
    kid, _, raw = stored.removeprefix(PREFIX.encode()).partition(b":")
    return _open(kid.decode(), raw, purpose)


def key_id_of(stored: str | None) -> str | None:
    """The key id a stored value is encrypted with; None for a value in clear."""
    if not stored or not stored.startswith(PREFIX):
        return None
    return stored.removeprefix(PREFIX).partition(":")[0]


class EncryptedBytes(TypeDecorator[bytes]):
    """A binary column kept encrypted, as ``EncryptedString`` keeps a string one."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        return None if value is None else encrypt_bytes(bytes(value), self.purpose)

    def process_result_value(self, value: Any, dialect: Any) -> bytes | None:
        return None if value is None else decrypt_bytes(bytes(value), self.purpose)


class EncryptedString(TypeDecorator[str]):
    """A string column kept encrypted (``purpose`` names the column: the AEAD's associated
    data). Equality queries on it cannot work: each write has a fresh nonce."""

    impl = String
    cache_ok = True

    def __init__(self, length: int, purpose: str) -> None:
        super().__init__(length)
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return encrypt(str(value), self.purpose)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else decrypt(value, self.purpose)
