"""Rendering and signing an Export File, off the worker's event loop.

Rendering (reportlab) and sealing and signing (pypdf, pyhanko) an Export File take tens of
milliseconds of pure Python. In a thread of the worker they hold the interpreter lock that the
worker's event loop, and so every workflow task and read-model write, waits for. With
``NT24_EXPORT_FILE_PROCESSES`` > 0 they run in that many processes of their own (started with
the worker, by ``spawn``: the worker's threads are never forked), and the worker only waits
for the bytes; with 0 they run in a thread of the worker, as the test suite does.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from temporalio.exceptions import ApplicationError

from activities.orders.export_file_pdf import ExportFileContent, render_export_file
from activities.orders.export_file_signing import ExportFileSigner, Seal


def sealed_export_file(signer: ExportFileSigner, content: ExportFileContent, seal: Seal) -> bytes:
    """The Export File's PDF, its seal page appended and signed: a function of picklable
    values, so that another process can run it."""
    return signer.seal_and_sign(render_export_file(content), seal)


_PR_SET_PDEATHSIG = 1


def _end_with_the_worker(worker_pid: int) -> None:
    """In a rendering process, first: end when the worker that started it ends, however it
    ends (killed included, Linux), rather than live on alone. Elsewhere the pool's shutdown
    at the worker's exit stops it."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != worker_pid:  # the worker ended before the line above
        os._exit(0)


def _start_rendering(worker_pid: int) -> None:
    """A rendering process's first step, once the spawn has imported the worker's modules."""
    _end_with_the_worker(worker_pid)
    # those modules live as long as the process: out of the collector's reach, a full
    # collection walks what the renderings hold (about 240,000 objects fewer)
    gc.collect()
    gc.freeze()


class ExportFileRenderer:
    """Renders and signs Export Files in ``processes`` processes (0: in a thread).

    The processes start with the renderer, so with the worker: a spawned process imports the
    worker's modules anew, about a second of CPU that the first Export File would otherwise
    wait for, while the first orders' commands share the cores with it."""

    def __init__(self, signer: ExportFileSigner, processes: int = 0) -> None:
        self.signer = signer
        self.processes = processes
        self._pool = self._started_pool() if processes > 0 else None

    def _started_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_rendering,
            initargs=(os.getpid(),),
        )
        for _ in range(self.processes):
            pool.submit(os.getpid)  # a task no process is idle for starts one
        return pool

    async def render(self, content: ExportFileContent, seal: Seal) -> bytes:
        if self.processes <= 0:
            return await asyncio.to_thread(sealed_export_file, self.signer, content, seal)
        if self._pool is None:
            self._pool = self._started_pool()
        try:
            return await asyncio.wrap_future(
                self._pool.submit(sealed_export_file, self.signer, content, seal)
            )
        except BrokenProcessPool as exc:
            # a rendering process died (killed, out of memory): the next attempt gets new ones
            self._pool = None
            raise ApplicationError("the Export File's rendering process died") from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
