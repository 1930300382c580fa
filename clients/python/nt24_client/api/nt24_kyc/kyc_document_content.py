from http import HTTPStatus
from io import BytesIO
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    seller_id: UUID,
    buyer_id: UUID,
    document_uuid: UUID,
    *,
    if_none_match: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/partners/{seller_id}/buyers/{buyer_id}/kyc/documents/{document_uuid}/content".format(
            seller_id=quote(str(seller_id), safe=""),
            buyer_id=quote(str(buyer_id), safe=""),
            document_uuid=quote(str(document_uuid), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | File | Problem | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[Any | File | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    seller_id: UUID,
    buyer_id: UUID,
    document_uuid: UUID,
    *,
    client: AuthenticatedClient,
    if_none_match: None | str | Unset = UNSET,
) -> Response[Any | File | Problem]:
    """Download a KYC document: the exact bytes uploaded

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        document_uuid (UUID):
        if_none_match (None | str | Unset): The ETag you hold: unchanged answers 304 Not Modified
            without a body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | File | Problem]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        document_uuid=document_uuid,
        if_none_match=if_none_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    seller_id: UUID,
    buyer_id: UUID,
    document_uuid: UUID,
    *,
    client: AuthenticatedClient,
    if_none_match: None | str | Unset = UNSET,
) -> Any | File | Problem | None:
    """Download a KYC document: the exact bytes uploaded

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        document_uuid (UUID):
        if_none_match (None | str | Unset): The ETag you hold: unchanged answers 304 Not Modified
            without a body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | File | Problem
    """

    return sync_detailed(
        seller_id=seller_id,
        buyer_id=buyer_id,
        document_uuid=document_uuid,
        client=client,
        if_none_match=if_none_match,
    ).parsed


async def asyncio_detailed(
    seller_id: UUID,
    buyer_id: UUID,
    document_uuid: UUID,
    *,
    client: AuthenticatedClient,
    if_none_match: None | str | Unset = UNSET,
) -> Response[Any | File | Problem]:
    """Download a KYC document: the exact bytes uploaded

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        document_uuid (UUID):
        if_none_match (None | str | Unset): The ETag you hold: unchanged answers 304 Not Modified
            without a body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | File | Problem]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        document_uuid=document_uuid,
        if_none_match=if_none_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    seller_id: UUID,
    buyer_id: UUID,
    document_uuid: UUID,
    *,
    client: AuthenticatedClient,
    if_none_match: None | str | Unset = UNSET,
) -> Any | File | Problem | None:
    """Download a KYC document: the exact bytes uploaded

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        document_uuid (UUID):
        if_none_match (None | str | Unset): The ETag you hold: unchanged answers 304 Not Modified
            without a body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | File | Problem
    """

    return (
        await asyncio_detailed(
            seller_id=seller_id,
            buyer_id=buyer_id,
            document_uuid=document_uuid,
            client=client,
            if_none_match=if_none_match,
        )
    ).parsed
