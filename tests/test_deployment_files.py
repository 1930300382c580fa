"""docker-compose.yml stays in step with the code (no Docker engine runs in CI to try it)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from workflows import search_attributes

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
