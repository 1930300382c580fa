"""Who an NT24 request acts as: the organization behind a verified token.

Its own module, so the authentication (auth.py) and the cache of verified tokens
(principal_cache.py) both use it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from store.identity.tenancy import Tenant
from store.models import Organization


@dataclass(frozen=True)
class Principal:
    organization_id: int
    organization_uuid: UUID
    client_id: str
    rate_limit_tier: str
    organization: Organization

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id)
