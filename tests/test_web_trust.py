"""The staff app makes no silent mistake: amounts are read and shown in the operator's locale
(and refused when they cannot be read without guessing), the payment terms can be set from
the environment, and a form opened before a colleague's change cannot overwrite it."""

from __future__ import annotations

import pytest

from api.web.l10n import (
    AmountError,
    format_amount,
    format_money,
    negotiate,
    parse_cents,
    preferred_languages,
)
from settings import Settings
from store.models import utcnow
from tests.conftest import Stack
from tests.order_flow import OrderClient, seller_session
from tests.payment_invoices import captured_invoice, invoice_row
from tests.test_web_staff_forms import web_session

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
    ],
)
def test_what_cannot_be_read_without_guessing_is_refused_saying_how_it_was_read(
    locale: str, typed: str, shown: str
):
    with pytest.raises(AmountError) as refused:
        parse_cents(typed, locale)
    assert shown in str(refused.value)


def test_the_three_decimal_refusal_offers_both_readings():
    with pytest.raises(AmountError) as refused:
        parse_cents("32.900", "en")
    assert str(refused.value).endswith("type 32.90 or 32,900.00")


def test_amounts_are_shown_in_the_locale():
    assert format_money(18_500_00, "EUR", "de") == "18.500,00\xa0€"
    assert format_money(18_500_00, "EUR", "en") == "€18,500.00"
    assert format_amount(18_500_00, "de") == "18.500,00"
    assert format_amount(18_500_00, "en") == "18,500.00"


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
