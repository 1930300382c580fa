"""The Export File rendered and signed in a process of its own (NT24_EXPORT_FILE_PROCESSES):
the same verified file as in a thread, and a rendering process that dies costs one attempt."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError

from activities.buyers.kyc_profile_pdf import self_signed
from activities.orders.export_file_render import ExportFileRenderer
from activities.orders.export_file_signing import ExportFileSigner, Seal, verify_export_file
from store.orders.rule_sets import RULE_SET, RULE_SET_DIGEST
from tests.test_export_file_pdf import full_content

PROJECT = Path(__file__).resolve().parent.parent
SEAL = Seal("ab" * 32, RULE_SET, RULE_SET_DIGEST, (("TRANSPORT_CMR cmr.pdf", "cd" * 32),))


async def test_a_rendering_process_signs_the_file_the_thread_would():
    platform = self_signed("NT24 test platform")
    signer = ExportFileSigner(platform)
    in_process = ExportFileRenderer(signer, processes=1)
    try:
        pdf = await in_process.render(full_content(), SEAL)
        # pyhanko's validation runs its own event loop: off ours
        checked = await asyncio.to_thread(verify_export_file, pdf, [platform.certificate_pem])
        assert checked.valid, checked.problem
        assert checked.seal == SEAL.info()
        # reportlab renders invariantly: the process's file is the thread's, up to the
        # signature (its time and CMS differ per signing)
        in_thread = await ExportFileRenderer(signer, processes=0).render(full_content(), SEAL)
        assert pdf[:2000] == in_thread[:2000]
    finally:
        in_process.close()


def test_the_rendering_processes_start_with_the_renderer_not_with_the_first_file():
    # a spawned process imports the worker's modules anew (about a second of CPU): with the
    # worker's start, not while the first decided order waits and its commands share the cores
    renderer = ExportFileRenderer(ExportFileSigner(self_signed("x")), processes=2)
    try:
        assert renderer._pool is not None
        assert len(renderer._pool._processes) == 2
    finally:
        renderer.close()
    assert ExportFileRenderer(ExportFileSigner(self_signed("x")), processes=0)._pool is None


async def test_a_dead_rendering_process_fails_one_attempt_and_the_next_gets_a_new_one():
    platform = self_signed("NT24 test platform")
    renderer = ExportFileRenderer(ExportFileSigner(platform), processes=1)
    try:
        await renderer.render(full_content(), SEAL)
        assert renderer._pool is not None
        for pid in list(renderer._pool._processes):  # the OOM killer, say
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(ApplicationError, match="rendering process died"):
            await renderer.render(full_content(), SEAL)
        pdf = await renderer.render(full_content(), SEAL)  # the activity's retry
        check = await asyncio.to_thread(verify_export_file, pdf, [platform.certificate_pem])
        assert check.valid, check.problem
    finally:
        renderer.close()


def test_a_rendering_process_ends_with_the_worker_that_started_it(tmp_path):
    """A worker killed outright leaves no renderer behind."""
    script = tmp_path / "worker.py"
    script.write_text(
        "import asyncio, os, sys\n"
        "from activities.buyers.kyc_profile_pdf import self_signed\n"
        "from activities.orders.export_file_render import ExportFileRenderer\n"
        "from activities.orders.export_file_signing import ExportFileSigner\n"
        "from tests.test_export_file_pdf import full_content\n"
        "from tests.test_export_file_render import SEAL\n"
        "if __name__ == '__main__':\n"
        "    renderer = ExportFileRenderer(ExportFileSigner(self_signed('x')), processes=1)\n"
        "    asyncio.run(renderer.render(full_content(), SEAL))\n"
        "    print(*renderer._pool._processes, flush=True)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    run = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT,
        env=os.environ | {"PYTHONPATH": str(PROJECT)},
    )
    renderers = [int(pid) for pid in run.stdout.split()]
    assert renderers, run.stderr
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in renderers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in renderers)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status  # a zombie has ended; only its parent may reap it
