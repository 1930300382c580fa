"""A form opened before a colleague's change: shown side by side, never saved on top.

An edit form carries the version it was rendered with; the API refuses it when the resource
has moved on (409 ``version-mismatch`` with the current resource). The web app then shows the
saved values beside the operator's, in words ("changed by someone else at 14:02 UTC"), and keeps
the version the operator saw in the form: sending the same form again is refused again. The
operator chooses: keep what is saved (reload), or save their values over it with one more,
explicit, step (a form carrying the current version).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babel import Locale

from api.shared.errors import Problem
from api.web.l10n import AmountError, format_amount, format_clock, parse_cents
from store.identity.identity import FLAGS

VERSION_MISMATCH = "version-mismatch"

# What each edit form shows, in its order: (form field, label, kind)
FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "buyer": [
        ("companyName", "Company name", "text"),
        ("address.street", "Street", "text"),
        ("address.postCode", "Post code", "text"),
        ("address.city", "City", "text"),
        ("address.country", "Country", "text"),
        ("kycMode", "KYC mode", "code"),
    ],
    "order": [
        ("purchaseDate", "Purchase date", "text"),
        ("responsibleContact.firstName", "Contact first name", "text"),
        ("responsibleContact.lastName", "Contact last name", "text"),
        ("responsibleContact.email", "Contact e-mail", "text"),
        ("responsibleContact.phone", "Contact phone", "text"),
    ],
    "invoice": [
        ("invoiceNumber", "Invoice number", "text"),
        ("invoiceDate", "Invoice date", "text"),
        ("amount", "Amount", "amount"),
        ("vatIncluded", "VAT included", "flag"),
        ("marginScheme", "Margin scheme", "flag"),
    ],
    "payment": [
        ("paymentDate", "Payment date", "text"),
        ("bankAmount", "By bank", "amount"),
        ("cashAmount", "In cash", "amount"),
        ("sourceIban", "Paid from IBAN", "iban"),
        # the IBAN consistency check reads it: a colleague's declaration is not withdrawn unseen
        ("newIbanDeclared", "A new account of the buyer's", "flag"),
    ],
    "webhook endpoint": [
        ("url", "URL", "text"),
        ("events", "Events", "list"),
        ("partnerIds", "Only these partners", "list"),
        ("acceptedSchemaVersions", "Schema versions", "list"),
    ],
    # an organization's capabilities form (api/web/admin.py)
    "organization": [
        *((flag, flag.replace("_", " ").capitalize(), "flag") for flag in FLAGS),
        ("rateLimitTier", "Rate limit tier", "code"),
    ],
}


@dataclass
class Row:
    label: str
    saved: str
    yours: str

    @property
    def differs(self) -> bool:
        return self.saved != self.yours


@dataclass
class Conflict:
    """What the page shows after a refused edit: the saved values beside the operator's."""

    what: str  # "buyer", "order", "invoice", "payment", "webhook endpoint", "organization"
    changed_at: str  # in the operator's locale, e.g. "14:02 UTC"
    current_version: int | None  # None: the form carries the values it showed instead
    rows: list[Row]
    mine: list[tuple[str, str]] = field(default_factory=list)  # the form to save over it

    @property
    def message(self) -> str:
        return (
            f"Not saved: this {self.what} was changed by someone else at {self.changed_at}, "
            "after you opened it. Nothing of yours was saved. Compare the saved values with "
            "yours below, then keep the saved ones or save yours over them."
        )


def is_conflict(problem: Problem) -> bool:
    return problem.slug == VERSION_MISMATCH and isinstance(
        problem.extra.get("currentResource"), dict
    )


def _flat(resource: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in resource.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _listed(items: Iterable[Any], names: Mapping[str, str]) -> str:
    """Several choices in one cell, each by its name where it has one (a partner's), in one
    order whatever order they were chosen in."""
    return ", ".join(sorted(names.get(str(item), str(item)) for item in items))


def _saved(
    flat: dict[str, Any], name: str, kind: str, locale: Locale, names: Mapping[str, str]
) -> str:
    if kind == "amount":
        value = flat.get(f"{name}.value")
        return format_amount(value, locale, _currency(flat, name)) if isinstance(value, int) else ""
    if kind == "flag":
        return "yes" if flat.get(name) else "no"
    value = flat.get(name)
    if kind == "list":
        return _listed(value or [], names)
    text = "" if value is None else str(value)
    return text.replace(" ", "").upper() if kind == "iban" else text


def _currency(flat: dict[str, Any], name: str) -> str:
    """The currency an amount is saved in, which the operator's typed one is read in too."""
    return str(flat.get(f"{name}.currency") or "EUR")


def _yours(
    form: dict[str, str],
    name: str,
    kind: str,
    locale: Locale,
    names: Mapping[str, str],
    currency: str,
) -> str:
    if kind == "flag":
        return "yes" if form.get(name) in ("on", "true", "1", "yes") else "no"
    value = (form.get(name) or "").strip()
    if kind == "list":  # several choices, sent as one value separated by commas
        return _listed(value.replace(",", " ").split(), names)
    if kind == "amount" and value:
        try:  # the operator's "18500" is the saved "18,500.00"
            return format_amount(parse_cents(value, locale, currency), locale, currency)
        except AmountError:
            return value
    if kind == "iban":
        return value.replace(" ", "").upper()
    if kind == "code":
        return value.upper()
    return value


def _changed_at(resource: dict[str, Any], locale: Locale) -> str:
    raw = resource.get("updatedAt")
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:  # e.g. an organization changed by no audited action
        return "an unrecorded time"
    return format_clock(moment, locale)


def conflict_of(
    problem: Problem,
    what: str,
    form: dict[str, str],
    locale: Locale,
    names: Mapping[str, str] | None = None,
) -> Conflict:
    """The comparison an edit the API refused shows; ``form`` holds what the operator sent
    (several choices as one value separated by commas), ``names`` the names of chosen ids."""
    return comparison(problem.extra["currentResource"], what, form, locale, names)


def comparison(
    resource: dict[str, Any],
    what: str,
    form: dict[str, str],
    locale: Locale,
    names: Mapping[str, str] | None = None,
) -> Conflict:
    """The saved ``resource`` (as the API shows it: its ``version`` and ``updatedAt`` when it
    has them) beside the operator's ``form``."""
    flat = _flat(resource)
    rows = [
        Row(
            label,
            _saved(flat, name, kind, locale, names or {}),
            _yours(form, name, kind, locale, names or {}, _currency(flat, name)),
        )
        for name, label, kind in FIELDS[what]
    ]
    mine = [(k, v) for k, v in form.items() if k != "version"]
    version = int(resource.get("version") or 0) if "version" in resource else None
    return Conflict(what, _changed_at(resource, locale), version, rows, mine)
