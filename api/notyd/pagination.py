"""NOTYD list pages: ``page`` (from 1), ``page_size`` -> ``{count, next, previous, results}``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.notyd.errors import problem
from api.shared.errors import Problem
from api.shared.input_limits import MAX_PAGE

T = TypeVar("T")

MAX_PAGE_SIZE = 100

# Django REST framework's answer to a page past the last one, which NOTYD clients know
PAST_THE_LAST_PAGE = problem(404, "Invalid page: past the last page of the list")


class Page(BaseModel, Generic[T]):
    count: int
    next: str | None
    previous: str | None
    results: list[T]


class PageParams:
    def __init__(self, request: Request, page: int, page_size: int) -> None:
        self.request = request
        self.page = page
        self.page_size = page_size

    def _link(self, page: int) -> str:
        return str(self.request.url.include_query_params(page=page, page_size=self.page_size))

    async def fetch(self, session: AsyncSession, query: Select[Any]) -> tuple[int, list[Any]]:
        total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
        # Page 1 of an empty list is an empty page; any other page without results is none
        if self.page > 1 and (self.page - 1) * self.page_size >= total:
            raise Problem("not-found", "Invalid page.")
        rows = await session.scalars(
            query.limit(self.page_size).offset((self.page - 1) * self.page_size)
        )
        return total, list(rows)

    def page_of(self, total: int, results: list[T]) -> Page[T]:
        has_next = self.page * self.page_size < total
        return Page[T](
            count=total,
            next=self._link(self.page + 1) if has_next else None,
            previous=self._link(self.page - 1) if self.page > 1 else None,
            results=results,
        )


async def page_params(
    request: Request,
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="A page number within the result set.")
    ] = 1,
    page_size: Annotated[
        int,
        Query(
            ge=1, description=f"Results per page; more than {MAX_PAGE_SIZE} give {MAX_PAGE_SIZE}"
        ),
    ] = 20,
) -> PageParams:
    # async: FastAPI runs a plain callable dependency, such as a class, in a worker thread.
    # A larger page is cut to the largest, as Django REST framework's max_page_size does
    return PageParams(request, page, min(page_size, MAX_PAGE_SIZE))


Paging = Annotated[PageParams, Depends(page_params)]


def ordering_query(sorts: Iterable[str]) -> Any:
    """The ``ordering`` parameter of a list sorted by ``sorts`` (``store``'s ``_sorted``)."""
    return Query(
        description=f"Fields to sort by, comma-separated, `-` first for descending: "
        f"{', '.join(sorted(sorts))}; any other is ignored"
    )
