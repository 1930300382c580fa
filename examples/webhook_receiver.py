"""A reference receiver for NT24 webhooks: verifies both signatures, dedupes, answers 2xx.

Every delivery is a POST of the event envelope (compact JSON) signed with the endpoint's one
secret (``whsec_...``, shown once when the endpoint is registered):

- ``X-Novatrade-Signature: t=<unix seconds>,v1=<hex>``: HMAC-SHA256 keyed with the UTF-8 bytes
  of the whole secret string (``whsec_`` included), over ``<t>.<raw body>``;
- Standard Webhooks (``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64>``):
  HMAC-SHA256 keyed with the base64-decoded part after ``whsec_``, over
  ``<webhook-id>.<t>.<raw body>``; sent when the part after ``whsec_`` is standard base64, as
  a generated secret's always is (a secret you chose may not be: then only the first). Verified
  with the ``standardwebhooks`` package when it is installed (``pip install
  standardwebhooks``), else with the same HMAC by hand.

Verify the raw body as received, before parsing it; compare in constant time; refuse a
timestamp more than five minutes off. Delivery is at least once, so dedupe on the envelope's
``id`` (also ``X-Novatrade-Event-Id`` and ``webhook-id``): a retry or a replay carries the same.
Answer 2xx quickly; anything else (or no answer within 15 s) is retried for 48 hours.

Run it (standard library only, plus ``standardwebhooks`` if present)::

    python examples/webhook_receiver.py --secret whsec_... --port 8787

and register ``http://127.0.0.1:8787/`` with ``POST /v1/webhooks`` (``http://`` is accepted
for a loopback host outside production). ``examples/quickstart.py`` runs it in-process.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

try:  # the Standard Webhooks reference library, when installed
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError
except ImportError:  # pragma: no cover - the fallback below does the same
    Webhook = None  # type: ignore[assignment,misc]
    WebhookVerificationError = ValueError  # type: ignore[assignment,misc]

TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """The delivery is not from the platform (or was altered, or is too old)."""


def _fresh(timestamp: str, now: float) -> None:
    try:
        seconds = int(timestamp)
    except ValueError:
        raise InvalidSignature("the timestamp is not a number") from None
    if abs(now - seconds) > TOLERANCE_SECONDS:
        raise InvalidSignature("the timestamp is more than five minutes off")


def verify_novatrade(secret: str, body: bytes, header: str, now: float | None = None) -> None:
    """``X-Novatrade-Signature``: key = the whole secret string's UTF-8 bytes."""
    try:
        fields = dict(part.strip().split("=", 1) for part in header.split(","))
    except ValueError:
        raise InvalidSignature("X-Novatrade-Signature is malformed") from None
    if "t" not in fields or "v1" not in fields:
        raise InvalidSignature("X-Novatrade-Signature lacks t or v1")
    _fresh(fields["t"], time.time() if now is None else now)
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), fields["v1"]):
        raise InvalidSignature("X-Novatrade-Signature does not match")


def verify_standard(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """Standard Webhooks: key = the base64-decoded part of the secret after ``whsec_``."""
    lower = {key.lower(): value for key, value in headers.items()}
    if Webhook is not None:
        try:
            Webhook(secret).verify(body, lower, json_parse=False)
        except WebhookVerificationError as error:
            raise InvalidSignature(f"webhook-signature: {error}") from None
        return
    msg_id, stamp = lower.get("webhook-id", ""), lower.get("webhook-timestamp", "")
    signatures = lower.get("webhook-signature", "")
    if not (msg_id and stamp and signatures):
        raise InvalidSignature("a Standard Webhooks header is missing")
    _fresh(stamp, time.time())
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    if not any(hmac.compare_digest(expected, sig) for sig in signatures.split(" ")):
        raise InvalidSignature("webhook-signature does not match")


def signs_standard(secret: str) -> bool:
    """Whether deliveries signed with ``secret`` carry Standard Webhooks headers: when the
    part after ``whsec_`` is standard base64."""
    try:
        return bool(base64.b64decode(secret.removeprefix("whsec_"), validate=True))
    except ValueError:  # binascii.Error is one
        return False


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """The signatures the secret makes, then the envelope. Raises InvalidSignature."""
    lower = {key.lower(): value for key, value in headers.items()}
    verify_novatrade(secret, body, lower.get("x-novatrade-signature", ""))
    envelope = json.loads(body)
    if signs_standard(secret):
        verify_standard(secret, body, lower)
        if envelope.get("id") != lower.get("webhook-id"):
            raise InvalidSignature("the envelope's id is not the signed webhook-id")
    return envelope


class Receiver:
    """An HTTP server on ``host:port`` (0: a free port) that keeps every verified event once."""

    def __init__(self, secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.secret = secret
        self.events: list[dict[str, Any]] = []
        self.rejected = 0
        self._seen: set[str] = set()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    envelope = verify(receiver.secret, body, dict(self.headers.items()))
                except (InvalidSignature, ValueError) as error:
                    with receiver._changed:
                        receiver.rejected += 1
                    self.log_message("rejected: %s", error)
                    self.send_response(401)
                    self.end_headers()
                    return
                receiver._keep(envelope)
                self.send_response(204)  # any 2xx: delivered
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                if os.environ.get("WEBHOOK_RECEIVER_QUIET") != "1":
                    sys.stderr.write(f"webhook receiver: {format % args}\n")

        self.server = ThreadingHTTPServer((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def _keep(self, envelope: dict[str, Any]) -> None:
        with self._changed:
            if envelope["id"] in self._seen:
                return  # at least once: a retry or a replay of an event already handled
            self._seen.add(envelope["id"])
            self.events.append(envelope)
            self._changed.notify_all()
        data = envelope.get("data", {})
        print(f"webhook {envelope['type']} {json.dumps(data, sort_keys=True)[:200]}", flush=True)

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 60
    ) -> dict[str, Any]:
        """The first verified event ``predicate`` accepts, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [event["type"] for event in self.events]
                    raise TimeoutError(f"no such webhook within {timeout:.0f} s; got {seen}")
                self._changed.wait(left)

    def start(self) -> Receiver:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--secret",
        default=os.environ.get("NT24_WEBHOOK_SECRET"),
        help="the endpoint's whsec_ secret (or NT24_WEBHOOK_SECRET)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("--secret (or NT24_WEBHOOK_SECRET) is required")
    receiver = Receiver(args.secret, args.host, args.port)
    print(f"Receiving NT24 webhooks at {receiver.url} (Ctrl-C stops)", flush=True)
    try:
        receiver.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.server.server_close()


if __name__ == "__main__":
    main()
