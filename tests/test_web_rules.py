"""The web app's pure parts: the login lock, an order's timeline and the dashboard's charts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from api.web import timeline as tl
from api.web.charts import bars, percent, percent_columns, share
from api.web.core import FormErrors, field_error
from api.web.dashboard import blocker_counts, failure_rates, vies_availability
from api.web.payments import dunning_label, dunning_volume
from store.web import locked_until

pytestmark = pytest.mark.fast

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def test_a_username_locks_after_the_last_allowed_failure_until_the_window_passes():
    failures = [NOW - timedelta(minutes=m) for m in (14, 10, 5, 2)]
    assert locked_until(failures, NOW, 5, WINDOW) is None
    failures.append(NOW)
    # the oldest of the five leaves the window in one minute
    assert locked_until(failures, NOW, 5, WINDOW) == NOW + timedelta(minutes=1)
    old = [NOW - timedelta(minutes=20)] * 10
    assert locked_until(old, NOW, 5, WINDOW) is None


def test_milestones_take_the_source_of_the_change_that_set_them():
    created, picked_up = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    transport = {
        "pickup": {
            "type": "COMPANY_TRANSPORT",
            "pickupDate": "2026-11-23",
            "confirmedAt": "2026-11-23T11:00:00Z",
        },
        "delivery": {"deliveryDate": "2026-11-23", "confirmedAt": "2026-11-23T11:30:00Z"},
    }
    order = {"createdAt": "2026-11-23T10:00:00Z", "externalOrderId": "A-1", "vins": [{}]}
    exported, regenerated = NOW - timedelta(minutes=20), NOW - timedelta(minutes=10)
    changes = [
        tl.ChangeFact(1, created + timedelta(microseconds=250_000), "API"),
        # a system change in the same second as the pickup does not take it over
        tl.ChangeFact(2, picked_up + timedelta(microseconds=100), "WEB_APP"),
        tl.ChangeFact(3, picked_up + timedelta(microseconds=900), "SYSTEM"),
        tl.ChangeFact(4, NOW - timedelta(minutes=30), "API"),
        tl.ChangeFact(5, exported, "WEB_APP"),
    ]
    exports = [(1, exported, "Compliance decision made"), (2, regenerated, "Corrupt PDF")]
    # an Export File takes the source its export_file.generated event names: that of the
    # change that requested it (here the API's regeneration); without one, the system's
    generated = tl.EventFact(
        regenerated, "export_file.generated", "API", {"exportFileVersion": 2, "version": 2}
    )
    found = {
        e.title: e.source
        for e in tl.milestones(
            order,
            [],
            None,
            transport,
            exports,
            changes,
            export_sources=tl.export_file_sources([generated]),
        )
    }
    assert found == {
        "Order created": "API",
        "Pickup confirmed": "WEB_APP",
        "Delivery confirmed": "API",
        "Export File version 1": "SYSTEM",
        "Export File version 2": "API",
    }
    # an order written before changes were recorded: the API's
    older = tl.milestones(order, [], None, transport, [], [])
    assert {e.source for e in older} == {"API"}


def test_milestones_stay_when_a_later_change_moves_the_read_model():
    """The payment submitted over the API, then marked ready for pickup in the web app: the
    read model keeps only the payment's latest change (its ``updatedAt``, "readyForPickup"),
    the history keeps both. A corrected invoice keeps its submission beside the correction."""
    at = [NOW - timedelta(hours=h) for h in (5, 4, 3, 2, 1)]
    order = {"createdAt": "2026-11-23T07:00:00Z", "externalOrderId": "A-1", "vins": [{}]}
    payment = {
        "paymentDate": "2026-11-23",
        "readyForPickup": True,
        "updatedAt": "2026-11-23T11:00:00Z",
    }
    invoice = {
        "type": "PRELIMINARY",
        "invoiceNumber": "FV-1/K",
        "invoiceDate": "2026-11-23",
        "updatedAt": "2026-11-23T10:00:00Z",
    }
    changes = [
        tl.ChangeFact(1, at[0], "API", "CREATED"),
        tl.ChangeFact(2, at[1], "API", "INVOICE_SUBMITTED"),
        tl.ChangeFact(3, at[2], "API", "PAYMENT_SUBMITTED"),
        tl.ChangeFact(4, at[3], "WEB_APP", "PAYMENT_SUBMITTED"),  # the invoice corrected
        tl.ChangeFact(5, at[4], "WEB_APP", "READY_FOR_PICKUP"),
    ]
    history = [
        tl.InvoiceFact("PRELIMINARY", 1, invoice | {"invoiceNumber": "FV-1"}, at[1], "API"),
        tl.InvoiceFact("PRELIMINARY", 3, invoice, at[3], "WEB_APP"),
    ]
    found = [
        (e.title, e.at, e.source)
        for e in tl.milestones(order, [invoice], payment, {}, [], changes, history)
    ]
    assert found[1:] == [
        ("Preliminary invoice FV-1", at[1], "API"),
        ("Preliminary invoice corrected: FV-1/K", at[3], "WEB_APP"),
        ("Payment submitted", at[2], "API"),
        ("Ready for pickup", at[4], "WEB_APP"),
    ]  # fmt: skip
    # changes recorded only from after the payment on say nothing of when it was submitted:
    # the read model's latest change, as before
    later = [c for c in changes if c.revision >= 4]
    fallback = [(e.title, e.at) for e in tl.milestones(order, [], payment, {}, [], later)]
    assert fallback[1:] == [("Ready for pickup", datetime(2026, 11, 23, 11, tzinfo=UTC))]


def test_the_timeline_merges_everything_newest_first_with_its_source():
    entries = tl.timeline(
        [tl.Entry(NOW - timedelta(hours=3), "milestone", "Order created", "", "API")],
        [tl.EventFact(NOW, "compliance.status_changed", "WEB_APP", {"currentStatus": "VALID"})],
        [tl.ViesFact(NOW - timedelta(hours=2), "VALID", "DAILY", "WAPI1", None)],
        [
            tl.DocumentFact(
                NOW - timedelta(hours=1), "TRANSPORT_CMR", "CARRIER", "Speedy", "cmr.pdf", "ACTIVE",
                "WEB_APP",
            )
        ],
    )  # fmt: skip
    assert [(e.kind, e.source) for e in entries] == [
        ("event", "WEB_APP"),
        ("document", "WEB_APP"),
        ("vies", "SYSTEM"),
        ("milestone", "API"),
    ]
    assert "issued by Speedy" in entries[1].detail
    assert "consultation WAPI1" in entries[2].detail


def test_errors_of_fields_inside_a_field_show_next_to_it():
    errors = {"amount.value": "must be 0 or more", "vins[0].vin": "bad check digit"}
    assert field_error(errors, "amount") == "must be 0 or more"
    assert field_error(errors, "vins") == "bad check digit"
    assert field_error(errors, "invoiceNumber") is None
    assert FormErrors({}, "The order is cancelled.").detail == "The order is cancelled."


def test_charts_are_inline_svg_scaled_to_their_data():
    chart = bars("Orders", [("VALID", 3), ("INCOMPLETE", 6)])
    assert chart.startswith("<svg") and 'aria-label="Orders"' in chart
    assert "<title>VALID: 3</title>" in chart and "#2e7d32" in chart
    assert "nothing yet" in bars("Orders", [])
    columns = percent_columns("VIES", [("01.11", 100.0), ("02.11", None), ("03.11", 50.0)])
    assert columns.count("<rect") == 2 and "03.11: 50%" in columns
    assert "<script" not in bars("<script>", [("<b>", 1)])


def test_a_share_is_never_rounded_to_none_or_all():
    """1 failed delivery of 300 is not "0%" failed, 299 VIES answers of 300 not "100%"."""
    assert [percent(share(n, 300) or 0) for n in (0, 1, 2, 3, 150, 297, 298, 299, 300)] == [
        "0%", "<1%", "<1%", "1%", "50%", "99%", ">99%", ">99%", "100%",
    ]  # fmt: skip
    failed = percent_columns("Webhook deliveries failed", [("07.12", share(1, 300))])
    assert re.findall(r'class="value">([^<]+)<', failed) == ["&lt;1%"]
    assert "<title>07.12: &lt;1%</title>" in failed
    assert 'height="0"' not in failed  # a column, however thin
    available = percent_columns("VIES available", [("07.12", share(299, 300))])
    assert re.findall(r'class="value">([^<]+)<', available) == ["&gt;99%"]


def test_dashboard_figures():
    assert share(1, 4) == 25.0 and share(0, 0) is None
    rollups = [
        {"blockers": [{"code": "KYC_INCOMPLETE"}, {"code": "VIES_PENDING"}]},
        {"blockers": [{"code": "KYC_INCOMPLETE"}]},
        {},
    ]
    assert blocker_counts(rollups).most_common() == [("KYC_INCOMPLETE", 2), ("VIES_PENDING", 1)]
    days = [date(2026, 11, 22), date(2026, 11, 23)]
    checks = [(NOW, "VALID"), (NOW, "UNKNOWN"), (NOW, "INVALID"), (NOW, "UNKNOWN")]
    assert vies_availability(checks, days) == [(days[0], None), (days[1], 50.0)]
    deliveries = [(NOW - timedelta(days=1), "FAILED"), (NOW, "DELIVERED")]
    assert failure_rates(deliveries, days) == [(days[0], 100.0), (days[1], 0.0)]


def test_dunning_volume_follows_the_ladder_in_words():
    assert dunning_volume([(30, 2), (0, 5), (65, 1)]) == [
        ("Initial", 5),
        ("Reminder 1", 2),
        ("Payment plan agreed", 1),
    ]
    assert dunning_label(99) == "99"


def test_each_break_of_an_evidence_chain_is_named_by_what_it_records():
    """The order page names a broken entry as staff know it (the document by its file, the
    invoice by its type) and says why in words; a document or Export File whose stored file
    changed is marked and not served, one whose sealed record was changed is marked only."""
    from uuid import uuid4

    from api.web.evidence import chain_state
    from store.models import Document
    from store.orders.evidence import Break, Verification

    cmr, insurance = uuid4(), uuid4()
    documents = [
        Document(uuid=cmr, file_name="cmr.pdf", type="TRANSPORT_CMR"),
        Document(uuid=insurance, file_name="policy.pdf", type="TRANSPORT_INSURANCE"),
    ]
    verification = Verification(
        9,
        "a" * 64,
        "b" * 64,
        [
            Break(2, f"document:{cmr}", "the stored bytes no longer hash to x", "FILE_CHANGED"),
            Break(3, f"document:{insurance}:status:SUPERSEDED", "its hash ...", "ENTRY_ALTERED"),
            Break(4, "invoice:PRELIMINARY:2", "expected entry 4: ...", "ENTRY_MISSING"),
            Break(8, "export_file:1", "the stored bytes x are missing", "FILE_MISSING"),
            Break(None, None, "the order records head b, the entries give a", "HEAD"),
        ],
    )
    state = chain_state(verification, documents)
    assert not state.intact
    assert [(b.seq, b.what) for b in state.breaks] == [
        (2, "the document cmr.pdf (TRANSPORT_CMR)"),
        (3, "the document policy.pdf (TRANSPORT_INSURANCE) marked superseded"),
        (4, "the preliminary invoice, version 2"),
        (8, "Export File version 1"),
        (None, "the chain as a whole"),
    ]
    assert "changed after it was sealed" in state.breaks[0].why
    assert "missing from the document store" in state.breaks[3].why
    assert not state.documents[str(cmr)].served and state.documents[str(insurance)].served
    assert not state.export_files[1].served
