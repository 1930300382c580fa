"""A workflow's refusal of a command, in the domain's words: an ApplicationError whose type is
the domain reason and whose one detail, when the answer shows something, is the current
domain state. The API maps each reason to its problem (slug, status, title) and renders the
state; nothing here knows HTTP. A leaf."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from temporalio.exceptions import ApplicationError


@dataclass
class FieldIssue:
    """What is wrong with one field of a command, named in the domain's words (the command's
    field); each API family names it in its contract's words."""

    field: str
    message: str
    rejected_value: Any = None


def refuse(reason: StrEnum, detail: str, state: object | None = None) -> ApplicationError:
    """Refuse with ``reason``; ``state`` is what the refusal shows (the API decodes it)."""
    details = () if state is None else (state,)
    return ApplicationError(detail, *details, type=str(reason), non_retryable=True)
