"""docker-compose.yml, the Dockerfile and the lock files stay in step with the code and
pyproject.toml (no Docker engine runs in CI to try them)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from workflows import search_attributes

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parent.parent


def test_compose_registers_every_search_attribute_the_workflows_set():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = " ".join(compose["services"]["temporal-search-attributes"]["command"])
    registered = dict(re.findall(r"(NT24\w+)=(\w+)", command))
    kinds = {"KEYWORD": "Keyword", "KEYWORD_LIST": "KeywordList", "INT": "Int"}
    assert registered == {
        key.name: kinds[key.indexed_value_type.name] for key in search_attributes.ALL
    }


def test_compose_runs_api_worker_and_migrations_from_the_project_image():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"postgres", "temporal", "temporal-ui", "api", "worker", "migrate"} <= set(services)
    for name in ("api", "worker", "migrate"):
        assert services[name]["build"] == "."
        assert services[name]["environment"]["NT24_DATABASE_URL"].startswith("postgresql+asyncpg")
    assert services["worker"]["command"] == ["python", "worker.py"]


def test_compose_runs_two_apis_and_two_workers_sharing_redis_and_one_task_queue():
    """The shape tests/test_two_of_each.py runs: two API replicas and two workers."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("api", "worker"):
        service = services[name]
        assert service["deploy"]["replicas"] == 2
        assert "container_name" not in service  # a fixed name allows one container only
        environment = service["environment"]
        assert environment["NT24_RATE_LIMIT_STORAGE"].startswith("redis://")
        assert "NT24_TASK_QUEUE" not in environment  # both on the default task queue
    # each API replica publishes its own host port: a range as wide as the replicas
    [port] = services["api"]["ports"]
    host, container = port.rsplit(":", 1)
    first, last = (int(p) for p in host.split("-"))
    assert (last - first + 1, container) == (services["api"]["deploy"]["replicas"], "8000")
    assert "ports" not in services["worker"]


# The lock files: every install (scripts/dev, scripts/test, the image) takes its dependencies
# from them, each file checked against its hash; scripts/lock writes them from pyproject.toml.

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(text) for text in PROJECT["dependencies"]]
TEST_EXTRAS = [Requirement(text) for text in PROJECT["optional-dependencies"]["test"]]


@dataclass
class Pin:
    requirement: Requirement  # name==version, with a marker where it applies only somewhere
    hashes: list[str] = field(default_factory=list)
    via: str = ""  # the resolver's note of what asked for it

    @property
    def version(self) -> str:
        [specifier] = self.requirement.specifier
        assert specifier.operator == "==", self.requirement
        return specifier.version


def _pins(lock: str) -> dict[str, list[Pin]]:
    """Each name a lock file pins, with its pins (one per marker)."""
    pins: dict[str, list[Pin]] = {}
    pin = None
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        text = line.strip().rstrip("\\").strip()
        if text.startswith(("--hash=", "# via ")):
            assert pin, f"{lock}: {line}"
        if text.startswith("--hash="):
            pin.hashes.append(text.removeprefix("--hash="))
        elif text.startswith("# via "):
            pin.via = text.removeprefix("# via ")
        elif text and not text.startswith("#"):
            assert not line[0].isspace() and not text.startswith("-"), f"{lock}: {line}"
            pin = Pin(Requirement(text))
            pins.setdefault(canonicalize_name(pin.requirement.name), []).append(pin)
    return pins


@pytest.mark.parametrize(
    ("lock", "declared"), [("runtime.txt", RUNTIME), ("test.txt", RUNTIME + TEST_EXTRAS)]
)
def test_the_lock_pins_what_pyproject_declares_with_hashes(lock, declared):
    """A dependency added to, narrowed in or removed from pyproject.toml without scripts/lock
    fails here."""
    pins = _pins(lock)
    for name, entries in pins.items():
        for pin in entries:
            assert pin.version and pin.hashes, (lock, name)
            assert all(h.startswith("sha256:") for h in pin.hashes), (lock, name)
    stale = [
        str(wanted)
        for wanted in declared
        if not any(
            wanted.specifier.contains(pin.version, prereleases=True)
            for pin in pins.get(canonicalize_name(wanted.name), [])
        )
    ]
    assert not stale, f"requirements/{lock} lags pyproject.toml ({stale}): run scripts/lock"
    direct = {
        name
        for name, entries in pins.items()
        if any(f"{PROJECT['name']} (pyproject.toml)" in pin.via for pin in entries)
    }
    gone = direct - {canonicalize_name(wanted.name) for wanted in declared}
    assert not gone, f"requirements/{lock} pins {gone} for pyproject.toml: run scripts/lock"


@pytest.mark.parametrize(
    ("lock", "declared"), [("runtime.txt", RUNTIME), ("test.txt", TEST_EXTRAS)]
)
def test_the_lock_pins_what_the_declared_extras_bring(lock, declared):
    """uvicorn[standard], sqlalchemy[asyncio] and the like: what each extra adds is pinned too
    (as the installed distribution declares it for this interpreter and platform)."""
    pins = _pins(lock)
    for wanted in declared:
        for extra in wanted.extras:
            for text in metadata.requires(wanted.name) or []:
                needed = Requirement(text)
                if needed.marker and needed.marker.evaluate({"extra": extra}):
                    assert canonicalize_name(needed.name) in pins, (lock, str(wanted), text)


def test_the_test_lock_keeps_the_runtime_pins_and_the_runtime_lock_has_no_test_runner():
    runtime, test = _pins("runtime.txt"), _pins("test.txt")
    for name, entries in runtime.items():
        pinned = [str(pin.requirement) for pin in test.get(name, [])]
        assert pinned == [str(pin.requirement) for pin in entries], name
    assert "pytest" in test and "pytest" not in runtime


def test_this_environment_was_installed_from_the_test_lock():
    test = _pins("test.txt")
    for wanted in RUNTIME + TEST_EXTRAS:
        name = canonicalize_name(wanted.name)
        versions = {pin.version for pin in test.get(name, [])}
        assert metadata.version(name) in versions, f"{name}: installed {metadata.version(name)}"


def test_the_image_installs_the_runtime_lock_with_hashes_and_the_project_without_dependencies():
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = re.findall(r"pip install ([^&\n]+)", dockerfile)
    assert installs[0].split() == [
        "--no-cache-dir",
        "--require-hashes",
        "-r",
        "requirements/runtime.txt",
    ]
    assert all("--no-deps" in install.split() for install in installs[1:]), installs
    # every module and package that pyproject.toml installs is copied into the image
    copied = {
        Path(source)
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
    }
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    wanted = [Path(f"{module}.py") for module in setuptools["py-modules"]]
    find = setuptools["packages"]["find"]
    for where in find.get("where", ["."]):
        wanted += [Path(where) / pattern.rstrip("*.") for pattern in find["include"]]
    missing = [str(p) for p in wanted if not any(c == p or c in p.parents for c in copied)]
    assert not missing, f"the Dockerfile copies none of {missing}"
