from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook_endpoint_out import WebhookEndpointOut
from ...models.webhook_endpoint_patch import WebhookEndpointPatch
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: WebhookEndpointPatch,
    idempotency_key: str,
    if_match: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/webhooks/{id}".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookEndpointOut | None:
    if response.status_code == 200:
        response_200 = WebhookEndpointOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

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
) -> Response[Problem | WebhookEndpointOut]:
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
    body: WebhookEndpointPatch,
    idempotency_key: str,
    if_match: None | str | Unset = UNSET,
) -> Response[Problem | WebhookEndpointOut]:
    """Update a webhook endpoint; status PAUSED pauses, ACTIVE resumes

    Args:
        id (str): The webhook endpoint's id
        idempotency_key (str): Unique per intended write (a UUID is recommended); keys are per
            organization, method and path. The same key with the same request within 24 h replays the
            first answer (marked `Idempotent-Replayed: true`); with another request to the same method
            and path it is a 422. A refusal before the command ran (400, 403, 404, 409 version-
            mismatch, 422) is not kept: the same key with the request put right (such as the current
            If-Match) runs it.
        if_match (None | str | Unset): Optional: the ETag of the version you read, e.g. "5";
            another version than the current one, or a weak ETag (compared strongly), is a 409
            version-mismatch. Without it the write applies to the current version.
        body (WebhookEndpointPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookEndpointOut]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    body: WebhookEndpointPatch,
    idempotency_key: str,
    if_match: None | str | Unset = UNSET,
) -> Problem | WebhookEndpointOut | None:
    """Update a webhook endpoint; status PAUSED pauses, ACTIVE resumes

    Args:
        id (str): The webhook endpoint's id
        idempotency_key (str): Unique per intended write (a UUID is recommended); keys are per
            organization, method and path. The same key with the same request within 24 h replays the
            first answer (marked `Idempotent-Replayed: true`); with another request to the same method
            and path it is a 422. A refusal before the command ran (400, 403, 404, 409 version-
            mismatch, 422) is not kept: the same key with the request put right (such as the current
            If-Match) runs it.
        if_match (None | str | Unset): Optional: the ETag of the version you read, e.g. "5";
            another version than the current one, or a weak ETag (compared strongly), is a 409
            version-mismatch. Without it the write applies to the current version.
        body (WebhookEndpointPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookEndpointOut
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: WebhookEndpointPatch,
    idempotency_key: str,
    if_match: None | str | Unset = UNSET,
) -> Response[Problem | WebhookEndpointOut]:
    """Update a webhook endpoint; status PAUSED pauses, ACTIVE resumes

    Args:
        id (str): The webhook endpoint's id
        idempotency_key (str): Unique per intended write (a UUID is recommended); keys are per
            organization, method and path. The same key with the same request within 24 h replays the
            first answer (marked `Idempotent-Replayed: true`); with another request to the same method
            and path it is a 422. A refusal before the command ran (400, 403, 404, 409 version-
            mismatch, 422) is not kept: the same key with the request put right (such as the current
            If-Match) runs it.
        if_match (None | str | Unset): Optional: the ETag of the version you read, e.g. "5";
            another version than the current one, or a weak ETag (compared strongly), is a 409
            version-mismatch. Without it the write applies to the current version.
        body (WebhookEndpointPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookEndpointOut]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    body: WebhookEndpointPatch,
    idempotency_key: str,
    if_match: None | str | Unset = UNSET,
) -> Problem | WebhookEndpointOut | None:
    """Update a webhook endpoint; status PAUSED pauses, ACTIVE resumes

    Args:
        id (str): The webhook endpoint's id
        idempotency_key (str): Unique per intended write (a UUID is recommended); keys are per
            organization, method and path. The same key with the same request within 24 h replays the
            first answer (marked `Idempotent-Replayed: true`); with another request to the same method
            and path it is a 422. A refusal before the command ran (400, 403, 404, 409 version-
            mismatch, 422) is not kept: the same key with the request put right (such as the current
            If-Match) runs it.
        if_match (None | str | Unset): Optional: the ETag of the version you read, e.g. "5";
            another version than the current one, or a weak ETag (compared strongly), is a 409
            version-mismatch. Without it the write applies to the current version.
        body (WebhookEndpointPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookEndpointOut
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            if_match=if_match,
        )
    ).parsed
