"""The benchmark's own stack: the dev stack's processes on free loopback ports in a temp folder.

Like ``devstack.py`` (same Temporal tuning, search attributes, SQLite app database in WAL), but
nothing is shared with ``data/``: the Temporal database, the app database, documents, keys and
logs all live under a fresh temporary folder, and every process is ours to stop. The worker and
the API are separate processes, so their memory and CPU can be read from ``/proc``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devstack import TEMPORAL_TUNING, free_port, temporal_cli, wait_for_port
from settings import new_key_setting
from store.db import Database
from store.identity import api_clients, identity
from workflows.search_attributes import cli_flags

HOST = "127.0.0.1"
PROJECT = Path(__file__).resolve().parent.parent
# High enough never to bind: the rate limiter still counts every request (its cost is measured)
RATE_LIMITS = '{"read":1000000,"write":1000000,"webhook":1000000}'
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the bench process dies, however it dies (Linux)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """Resident set size of a process (``VmRSS`` in /proc/<pid>/status; ``VmHWM`` for its
    peak), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time so far of a process, its threads and the processes it started
    that still run (the worker's Export File renderers): what it costs, wherever it runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:  # a child that ended between listing and reading
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces
    own = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return own + sum(cpu_seconds(child) for child in _children(pid))


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
            children += [int(c) for c in (task / "children").read_text().split()]
    return children


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(fields[:8])  # guest time is already counted in user time
    idle = fields[3] + fields[4]  # idle and iowait
    return (total - idle) / _CLOCK_TICKS, total / _CLOCK_TICKS


@dataclass
class Seeded:
    org_uuid: str
    seller_uuid: str
    client_id: str
    client_secret: str
    username: str
    password: str


class BenchStack:
    def __init__(self, root: Path, database_url: str | None) -> None:
        self.root = root
        self.data = root / "data"
        self.logs = root / "logs"
        self.data.mkdir(parents=True)
        self.logs.mkdir(parents=True)
        self.database_url = database_url or f"sqlite+aiosqlite:///{self.data / 'nt24.db'}"
        self.temporal_port = free_port()
        self.sandbox_port = free_port()
        self.api_port = free_port()
        self.hello_port = free_port()
        self.task_queue = "nt24-bench"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.payload_keys = new_key_setting("bench")
        env = {k: v for k, v in os.environ.items() if not k.startswith("NT24_")}
        self.env = env | {
            "NT24_ENVIRONMENT": "dev",
            "NT24_DATA_DIR": str(self.data),
            "NT24_DATABASE_URL": self.database_url,
            "NT24_TEMPORAL_ADDRESS": f"{HOST}:{self.temporal_port}",
            "NT24_TASK_QUEUE": self.task_queue,
            "NT24_API_HOST": HOST,
            "NT24_API_PORT": str(self.api_port),
            "NT24_PUBLIC_BASE_URL": f"http://{HOST}:{self.api_port}",
            "NT24_SANDBOX_PORT": str(self.sandbox_port),
            "NT24_VIES_BASE_URL": f"http://{HOST}:{self.sandbox_port}/vies",
            "NT24_JWT_SECRET": secrets.token_urlsafe(48),
            # the bench's own Temporal client encrypts with the stack's payload keys
            "NT24_PAYLOAD_KEYS": self.payload_keys,
            "NT24_RATE_LIMITS_STANDARD": RATE_LIMITS,
            "NT24_OAUTH_TOKEN_TTL": "PT2H",  # one token serves the whole run
        }

    @property
    def temporal_address(self) -> str:
        return f"{HOST}:{self.temporal_port}"

    def start(self, name: str, args: list[str], extra_env: dict[str, str] | None = None) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        env = self.env | (extra_env or {})
        self.processes[name] = subprocess.Popen(
            args,
            cwd=PROJECT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
            preexec_fn=_die_with_parent,
        )

    def uvicorn(self, name: str, target: str, port: int) -> None:
        # No access log, on the API and the hello-world alike: its cost is a deployment choice,
        # and both sides of every ratio pay the same uvicorn (one process, like the dev stack).
        self.start(
            name,
            [
                sys.executable,
                "-m",
                "uvicorn",
                target,
                "--host",
                HOST,
                "--port",
                str(port),
                "--no-access-log",
            ],
        )

    def start_temporal(self) -> None:
        self.start(
            "temporal",
            [
                temporal_cli(),
                "server",
                "start-dev",
                "--ip",
                HOST,
                "--port",
                str(self.temporal_port),
                "--headless",
                "--db-filename",
                str(self.data / "temporal.db"),
                "--log-level",
                "warn",
                *TEMPORAL_TUNING,
                *cli_flags(),
            ],
        )

    def start_services(self, worker_env: dict[str, str] | None = None) -> None:
        """Sandboxes, worker (with ``worker_env`` over the stack's settings), API and
        hello-world; Temporal must be listening."""
        temporal = self.processes["temporal"]
        wait_for_port(HOST, self.temporal_port, 60, "The Temporal dev server", temporal)
        self.uvicorn("sandboxes", "sandboxes.app:app", self.sandbox_port)
        self.start("worker", [sys.executable, "worker.py"], worker_env)
        self.uvicorn("api", "bench.api_app:app", self.api_port)
        self.uvicorn("hello", "bench.hello_app:app", self.hello_port)
        for name, port in (
            ("sandboxes", self.sandbox_port),
            ("api", self.api_port),
            ("hello", self.hello_port),
        ):
            wait_for_port(HOST, port, 60, name, self.processes[name])
        if problem := self.exited():
            raise RuntimeError(problem)

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def exited(self) -> str | None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                return f"{name} exited with code {process.returncode}; see {self.logs}/{name}.log"
        return None

    def stop(self) -> None:
        for process in reversed(self.processes.values()):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes.values()):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    async def seed(self) -> Seeded:
        """An organization (DPA accepted, marketplace-led KYC), its DE seller, an API client and
        a NOTYD user, as ``tests/conftest.make_api_tenant`` makes them."""
        password = secrets.token_urlsafe(16)
        db = Database(self.database_url)
        try:
            async with db.transaction() as session:
                suffix = secrets.token_hex(4)
                org = await identity.create_organization(
                    session,
                    f"Bench Marketplace {suffix}",
                    allow_marketplace_led_kyc=True,
                    dpa_version="2026-01",
                    dpa_accepted_at=datetime.now(UTC),
                )
                org.allow_kyc_document_download = True
                partner = await identity.create_partner(
                    session, org, f"Bench Autohaus {suffix}", "DE", vat_number="DE136695976"
                )
                client, secret = await api_clients.create_api_client(
                    session, org, f"bench {suffix}"
                )
                user = await identity.create_user(
                    session,
                    f"bench-{suffix}",
                    password,
                    email=f"bench-{suffix}@example.com",
                    organization=org,
                )
            return Seeded(
                str(org.uuid),
                str(partner.uuid),
                client.client_id,
                secret,
                user.username,
                password,
            )
        finally:
            await db.dispose()
