"""The VIES sandbox: the EU VIES REST contract (``POST /check-vat-number``), served by us.

The client code path is the real one: only the base URL differs. Magic VAT numbers force each
outcome, modelled on the codes of the real VIES test service (100 valid, 200 invalid, 201
INVALID_INPUT, ... 601 MS_MAX_CONCURRENT_REQ_TIME) plus a few of ours (1xx, x10, 39x). The full
set is German: ``DE`` + the code + ``00000`` + its ISO 7064 check digit. So that a first order
can cross a border, France, the Netherlands, Austria, Italy and Poland have a valid (100), an
invalid (200) and an unavailable (301) number each, built the same way from the code with the
state's own format and check digit (python-stdnum's algorithms). Every magic number passes the
platform's own VAT-number validation and reaches VIES. Any other well-formed number is valid
(name and address withheld: the sandbox has no registry to name the trader from); a malformed
one is invalid, as the member state would say.

Numbers that change over time count the checks per (requester, number) in this process's
memory: each requester sees the story from its start, and a restart starts it over.

``python -m sandboxes.vies`` prints the tables that docs/sandboxes.md carries.
"""

from __future__ import annotations

import asyncio
import secrets
import string
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from stdnum import luhn
from stdnum.at import uid
from stdnum.iso7064 import mod_11_10
from stdnum.nl import bsn
from stdnum.pl import nip

from activities.buyers.vies import FINAL_ERRORS
from workflows.buyers.rules.vat_numbers import COUNTRIES, InvalidVatNumber, normalize_vat_number

# What each VIES error code means (the real service's semantics).
ERROR_MEANINGS = {
    "INVALID_INPUT": "the country code is invalid or the VAT number is empty or malformed",
    "INVALID_REQUESTER_INFO": "the requester's member state or VAT number is invalid",
    "SERVICE_UNAVAILABLE": "VIES itself is unavailable (network or application level)",
    "MS_UNAVAILABLE": "the member state's registry is not replying",
    "TIMEOUT": "the member state's registry did not reply in time",
    "VAT_BLOCKED": "checks of this VAT number are blocked",
    "IP_BLOCKED": "the caller's IP address is blocked",
    "GLOBAL_MAX_CONCURRENT_REQ": "VIES has reached its maximum of concurrent requests",
    "GLOBAL_MAX_CONCURRENT_REQ_TIME": "VIES has reached its maximum of requests for now",
    "MS_MAX_CONCURRENT_REQ": "the member state has reached its maximum of concurrent requests",
    "MS_MAX_CONCURRENT_REQ_TIME": "the member state has reached its maximum of requests for now",
}

# How long the silent number keeps the caller waiting (unless the caller hangs up first).
SILENCE_SECONDS = 60
VALID_NAME = "SANDBOX HANDELS GMBH"
VALID_ADDRESS = "MUSTERSTRASSE 1\n10115 BERLIN"
WITHHELD = "---"
# The trader a valid magic number of each member state is registered to, as VIES names it. A
# buyer registered under another name fails VIES_NAME_MATCHES_BUYER: the number is not its own.
TRADERS: dict[str, tuple[str, str]] = {
    "DE": (VALID_NAME, VALID_ADDRESS),
    "FR": ("SANDBOX AUTOMOBILES SARL", "1 RUE DE LA PAIX\n75002 PARIS"),
    "NL": ("SANDBOX AUTOHANDEL B.V.", "DAMRAK 1\n1012LG AMSTERDAM"),
    "AT": ("SANDBOX KFZ-HANDEL GMBH", "STEPHANSPLATZ 1\n1010 WIEN"),
    "IT": ("SANDBOX AUTO S.R.L.", "VIA ROMA 1\n00184 ROMA RM"),
    "PL": ("SANDBOX MOTO SP. Z O.O.", "UL. MARSZALKOWSKA 1\n00-001 WARSZAWA"),
}


class Kind(StrEnum):
    VALID = "valid"
    WITHHELD = "withheld"
    INVALID = "invalid"
    ERROR = "error"
    GATEWAY_PAGE = "gateway page"
    SILENCE = "silence"


@dataclass(frozen=True)
class Answer:
    kind: Kind
    error: str = ""  # the VIES error code, for Kind.ERROR
    status: int = 200  # the HTTP status the answer comes with

    def describe(self) -> str:
        match self.kind:
            case Kind.VALID:
                return "valid, with name and address"
            case Kind.WITHHELD:
                return "valid, name and address withheld (`---`)"
            case Kind.INVALID:
                return "invalid"
            case Kind.ERROR:
                shape = "`actionSucceed: false`" if self.status == 200 else "`errorWrappers`"
                return f"`{self.error}`, HTTP {self.status} with {shape}"
            case Kind.GATEWAY_PAGE:
                return f"HTTP {self.status} with an HTML page, no JSON (a broken gateway)"
            case Kind.SILENCE:
                return f"no answer for {SILENCE_SECONDS} s (the client's own timeout fires)"

    def reading(self) -> str:
        """What the platform makes of it: VALID, INVALID, or UNKNOWN with or without retries."""
        if self.kind in (Kind.VALID, Kind.WITHHELD):
            return "VALID"
        if self.kind is Kind.INVALID:
            return "INVALID"
        if self.error in FINAL_ERRORS:
            return "final: UNKNOWN at once"
        return "retried (UNKNOWN past the give-up)"


def error(code: str, status: int = 200) -> Answer:
    return Answer(Kind.ERROR, code, status)


VALID = Answer(Kind.VALID)
VALID_WITHHELD = Answer(Kind.WITHHELD)
INVALID = Answer(Kind.INVALID)


def magic_vat_number(country: str, code: int) -> str:
    """The well-formed VAT number of ``country`` that carries the three-digit ``code``: the
    code, zeros, and whatever the state's format adds (check digits, ``U``, ``B01``)."""
    match country:
        case "DE":  # 9 digits, the last ISO 7064 MOD 11,10
            base = f"{code}00000"
            return f"DE{base}{mod_11_10.calc_check_digit(base)}"
        case "FR":  # 2-digit key + SIREN (9 digits, the last a Luhn digit)
            siren = f"{code}00000"
            siren += luhn.calc_check_digit(siren)
            return f"FR{int(siren + '12') % 97:02d}{siren}"
        case "NL":  # 9 digits passing the BSN test + B + 2-digit branch
            base = f"{code}00000"
            check = next(d for d in "0123456789" if bsn.checksum(base + d) == 0)
            return f"NL{base}{check}B01"
        case "AT":  # U + 8 digits, the last a Luhn-derived check digit
            base = f"U{code}0000"
            return f"AT{base}{uid.calc_check_digit(base)}"
        case "IT":  # 7-digit company + 3-digit office (001) + Luhn digit
            base = f"{code}0000001"
            return f"IT{base}{luhn.calc_check_digit(base)}"
        case "PL":  # 10 digits, the last a weighted sum modulo 11
            base = f"{code}000000"
            check = next(d for d in "0123456789" if nip.checksum(base + d) == 0)
            return f"PL{base}{check}"
    raise ValueError(f"no magic VAT numbers for {country}")


@dataclass(frozen=True)
class MagicNumber:
    code: int
    answer: Answer
    then: Answer | None = None  # the answer once ``turns_after`` checks have been answered
    turns_after: int = 0
    country: str = "DE"

    @property
    def vat_number(self) -> str:
        return magic_vat_number(self.country, self.code)

    def answer_for(self, check: int) -> Answer:
        """The answer to the ``check``-th check (1-based) of this number by one requester."""
        if self.then is not None and check > self.turns_after:
            return self.then
        return self.answer

    def describe(self) -> str:
        if self.then is None:
            return self.answer.describe()
        return (
            f"{self.answer.describe()} for the first {self.turns_after} checks, "
            f"then {self.then.describe()}"
        )

    def reading(self) -> str:
        if self.then is None:
            return self.answer.reading()
        return f"{self.answer.reading()}, then {self.then.reading()}"


MAGIC_NUMBERS: tuple[MagicNumber, ...] = (
    MagicNumber(100, VALID),
    MagicNumber(101, VALID_WITHHELD),
    MagicNumber(200, INVALID),
    MagicNumber(201, error("INVALID_INPUT", 400)),
    MagicNumber(202, error("INVALID_REQUESTER_INFO")),
    MagicNumber(210, VALID, then=INVALID, turns_after=2),
    MagicNumber(300, error("SERVICE_UNAVAILABLE", 503)),
    MagicNumber(301, error("MS_UNAVAILABLE")),
    MagicNumber(302, error("TIMEOUT", 500)),
    MagicNumber(310, error("MS_UNAVAILABLE"), then=VALID, turns_after=3),
    MagicNumber(390, Answer(Kind.GATEWAY_PAGE, status=502)),
    MagicNumber(391, Answer(Kind.SILENCE)),
    MagicNumber(400, error("VAT_BLOCKED")),
    MagicNumber(401, error("IP_BLOCKED")),
    MagicNumber(500, error("GLOBAL_MAX_CONCURRENT_REQ")),
    MagicNumber(501, error("GLOBAL_MAX_CONCURRENT_REQ_TIME", 500)),
    MagicNumber(600, error("MS_MAX_CONCURRENT_REQ")),
    MagicNumber(601, error("MS_MAX_CONCURRENT_REQ_TIME", 500)),
)
# Valid, invalid and unavailable in other member states, for orders that cross a border.
COUNTRY_MAGIC_NUMBERS: tuple[MagicNumber, ...] = tuple(
    MagicNumber(code, answer, country=country)
    for country in ("FR", "NL", "AT", "IT", "PL")
    for code, answer in ((100, VALID), (200, INVALID), (301, error("MS_UNAVAILABLE")))
)
# German first: the first number found with a code is the German one
BY_NUMBER = {magic.vat_number: magic for magic in MAGIC_NUMBERS + COUNTRY_MAGIC_NUMBERS}


def markdown_tables() -> str:
    """The magic numbers and the error codes, as docs/sandboxes.md carries them (a test checks)."""
    lines = [
        "| VAT number | code | the sandbox answers | the platform reads it as |",
        "|---|---|---|---|",
    ]
    for magic in MAGIC_NUMBERS:
        lines.append(
            f"| `{magic.vat_number}` | {magic.code} | {magic.describe()} | {magic.reading()} |"
        )
    by_country: dict[str, dict[int, str]] = {}
    for magic in MAGIC_NUMBERS + COUNTRY_MAGIC_NUMBERS:
        by_country.setdefault(magic.country, {})[magic.code] = magic.vat_number
    lines += [
        "",
        "| member state | valid (100) | VIES names it | invalid (200) | unavailable (301) |",
        "|---|---|---|---|---|",
    ]
    for country, numbers in by_country.items():
        name = TRADERS[country][0]
        lines.append(
            f"| {country} | `{numbers[100]}` | {name} | `{numbers[200]}` | `{numbers[301]}` |"
        )
    lines += ["", "| VIES error | meaning | the platform |", "|---|---|---|"]
    for code, meaning in ERROR_MEANINGS.items():
        lines.append(f"| `{code}` | {meaning} | {error(code).reading()} |")
    return "\n".join(lines) + "\n"


def create_router() -> APIRouter:
    """A router with its own check counters: each sandbox app starts from a clean slate."""
    router = APIRouter(tags=["VIES sandbox"])
    checks: Counter[tuple[str, str]] = Counter()

    @router.post("/check-vat-number")
    async def check_vat_number(request: Request) -> Response:
        try:
            payload: Any = await request.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return _error(error("INVALID_INPUT", 400))
        country = str(payload.get("countryCode") or "").upper()
        number = str(payload.get("vatNumber") or "").replace(" ", "").upper()
        if country not in COUNTRIES or not number:
            return _error(error("INVALID_INPUT"))
        requester = _requester(payload)
        if requester is None:
            return _error(error("INVALID_REQUESTER_INFO"))
        magic = BY_NUMBER.get(country + number)
        if magic is None:
            answer = VALID_WITHHELD if _well_formed(country + number) else INVALID
        else:
            checks[(requester, magic.vat_number)] += 1
            answer = magic.answer_for(checks[(requester, magic.vat_number)])
        match answer.kind:
            case Kind.VALID | Kind.WITHHELD | Kind.INVALID:
                return JSONResponse(_reply(answer, country, number, with_id=bool(requester)))
            case Kind.ERROR:
                return _error(answer)
            case Kind.GATEWAY_PAGE:
                return HTMLResponse("<html><body><h1>Bad Gateway</h1></body></html>", answer.status)
            case Kind.SILENCE:
                for _ in range(SILENCE_SECONDS * 10):
                    if await request.is_disconnected():
                        break
                    await asyncio.sleep(0.1)
                return HTMLResponse("<html><body><h1>Gateway Timeout</h1></body></html>", 504)

    return router


def _requester(payload: dict[str, Any]) -> str | None:
    """The requester's full VAT number, "" when none was given, None when it is not valid."""
    country = payload.get("requesterMemberStateCode")
    number = payload.get("requesterNumber")
    if not country and not number:
        return ""
    if not (isinstance(country, str) and isinstance(number, str)):
        return None
    try:
        return normalize_vat_number(country + number).full
    except InvalidVatNumber:
        return None


def _well_formed(full: str) -> bool:
    try:
        normalize_vat_number(full)
    except InvalidVatNumber:
        return False
    return True


def _reply(answer: Answer, country: str, number: str, *, with_id: bool) -> dict[str, Any]:
    """A reply as VIES words it; a requester gets a fresh consultation number each time."""
    if answer.kind is Kind.VALID:
        name, address = TRADERS.get(country, (VALID_NAME, VALID_ADDRESS))
    else:
        name = address = WITHHELD
    alphabet = string.ascii_letters + string.digits
    return {
        "countryCode": country,
        "vatNumber": number,
        "requestDate": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "valid": answer.kind is not Kind.INVALID,
        "requestIdentifier": (
            "WAPI" + "".join(secrets.choice(alphabet) for _ in range(12)) if with_id else ""
        ),
        "name": name,
        "address": address,
        "traderName": WITHHELD,
        "traderStreet": WITHHELD,
        "traderPostalCode": WITHHELD,
        "traderCity": WITHHELD,
        "traderCompanyType": WITHHELD,
        "traderNameMatch": "NOT_PROCESSED",
        "traderStreetMatch": "NOT_PROCESSED",
        "traderPostalCodeMatch": "NOT_PROCESSED",
        "traderCityMatch": "NOT_PROCESSED",
        "traderCompanyTypeMatch": "NOT_PROCESSED",
    }


def _error(answer: Answer) -> JSONResponse:
    body = {
        "actionSucceed": False,
        "errorWrappers": [{"error": answer.error, "message": ERROR_MEANINGS[answer.error]}],
    }
    return JSONResponse(body, status_code=answer.status)


if __name__ == "__main__":
    print(markdown_tables(), end="")
