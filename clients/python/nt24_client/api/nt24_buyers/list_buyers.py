import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_buyers_kyc_mode_type_0 import ListBuyersKycModeType0
from ...models.list_buyers_status_type_0 import ListBuyersStatusType0
from ...models.page_buyer_out import PageBuyerOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    seller_id: UUID,
    *,
    vat_number: None | str | Unset = UNSET,
    status: ListBuyersStatusType0 | None | Unset = UNSET,
    kyc_mode: ListBuyersKycModeType0 | None | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    updated_after: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_vat_number: None | str | Unset
    if isinstance(vat_number, Unset):
        json_vat_number = UNSET
    else:
        json_vat_number = vat_number
    params["vatNumber"] = json_vat_number

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListBuyersStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_kyc_mode: None | str | Unset
    if isinstance(kyc_mode, Unset):
        json_kyc_mode = UNSET
    elif isinstance(kyc_mode, ListBuyersKycModeType0):
        json_kyc_mode = kyc_mode.value
    else:
        json_kyc_mode = kyc_mode
    params["kycMode"] = json_kyc_mode

    json_created_after: None | str | Unset
    if isinstance(created_after, Unset):
        json_created_after = UNSET
    elif isinstance(created_after, datetime.datetime):
        json_created_after = created_after.isoformat()
    else:
        json_created_after = created_after
    params["createdAfter"] = json_created_after

    json_updated_after: None | str | Unset
    if isinstance(updated_after, Unset):
        json_updated_after = UNSET
    elif isinstance(updated_after, datetime.datetime):
        json_updated_after = updated_after.isoformat()
    else:
        json_updated_after = updated_after
    params["updatedAfter"] = json_updated_after

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
        "url": "/v1/partners/{seller_id}/buyers".format(
            seller_id=quote(str(seller_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageBuyerOut | Problem | None:
    if response.status_code == 200:
        response_200 = PageBuyerOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[PageBuyerOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    seller_id: UUID,
    *,
    client: AuthenticatedClient,
    vat_number: None | str | Unset = UNSET,
    status: ListBuyersStatusType0 | None | Unset = UNSET,
    kyc_mode: ListBuyersKycModeType0 | None | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    updated_after: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> Response[PageBuyerOut | Problem]:
    """List buyers

    Args:
        seller_id (UUID): UUID of the seller trade partner
        vat_number (None | str | Unset):
        status (ListBuyersStatusType0 | None | Unset):
        kyc_mode (ListBuyersKycModeType0 | None | Unset):
        created_after (datetime.datetime | None | Unset):
        updated_after (datetime.datetime | None | Unset):
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt, updatedAt,
            companyName, vatNumber

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageBuyerOut | Problem]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        vat_number=vat_number,
        status=status,
        kyc_mode=kyc_mode,
        created_after=created_after,
        updated_after=updated_after,
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
    *,
    client: AuthenticatedClient,
    vat_number: None | str | Unset = UNSET,
    status: ListBuyersStatusType0 | None | Unset = UNSET,
    kyc_mode: ListBuyersKycModeType0 | None | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    updated_after: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> PageBuyerOut | Problem | None:
    """List buyers

    Args:
        seller_id (UUID): UUID of the seller trade partner
        vat_number (None | str | Unset):
        status (ListBuyersStatusType0 | None | Unset):
        kyc_mode (ListBuyersKycModeType0 | None | Unset):
        created_after (datetime.datetime | None | Unset):
        updated_after (datetime.datetime | None | Unset):
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt, updatedAt,
            companyName, vatNumber

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageBuyerOut | Problem
    """

    return sync_detailed(
        seller_id=seller_id,
        client=client,
        vat_number=vat_number,
        status=status,
        kyc_mode=kyc_mode,
        created_after=created_after,
        updated_after=updated_after,
        page=page,
        size=size,
        sort=sort,
    ).parsed


async def asyncio_detailed(
    seller_id: UUID,
    *,
    client: AuthenticatedClient,
    vat_number: None | str | Unset = UNSET,
    status: ListBuyersStatusType0 | None | Unset = UNSET,
    kyc_mode: ListBuyersKycModeType0 | None | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    updated_after: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> Response[PageBuyerOut | Problem]:
    """List buyers

    Args:
        seller_id (UUID): UUID of the seller trade partner
        vat_number (None | str | Unset):
        status (ListBuyersStatusType0 | None | Unset):
        kyc_mode (ListBuyersKycModeType0 | None | Unset):
        created_after (datetime.datetime | None | Unset):
        updated_after (datetime.datetime | None | Unset):
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt, updatedAt,
            companyName, vatNumber

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageBuyerOut | Problem]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        vat_number=vat_number,
        status=status,
        kyc_mode=kyc_mode,
        created_after=created_after,
        updated_after=updated_after,
        page=page,
        size=size,
        sort=sort,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    seller_id: UUID,
    *,
    client: AuthenticatedClient,
    vat_number: None | str | Unset = UNSET,
    status: ListBuyersStatusType0 | None | Unset = UNSET,
    kyc_mode: ListBuyersKycModeType0 | None | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    updated_after: datetime.datetime | None | Unset = UNSET,
    page: int | Unset = 0,
    size: int | Unset = 20,
    sort: None | str | Unset = UNSET,
) -> PageBuyerOut | Problem | None:
    """List buyers

    Args:
        seller_id (UUID): UUID of the seller trade partner
        vat_number (None | str | Unset):
        status (ListBuyersStatusType0 | None | Unset):
        kyc_mode (ListBuyersKycModeType0 | None | Unset):
        created_after (datetime.datetime | None | Unset):
        updated_after (datetime.datetime | None | Unset):
        page (int | Unset): Zero-based page number Default: 0.
        size (int | Unset): Page size (1-100) Default: 20.
        sort (None | str | Unset): field,asc or field,desc; fields: createdAt, updatedAt,
            companyName, vatNumber

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageBuyerOut | Problem
    """

    return (
        await asyncio_detailed(
            seller_id=seller_id,
            client=client,
            vat_number=vat_number,
            status=status,
            kyc_mode=kyc_mode,
            created_after=created_after,
            updated_after=updated_after,
            page=page,
            size=size,
            sort=sort,
        )
    ).parsed
