"""Where a command's time goes, hop by hop: lifecycles one at a time on a traced stack.

    .venv/bin/python -m bench.timeline [--lifecycles 6]

A stack of its own (bench/stack.py, SQLite unless ``NT24_BENCH_DATABASE_URL``) with
``NT24_TRACING_EXPORTER=console`` on the API and the worker runs one warm-up lifecycle, then
``--lifecycles`` more one at a time. Each Update of those (not the warm-up's) is then put
together from the spans both processes printed:

- **to task**: from the API's Update call to its workflow task's start (the task's time, as
  the workflow sees it);
- **task -> write**: from there to the read-model write running as a local activity (the task
  reaching the worker, its payloads decoded, the handler, the completion encoded, the local
  activity dispatched and its input decoded);
- **write**: the read-model write itself;
- **write -> answer**: from its end to the API holding the Update's outcome (a second
  activation, the completion, the server);
- **API around it**: the request's time in the API outside the Update (authentication, rate
  limit, Idempotency-Key claim and stored answer, the answer's rendering).

Prints the median of each per Update (ms). Tracing costs time of its own, so the figures are
each hop's share, not a command's untraced latency. Never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from pathlib import Path

from bench.lifecycle import UPLOADS_PER_LIFECYCLE, Recorder, Seller, pdfs
from bench.run import start_session
from bench.stack import BenchStack
from store.migrate import upgrade

HOPS = ("to task", "task -> write", "write", "write -> answer", "API around it")
UPDATE_CALLS = ("StartWorkflowUpdate:", "StartUpdateWithStartWorkflow:")
# the workflow's spans carry its task's time, read from the server's clock: a task may seem to
# start a moment before the call that caused it
CLOCK_SLACK = 0.002
_START = attrgetter("start")


@dataclass(frozen=True)
class Span:
    name: str
    span_id: str
    parent_id: str | None
    start: float  # seconds since the epoch
    end: float


def spans_in(log: Path) -> list[Span]:
    """The spans ``ConsoleSpanExporter`` printed into a process's log, among its log lines."""
    text, decoder, found, at = log.read_text(errors="replace"), json.JSONDecoder(), [], 0
    while (start := text.find("\n{", at)) >= 0:
        try:
            span, at = decoder.raw_decode(text, start + 1)
        except json.JSONDecodeError:
            at = start + 2
            continue
        if isinstance(span, dict) and "start_time" in span and "context" in span:
            found.append(
                Span(
                    span["name"],
                    span["context"]["span_id"],
                    span.get("parent_id"),
                    _seconds(span["start_time"]),
                    _seconds(span["end_time"]),
                )
            )
    return found


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def timelines(spans: list[Span], since: float) -> dict[str, list[tuple[float, ...]]]:
    """The hops (``HOPS``, in ms) of each Update the API called from ``since`` (epoch seconds)
    on, under the Update's name."""
    by_id = {span.span_id: span for span in spans}
    handled = sorted((s for s in spans if s.name.startswith("HandleUpdate:")), key=_START)
    writes = sorted((s for s in spans if s.name == "RunActivity:write_order"), key=_START)
    found: dict[str, list[tuple[float, ...]]] = defaultdict(list)
    calls = (s for s in spans if s.name.startswith(UPDATE_CALLS) and s.start >= since)
    for call in calls:
        task = next((s for s in handled if call.start - CLOCK_SLACK <= s.start <= call.end), None)
        if task is None:
            continue
        write = next((s for s in writes if task.start <= s.start <= call.end), None)
        request = by_id.get(call.parent_id or "")
        if write is None or request is None:
            continue
        name = task.name.split(":", 1)[1]  # the Update's own name
        if call.name.startswith("StartUpdateWithStartWorkflow:"):
            name += " (with the workflow's start)"
        found[name].append(
            tuple(
                1000 * ms
                for ms in (
                    task.start - call.start,
                    write.start - task.start,
                    write.end - write.start,
                    call.end - write.end,
                    (request.end - request.start) - (call.end - call.start),
                )
            )
        )
    return found


def report(found: dict[str, list[tuple[float, ...]]]) -> str:
    lines = [f"| Update | n | {' | '.join(HOPS)} | total |", "|---" * (len(HOPS) + 3) + "|"]
    for name, rows in sorted(found.items()):
        medians = [statistics.median(row[i] for row in rows) for i in range(len(HOPS))]
        total = statistics.median(sum(row) for row in rows)
        cells = " | ".join(f"{ms:.1f}" for ms in medians)
        lines.append(f"| {name} | {len(rows)} | {cells} | {total:.1f} |")
    return "\n".join(lines)


async def drive(stack: BenchStack, lifecycles: int) -> float:
    """A warm-up lifecycle, then ``lifecycles``; answers when these began (epoch seconds)."""
    session = await start_session(stack)
    documents = pdfs(UPLOADS_PER_LIFECYCLE * (lifecycles + 1))
    seller = Seller(session.api, session.seeded.seller_uuid, Recorder(), documents)
    await seller.lifecycle()
    since = time.time()
    for _ in range(lifecycles):
        await seller.lifecycle()
    await asyncio.sleep(2)  # the last spans printed
    await session.api.close()
    return since


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and its logs")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="nt24-timeline-"))
    stack = BenchStack(root, os.environ.get("NT24_BENCH_DATABASE_URL") or None)
    stack.env["NT24_TRACING_EXPORTER"] = "console"
    try:
        stack.start_temporal()
        upgrade(stack.database_url)
        stack.start_services()
        since = asyncio.run(drive(stack, args.lifecycles))
    finally:
        stack.stop()
    spans = spans_in(stack.logs / "api.log") + spans_in(stack.logs / "worker.log")
    print(report(timelines(spans, since)))
    if args.keep:
        print(f"Logs kept in {root}", file=sys.stderr)
    else:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
