from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.event_feed import EventFeed
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: int | Unset = 0,
    size: int | Unset = 20,
    type_: list[str] | None | Unset = UNSET,
    partner_id: None | Unset | UUID = UNSET,
    order_id: None | Unset | UUID = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["after"] = after

    params["size"] = size

    json_type_: list[str] | None | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    elif isinstance(type_, list):
        json_type_ = type_

    else:
        json_type_ = type_
    params["type"] = json_type_

    json_partner_id: None | str | Unset
    if isinstance(partner_id, Unset):
        json_partner_id = UNSET
    elif isinstance(partner_id, UUID):
        json_partner_id = str(partner_id)
    else:
        json_partner_id = partner_id
    params["partnerId"] = json_partner_id

    json_order_id: None | str | Unset
    if isinstance(order_id, Unset):
        json_order_id = UNSET
    elif isinstance(order_id, UUID):
        json_order_id = str(order_id)
    else:
        json_order_id = order_id
    params["orderId"] = json_order_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EventFeed | Problem | None:
    if response.status_code == 200:
        response_200 = EventFeed.from_dict(response.json())

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
) -> Response[EventFeed | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    after: int | Unset = 0,
    size: int | Unset = 20,
    type_: list[str] | None | Unset = UNSET,
    partner_id: None | Unset | UUID = UNSET,
    order_id: None | Unset | UUID = UNSET,
) -> Response[EventFeed | Problem]:
    """The organization's events, after a cursor

    Args:
        after (int | Unset): Only events after this sequence Default: 0.
        size (int | Unset):  Default: 20.
        type_ (list[str] | None | Unset): Only these event types
        partner_id (None | Unset | UUID): Only this partner's events
        order_id (None | Unset | UUID): Only this order's events

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventFeed | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        size=size,
        type_=type_,
        partner_id=partner_id,
        order_id=order_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    after: int | Unset = 0,
    size: int | Unset = 20,
    type_: list[str] | None | Unset = UNSET,
    partner_id: None | Unset | UUID = UNSET,
    order_id: None | Unset | UUID = UNSET,
) -> EventFeed | Problem | None:
    """The organization's events, after a cursor

    Args:
        after (int | Unset): Only events after this sequence Default: 0.
        size (int | Unset):  Default: 20.
        type_ (list[str] | None | Unset): Only these event types
        partner_id (None | Unset | UUID): Only this partner's events
        order_id (None | Unset | UUID): Only this order's events

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventFeed | Problem
    """

    return sync_detailed(
        client=client,
        after=after,
        size=size,
        type_=type_,
        partner_id=partner_id,
        order_id=order_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    after: int | Unset = 0,
    size: int | Unset = 20,
    type_: list[str] | None | Unset = UNSET,
    partner_id: None | Unset | UUID = UNSET,
    order_id: None | Unset | UUID = UNSET,
) -> Response[EventFeed | Problem]:
    """The organization's events, after a cursor

    Args:
        after (int | Unset): Only events after this sequence Default: 0.
        size (int | Unset):  Default: 20.
        type_ (list[str] | None | Unset): Only these event types
        partner_id (None | Unset | UUID): Only this partner's events
        order_id (None | Unset | UUID): Only this order's events

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventFeed | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        size=size,
        type_=type_,
        partner_id=partner_id,
        order_id=order_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    after: int | Unset = 0,
    size: int | Unset = 20,
    type_: list[str] | None | Unset = UNSET,
    partner_id: None | Unset | UUID = UNSET,
    order_id: None | Unset | UUID = UNSET,
) -> EventFeed | Problem | None:
    """The organization's events, after a cursor

    Args:
        after (int | Unset): Only events after this sequence Default: 0.
        size (int | Unset):  Default: 20.
        type_ (list[str] | None | Unset): Only these event types
        partner_id (None | Unset | UUID): Only this partner's events
        order_id (None | Unset | UUID): Only this order's events

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventFeed | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            size=size,
            type_=type_,
            partner_id=partner_id,
            order_id=order_id,
        )
    ).parsed
