from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_invitations_status_type_0 import ListInvitationsStatusType0
from ...models.page_invitation import PageInvitation
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    status: ListInvitationsStatusType0 | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListInvitationsStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

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
        "url": "/v1/partners/{seller_id}/buyers/{buyer_id}/kyc/self-service-invitations".format(
            seller_id=quote(str(seller_id), safe=""),
            buyer_id=quote(str(buyer_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageInvitation | Problem | None:
    if response.status_code == 200:
        response_200 = PageInvitation.from_dict(response.json())

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
) -> Response[PageInvitation | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    client: AuthenticatedClient,
    status: ListInvitationsStatusType0 | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> Response[PageInvitation | Problem]:
    """List the buyer's self-service invitations

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        status (ListInvitationsStatusType0 | None | Unset):
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt, expiresAt

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageInvitation | Problem]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        status=status,
        page=page,
        size=size,
        sort=sort,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    client: AuthenticatedClient,
    status: ListInvitationsStatusType0 | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> PageInvitation | Problem | None:
    """List the buyer's self-service invitations

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        status (ListInvitationsStatusType0 | None | Unset):
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt, expiresAt

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageInvitation | Problem
    """

    return sync_detailed(
        seller_id=seller_id,
        buyer_id=buyer_id,
        client=client,
        status=status,
        page=page,
        size=size,
        sort=sort,
    ).parsed


async def asyncio_detailed(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    client: AuthenticatedClient,
    status: ListInvitationsStatusType0 | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> Response[PageInvitation | Problem]:
    """List the buyer's self-service invitations

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        status (ListInvitationsStatusType0 | None | Unset):
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt, expiresAt

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageInvitation | Problem]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        status=status,
        page=page,
        size=size,
        sort=sort,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    client: AuthenticatedClient,
    status: ListInvitationsStatusType0 | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> PageInvitation | Problem | None:
    """List the buyer's self-service invitations

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        status (ListInvitationsStatusType0 | None | Unset):
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt, expiresAt

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageInvitation | Problem
    """

    return (
        await asyncio_detailed(
            seller_id=seller_id,
            buyer_id=buyer_id,
            client=client,
            status=status,
            page=page,
            size=size,
            sort=sort,
        )
    ).parsed
