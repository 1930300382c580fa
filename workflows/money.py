"""Money as the rules see it: an integer of minor units in one currency."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Money:
    value: int  # minor units (cents for EUR)
    currency: str = "EUR"
