"""An open run keeps nothing of its first activation: the parts of it the SDK keeps for the
run's life (the start's headers in the run's info and input, its memo, the last completion
result) are handed to the run as copies, equal to the activation's and independent of it, so
the activation's memory goes when the activation is done (worker.DetachedStartRunner,
worker.DetachedStartHeaders)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.bridge.proto.workflow_activation import InitializeWorkflow, WorkflowActivation
from temporalio.common import Priority, TypedSearchAttributes
from temporalio.converter import DataConverter, DefaultFailureConverter
from temporalio.worker import (
    ExecuteWorkflowInput,
    UnsandboxedWorkflowRunner,
    WorkflowInboundInterceptor,
    WorkflowInstance,
    WorkflowInstanceDetails,
    WorkflowRunner,
)
from temporalio.workflow import Info

from worker import DetachedStartHeaders, DetachedStartRunner
from workflows.round_trip import RoundTripWorkflow

pytestmark = pytest.mark.fast

TRACE = b'{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}'


def first_activation() -> tuple[WorkflowActivation, InitializeWorkflow]:
    """A run's first activation with a start header, a memo, a last result and a failure."""
    activation = WorkflowActivation(run_id="run-1")
    start = activation.jobs.add().initialize_workflow
    start.workflow_type = "RoundTripWorkflow"
    start.workflow_id = "round-trip-1"
    start.headers["_tracer-data"].CopyFrom(Payload(data=TRACE))
    start.memo.fields["origin"].CopyFrom(Payload(data=b'"api"'))
    start.last_completion_result.payloads.add(data=b'"last"')
    start.continued_failure.message = "the previous run failed"
    return activation, start


def info_of(start: InitializeWorkflow) -> Info:
    """The run's info as the SDK makes it: its headers and memo are views into the activation."""
    now = datetime.now(UTC)
    return Info(
        attempt=1,
        continued_run_id=None,
        cron_schedule=None,
        execution_timeout=None,
        first_execution_run_id="run-1",
        headers=dict(start.headers),
        namespace="default",
        original_execution_run_id="run-1",
        parent=None,
        root=None,
        priority=Priority.default,
        raw_memo=dict(start.memo.fields),
        retry_policy=None,
        run_id="run-1",
        run_timeout=None,
        search_attributes={},
        start_time=now,
        task_queue="nt24",
        task_timeout=timedelta(seconds=10),
        typed_search_attributes=TypedSearchAttributes.empty,
        workflow_id=start.workflow_id,
        workflow_start_time=now,
        workflow_type=start.workflow_type,
    )


class Capturing(WorkflowRunner):
    """Notes the details the run is created with, then creates it unsandboxed."""

    def __init__(self) -> None:
        self.inner = UnsandboxedWorkflowRunner()
        self.details: WorkflowInstanceDetails | None = None

    def prepare_workflow(self, defn: Any) -> None:
        self.inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        self.details = det
        return self.inner.create_instance(det)


def overwrite(start: InitializeWorkflow) -> None:
    """Changes every kept part inside the activation: a view would change with it."""
    start.headers["_tracer-data"].data = b"overwritten"
    start.memo.fields["origin"].data = b"overwritten"
    start.last_completion_result.payloads[0].data = b"overwritten"
    start.continued_failure.message = "overwritten"


async def test_a_run_is_created_with_copies_of_its_first_activation_parts() -> None:
    activation, start = first_activation()
    details = WorkflowInstanceDetails(
        payload_converter_factory=DataConverter.default.payload_converter_class,
        failure_converter_class=DefaultFailureConverter,
        interceptor_classes=[],
        defn=RoundTripWorkflow.__temporal_workflow_definition,  # type: ignore[attr-defined]
        info=info_of(start),
        randomness_seed=7,
        extern_functions={},
        disable_eager_activity_execution=False,
        worker_level_failure_exception_types=[],
        patch_activation_callback=None,
        last_completion_result=start.last_completion_result,
        last_failure=start.continued_failure,
    )
    capturing = Capturing()
    runner = DetachedStartRunner(capturing)
    runner.prepare_workflow(details.defn)
    runner.create_instance(details)
    created = capturing.details
    assert created is not None

    overwrite(start)

    assert created.info.headers["_tracer-data"].data == TRACE
    assert created.info.raw_memo["origin"].data == b'"api"'
    assert [p.data for p in created.last_completion_result.payloads] == [b'"last"']
    assert isinstance(created.last_failure, Failure)
    assert created.last_failure.message == "the previous run failed"
    # everything else is the SDK's own
    assert created.info.workflow_id == "round-trip-1"
    assert created.randomness_seed == 7
    assert activation.run_id == "run-1"


class Next(WorkflowInboundInterceptor):
    def __init__(self) -> None:
        self.seen: ExecuteWorkflowInput | None = None

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        self.seen = input
        return "done"


async def test_the_run_input_carries_copies_of_the_start_headers() -> None:
    _, start = first_activation()
    run_input = ExecuteWorkflowInput(
        type=RoundTripWorkflow,
        run_fn=RoundTripWorkflow.run,
        args=[],
        headers=start.headers,  # as the SDK passes them: the activation's own map
    )
    following = Next()
    interceptor = DetachedStartHeaders().workflow_interceptor_class(None)(following)  # type: ignore[arg-type]

    assert await interceptor.execute_workflow(run_input) == "done"
    overwrite(start)

    assert following.seen is run_input  # the SDK keeps this very object for the run's life
    assert dict(run_input.headers)["_tracer-data"].data == TRACE
