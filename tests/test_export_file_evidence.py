"""The Export File of a real order over HTTP: no IBAN in full (the payment rule's detail names
it), the buyer's KYC documents with their hashes, and the invoice's correction history."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from tests.conftest import Stack
from tests.order_flow import OrderClient, key, seller_session
from tests.test_kyc_verification import decided, kyc_until, nt24_buyer


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


async def test_the_export_file_masks_ibans_lists_kyc_documents_and_invoice_corrections(
    stack: Stack,
):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)  # paid from DE89 3704 0044 0532 0130 00
        # the invoice as the rollup judged it (VALID, a final invoice required): a version
        # after the one submitted, which corrected nothing
        [submitted] = (await client.get(f"/orders/{order}/invoice")).json()
        corrected = await http.patch(
            f"{tenant.seller}/orders/{order}/invoice",
            json={"type": "PRELIMINARY", "invoiceNumber": "INV-CORRECTED-1"},
            headers=key() | {"If-Match": f'"{submitted["version"]}"'},
        )
        assert corrected.status_code == 200, corrected.text
        # the PDF received before the correction shows the old number: it is sent again
        uploaded = await client.upload(
            f"/orders/{order}/invoice/documents", "SHIPMENT_PRELIMINARY_INVOICE"
        )
        assert uploaded.status_code == 201, uploaded.text
        ready = await client.post(f"/orders/{order}/payment/ready-for-pickup")
        assert ready.status_code == 200, ready.text
        assert (await client.pickup(order)).status_code == 200
        await client.transport_evidence(order)
        assert (await client.deliver(order)).status_code == 200
        await client.compliance_until(order, lambda r: r.get("complianceStatus") == "VALID")
        export = await client.export_file_until(order, 1)
        content = await client.get(
            f"/orders/{order}/finalization/export-file/versions/{export['version']}/content"
        )
        kyc = (await client.get(f"/buyers/{buyer}/kyc/documents")).json()
    assert content.status_code == 200
    text = text_of(content.content)
    # the payment rule judged the IBAN: its detail shows the last 4 characters only
    assert "PAYMENT_IBAN" in text and "**30 00" in text
    assert "DE89" not in text and "3704" not in text and "0532" not in text
    documents = kyc if isinstance(kyc, list) else kyc["data"]
    assert documents and "The buyer's KYC documents" in text
    for document in documents:
        assert document["sha256"] in text and document["type"] in text
    assert submitted["version"] > 0 and corrected.json()["version"] == submitted["version"] + 1
    # the correction history: as submitted, then the correction; not the versions between
    assert "PRELIMINARY v0, submitted" in text
    assert f"PRELIMINARY v{submitted['version'] + 1}, corrected" in text
    for between in range(1, submitted["version"] + 1):
        assert f"PRELIMINARY v{between}, corrected" not in text
    assert "INV-CORRECTED-1" in text


async def test_an_nt24_led_buyers_export_file_shows_its_identity_verification_and_aml(
    stack: Stack,
):
    """The PDF carries the buyer's identification and KYC results (contract 10): for an
    NT24-led buyer, the platform's identity verification and AML screening, which it left
    out."""
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Muster")
        assert (await client.post(f"/buyers/{buyer}/kyc/verify")).status_code == 201
        kyc = await kyc_until(client, buyer, decided)
        assert (kyc["verificationStatus"], kyc["amlStatus"]) == ("VERIFIED", "CLEAR")
        order = await client.delivered(buyer)
        await client.compliance_until(order, lambda r: r.get("complianceStatus") == "VALID")
        export = await client.export_file_until(order, 1)
        content = await client.get(
            f"/orders/{order}/finalization/export-file/versions/{export['version']}/content"
        )
    text = text_of(content.content)
    assert "KYC mode NT24_LED" in text
    assert "Identity verification VERIFIED" in text
    assert "AML screening CLEAR" in text
