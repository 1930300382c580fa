"""Driving an order through the NT24 API over HTTP, as an integrator's client would."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import httpx
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from store.identity import identity
from tests.conftest import ApiTenant, Stack, client_token, make_api_tenant
from workflows.buyers.rules.kyc import REQUIRED_DOCUMENTS
from workflows.orders.rules.compliance import local_date

EUR = "EUR"
BUYER_VAT = "FR40303265045"  # well-formed; the VIES sandbox answers VALID
TOTAL = 1_850_000


def seller_today() -> date:
    """Today where the tests' sellers are and their transports begin (Germany): the rules date
    VIES answers and papers by that state's day, which begins an hour or two before UTC's."""
    return local_date(datetime.now(UTC), "DE")


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid4())}


def pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawString(72, 750, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def money(value: int) -> dict[str, Any]:
    return {"value": value, "currency": EUR}


class OrderClient:
    """One seller's API session with helpers for each step of an order's life."""

    def __init__(self, stack: Stack, tenant: ApiTenant, http: httpx.AsyncClient) -> None:
        self.stack = stack
        self.tenant = tenant
        self.http = http

    @property
    def seller(self) -> str:
        return self.tenant.seller

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.http.post(f"{self.seller}{path}", json=body, headers=key(), **kwargs)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(f"{self.seller}{path}", **kwargs)

    async def buyer(
        self,
        vat: str = BUYER_VAT,
        country: str = "FR",
        documents: bool = True,
        name: str = "Garage Dupont SARL",
    ) -> str:
        answer = await self.post(
            "/buyers",
            {
                "kycMode": "MARKETPLACE_LED",
                "vatNumber": vat,
                "companyName": name,
                "address": {
                    "street": "1 rue de la Paix",
                    "postCode": "75002",
                    "city": "Paris",
                    "country": country,
                },
            },
        )
        assert answer.status_code in (200, 201), answer.text
        buyer_id = answer.json()["uuid"]
        if documents:
            await self.kyc_documents(buyer_id)
        return buyer_id

    async def kyc_documents(self, buyer_id: str) -> None:
        """Everything a marketplace-led buyer's KYC needs to be complete."""
        for kind in sorted(REQUIRED_DOCUMENTS["MARKETPLACE_LED"]):
            uploaded = await self.upload(f"/buyers/{buyer_id}/kyc/documents", kind)
            assert uploaded.status_code == 201, uploaded.text

    def order_body(self, buyer_id: str, external_id: str, **overrides: Any) -> dict[str, Any]:
        return {
            "externalOrderId": external_id,
            "buyerId": buyer_id,
            "vins": [
                {
                    "vin": "wvwzzz1kzaw000001",
                    "brand": "Volkswagen",
                    "model": "Golf",
                    "purchaseAmount": money(TOTAL),
                    "mileage": 85_000,
                    "firstRegistrationDate": "2019-03-01",
                }
            ],
            "totalAmount": money(TOTAL),
            "purchaseDate": seller_today().isoformat(),
        } | overrides

    async def order(self, buyer_id: str, **overrides: Any) -> dict[str, Any]:
        answer = await self.post(
            "/orders", self.order_body(buyer_id, f"deal-{uuid4()}", **overrides)
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def upload(
        self,
        path: str,
        type_: str,
        issuer_type: str | None = None,
        issuer_name: str | None = None,
        content: bytes | None = None,
        file_name: str = "document.pdf",
        **form: str | list[str],  # more form fields: vins, destinationCountry, ...
    ) -> httpx.Response:
        data: dict[str, str | list[str]] = {
            "type": type_,
            "documentDate": seller_today().isoformat(),
            **form,
        }
        if issuer_type:
            data["issuerType"] = issuer_type
        if issuer_name:
            data["issuerName"] = issuer_name
        answer = await self.http.post(
            f"{self.seller}{path}",
            data=data,
            files={"file": (file_name, content or pdf(f"{type_} {uuid4()}"), "application/pdf")},
            headers=key(),
        )
        return answer

    async def invoice_and_payment(self, order: str, amount: int = TOTAL, cash: int = 0) -> None:
        invoice = await self.post(
            f"/orders/{order}/invoice",
            {
                "type": "PRELIMINARY",
                "invoiceDate": seller_today().isoformat(),
                "invoiceNumber": f"INV-{uuid4().hex[:6]}",
                "vatIncluded": False,
                "amount": money(amount),
            },
        )
        assert invoice.status_code == 201, invoice.text
        uploaded = await self.upload(
            f"/orders/{order}/invoice/documents", "SHIPMENT_PRELIMINARY_INVOICE"
        )
        assert uploaded.status_code == 201, uploaded.text
        payment = await self.post(
            f"/orders/{order}/payment",
            {
                "paymentDate": seller_today().isoformat(),
                "bankAmount": money(amount - cash),
                "cashAmount": money(cash),
                "sourceIban": "DE89 3704 0044 0532 0130 00",
            },
        )
        assert payment.status_code == 201, payment.text
        proof = await self.upload(f"/orders/{order}/payment/documents", "PAYMENT_CONFIRMATION")
        assert proof.status_code == 201, proof.text

    async def pickup(
        self, order: str, type_: str = "COMPANY_TRANSPORT", country: str = "DE", **more: Any
    ) -> httpx.Response:
        """Pickup, collected at an address in ``country`` (where the transport begins)."""
        return await self.post(
            f"/orders/{order}/transport/pickup", self.pickup_body(type_, country) | more
        )

    @staticmethod
    def pickup_body(type_: str = "COMPANY_TRANSPORT", country: str = "DE") -> dict[str, Any]:
        return {
            "type": type_,
            "pickupDate": seller_today().isoformat(),
            "driverIdentification": "DE-FR-2026-1234",
            "collectionAddress": {
                "street": "Hauptstr. 1",
                "postCode": "10115",
                "city": "Berlin",
                "country": country,
            },
        }

    async def transport_evidence(self, order: str) -> None:
        """Two independent parties: the carrier's CMR and the insurer's policy (Art. 45a)."""
        for type_, issuer, name in (
            ("TRANSPORT_CMR", "CARRIER", "Speedy Trans GmbH"),
            ("TRANSPORT_CMR_DELIVERY", "CARRIER", "Speedy Trans GmbH"),
            ("TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz Versicherung AG"),
        ):
            answer = await self.upload(f"/orders/{order}/transport/documents", type_, issuer, name)
            assert answer.status_code == 201, answer.text

    async def deliver(self, order: str, country: str | None = "FR") -> httpx.Response:
        """Delivery, with the address where the transport ended unless ``country`` is None."""
        body: dict[str, Any] = {"deliveryDate": seller_today().isoformat()}
        if country is not None:
            body["deliveryAddress"] = {
                "street": "12 quai Perrache",
                "postCode": "69002",
                "city": "Lyon",
                "country": country,
            }
        return await self.post(f"/orders/{order}/transport/delivery", body)

    async def picked_up(self, buyer: str | None = None) -> str:
        """A new order (of a new buyer unless given), invoiced, paid, ready and picked up."""
        order = (await self.order(buyer or await self.buyer()))["uuid"]
        await self.invoice_and_payment(order)
        ready = await self.post(f"/orders/{order}/payment/ready-for-pickup")
        assert ready.status_code == 200, ready.text
        picked = await self.pickup(order)
        assert picked.status_code == 200, picked.text
        return order

    async def delivered(self, buyer: str | None = None) -> str:
        """An order picked up, with the evidence of two independent issuers, and delivered."""
        order = await self.picked_up(buyer)
        await self.transport_evidence(order)
        delivered = await self.deliver(order)
        assert delivered.status_code == 200, delivered.text
        return order

    async def compliance_until(self, order: str, predicate: Any, seconds: float = 30) -> dict:
        rollup: dict = {}
        try:
            async with asyncio.timeout(seconds):
                while True:
                    rollup = (await self.get(f"/orders/{order}/compliance")).json()
                    if predicate(rollup):
                        return rollup
                    await asyncio.sleep(0.2)
        except TimeoutError:
            status, blockers = rollup.get("complianceStatus"), rollup.get("blockers")
            raise AssertionError(f"the rollup stayed {status}: {blockers}") from None

    async def export_file_until(self, order: str, version: int, seconds: float = 60) -> dict:
        export: dict = {}
        try:
            async with asyncio.timeout(seconds):
                while True:
                    export = (await self.get(f"/orders/{order}/finalization/export-file")).json()
                    if export.get("status") == "READY" and export.get("version") == version:
                        return export
                    await asyncio.sleep(0.2)
        except TimeoutError:
            raise AssertionError(f"no Export File version {version}: {export}") from None


async def seller_session(stack: Stack, **capabilities: Any) -> tuple[ApiTenant, httpx.AsyncClient]:
    capabilities.setdefault("allow_marketplace_led_kyc", True)
    capabilities.setdefault("allow_kyc_document_download", True)
    tenant = await make_api_tenant(stack.db, **capabilities)
    token = await client_token(stack, tenant)
    return tenant, stack.http(token)


async def partner_in(stack: Stack, tenant: ApiTenant, country: str, vat: str) -> None:
    """Make the tenant act for a seller established in ``country``."""
    async with stack.db.transaction() as session:
        org = await session.get(type(tenant.org), tenant.org.id)
        tenant.partner = await identity.create_partner(
            session, org, f"Seller {country} {uuid4().hex[:4]}", country, vat_number=vat
        )
