from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.contact import Contact
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    x_purpose: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_purpose, Unset):
        headers["X-Purpose"] = x_purpose

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/partners/{seller_id}/buyers/{buyer_id}/contacts".format(
            seller_id=quote(str(seller_id), safe=""),
            buyer_id=quote(str(buyer_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | list[Contact] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = Contact.from_dict(response_200_item_data)

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
) -> Response[Problem | list[Contact]]:
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
    x_purpose: None | str | Unset = UNSET,
) -> Response[Problem | list[Contact]]:
    """List contact persons (personal data; every read is logged)

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        x_purpose (None | str | Unset): Why personal data is accessed (audit)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Contact]]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        x_purpose=x_purpose,
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
    x_purpose: None | str | Unset = UNSET,
) -> Problem | list[Contact] | None:
    """List contact persons (personal data; every read is logged)

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        x_purpose (None | str | Unset): Why personal data is accessed (audit)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Contact]
    """

    return sync_detailed(
        seller_id=seller_id,
        buyer_id=buyer_id,
        client=client,
        x_purpose=x_purpose,
    ).parsed


async def asyncio_detailed(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    client: AuthenticatedClient,
    x_purpose: None | str | Unset = UNSET,
) -> Response[Problem | list[Contact]]:
    """List contact persons (personal data; every read is logged)

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        x_purpose (None | str | Unset): Why personal data is accessed (audit)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[Contact]]
    """

    kwargs = _get_kwargs(
        seller_id=seller_id,
        buyer_id=buyer_id,
        x_purpose=x_purpose,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    seller_id: UUID,
    buyer_id: UUID,
    *,
    client: AuthenticatedClient,
    x_purpose: None | str | Unset = UNSET,
) -> Problem | list[Contact] | None:
    """List contact persons (personal data; every read is logged)

    Args:
        seller_id (UUID): UUID of the seller trade partner
        buyer_id (UUID):
        x_purpose (None | str | Unset): Why personal data is accessed (audit)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[Contact]
    """

    return (
        await asyncio_detailed(
            seller_id=seller_id,
            buyer_id=buyer_id,
            client=client,
            x_purpose=x_purpose,
        )
    ).parsed
