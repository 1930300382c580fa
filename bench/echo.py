"""The bare Temporal baseline: a workflow whose one Update and one Query answer at once.

A command of ours is an Update that also validates, re-evaluates the rollup and writes the read
model before answering; this workflow does none of that, so its Update round trip is what
Temporal itself costs on this machine.
"""

from __future__ import annotations

from temporalio import workflow


@workflow.defn
class BenchEchoWorkflow:
    def __init__(self) -> None:
        self.count = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.count

    @workflow.update
    def bump(self) -> int:
        self.count += 1
        return self.count

    @workflow.query
    def state(self) -> int:
        return self.count

    @workflow.signal
    def finish(self) -> None:
        self.done = True
