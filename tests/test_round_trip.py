"""Proof the pipe is real: HTTP login -> endpoint -> workflow on the dev server -> worker ->
activity -> PostgreSQL -> answer; the history is the one the replay test keeps."""

from __future__ import annotations

from temporalio.client import WorkflowExecutionStatus

from tests.conftest import Stack, capture_history, make_tenant


async def test_round_trip_runs_a_workflow_through_the_worker(stack: Stack):
    tenant = await make_tenant(stack.db)
    token = await stack.login(tenant.username, tenant.password)
    async with stack.http(token) as http:
        answer = await http.post("/v1/api/diagnostics/round-trip/", json={"message": "hello"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["organization_name"] == f"Org {tenant.org_slug.removeprefix('org-')}"
    assert body["message"] == "hello"
    assert body["confirmed_by"]  # the worker that ran the activity said who it is

    handle = stack.client.get_workflow_handle(body["workflow_id"])
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.COMPLETED
    history = await handle.fetch_history()
    kinds = {e.WhichOneof("attributes") for e in history.events}
    assert "activity_task_completed_event_attributes" in kinds
    await capture_history(handle, "round_trip")


async def test_round_trip_needs_a_token(stack: Stack):
    async with stack.http() as http:
        answer = await http.post("/v1/api/diagnostics/round-trip/", json={})
    assert answer.status_code == 401
