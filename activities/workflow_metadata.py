"""What a workflow shows in the Temporal UI from its start: its static summary (one line in the
workflow list), static details (Markdown on its page) and the search attributes an operator
finds it by (docs/operations.md). Given to ``start_workflow`` by the API and the activities
that start workflows; they change no workflow command, so histories replay as before.

Search attributes carry business keys (external ids, VAT numbers, invoice numbers); summaries
name the business object. Neither goes to the logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from workflows import search_attributes as sa

SUMMARY_LIMIT = 200  # Temporal shows one line; keep it short


def start_metadata(summary: str, details: Sequence[str] = (), **attributes: Any) -> dict[str, Any]:
    """``start_workflow`` keyword arguments: ``attributes`` by the names in
    workflows/search_attributes.py in lower case (``external_order_id=...``); None is left out."""
    pairs = []
    for name, value in attributes.items():
        key: SearchAttributeKey[Any] = getattr(sa, name.upper())
        if value is None or value == []:
            continue
        pairs.append(SearchAttributePair(key, value))
    return {
        "static_summary": summary[:SUMMARY_LIMIT],
        "static_details": "\n".join(details) or None,
        "search_attributes": TypedSearchAttributes(pairs) if pairs else None,
    }


def order_start(
    *,
    external_order_id: str,
    order_uuid: str,
    vins: Sequence[str],
    seller_name: str,
    seller_vat_number: str | None,
    buyer_name: str,
    buyer_vat_number: str,
    organization_uuid: str,
    partner_uuid: str,
) -> dict[str, Any]:
    shown_vins = ", ".join(vins[:3]) + (f" (+{len(vins) - 3})" if len(vins) > 3 else "")
    return start_metadata(
        f"Order {external_order_id}: {shown_vins}; {seller_name} to {buyer_name}",
        [
            f"**Order** `{external_order_id}` (uuid `{order_uuid}`)",
            f"**VINs**: {', '.join(f'`{v}`' for v in vins)}",
            f"**Seller**: {seller_name}"
            + (f" (`{seller_vat_number}`)" if seller_vat_number else ""),
            f"**Buyer**: {buyer_name} (`{buyer_vat_number}`)",
        ],
        organization=organization_uuid,
        partner=partner_uuid,
        external_order_id=external_order_id,
        vins=list(vins),
        buyer_vat_number=buyer_vat_number,
    )


def payment_order_start(
    *,
    order_uuid: str,
    external_order_uid: str | None,
    label: str | None,
    buyer_name: str | None,
    buyer_vat_number: str | None,
    total: str,
) -> dict[str, Any]:
    name = external_order_uid or order_uuid
    return start_metadata(
        f"Payment order {name}: {total}" + (f" for {buyer_name}" if buyer_name else ""),
        [
            f"**NOTYD payment order** `{order_uuid}`",
            f"**External order uid**: `{external_order_uid}`" if external_order_uid else "",
            f"**Label**: {label}" if label else "",
            f"**Buyer**: {buyer_name} (`{buyer_vat_number}`)" if buyer_name else "",
            f"**Total**: {total}",
        ],
        payment_order_uuid=order_uuid,
        external_order_id=external_order_uid,
        buyer_vat_number=buyer_vat_number,
    )


def dunning_start(
    *, invoice_uuid: str, payment_reference: str | None, due_at: Any
) -> dict[str, Any]:
    number = payment_reference or invoice_uuid
    return start_metadata(
        f"Dunning of invoice {number}, due {due_at:%Y-%m-%d}",
        [
            f"**Invoice** `{number}` (uuid `{invoice_uuid}`)",
            f"**Due**: {due_at:%Y-%m-%d %H:%M} UTC",
        ],
        invoice_number=payment_reference,
        dunning_status=0,
    )


def buyer_start(
    what: str, *, buyer_uuid: str, buyer_name: str, vat_number: str, organization_uuid: str | None
) -> dict[str, Any]:
    """A buyer's KYC verification, VIES check or self-service invitation."""
    return start_metadata(
        f"{what} of {buyer_name} ({vat_number})",
        [
            f"**{what}** of buyer {buyer_name}",
            f"**VAT number**: `{vat_number}`",
            f"**Buyer uuid**: `{buyer_uuid}`",
        ],
        buyer_vat_number=vat_number,
        organization=organization_uuid,
    )


def delivery_start(
    delivery_id: str, *, endpoint_id: str | None = None, event_type: str | None = None
) -> dict[str, Any]:
    what = f" of {event_type}" if event_type else ""
    to = f" to {endpoint_id}" if endpoint_id else ""
    return start_metadata(
        f"Webhook delivery {delivery_id}{what}{to}",
        [f"**Delivery** `{delivery_id}`"],
        webhook_endpoint_id=endpoint_id,
        event_type=event_type,
    )


def round_trip_start(organization_uuid: str) -> dict[str, Any]:
    return start_metadata(
        f"Round trip of organization {organization_uuid}",
        ["**Round trip**: API → workflow → activity → database"],
        organization=organization_uuid,
    )


def payout_run_start() -> dict[str, Any]:
    """The payout run's Schedule action (its search attributes are not set: none applies)."""
    return {
        "static_summary": "Payout run: every seller gets what its buyers paid",
        "static_details": "**Payout run** on the `payout-run` Schedule",
    }


def sweep_start(why: str = "on the `webhook-sweep` Schedule") -> dict[str, Any]:
    return {
        "static_summary": "Webhook sweep: fan out, start pending deliveries, purge",
        "static_details": f"**Webhook sweep** {why}",
    }


def fan_out_start(event_id: str) -> dict[str, Any]:
    return start_metadata(
        f"Webhook fan-out after event {event_id}",
        [f"**Fan-out** kicked by event `{event_id}`: its deliveries and any not fanned out yet"],
    )


def paused_notice_start(event_id: str) -> dict[str, Any]:
    return start_metadata(
        f"Auto-pause notice of event {event_id}",
        [f"**E-mail** to the administrators about `{event_id}` (webhook.endpoint_auto_paused)"],
        event_type="webhook.endpoint_auto_paused",
    )
