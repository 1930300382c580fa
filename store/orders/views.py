"""The order's resources as the NT24 contract shows them (camelCase, nulls omitted), rendered
from its domain state (``OrderResources``): by the API for a command's answer and its
refusals, and by the read-model writer, which stores them so a GET serves them without
recomputing. A leaf, so both may import it; the workflow never renders."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from workflows.money_json import money_json
from workflows.orders.model import (
    Address,
    Delivery,
    DocumentRef,
    Invoice,
    OrderVin,
    Person,
    Pickup,
)
from workflows.orders.shown import export_file_status, rollup_module, vin_compliance_status
from workflows.orders.state import OrderResources, Resource, export_file_url
from workflows.orders.status import OrderStatus


def _utc(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _date(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _address(address: Address | None) -> dict | None:
    if address is None:
        return None
    return {
        "street": address.street,
        "postCode": address.post_code,
        "city": address.city,
        "country": address.country,
    }


# Names a milestone's address (resources 0.4: an address answered has its uuid). Migration
# 0028 gave the addresses written before the same uuids: keep the two in step.
MILESTONE_ADDRESSES = UUID("6f1d7c52-93a4-4b1e-9d0a-4c2e8f51a7b3")


def milestone_address(
    address: Address | None, order_uuid: str, field: str, revoked_before: int = 0
) -> dict | None:
    """The address of a pickup or delivery with its uuid: the same in every answer, and a
    new one for each pickup after a revocation (``revoked_before``: the revocations before
    it; a delivery is final)."""
    shown = _address(address)
    if shown is None:
        return None
    name = f"{order_uuid}/{field}/{revoked_before}"
    return {"uuid": str(uuid5(MILESTONE_ADDRESSES, name)), **shown}


def _person(person: Person | None) -> dict | None:
    if person is None:
        return None
    return {
        "firstName": person.first_name,
        "lastName": person.last_name,
        "email": person.email,
        "phone": person.phone,
    }


def compact(value: Any) -> Any:
    """Drop nulls at every level: the contract's responses omit null fields."""
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def _vin(vin: OrderVin, status: str) -> dict:
    return {
        "vin": vin.vin,
        "brand": vin.brand,
        "model": vin.model,
        "purchaseAmount": money_json(vin.purchase_amount) if vin.purchase_amount else None,
        "mileage": vin.mileage,
        "firstRegistrationDate": _date(vin.first_registration_date),
        "complianceStatus": status,
        "warnings": vin.warnings or None,
    }


def order_view(order: OrderResources) -> dict:
    status = vin_compliance_status(order)
    return compact(
        {
            "uuid": order.identity.order_uuid,
            "externalOrderId": order.identity.external_order_id,
            "buyerId": order.buyer_uuid,
            "status": order.status,
            "vins": [_vin(v, status) for v in order.vins],
            "totalAmount": money_json(order.total_amount),
            "purchaseDate": _date(order.purchase_date),
            "responsibleContact": _person(order.responsible_contact),
            "cancellationReason": order.cancellation_reason,
            "version": order.version,
            "createdAt": _utc(order.created_at),
            "updatedAt": _utc(order.updated_at),
        }
    )


def invoice_view(order: OrderResources, invoice: Invoice) -> dict:
    module = rollup_module(order.evaluation, "invoice")
    return compact(
        {
            "type": invoice.type,
            "invoiceDate": _date(invoice.invoice_date),
            "invoiceNumber": invoice.invoice_number,
            "vatIncluded": invoice.vat_included,
            "amount": money_json(invoice.amount),
            "marginScheme": invoice.margin_scheme,
            "status": module.get("status", "SUBMITTED"),
            "finalInvoiceRequired": module.get("finalInvoiceRequired", False),
            "finalInvoiceReceived": "FINAL" in order.invoices,
            "version": invoice.version,
            "updatedAt": _utc(invoice.updated_at),
        }
    )


def payment_view(order: OrderResources) -> dict | None:
    payment = order.payment
    if payment is None:
        return None
    module = rollup_module(order.evaluation, "payment")
    return compact(
        {
            "paymentDate": _date(payment.payment_date),
            "bankAmount": money_json(payment.bank_amount),
            "cashAmount": money_json(payment.cash_amount),
            "sourceIban": payment.source_iban,
            "status": module.get("status", "SUBMITTED"),
            "amountMatchesInvoice": module.get("amountMatchesInvoice", False),
            "ibanConsistent": module.get("ibanConsistent", True),
            "readyForPickup": payment.ready_for_pickup,
            # shown only when declared, so payments without one read as they always did
            "newIbanDeclared": True
            if payment.declared_new_iban is not None
            and payment.declared_new_iban == payment.source_iban
            else None,
            "version": payment.version,
            "updatedAt": _utc(payment.updated_at),
        }
    )


def _pickup(pickup: Pickup | None, order_uuid: str, revoked_before: int) -> dict | None:
    if pickup is None:
        return None
    return {
        "type": pickup.type,
        "pickupDate": _date(pickup.pickup_date),
        "driverIdentification": pickup.driver_identification,
        "collectionAddress": milestone_address(
            pickup.collection_address, order_uuid, "collectionAddress", revoked_before
        ),
        "confirmedAt": _utc(pickup.confirmed_at),
        # None in orders from before it was asked: the contract's default for the type
        "arrangedBy": pickup.arranged_by or ("BUYER" if pickup.type == "SELF_PICKUP" else "SELLER"),
    }


def _delivery(delivery: Delivery | None, order_uuid: str) -> dict | None:
    if delivery is None:
        return None
    return {
        "deliveryDate": _date(delivery.delivery_date),
        "deliveryAddress": milestone_address(
            delivery.delivery_address, order_uuid, "deliveryAddress"
        ),
        "confirmedAt": _utc(delivery.confirmed_at),
    }


def transport_status(order: OrderResources) -> str:
    if order.transport.delivery is not None:
        return "DELIVERED"
    return "IN_PROGRESS" if order.transport.pickup is not None else "PENDING"


def transport_view(order: OrderResources) -> dict:
    transport = order.transport
    return compact(
        {
            "status": transport_status(order),
            "pickup": _pickup(
                transport.pickup, order.identity.order_uuid, len(transport.revocations)
            ),
            "delivery": _delivery(transport.delivery, order.identity.order_uuid),
            "revocations": [
                {"reason": r.reason, "revokedAt": _utc(r.revoked_at)} for r in transport.revocations
            ],
            "documents": [document_view(d) for d in order.documents if d.module == "transport"],
            "dailyViesChecksActive": order.daily_vies_active,
            "version": transport.version,
            "updatedAt": _utc(transport.updated_at),
        }
    )


def document_view(document: DocumentRef) -> dict:
    return compact(
        {
            "uuid": document.uuid,
            "type": document.type,
            "documentDate": _date(document.document_date),
            "issuerType": document.issuer_type,
            "issuerName": document.issuer_name,
            "issuerId": document.issuer_id,
            "vins": document.vins,
            "originCountry": document.origin_country,
            "destinationCountry": document.destination_country,
            "fileName": document.file_name,
            "contentType": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
            "status": document.status,
            "createdAt": _utc(document.created_at),
        }
    )


def export_file_view(order: OrderResources) -> dict:
    files = order.export_files
    latest = files[-1] if files else None
    status = export_file_status(order)
    return compact(
        {
            "status": status,
            "version": latest.version if latest else None,
            "downloadUrl": export_file_url(order.identity, latest.version) if latest else None,
            "generatedAt": _utc(latest.generated_at) if latest else None,
            # a decision no longer held is not the file's to show (its PDF still names it)
            "decision": latest.decision if latest and status != "NOT_ELIGIBLE" else None,
            "supersededVersions": [
                {
                    "version": f.version,
                    "generatedAt": _utc(f.generated_at),
                    "archivedReason": files[i + 1].reason,
                    "downloadUrl": export_file_url(order.identity, f.version),
                }
                for i, f in enumerate(files[:-1])
            ],
        }
    )


def compliance_view(order: OrderResources) -> dict:
    evaluation = order.evaluation
    assert evaluation is not None
    export_file = export_file_view(order)
    status = vin_compliance_status(order)
    modules = {name: dict(values) for name, values in evaluation.modules.items()}
    modules["order"] = {
        "status": "COMPLETE" if order.status != OrderStatus.CANCELLED else "CANCELLED",
        "vins": [{"vin": v.vin, "complianceStatus": status} for v in order.vins],
    }
    transport = modules.setdefault("transport", {})
    transport["dailyViesChecksActive"] = order.daily_vies_active
    # Pickup and delivery are the order's: every VIN goes with them
    transport["vins"] = [
        {
            "vin": vin.vin,
            "pickupConfirmed": transport.get("pickupConfirmed", False),
            "deliveryConfirmed": transport.get("deliveryConfirmed", False),
        }
        for vin in order.vins
    ]
    modules["exportFile"] = {
        "status": export_file["status"],
        "downloadUrl": export_file.get("downloadUrl"),
    }
    return compact(
        {
            "orderUuid": order.identity.order_uuid,
            "complianceStatus": evaluation.compliance_status,
            "decision": evaluation.decision,
            "blockers": [asdict(b) for b in evaluation.blockers],
            "modules": modules,
            "version": order.compliance_version,
            "updatedAt": _utc(order.compliance_updated_at or order.updated_at),
        }
    )


@dataclass
class OrderJson:
    """Each of the order's resources as the read model stores it and a GET serves it."""

    order: dict
    invoices: list[dict]
    payment: dict | None
    transport: dict
    compliance: dict
    export_file: dict


def order_json(order: OrderResources) -> OrderJson:
    return OrderJson(
        order=order_view(order),
        invoices=[invoice_view(order, i) for i in order.invoices.values()],
        payment=payment_view(order),
        transport=transport_view(order),
        compliance=compliance_view(order),
        export_file=export_file_view(order),
    )


def resource_view(order: OrderResources, resource: Resource, key: str | None = None) -> dict:
    """The resource an answer shows: a command's result or a refusal's current resource."""
    if resource == Resource.ORDER:
        return order_view(order)
    if resource == Resource.INVOICE:
        return invoice_view(order, order.invoices[str(key)])
    if resource == Resource.PAYMENT:
        payment = payment_view(order)
        assert payment is not None
        return payment
    if resource == Resource.TRANSPORT:
        return transport_view(order)
    if resource == Resource.DOCUMENT:
        return document_view(next(d for d in order.documents if d.uuid == key))
    if resource == Resource.EXPORT_FILE_REQUESTED:
        return export_file_view(order) | {"status": "PENDING"}
    return export_file_view(order)
