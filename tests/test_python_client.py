"""The typed Python client (clients/python/) drives an order to VALID: its README's example.

The README's first code block names the settings (base URL, API client, partner, buyer VAT
number, a PDF); the test gives them for a fresh tenant of the test stack and runs the second
block, the example itself, as an integrator would copy it. The example is synchronous, so it
runs in a thread beside the stack's event loop.
"""

from __future__ import annotations

import ast
import asyncio
import io
import json
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import Stack
from tests.order_flow import pdf, seller_session

CLIENT = Path(__file__).resolve().parent.parent / "clients" / "python"
README = CLIENT / "README.md"


def example_blocks() -> tuple[str, str]:
    settings, example = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    return settings, example


async def test_the_readme_example_takes_an_order_to_valid_through_the_client(stack: Stack):
    tenant, http = await seller_session(stack)
    await http.aclose()
    settings, example = example_blocks()
    given = {
        "BASE_URL": stack.base_url,
        "CLIENT_ID": tenant.client_id,
        "CLIENT_SECRET": tenant.client_secret,
        "SELLER_ID": str(tenant.partner.uuid),
        "BUYER_VAT": "FR88100000009",
        "PDF": pdf("nt24-client"),
    }
    assert set(re.findall(r"^([A-Z_]+) =", settings, re.M)) == set(given)
    if str(CLIENT) not in sys.path:
        sys.path.insert(0, str(CLIENT))  # as `pip install ./clients/python` would
    namespace = dict(given)
    code = compile(example, str(README), "exec")
    await asyncio.to_thread(exec, code, namespace)

    rollup, export, content = namespace["rollup"], namespace["export"], namespace["content"]
    assert rollup.compliance_status == "VALID", rollup.blockers
    assert rollup.decision == "VALID_EXPORT"
    assert export.status == "READY" and export.version == 1
    content.payload.seek(0)
    assert content.payload.read().startswith(b"%PDF")
    # typed answers, not dicts
    assert type(namespace["order"]).__module__ == "nt24_client.models.order_out"


QUICKSTART = CLIENT.parent.parent / "docs" / "quickstart.md"


def example_call(name: str) -> dict[str, object]:
    """The literal keyword arguments of the README example's call of ``name`` (a model), nested
    models as dicts."""

    def literal(node: ast.expr) -> object:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return {kw.arg: literal(kw.value) for kw in node.keywords if kw.arg}
        try:
            return ast.literal_eval(node)
        except ValueError:
            return None  # a variable: not the example's own value

    for node in ast.walk(ast.parse(example_blocks()[1])):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
            return literal(node)  # type: ignore[return-value]
    raise AssertionError(f"no {name}(...) in the example")


def quickstart_body(path: str) -> dict[str, object]:
    """The JSON body docs/quickstart.md POSTs to ``path`` (the shell's dates and ids as
    placeholders)."""
    text = QUICKSTART.read_text()
    command = re.search(rf"-X POST \S*{re.escape(path)} .*?-d '(\{{.*?\}})'", text, re.S)
    assert command, path
    return json.loads(re.sub(r"'\"\$\w+\"'", "placeholder", command.group(1)))


def test_the_readme_example_upserts_the_buyer_the_quickstart_created():
    """The README comes after docs/quickstart.md, on the same demo organization: an upsert of
    the same VAT number under another name or address answers 409
    resource-exists-different-body."""
    buyer = quickstart_body("/buyers")
    example = example_call("BuyerUpsert")
    assert example["company_name"] == buyer["companyName"]
    address = example["address"]
    assert isinstance(address, dict)
    assert {key: address[key] for key in ("street", "post_code", "city", "country")} == {
        "street": buyer["address"]["street"],  # type: ignore[index]
        "post_code": buyer["address"]["postCode"],  # type: ignore[index]
        "city": buyer["address"]["city"],  # type: ignore[index]
        "country": buyer["address"]["country"],  # type: ignore[index]
    }


def test_the_readme_example_pays_from_the_account_the_quickstart_paid_from():
    """A second order of the quickstart's buyer paid from another IBAN stays INCOMPLETE
    (IBAN_INCONSISTENT): the example's loop would end in an AssertionError."""
    payment = quickstart_body("/payment")
    assert example_call("PaymentIn")["source_iban"] == payment["sourceIban"]


def test_the_readme_examples_today_is_the_day_in_germany():
    """At 23:30 UTC on 7 December it is the 8th in Berlin, where the rules put the buyer's VIES
    answer: a pickup dated the 7th would have only an answer after the supply (VIES_PENDING
    for good)."""
    moment = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

        @classmethod
        def today(cls):
            return moment.replace(tzinfo=None)

    class FrozenDate(date):
        @classmethod
        def today(cls):
            return moment.date()

    [assignment] = [
        node
        for node in ast.walk(ast.parse(example_blocks()[1]))
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "today"
    ]
    namespace = {"datetime": Frozen, "date": FrozenDate, "ZoneInfo": ZoneInfo}
    assert eval(ast.unparse(assignment.value), namespace) == date(2026, 12, 8)


def test_the_client_offers_the_document_types_each_upload_takes():
    """The client's upload bodies took ``type_: str`` and ``document_date: str``: a misspelt
    type was found only by the API's 422, and every other date of the client is a ``date``.
    Each now takes the enumeration of its endpoint's types, and a date."""
    if str(CLIENT) not in sys.path:
        sys.path.insert(0, str(CLIENT))
    from nt24_client import models
    from nt24_client.types import File

    from api.nt24.orders.documents import document_types_for

    for body, module in (
        (models.BodyUploadInvoiceDocument, "invoice"),
        (models.BodyUploadPaymentDocument, "payment"),
        (models.BodyUploadTransportDocument, "transport"),
        (models.BodyUploadOrderDocument, None),
    ):
        kinds = getattr(models, f"{body.__name__}Type")
        assert body.__annotations__["type_"] == kinds.__name__
        assert {kind.value for kind in kinds} == set(document_types_for(module))
        assert body.__annotations__["document_date"].startswith("datetime.date")
    transport = models.BodyUploadTransportDocument(
        type_=models.BodyUploadTransportDocumentType.TRANSPORT_CMR,
        file=File(payload=io.BytesIO(b"%PDF"), file_name="cmr.pdf"),
        document_date=date(2026, 12, 8),
    )
    sent = {name: value[1] for name, value in transport.to_multipart()}
    assert sent["type"] == b"TRANSPORT_CMR" and sent["documentDate"] == b"2026-12-08"
