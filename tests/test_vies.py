"""VIES for real: the sandbox over loopback HTTP, the real client, and the check workflow on the
time-skipping server with PostgreSQL. Three outcomes, never two: an error is never INVALID."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select
from stdnum.iso7064 import mod_11_10
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

import sandboxes.app
from activities.buyers.vies import ViesClient, ViesFailure, ViesReply, classify
from activities.kept_alive import KeptAliveClients
from api.nt24.buyers.vies_trigger import start_vies_check
from sandboxes.vies import (
    COUNTRY_MAGIC_NUMBERS,
    MAGIC_NUMBERS,
    TRADERS,
    VALID_ADDRESS,
    VALID_NAME,
    markdown_tables,
)
from settings import Settings
from store.db import Database
from store.identity import identity
from store.models import Buyer, ViesCheck
from tests.conftest import capture_history, free_port, serving, settings_for_tests
from worker import build_worker
from workflows.buyers.activities import ViesResult, ViesTrigger
from workflows.buyers.rules.vat_numbers import normalize_vat_number
from workflows.buyers.vies_check import BuyerViesCheckResult, BuyerViesCheckWorkflow
from workflows.ids import buyer_vies_workflow_id

DOCS = Path(__file__).parent.parent / "docs" / "sandboxes.md"
MAGIC = {magic.code: magic.vat_number for magic in MAGIC_NUMBERS}


def summary(outcome: ViesReply | ViesFailure) -> str:
    if isinstance(outcome, ViesFailure):
        return outcome.code
    return "VALID" if outcome.valid else "INVALID"


def fresh_vat_number() -> str:
    """A well-formed German VAT number nobody used yet: a requester with a clean slate."""
    base = str(random.randint(10_000_000, 99_999_999))
    return f"DE{base}{mod_11_10.calc_check_digit(base)}"


# --- classification of one VIES answer: pure, no server --------------------------------------


def test_a_valid_answer_keeps_name_address_and_consultation_number():
    body = {
        "countryCode": "FR",
        "vatNumber": "40303265045",
        "requestDate": "2026-03-02T09:15:00.123Z",
        "valid": True,
        "requestIdentifier": "WAPIAAAAZ0lOA7Rc",
        "name": "SA ODIMO",
        "address": "6 RUE DE L'ECOLE\n75001 PARIS",
    }
    assert classify(200, json.dumps(body).encode()) == ViesReply(
        valid=True,
        request_date="2026-03-02T09:15:00.123Z",
        request_identifier="WAPIAAAAZ0lOA7Rc",
        name="SA ODIMO",
        address="6 RUE DE L'ECOLE\n75001 PARIS",
    )


@pytest.mark.parametrize("withheld", [{"name": "---", "address": "---"}, {}, {"name": ""}])
def test_a_withheld_name_or_address_is_none_not_an_error(withheld: dict[str, str]):
    body = {"valid": True, "requestIdentifier": "", **withheld}
    reply = classify(200, json.dumps(body).encode())
    assert reply == ViesReply(True, None, None, None, None)


def test_only_valid_false_is_invalid():
    reply = classify(200, b'{"valid": false, "name": "---", "address": "---"}')
    assert isinstance(reply, ViesReply) and reply.valid is False


def failed(code: str, **extra: object) -> dict[str, object]:
    return {"actionSucceed": False, "errorWrappers": [{"error": code, **extra}]}


@pytest.mark.parametrize(
    ("status", "body", "code", "final"),
    [
        (200, failed("MS_UNAVAILABLE"), "MS_UNAVAILABLE", False),
        (500, failed("TIMEOUT"), "TIMEOUT", False),
        (503, failed("SERVICE_UNAVAILABLE", message="down"), "SERVICE_UNAVAILABLE", False),
        (400, failed("INVALID_INPUT"), "INVALID_INPUT", True),
        (200, failed("INVALID_REQUESTER_INFO"), "INVALID_REQUESTER_INFO", True),
        (200, failed("IO_ERROR"), "IO_ERROR", False),  # a code we do not know: an outage
        (200, {"errorWrappers": [{"error": "VAT_BLOCKED"}]}, "VAT_BLOCKED", True),
        (200, {"actionSucceed": False}, "MALFORMED_RESPONSE", False),
        (200, {"valid": "yes"}, "MALFORMED_RESPONSE", False),
        (404, {"detail": "Not Found"}, "HTTP_404", False),
        (200, "<html>maintenance</html>", "MALFORMED_RESPONSE", False),
        (502, "<html>Bad Gateway</html>", "HTTP_502", False),
    ],
)
def test_errors_in_either_shape_are_failures_never_invalid(
    status: int, body: dict[str, object] | str, code: str, final: bool
):
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    failure = classify(status, raw)
    assert isinstance(failure, ViesFailure)
    assert (failure.code, failure.final) == (code, final)


# --- the sandbox over HTTP, with the real client ---------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def sandbox_url() -> AsyncIterator[str]:
    async with serving(sandboxes.app.app) as base_url:
        yield f"{base_url}/vies"


@pytest.fixture
def client(sandbox_url: str, outgoing: KeptAliveClients) -> ViesClient:
    return ViesClient(sandbox_url, timedelta(seconds=5), outgoing)


def test_docs_carry_the_sandbox_tables_verbatim():
    assert markdown_tables() in DOCS.read_text(), (
        "docs/sandboxes.md has drifted from sandboxes/vies.py: paste `python -m sandboxes.vies`"
    )


def test_magic_numbers_are_well_formed_and_distinct():
    for magic in MAGIC_NUMBERS:
        assert normalize_vat_number(magic.vat_number).full == magic.vat_number
    assert len(MAGIC) == len(MAGIC_NUMBERS)


COUNTRY_MAGIC = {(magic.country, magic.code): magic.vat_number for magic in COUNTRY_MAGIC_NUMBERS}
STATES = ("FR", "NL", "AT", "IT", "PL")


@pytest.mark.parametrize("country", ("DE", *STATES))
def test_each_state_has_a_well_formed_valid_invalid_and_unavailable_number(country: str):
    numbers = (
        MAGIC if country == "DE" else {c: n for (s, c), n in COUNTRY_MAGIC.items() if s == country}
    )
    for code in (100, 200, 301):
        parsed = normalize_vat_number(numbers[code])
        assert (parsed.country, parsed.full) == (country, numbers[code])
    assert country in TRADERS


def test_magic_numbers_of_every_state_are_distinct():
    everyone = [magic.vat_number for magic in MAGIC_NUMBERS + COUNTRY_MAGIC_NUMBERS]
    assert len(set(everyone)) == len(everyone)
    assert set(STATES) <= {magic.country for magic in COUNTRY_MAGIC_NUMBERS}


@pytest.mark.parametrize("country", STATES)
async def test_each_states_numbers_answer_valid_invalid_and_unavailable(
    client: ViesClient, country: str
):
    requester = fresh_vat_number()
    valid = (await client.check(COUNTRY_MAGIC[(country, 100)], requester)).outcome
    assert isinstance(valid, ViesReply) and valid.valid
    assert (valid.name, valid.address) == TRADERS[country]
    invalid = (await client.check(COUNTRY_MAGIC[(country, 200)], requester)).outcome
    assert isinstance(invalid, ViesReply) and invalid.valid is False
    unavailable = (await client.check(COUNTRY_MAGIC[(country, 301)], requester)).outcome
    assert isinstance(unavailable, ViesFailure)
    assert (unavailable.code, unavailable.final) == ("MS_UNAVAILABLE", False)


async def test_valid_with_name_address_and_a_fresh_consultation_number(client: ViesClient):
    requester = fresh_vat_number()
    first = await client.check(MAGIC[100], requester)
    second = await client.check(MAGIC[100], requester)
    assert isinstance(first.outcome, ViesReply) and isinstance(second.outcome, ViesReply)
    assert first.outcome.valid
    assert (first.outcome.name, first.outcome.address) == (VALID_NAME, VALID_ADDRESS)
    assert first.outcome.request_identifier and first.outcome.request_identifier.startswith("WAPI")
    assert first.outcome.request_identifier != second.outcome.request_identifier
    assert first.outcome.request_date and first.outcome.request_date.endswith("Z")
    assert first.raw_sha256 and len(first.raw_sha256) == 64


async def test_valid_with_name_and_address_withheld(client: ViesClient):
    response = await client.check(MAGIC[101], fresh_vat_number())
    assert isinstance(response.outcome, ViesReply)
    assert response.outcome.valid
    assert (response.outcome.name, response.outcome.address) == (None, None)
    assert response.outcome.request_identifier


async def test_invalid_is_a_reply_with_a_consultation_number(client: ViesClient):
    response = await client.check(MAGIC[200], fresh_vat_number())
    assert isinstance(response.outcome, ViesReply)
    assert response.outcome.valid is False
    assert response.outcome.request_identifier


async def test_without_requester_there_is_no_consultation_number(client: ViesClient):
    response = await client.check(MAGIC[100], None)
    assert isinstance(response.outcome, ViesReply) and response.outcome.valid
    assert response.outcome.request_identifier is None


async def test_any_other_well_formed_number_is_valid(client: ViesClient):
    response = await client.check("EL094259216", fresh_vat_number())
    assert isinstance(response.outcome, ViesReply) and response.outcome.valid


@pytest.mark.parametrize(
    ("code", "error", "final"),
    [
        (201, "INVALID_INPUT", True),
        (202, "INVALID_REQUESTER_INFO", True),
        (300, "SERVICE_UNAVAILABLE", False),
        (301, "MS_UNAVAILABLE", False),
        (302, "TIMEOUT", False),
        (400, "VAT_BLOCKED", True),
        (401, "IP_BLOCKED", True),
        (500, "GLOBAL_MAX_CONCURRENT_REQ", False),
        (501, "GLOBAL_MAX_CONCURRENT_REQ_TIME", False),
        (600, "MS_MAX_CONCURRENT_REQ", False),
        (601, "MS_MAX_CONCURRENT_REQ_TIME", False),
        (390, "HTTP_502", False),
    ],
)
async def test_each_error_is_retryable_or_final(
    client: ViesClient, code: int, error: str, final: bool
):
    response = await client.check(MAGIC[code], fresh_vat_number())
    assert isinstance(response.outcome, ViesFailure)
    assert (response.outcome.code, response.outcome.final) == (error, final)
    assert response.raw_sha256  # an outage leaves evidence too


async def test_a_silent_vies_is_the_clients_own_timeout(
    sandbox_url: str, outgoing: KeptAliveClients
):
    impatient = ViesClient(sandbox_url, timedelta(seconds=0.3), outgoing)
    response = await impatient.check(MAGIC[391], fresh_vat_number())
    assert isinstance(response.outcome, ViesFailure)
    assert (response.outcome.code, response.outcome.final) == ("CLIENT_TIMEOUT", False)
    assert response.raw_sha256 is None


async def test_an_unreachable_vies_is_a_retryable_network_error(outgoing: KeptAliveClients):
    closed = ViesClient(f"http://127.0.0.1:{free_port()}/vies", timedelta(seconds=5), outgoing)
    response = await closed.check(MAGIC[100], None)
    assert isinstance(response.outcome, ViesFailure)
    assert (response.outcome.code, response.outcome.final) == ("NETWORK_ERROR", False)


async def test_a_bad_requester_is_refused_by_the_client_and_by_vies(
    client: ViesClient, sandbox_url: str
):
    local = await client.check(MAGIC[100], "DE123456789")  # wrong check digit
    assert isinstance(local.outcome, ViesFailure)
    assert (local.outcome.code, local.outcome.final) == ("INVALID_REQUESTER_INFO", True)
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{sandbox_url}/check-vat-number",
            json={
                "countryCode": "DE",
                "vatNumber": MAGIC[100][2:],
                "requesterMemberStateCode": "DE",
                "requesterNumber": "123456789",
            },
        )
    failure = classify(answer.status_code, answer.content)
    assert isinstance(failure, ViesFailure) and failure.code == "INVALID_REQUESTER_INFO"


async def test_the_sandbox_speaks_the_contract_to_any_client(sandbox_url: str):
    async with httpx.AsyncClient(base_url=sandbox_url) as http:
        unknown_country = await http.post(
            "/check-vat-number", json={"countryCode": "XX", "vatNumber": "123"}
        )
        malformed = await http.post(
            "/check-vat-number", json={"countryCode": "DE", "vatNumber": "123456789"}
        )
    assert unknown_country.status_code == 200
    assert unknown_country.json()["errorWrappers"][0]["error"] == "INVALID_INPUT"
    assert malformed.json()["valid"] is False  # the member state does not know a typo


async def test_outage_then_recovery_and_valid_then_invalid_count_per_requester(
    client: ViesClient,
):
    requester, other = fresh_vat_number(), fresh_vat_number()
    recovering = [(await client.check(MAGIC[310], requester)).outcome for _ in range(4)]
    assert [summary(o) for o in recovering] == ["MS_UNAVAILABLE"] * 3 + ["VALID"]
    turning = [(await client.check(MAGIC[210], requester)).outcome for _ in range(3)]
    assert [summary(o) for o in turning] == ["VALID", "VALID", "INVALID"]
    fresh = (await client.check(MAGIC[210], other)).outcome
    assert isinstance(fresh, ViesReply) and fresh.valid


# --- the workflow on the time-skipping server, with PostgreSQL -------------------------------


@dataclass
class ViesRig:
    env: WorkflowEnvironment
    settings: Settings
    db: Database

    async def buyer(self, vat_number: str) -> tuple[str, str]:
        """A fresh organization, seller and buyer; returns (buyer uuid, seller's VAT number)."""
        requester = fresh_vat_number()
        async with self.db.transaction() as session:
            org = await identity.create_organization(session, f"Vies {uuid4().hex[:8]}")
            partner = await identity.create_partner(session, org, "Seller", "DE", requester)
            buyer = Buyer(
                organization_id=org.id,
                partner_id=partner.id,
                vat_number=vat_number,
                company_name="Buyer GmbH",
                street="Musterstrasse 1",
                post_code="10115",
                city="Berlin",
                country=vat_number[:2],
                kyc_mode="MARKETPLACE_LED",
            )
            session.add(buyer)
        return str(buyer.uuid), requester

    async def start(
        self, buyer_uuid: str, vat_number: str, requester: str, trigger: ViesTrigger
    ) -> str:
        return await start_vies_check(
            self.env.client, self.settings, buyer_uuid, vat_number, requester, trigger
        )

    def handle(
        self, buyer_uuid: str
    ) -> WorkflowHandle[BuyerViesCheckWorkflow, BuyerViesCheckResult]:
        return self.env.client.get_workflow_handle_for(
            BuyerViesCheckWorkflow.run, buyer_vies_workflow_id(buyer_uuid)
        )

    async def result(self, buyer_uuid: str) -> BuyerViesCheckResult:
        """Skip past the give-up (backoffs pass in no time), then read what the check said.

        The starter returns no handle, and only handles from ``start_workflow`` unlock time
        skipping while awaiting a result; the environment's own sleep does it for any run.
        """
        await self.env.sleep(self.settings.vies_give_up_after + timedelta(minutes=5))
        return await self.handle(buyer_uuid).result()

    async def check(
        self, vat_number: str, trigger: ViesTrigger = ViesTrigger.MANUAL
    ) -> tuple[str, BuyerViesCheckResult]:
        buyer_uuid, requester = await self.buyer(vat_number)
        assert await self.start(buyer_uuid, vat_number, requester, trigger) == "QUEUED"
        return buyer_uuid, await self.result(buyer_uuid)

    async def evidence(self, buyer_uuid: str) -> tuple[Buyer, list[ViesCheck]]:
        async with self.db.session() as session:
            buyer = await session.scalar(select(Buyer).where(Buyer.uuid == UUID(buyer_uuid)))
            assert buyer is not None
            checks = await session.scalars(
                select(ViesCheck).where(ViesCheck.buyer_id == buyer.id).order_by(ViesCheck.id)
            )
            return buyer, list(checks)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def rig(
    pg_url: str, db: Database, time_skipping: WorkflowEnvironment, sandbox_url: str
) -> AsyncIterator[ViesRig]:
    settings = settings_for_tests(
        pg_url,
        vies_base_url=sandbox_url,
        vies_http_timeout=timedelta(seconds=5),
        vies_retry_initial_interval=timedelta(seconds=30),
        vies_retry_max_interval=timedelta(minutes=30),
        vies_give_up_after=timedelta(hours=12),
    )
    # the production worker: every workflow and activity, registered as in worker.py
    async with build_worker(time_skipping.client, db, settings):
        yield ViesRig(time_skipping, settings, db)


async def test_a_valid_check_is_recorded_as_evidence_and_updates_the_buyer(rig: ViesRig):
    buyer_uuid, result = await rig.check(MAGIC[100])
    assert (result.result, result.error_code, result.attempts) == (ViesResult.VALID, None, 1)
    buyer, checks = await rig.evidence(buyer_uuid)
    # the result is KYC state: the buyer resource's version does not move
    assert (buyer.vies_result, buyer.vies_last_checked_at, buyer.version) == (
        "VALID",
        result.checked_at,
        0,
    )
    [check] = checks
    assert check.result == "VALID" and check.trigger == "MANUAL"
    assert (check.name, check.address) == (VALID_NAME, VALID_ADDRESS)
    assert check.request_identifier == result.request_identifier
    assert check.request_identifier and check.request_date
    assert check.vat_number == MAGIC[100] and check.requester_vat_number
    assert check.workflow_id == buyer_vies_workflow_id(buyer_uuid)
    assert check.raw_sha256 and len(check.raw_sha256) == 64
    assert check.organization_id == buyer.organization_id and check.error_code is None


async def test_an_outage_that_recovers_is_retried_to_a_verdict(rig: ViesRig):
    buyer_uuid, result = await rig.check(MAGIC[310])
    assert (result.result, result.attempts, result.error_code) == (ViesResult.VALID, 4, None)
    buyer, [check] = await rig.evidence(buyer_uuid)
    assert buyer.vies_result == "VALID" and check.attempts == 4
    await capture_history(rig.handle(buyer_uuid), "vies_check_recovers")


async def test_an_outage_past_give_up_is_unknown_never_invalid(rig: ViesRig):
    before = await rig.env.get_current_time()
    buyer_uuid, result = await rig.check(MAGIC[301], ViesTrigger.DAILY)
    assert result.result == ViesResult.UNKNOWN
    assert result.error_code == "MS_UNAVAILABLE"
    assert result.attempts > 5  # backoff from 30 s to 30 min fits this many into 12 h
    assert result.checked_at - before >= timedelta(hours=11)  # it kept trying, then gave up
    buyer, [check] = await rig.evidence(buyer_uuid)
    assert buyer.vies_result == "UNKNOWN"
    assert (check.result, check.error_code, check.attempts) == (
        "UNKNOWN",
        "MS_UNAVAILABLE",
        result.attempts,
    )
    assert check.raw_sha256 and check.trigger == "DAILY"  # the outage's own answer, kept


async def test_a_final_error_is_unknown_at_once_without_retries(rig: ViesRig):
    buyer_uuid, result = await rig.check(MAGIC[201], ViesTrigger.UPSERT)
    assert (result.result, result.error_code, result.attempts) == (
        ViesResult.UNKNOWN,
        "INVALID_INPUT",
        1,
    )
    buyer, [check] = await rig.evidence(buyer_uuid)
    assert (buyer.vies_result, check.result, check.error_code) == (
        "UNKNOWN",
        "UNKNOWN",
        "INVALID_INPUT",
    )


async def test_a_number_that_turns_invalid_after_two_checks(rig: ViesRig):
    buyer_uuid, requester = await rig.buyer(MAGIC[210])
    results = []
    for _ in range(3):
        assert await rig.start(buyer_uuid, MAGIC[210], requester, ViesTrigger.DAILY) == "QUEUED"
        results.append((await rig.result(buyer_uuid)).result)
    assert results == [ViesResult.VALID, ViesResult.VALID, ViesResult.INVALID]
    buyer, checks = await rig.evidence(buyer_uuid)
    assert (buyer.vies_result, buyer.version) == ("INVALID", 0)
    assert [c.result for c in checks] == ["VALID", "VALID", "INVALID"]
    assert len({c.request_identifier for c in checks}) == 3


async def test_an_older_check_never_overwrites_a_newer_one(rig: ViesRig):
    buyer_uuid, requester = await rig.buyer(MAGIC[200])
    later = datetime.now(UTC) + timedelta(days=3650)
    async with rig.db.transaction() as session:
        buyer = await session.scalar(select(Buyer).where(Buyer.uuid == UUID(buyer_uuid)))
        assert buyer is not None
        buyer.vies_result, buyer.vies_last_checked_at = "VALID", later
    await rig.start(buyer_uuid, MAGIC[200], requester, ViesTrigger.MANUAL)
    assert (await rig.result(buyer_uuid)).result == ViesResult.INVALID
    buyer, [check] = await rig.evidence(buyer_uuid)
    assert (buyer.vies_result, buyer.vies_last_checked_at, buyer.version) == ("VALID", later, 0)
    assert check.result == "INVALID"  # the evidence is kept all the same


async def test_start_is_queued_then_in_progress_then_queued_again(rig: ViesRig):
    buyer_uuid, requester = await rig.buyer(MAGIC[301])
    assert await rig.start(buyer_uuid, MAGIC[301], requester, ViesTrigger.MANUAL) == "QUEUED"
    # Nobody waits on the result, so the time-skipping server keeps it in its retry backoff.
    assert await rig.start(buyer_uuid, MAGIC[301], requester, ViesTrigger.MANUAL) == "IN_PROGRESS"
    assert (await rig.result(buyer_uuid)).result == ViesResult.UNKNOWN
    # A finished check, whatever it said, does not stand in the way of the next one.
    assert await rig.start(buyer_uuid, MAGIC[100], requester, ViesTrigger.MANUAL) == "QUEUED"
    assert (await rig.result(buyer_uuid)).result == ViesResult.VALID
