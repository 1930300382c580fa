"""The compliance rule sets by version, each with a digest of its code and tables.

A rule set is a version name (``workflows.orders.rules.compliance.RULE_SET``) and the exact code and
tables that decide under it. ``digest`` is the sha256 over the rule set's module source files
(each file's path and sha256, sorted by path) and its policy tables (cash limits per country,
new-vehicle thresholds, VIES and evidence deadlines) as canonical JSON (RFC 8785). It is
computed here, outside the workflow code, from the files themselves: a change to a rule, a
table or a threshold changes it, even when the version name was not changed.

``EVALUATORS`` maps every version still held by an order to the function that evaluates
facts of today's shape under it; ``store/orders/what_if.py`` uses it to compare versions.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import rfc8785

from workflows.orders.rules import compliance as current
from workflows.orders.rules import rule_set_2026_11 as legacy

ROOT = Path(__file__).resolve().parents[2]
# The source files each version's decision depends on (the rules and their tables)
_SHARED = (
    "workflows/orders/rules/cash_limits.py",
    "workflows/buyers/rules/kyc.py",
    "workflows/money.py",
    "workflows/buyers/rules/vat_numbers.py",
)
FILES: dict[str, tuple[str, ...]] = {
    legacy.RULE_SET: ("workflows/orders/rules/rule_set_2026_11.py", *_SHARED),
    current.RULE_SET: (
        "workflows/orders/rules/compliance.py",
        "workflows/orders/rules/outcome.py",
        *_SHARED,
    ),
}
EVALUATORS: dict[str, Callable[[current.ComplianceFacts], Any]] = {
    legacy.RULE_SET: legacy.evaluate_current,
    current.RULE_SET: current.evaluate,
}
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
        lines.append(f"{name} {hashlib.sha256((ROOT / name).read_bytes()).hexdigest()}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _digest(rule_set: str, policy: current.Policy) -> str:
    return hashlib.sha256(
        f"{rule_set}\n{_files_digest(rule_set)}\n{policy_digest(policy)}".encode()
    ).hexdigest()


RULE_SET_DIGEST = digest()
