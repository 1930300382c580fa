"""Request and response value shapes shared by the order modules: money, addresses, people."""

from __future__ import annotations

from pydantic import EmailStr, Field, field_validator

from api.nt24.schemas import NT24Model
from api.shared.input_limits import MoneyValue
from workflows.money import Money
from workflows.orders import model as order_model


class MoneyIn(NT24Model):
    value: MoneyValue = Field(
        ge=0,
        description="Integer minor units of the currency (cents for EUR); at most the "
        "platform's limit, `NT24_MAX_MONEY_MINOR_UNITS` (default 100000000000)",
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])

    def model(self) -> Money:
        return Money(self.value, self.currency)


class AddressIn(NT24Model):
    street: str = Field(min_length=1, max_length=300)
    postCode: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    def model(self) -> order_model.Address:
        return order_model.Address(self.street, self.postCode, self.city, self.country)


class PersonIn(NT24Model):
    firstName: str = Field(min_length=1, max_length=150)
    lastName: str = Field(min_length=1, max_length=150)
    email: EmailStr
    phone: str | None = Field(None, max_length=50)

    def model(self) -> order_model.Person:
        return order_model.Person(self.firstName, self.lastName, str(self.email), self.phone)
