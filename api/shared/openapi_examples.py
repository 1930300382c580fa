"""Example bodies in /openapi.json, so Swagger UI, ReDoc and generated clients show them.

One story runs through all of them: Autohaus Nord GmbH, a German dealer (the partner, seller),
sells a 2019 Volkswagen Golf for 18,500.00 EUR (``1850000`` minor units) to Sandbox
Automobiles SARL in Paris, a French trader; it is collected in Berlin, carried to Paris by
Speedy Trans GmbH (their CMR) and insured by Allianz Versicherung AG (their policy): two
independent named issuers. The NOTYD examples sell the same car on the payments API.

Request bodies are keyed by operation (some of them are inline or form schemas named by
FastAPI), answers by their component's name. Each example is set as the JSON Schema
``examples`` of its schema; ``tests/test_openapi_documents.py`` validates every one against the
schema it is set on in the served document, and that every key here still names an operation
or a component.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from store.webhooks.events import catalogue_json
from workflows.change_source import ChangeSource

PARTNER = "3f2b8c1e-6a4d-4e0b-9c51-2d7f0a8e4b10"  # the seller: Autohaus Nord GmbH (DE)
ORGANIZATION = "b1d4e7a0-2c3f-4a56-8b9c-0d1e2f3a4b5c"
BUYER = "7c9e6679-7425-40de-944b-e07fc1f90ae7"  # Sandbox Automobiles SARL (FR)
ORDER = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
DOCUMENT = "9a7b3c1d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
NOTYD_ORDER = "d2f1c0b9-8a7e-4d6c-9b5a-4f3e2d1c0b9a"
NOTYD_INVOICE = "e3a2b1c0-9d8e-4f7a-8b6c-5d4e3f2a1b0c"
TODAY = "2026-03-02"
NOW = "2026-03-02T09:15:00Z"
TOTAL = 1_850_000  # 18,500.00 EUR in cents
VIN = "WVWZZZ1KZAW000001"


def money(value: int) -> dict[str, Any]:
    return {"value": value, "currency": "EUR"}


SELLER_ADDRESS = {"street": "Hauptstr. 1", "postCode": "10115", "city": "Berlin", "country": "DE"}
BUYER_ADDRESS = {
    "street": "12 rue de la Paix",
    "postCode": "75002",
    "city": "Paris",
    "country": "FR",
}
CONTACT = {
    "firstName": "Camille",
    "lastName": "Dupont",
    "email": "camille.dupont@sandbox-automobiles.fr",
    "phone": "+33 1 42 68 53 00",
}
VEHICLE = {
    "vin": VIN,
    "brand": "Volkswagen",
    "model": "Golf",
    "purchaseAmount": money(TOTAL),
    "mileage": 85_000,
    "firstRegistrationDate": "2019-03-01",
}
ORDER_IN = {
    "externalOrderId": "AN-2026-000117",
    "buyerId": BUYER,
    "vins": [VEHICLE],
    "totalAmount": money(TOTAL),
    "purchaseDate": TODAY,
}
INVOICE_IN = {
    "type": "PRELIMINARY",
    "invoiceDate": TODAY,
    "invoiceNumber": "AN-RE-2026-0117",
    "vatIncluded": False,
    "amount": money(TOTAL),
}
PAYMENT_IN = {
    "paymentDate": TODAY,
    "bankAmount": money(TOTAL),
    "cashAmount": money(0),
    "sourceIban": "FR7630006000011234567890189",
}
PICKUP_IN = {
    "type": "COMPANY_TRANSPORT",
    "pickupDate": TODAY,
    "driverIdentification": "B-ST 4711",
    "collectionAddress": SELLER_ADDRESS,
    "arrangedBy": "SELLER",
}
DELIVERY_IN = {"deliveryDate": "2026-03-04", "deliveryAddress": BUYER_ADDRESS}
DOCUMENT_FORM = {"documentDate": TODAY, "file": "(the PDF)"}
CMR = DOCUMENT_FORM | {
    "type": "TRANSPORT_CMR",
    "issuerType": "CARRIER",
    "issuerName": "Speedy Trans GmbH",
    "issuerId": "DE811569869",
    "originCountry": "DE",
    "destinationCountry": "FR",
}
POLICY = DOCUMENT_FORM | {
    "type": "TRANSPORT_INSURANCE_POLICY",
    "issuerType": "INSURER",
    "issuerName": "Allianz Versicherung AG",
}
VERSIONED = {"version": 1, "createdAt": NOW, "updatedAt": NOW}

# NOTYD: amounts in minor units too, 20% French VAT on top for the payments API's example
NOTYD_ADDRESS = {
    "street": "rue de la Paix",
    "house_number": "12",
    "city": "Paris",
    "postal_code": "75002",
    "country": "FR",
}
NOTYD_ADDRESS_OUT = {
    "street": "rue de la Paix",
    "house_number": "12",
    "house_number_suffix": None,
    "street_address_1": None,
    "street_address_2": None,
    "region": None,
    "city": "Paris",
    "postal_code": "75002",
    "country": "FR",
}
NOTYD_LINE = {
    "quantity": 1,
    "product_id": VIN,
    "product_name": "Volkswagen Golf 1.5 TSI, 2019, 85,000 km",
    "product_price_excl_tax": TOTAL,
    "product_price_incl_tax": 2_220_000,
    "product_tax_rate_percentage": "20.00",
}
NOTYD_TOTALS = {
    "total_amount_excl_tax": TOTAL,
    "total_amount_tax": 370_000,
    "total_amount_incl_tax": 2_220_000,
}
REPRESENTATIVE = {
    "first_name": "Camille",
    "last_name": "Dupont",
    "email": "camille.dupont@sandbox-automobiles.fr",
    "phone_number": "+33 1 42 68 53 00",
}
NOTYD_COMPANY = {
    "name": "Sandbox Automobiles SARL",
    "registration_number": "100000009",
    "vat_number": "FR88100000009",
    "website": "https://sandbox-automobiles.fr",
    "country": "FR",
}

# Request bodies, by (method, path): every content type the operation takes
BODIES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("post", "/realms/nt24-idp/protocol/openid-connect/token"): [
        {
            "grant_type": "client_credentials",
            "client_id": "api-client-demo-dms",  # api-client-{slug}
            "client_secret": "Zq3v...64 URL-safe base64 characters...x_9K",
        }
    ],
    ("post", "/v1/partners/{sellerId}/buyers"): [
        {
            "kycMode": "MARKETPLACE_LED",
            "vatNumber": "FR88100000009",
            "companyName": "Sandbox Automobiles SARL",
            "address": BUYER_ADDRESS,
        }
    ],
    ("patch", "/v1/partners/{sellerId}/buyers/{buyerId}"): [
        {"address": BUYER_ADDRESS | {"street": "14 rue de la Paix"}}
    ],
    ("post", "/v1/partners/{sellerId}/buyers/{buyerId}/block"): [
        {"reason": "The company was struck off the trade register"}
    ],
    ("post", "/v1/partners/{sellerId}/buyers/{buyerId}/contacts"): [CONTACT],
    ("post", "/v1/partners/{sellerId}/buyers/{buyerId}/kyc/documents"): [
        DOCUMENT_FORM
        | {
            "type": "COC_EXTRACT",
            "issuerType": "PUBLIC_AUTHORITY",
            "issuerName": "Greffe du Tribunal de Commerce de Paris",
        }
    ],
    ("post", "/v1/partners/{sellerId}/buyers/{buyerId}/kyc/self-service-invitations"): [
        {
            "recipientEmail": "camille.dupont@sandbox-automobiles.fr",
            "label": "KYC for order AN-2026-000117",
        }
    ],
    (
        "post",
        "/v1/partners/{sellerId}/buyers/{buyerId}/kyc/self-service-invitations/{invitationUuid}/revoke",
    ): [{"reason": "Sent to the wrong address"}],
    ("post", "/v1/partners/{sellerId}/orders"): [ORDER_IN],
    ("patch", "/v1/partners/{sellerId}/orders/{uuid}"): [{"responsibleContact": CONTACT}],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/cancel"): [
        {"reason": "The buyer withdrew before payment"}
    ],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/invoice"): [INVOICE_IN],
    ("patch", "/v1/partners/{sellerId}/orders/{uuid}/invoice"): [
        {"type": "PRELIMINARY", "invoiceNumber": "AN-RE-2026-0117-1"}
    ],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/payment"): [PAYMENT_IN],
    ("patch", "/v1/partners/{sellerId}/orders/{uuid}/payment"): [
        {"bankAmount": money(1_750_000), "cashAmount": money(100_000)}
    ],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/transport/pickup"): [PICKUP_IN],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/transport/pickup/revoke"): [
        {"reason": "The pickup date was entered wrongly"}
    ],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/transport/delivery"): [DELIVERY_IN],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/invoice/documents"): [
        DOCUMENT_FORM
        | {"type": "SHIPMENT_PRELIMINARY_INVOICE", "issuerType": "SELLER"}
        | {"issuerName": "Autohaus Nord GmbH"}
    ],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/payment/documents"): [
        DOCUMENT_FORM
        | {"type": "PAYMENT_CONFIRMATION", "issuerType": "BANK", "issuerName": "Berliner Bank"}
    ],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/transport/documents"): [CMR, POLICY],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/documents"): [CMR, POLICY],
    ("post", "/v1/partners/{sellerId}/orders/{uuid}/finalization/final-invoice"): [
        INVOICE_IN | {"type": "FINAL", "invoiceNumber": "AN-RE-2026-0117-F"}
    ],
    ("post", "/v1/webhooks"): [
        {
            "url": "https://dms.autohaus-nord.de/nt24/webhooks",
            "events": ["compliance.*", "export_file.generated"],
            "partnerIds": [PARTNER],
            "acceptedSchemaVersions": [1],
        }
    ],
    ("patch", "/v1/webhooks/{id}"): [{"status": "PAUSED"}],
    ("post", "/v1/webhooks/{id}/test"): [
        {
            "eventType": "compliance.status_changed",
            "data": {"orderUuid": ORDER, "complianceStatus": "VALID"},
            "partnerId": PARTNER,
        }
    ],
    # NOTYD
    ("post", "/v1/api/token/"): [{"username": "autohaus-nord", "password": "s3cret-passw0rd"}],
    ("post", "/v1/api/refresh/"): [{"refresh": "eyJhbGciOiJIUzI1NiIs...refresh"}],
    ("post", "/v1/api/order-request/"): [
        NOTYD_TOTALS
        | {
            "external_order_uid": "AN-2026-000118",
            "currency": "EUR",
            "order_lines": [NOTYD_LINE],
            "buyer_company": NOTYD_COMPANY,
            "buyer_representative": REPRESENTATIVE,
            "shipping_address": NOTYD_ADDRESS,
            "billing_address": NOTYD_ADDRESS,
            "locale": "fr",
            "payment_link_duration": 86400,
            "seller_urls": {
                "success_url": "https://shop.autohaus-nord.de/orders/AN-2026-000118/paid",
                "cancel_url": "https://shop.autohaus-nord.de/orders/AN-2026-000118",
            },
            "webhook_urls": {"webhook_url": "https://shop.autohaus-nord.de/notyd/webhooks"},
        }
    ],
    ("patch", "/v1/api/orders/{uuid}/"): [
        {
            "total_amount_excl_tax": 1_800_000,
            "total_amount_tax": 360_000,
            "total_amount_incl_tax": 2_160_000,
            "order_lines": [
                NOTYD_LINE
                | {"product_price_excl_tax": 1_800_000, "product_price_incl_tax": 2_160_000}
            ],
        }
    ],
    ("post", "/v1/api/orders/{uuid}/capture/"): [
        {
            "external_invoice_uid": "AN-RE-2026-0118",
            "invoice_url": "https://shop.autohaus-nord.de/invoices/AN-RE-2026-0118.pdf",
        }
    ],
    ("post", "/v1/api/orders/{uuid}/refund/"): [
        {
            "description": "Goodwill: a scratch on the rear bumper",
            "external_refund_uid": "AN-GS-2026-0007",
            "invoices": [
                {
                    "invoice_uuid": NOTYD_INVOICE,
                    "refund_amounts": [
                        {
                            "tax_rate_percentage": "20.00",
                            "total_amount_excl_tax": 25_000,
                            "total_amount_incl_tax": 30_000,
                            "description": "Bumper repair",
                        }
                    ],
                }
            ],
        }
    ],
    ("post", "/v1/api/diagnostics/round-trip/"): [{"message": "ping"}],
    ("patch", "/v1/api/invoices/{uuid}/"): [
        {
            "external_invoice_uid": "AN-RE-2026-0118",
            "invoice_url": "https://shop.autohaus-nord.de/invoices/AN-RE-2026-0118.pdf",
        }
    ],
}

DOCUMENT_OUT = {
    "uuid": DOCUMENT,
    "type": "TRANSPORT_CMR",
    "documentDate": TODAY,
    "issuerType": "CARRIER",
    "issuerName": "Speedy Trans GmbH",
    "issuerId": "DE811569869",
    "originCountry": "DE",
    "destinationCountry": "FR",
    "fileName": "cmr-AN-2026-000117.pdf",
    "contentType": "application/pdf",
    "size": 48213,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "status": "ACTIVE",
    "createdAt": NOW,
}
# the insurer's policy names no issuer number nor places: those fields are absent
POLICY_OUT = {
    key: value
    for key, value in DOCUMENT_OUT.items()
    if key not in ("issuerId", "originCountry", "destinationCountry")
} | {
    "uuid": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
    "type": "TRANSPORT_INSURANCE_POLICY",
    "issuerType": "INSURER",
    "issuerName": "Allianz Versicherung AG",
    "fileName": "policy-AN-2026-000117.pdf",
}


def nt24_page(item: dict[str, Any]) -> dict[str, Any]:
    """An NT24 list page holding one item (contract section 2.5)."""
    pagination = {"page": 0, "size": 20, "totalElements": 1, "totalPages": 1}
    return {"data": [item], "pagination": pagination | {"hasNext": False, "hasPrevious": False}}


def notyd_page(item: dict[str, Any]) -> dict[str, Any]:
    """A NOTYD list page holding one item."""
    return {"count": 1, "next": None, "previous": None, "results": [item]}


INVITATION = {
    "uuid": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
    "kind": "KYC",
    "status": "ACTIVE",
    "publicLinkUrl": "https://app.nt24.example/self-service/Ly1fR0x2c3d4e5f6a7b8c9d0e1f",
    "createdAt": NOW,
    "expiresAt": "2026-03-16T09:15:00Z",
    "recipientEmail": "camille.dupont@sandbox-automobiles.fr",
    "label": "KYC for order AN-2026-000117",
    "usageCount": 0,
}
EVIDENCE_HEAD = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
WEBHOOK_ENDPOINT = {
    "id": "wh_5f1c2d3e4a5b6c7d",
    "url": "https://dms.autohaus-nord.de/nt24/webhooks",
    "events": ["compliance.*", "export_file.generated"],
    "status": "ACTIVE",
    "partnerIds": [PARTNER],
    "acceptedSchemaVersions": [1],
    "version": 1,
    "createdAt": NOW,
}
DELIVERY = {
    "id": "del_8a9b0c1d2e3f4a5b",
    "eventId": "evt_0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
    "eventType": "compliance.status_changed",
    "kind": "EVENT",
    "status": "DELIVERED",
    "httpStatus": 200,
    "attempts": 1,
    "lastAttemptAt": NOW,
    "createdAt": NOW,
}

# NOTYD answers: the order of ``order-request/`` once the buyer accepted it and the seller
# captured it in full (one invoice, 30 days' terms); timestamps as the payments API writes them
NOTYD_CREATED = "2026-03-02T09:15:00+00:00"
NOTYD_CAPTURED = "2026-03-05T14:30:00+00:00"
SELLER_PROFILE = "4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d"
SELLER_USER = {
    "id": "17",
    "uuid": "8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e",
    "email": "verkauf@autohaus-nord.de",
    "username": "autohaus-nord",
    "first_name": "Jonas",
    "last_name": "Becker",
    "name": "Jonas Becker",
    "is_active": True,
    "seller_profile_uuid": SELLER_PROFILE,
    "webshop_url": "https://shop.autohaus-nord.de",
}
NOTYD_BUYER_COMPANY = NOTYD_COMPANY | {
    "uuid": NOTYD_ORDER,  # the buyer is known through its order only
    "created_at": NOTYD_CREATED,
    "updated_at": NOTYD_CAPTURED,
}
NOTYD_SELLER = {
    "uuid": SELLER_PROFILE,
    "name": "Autohaus Nord GmbH",
    "vat_number": "DE811907980",
    "registration_number": None,
    "website": "https://shop.autohaus-nord.de",
    "country": "DE",
    "created_at": "2026-01-12T08:00:00+00:00",
    "updated_at": "2026-01-12T08:00:00+00:00",
}
NOTYD_VALUE = {
    "currency": "EUR",
    "value": 2_220_000,
    "value_in_currency_units": 22_200,
    "symbol": "€",
}
NOT_PAID = {"name": "Not paid", "value": "not_paid"}
DUNNING_INITIAL = {"name": "Initial", "value": 0}
NOTYD_DUE = "2026-04-04T14:30:00+00:00"
PAYMENT_ORDER = NOTYD_TOTALS | {
    "uuid": NOTYD_ORDER,
    "external_order_uid": "AN-2026-000118",
    "external_webshop_uid": None,
    "company": NOTYD_BUYER_COMPANY,
    "seller": NOTYD_SELLER,
    "value": NOTYD_VALUE,
    "status": {"name": "Captured", "value": "captured"},
    "actions": {"cancel": False, "capture": False, "refund": True, "update": False},
    "created_at": NOTYD_CREATED,
    "updated_at": NOTYD_CAPTURED,
    "created_at_split": {"date": "2026-03-02", "time": "09:15:00"},
    "updated_at_split": {"date": "2026-03-05", "time": "14:30:00"},
    "amount": 2_220_000,
    "currency": "EUR",
    "locale": "fr",
    "payment_terms_days": 30,
    "order_lines": [NOTYD_LINE | {"product_description": None}],
    "shipping_address": NOTYD_ADDRESS_OUT,
    "billing_address": NOTYD_ADDRESS_OUT,
    "discount": None,
    "representative": REPRESENTATIVE,
    "invoices": [
        {
            "uuid": NOTYD_INVOICE,
            "external_invoice_uid": "AN-RE-2026-0118",
            "invoice_url": "https://shop.autohaus-nord.de/invoices/AN-RE-2026-0118.pdf",
            "payment_reference": "NT24-8K3M-Q7TX",
            "payment_status": NOT_PAID,
            "dunning_status": DUNNING_INITIAL,
            "value": NOTYD_VALUE,
            "due_date": NOTYD_DUE,
            "created_at": NOTYD_CAPTURED,
        }
    ],
    "payment_page_url": "https://api.nt24.example/pay/ERzbwmcRzolXb-RG8cAly4mor6G6dHnH2WMwO-1-MNY/",
}
INVOICE_LINE = {
    "id": 1,
    "product_id": VIN,
    "product_name": NOTYD_LINE["product_name"],
    "product_description": None,
    "quantity": 1,
    "product_tax_rate_percentage": "20.00",
    "product_price_excl_tax": TOTAL,
    "product_price_excl_tax_in_currency_units": 18_500,
    "product_price_incl_tax": 2_220_000,
    "product_price_incl_tax_in_currency_units": 22_200,
    "total_product_price_excl_tax": TOTAL,
    "total_product_price_excl_tax_in_currency_units": 18_500,
    "total_product_price_incl_tax": 2_220_000,
    "total_product_price_incl_tax_in_currency_units": 22_200,
    "tax": 370_000,
    "tax_in_currency_units": 3_700,
    "currency": "EUR",
    "symbol": "€",
}
PAYMENT_INVOICE = (
    {
        "id": NOTYD_INVOICE,
        "uuid": NOTYD_INVOICE,
        "external_invoice_uid": "AN-RE-2026-0118",
        "invoice_url": "https://shop.autohaus-nord.de/invoices/AN-RE-2026-0118.pdf",
        "payment_reference": "NT24-8K3M-Q7TX",
        "payment_status": NOT_PAID,
        "closed_at": None,
        "created_at": NOTYD_CAPTURED,
        "updated_at": NOTYD_CAPTURED,
        "on_hold": False,
        "on_hold_at": None,
        "order_uuid": NOTYD_ORDER,
        "due_date": NOTYD_DUE,
        "payment_terms_days": 30,
        "company": NOTYD_BUYER_COMPANY,
        "seller": NOTYD_SELLER,
        "dunning_status": DUNNING_INITIAL,
        "value": NOTYD_VALUE,
    }
    | NOTYD_TOTALS
    | {
        "refunds": [],
        "total_due_excl_tax_in_currency_units": 18_500,
        "tax": {"tax": 370_000, "tax_in_currency_units": 3_700},
        "invoice_lines": [INVOICE_LINE],
        "paid_to_seller": False,
        "paid_to_seller_settled": False,
    }
    | {
        f"{counter}_sent{suffix}": None if suffix else 0
        for counter in (
            "upcoming_payment_reminder",
            "invoice_due",
            "free_reminder",
            "reminder_1",
            "reminder_2",
            "last_notice",
        )
        for suffix in ("", "_at")
    }
    | {
        "representative": REPRESENTATIVE,
        "shipping_address": NOTYD_ADDRESS_OUT,
        "billing_address": NOTYD_ADDRESS_OUT,
        "seller_company_address": {key: None for key in NOTYD_ADDRESS_OUT} | {"country": "DE"},
    }
)
REFUNDABLE_INVOICE = PAYMENT_INVOICE | {
    "invoice_lines": [
        INVOICE_LINE
        | {
            "refundable_quantity": 1,
            "total_refundable_amount_excl_tax": TOTAL,
            "total_refundable_amount_excl_tax_in_currency_units": 18_500,
            "total_refundable_amount_incl_tax": 2_220_000,
            "total_refundable_amount_incl_tax_in_currency_units": 22_200,
        }
    ]
}
CREDIT_NOTE = {
    "uuid": "f4b3c2d1-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
    "external_refund_uid": "AN-GS-2026-0007",
    "invoice": NOTYD_INVOICE,
    "refund_lines": [],  # refunded by amount (refund_amounts), not by line
    "amount": 30_000,
    "total_amount_incl_tax": 30_000,
    "total_amount_excl_tax": 25_000,
    "total_amount_tax": 5_000,
    "description": "Goodwill: a scratch on the rear bumper",
    "discount": None,  # no invoices[].discount was sent: none of the invoice's given back
    "created_at": "2026-03-09T11:00:00+00:00",
}

# Answers, by component name
SCHEMAS: dict[str, list[dict[str, Any]]] = {
    "TokenAnswer": [
        {
            "access_token": "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9...",
            "expires_in": 300,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "profile email",
        }
    ],
    "Me": [
        {
            "organizationUuid": ORGANIZATION,
            "name": "Demo Marketplace",
            "authorizedPartners": [
                {"uuid": PARTNER, "name": "Autohaus Nord GmbH", "country": "DE"}
            ],
            "capabilities": {
                "rateLimitTier": "STANDARD",
                "allowMarketplaceLedKyc": True,
                "allowMultiVinOrders": False,
                "allowContactPersonalData": False,
                "allowKycDocumentDownload": False,
            },
            "dpaVersion": "2026-01",
            "dpaAcceptedAt": NOW,
        }
    ],
    "BuyerOut": [
        {
            "uuid": BUYER,
            "vatNumber": "FR88100000009",
            "companyName": "Sandbox Automobiles SARL",
            "address": BUYER_ADDRESS | {"uuid": "5d6e7f80-91a2-4b3c-8d4e-5f60718293a4"},
            "kycMode": "MARKETPLACE_LED",
            "status": "ACTIVE",
        }
        | VERSIONED
    ],
    "KycStatus": [
        {
            "buyerId": BUYER,
            "kycMode": "MARKETPLACE_LED",
            "overallStatus": "VALID",
            "viesLastCheckedAt": NOW,
            "viesResult": "VALID",
            "documentsComplete": True,
        }
    ],
    "DocumentOut": [DOCUMENT_OUT],
    "OrderOut": [
        ORDER_IN
        | {
            "uuid": ORDER,
            "status": "CREATED",
            "vins": [VEHICLE | {"complianceStatus": "INCOMPLETE"}],
        }
        | VERSIONED
    ],
    "InvoiceOut": [
        INVOICE_IN
        | {
            "marginScheme": False,
            "status": "SUBMITTED",
            "finalInvoiceRequired": False,
            "finalInvoiceReceived": False,
            "version": 1,
            "updatedAt": NOW,
        }
    ],
    "PaymentOut": [
        PAYMENT_IN
        | {
            "status": "SUBMITTED",
            "amountMatchesInvoice": True,
            "ibanConsistent": True,
            "readyForPickup": True,
            "version": 2,
            "updatedAt": NOW,
        }
    ],
    "TransportOut": [
        {
            "status": "DELIVERED",
            "pickup": PICKUP_IN
            | {
                "collectionAddress": {"uuid": "0b3c5e1a-6f7d-5a42-9c1e-2d4f6a8b0c13"}
                | SELLER_ADDRESS,
                "confirmedAt": NOW,
            },
            "delivery": DELIVERY_IN
            | {
                "deliveryAddress": {"uuid": "7e2a9c4d-1b3f-5d60-8a7c-9e0f1b2c3d45"} | BUYER_ADDRESS,
                "confirmedAt": NOW,
            },
            "revocations": [],
            "documents": [
                DOCUMENT_OUT,
                POLICY_OUT,
            ],
            "dailyViesChecksActive": False,
            "version": 4,
            "updatedAt": NOW,
        }
    ],
    "ComplianceOut": [
        {
            "orderUuid": ORDER,
            "complianceStatus": "VALID",
            "decision": "VALID_EXPORT",
            "blockers": [],
            "modules": {
                "buyer": {
                    "status": "VALID",
                    "viesLastCheckedAt": NOW,
                    "viesResult": "VALID",
                    "documentsComplete": True,
                },
                "order": {
                    "status": "COMPLETE",
                    "vins": [{"vin": VIN, "complianceStatus": "VALID"}],
                },
                "invoice": {
                    "status": "VALID",
                    "type": "PRELIMINARY",
                    "vatIncluded": False,
                    "finalInvoiceRequired": True,
                    "finalInvoiceReceived": False,
                },
                "payment": {
                    "status": "VALID",
                    "amountMatchesInvoice": True,
                    "ibanConsistent": True,
                    "readyForPickup": True,
                },
                "transport": {
                    "status": "COMPLETE",
                    "pickupConfirmed": True,
                    "pickupDate": "2026-02-26",
                    "deliveryConfirmed": True,
                    "cmrUploaded": True,
                    "dailyViesChecksActive": False,
                    "vins": [{"vin": VIN, "pickupConfirmed": True, "deliveryConfirmed": True}],
                },
                "exportFile": {
                    "status": "READY",
                    "downloadUrl": f"/v1/partners/{PARTNER}/orders/{ORDER}"
                    "/finalization/export-file/versions/1/content",
                },
            },
            "version": 7,
            "updatedAt": NOW,
        },
        {
            "orderUuid": ORDER,
            "complianceStatus": "INCOMPLETE",
            "blockers": [
                {
                    "module": "transport",
                    "code": "INSUFFICIENT_TRANSPORT_EVIDENCE",
                    "message": f"the transport of {VIN} needs two items of evidence from two "
                    "parties independent of each other, of the seller and of the buyer, each "
                    "named with its issuerName; so far Speedy Trans GmbH (CARRIER)",
                }
            ],
            "modules": {
                "buyer": {
                    "status": "VALID",
                    "viesLastCheckedAt": NOW,
                    "viesResult": "VALID",
                    "documentsComplete": True,
                },
                "order": {
                    "status": "COMPLETE",
                    "vins": [{"vin": VIN, "complianceStatus": "DELIVERED"}],
                },
                "invoice": {
                    "status": "VALID",
                    "type": "PRELIMINARY",
                    "vatIncluded": False,
                    "finalInvoiceRequired": True,
                    "finalInvoiceReceived": False,
                },
                "payment": {
                    "status": "VALID",
                    "amountMatchesInvoice": True,
                    "ibanConsistent": True,
                    "readyForPickup": True,
                },
                "transport": {
                    "status": "DELIVERED",
                    "pickupConfirmed": True,
                    "pickupDate": "2026-02-26",
                    "deliveryConfirmed": True,
                    "cmrUploaded": True,
                    "dailyViesChecksActive": False,
                    "vins": [{"vin": VIN, "pickupConfirmed": True, "deliveryConfirmed": True}],
                },
                "exportFile": {"status": "NOT_ELIGIBLE"},
            },
            "version": 5,
            "updatedAt": NOW,
        },
    ],
    "ExportFileOut": [
        {
            "status": "READY",
            "version": 1,
            "downloadUrl": f"/v1/partners/{PARTNER}/orders/{ORDER}"
            "/finalization/export-file/versions/1/content",
            "generatedAt": NOW,
            "decision": "VALID_EXPORT",
            "supersededVersions": [],
        }
    ],
    "WebhookEndpointCreated": [
        {
            "id": "wh_5f1c2d3e4a5b6c7d",
            "url": "https://dms.autohaus-nord.de/nt24/webhooks",
            "events": ["compliance.*", "export_file.generated"],
            "status": "ACTIVE",
            "partnerIds": [PARTNER],
            "acceptedSchemaVersions": [1],
            "version": 1,
            "createdAt": NOW,
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        }
    ],
    # NOTYD
    "TokenPair": [
        {"access": "eyJhbGciOiJIUzI1NiIs...access", "refresh": "eyJhbGciOiJIUzI1NiIs...refresh"}
    ],
    "OrderRequestOut": [
        NOTYD_TOTALS
        | {
            "uuid": NOTYD_ORDER,
            "created_at": NOW,
            "updated_at": NOW,
            "external_webshop_uid": None,
            "external_order_uid": "AN-2026-000118",
            "currency": "EUR",
            "order_lines": [NOTYD_LINE | {"product_description": None}],
            "discount": None,
            "buyer_company": NOTYD_COMPANY,
            "buyer_representative": REPRESENTATIVE,
            "shipping_address": NOTYD_ADDRESS_OUT,
            "billing_address": NOTYD_ADDRESS_OUT,
            "locale": "fr",
            "payment_link_duration": 86400,
            "seller_urls": None,
            "webhook_urls": None,
            "order_request_label": None,
            "amount": 2_220_000,
            # the page's own link token, not the order's uuid (store/payments/page_link.py)
            "payment_page_url": "https://api.nt24.example/pay/ERzbwmcRzolXb-RG8cAly4mor6G6dHnH2WMwO-1-MNY/",
        }
    ],
    "OrderActionOut": [{"id": NOTYD_ORDER, "description": "Order cancelled"}],
    "CaptureOut": [
        {
            "id": NOTYD_ORDER,
            "status": "captured",
            "invoice_uuid": NOTYD_INVOICE,
            "payment_reference": "NT24-8K3M-Q7TX",
            "details": "Captured 2,220,000 EUR cents",
        }
    ],
    "Contact": [CONTACT | {"uuid": "6e7f8091-a2b3-4c4d-8e5f-60718293a4b5", "createdAt": NOW}],
    "ViesCheckQueued": [{"status": "QUEUED"}],
    "VerificationSession": [
        {
            "sessionId": "idenfy-3c9f1a2b4d5e",
            "idenfyUrl": "https://ivs.idenfy.com/api/v2/redirect?authToken=3c9f1a2b4d5e6f7a",
        }
    ],
    "Invitation": [INVITATION],
    "Page_Invitation_": [nt24_page(INVITATION)],
    "EvidenceOut": [
        {
            "orderUuid": ORDER,
            "status": "INTACT",
            "head": EVIDENCE_HEAD,
            "recordedHead": EVIDENCE_HEAD,
            "workflowHead": EVIDENCE_HEAD,
            "entries": [
                {
                    "seq": 1,
                    "kind": "milestone",
                    "key": "milestone:created",
                    "prevHash": "0" * 64,
                    "hash": "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
                    "createdAt": NOW,
                },
                {
                    "seq": 2,
                    "kind": "document",
                    "key": f"document:{DOCUMENT}",
                    "prevHash": "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
                    "hash": EVIDENCE_HEAD,
                    "createdAt": NOW,
                },
            ],
            "breaks": [],
        }
    ],
    "WebhookEndpointOut": [WEBHOOK_ENDPOINT],
    "DeliveryOut": [DELIVERY],
    "Page_DeliveryOut_": [nt24_page(DELIVERY)],
    "EventFeed": [
        {
            "data": [
                {
                    "sequence": 42,
                    "id": "evt_0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
                    "type": "compliance.status_changed",
                    "schemaVersion": 1,
                    "source": ChangeSource.API,
                    "createdAt": NOW,
                    "organizationUuid": ORGANIZATION,
                    "partnerUuid": PARTNER,
                    "data": {
                        "orderUuid": ORDER,
                        "previousStatus": "INCOMPLETE",
                        "currentStatus": "VALID",
                        "blockers": [],
                        "version": 7,
                    },
                }
            ],
            "nextAfter": 42,
            "hasMore": False,
        }
    ],
    "EventTypeOut": catalogue_json()[:1],
    # NOTYD
    "AccessToken": [{"access": "eyJhbGciOiJIUzI1NiIs...access"}],
    "SellerUser": [SELLER_USER],
    "Page_SellerUser_": [notyd_page(SELLER_USER)],
    "PaymentOrderOut": [PAYMENT_ORDER],
    "Page_PaymentOrderOut_": [notyd_page(PAYMENT_ORDER)],
    "OrderStatusStringOut": [{"status": "captured"}],
    "CaptureStatusOut": [
        {
            "uuid": NOTYD_ORDER,
            "order_amount": NOTYD_TOTALS["total_amount_incl_tax"],
            "uncaptured": {
                "total_amount_incl_tax": 0,
                "total_amount_excl_tax": 0,
                "total_amount_tax": 0,
                "order_lines": [],
                "discount": None,
            },
            "captured": NOTYD_TOTALS | {"order_lines": [NOTYD_LINE], "discount": None},
        }
    ],
    "PaymentInvoiceOut": [PAYMENT_INVOICE],
    "Page_PaymentInvoiceOut_": [notyd_page(PAYMENT_INVOICE)],
    "Page_RefundableInvoiceOut_": [notyd_page(REFUNDABLE_INVOICE)],
    "RefundOut": [
        {
            "id": NOTYD_ORDER,
            "refunds": [CREDIT_NOTE],
            "details": "Order status updated to partially_refunded.",
        }
    ],
    "RoundTripAnswer": [
        {
            "workflow_id": "round-trip-4f6a8b0c-1d2e-4f3a-9b5c-6d7e8f9a0b1c",
            "organization_name": "Demo Marketplace",
            "message": "ping",
            "confirmed_by": "1@nt24-worker-7c9d5b6f4-x2k8q",
        }
    ],
}
SCHEMAS |= {
    "Page_BuyerOut_": [nt24_page(SCHEMAS["BuyerOut"][0])],
    "Page_OrderOut_": [nt24_page(SCHEMAS["OrderOut"][0])],
}

# Answers whose schema is inline, not a component, by (method, path, status). A list of
# components needs no entry: it shows its items' first example (``add_examples``).
OIDC = "/realms/nt24-idp"
RESPONSES: dict[tuple[str, str, str], list[Any]] = {
    ("get", "/healthz", "200"): [{"status": "ok"}],
    ("get", "/readyz", "200"): [
        {"status": "ok", "checks": {"database": "ok", "temporal": "ok", "worker": "ok"}}
    ],
    ("get", f"{OIDC}/protocol/openid-connect/certs", "200"): [
        {
            "keys": [
                {
                    "kty": "RSA",
                    "n": "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_Iz...",
                    "e": "AQAB",
                    "kid": "nt24-2026-01",
                    "use": "sig",
                    "alg": "RS256",
                }
            ]
        }
    ],
    ("get", f"{OIDC}/.well-known/openid-configuration", "200"): [
        {
            "issuer": f"https://api.nt24.example{OIDC}",
            "token_endpoint": f"https://api.nt24.example{OIDC}/protocol/openid-connect/token",
            "jwks_uri": f"https://api.nt24.example{OIDC}/protocol/openid-connect/certs",
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
        }
    ],
    ("post", "/v1/providers/idenfy/callback", "200"): [{"received": "ACCEPTED"}],
}


def operation_id(route: APIRoute) -> str:
    """The operation's id: its endpoint's name in camelCase (``createOrder``), ``notyd`` before
    it on the payments API (``notydGetOrder``); generated clients name their functions so."""
    first, *rest = route.name.split("_")
    name = first + "".join(word.capitalize() for word in rest)
    if route.path_format.startswith("/v1/api/"):
        return "notyd" + name[0].upper() + name[1:]
    return name


def install(app: FastAPI) -> None:
    """Wraps ``app.openapi`` (after ``declare_problems``) to set the examples."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        cached = app.openapi_schema is not None
        schema = build()
        if not cached:
            add_examples(schema)
            declare_binaries(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def body_schemas(document: dict[str, Any], method: str, path: str) -> list[dict[str, Any]]:
    """The schema of each content type of an operation's request body (a component's own)."""
    operation = document["paths"][path][method]
    found = []
    for content in operation["requestBody"]["content"].values():
        schema = content["schema"]
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        found.append(schema)
    return found


def add_examples(document: dict[str, Any]) -> None:
    """Sets each example where it belongs; a key naming nothing is skipped (a test fails)."""
    components = document.get("components", {}).get("schemas", {})
    for (method, path), examples in BODIES.items():
        if "requestBody" in document["paths"].get(path, {}).get(method, {}):
            for schema in body_schemas(document, method, path):
                schema["examples"] = examples
    for name, examples in SCHEMAS.items():
        if name in components:
            components[name]["examples"] = examples
    for (method, path, status), examples in RESPONSES.items():
        answer = document["paths"].get(path, {}).get(method, {}).get("responses", {})
        content = answer.get(status, {}).get("content", {})
        if "application/json" in content:
            content["application/json"]["schema"]["examples"] = examples
    for item in document["paths"].values():
        for operation in item.values():
            for answer in operation.get("responses", {}).values():
                schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
                ref = schema.get("items", {}).get("$ref", "")
                shown = components.get(ref.rsplit("/", 1)[-1], {}).get("examples")
                if shown and "examples" not in schema:
                    schema["examples"] = [shown[:1]]  # a list of components: their first


BINARY = {"type": "string", "format": "binary"}


def declare_binaries(document: dict[str, Any]) -> None:
    """Uploaded files and downloaded PDFs as binary strings that client generators read.

    FastAPI declares an upload as ``contentMediaType`` only and a PDF answer with no schema;
    generators (openapi-python-client) then send a file as text and drop the download. With
    ``format: binary`` beside them (as OpenAPI 3.0 spelled it, still understood by 3.1 tools)
    an upload takes a file and a download is bytes.
    """
    for schema in document.get("components", {}).get("schemas", {}).values():
        for field in schema.get("properties", {}).values():
            if field.get("type") == "string" and "contentMediaType" in field:
                field.setdefault("format", "binary")
    for item in document["paths"].values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                for media_type, content in response.get("content", {}).items():
                    if media_type.startswith(("application/pdf", "image/")):
                        content.setdefault("schema", dict(BINARY))
