"""From credentials to a VALID order, its Export File and a verified webhook, over HTTP.

The steps of docs/quickstart.md, as an integrator's client takes them (httpx only):

 1. a token (OAuth2 client credentials) and ``GET /v1/me``;
 2. a webhook endpoint, registered before anything happens, received and verified by
    ``examples/webhook_receiver.py`` on a loopback port;
 3. a buyer in another member state than the seller, with its KYC documents;
 4. the order, its invoice (with the PDF), its payment (with the proof), ready-for-pickup;
 5. the pickup with the collection address (where the transport begins), transport documents
    from two independent issuers named in ``issuerName`` (a carrier's CMR, an insurer's
    policy; neither the seller nor the buyer), the delivery with the delivery address;
 6. the compliance rollup polled until VALID (it is decided from delivery on);
 7. the Export File downloaded, and the webhook of the VALID order received and verified.

Run it against ``scripts/dev`` (it prints the values below) ::

    .venv/bin/python examples/quickstart.py \\
        --base-url http://127.0.0.1:8000 --client-id ... --client-secret ... --seller-id ...

or set ``NT24_BASE_URL``, ``NT24_CLIENT_ID``, ``NT24_CLIENT_SECRET``, ``NT24_SELLER_ID``.
Without either, the dev stack's ``data/demo-credentials.json`` is read (in
``NT24_DATA_DIR`` when that is set), and the API is the one on ``NT24_API_PORT``, else the
one the dev stack wrote there. The webhook endpoint it registers is deleted at the end. The
buyer's VAT
number is the VIES sandbox's valid French number (docs/sandboxes.md); against the real VIES
pass ``--buyer-vat-number`` and ``--buyer-name`` of a real buyer.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webhook_receiver import Receiver  # noqa: E402 - the receiver next to this file

TOKEN_PATH = "/realms/nt24-idp/protocol/openid-connect/token"
# The VIES sandbox's valid French number, and the name VIES gives for it (docs/sandboxes.md)
SANDBOX_BUYER_VAT = "FR88100000009"
SANDBOX_BUYER_NAME = "SANDBOX AUTOMOBILES SARL"
# What a MARKETPLACE_LED buyer's KYC needs (docs/kyc.md, "When documents are complete")
KYC_DOCUMENTS = (
    "AML_DECLARATION",
    "COC_EXTRACT",
    "CONTACT_ID_DOCUMENT",
    "VAT_REGISTRATION_CERTIFICATE",
)
AMOUNT = 1_850_000  # minor units: 18,500.00 EUR


@dataclass
class Config:
    base_url: str
    client_id: str
    client_secret: str
    seller_id: str
    buyer_vat_number: str = SANDBOX_BUYER_VAT
    buyer_name: str = SANDBOX_BUYER_NAME
    buyer_country: str = "FR"
    seller_country: str = "DE"
    timeout: float = 120
    out_dir: Path = field(default_factory=Path.cwd)
    receiver_host: str = "127.0.0.1"
    receiver_port: int = 0


@dataclass
class Result:
    order_uuid: str
    compliance: dict[str, Any]
    export_file: Path
    webhook: dict[str, Any]
    steps: list[str]


def pdf(text: str) -> bytes:
    """A one-page PDF saying ``text``: every upload must be a PDF or an image that parses."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def today() -> str:
    """The day in Germany, where the transport begins, not the computer's: west of Europe in
    the evening that is still the day before, and a pickup dated before the day of the buyer's
    VIES check would leave the order VIES_PENDING for good."""
    try:
        return datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()
    except ZoneInfoNotFoundError:  # no time zone data (Windows without tzdata)
        return berlin_day(datetime.now(UTC)).isoformat()


def berlin_day(moment: datetime) -> date:
    """The day in Berlin at ``moment`` (aware) by the EU's rule: UTC+1, and UTC+2 from 01:00
    UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. Not the UTC
    day: late in the evening that is still the day before Berlin's."""
    moment = moment.astimezone(UTC)

    def last_sunday_1am(month: int) -> datetime:
        last = date(moment.year, month, 31)  # March and October both have 31 days
        sunday = last - timedelta(days=(last.weekday() + 1) % 7)
        return datetime(sunday.year, sunday.month, sunday.day, 1, tzinfo=UTC)

    summer = last_sunday_1am(3) <= moment < last_sunday_1am(10)
    return (moment + timedelta(hours=2 if summer else 1)).date()


def money(value: int) -> dict[str, Any]:
    return {"value": value, "currency": "EUR"}


class Client:
    """The NT24 API with a client-credentials token; every write gets an Idempotency-Key."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.http = httpx.Client(base_url=config.base_url, timeout=30)
        self.steps: list[str] = []

    def step(self, text: str) -> None:
        self.steps.append(text)
        print(f"- {text}", flush=True)

    def token(self) -> None:
        answer = self.http.post(
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
            },
        )
        self.check(answer, 200)
        self.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    @staticmethod
    def check(answer: httpx.Response, *expected: int) -> httpx.Response:
        if answer.status_code not in expected:
            raise SystemExit(
                f"{answer.request.method} {answer.request.url.path} answered "
                f"{answer.status_code}: {answer.text}"
            )
        return answer

    def write(self, path: str, method: str = "POST", **request: Any) -> httpx.Response:
        """A POST (or a DELETE) with an Idempotency-Key. Answered 429 (more than the
        organization's writes in a burst: the script twice in a row) or 503 (Temporal or the
        worker away), it is sent again with the same key after the answer's Retry-After: a
        refusal before the command ran is not kept under its key, and a command still running
        is waited for."""
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        for _ in range(RETRIES):
            answer = self.http.request(method, path, headers=headers, **request)
            if answer.status_code not in (429, 503):
                break
            time.sleep(retry_after(answer))
        return answer

    def post(self, path: str, body: Any = None, *expected: int) -> dict[str, Any]:
        answer = self.write(path, json=body)
        return self.check(answer, *(expected or (200, 201))).json()

    def upload(self, path: str, type_: str, **fields: str) -> dict[str, Any]:
        data = {"type": type_, "documentDate": today(), **fields}
        files = {
            "file": (f"{type_.lower()}.pdf", pdf(f"{type_} {uuid.uuid4()}"), "application/pdf")
        }
        return self.check(self.write(path, data=data, files=files), 201).json()

    def delete(self, path: str) -> httpx.Response:
        return self.write(path, "DELETE")

    def get(self, path: str) -> httpx.Response:
        return self.check(self.http.get(path), 200)


RETRIES = 6  # sends of one write answered 429 or 503, Retry-After apart


def retry_after(answer: httpx.Response) -> float:
    """The answer's Retry-After in seconds (NT24 gives whole seconds), 1 without one, at most
    the rate limit's burst window."""
    try:
        return min(max(float(answer.headers.get("Retry-After", "1")), 0.0), 10.0)
    except ValueError:
        return 1.0


def webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def run(config: Config) -> Result:
    client = Client(config)
    seller = f"/v1/partners/{config.seller_id}"
    day = today()

    client.token()
    me = client.get("/v1/me").json()
    capabilities = ", ".join(name for name, on in me["capabilities"].items() if on)
    client.step(f"token for {me['name']} (capabilities: {capabilities or 'none'})")

    # 2. the webhook endpoint first, so no event of the order is missed
    secret = webhook_secret()
    receiver = Receiver(secret, config.receiver_host, config.receiver_port).start()
    endpoint: dict[str, Any] | None = None
    try:
        endpoint = client.post(
            "/v1/webhooks",
            {"url": receiver.url, "events": ["compliance.*", "export_file.*"], "secret": secret},
        )
        client.step(f"webhook {endpoint['id']} -> {receiver.url}")

        # 3. the buyer, in another member state, and its KYC documents
        buyer = client.post(
            f"{seller}/buyers",
            {
                "kycMode": "MARKETPLACE_LED",
                "vatNumber": config.buyer_vat_number,
                "companyName": config.buyer_name,
                "address": {
                    "street": "1 rue de la Paix",
                    "postCode": "75002",
                    "city": "Paris",
                    "country": config.buyer_country,
                },
            },
        )
        buyer_path = f"{seller}/buyers/{buyer['uuid']}"
        for kind in KYC_DOCUMENTS:
            client.upload(f"{buyer_path}/kyc/documents", kind)
        client.step(
            f"buyer {buyer['uuid']} ({buyer['vatNumber']}) with {len(KYC_DOCUMENTS)} KYC documents"
        )

        # 4. order, invoice + PDF, payment + proof, ready for pickup
        order = client.post(
            f"{seller}/orders",
            {
                "externalOrderId": f"quickstart-{uuid.uuid4().hex[:12]}",
                "buyerId": buyer["uuid"],
                "vins": [
                    {
                        "vin": "WVWZZZ1KZAW000001",
                        "brand": "Volkswagen",
                        "model": "Golf",
                        "purchaseAmount": money(AMOUNT),
                        "mileage": 85_000,
                        "firstRegistrationDate": "2019-03-01",
                    }
                ],
                "totalAmount": money(AMOUNT),
                "purchaseDate": day,
            },
            201,
        )
        path = f"{seller}/orders/{order['uuid']}"
        client.step(f"order {order['uuid']}")
        client.post(
            f"{path}/invoice",
            {
                "type": "PRELIMINARY",
                "invoiceDate": day,
                "invoiceNumber": f"INV-{uuid.uuid4().hex[:8]}",
                "vatIncluded": False,
                "amount": money(AMOUNT),
            },
            201,
        )
        client.upload(f"{path}/invoice/documents", "SHIPMENT_PRELIMINARY_INVOICE")
        client.post(
            f"{path}/payment",
            {
                "paymentDate": day,
                "bankAmount": money(AMOUNT),
                "cashAmount": money(0),
                "sourceIban": "DE89370400440532013000",
            },
            201,
        )
        client.upload(f"{path}/payment/documents", "PAYMENT_CONFIRMATION")
        client.post(f"{path}/payment/ready-for-pickup", None, 200)
        client.step("invoice + PDF, payment + proof, ready for pickup")

        # 5. pickup (where it begins), two independent issuers, delivery (where it ends)
        client.post(
            f"{path}/transport/pickup",
            {
                "type": "COMPANY_TRANSPORT",
                "pickupDate": day,
                "driverIdentification": "DE-FR-2026-1234",
                "collectionAddress": {
                    "street": "Hauptstr. 1",
                    "postCode": "10115",
                    "city": "Berlin",
                    "country": config.seller_country,
                },
            },
            200,
        )
        client.upload(
            f"{path}/transport/documents",
            "TRANSPORT_CMR",
            issuerType="CARRIER",
            issuerName="Speedy Trans GmbH",
        )
        client.upload(
            f"{path}/transport/documents",
            "TRANSPORT_INSURANCE_POLICY",
            issuerType="INSURER",
            issuerName="Allianz Versicherung AG",
        )
        client.post(
            f"{path}/transport/delivery",
            {
                "deliveryDate": day,
                "deliveryAddress": {
                    "street": "12 quai Perrache",
                    "postCode": "69002",
                    "city": "Lyon",
                    "country": config.buyer_country,
                },
            },
            200,
        )
        client.step("pickup, CMR (carrier) + insurance policy (insurer), delivery")

        # 6. the rollup, decided from delivery on
        compliance = poll(
            client,
            f"{path}/compliance",
            lambda body: body.get("complianceStatus") in ("VALID", "INVALID"),
            config.timeout,
            lambda body: f"still {body.get('complianceStatus')}: {body.get('blockers')}",
        )
        if compliance["complianceStatus"] != "VALID":
            raise SystemExit(f"the order is {compliance['complianceStatus']}: {compliance}")
        client.step(f"compliance VALID ({compliance.get('decision')})")

        # 7. the Export File, and the webhook that said so
        export = poll(
            client,
            f"{path}/finalization/export-file",
            lambda body: body.get("status") == "READY",
            config.timeout,
            lambda body: f"Export File {body.get('status')}",
        )
        content = client.get(export["downloadUrl"])
        if not content.content.startswith(b"%PDF"):
            raise SystemExit("the Export File is not a PDF")
        export_file = config.out_dir / f"export-file-{order['uuid']}-v{export['version']}.pdf"
        export_file.write_bytes(content.content)
        client.step(f"Export File v{export['version']} saved to {export_file}")

        webhook = receiver.wait_for(
            lambda event: (
                event["type"] == "compliance.status_changed"
                and event["data"].get("orderUuid") == order["uuid"]
                and event["data"].get("currentStatus") == "VALID"
            ),
            config.timeout,
        )
        client.step(f"webhook {webhook['type']} {webhook['id']} received, both signatures verified")
    finally:
        if endpoint is not None:
            # no endpoint left delivering to a receiver that is gone (retried for 48 h)
            gone = client.delete(f"/v1/webhooks/{endpoint['id']}")
            deleted = "deleted" if gone.status_code == 204 else f"not deleted: {gone.text}"
            client.step(f"webhook {endpoint['id']} {deleted}")
        receiver.stop()
    return Result(order["uuid"], compliance, export_file, webhook, client.steps)


def poll(client: Client, path: str, done: Any, timeout: float, describe: Any) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(path).json()
        if done(body):
            return body
        if time.monotonic() > deadline:
            raise SystemExit(f"{path}: {describe(body)} after {timeout:.0f} s")
        time.sleep(0.5)


def base_url(saved: dict[str, Any]) -> str:
    """NT24_BASE_URL; else the port of a stack started with NT24_API_PORT; else the address
    the dev stack wrote beside its credentials (a stack on its own port writes its own);
    else the dev stack's default."""
    if url := os.environ.get("NT24_BASE_URL"):
        return url
    if port := os.environ.get("NT24_API_PORT"):
        return f"http://127.0.0.1:{port}"
    return saved.get("base_url") or "http://127.0.0.1:8000"


def config_from(argv: list[str] | None = None) -> Config:
    data = os.environ.get("NT24_DATA_DIR") or Path(__file__).resolve().parent.parent / "data"
    demo = Path(data) / "demo-credentials.json"
    saved = json.loads(demo.read_text()) if demo.exists() else {}
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base-url", default=base_url(saved))
    parser.add_argument("--client-id", default=env("NT24_CLIENT_ID", saved.get("client_id")))
    parser.add_argument(
        "--client-secret", default=env("NT24_CLIENT_SECRET", saved.get("client_secret"))
    )
    parser.add_argument("--seller-id", default=env("NT24_SELLER_ID", saved.get("seller_id")))
    parser.add_argument("--buyer-vat-number", default=SANDBOX_BUYER_VAT)
    parser.add_argument("--buyer-name", default=SANDBOX_BUYER_NAME)
    parser.add_argument("--buyer-country", default="FR")
    parser.add_argument("--seller-country", default="DE", help="where the transport begins")
    parser.add_argument("--timeout", type=float, default=120, help="seconds for each wait")
    parser.add_argument("--out-dir", type=Path, default=Path.cwd(), help="for the Export File")
    args = parser.parse_args(argv)
    missing = [
        name for name in ("client_id", "client_secret", "seller_id") if not getattr(args, name)
    ]
    if missing:
        parser.error(f"missing {', '.join('--' + m.replace('_', '-') for m in missing)}")
    return Config(
        base_url=args.base_url,
        client_id=args.client_id,
        client_secret=args.client_secret,
        seller_id=args.seller_id,
        buyer_vat_number=args.buyer_vat_number,
        buyer_name=args.buyer_name,
        buyer_country=args.buyer_country,
        seller_country=args.seller_country,
        timeout=args.timeout,
        out_dir=args.out_dir,
    )


def main(argv: list[str] | None = None) -> Result:
    result = run(config_from(argv))
    print(f"Done: order {result.order_uuid} is VALID; Export File at {result.export_file}")
    return result


if __name__ == "__main__":
    main()
