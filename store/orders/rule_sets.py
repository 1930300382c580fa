"""The compliance rule sets by version, each with a digest of its code and tables.

A rule set is a version name (``workflows.orders.rules.compliance.RULE_SET``) and the exact code and
tables that decide under it. ``digest`` is the sha256 over the rule set's module source files
(each file's path and sha256, sorted by path) and its policy tables (cash limits per country,
new-vehicle thresholds, VIES and evidence deadlines) as canonical JSON (RFC 8785). It is
computed here, outside the workflow code, from the files themselves: a change to a rule, a
table or a threshold changes it, even when the version name was not changed.

A frozen rule set's files are named by the path they had while in force (``IN_FORCE_AS``):
``rule_set_2026_12.py`` is byte for byte the ``compliance.py`` that decided under 2026.12 (and
``rule_set_2026_12_1.py`` under 2026.12.1), so the digest its decisions carry is the digest of
the file an auditor re-runs.

``EVALUATORS`` maps every version still held by an order to the function that evaluates
facts of today's shape under it; ``store/orders/what_if.py`` uses it to compare versions.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import rfc8785

from workflows.orders.rules import compliance as current
from workflows.orders.rules import (
    rule_set_2026_11,
    rule_set_2026_12,
    rule_set_2026_12_1,
    rule_set_2026_12_2,
    rule_set_2026_12_3,
    rule_set_2026_12_4,
    rule_set_2026_12_5,
    rule_set_2026_12_6,
    rule_set_2026_12_7,
    rule_set_2026_12_8,
)
from workflows.orders.rules.versions import EVALUATORS

ROOT = Path(__file__).resolve().parents[2]
# The source files each version's decision depends on (the rules and their tables)
_SHARED = (
    "workflows/orders/rules/cash_limits.py",
    "workflows/buyers/rules/kyc.py",
    "workflows/money.py",
    "workflows/buyers/rules/vat_numbers.py",
)
_RULES = ("workflows/orders/rules/compliance.py", "workflows/orders/rules/outcome.py", *_SHARED)
FILES: dict[str, tuple[str, ...]] = {
    rule_set_2026_11.RULE_SET: ("workflows/orders/rules/rule_set_2026_11.py", *_SHARED),
    rule_set_2026_12.RULE_SET: _RULES,
    rule_set_2026_12_1.RULE_SET: _RULES,
    rule_set_2026_12_2.RULE_SET: _RULES,
    rule_set_2026_12_3.RULE_SET: _RULES,
    rule_set_2026_12_4.RULE_SET: _RULES,
    rule_set_2026_12_5.RULE_SET: _RULES,
    # from 2026.12.6 the rules read the currencies' minor units from their own module
    rule_set_2026_12_6.RULE_SET: (*_RULES, "workflows/currencies.py"),
    rule_set_2026_12_7.RULE_SET: (*_RULES, "workflows/currencies.py"),
    rule_set_2026_12_8.RULE_SET: (*_RULES, "workflows/currencies.py"),
    current.RULE_SET: (*_RULES, "workflows/currencies.py"),
}
# where a frozen rule set's file, named in FILES by its path while in force, is kept now
IN_FORCE_AS: dict[str, dict[str, str]] = {
    rule_set_2026_12.RULE_SET: {
        "workflows/orders/rules/compliance.py": "workflows/orders/rules/rule_set_2026_12.py"
    },
    rule_set_2026_12_1.RULE_SET: {
        "workflows/orders/rules/compliance.py": "workflows/orders/rules/rule_set_2026_12_1.py"
    },
    rule_set_2026_12_2.RULE_SET: {
        "workflows/orders/rules/compliance.py": "workflows/orders/rules/rule_set_2026_12_2.py"
    },
    rule_set_2026_12_3.RULE_SET: {
        "workflows/orders/rules/compliance.py": "workflows/orders/rules/rule_set_2026_12_3.py"
    },
    rule_set_2026_12_4.RULE_SET: {
        "workflows/orders/rules/compliance.py": "workflows/orders/rules/rule_set_2026_12_4.py"
    },
    rule_set_2026_12_5.RULE_SET: {
        "workflows/orders/rules/compliance.py": "workflows/orders/rules/rule_set_2026_12_5.py"
    },
    rule_set_2026_12_6.RULE_SET: {
        "workflows/orders/rules/compliance.py": "workflows/orders/rules/rule_set_2026_12_6.py"
    },
    rule_set_2026_12_7.RULE_SET: {
        "workflows/orders/rules/compliance.py": "workflows/orders/rules/rule_set_2026_12_7.py"
    },
    rule_set_2026_12_8.RULE_SET: {
        "workflows/orders/rules/compliance.py": "workflows/orders/rules/rule_set_2026_12_8.py"
    },
}
assert set(FILES) == set(EVALUATORS), "every rule set an order can hold has its files"
RULE_SET = current.RULE_SET


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


def policy_digest(policy: current.Policy) -> str:
    return hashlib.sha256(rfc8785.dumps(_plain(policy))).hexdigest()


def digest(rule_set: str = RULE_SET, policy: current.Policy | None = None) -> str:
    """sha256 of the rule set's source files and of the policy tables (the code's defaults
    unless an order's own policy is given)."""
    if policy is None:
        return _defaults_digest(rule_set)
    return _digest(rule_set, policy)


@cache
def _defaults_digest(rule_set: str) -> str:
    # the code's defaults do not change while it runs, and their canonical JSON took 0.6 ms
    # on every decision and Export File the worker sealed
    return _digest(rule_set, current.Policy())


@cache
def _files_digest(rule_set: str) -> str:
    lines = []
    for name in sorted(FILES[rule_set]):
        path = IN_FORCE_AS.get(rule_set, {}).get(name, name)
        lines.append(f"{name} {hashlib.sha256((ROOT / path).read_bytes()).hexdigest()}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _digest(rule_set: str, policy: current.Policy) -> str:
    return hashlib.sha256(
        f"{rule_set}\n{_files_digest(rule_set)}\n{policy_digest(policy)}".encode()
    ).hexdigest()


RULE_SET_DIGEST = digest()
