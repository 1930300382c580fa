import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_deliveries_status_type_0 import ListDeliveriesStatusType0
from ...models.page_delivery_out import PageDeliveryOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListDeliveriesStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

    params["page"] = page

    params["size"] = size

    json_sort: None | str | Unset
    if isinstance(sort, Unset):
        json_sort = UNSET
    else:
        json_sort = sort
    params["sort"] = json_sort

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/webhooks/{id}/deliveries".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageDeliveryOut | Problem | None:
    if response.status_code == 200:
        response_200 = PageDeliveryOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PageDeliveryOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> Response[PageDeliveryOut | Problem]:
    """The endpoint's delivery history (30 days), newest first

    Args:
        id (str): The webhook endpoint's id
        status (ListDeliveriesStatusType0 | None | Unset):
        since (datetime.datetime | None | Unset): Only deliveries created after it
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageDeliveryOut | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        status=status,
        since=since,
        page=page,
        size=size,
        sort=sort,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> PageDeliveryOut | Problem | None:
    """The endpoint's delivery history (30 days), newest first

    Args:
        id (str): The webhook endpoint's id
        status (ListDeliveriesStatusType0 | None | Unset):
        since (datetime.datetime | None | Unset): Only deliveries created after it
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageDeliveryOut | Problem
    """

    return sync_detailed(
        id=id,
        client=client,
        status=status,
        since=since,
        page=page,
        size=size,
        sort=sort,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> Response[PageDeliveryOut | Problem]:
    """The endpoint's delivery history (30 days), newest first

    Args:
        id (str): The webhook endpoint's id
        status (ListDeliveriesStatusType0 | None | Unset):
        since (datetime.datetime | None | Unset): Only deliveries created after it
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageDeliveryOut | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        status=status,
        since=since,
        page=page,
        size=size,
        sort=sort,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> PageDeliveryOut | Problem | None:
    """The endpoint's delivery history (30 days), newest first

    Args:
        id (str): The webhook endpoint's id
        status (ListDeliveriesStatusType0 | None | Unset):
        since (datetime.datetime | None | Unset): Only deliveries created after it
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageDeliveryOut | Problem
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            status=status,
            since=since,
            page=page,
            size=size,
            sort=sort,
        )
    ).parsed
