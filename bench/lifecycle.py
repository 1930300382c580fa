"""Driving order lifecycles over HTTP, the steps of ``tests/order_flow.py`` up to VALID.

Buyer with its KYC documents, order, invoice and its PDF, payment and its proof, ready for
pickup, pickup, the transport documents, delivery, then the compliance rollup polled (with
If-None-Match) until it is decided. The Export File the workflow then makes on its own is not
waited for. Every request's latency is recorded under its route template.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from stdnum import luhn

from bench.client import Answer, HttpClient
from workflows.buyers.rules.kyc import REQUIRED_DOCUMENTS
from workflows.orders.rules.compliance import local_date

SELLER = "/v1/partners/{sellerId}"
BUYERS = SELLER + "/buyers"
KYC_DOCUMENTS = BUYERS + "/{buyerId}/kyc/documents"
ORDERS = SELLER + "/orders"
ORDER = ORDERS + "/{uuid}"
INVOICE = ORDER + "/invoice"
INVOICE_DOCUMENTS = ORDER + "/invoice/documents"
PAYMENT = ORDER + "/payment"
PAYMENT_DOCUMENTS = ORDER + "/payment/documents"
READY_FOR_PICKUP = ORDER + "/payment/ready-for-pickup"
PICKUP = ORDER + "/transport/pickup"
TRANSPORT_DOCUMENTS = ORDER + "/transport/documents"
DELIVERY = ORDER + "/transport/delivery"
COMPLIANCE = ORDER + "/compliance"

# The routes whose work is one Update of the order's workflow (a "command")
COMMANDS = (
    "POST " + ORDERS,
    "POST " + INVOICE,
    "POST " + INVOICE_DOCUMENTS,
    "POST " + PAYMENT,
    "POST " + PAYMENT_DOCUMENTS,
    "POST " + READY_FOR_PICKUP,
    "POST " + PICKUP,
    "POST " + TRANSPORT_DOCUMENTS,
    "POST " + DELIVERY,
)
KYC_TYPES = sorted(REQUIRED_DOCUMENTS["MARKETPLACE_LED"])
TRANSPORT_EVIDENCE = (
    ("TRANSPORT_CMR", "CARRIER", "Speedy Trans GmbH"),
    ("TRANSPORT_CMR_DELIVERY", "CARRIER", "Speedy Trans GmbH"),
    ("TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz Versicherung AG"),
)
UPLOADS_PER_LIFECYCLE = len(KYC_TYPES) + 2 + len(TRANSPORT_EVIDENCE)
TOTAL = 1_850_000
POLL_INTERVAL = 0.1
# A decided order is seen on the first poll; one still undecided after this has stalled
DECISION_TIMEOUT = 20.0


def seller_today() -> date:
    """Today where the bench's seller is and its transports begin (Germany): the rules date
    VIES answers by that state's day, which begins an hour or two before UTC's."""
    return local_date(datetime.now(UTC), "DE")


def pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawString(72, 750, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def pdfs(count: int) -> Iterator[bytes]:
    """Distinct PDFs made before the clock starts: rendering is the client's work, not ours."""
    return iter([pdf(f"bench document {uuid4()}") for _ in range(count)])


def french_vat_number() -> str:
    """A well-formed FR number (the VIES sandbox answers VALID): key + SIREN with Luhn digit."""
    base = f"{random.randrange(10**8):08d}"
    siren = base + luhn.calc_check_digit(base)
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


_vin_serial = itertools.count(1)


def unique_vin() -> str:
    """Distinct within a run (each run has its own database); a European VIN, no check digit."""
    return f"WVWZZZ1KZAW{next(_vin_serial) % 10**6:06d}"


class StepFailed(Exception):
    pass


@dataclass
class Recorder:
    """Latencies by "METHOD /route/template", and every status seen."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def requests(self) -> int:
        return sum(len(v) for v in self.samples.values())


def money(value: int) -> dict[str, Any]:
    return {"value": value, "currency": "EUR"}


class Seller:
    """One marketplace's API session for one seller, recording every call."""

    def __init__(
        self, http: HttpClient, seller_uuid: str, recorder: Recorder, documents: Iterator[bytes]
    ) -> None:
        self.http = http
        self.seller = seller_uuid
        self.recorder = recorder
        self.documents = documents
        self.step = ""  # the request under way, named when a lifecycle fails
        self.last_rollup: dict[str, Any] | None = None
        self.ids: dict[str, str] = {}  # buyer and order of the lifecycle under way
        self.requests = 0  # made by the lifecycle under way

    async def call(
        self,
        method: str,
        template: str,
        expect: tuple[int, ...],
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Answer:
        path = template.format(sellerId=self.seller, **(params or {}))
        self.step = f"{method} {template}"
        self.requests += 1
        if method == "POST":
            headers = {"Idempotency-Key": str(uuid4()), **(headers or {})}
        started = time.perf_counter()
        answer = await self.http.request(method, path, headers=headers, **kwargs)
        self.recorder.samples[f"{method} {template}"].append(time.perf_counter() - started)
        self.recorder.statuses[answer.status] += 1
        if answer.status not in expect:
            raise StepFailed(f"{method} {path}: {answer.status} {answer.text()[:400]}")
        return answer

    async def upload(self, template: str, params: dict[str, str], type_: str, **extra: str) -> None:
        await self.call(
            "POST",
            template,
            (201,),
            params=params,
            form={"type": type_, "documentDate": seller_today().isoformat(), **extra},
            files={"file": ("document.pdf", next(self.documents), "application/pdf")},
        )

    async def buyer(self) -> str:
        answer = await self.call(
            "POST",
            BUYERS,
            (201,),
            json_body={
                "kycMode": "MARKETPLACE_LED",
                "vatNumber": french_vat_number(),
                "companyName": "Garage Dupont SARL",
                "address": {
                    "street": "1 rue de la Paix",
                    "postCode": "75002",
                    "city": "Paris",
                    "country": "FR",
                },
            },
        )
        return answer.json()["uuid"]

    async def order(self, buyer_id: str) -> str:
        answer = await self.call(
            "POST",
            ORDERS,
            (201,),
            json_body={
                "externalOrderId": f"bench-{uuid4()}",
                "buyerId": buyer_id,
                "vins": [
                    {
                        "vin": unique_vin(),
                        "brand": "Volkswagen",
                        "model": "Golf",
                        "purchaseAmount": money(TOTAL),
                        "mileage": 85_000,
                        "firstRegistrationDate": "2019-03-01",
                    }
                ],
                "totalAmount": money(TOTAL),
                "purchaseDate": seller_today().isoformat(),
            },
        )
        return answer.json()["uuid"]

    async def preliminary_invoice(self, order: str) -> None:
        """The order's preliminary invoice: a command that leaves the order open."""
        invoice = {
            "type": "PRELIMINARY",
            "invoiceDate": seller_today().isoformat(),
            "invoiceNumber": f"INV-{uuid4().hex[:6]}",
            "vatIncluded": False,
            "amount": money(TOTAL),
        }
        await self.call("POST", INVOICE, (201,), params={"uuid": order}, json_body=invoice)

    async def lifecycle(self) -> tuple[str, str]:
        """One order from buyer to decision; answers its uuid and compliance status."""
        self.ids, self.requests = {}, 0
        buyer = self.ids["buyer"] = await self.buyer()
        for kind in KYC_TYPES:
            await self.upload(KYC_DOCUMENTS, {"buyerId": buyer}, kind)
        order = self.ids["order"] = await self.order(buyer)
        at = {"uuid": order}
        today = seller_today().isoformat()
        await self.preliminary_invoice(order)
        await self.upload(INVOICE_DOCUMENTS, at, "SHIPMENT_PRELIMINARY_INVOICE")
        payment = {
            "paymentDate": today,
            "bankAmount": money(TOTAL),
            "cashAmount": money(0),
            "sourceIban": "DE89 3704 0044 0532 0130 00",
        }
        await self.call("POST", PAYMENT, (201,), params=at, json_body=payment)
        await self.upload(PAYMENT_DOCUMENTS, at, "PAYMENT_CONFIRMATION")
        await self.call("POST", READY_FOR_PICKUP, (200,), params=at)
        pickup = {
            "type": "COMPANY_TRANSPORT",
            "pickupDate": today,
            "driverIdentification": "DE-FR-2026-1234",
            "collectionAddress": {
                "street": "Hauptstr. 1",
                "postCode": "10115",
                "city": "Berlin",
                "country": "DE",
            },
        }
        await self.call("POST", PICKUP, (200,), params=at, json_body=pickup)
        for type_, issuer, name in TRANSPORT_EVIDENCE:
            await self.upload(TRANSPORT_DOCUMENTS, at, type_, issuerType=issuer, issuerName=name)
        delivery = {
            "deliveryDate": today,
            "deliveryAddress": {  # where the transport ended: stated, never assumed
                "street": "12 quai Perrache",
                "postCode": "69002",
                "city": "Lyon",
                "country": "FR",
            },
        }
        await self.call("POST", DELIVERY, (200,), params=at, json_body=delivery)
        return order, await self.decision(order)

    async def decision(self, order: str) -> str:
        """Poll the rollup until it is decided: 304 while unchanged, as a client should."""
        etag: str | None = None
        self.last_rollup = None
        started = time.perf_counter()
        async with asyncio.timeout(DECISION_TIMEOUT):
            while True:
                answer = await self.call(
                    "GET",
                    COMPLIANCE,
                    (200, 304),
                    params={"uuid": order},
                    headers={"If-None-Match": etag} if etag else None,
                )
                if answer.status == 200:
                    etag = answer.headers.get("etag")
                    self.last_rollup = answer.json()
                    status = self.last_rollup["complianceStatus"]
                    if status != "INCOMPLETE":
                        waited = time.perf_counter() - started
                        self.recorder.samples["(decided, after delivery)"].append(waited)
                        return status
                await asyncio.sleep(POLL_INTERVAL)


@dataclass
class LifecycleRun:
    completed: int
    failed: int
    seconds: float
    latencies: list[float]  # one per completed lifecycle
    requests: list[int]  # one per completed lifecycle
    statuses: dict[str, int]  # compliance status at the end
    orders: list[str]
    failures: list[str]


async def run_lifecycles(
    make_seller: Callable[[], Seller], count: int, concurrency: int, time_budget: float
) -> LifecycleRun:
    """``count`` lifecycles over ``concurrency`` lanes; no new one starts past the budget."""
    next_index = itertools.count()
    latencies: list[float] = []
    requests: list[int] = []
    statuses: dict[str, int] = defaultdict(int)
    orders: list[str] = []
    failures: list[str] = []
    started = time.perf_counter()
    deadline = started + time_budget

    async def lane() -> None:
        seller: Seller = make_seller()
        while next(next_index) < count and time.perf_counter() < deadline:
            begun = time.perf_counter()
            try:
                order, status = await seller.lifecycle()
            except (StepFailed, TimeoutError, KeyError, ConnectionError) as exc:
                where = f" during {seller.step} {seller.ids}" if seller.step else ""
                if isinstance(exc, TimeoutError) and seller.step.endswith(COMPLIANCE):
                    rollup = seller.last_rollup or {}
                    where += f"; blockers {rollup.get('blockers')}"
                failures.append(f"{type(exc).__name__}{where}: {exc}"[:600])
                continue
            latencies.append(time.perf_counter() - begun)
            requests.append(seller.requests)
            statuses[status] += 1
            orders.append(order)

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return LifecycleRun(
        completed=len(latencies),
        failed=len(failures),
        seconds=time.perf_counter() - started,
        latencies=latencies,
        requests=requests,
        statuses=dict(statuses),
        orders=orders,
        failures=failures,
    )
