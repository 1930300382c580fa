"""Every saved history under tests/histories/ replays against today's workflow code.

A change that breaks a running workflow fails here; guard it with ``workflow.patched``.
Capture new histories with ``NT24_CAPTURE_HISTORIES=1 scripts/test``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import (
    Interceptor,
    Replayer,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)
from temporalio.workflow import _Definition

from api.shared.converter import DATA_CONVERTER
from worker import WORKFLOWS, workflow_runner

pytestmark = pytest.mark.fast

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_there_are_histories_to_replay():
    assert HISTORIES, "tests/histories/ holds no history: the replay test would prove nothing"


def _started_type(path: Path) -> str:
    first = json.loads(path.read_text())["events"][0]
    return first["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]


def test_every_registered_workflow_type_has_a_saved_history():
    """A workflow the worker runs but no history holds is a workflow whose changes nothing
    replays: capture one (tests/conftest.py ``capture_history``) when registering a workflow."""
    registered = {_Definition.must_from_class(cls).name for cls in WORKFLOWS}
    saved = {_started_type(path) for path in HISTORIES}
    assert registered - saved == set(), f"no saved history for {sorted(registered - saved)}"


# as the worker runs them, and re-imported with the sandbox's checks on the workflow code
@pytest.mark.parametrize("strict", [False, True], ids=["worker", "strict"])
@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays_deterministically(path: Path, strict: bool):
    saved = json.loads(path.read_text())
    history = WorkflowHistory.from_json(saved.pop("workflowId", path.stem), saved)
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        data_converter=DATA_CONVERTER,
        workflow_runner=workflow_runner(strict=strict),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


class _WritesKept(Interceptor):
    """Keeps what the order's read-model writes carry (the ``write_order`` local activity)."""

    def __init__(self) -> None:
        self.written: list[Any] = []

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        written = self.written

        class Outbound(WorkflowOutboundInterceptor):
            def start_local_activity(
                self, input: StartLocalActivityInput
            ) -> workflow.ActivityHandle[Any]:
                if input.activity == "write_order":
                    written.append(input.args[0])
                return super().start_local_activity(input)

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(Outbound(outbound))

        return Inbound


async def test_a_payment_corrected_before_the_deploy_keeps_no_correction_time():
    """Rule set 2026.12.6 sets aside a proof received before the payment's correction; a
    running order whose payment was corrected before the correction time was recorded has
    none (its proofs were judged with it). Replayed on today's worker, such an order's PATCH
    recorded the time all the same, and its proofs stopped counting."""
    path = Path(__file__).parent / "histories" / "order_patched.json"
    saved = json.loads(path.read_text())
    assert "patch_payment" in json.dumps(saved)
    history = WorkflowHistory.from_json(saved.pop("workflowId", path.stem), saved)
    kept = _WritesKept()
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        data_converter=DATA_CONVERTER,
        workflow_runner=workflow_runner(strict=False),
        interceptors=[kept],
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
    payments = [w.resources.payment for w in kept.written if w.resources.payment is not None]
    assert payments, "the history writes no payment"
    assert [p.corrected_at for p in payments if p.corrected_at is not None] == []
