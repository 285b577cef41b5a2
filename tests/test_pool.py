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


#: Two pools in a row with the workers kept: each worker start is written down, then the second
#: pool's work is done (and its workers are gone once the `with` block ends).
KEPT_WORK = textwrap.dedent(
    """
    import os, time

    def started(folder):
        with open(os.path.join(folder, "starts"), "a") as f:
            f.write(f"{os.getpid()}\\n")

    def run(folder, chunk):
        for item in chunk:
            with open(os.path.join(folder, f"done-{item}"), "w") as f:
                f.write(str(os.getpid()))
            time.sleep(0.05)
    """
)

KEPT_MAIN = textwrap.dedent(
    """
    import os, sys
    from functools import partial
    from generator.render.pool import ChunkPool, KeptWorkers
    import work

    if __name__ == "__main__":
        folder = sys.argv[1]
        pids = []
        with KeptWorkers() as kept:
            for first in (0, 100):
                ChunkPool(partial(work.run, folder), list(range(first, first + 12)), 1, 1,
                          start_method="spawn", initializer=work.started,
                          initargs=(folder,), kept=kept)()
            pids = [int(p) for p in open(os.path.join(folder, "starts")).read().split()]
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        print("alive after the block:", alive)
    """
)


def test_workers_kept_from_one_pool_to_the_next_start_once_and_stop_at_the_end(
    tmp_path: Path,
) -> None:
    """The build's PDF workers (Typst and the system's fonts: ~2 CPU-s each to start) are kept
    from the bulletins to the units' reports: one start per worker, not one per pool."""
    (tmp_path / "work.py").write_text(KEPT_WORK, encoding="utf-8")
    (tmp_path / "main.py").write_text(KEPT_MAIN, encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "main.py", str(folder)],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{repo}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (folder / "starts").read_text().split() != []
    assert len((folder / "starts").read_text().split()) == 1  # one worker, started once
    assert done.stdout.strip() == "alive after the block: []"
    items = sorted(int(p.name.split("-")[1]) for p in folder.glob("done-*"))
    assert items == list(range(12)) + list(range(100, 112))  # every item of both pools, once
