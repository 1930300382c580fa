"""Money as the contract writes it, ``{"value": minor units, "currency": "EUR"}``: the one pair
of converters the read model's views, the web app's forms, the what-if re-evaluation and the
Export File share. A leaf. (Not in workflows/money.py: its bytes count in the digest of the
frozen rule set 2026.11.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.money import Money


def money_json(money: Money) -> dict[str, Any]:
    return {"value": money.value, "currency": money.currency}


def money_from_json(data: Mapping[str, Any]) -> Money:
    """The currency defaults to EUR, as in the contract."""
    return Money(int(data["value"]), data.get("currency", "EUR"))
