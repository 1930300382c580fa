"""Dependencies that authenticate the caller and stand, in the OpenAPI document, for the
security scheme their operation requires (a bearer token, or the OAuth2 flow that issues it)."""

from __future__ import annotations

from fastapi.security.base import SecurityBase


class BearerDependency(SecurityBase):
    """A subclass's ``__call__`` authenticates the caller; to the OpenAPI document the instance
    is ``scheme`` (its name and model), so the operation still lists the scheme it requires.
    One dependency where the scheme and a dependency reading it were two: FastAPI solves every
    level of the dependency tree on every request."""

    def __init__(self, scheme: SecurityBase) -> None:
        self.model = scheme.model
        self.scheme_name = scheme.scheme_name
