"""The hosted payment page's link: ``{public_base_url}/pay/{token}/``.

Its token is derived from the order's uuid as every link token is (store/link_tokens.py), so
the platform can name the link again (the order request's 201) without keeping it: the order's
row holds only the token's sha256, written with the row by the worker, which derives it too.
The order's uuid, which Temporal's workflow id and search attributes and the status webhooks
show, opens no page (only an order of before migration 0025, which has no sha256, is still
found by it). The token never goes to Temporal and is never logged.
"""

from __future__ import annotations

from uuid import UUID

from settings import Settings
from store.link_tokens import PAYMENT_PAGE, link_token, token_sha256


def page_link_token(settings: Settings, order_uuid: UUID) -> str:
    return link_token(settings.effective_invitation_link_secret, PAYMENT_PAGE, order_uuid)


def page_link_sha256(settings: Settings, order_uuid: UUID) -> str:
    return token_sha256(page_link_token(settings, order_uuid))


def payment_page_url(settings: Settings, order_uuid: UUID) -> str:
    return f"{settings.public_base_url.rstrip('/')}/pay/{page_link_token(settings, order_uuid)}/"


def order_page_url(settings: Settings, order_uuid: UUID, sha256: str | None) -> str:
    """The page's link as an order's answers show it (nested-shapes rule 6): the order
    request's own ``payment_page_url``, or, for an order of before migration 0025 (no
    ``page_link_sha256``), the link at its uuid that still opens its page."""
    if sha256 is None:
        return f"{settings.public_base_url.rstrip('/')}/pay/{order_uuid}/"
    return payment_page_url(settings, order_uuid)
