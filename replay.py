"""Replaying production histories against the current workflow code (docs/operations.md).

``nt24-admin replay WORKFLOW_ID`` fetches one history from the configured Temporal and replays
it with the worker's own sandbox and data converter; ``nt24-admin capture WORKFLOW_ID NAME``
keeps one under tests/histories/ for the replay tests; ``nt24-admin replay-recent`` replays,
before a deploy, every open history and the last N closed ones of each workflow type.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import _Definition

from api.shared.converter import DATA_CONVERTER
from api.shared.payload_codec import decoded_history
from worker import WORKFLOWS, workflow_runner

HISTORIES = Path(__file__).resolve().parent / "tests" / "histories"


@dataclass
class Outcome:
    workflow_id: str
    run_id: str | None
    failure: str | None  # None: the history replays deterministically

    def line(self) -> str:
        run = f" (run {self.run_id})" if self.run_id else ""
        if self.failure is None:
            return f"ok      {self.workflow_id}{run}"
        return f"FAILED  {self.workflow_id}{run}: {self.failure}"


def replayer() -> Replayer:
    """The worker's workflows, sandbox and converter; the tracing interceptor too, as the worker
    may have written its headers (it creates no span while replaying)."""
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return Replayer(
        workflows=list(WORKFLOWS),
        data_converter=DATA_CONVERTER,
        workflow_runner=workflow_runner(strict=True),
        interceptors=[TracingInterceptor()],
    )


def describe_failure(history: WorkflowHistory, error: BaseException) -> str:
    """The nondeterminism as Temporal reports it, with the event it names when there is one."""
    found = re.search(r'message: "(.*?)", source', str(error))
    text = f"{type(error).__name__}: {found.group(1) if found else error}"
    events = {e.event_id: e for e in history.events}
    for word in str(error).replace(",", " ").split():
        if word.isdigit() and int(word) in events:
            event = events[int(word)]
            kind = event.WhichOneof("attributes") or "event"
            return f"{text}\n        event {event.event_id}: {kind.removesuffix('_attributes')}"
    return text


async def replay_history(history: WorkflowHistory, run_id: str | None = None) -> Outcome:
    result = await replayer().replay_workflow(history, raise_on_replay_failure=False)
    failure = result.replay_failure
    return Outcome(
        history.workflow_id, run_id, None if failure is None else describe_failure(history, failure)
    )


async def replay_one(client: Client, workflow_id: str, run_id: str | None = None) -> Outcome:
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    return await replay_history(history, run_id)


async def capture(client: Client, workflow_id: str, name: str, folder: Path = HISTORIES) -> Path:
    """Keep the workflow's history as tests/histories/NAME.json, as the tests' capture does."""
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError("NAME may have letters, digits, '-' and '_' only")
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    # kept in clear: the replay tests read it without this deployment's payload keys
    history = await decoded_history(history, client.data_converter.payload_codec)
    path = folder / f"{name}.json"
    saved = {"workflowId": history.workflow_id} | json.loads(history.to_json())
    path.write_text(json.dumps(saved, indent=1))
    return path


def workflow_types() -> list[str]:
    names = [_Definition.must_from_class(cls).name for cls in WORKFLOWS]
    return [name for name in names if name is not None]  # None: dynamic, none of ours is


async def replay_recent(client: Client, closed_per_type: int) -> list[Outcome]:
    """Every open run and the last ``closed_per_type`` closed runs of each workflow type."""
    outcomes: list[Outcome] = []
    for name in workflow_types():
        queries = [
            (f"WorkflowType = '{name}' AND ExecutionStatus = 'Running'", None),
            (f"WorkflowType = '{name}' AND ExecutionStatus != 'Running'", closed_per_type),
        ]
        for query, limit in queries:
            if limit == 0:
                continue
            histories: Any = client.list_workflows(query, limit=limit).map_histories()
            async for history in histories:
                outcomes.append(await replay_history(history))
    return outcomes
