"""The staff app makes no silent mistake: amounts are read and shown in the operator's locale
(and refused when they cannot be read without guessing), the payment terms can be set from
the environment, and a form opened before a colleague's change cannot overwrite it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from api.web.charts import bars, percent_columns
from api.web.core import FormErrors, whole_number
from api.web.l10n import (
    AmountError,
    format_amount,
    format_money,
    negotiate,
    parse_cents,
    preferred_languages,
)
from settings import Settings
from store.buyers.queries import buyer_matches
from store.identity import identity
from store.models import (
    Base,
    Buyer,
    DunningLetter,
    Order,
    Organization,
    PaymentInvoice,
    PaymentOrder,
    utcnow,
)
from store.orders.queries import order_matches
from store.payments.queries import invoice_matches
from store.queries import contains, contains_identifier
from tests.conftest import Stack
from tests.order_flow import TOTAL, OrderClient, key, money, pdf, seller_session, seller_today
from tests.payment_invoices import captured_invoice, invoice_row, statement_paying
from tests.test_web_admin import signed_in
from tests.test_web_staff_forms import audited, web_session

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


# ----- amounts in the operator's locale -----


@pytest.mark.parametrize(
    ("locale", "typed", "cents"),
    [
        ("de", "18.500,00", 18_500_00),
        ("de", "32.900", 32_900_00),
        ("de", "18500", 18_500_00),
        ("de", "18,5", 18_50),
        ("de", "€ 18.500,00", 18_500_00),
        ("en", "18,500.00", 18_500_00),
        ("en", "18500", 18_500_00),
        ("en", "18.50", 18_50),
        ("fr", "18 500,00", 18_500_00),
        ("nl", "18.500,00", 18_500_00),
    ],
)
def test_amounts_are_read_the_way_the_locale_writes_them(locale: str, typed: str, cents: int):
    assert parse_cents(typed, locale) == cents


@pytest.mark.parametrize(
    ("locale", "typed", "shown"),
    [
        # the bug: every comma was dropped, so "18.500,00" became 18.50 EUR
        ("en", "18.500,00", "eighteen thousand five hundred is 18,500.00"),
        ("de", "18,500.00", "eighteen thousand five hundred is 18.500,00"),
        ("de", "18.50", "eighteen thousand five hundred is 18.500,00"),
        # three decimals: thirty-two euros ninety, or thirty-two thousand nine hundred?
        ("en", "32.900", 'read as 32.900 ("." marks the decimals in English)'),
        ("de", "32,900", 'read as 32,900 ("," marks the decimals in German)'),
        ("en", "-5", "must be zero or more"),
        ("en", "abc", "is not an amount"),
        # what the locale does not write, though the parser would read it: an exponent, a
        # thousands underscore, another script's digits
        ("en", "1e999999", "is not an amount as written in English"),
        ("en", "1e6", "is not an amount as written in English"),
        ("en", "1_000", "is not an amount as written in English"),
        ("en", "\u0661\u0662\u0663", "is not an amount as written in English"),
        # numbers no invoice has, nor Python's int() or decimal context takes
        ("en", "9" * 5000, "must be less than 1,000,000,000,000.00"),
        ("de", "1000000000000", "must be less than 1.000.000.000.000,00"),
    ],
)
def test_what_cannot_be_read_without_guessing_is_refused_saying_how_it_was_read(
    locale: str, typed: str, shown: str
):
    with pytest.raises(AmountError) as refused:
        parse_cents(typed, locale)
    assert shown in str(refused.value)


def test_a_whole_number_of_any_length_is_read_or_refused_without_an_error():
    assert whole_number("0000000000000000000000000007") == 7
    assert whole_number("9" * 5000) is None  # int() itself refuses 4,300 digits
    assert whole_number(str(2**31)) is None


def test_the_three_decimal_refusal_offers_both_readings():
    with pytest.raises(AmountError) as refused:
        parse_cents("32.900", "en")
    assert str(refused.value).endswith("type 32.90 or 32,900.00")


def test_amounts_are_shown_in_the_locale():
    assert format_money(18_500_00, "EUR", "de") == "18.500,00\xa0€"
    assert format_money(18_500_00, "EUR", "en") == "€18,500.00"
    assert format_amount(18_500_00, "de") == "18.500,00"
    assert format_amount(18_500_00, "en") == "18,500.00"


def test_amounts_are_read_and_shown_in_their_currencys_minor_units():
    """A zloty order is not shown in euros, and yen have no decimals: minor units are the
    currency's (ISO 4217), as the API takes them."""
    assert format_money(74_000_00, "PLN", "en") == "PLN74,000.00"
    assert format_money(1_850_000, "JPY", "en") == "¥1,850,000"
    assert format_amount(1_850_000, "en", "JPY") == "1,850,000"
    assert format_amount(1_850_005, "de", "KWD") == "1.850,005"
    assert parse_cents("1,850,000", "en", "JPY") == 1_850_000
    assert parse_cents("1.850,005", "de", "KWD") == 1_850_005
    assert parse_cents("74 000,00 zł", "pl", "PLN") == 74_000_00
    with pytest.raises(AmountError, match="in JPY has no decimals"):
        parse_cents("18.50", "en", "JPY")


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (18_500_50, "HUF", "HUF18,500.50"),
        (5, "HUF", "HUF0.05"),
        (5, "CZK", "CZK0.05"),
        (5, "COP", "COP0.05"),
        (1_850_005, "IQD", "IQD1,850.005"),
        (1_850_000, "ISK", "ISK1,850,000"),
    ],
)
def test_an_amount_is_shown_with_every_minor_unit_the_api_holds(
    cents: int, currency: str, shown: str
) -> None:
    """Babel rounds some currencies to what people pay in cash (HUF, CZK, COP: no decimals;
    IQD: none of its three): the page showed "HUF18,500" for 18,500.50 forints while the form
    field beside it held "18,500.50". The amount shown is the API's, to its last minor unit."""
    assert format_money(cents, currency, "en") == shown
    assert format_money(cents, currency, "en").endswith(format_amount(cents, "en", currency))
    assert format_money(18_500_50, "HUF", "hu") == "18\xa0500,50\xa0Ft"


def test_the_operators_locale_comes_from_the_browser_and_defaults_to_english():
    assert preferred_languages("fr;q=0.5, de-AT, en;q=0.7") == ["de-AT", "en", "fr"]
    assert str(negotiate("de-DE,de;q=0.9,en;q=0.8")) == "de"
    assert str(negotiate("xx, nl;q=0.4")) == "nl"
    assert str(negotiate("en-US")) == "en"
    assert str(negotiate(None)) == "en"
    assert str(negotiate("tlh")) == "en"


# ----- settings -----


@pytest.mark.parametrize("days", ["14", "30", "60"])
def test_the_payment_terms_can_be_set_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, days: str
):
    monkeypatch.setenv("NT24_PAYMENT_TERMS_DAYS", days)
    assert Settings().payment_terms_days == int(days)


def test_other_payment_terms_are_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NT24_PAYMENT_TERMS_DAYS", "45")
    with pytest.raises(ValueError, match="must be one of 14, 30, 60 days"):
        Settings()


# ----- the forms, over HTTP -----


async def test_a_german_operator_books_18_500_euros_typed_as_18_500_comma_00(stack: Stack):
    invoice = await captured_invoice(stack.db, utcnow(), total=18_500_00)
    url = f"/app/payments/invoices/{invoice.uuid}"
    async with web_session(stack) as (web, token):
        # an English operator typing the German way is refused, nothing booked
        refused = await web.post(
            f"{url}/payment", data={"csrf_token": token, "amount": "18.500,00"}, headers=ENGLISH
        )
        assert refused.status_code == 422
        assert "eighteen thousand five hundred is 18,500.00" in refused.text
        assert (await invoice_row(stack.db, invoice.uuid)).paid_amount == 0
        page = await web.get(url, headers=GERMAN)
        assert "18.500,00\xa0€" in page.text
        booked = await web.post(
            f"{url}/payment", data={"csrf_token": token, "amount": "18.500,00"}, headers=GERMAN
        )
        assert booked.status_code == 303, booked.text
        row = await invoice_row(stack.db, invoice.uuid)
        assert row.paid_amount == 18_500_00 and row.payment_status == "paid"
        page = await web.get(url, headers=ENGLISH)
        assert "€18,500.00" in page.text


async def test_order_amounts_typed_in_german_are_stored_as_meant(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        async with web_session(stack) as (web, token):
            form = {
                "csrf_token": token,
                "buyer": buyer,
                "externalOrderId": f"de-{utcnow().timestamp():.0f}",
                "vin": "WVWZZZ1KZAW000001",
                "totalAmount": "32.900",
                "purchaseDate": utcnow().date().isoformat(),
            }
            created = await web.post("/app/orders/new", data=form, headers=GERMAN)
            assert created.status_code == 303, created.text
            order = created.headers["location"].rsplit("/", 1)[1]
            assert (await client.get(f"/orders/{order}")).json()["totalAmount"]["value"] == (
                32_900_00
            )
            page = await web.get(f"/app/orders/{order}", headers=GERMAN)
            assert 'value="32.900,00"' in page.text  # the invoice form, in German
            ambiguous = await web.post(
                f"/app/orders/{order}/invoice",
                data={"csrf_token": token, "invoiceNumber": "R-1", "amount": "32,900"},
                headers=GERMAN,
            )
            assert ambiguous.status_code == 422
            assert "read as 32,900" in ambiguous.text.replace("&#34;", '"')
            invoiced = await web.post(
                f"/app/orders/{order}/invoice",
                data={
                    "csrf_token": token,
                    "invoiceNumber": "R-1",
                    "invoiceDate": utcnow().date().isoformat(),
                    "amount": "32.900,00",
                },
                headers=GERMAN,
            )
            assert invoiced.status_code == 303, invoiced.text
            invoices = (await client.get(f"/orders/{order}/invoice")).json()
            assert invoices[0]["amount"]["value"] == 32_900_00
            paid = await web.post(
                f"/app/orders/{order}/payment",
                data={
                    "csrf_token": token,
                    "paymentDate": utcnow().date().isoformat(),
                    "bankAmount": "32.000",
                    "cashAmount": "900,00",
                },
                headers=GERMAN,
            )
            assert paid.status_code == 303, paid.text
            payment = (await client.get(f"/orders/{order}/payment")).json()
            assert payment["bankAmount"]["value"] == 32_000_00
            assert payment["cashAmount"]["value"] == 900_00


# ----- no lost update -----

VERSION = re.compile(
    r'<form[^>]*id="(\w[\w-]*)"[^>]*>(?:(?!</form>).)*?name="version" value="(\d+)"', re.S
)


def keep_link(html: str) -> str:
    """Where a refused edit's "Keep the saved values" leads."""
    found = re.search(r'<a class="button secondary" href="([^"]*)">Keep the saved', html)
    assert found is not None, html
    return found[1]


def versions(html: str) -> dict[str, int]:
    """The version each form of a page carries, by the form's id."""
    return {form: int(version) for form, version in VERSION.findall(html)}


async def test_a_buyer_changed_in_another_tab_is_not_overwritten_by_a_stale_form(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False, name="Garage Dupont SARL")
        async with web_session(stack) as (web, token):
            page = await web.get(f"/app/buyers/{buyer}", headers=GERMAN)
            seen = versions(page.text)["edit"]
            # a colleague renames the buyer (another tab, or the API)
            renamed = await http.patch(
                f"{tenant.seller}/buyers/{buyer}",
                json={"companyName": "Garage Dupont et Fils SARL"},
                headers=key() | {"If-Match": f'"{seen}"'},
            )
            assert renamed.status_code == 200, renamed.text
            mine = {
                "csrf_token": token,
                "version": str(seen),
                "companyName": "Garage Dupont SAS",
                "address.street": "1 rue de la Paix",
                "address.postCode": "75002",
                "address.city": "Paris",
                "address.country": "FR",
                "kycMode": "MARKETPLACE_LED",
            }
            refused = await web.post(f"/app/buyers/{buyer}/edit", data=mine, headers=GERMAN)
            assert refused.status_code == 409
            text = refused.text.replace("&#39;", "'")
            assert "changed by someone else at" in text and "If-Match" not in text
            assert re.search(r"changed by someone else at \d\d:\d\d UTC", text)
            # both values side by side, the form still holding the version the operator saw
            assert "Garage Dupont et Fils SARL" in text and "Garage Dupont SAS" in text
            forms = versions(refused.text)
            assert forms["edit"] == seen and forms["overwrite"] == seen + 1
            # keeping the saved values leads to the buyer's page, showing them (the answer's
            # own address is the form's, which takes no GET)
            kept = await web.get(refused.url.join(keep_link(refused.text)), headers=GERMAN)
            assert kept.status_code == 200, (str(kept.url), kept.status_code)
            assert str(kept.url).endswith(f"/app/buyers/{buyer}")
            assert "Garage Dupont et Fils SARL" in kept.text
            # sending the same form again is refused again: nothing is overwritten blindly
            again = await web.post(f"/app/buyers/{buyer}/edit", data=mine, headers=GERMAN)
            assert again.status_code == 409
            current = (await client.get(f"/buyers/{buyer}")).json()
            assert current["companyName"] == "Garage Dupont et Fils SARL"
            # the operator chooses to save theirs over it: one explicit step
            chosen = await web.post(
                f"/app/buyers/{buyer}/edit", data=mine | {"version": str(seen + 1)}
            )
            assert chosen.status_code == 303, chosen.text
            assert (await client.get(f"/buyers/{buyer}")).json()["companyName"] == (
                "Garage Dupont SAS"
            )


async def test_a_payment_corrected_by_a_colleague_is_shown_beside_mine(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer(documents=False)))["uuid"]
        await client.invoice_and_payment(order)
        async with web_session(stack) as (web, token):
            page = await web.get(f"/app/orders/{order}", headers=GERMAN)
            seen = versions(page.text)["payment-edit"]
            corrected = await http.patch(
                f"{tenant.seller}/orders/{order}/payment",
                json={
                    "bankAmount": {"value": 18_000_00, "currency": "EUR"},
                    "cashAmount": {"value": 500_00, "currency": "EUR"},
                },
                headers=key() | {"If-Match": f'"{seen}"'},
            )
            assert corrected.status_code == 200, corrected.text
            mine = {
                "csrf_token": token,
                "version": str(seen),
                "paymentDate": utcnow().date().isoformat(),
                "bankAmount": "18.400",
                "cashAmount": "100,00",
                "sourceIban": "DE89 3704 0044 0532 0130 00",
            }
            refused = await web.post(f"/app/orders/{order}/payment-edit", data=mine, headers=GERMAN)
            assert refused.status_code == 409
            assert "changed by someone else at" in refused.text
            conflict = refused.text.split('id="conflict"')[1].split("</section>")[0]
            assert "18.000,00" in conflict and "18.400,00" in conflict  # saved, mine
            assert "500,00" in conflict and "100,00" in conflict
            forms = versions(refused.text)
            assert forms["payment-edit"] == seen and forms["overwrite"] == seen + 1
            assert keep_link(refused.text) == f"/app/orders/{order}"
            again = await web.post(f"/app/orders/{order}/payment-edit", data=mine, headers=GERMAN)
            assert again.status_code == 409
            payment = (await client.get(f"/orders/{order}/payment")).json()
            assert payment["bankAmount"]["value"] == 18_000_00


async def test_a_colleagues_new_iban_declaration_is_shown_beside_mine(stack: Stack):
    """The declaration that the source IBAN is the buyer's new account is part of the payment
    the IBAN consistency check reads: a stale form shows it beside the operator's, marked,
    rather than withdrawing it unseen with "Save mine over the saved values"."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer(documents=False)))["uuid"]
        await client.invoice_and_payment(order)
        async with web_session(stack) as (web, token):
            page = await web.get(f"/app/orders/{order}")
            seen = versions(page.text)["payment-edit"]
            payment = (await client.get(f"/orders/{order}/payment")).json()
            assert not payment.get("newIbanDeclared")
            declared = await http.patch(
                f"{tenant.seller}/orders/{order}/payment",
                json={"newIbanDeclared": True},
                headers=key() | {"If-Match": f'"{seen}"'},
            )
            assert declared.status_code == 200, declared.text
            mine = {  # the form as rendered before, the box left unticked
                "csrf_token": token,
                "version": str(seen),
                "paymentDate": utcnow().date().isoformat(),
                "bankAmount": format_amount(payment["bankAmount"]["value"], "en", "EUR"),
                "cashAmount": "0.00",
                "sourceIban": payment.get("sourceIban") or "",
            }
            refused = await web.post(f"/app/orders/{order}/payment-edit", data=mine)
        kept = (await client.get(f"/orders/{order}/payment")).json()
    assert refused.status_code == 409, refused.text
    conflict = refused.text.split('id="conflict"')[1].split("</table>")[0]
    rows = re.findall(r"<tr[^>]*><th>([^<]*)</th>(.*?)</tr>", conflict.replace("&#39;", "'"))
    row = dict(rows).get("A new account of the buyer's", "")
    assert re.findall(r"<td>(\w+)", row) == ["yes", "no"] and "(differs)" in row, row
    assert kept["newIbanDeclared"] is True


async def test_a_field_emptied_in_an_edit_form_is_named_not_left_as_it_was(stack: Stack):
    """An edit form shows every field filled in: emptying one was answered "Buyer updated." (or
    "Invoice corrected.") while nothing changed, the version moving on all the same."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False, name="Garage Dupont SARL")
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)
        async with web_session(stack) as (web, token):
            buyer_page = await web.get(f"/app/buyers/{buyer}")
            order_page = await web.get(f"/app/orders/{order}")
            seen, forms = versions(buyer_page.text)["edit"], versions(order_page.text)
            emptied = {
                "csrf_token": token,
                "version": str(seen),
                "companyName": "",
                "address.street": "1 rue de la Paix",
                "address.postCode": "75002",
                "address.city": "Paris",
                "address.country": "FR",
                "kycMode": "MARKETPLACE_LED",
            }
            refused = await web.post(f"/app/buyers/{buyer}/edit", data=emptied)
            assert refused.status_code == 422 and "is required" in refused.text
            invoice = await web.post(
                f"/app/orders/{order}/invoice-edit",
                data={"csrf_token": token, "version": str(forms["invoice-edit"]), "amount": ""},
            )
            assert invoice.status_code == 422 and "is required" in invoice.text
            payment = await web.post(
                f"/app/orders/{order}/payment-edit",
                data={"csrf_token": token, "version": str(forms["payment-edit"]), "bankAmount": ""},
            )
            assert payment.status_code == 422 and "is required" in payment.text
            no_date = await web.post(
                f"/app/orders/{order}/edit",
                data={"csrf_token": token, "version": str(forms["edit"]), "purchaseDate": ""},
            )
            assert no_date.status_code == 422 and "is required" in no_date.text
            saved = (await client.get(f"/orders/{order}")).json()
            same = await web.post(
                f"/app/orders/{order}/edit",
                data={
                    "csrf_token": token,
                    "version": str(saved["version"]),
                    "purchaseDate": saved["purchaseDate"],
                },
            )
            assert same.status_code == 303
            shown = await web.get(same.headers["location"])
            assert "Nothing to change: the order had these values." in shown.text
            assert "Order updated." not in shown.text
        assert await audited(stack, "order.edit", order) is None
        current = (await client.get(f"/buyers/{buyer}")).json()
        assert (current["companyName"], current["version"]) == ("Garage Dupont SARL", seen)
        assert (await client.get(f"/orders/{order}/payment")).json()["bankAmount"]["value"]


# ----- search -----


def test_search_terms_match_case_insensitively_and_literally_on_sqlite():
    engine = sa.create_engine("sqlite://")
    table = sa.Table(
        "t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.String)
    )
    table.metadata.create_all(engine)
    rows = ["WVWZZZ1KZAW000001", "Garage Dupont SARL", "DE136695976", "50% off_sale"]
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"v": v} for v in rows])

        def found(term: str, match: Any = contains_identifier) -> list[str]:
            query = sa.select(table.c.v).where(match(table.c.v, term)).order_by(table.c.id)
            return list(connection.scalars(query))

        assert found("aw000001") == [rows[0]]  # the VIN's last characters, lower case
        assert found("dupont") == [rows[1]]
        assert found("DE 136 695") == [rows[2]]  # typed with spaces
        # wildcards typed are literal characters
        assert found("50%", contains) == [rows[3]] and found("f_s", contains) == [rows[3]]
        assert found("0%", contains) == [rows[3]] and found("x_", contains) == []


async def test_search_finds_orders_buyers_and_invoices_by_any_part(stack: Stack):
    tenant, http = await seller_session(stack)
    marker = uuid4().hex[:8]
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False, name=f"Autohaus Brenner-{marker} GmbH")
        external = f"Deal-{marker}-XY"
        vin = "WVWZZZ1KZAW000001"
        answer = await client.post("/orders", client.order_body(buyer, external))
        assert answer.status_code == 201, answer.text
        order = answer.json()["uuid"]
    invoice = await captured_invoice(stack.db, utcnow(), total=100_00)
    async with web_session(stack) as (web, token):

        async def search(term: str) -> str:
            page = await web.get("/app/search", params={"q": term})
            assert page.status_code == 200
            return page.text

        for term in (f"deal-{marker.upper()}", f"{marker}-xy", f"brenner-{marker}".upper()):
            found = await search(term)
            assert order in found, term
        assert buyer in await search(f"BRENNER-{marker}")
        assert order in await search(vin[-6:].lower())  # the newest of the orders with it
        assert buyer in await search("FR 40 303")  # the buyer's VAT number, as typed
        assert str(invoice.uuid) in await search(invoice.payment_reference[-6:].lower())
        # a payment order, by a part of its external order id
        async with stack.db.session() as session:
            payment_order = await session.scalar(
                sa.select(PaymentOrder)
                .join(PaymentInvoice, PaymentInvoice.order_id == PaymentOrder.id)
                .where(PaymentInvoice.uuid == UUID(invoice.uuid))
            )
        assert payment_order is not None
        found = await search(payment_order.external_order_uid[-8:].upper())
        assert f"/app/payments/orders/{payment_order.uuid}" in found
        listed = await web.get("/app/orders", params={"vin": vin[-6:].lower()})
        assert order in listed.text
        listed = await web.get("/app/orders", params={"externalOrderId": marker.upper()})
        assert order in listed.text
        listed = await web.get("/app/buyers", params={"q": f"brenner-{marker}"})
        assert buyer in listed.text


# ----- the new-order form and KYC documents -----


async def test_a_multi_vin_order_is_created_from_the_form_where_the_organization_may(stack: Stack):
    tenant, http = await seller_session(stack, allow_multi_vin_orders=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        async with web_session(stack) as (web, token):
            page = await web.get("/app/orders/new")
            assert 'name="moreVins"' in page.text
            created = await web.post(
                "/app/orders/new",
                data={
                    "csrf_token": token,
                    "buyer": buyer,
                    "externalOrderId": f"multi-{uuid4().hex[:8]}",
                    "vin": "WVWZZZ1KZAW000001",
                    "mileage": "85000",  # the form's text, the API's JSON integer
                    "moreVins": "WBA3A5C55CF256651, BMW, 320i\nVF1RFB00X57123456",
                    "totalAmount": "40,000.00",
                },
            )
            assert created.status_code == 303, created.text
            order = created.headers["location"].rsplit("/", 1)[1]
            vins = (await client.get(f"/orders/{order}")).json()["vins"]
            assert [v["vin"] for v in vins] == [
                "WVWZZZ1KZAW000001",
                "WBA3A5C55CF256651",
                "VF1RFB00X57123456",
            ]
            assert vins[0]["mileage"] == 85000


async def test_a_further_vehicles_mileage_and_first_registration_are_taken_or_refused(
    stack: Stack,
):
    """Whether a vehicle is new (Art. 2(2)(b) VAT Directive: at most 6 months or 6,000 km)
    depends on its mileage and first registration: a further vehicle's line gives them after
    its model, read as the first vehicle's are; what cannot be read, and a part beyond them, is
    refused beside the field, never dropped."""
    registered = (seller_today() - timedelta(days=60)).isoformat()
    tenant, http = await seller_session(stack, allow_multi_vin_orders=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        async with web_session(stack) as (web, token):

            async def create(more_vins: str) -> Any:
                return await web.post(
                    "/app/orders/new",
                    data={
                        "csrf_token": token,
                        "buyer": buyer,
                        "externalOrderId": f"multi-{uuid4().hex[:8]}",
                        "vin": "WVWZZZ1KZAW000021",
                        "mileage": "85000",
                        "moreVins": more_vins,
                        "totalAmount": "40,000.00",
                    },
                )

            page = await web.get("/app/orders/new")
            assert "(VIN, brand, model, mileage in km, first registration)" in page.text
            created = await create(
                f"WVWZZZ1KZAW000022, VW, Golf, 3500, {registered}\n"
                "WBA3A5C55CF256651, BMW, , 42000\nVF1RFB00X57123456"
            )
            assert created.status_code == 303, created.text
            order = created.headers["location"].rsplit("/", 1)[1]
            vins = (await client.get(f"/orders/{order}")).json()["vins"]
            assert [(v.get("mileage"), v.get("firstRegistrationDate")) for v in vins] == [
                (85000, None),
                (3500, registered),
                (42000, None),
                (None, None),
            ]
            assert (vins[2]["brand"], vins[2].get("model")) == ("BMW", None)
            refusals = {
                "WVWZZZ1KZAW000022, VW, Golf, 3.500": "line 1, mileage: must be a whole number",
                f"VF1RFB00X57123456\nWVWZZZ1KZAW000022, VW, Golf, 3500, {registered[::-1]}": (
                    "line 2, first registration: "
                ),
                f"WVWZZZ1KZAW000022, VW, Golf, 3500, {registered}, red": (
                    "line 1: 6 parts where a line has at most 5: VIN, brand, model, mileage, "
                    "first registration"
                ),
            }
            for line, message in refusals.items():
                refused = await create(line)
                assert refused.status_code == 422, (line, refused.status_code)
                error = refused.text.split('id="err-moreVins">', 1)[1].split("</em>", 1)[0]
                assert error.startswith(message), (line, error)
        listed = await client.get("/orders", params={"vin": "WVWZZZ1KZAW000022"})
    assert [o["uuid"] for o in listed.json()["data"]] == [order]  # nothing refused was created


async def test_several_vins_are_refused_beside_the_field_where_the_organization_may_not(
    stack: Stack,
):
    tenant, http = await seller_session(stack)
    async with http:
        buyer = await OrderClient(stack, tenant, http).buyer(documents=False)
    async with web_session(stack) as (web, token):
        refused = await web.post(
            "/app/orders/new",
            data={
                "csrf_token": token,
                "buyer": buyer,
                "externalOrderId": f"multi-{uuid4().hex[:8]}",
                "vin": "WVWZZZ1KZAW000001",
                "moreVins": "WBA3A5C55CF256651",
                "totalAmount": "40,000.00",
            },
        )
        assert refused.status_code == 422
        assert "may not have orders with several VINs" in refused.text.replace("&#39;", "'")


async def test_kyc_documents_show_their_names_and_need_a_date(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        buyer = await OrderClient(stack, tenant, http).buyer(documents=False)
    async with web_session(stack) as (web, token):
        page = await web.get(f"/app/buyers/{buyer}")
        assert '<option value="COC_EXTRACT">Company register extract</option>' in page.text
        assert "coc extract" not in page.text
        file = {"file": ("extract.pdf", pdf("extract"), "application/pdf")}
        undated = await web.post(
            f"/app/buyers/{buyer}/documents",
            data={"csrf_token": token, "type": "COC_EXTRACT"},
            files=file,
        )
        assert undated.status_code == 422
        assert "the date the document was issued is required" in undated.text
        assert "No KYC documents yet" in undated.text  # nothing stored
        dated = await web.post(
            f"/app/buyers/{buyer}/documents",
            data={"csrf_token": token, "type": "COC_EXTRACT", "documentDate": "2026-01-05"},
            files=file,
        )
        assert dated.status_code == 303, dated.text
        page = await web.get(f"/app/buyers/{buyer}")
        assert "<td>Company register extract</td>" in page.text


# ----- the dashboard -----

TEXT = re.compile(r'<text x="([\d.]+)" y="[\d.]+"(?: text-anchor="(\w+)")?[^>]*>([^<]*)</text>')


def text_extents(svg: str) -> tuple[float, list[tuple[float, float, str]]]:
    """The chart's width and, per label, where it starts and ends (7 px a character at most)."""
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg)[1])  # type: ignore[index]
    extents = []
    for x, anchor, label in TEXT.findall(svg):
        size = len(label) * 7
        start = {"end": float(x) - size, "middle": float(x) - size / 2}.get(anchor, float(x))
        extents.append((start, start + size, label))
    return width, extents


def test_chart_numbers_and_labels_are_never_cut_off():
    columns = percent_columns("VIES", [("01.11", 100.0), ("02.11", None), ("03.11", 50.0)])
    width, extents = text_extents(columns)
    assert {"100%", "50%"} <= {label for *_, label in extents}  # the values, in full
    assert all(start >= 0 and end <= width for start, end, _ in extents), extents
    chart = bars("Blockers", [("TRANSPORT_COUNTRIES_CONTRADICT", 12345), ("KYC_INCOMPLETE", 1)])
    width, extents = text_extents(chart)
    assert all(start >= 0 and end <= width for start, end, _ in extents), extents


async def test_the_dashboard_counts_with_plurals_and_shows_pending_retries(stack: Stack):
    async with web_session(stack) as (web, _token):
        page = await web.get("/app/dashboard")
        deliveries = re.search(r'id="deliveries">([^<]+)', page.text)
        assert deliveries, page.text
        assert re.search(r"\d+ finished deliver(y|ies), \d+ pending retr(y|ies)", deliveries[1])
        assert not re.search(r"\b1 (checks|finished deliveries|pending retries)\b", page.text)
        assert not re.search(r"\b(0|[2-9]\d*) (check|finished delivery|pending retry)\b", page.text)
        orders = await web.get("/app/orders")
        assert "order(s)" not in orders.text and re.search(r"\d+ orders?\b", orders.text)


async def test_the_dashboards_blocker_link_lists_the_orders_it_counted(stack: Stack):
    """The dashboard counts the open orders per blocker (INCOMPLETE, not cancelled); its link
    lists those and no cancelled order, which keeps its blockers in its rollup."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        await client.order(buyer)
        cancelled = (await client.order(buyer))["uuid"]
        answer = await client.post(f"/orders/{cancelled}/cancel", {"reason": "deal fell through"})
        assert answer.status_code == 200, answer.text
    password = f"pw-{uuid4().hex}"
    async with stack.db.transaction() as session:  # a user of its organization: its orders only
        org = await session.get(Organization, tenant.org.id)
        user = await identity.create_user(
            session, f"user-{uuid4().hex[:8]}", password, organization=org
        )
    async with signed_in(stack, user.username, password) as (web, _token):
        dashboard = await web.get("/app/dashboard")
        counted = re.findall(
            r'<li><a href="(/app/orders\?blocker=[^"]+)">([^<]+)</a>: (\d+)</li>', dashboard.text
        )
        assert counted, dashboard.text
        for link, code, n in counted:
            listed = await web.get(link.replace("&amp;", "&"))
            shown = re.search(r'<p class="muted">([\d,]+) orders?</p>', listed.text)
            assert shown, listed.text
            assert shown[1] == n == "1", (code, f"dashboard {n}, the list it links {shown[1]}")
            assert cancelled not in listed.text, code


async def test_the_order_list_shows_a_blocker_only_for_an_order_it_holds_up(stack: Stack):
    """A cancelled order keeps the rollup it had, blockers and all, but nothing holds it up:
    its row in the order list shows no blocker (the blocker filter does not find it either),
    while an open order's row shows the first of its blockers; the cancelled order's page says
    its blockers are what stood in its way when it was cancelled."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        marker = uuid4().hex[:8]
        open_order, cancelled = [
            await client.order(buyer, externalOrderId=f"{marker}-{n}") for n in ("open", "gone")
        ]
        await client.compliance_until(open_order["uuid"], lambda r: r["blockers"])
        rollup = await client.compliance_until(cancelled["uuid"], lambda r: r["blockers"])
        first = rollup["blockers"][0]
        answer = await client.post(
            f"/orders/{cancelled['uuid']}/cancel", {"reason": "deal fell through"}
        )
        assert answer.status_code == 200, answer.text
        async with web_session(stack) as (web, _token):
            listed = await web.get("/app/orders", params={"externalOrderId": marker})
            held = await web.get(
                "/app/orders", params={"externalOrderId": marker, "blocker": first["code"]}
            )
            page = await web.get(f"/app/orders/{cancelled['uuid']}")

    def row(order: dict[str, Any]) -> str:
        link = f">{order['externalOrderId']}</a>"
        return listed.text.split(link, 1)[1].split("</tr>", 1)[0]

    assert first["message"] in row(open_order)
    assert first["message"] not in row(cancelled), "a cancelled order is listed as held up"
    assert open_order["uuid"] in held.text and cancelled["uuid"] not in held.text
    assert "when it was cancelled (nothing holds it up now)" in page.text
    assert first["code"] in page.text  # the rollup it had is still shown


# ----- the invoice's letters; statement entries booked by hand -----


async def test_the_invoice_page_lists_its_letters_and_offers_its_pdf(stack: Stack):
    invoice = await captured_invoice(stack.db, utcnow(), total=250_00)
    async with stack.db.transaction() as session:
        row = await session.scalar(
            sa.select(PaymentInvoice).where(PaymentInvoice.uuid == UUID(invoice.uuid))
        )
        assert row is not None
        session.add(
            DunningLetter(
                invoice_id=row.id,
                letter_key="REMINDER_1",
                step="REMINDER_1",
                amount_due=250_00,
                recipient="buchhaltung@example.de",
                subject=f"Reminder: invoice {invoice.payment_reference}",
                status="SENT",
                pdf_sha256="ab" * 32,
                sent_at=utcnow(),
            )
        )
    async with web_session(stack) as (web, _token):
        page = await web.get(f"/app/payments/invoices/{invoice.uuid}", headers=GERMAN)
        letters = page.text.split('id="letters"')[1].split("</table>")[0]
        assert "Reminder 1" in letters and "buchhaltung@example.de" in letters
        assert "250,00\xa0€" in letters and "abababababab" in letters
        pdf_file = await web.get(f"/app/payments/invoices/{invoice.uuid}/invoice.pdf")
        assert pdf_file.status_code == 200 and pdf_file.content.startswith(b"%PDF")


async def test_an_unmatched_statement_entry_is_booked_to_an_invoice_by_hand(stack: Stack):
    invoice = await captured_invoice(stack.db, utcnow(), total=100_00)
    async with web_session(stack) as (web, token):
        imported = await web.post(
            "/app/payments/statements",
            data={"csrf_token": token},
            files={"file": ("statement.xml", statement_paying("NO-REFERENCE-HERE", 100_00))},
        )
        assert imported.status_code == 200, imported.text
        assert 'id="book-by-hand"' in imported.text
        entry = re.search(r'action="/app/payments/statements/entries/(\d+)/book"', imported.text)
        assert entry, imported.text
        url = f"/app/payments/statements/entries/{entry[1]}/book"
        wrong = await web.post(url, data={"csrf_token": token, "paymentReference": "NOPE"})
        assert wrong.status_code == 404 and "no invoice has the payment reference" in wrong.text
        booked = await web.post(
            url, data={"csrf_token": token, "paymentReference": invoice.payment_reference}
        )
        assert booked.status_code == 303, booked.text
        page = await web.get(booked.headers["location"])
        assert f"Entry booked to {invoice.payment_reference}" in page.text
        assert "booked by hand" in page.text  # the entry's outcome, and no form for it any more
        assert f'id="book-{entry[1]}"' not in page.text
        again = await web.post(
            url, data={"csrf_token": token, "paymentReference": invoice.payment_reference}
        )
        assert again.status_code == 409  # booked once only
    row = await invoice_row(stack.db, invoice.uuid)
    assert row.paid_amount == 100_00 and row.payment_status == "paid"


def test_the_search_queries_run_on_sqlite():
    """The same expressions as on PostgreSQL (the e2e test) run on the embedded database."""
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        for query in (
            sa.select(Order.id).where(order_matches("aw000001")),
            sa.select(Buyer.id).where(buyer_matches("FR 40 303")),
            sa.select(PaymentInvoice.id).where(invoice_matches("dupont")),
        ):
            assert list(connection.scalars(query)) == []


def test_a_refusal_names_each_field_in_the_forms_problem_box():
    """An inline form (revoking an invitation, rotating a secret) has no place beside its
    field: the problem box named no field ("Please correct the fields marked below."), and the
    person never saw why."""
    refused = FormErrors({"reason": "is required", "graceHours": "must be between 0 and 720"})
    assert refused.summary == (
        "Please correct the fields marked below (reason: is required; graceHours: must be "
        "between 0 and 720)."
    )
    assert FormErrors(detail="The form has no version.").summary == "The form has no version."


# ----- an order in another currency than the euro -----

PLN_TOTAL = {"value": 74_000_00, "currency": "PLN"}


def _shown_in(page: str, form_id: str) -> dict[str, str]:
    """The values an edit form is shown with (its inputs' name/value pairs)."""
    form = page.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="([^"]+)"[^>]*?value="([^"]*)"', form))


async def test_a_zloty_order_is_shown_and_corrected_in_zloty(stack: Stack):
    """The API takes any ISO 4217 currency. The order page showed a PLN order's amounts with
    the euro sign, and correcting only its invoice number saved the invoice as 74,000.00 EUR;
    a payment typed on the page was in euros too."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        body = client.order_body(buyer, f"deal-{uuid4()}", totalAmount=PLN_TOTAL)
        body["vins"][0]["purchaseAmount"] = PLN_TOTAL
        order = (await client.post("/orders", body)).json()["uuid"]
        invoice = {
            "type": "PRELIMINARY",
            "invoiceDate": "2026-04-20",
            "invoiceNumber": "FV-1",
            "vatIncluded": False,
            "amount": PLN_TOTAL,
        }
        assert (await client.post(f"/orders/{order}/invoice", invoice)).status_code == 201
        async with web_session(stack) as (web, token):
            page = await web.get(f"/app/orders/{order}", headers=ENGLISH)
            assert "PLN74,000.00" in page.text and "€74,000.00" not in page.text
            assert "Amount (PLN)" in page.text
            corrected = _shown_in(page.text, "invoice-edit") | {"invoiceNumber": "FV-1/K"}
            answer = await web.post(
                f"/app/orders/{order}/invoice-edit", data=corrected, headers=ENGLISH
            )
            assert answer.status_code == 303, answer.text
            paid = await web.post(
                f"/app/orders/{order}/payment",
                data={
                    "csrf_token": token,
                    "paymentDate": "2026-04-21",
                    "bankAmount": "74,000.00",
                    "cashAmount": "0.00",
                },
                headers=ENGLISH,
            )
            assert paid.status_code == 303, paid.text
        saved = (await client.get(f"/orders/{order}/invoice")).json()
        payment = (await client.get(f"/orders/{order}/payment")).json()
    assert [(i["invoiceNumber"], i["amount"]) for i in saved] == [("FV-1/K", PLN_TOTAL)]
    assert payment["bankAmount"] == PLN_TOTAL and payment["cashAmount"]["currency"] == "PLN"
    assert payment["amountMatchesInvoice"] is True


async def test_the_final_invoice_is_corrected_on_a_final_order_as_the_api_allows(stack: Stack):
    """PATCH .../invoice with type FINAL is taken even on a final order; the order page offers
    the same correction, audited, and a form opened before a colleague's correction is refused
    (409) showing the saved values beside the operator's, as the other edit forms do."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")
        async with web_session(stack) as (web, token):
            page = await web.get(f"/app/orders/{order}")
            submitted = await web.post(
                f"/app/orders/{order}/final-invoice",
                data=_shown_in(page.text, "final-invoice")
                | {"csrf_token": token, "invoiceNumber": "FIN-8"},
            )
            assert submitted.status_code == 303, submitted.text
            page = await web.get(f"/app/orders/{order}")
            assert 'id="invoice-edit"' not in page.text  # the preliminary one is final
            opened = _shown_in(page.text, "final-invoice-edit")
            assert opened["type"] == "FINAL" and opened["invoiceNumber"] == "FIN-8"
            corrected = await web.post(
                f"/app/orders/{order}/invoice-edit",
                data=opened | {"csrf_token": token, "invoiceNumber": "FIN-8/K"},
            )
            assert corrected.status_code == 303, corrected.text
            # the form as it was opened, after the correction: refused, both values shown
            stale = await web.post(
                f"/app/orders/{order}/invoice-edit",
                data=opened | {"csrf_token": token, "invoiceNumber": "FIN-8/X"},
            )
        invoices = (await client.get(f"/orders/{order}/invoice")).json()
    assert {i["type"]: i["invoiceNumber"] for i in invoices}["FINAL"] == "FIN-8/K"
    assert stale.status_code == 409, stale.text
    conflict = stale.text.split('id="conflict"', 1)[1].split("</section>", 1)[0]
    assert "FIN-8/K" in conflict and "FIN-8/X" in conflict
    assert 'name="type" value="FINAL"' in conflict  # "save mine" corrects the same invoice
    entry = await audited(stack, "order.invoice_edit", order)
    assert entry is not None and entry.before is not None and entry.after is not None
    assert (entry.before["invoiceNumber"], entry.after["invoiceNumber"]) == ("FIN-8", "FIN-8/K")


async def test_an_order_created_on_the_page_takes_its_currency(stack: Stack):
    """The create form has a currency (EUR unless typed); an unknown one is refused beside
    its field."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        async with web_session(stack) as (web, token):
            form = {
                "csrf_token": token,
                "buyer": buyer,
                "externalOrderId": f"deal-{uuid4()}",
                "vin": "WVWZZZ1KZAW000001",
                "totalAmount": "1.850.000",
                "purchaseDate": "2026-04-20",
            }
            unknown = await web.post(
                "/app/orders/new", data=form | {"currency": "XYZ"}, headers=GERMAN
            )
            assert unknown.status_code == 422
            assert 'id="err-currency"' in unknown.text
            made = await web.post(
                "/app/orders/new", data=form | {"currency": "jpy"}, headers=GERMAN
            )
            assert made.status_code == 303, made.text
            order = made.headers["location"].rsplit("/", 1)[1]
        shown = (await client.get(f"/orders/{order}")).json()
    assert shown["totalAmount"] == {"value": 1_850_000, "currency": "JPY"}


# ----- the order's sealed evidence -----


def _documents_table(page: str) -> str:
    return page.split('id="documents"', 1)[1].split("</table>", 1)[0]


async def test_the_order_page_says_which_document_breaks_its_evidence_chain(stack: Stack):
    """GET .../evidence answers BROKEN when a document's stored bytes no longer hash to what
    was sealed. The order page, where staff read and download the same documents, said
    nothing and linked the tampered file as usual (whose download then failed unexplained)."""
    from store.documents import DocumentStore

    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        uploaded = await client.upload(
            f"/orders/{order}/transport/documents",
            "TRANSPORT_CMR",
            "CARRIER",
            "Speedy Trans",
            file_name="cmr-speedy.pdf",
        )
        assert uploaded.status_code == 201, uploaded.text
        document = uploaded.json()
        path = DocumentStore(stack.settings.effective_document_store_dir).path(document["sha256"])
        original = path.read_bytes()
        async with web_session(stack) as (web, _token):
            intact = await web.get(f"/app/orders/{order}")
            path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
            try:
                evidence = (await client.get(f"/orders/{order}/evidence")).json()
                broken = await web.get(f"/app/orders/{order}")
                download = await web.get(f"/app/orders/{order}/documents/{document['uuid']}")
            finally:
                path.write_bytes(original)
            restored = await web.get(f"/app/orders/{order}")
    assert evidence["status"] == "BROKEN", evidence
    assert (
        "Evidence chain intact" in intact.text and 'role="alert" id="evidence"' not in intact.text
    )
    alarm = broken.text.split('id="evidence"', 1)[1].split("</section>", 1)[0]
    [seq] = [b["seq"] for b in evidence["breaks"]]
    assert "The evidence chain is broken" in alarm
    assert "the document cmr-speedy.pdf (TRANSPORT_CMR)" in alarm and f"entry {seq}" in alarm
    assert "changed after it was sealed" in alarm
    row = _documents_table(broken.text).split("cmr-speedy.pdf", 1)[1].split("</tr>", 1)[0]
    assert "changed after it was sealed" in row
    assert f"/documents/{document['uuid']}" not in _documents_table(broken.text)  # not offered
    assert download.status_code == 409 and "not served as evidence" in download.text
    assert "Evidence chain intact" in restored.text
    assert f"/documents/{document['uuid']}" in _documents_table(restored.text)


async def test_the_documents_table_says_which_vehicles_and_countries_each_paper_covers(
    stack: Stack,
):
    """The rules judge a paper per vehicle and by the countries it states (DocumentOut
    ``vins``, absent: all; ``originCountry``, ``destinationCountry``). On a two-VIN order the
    documents table showed a CMR for one vehicle, delivered to France, exactly as a paper
    covering both that states no country."""
    vin_a, vin_b = "WVWZZZ1KZAW000031", "WVWZZZ1KZAW000032"
    tenant, http = await seller_session(stack, allow_multi_vin_orders=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        vins = [
            {"vin": vin, "brand": "VW", "model": "Golf", "purchaseAmount": money(TOTAL // 2)}
            for vin in (vin_a, vin_b)
        ]
        order = (await client.order(await client.buyer(), vins=vins))["uuid"]
        path = f"/orders/{order}/transport/documents"
        cmr = await client.upload(
            path,
            "TRANSPORT_CMR",
            "CARRIER",
            "Speedy Trans GmbH",
            file_name="cmr-second.pdf",
            vins=vin_b,
            originCountry="DE",
            destinationCountry="FR",
        )
        policy = await client.upload(
            path, "TRANSPORT_INSURANCE_POLICY", "INSURER", "Allsafe AG", file_name="policy.pdf"
        )
        assert cmr.status_code == policy.status_code == 201, (cmr.text, policy.text)
        async with web_session(stack) as (web, _token):
            page = await web.get(f"/app/orders/{order}")
    assert page.status_code == 200
    table = _documents_table(page.text)
    cmr_row = table.split("cmr-second.pdf", 1)[0].rsplit("<tr", 1)[1]
    policy_row = table.split("policy.pdf", 1)[0].rsplit("<tr", 1)[1]
    assert vin_b in cmr_row and vin_a not in cmr_row and "DE → FR" in cmr_row
    assert "all vehicles" in policy_row and "not stated" in policy_row
    assert seller_today().isoformat() in cmr_row  # the date the paper bears


async def test_the_documents_tables_show_what_the_rules_judge_a_paper_by(stack: Stack):
    """The rules judge a paper by its issuer type and number and by its date. The order's
    documents table showed the issuer's name instead of its type once a name was given, so a
    CMR of "Speedy Trans GmbH" read the same sent as the carrier's or as the buyer's, and never
    its number; the buyer's KYC table never showed the date a document bears."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]
        path = f"/orders/{order}/transport/documents"
        by_carrier = await client.upload(
            path,
            "TRANSPORT_CMR",
            "CARRIER",
            "Speedy Trans GmbH",
            file_name="cmr-carrier.pdf",
            issuerId="DE811907980",
        )
        by_buyer = await client.upload(
            path, "TRANSPORT_CMR", "BUYER", "Speedy Trans GmbH", file_name="cmr-buyer.pdf"
        )
        assert by_carrier.status_code == by_buyer.status_code == 201, by_carrier.text
    async with web_session(stack) as (web, token):
        dated = await web.post(
            f"/app/buyers/{buyer}/documents",
            data={
                "csrf_token": token,
                "type": "COC_EXTRACT",
                "documentDate": "2021-01-05",
                "issuerType": "PUBLIC_AUTHORITY",
                "issuerName": "Registre du commerce de Lyon",
            },
            files={"file": ("extract.pdf", pdf("extract"), "application/pdf")},
        )
        assert dated.status_code == 303, dated.text
        order_page = await web.get(f"/app/orders/{order}")
        buyer_page = await web.get(f"/app/buyers/{buyer}")
    table = _documents_table(order_page.text)
    carrier = table.split("cmr-carrier.pdf", 1)[0].rsplit("<tr", 1)[1]
    bought = table.split("cmr-buyer.pdf", 1)[0].rsplit("<tr", 1)[1]
    assert "Speedy Trans GmbH" in carrier and "(carrier)" in carrier and "DE811907980" in carrier
    assert "Speedy Trans GmbH" in bought and "(buyer)" in bought
    extract = buyer_page.text.split("extract.pdf", 1)[0].rsplit("<tr", 1)[1]
    assert "Registre du commerce de Lyon" in extract and "(public authority)" in extract
    assert "2021-01-05" in extract
