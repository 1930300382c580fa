"""Every compliance rule set an order may be evaluated under, newest first.

``RULE_SETS`` is the order the workflow asks ``workflow.patched`` in (``OrderWorkflow._rule_set``)
and ``EVALUATORS`` evaluates facts of today's ``workflows.orders.rules.compliance`` shape under
each of them, for the workflow and for what-if. The frozen modules are never imported by the
current rules: facts reach them through here.

``rule_set_2026_12_8``, ``rule_set_2026_12_7``, ``rule_set_2026_12_6``, ``rule_set_2026_12_5``,
``rule_set_2026_12_4``, ``rule_set_2026_12_3``, ``rule_set_2026_12_2``, ``rule_set_2026_12_1``
and ``rule_set_2026_12`` are byte-for-byte copies of ``compliance.py`` as it was in force, so
each one's digest (``store/orders/rule_sets.py``) is the one its decisions carry; their facts
are the current ones with the fields each knew, copied by name (``_frozen``).
``rule_set_2026_11`` has its own adapter, ``evaluate_current``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import ModuleType
from typing import Any

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


def _frozen(module: ModuleType, value: Any) -> Any:
    """``value`` rebuilt from the frozen module's class of the same name, with the fields that
    class has (a later rule set only adds fields); shared types pass as they are."""
    if isinstance(value, tuple):
        return tuple(_frozen(module, v) for v in value)
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    target = getattr(module, type(value).__name__, None)
    if target is None or target is type(value):
        return value
    return target(
        **{
            f.name: _frozen(module, getattr(value, f.name))
            for f in dataclasses.fields(target)
            if f.init
        }
    )


def _evaluate_2026_12_8(facts: current.ComplianceFacts) -> Any:
    return rule_set_2026_12_8.evaluate(_frozen(rule_set_2026_12_8, facts))


def _evaluate_2026_12_7(facts: current.ComplianceFacts) -> Any:
    return rule_set_2026_12_7.evaluate(_frozen(rule_set_2026_12_7, facts))


def _evaluate_2026_12_6(facts: current.ComplianceFacts) -> Any:
    return rule_set_2026_12_6.evaluate(_frozen(rule_set_2026_12_6, facts))


def _evaluate_2026_12_5(facts: current.ComplianceFacts) -> Any:
    return rule_set_2026_12_5.evaluate(_frozen(rule_set_2026_12_5, facts))


def _evaluate_2026_12_4(facts: current.ComplianceFacts) -> Any:
    return rule_set_2026_12_4.evaluate(_frozen(rule_set_2026_12_4, facts))


def _evaluate_2026_12_3(facts: current.ComplianceFacts) -> Any:
    return rule_set_2026_12_3.evaluate(_frozen(rule_set_2026_12_3, facts))


def _evaluate_2026_12_2(facts: current.ComplianceFacts) -> Any:
    return rule_set_2026_12_2.evaluate(_frozen(rule_set_2026_12_2, facts))


def _evaluate_2026_12_1(facts: current.ComplianceFacts) -> Any:
    return rule_set_2026_12_1.evaluate(_frozen(rule_set_2026_12_1, facts))


def _evaluate_2026_12(facts: current.ComplianceFacts) -> Any:
    return rule_set_2026_12.evaluate(_frozen(rule_set_2026_12, facts))


EVALUATORS: dict[str, Callable[[current.ComplianceFacts], Any]] = {
    current.RULE_SET: current.evaluate,
    rule_set_2026_12_8.RULE_SET: _evaluate_2026_12_8,
    rule_set_2026_12_7.RULE_SET: _evaluate_2026_12_7,
    rule_set_2026_12_6.RULE_SET: _evaluate_2026_12_6,
    rule_set_2026_12_5.RULE_SET: _evaluate_2026_12_5,
    rule_set_2026_12_4.RULE_SET: _evaluate_2026_12_4,
    rule_set_2026_12_3.RULE_SET: _evaluate_2026_12_3,
    rule_set_2026_12_2.RULE_SET: _evaluate_2026_12_2,
    rule_set_2026_12_1.RULE_SET: _evaluate_2026_12_1,
    rule_set_2026_12.RULE_SET: _evaluate_2026_12,
    rule_set_2026_11.RULE_SET: rule_set_2026_11.evaluate_current,
}
RULE_SETS = tuple(EVALUATORS)  # newest first
RULE_SET = current.RULE_SET
OLDEST = RULE_SETS[-1]
