"""Links whose token is the only credential: a self-service invitation's upload page
(``/self-service/{token}``) and an order's hosted payment page (``/pay/{token}/``).

A token is the HMAC-SHA256 of ``{purpose}/{uuid}`` under ``NT24_INVITATION_LINK_SECRET``,
base64url-encoded: 256 bits nobody can guess without the key, which the platform derives
again whenever it needs the link instead of keeping it. The purpose keeps the links of one
kind apart from the other's: an invitation's token never opens a payment page. The database
holds only the token's sha256, to find what a link names; Temporal's history, webhooks and
logs hold at most the uuid. So a copy of any of them opens no page. Changing the key voids
every open link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID

SELF_SERVICE_INVITATION = "self-service-invitation"
PAYMENT_PAGE = "payment-page"


def link_token(secret: str, purpose: str, uuid: UUID) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}/{uuid}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_sha256(token: str) -> str:
    """What is stored of a link's token, and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()
