"""Who caused a change: every order command, event and change row carries one of these."""

from __future__ import annotations

from enum import StrEnum


class ChangeSource(StrEnum):
    """Serialised as its value, the contract's string (events' ``source``, saved histories)."""

    API = "API"  # an integrator's call
    WEB_APP = "WEB_APP"  # a user in the web app, or staff on its command line
    SYSTEM = "SYSTEM"  # the platform itself: a deadline, a VIES re-check, an expiry
