"""NT24 list pages (contract section 2.5): ``page`` (from 0), ``size`` (1-100, default 20),
``sort=field,asc|desc`` -> ``{data, pagination: {page, size, totalElements, totalPages,
hasNext, hasPrevious}}``.

Each list names the fields it sorts by (its API names, e.g. ``createdAt``); they resolve to the
listed model's attributes (``created_at``). Another field is a 422 naming ``sort``. Rows are
always finally ordered by primary key, so pages never overlap or skip a row.
"""

# No `from __future__ import annotations` here: FastAPI reads the signature of the dependency
# built in PageParams.sortable, whose annotations name values of the enclosing call.

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from sqlalchemy import Select, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.nt24.schemas import NT24Model
from api.shared.errors import FieldError, validation_problem
from api.shared.input_limits import MAX_PAGE

T = TypeVar("T")

DEFAULT_SIZE = 20
MAX_SIZE = 100


class Pagination(NT24Model):
    page: int
    size: int
    totalElements: int
    totalPages: int
    hasNext: bool
    hasPrevious: bool


class Page(NT24Model, Generic[T]):
    data: list[T]
    pagination: Pagination


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool = False


def parse_sort(value: str, fields: tuple[str, ...]) -> Sort:
    """``field`` or ``field,asc|desc`` with ``field`` one of ``fields``; else a 422 on sort."""
    name, _, direction = value.partition(",")
    direction = direction.strip().lower() or "asc"
    if name.strip() not in fields or direction not in ("asc", "desc"):
        allowed = ", ".join(fields) or "nothing"
        message = f"must be field,asc or field,desc with field one of: {allowed}"
        raise validation_problem([FieldError("sort", message, value)])
    return Sort(name.strip(), direction == "desc")


def _attribute(field: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()


class PageParams:
    """One list request's page, size and sort; ``fetch`` answers it from a select."""

    def __init__(self, page: int = 0, size: int = DEFAULT_SIZE, sort: Sort | None = None) -> None:
        self.page = page
        self.size = size
        self.sort = sort

    @classmethod
    def sortable(
        cls, *fields: str, default: str | None = None
    ) -> Callable[..., Awaitable["PageParams"]]:
        """The dependency of a list that sorts by ``fields``; ``default`` (e.g.
        ``"createdAt,desc"``) applies when the request names no sort, else primary-key order."""
        allowed = ", ".join(fields) or "none"
        fallback = parse_sort(default, fields) if default else None  # a typo fails at import

        # async: FastAPI runs a plain function dependency in a worker thread
        async def page_params(
            page: Annotated[
                int, Query(ge=0, le=MAX_PAGE, description="Zero-based page number")
            ] = 0,
            size: Annotated[
                int, Query(ge=1, le=MAX_SIZE, description=f"Page size (1-{MAX_SIZE})")
            ] = DEFAULT_SIZE,
            sort: Annotated[
                str | None,
                Query(description=f"field,asc or field,desc; fields: {allowed}"),
            ] = None,
        ) -> PageParams:
            return cls(page, size, parse_sort(sort, fields) if sort else fallback)

        return page_params

    def page_of(self, data: list[T], total: int) -> Page[T]:
        return Page[T](
            data=data,
            pagination=Pagination(
                page=self.page,
                size=self.size,
                totalElements=total,
                totalPages=math.ceil(total / self.size),
                hasNext=(self.page + 1) * self.size < total,
                hasPrevious=self.page > 0,
            ),
        )

    async def fetch(
        self, session: AsyncSession, query: Select[Any], convert: Callable[[Any], T]
    ) -> Page[T]:
        """The page of ``query`` (a select of one model), each row passed through ``convert``."""
        total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
        model = query.column_descriptions[0]["entity"]
        order = []
        if self.sort is not None:
            column = getattr(model, _attribute(self.sort.field))
            order.append(column.desc() if self.sort.descending else column.asc())
        rows = await session.scalars(
            query.order_by(*order, *inspect(model).primary_key)
            .limit(self.size)
            .offset(self.page * self.size)
        )
        return self.page_of([convert(row) for row in rows], total)
