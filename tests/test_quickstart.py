"""The quickstart can never rot: examples/quickstart.py runs, as a newcomer would run it, in its
own process against the test stack, and takes an order to VALID, downloads the Export File and
receives the webhook with both signatures verified by examples/webhook_receiver.py."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack import ServerDidNotStart, wait_for_port
from sandboxes.vies import TRADERS, magic_vat_number
from tests.conftest import ApiTenant, Stack, client_token, free_port, make_api_tenant

EXAMPLES = Path(__file__).parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
import quickstart  # noqa: E402
import webhook_receiver  # noqa: E402

# A reader whose day is still the one before Germany's (west of Europe, in the evening): the
# pickup must still not be dated before the day of the buyer's VIES check, or the order waits
# for a VIES answer at the supply for ever (VIES_PENDING). POSIX TZ: 24 hours behind UTC.
A_DAY_BEHIND = "<M24>24"


async def test_the_quickstart_takes_an_order_to_valid_with_a_verified_webhook(
    stack: Stack, tmp_path: Path
):
    tenant = await make_api_tenant(stack.db, allow_marketplace_led_kyc=True)
    environment = os.environ | {
        "NT24_BASE_URL": stack.base_url,
        "NT24_CLIENT_ID": tenant.client_id,
        "NT24_CLIENT_SECRET": tenant.client_secret,
        "NT24_SELLER_ID": str(tenant.partner.uuid),
        "WEBHOOK_RECEIVER_QUIET": "1",
        "TZ": A_DAY_BEHIND,
    }
    # a subprocess awaited, not run: the stack serves on this test's event loop
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / "quickstart.py"),
        "--out-dir",
        str(tmp_path),
        "--timeout",
        "90",
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 240)
    text = output.decode()
    assert process.returncode == 0, text
    assert "compliance VALID" in text and "both signatures verified" in text, text
    (export,) = tmp_path.glob("export-file-*.pdf")
    assert export.read_bytes().startswith(b"%PDF")
    await assert_no_webhook_endpoint_left(stack, tenant)


async def assert_no_webhook_endpoint_left(stack: Stack, tenant: ApiTenant) -> None:
    """The endpoint registered for the receiver is gone with it: left ACTIVE, every later
    event went to a closed port (or, on a second run, to the new receiver with the old
    secret: refused with 401) and was retried for 48 h."""
    async with stack.http(await client_token(stack, tenant)) as http:
        endpoints = await http.get("/v1/webhooks")
    assert endpoints.status_code == 200 and endpoints.json() == [], endpoints.text


def test_the_quickstarts_buyer_is_the_sandboxes_valid_french_number():
    """The script may not import the project; its constants must still be the sandbox's."""
    assert magic_vat_number("FR", 100) == quickstart.SANDBOX_BUYER_VAT
    assert TRADERS["FR"][0] == quickstart.SANDBOX_BUYER_NAME


def test_the_quickstarts_kyc_documents_are_what_a_marketplace_led_buyer_needs():
    from workflows.buyers.rules.kyc import REQUIRED_DOCUMENTS

    assert set(quickstart.KYC_DOCUMENTS) == set(REQUIRED_DOCUMENTS["MARKETPLACE_LED"])


def signed(secret: str, body: bytes, stamp: int, event_id: str) -> dict[str, str]:
    """Headers as activities/webhooks/delivery.py signs them, restated from docs/webhooks.md."""
    novatrade = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    standard = hmac.new(key, f"{event_id}.{stamp}.".encode() + body, hashlib.sha256)
    return {
        "X-Novatrade-Signature": f"t={stamp},v1={novatrade.hexdigest()}",
        "webhook-id": event_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": "v1," + base64.b64encode(standard.digest()).decode(),
    }


@pytest.mark.parametrize("standardwebhooks", [True, False], ids=["library", "hmac"])
def test_the_receiver_verifies_both_signatures_and_refuses_a_forgery(
    standardwebhooks: bool, monkeypatch: pytest.MonkeyPatch
):
    if not standardwebhooks:
        monkeypatch.setattr(webhook_receiver, "Webhook", None)
    secret = quickstart.webhook_secret()
    body = json.dumps({"id": "evt_1", "type": "compliance.status_changed", "data": {}}).encode()
    now = int(time.time())
    headers = signed(secret, body, now, "evt_1")
    assert webhook_receiver.verify(secret, body, headers)["id"] == "evt_1"
    forgeries = [
        (body.replace(b"evt_1", b"evt_2"), headers),  # altered body
        (body, signed(quickstart.webhook_secret(), body, now, "evt_1")),  # another secret
        (body, signed(secret, body, now - 600, "evt_1")),  # too old
        (
            body,
            headers
            | {"webhook-signature": signed(secret, body, now, "evt_9")["webhook-signature"]},
        ),
        (body, {k: v for k, v in headers.items() if k != "X-Novatrade-Signature"}),
    ]
    for forged_body, forged_headers in forgeries:
        with pytest.raises(webhook_receiver.InvalidSignature):
            webhook_receiver.verify(secret, forged_body, forged_headers)


def test_the_quickstarts_pdf_is_one_page_that_parses():
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(quickstart.pdf("hello")))
    assert len(reader.pages) == 1 and "hello" in reader.pages[0].extract_text()


def test_the_demo_organization_is_ready_for_a_first_cross_border_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """scripts/dev's demo: a German seller, a French buyer number valid in the VIES sandbox,
    and its capabilities printed with the set-flags command that grants what is missing.
    Started beside another stack (its own data directory and port, as the README shows), the
    printed commands and the quickstart script work on this stack, not on data/ and port
    8000."""
    import asyncio as aio

    import devstack
    from settings import Settings
    from store.migrate import upgrade
    from workflows.buyers.rules.vat_numbers import normalize_vat_number

    settings = Settings(data_dir=tmp_path, environment="dev", api_port=18123)
    upgrade(settings.effective_database_url)
    first = aio.run(devstack.seed_demo(settings))
    again = aio.run(devstack.seed_demo(settings))  # a restart: the same credentials
    assert again["client_secret"] == first["client_secret"]
    assert "(DE, DE" in first["partner"]
    buyer = normalize_vat_number(devstack.DEMO_BUYER_VAT)
    assert buyer.country != devstack.DEMO_PARTNER_COUNTRY
    assert devstack.DEMO_BUYER_VAT == quickstart.SANDBOX_BUYER_VAT
    summary = devstack.demo_summary(first, settings)
    assert "allowContactPersonalData no" in summary
    assert (
        f"NT24_DATA_DIR={tmp_path} .venv/bin/nt24-admin set-flags demo "
        "--allow-contact-personal-data yes"
    ) in summary
    assert devstack.DEMO_BUYER_VAT in summary and devstack.DEMO_BUYER_NAME in summary
    script = next(line for line in summary.splitlines() if "examples/quickstart.py" in line)
    assert f"NT24_DATA_DIR={tmp_path} .venv/bin/python examples/quickstart.py" in script
    assert "--base-url http://127.0.0.1:18123" in script
    # the script run with only NT24_DATA_DIR set calls this stack's API, as this stack's client
    for name in ("NT24_BASE_URL", "NT24_API_PORT", "NT24_CLIENT_ID", "NT24_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NT24_SELLER_ID", raising=False)
    monkeypatch.setenv("NT24_DATA_DIR", str(tmp_path))
    config = quickstart.config_from([])
    assert (config.base_url, config.client_id) == ("http://127.0.0.1:18123", first["client_id"])
    # a stack on the default data directory prints the commands as they are
    default = Settings(environment="dev", data_dir=Settings.model_fields["data_dir"].default)
    assert "change them: .venv/bin/nt24-admin set-flags demo" in devstack.demo_summary(
        first, default
    )


def test_the_quickstart_script_calls_the_api_of_the_port_it_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """README: ``NT24_DATA_DIR=/tmp/nt24 NT24_API_PORT=18000 ... scripts/dev``; the script run
    with the same variables took the credentials from there and still called port 8000
    (connection refused)."""
    (tmp_path / "demo-credentials.json").write_text(
        json.dumps({"client_id": "api-client-demo", "client_secret": "s", "seller_id": "p"})
    )
    for name in ("NT24_BASE_URL", "NT24_CLIENT_ID", "NT24_CLIENT_SECRET", "NT24_SELLER_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NT24_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NT24_API_PORT", "18123")
    assert quickstart.config_from([]).base_url == "http://127.0.0.1:18123"
    # what is given explicitly wins
    monkeypatch.setenv("NT24_BASE_URL", "http://nt24.test")
    assert quickstart.config_from([]).base_url == "http://nt24.test"
    assert quickstart.config_from(["--base-url", "http://other.test"]).base_url == (
        "http://other.test"
    )


def test_the_quickstarts_day_without_time_zone_data_is_still_germanys(
    monkeypatch: pytest.MonkeyPatch,
):
    """Without time zone data (Windows without tzdata) the script dated everything by the UTC
    day: at 23:30 UTC on 7 December it is the 8th in Berlin, where the rules put the buyer's
    VIES answer, and a pickup dated the 7th stays VIES_PENDING for good. Its own reckoning of
    Berlin's day agrees with the time zone data every hour of a year, summer time included."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hour in range(366 * 24):
        moment = start + timedelta(hours=hour, minutes=30)
        assert quickstart.berlin_day(moment) == moment.astimezone(berlin).date(), moment

    moment = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    def no_time_zone_data(key: str) -> None:
        raise ZoneInfoNotFoundError(key)

    monkeypatch.setattr(quickstart, "datetime", Frozen)
    monkeypatch.setattr(quickstart, "ZoneInfo", no_time_zone_data)
    assert quickstart.today() == "2026-12-08"


def curl_steps(port: int, before_cleanup: str = "") -> str:
    """The shell blocks of docs/quickstart.md's curl section, as one script; the receiver on
    ``port``, and stopped at the end; ``before_cleanup`` before the last step (the endpoint's
    deletion)."""
    text = (Path(__file__).parent.parent / "docs" / "quickstart.md").read_text()
    section = text.split("## The same steps with curl", 1)[1]
    *blocks, cleanup = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert "-X DELETE $BASE/v1/webhooks/$HOOK" in cleanup, cleanup
    script = "\n".join([*blocks, before_cleanup, cleanup]).replace("8787", str(port))
    # the credentials come from the environment, as the reader pastes them
    script = re.sub(r"^(BASE|CLIENT_ID|CLIENT_SECRET|SELLER)=.*$", "", script, flags=re.M)
    return "set -eo pipefail\n" + script + "\nkill %1\n"


# before the receiver stops: wait until the VALID order's webhook was delivered to it
DELIVERED = """
for _ in $(seq 120); do
  curl -s "$BASE/v1/webhooks/$HOOK/deliveries?status=DELIVERED&size=100" -H "$AUTH" \\
    | jq -e '[.data[] | select(.eventType == "compliance.status_changed")] | length > 0' \\
    >/dev/null && break
  sleep 0.5
done
"""


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("curl", "jq", "openssl")),
    reason="the curl steps need curl, jq and openssl",
)
async def test_the_curl_steps_of_the_quickstart_reach_valid(stack: Stack, tmp_path: Path):
    tenant = await make_api_tenant(stack.db, allow_marketplace_led_kyc=True)
    root = Path(__file__).parent.parent
    for name in (".venv", "examples"):  # the steps run from a clone's root
        (tmp_path / name).symlink_to(root / name)
    port = free_port()
    environment = os.environ | {
        "BASE": stack.base_url,
        "CLIENT_ID": tenant.client_id,
        "CLIENT_SECRET": tenant.client_secret,
        "SELLER": str(tenant.partner.uuid),
        "WEBHOOK_RECEIVER_QUIET": "1",
        "TZ": A_DAY_BEHIND,
    }
    log = tmp_path / "steps.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            curl_steps(port, before_cleanup=DELIVERED),
            cwd=tmp_path,
            env=environment,
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # the receiver it starts in the background goes with it
        )
        try:
            await asyncio.wait_for(process.wait(), 240)
        except TimeoutError:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError(f"the curl steps hung: {log.read_text()[-3000:]}") from None
    text = log.read_text()
    assert process.returncode == 0, text
    assert '"complianceStatus": "VALID"' in text, text
    assert (tmp_path / "export-file.pdf").read_bytes().startswith(b"%PDF"), text
    assert "webhook compliance.status_changed" in text, text
    await assert_no_webhook_endpoint_left(stack, tenant)


def test_waiting_for_a_server_ends_when_its_process_exits():
    # a server that fails at once is told at once, not after the whole wait
    failing = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    began = time.monotonic()
    with pytest.raises(ServerDidNotStart, match="The server exited with code 3"):
        wait_for_port("127.0.0.1", free_port(), 60, "The server", failing)
    assert time.monotonic() - began < 30
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        wait_for_port("127.0.0.1", listener.getsockname()[1], 5, "The listener")


def test_a_port_picked_for_a_server_is_one_no_connection_takes_on_its_own():
    # binding port 0 and outgoing connections' source ports draw from the ephemeral range; a
    # port picked there was once taken by a client before the dev server's UI could bind it
    low, _ = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    for _ in range(50):
        port = free_port()
        assert port < low
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", port))
            listener.listen()


def test_a_dev_stack_on_other_ports_calls_its_own_sandboxes(monkeypatch: pytest.MonkeyPatch):
    """Moving the dev stack's ports (another stack on the defaults) moves what it calls: with
    NT24_SANDBOX_PORT alone the worker still asked the sandboxes on 8010 (another stack's, or
    nothing: the buyer's VIES check never answered and the order stayed VIES_PENDING)."""
    from settings import Settings

    for name in Settings.model_fields:
        monkeypatch.delenv(f"NT24_{name.upper()}", raising=False)
    monkeypatch.setenv("NT24_API_PORT", "18000")
    monkeypatch.setenv("NT24_SANDBOX_PORT", "18010")
    monkeypatch.setenv("NT24_MAIL_CATCHER_PORT", "11025")
    moved = Settings(_env_file=None)
    assert moved.vies_base_url == "http://127.0.0.1:18010/vies"
    assert moved.credit_bureau_base_url == "http://127.0.0.1:18010/credit-bureau"
    assert moved.idenfy_base_url == "http://127.0.0.1:18010/idenfy"
    assert moved.idenfy_aml_base_url == "http://127.0.0.1:18010/idenfy-aml"
    assert moved.public_base_url == "http://127.0.0.1:18000"
    assert moved.effective_oauth_issuer == "http://127.0.0.1:18000/realms/nt24-idp"
    assert (moved.smtp_host, moved.smtp_port) == ("127.0.0.1", 11025)
    # what is set is kept
    monkeypatch.setenv("NT24_VIES_BASE_URL", "https://ec.europa.eu/taxation_customs/vies/rest-api")
    monkeypatch.setenv("NT24_SMTP_PORT", "2525")
    real = Settings(_env_file=None, public_base_url="https://api.example.com")
    assert real.vies_base_url == "https://ec.europa.eu/taxation_customs/vies/rest-api"
    assert real.public_base_url == "https://api.example.com"
    assert real.smtp_port == 2525
    assert real.idenfy_base_url == "http://127.0.0.1:18010/idenfy"
    # the defaults are what they were
    for name in ("API_PORT", "SANDBOX_PORT", "MAIL_CATCHER_PORT", "VIES_BASE_URL", "SMTP_PORT"):
        monkeypatch.delenv(f"NT24_{name}")
    default = Settings(_env_file=None)
    assert default.vies_base_url == "http://127.0.0.1:8010/vies"
    assert (default.public_base_url, default.smtp_port) == ("http://127.0.0.1:8000", 1025)


def test_the_quickstart_sends_a_write_again_after_a_429_with_the_same_key(
    monkeypatch: pytest.MonkeyPatch,
):
    """A 429 (more writes in a clock minute than the organization's tier allows) used to stop
    the script. Now the write is sent again after Retry-After, with the same key (a refusal
    before the command ran is not kept under it)."""
    import httpx

    keys: list[str] = []
    slept: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            return httpx.Response(429, headers={"Retry-After": "3"}, json={"code": "rate-limited"})
        return httpx.Response(201, json={"uuid": "order"})

    client = quickstart.Client(quickstart.Config("http://nt24.test", "id", "secret", "seller"))
    client.http = httpx.Client(base_url="http://nt24.test", transport=httpx.MockTransport(answer))
    monkeypatch.setattr(quickstart.time, "sleep", slept.append)
    assert client.post("/v1/partners/seller/orders", {}, 201) == {"uuid": "order"}
    assert len(keys) == 2 and keys[0] == keys[1]
    assert slept == [3.0]
    keys.clear()
    assert client.upload("/v1/partners/seller/buyers/b/kyc/documents", "COC_EXTRACT")
    assert len(keys) == 2 and keys[0] == keys[1]
