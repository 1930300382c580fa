"""A change that running workflows take up from their first step after the deploy.

``workflow.patched`` answers once per run and id: a workflow begun before the deploy hears "no"
while its history replays, and keeps that answer for the rest of its run. ``adopted`` asks again
under an id of the moment (``<id>-at-<history length>``, the same in every replay) until one is
answered "yes", which leaves the marker later replays find; the caller keeps that answer. A
history made before the change has a marker for neither: its replay hears "no" and takes the
turns it took."""

from __future__ import annotations

from temporalio import workflow


def adopted(patch_id: str) -> bool:
    """Whether this step of the workflow takes up the change ``patch_id``."""
    at = workflow.info().get_current_history_length()
    return workflow.patched(patch_id) or workflow.patched(f"{patch_id}-at-{at}")
