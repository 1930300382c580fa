"""NOTYD list pages: ``page`` (from 1), ``page_size`` -> ``{count, next, previous, results}``."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.shared.input_limits import MAX_PAGE

T = TypeVar("T")

MAX_PAGE_SIZE = 100


class Page(BaseModel, Generic[T]):
    count: int
    next: str | None
    previous: str | None
    results: list[T]


class PageParams:
    def __init__(
        self,
        request: Request,
        page: Annotated[
            int, Query(ge=1, le=MAX_PAGE, description="A page number within the result set.")
        ] = 1,
        page_size: Annotated[
            int, Query(ge=1, le=MAX_PAGE_SIZE, description="Results per page.")
        ] = 20,
    ) -> None:
        self.request = request
        self.page = page
        self.page_size = page_size

    def _link(self, page: int) -> str:
        return str(self.request.url.include_query_params(page=page, page_size=self.page_size))

    async def fetch(self, session: AsyncSession, query: Select[Any]) -> tuple[int, list[Any]]:
        total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
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
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Results per page.")] = 20,
) -> PageParams:
    # async: FastAPI runs a plain callable dependency, such as a class, in a worker thread
    return PageParams(request, page, page_size)


Paging = Annotated[PageParams, Depends(page_params)]
