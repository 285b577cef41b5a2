"""Crash safety: workers die with the build, kill -9 never leaves a missing or mixed output, one build per project at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: A parent process that starts the PDF (spawn) or chart (fork) worker pool with every worker
#: busy, prints the workers' process ids and then waits to be killed.
POOL_PARENT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from generator.render.pool import ChunkPool

    def busy(chunk):
        Path(sys.argv[2], str(os.getpid())).touch()
        time.sleep(600)

    if __name__ == "__main__":
        pool = ChunkPool(busy, list(range(6)), 2, 1, start_method=sys.argv[1])
        pool.start()
        while len(os.listdir(sys.argv[2])) < 2:
            time.sleep(0.05)
        print(" ".join(sorted(os.listdir(sys.argv[2]))), flush=True)
        time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has finished; it only waits to be reaped by init


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_workers_die_when_the_build_is_killed(tmp_path: Path, method: str) -> None:
    script = tmp_path / "parent.py"
    script.write_text(POOL_PARENT, encoding="utf-8")
    pids = tmp_path / "pids"
    pids.mkdir()
    parent = subprocess.Popen(
        [sys.executable, str(script), method, str(pids)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline()
        workers = [int(p) for p in line.split()]
        assert workers, "the pool started no worker"
        assert all(_alive(p) for p in workers)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=60)
        deadline = time.monotonic() + 60  # a generous bound, not a measurement
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in workers), "workers outlived the killed build"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
