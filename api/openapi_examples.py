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
            "client_id": "nt24_demo_dms",
            "client_secret": "3b1f...64 hexadecimal characters...9e0a",
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
        }
    ],
    ("patch", "/v1/webhooks/{endpointId}"): [{"status": "PAUSED"}],
    ("post", "/v1/webhooks/{endpointId}/test"): [
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
            "pickup": PICKUP_IN,
            "delivery": DELIVERY_IN,
            "revocations": [],
            "documents": [
                DOCUMENT_OUT,
                DOCUMENT_OUT
                | {
                    "uuid": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
                    "type": "TRANSPORT_INSURANCE_POLICY",
                    "issuerType": "INSURER",
                    "issuerName": "Allianz Versicherung AG",
                    "issuerId": None,
                    "originCountry": None,
                    "destinationCountry": None,
                    "fileName": "policy-AN-2026-000117.pdf",
                },
            ],
            "dailyViesChecksActive": False,
            "version": 4,
        }
    ],
    "ComplianceOut": [
        {
            "orderUuid": ORDER,
            "complianceStatus": "VALID",
            "decision": "VALID_EXPORT",
            "blockers": [],
            "modules": {
                "buyer": {"status": "VALID", "viesResult": "VALID", "documentsComplete": True},
                "order": {"status": "COMPLETE", "vins": [{"vin": VIN, "status": "VALID"}]},
                "invoice": {"status": "VALID", "type": "PRELIMINARY", "vatIncluded": False},
                "payment": {"status": "VALID", "amountMatchesInvoice": True},
                "transport": {"status": "COMPLETE", "pickupConfirmed": True},
            },
            "version": 7,
            "updatedAt": NOW,
        },
        {
            "orderUuid": ORDER,
            "complianceStatus": "INCOMPLETE",
            "decision": None,
            "blockers": [
                {
                    "module": "transport",
                    "code": "INSUFFICIENT_TRANSPORT_EVIDENCE",
                    "message": f"the transport of {VIN} needs two items of evidence from two "
                    "parties independent of each other, of the seller and of the buyer, each "
                    "named with its issuerName; so far Speedy Trans GmbH (CARRIER)",
                }
            ],
            "modules": {"transport": {"status": "DELIVERED", "pickupConfirmed": True}},
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
            "payment_page_url": f"https://api.nt24.example/pay/{NOTYD_ORDER}/",
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
