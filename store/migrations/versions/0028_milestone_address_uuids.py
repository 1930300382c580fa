"""orders.transport: the pickup's and the delivery's addresses get their uuid, as answers now
show every address with one (resources 0.4); orders written before had none

The uuid is the one ``store/orders/views.py`` gives the same address when it renders it:
uuid5 of MILESTONE_ADDRESSES and "<order uuid>/<field>/<revocations before it>" (a pickup
follows every revocation, a delivery none), copied here so this migration keeps doing what it
did whatever that module becomes.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-11 09:00:00
"""

from typing import Any
from uuid import UUID, uuid5

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

MILESTONE_ADDRESSES = UUID("6f1d7c52-93a4-4b1e-9d0a-4c2e8f51a7b3")
MILESTONES = (("pickup", "collectionAddress"), ("delivery", "deliveryAddress"))

orders = sa.table(
    "orders",
    sa.column("id", sa.Integer),
    sa.column("uuid", sa.Uuid),
    sa.column("transport", sa.JSON),
)


def _with_uuids(order_uuid: UUID, transport: dict[str, Any], add: bool) -> dict[str, Any] | None:
    """The transport with its milestones' address uuids added (or removed), or None when it
    has nothing to change."""
    changed = False
    for milestone, field in MILESTONES:
        address = (transport.get(milestone) or {}).get(field)
        if not isinstance(address, dict) or ("uuid" in address) == add:
            continue
        if add:
            revoked = len(transport.get("revocations") or []) if milestone == "pickup" else 0
            name = f"{order_uuid}/{field}/{revoked}"
            address = {"uuid": str(uuid5(MILESTONE_ADDRESSES, name)), **address}
        else:
            address = {k: v for k, v in address.items() if k != "uuid"}
        transport = {**transport, milestone: {**transport[milestone], field: address}}
        changed = True
    return transport if changed else None


def _rewrite(add: bool) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(orders.c.id, orders.c.uuid, orders.c.transport)).all()
    for row in rows:
        transport = _with_uuids(row.uuid, row.transport or {}, add)
        if transport is not None:
            bind.execute(sa.update(orders).where(orders.c.id == row.id).values(transport=transport))


def upgrade() -> None:
    _rewrite(add=True)


def downgrade() -> None:
    _rewrite(add=False)
