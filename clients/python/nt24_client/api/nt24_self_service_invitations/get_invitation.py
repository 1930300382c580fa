from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.invitation import Invitation
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    seller_id: UUID,
    buyer_id: UUID,
    invitation_uuid: UUID,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/partners/{seller_id}/buyers/{buyer_id}/kyc/self-service-invitations/{invitation_uuid}".format(
            seller_id=quote(str(seller_id), safe=""),
            buyer_id=quote(str(buyer_id), safe=""),
            invitation_uuid=quote(str(invitation_uuid), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Invitation | Problem | None:
    if response.status_code == 200:
        response_200 = Invitation.from_dict(response.json())

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
) -> Response[Invitation | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    seller_id: UUID,
    buyer_id: UUID,
    invitation_uuid: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[Invitation | Problem]:
    """Get a self-service invitation

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        invitation_uuid (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Invitation | Problem]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        invitation_uuid=invitation_uuid,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    seller_id: UUID,
    buyer_id: UUID,
    invitation_uuid: UUID,
    *,
    client: AuthenticatedClient,
) -> Invitation | Problem | None:
    """Get a self-service invitation

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        invitation_uuid (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Invitation | Problem
    """

    return sync_detailed(
        seller_id=seller_id,
        buyer_id=buyer_id,
        invitation_uuid=invitation_uuid,
        client=client,
    ).parsed


async def asyncio_detailed(
    seller_id: UUID,
    buyer_id: UUID,
    invitation_uuid: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[Invitation | Problem]:
    """Get a self-service invitation

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        invitation_uuid (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Invitation | Problem]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        invitation_uuid=invitation_uuid,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    seller_id: UUID,
    buyer_id: UUID,
    invitation_uuid: UUID,
    *,
    client: AuthenticatedClient,
) -> Invitation | Problem | None:
    """Get a self-service invitation

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        invitation_uuid (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Invitation | Problem
    """

    return (
        await asyncio_detailed(
            seller_id=seller_id,
            buyer_id=buyer_id,
            invitation_uuid=invitation_uuid,
            client=client,
        )
    ).parsed
