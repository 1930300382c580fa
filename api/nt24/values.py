"""Request and response value shapes shared by the order modules: money, addresses, people."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import pycountry
from pydantic import AfterValidator, BeforeValidator, EmailStr, Field, StrictBool, field_validator

from api.nt24.schemas import NT24Model
from api.shared.input_limits import MoneyValue
from workflows import money
from workflows.orders import model as order_model

# The earliest and the latest calendar day on earth differ by up to 26 hours (UTC-12 to
# UTC+14): a day dated the client's own today is never refused for its time zone.
_LATEST_UTC_OFFSET = timedelta(hours=14)


def latest_today(now: datetime | None = None) -> date:
    """The latest calendar day anywhere on earth right now (UTC+14)."""
    return ((now or datetime.now(UTC)) + _LATEST_UTC_OFFSET).date()


def not_in_future(day: date) -> date:
    """A day that has come somewhere on earth: what happened (a pickup, a registration)."""
    if day > latest_today():
        raise ValueError("must not be in the future")
    return day


# The day something happened on (a purchase, a payment, a registration), refused ahead
HappenedOn = Annotated[date, AfterValidator(not_in_future)]
HAPPENED_ON = "Not in the future (the latest today on earth, UTC+14)"


def _json_integer(value: Any) -> Any:
    # pydantic's lax mode would also read true as 1 and "100" as 100 (a number written
    # 1850000.0 is still read as the integer it is)
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer, not a string or a boolean")
    return value


# The JSON types the contract names, nothing pydantic's lax mode reads as them: an integer field
# takes ``Annotated[int, JSON_INTEGER]``, a boolean one ``JsonBool`` (which refuses "yes", "on",
# "true" and 1 alike). Only for JSON bodies: query, path and form values arrive as text.
JSON_INTEGER = BeforeValidator(_json_integer)
JsonBool = StrictBool


def _minor_units(value: Any) -> Any:
    # a fraction is an amount sent in the currency's major unit (euros): say what is expected
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(
            "must be an integer in the currency's minor units (cents for EUR): "
            "EUR 18,500.50 is 1850050"
        )
    return value


def _iso_4217(code: str) -> str:
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError("must be an ISO 4217 currency code")
    return code


class Money(NT24Model):
    """An amount as answers show it: as it was accepted when it was written."""

    value: int = Field(description="Integer minor units of the currency (cents for EUR)")
    currency: str = Field(description="An ISO 4217 code", examples=["EUR"])


class MoneyIn(Money):
    value: Annotated[MoneyValue, JSON_INTEGER, BeforeValidator(_minor_units)] = Field(
        ge=0,
        description="Integer minor units of the currency (cents for EUR); at most the "
        "platform's limit, `NT24_MAX_MONEY_MINOR_UNITS` (default 100000000000)",
    )
    currency: Annotated[str, AfterValidator(_iso_4217)] = Field(
        pattern=r"^[A-Z]{3}$", description="An ISO 4217 code", examples=["EUR"]
    )

    def model(self) -> money.Money:
        return money.Money(self.value, self.currency)


# ISO 3166-1 alpha-2, and XI: Northern Ireland for goods, as the EU's VAT rules name it (the
# compliance rules count it a member state); EL is Greece's code in EU VAT numbers, taken as GR
ISO_COUNTRIES = frozenset(country.alpha_2 for country in pycountry.countries) | {"XI"}
COUNTRY_ALIASES = {"EL": "GR"}
_TWO_LETTERS = re.compile(r"[A-Z]{2}")


def country_code(value: str) -> str | None:
    """An ISO 3166-1 alpha-2 code in upper case (EL: GR); blank is None. Anything else raises
    ValueError, so the 422 names the field."""
    code = value.strip().upper()
    if not code:
        return None
    code = COUNTRY_ALIASES.get(code, code)
    if not _TWO_LETTERS.fullmatch(code) or code not in ISO_COUNTRIES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code, such as DE")
    return code


class AddressFields(NT24Model):
    """An address as answers show it: as it was accepted when it was written."""

    street: str = Field(min_length=1, max_length=300)
    postCode: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")


class Address(AddressFields):
    """An address as answers show it, with its uuid (resources 0.4)."""

    uuid: UUID


class AddressIn(AddressFields):
    """An address: `country` is an ISO 3166-1 alpha-2 code, in any case (EL is taken as GR)."""

    # checked as it comes in: a delivery's address is final, so a wrong code there could
    # never be corrected

    @field_validator("country")
    @classmethod
    def _iso_3166(cls, value: str) -> str:
        code = country_code(value)
        assert code is not None  # two letters, by the field's pattern
        return code

    def model(self) -> order_model.Address:
        return order_model.Address(self.street, self.postCode, self.city, self.country)


class PersonIn(NT24Model):
    firstName: str = Field(min_length=1, max_length=150)
    lastName: str = Field(min_length=1, max_length=150)
    email: EmailStr
    phone: str | None = Field(None, max_length=50)

    def model(self) -> order_model.Person:
        return order_model.Person(self.firstName, self.lastName, str(self.email), self.phone)
