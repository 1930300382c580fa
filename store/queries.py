"""Query predicates the read models share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import false, func, or_, true


def shown_after(column: Any, moment: datetime) -> Any:
    """``column > moment`` compared at the precision timestamps are shown, the second: a row
    shown as created at ``15:14:00Z`` is not after ``15:14:00.5Z`` (nor after ``15:14:00Z``),
    whatever fraction of a second the database holds. A moment without a zone is UTC.

    It is compared in UTC, as timestamps are stored (SQLite would read another zone's wall
    clock as UTC). One whose UTC or next second falls outside the years 1 to 9999
    (``0001-01-01T00:00:00+01:00``, ``9999-12-31T23:59:59Z``) is before or after every
    timestamp: everything, or nothing, is after it."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        next_second = moment.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
    except OverflowError:
        return true() if moment.year == 1 else false()
    return column >= next_second


def like_literal(text: str) -> str:
    """``text`` for a LIKE pattern with ``escape="\\"``: its wildcards match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pattern(term: str) -> str:
    return f"%{like_literal(term.lower())}%"


def contains(column: Any, term: str) -> Any:
    """``column`` holds ``term`` anywhere, ignoring case, on SQLite and PostgreSQL alike
    (``lower(column) LIKE '%part%'`` with the wildcards escaped)."""
    return func.lower(column).like(_pattern(term), escape="\\")


def contains_any(term: str, *columns: Any) -> Any:
    """One of ``columns`` holds ``term`` anywhere (``contains``): a list's free-text search."""
    return or_(*(contains(column, term) for column in columns))


def compact(term: str) -> str:
    """A VAT number or VIN as stored: no spaces, dots or dashes ("DE 136 695 976")."""
    return "".join(ch for ch in term if ch.isalnum())


def contains_identifier(column: Any, term: str) -> Any:
    """``contains`` as typed, or compacted (for identifiers typed with spaces)."""
    squeezed = compact(term)
    if squeezed and squeezed != term:
        return or_(contains(column, term), contains(column, squeezed))
    return contains(column, term)
