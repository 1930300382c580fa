"""Throughput figures with ``wrk`` (Debian package ``wrk``): a C load generator, so that what is
measured is the server; its own CPU is measured too, to show it is not the bottleneck."""

from __future__ import annotations

import asyncio
import re
import resource
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass
class WrkResult:
    name: str
    url: str
    connections: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int  # non-2xx/3xx answers, socket errors and timeouts
    generator_cpu: float  # wrk's CPU time over the run's wall time: 1.0 is one core
    output: str  # wrk's own report, kept in the JSON

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"generator": "wrk"}


def available() -> bool:
    return shutil.which("wrk") is not None


def lua(
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    paths: list[str] | None = None,
) -> str:
    """A wrk script: method, headers and body; with ``paths``, requests cycle through them."""
    lines = [f"wrk.method = {_lua_string(method)}"]
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    if body is not None:
        lines.append(f"wrk.body = {_lua_string(body)}")
    if paths:
        lines.append("local paths = {" + ", ".join(_lua_string(p) for p in paths) + "}")
        lines.append("local i = 0")
        lines.append("request = function()")
        lines.append("  i = i % #paths + 1")
        lines.append("  return wrk.format(nil, paths[i])")
        lines.append("end")
    return "\n".join(lines) + "\n"


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unreadable wrk duration {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def parse(output: str) -> dict[str, Any]:
    requests = re.search(r"(\d+) requests in ([\d.]+)(\w+),", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not requests or not rps:
        raise RuntimeError(f"wrk gave no figures:\n{output}")
    # wrk pads units to a fixed width: "1.15s " has a trailing blank
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.MULTILINE))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = sum(int(n) for n in socket.groups()) if socket else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(requests[1]),
        "rps": float(rps[1]),
        "p50_ms": _ms(percentiles["50"]) if "50" in percentiles else None,
        "p99_ms": _ms(percentiles["99"]) if "99" in percentiles else None,
        "errors": errors + (int(non_2xx[1]) if non_2xx else 0),
    }


async def run(
    name: str,
    url: str,
    *,
    connections: int,
    seconds: float,
    script: str,
    scripts_dir: Path,
) -> WrkResult:
    """One bounded wrk run (one thread: the machine's other core belongs to the servers)."""
    path = scripts_dir / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.lua"
    path.write_text(script)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = await asyncio.create_subprocess_exec(
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(path),
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(seconds + 60):
        output, _ = await process.communicate()
    # wrk is the only child reaped in this window: the servers run until the end
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = output.decode()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{text}")
    figures = parse(text)
    return WrkResult(
        name=name,
        url=url,
        connections=connections,
        seconds=seconds,
        generator_cpu=round(cpu / max(1, round(seconds)), 3),
        output=text,
        **figures,
    )
