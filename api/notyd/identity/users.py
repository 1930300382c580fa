"""NOTYD seller users: ``GET /v1/api/users/`` and ``GET /v1/api/users/{uuid}/``.

A user sees the users of its own seller only (a user without a seller: of its organization's
sellers, as for orders); any other user is a 404.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.notyd.errors import AUTHENTICATED, INVALID_PARAMETERS, problem
from api.notyd.identity.user_auth import Scope
from api.notyd.pagination import PAST_THE_LAST_PAGE, FilterQueryRoute, Page, Paging
from api.notyd.payments.common import parse_uuid
from api.shared.deps import Db
from api.shared.errors import Problem
from store.identity.queries import UserFilter, user_of_seller, users_of_seller
from store.models import User

router = APIRouter(
    prefix="/v1/api/users", tags=["NOTYD: seller users"], route_class=FilterQueryRoute
)


class SellerUser(BaseModel):
    id: str
    uuid: str
    email: str
    username: str
    first_name: str
    last_name: str
    name: str
    is_active: bool
    seller_profile_uuid: str | None
    webshop_url: str | None

    @classmethod
    def of(cls, user: User) -> SellerUser:
        partner = user.partner
        return cls(
            id=str(user.id),
            uuid=str(user.uuid),
            email=user.email,
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            name=user.name,
            is_active=user.is_active,
            seller_profile_uuid=str(partner.profile_uuid) if partner else None,
            webshop_url=partner.webshop_url if partner else None,
        )


@router.get(
    "/",
    response_model=Page[SellerUser],
    summary="List the Seller Users",
    responses=AUTHENTICATED | PAST_THE_LAST_PAGE | INVALID_PARAMETERS,
)
async def list_users(
    scope: Scope,
    db: Db,
    paging: Paging,
    search: Annotated[str | None, Query(description="A search term.")] = None,
    seller_profile__uuid: UUID | None = None,
    seller_profile__seller__uuid: UUID | None = None,
    user__is_active: bool | None = None,
) -> Page[SellerUser]:
    query = users_of_seller(
        scope.tenant,
        scope.partner_id,
        UserFilter(search, seller_profile__uuid, seller_profile__seller__uuid, user__is_active),
    )
    async with db.session() as session:
        total, users = await paging.fetch(session, query)
    return paging.page_of(total, [SellerUser.of(u) for u in users])


@router.get(
    "/{uuid}/",
    response_model=SellerUser,
    summary="Get the Seller User",
    responses=AUTHENTICATED | problem(404, "No such user under your seller") | INVALID_PARAMETERS,
)
async def get_user(
    uuid: str,
    scope: Scope,
    db: Db,
) -> SellerUser:
    user = await user_of_seller(db, scope.tenant, scope.partner_id, parse_uuid(uuid, "User"))
    if user is None:
        raise Problem("not-found", f"User {uuid} was not found.")
    return SellerUser.of(user)
