"""The VIES sandbox: the EU VIES REST contract (``POST /check-vat-number``), served by us.

The client code path is the real one: only the base URL differs. Magic VAT numbers force each
outcome, modelled on the codes of the real VIES test service (100 valid, 200 invalid, 201
INVALID_INPUT, ... 601 MS_MAX_CONCURRENT_REQ_TIME) plus a few of ours (1xx, x10, 39x). Each is
a well-formed German number: ``DE`` + the code + ``00000`` + its ISO 7064 check digit, so it
passes the platform's own VAT-number validation and reaches VIES. Any other well-formed number
is valid (name and address withheld: the sandbox has no registry to name the trader from); a
malformed one is invalid, as the member state would say.

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
from stdnum.iso7064 import mod_11_10

from activities.vies import FINAL_ERRORS
from workflows.rules.vat_numbers import COUNTRIES, InvalidVatNumber, normalize_vat_number

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


@dataclass(frozen=True)
class MagicNumber:
    code: int
    answer: Answer
    then: Answer | None = None  # the answer once ``turns_after`` checks have been answered
    turns_after: int = 0

    @property
    def vat_number(self) -> str:
        base = f"{self.code}00000"
        return f"DE{base}{mod_11_10.calc_check_digit(base)}"

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
BY_NUMBER = {magic.vat_number: magic for magic in MAGIC_NUMBERS}


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
        name, address = VALID_NAME, VALID_ADDRESS
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
