"""NOTYD list pages: ``page`` (from 1), ``page_size`` -> ``{count, next, previous, results}``.

Both parameters are read as Django REST framework's ``PageNumberPagination`` reads them:
``page`` is a number from 1 or ``last``, and anything else (0, -1, ``abc``, a page past the
last one) is a 404 "Invalid page."; a ``page_size`` that is not a positive integer is the
default size, and one above the largest is the largest. A filter sent empty (``?status=``, or
``?status`` alone) is no filter, as django-filter reads one (``FilterQueryRoute``): clients made
for NOTYD send their forms' empty fields.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, WithJsonSchema
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.notyd.errors import problem
from api.shared.deps import AppSettings
from api.shared.errors import Problem

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
LAST_PAGE = "last"  # Django REST framework's last_page_strings

# Django REST framework's answer to a page that is none, which NOTYD clients know
PAST_THE_LAST_PAGE = problem(
    404, "Invalid page: not a page number from 1 nor `last`, or past the last page of the list"
)


def without_empty_filters(query: bytes) -> bytes:
    """``query`` without the filters it sends empty; ``page`` stays: an empty page is Django
    REST framework's "Invalid page." """
    pairs = query.split(b"&")
    kept = [p for p in pairs if p.startswith(b"page=") or p.partition(b"=")[2]]
    return query if len(kept) == len(pairs) else b"&".join(kept)


class FilterQueryRoute(APIRoute):
    """A NOTYD route whose GET reads its query as Django REST framework does: an empty filter
    is none."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            if request.method == "GET" and (query := request.scope.get("query_string")):
                # before anything reads the query: the endpoint's parameters come from it
                request.scope["query_string"] = without_empty_filters(query)
            return await handler(request)

        return handle


class Page(BaseModel, Generic[T]):
    count: int
    next: str | None
    previous: str | None
    results: list[T]


def invalid_page() -> Problem:
    return Problem("not-found", "Invalid page.")


def page_size_of(value: str | int) -> int:
    """Django REST framework's ``page_size``: a positive integer, at most the largest; any
    other value is the default size, not an error."""
    try:
        size = int(value)
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE) if size > 0 else DEFAULT_PAGE_SIZE


class PageParams:
    def __init__(self, request: Request, base_url: str, page: str | int, page_size: int) -> None:
        self.request = request
        # the links' scheme and host: the public base URL, not the host the request came
        # to (behind a TLS-terminating proxy, http://internal-host)
        self.base_url = base_url.rstrip("/")
        self.asked = page
        self.page = 1  # the page asked for, a number once fetch knows the count
        self.page_size = page_size

    def _link(self, page: int) -> str:
        url = self.request.url.include_query_params(page=page, page_size=self.page_size)
        return f"{self.base_url}{url.path}?{url.query}"

    def _number(self, total: int) -> int:
        """The page asked for among the list's pages (an empty list has one, empty, page), as
        Django's ``Paginator.validate_number`` judges it; else "Invalid page."."""
        pages = max(1, -(-total // self.page_size))
        if self.asked == LAST_PAGE:
            return pages
        try:
            number = int(self.asked)
        except ValueError:
            raise invalid_page() from None
        if not 1 <= number <= pages:
            raise invalid_page()
        return number

    async def fetch(self, session: AsyncSession, query: Select[Any]) -> tuple[int, list[Any]]:
        total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
        self.page = self._number(total)
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


_PAGE = (
    "A page number within the result set, from 1, or `last` for the last page; any other "
    "value, or a page past the last, is a 404 `Invalid page.`"
)
_PAGE_SIZE = (
    f"Results per page; more than {MAX_PAGE_SIZE} give {MAX_PAGE_SIZE}, and a value that is "
    f"not a positive integer gives the default ({DEFAULT_PAGE_SIZE})"
)


def _integer(description: str) -> WithJsonSchema:
    """The parameter as clients send it, an integer from 1; the server reads it as text, so
    that what else comes is answered as Django REST framework answers it, not with a 422."""
    return WithJsonSchema({"type": "integer", "minimum": 1, "description": description})


async def page_params(
    request: Request,
    settings: AppSettings,
    page: Annotated[str | int, _integer(_PAGE), Query(description=_PAGE)] = 1,
    page_size: Annotated[str | int, _integer(_PAGE_SIZE), Query(description=_PAGE_SIZE)] = (
        DEFAULT_PAGE_SIZE
    ),
) -> PageParams:
    # async: FastAPI runs a plain callable dependency, such as a class, in a worker thread.
    return PageParams(request, settings.public_base_url, page, page_size_of(page_size))


Paging = Annotated[PageParams, Depends(page_params)]


def ordering_query(sorts: Iterable[str]) -> Any:
    """The ``ordering`` parameter of a list sorted by ``sorts`` (``store``'s ``_sorted``)."""
    return Query(
        description=f"Fields to sort by, comma-separated, `-` first for descending: "
        f"{', '.join(sorted(sorts))}; any other is ignored"
    )
