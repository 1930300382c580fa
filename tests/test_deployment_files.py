"""docker-compose.yml stays in step with the code (no Docker engine runs in CI to try it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

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
