"""A worker process that dies (the system kills it for lack of memory, say) stops the work with
a Chinese message, at once, with no traceback: never a Python error, never a process that waits
for ever (Python 3.11's pool did both when this process had taken chunks back)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.render.pool import WORKER_DIED

#: The work: a worker kills itself (SIGKILL) on its first chunk; this process takes chunks back
#: from the end meanwhile, slowly enough for the workers to have started.
WORK = textwrap.dedent(
    """
    import os, signal, time

    PARENT = int(os.environ["POOL_PARENT"])


    def run(chunk):
        if os.getpid() != PARENT:
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.1)
    """
)

MAIN = textwrap.dedent(
    """
    import os, sys
    os.environ.setdefault("POOL_PARENT", str(os.getpid()))  # a spawned worker runs this too
    from generator.common.errors import BuildError
    from generator.render.pool import ChunkPool
    import work

    if __name__ == "__main__":
        try:
            ChunkPool(work.run, list(range(60)), 2, 1, start_method=sys.argv[1])()
        except BuildError as exc:
            print("BuildError:", exc)
            sys.exit(1)
        print("finished")
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_a_worker_that_dies_stops_the_work_with_a_message(
    tmp_path: Path, start_method: str
) -> None:
    (tmp_path / "work.py").write_text(WORK, encoding="utf-8")
    (tmp_path / "main.py").write_text(MAIN, encoding="utf-8")
    repo = Path(__file__).resolve().parent.parent
    env_path = f"{tmp_path}:{repo}"
    try:
        done = subprocess.run(
            [sys.executable, "main.py", start_method],
            cwd=tmp_path,
            env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=120,  # generous: before, it never ended
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the work never ended after its worker died")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.strip() == f"BuildError: {WORKER_DIED}"
    assert "Traceback" not in done.stderr, done.stderr
    assert "内存不足" in WORKER_DIED and "--jobs 1" in WORKER_DIED
