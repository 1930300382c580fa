from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.document_out import DocumentOut
from ...models.list_kyc_documents_status_type_0 import ListKycDocumentsStatusType0
from ...models.list_kyc_documents_type_type_0 import ListKycDocumentsTypeType0
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    type_: ListKycDocumentsTypeType0 | None | Unset = UNSET,
    status: ListKycDocumentsStatusType0 | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_type_: None | str | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    elif isinstance(type_, ListKycDocumentsTypeType0):
        json_type_ = type_.value
    else:
        json_type_ = type_
    params["type"] = json_type_

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListKycDocumentsStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/partners/{seller_id}/buyers/{buyer_id}/kyc/documents".format(
            seller_id=quote(str(seller_id), safe=""),
            buyer_id=quote(str(buyer_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | list[DocumentOut] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = DocumentOut.from_dict(response_200_item_data)

            response_200.append(response_200_item)

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
) -> Response[Problem | list[DocumentOut]]:
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
    type_: ListKycDocumentsTypeType0 | None | Unset = UNSET,
    status: ListKycDocumentsStatusType0 | None | Unset = UNSET,
) -> Response[Problem | list[DocumentOut]]:
    """List the buyer's KYC documents, superseded ones included

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        type_ (ListKycDocumentsTypeType0 | None | Unset):
        status (ListKycDocumentsStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[DocumentOut]]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        type_=type_,
        status=status,
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
    type_: ListKycDocumentsTypeType0 | None | Unset = UNSET,
    status: ListKycDocumentsStatusType0 | None | Unset = UNSET,
) -> Problem | list[DocumentOut] | None:
    """List the buyer's KYC documents, superseded ones included

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        type_ (ListKycDocumentsTypeType0 | None | Unset):
        status (ListKycDocumentsStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[DocumentOut]
    """

    return sync_detailed(
        seller_id=seller_id,
        buyer_id=buyer_id,
        client=client,
        type_=type_,
        status=status,
    ).parsed


async def asyncio_detailed(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    client: AuthenticatedClient,
    type_: ListKycDocumentsTypeType0 | None | Unset = UNSET,
    status: ListKycDocumentsStatusType0 | None | Unset = UNSET,
) -> Response[Problem | list[DocumentOut]]:
    """List the buyer's KYC documents, superseded ones included

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        type_ (ListKycDocumentsTypeType0 | None | Unset):
        status (ListKycDocumentsStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[DocumentOut]]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        type_=type_,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    client: AuthenticatedClient,
    type_: ListKycDocumentsTypeType0 | None | Unset = UNSET,
    status: ListKycDocumentsStatusType0 | None | Unset = UNSET,
) -> Problem | list[DocumentOut] | None:
    """List the buyer's KYC documents, superseded ones included

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        type_ (ListKycDocumentsTypeType0 | None | Unset):
        status (ListKycDocumentsStatusType0 | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[DocumentOut]
    """

    return (
        await asyncio_detailed(
            seller_id=seller_id,
            buyer_id=buyer_id,
            client=client,
            type_=type_,
            status=status,
        )
    ).parsed
