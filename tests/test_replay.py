"""Every saved history under tests/histories/ replays against today's workflow code.

A change that breaks a running workflow fails here; guard it with ``workflow.patched``.
Capture new histories with ``NT24_CAPTURE_HISTORIES=1 scripts/test``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from worker import WORKFLOWS, workflow_runner
from workflows.converter import DATA_CONVERTER

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_there_are_histories_to_replay():
    assert HISTORIES, "tests/histories/ holds no history: the replay test would prove nothing"


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays_deterministically(path: Path):
    saved = json.loads(path.read_text())
    history = WorkflowHistory.from_json(saved.pop("workflowId", path.stem), saved)
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=DATA_CONVERTER, workflow_runner=workflow_runner()
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
