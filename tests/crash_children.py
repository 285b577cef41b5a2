"""What the builds of test_crash run in their own processes (forked by a build server).

Apart from the tests so that a child imports only this and the tool, which the server has
imported already, not pytest and the test helpers.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def killed_child(
    root: Path, output: Path, kill_at: int, when: str, exchange: bool, steps_file: Path
) -> None:
    """`build` of the project whose work is to publish a copy of `output`, killed (SIGKILL) at
    the `kill_at`-th step of the swap, `when` before or after it; the steps in `steps_file`.

    The build takes the lock, settles what a killed build left and publishes as every build
    does; only what it stages is a copy of a known output instead of one rendered anew: the
    swap is the same whatever the output holds; whole builds killed at random moments
    (staged_child) are tested apart.
    """
    import generator.build as build_module
    import generator.common.publish as publish

    steps = [0]
    inside = [False]

    def counted(function: Any) -> Any:
        def step(*args: Any, **kwargs: Any) -> Any:
            if not inside[0]:
                return function(*args, **kwargs)
            steps[0] += 1
            if steps[0] == kill_at and when == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            try:
                return function(*args, **kwargs)
            finally:
                if steps[0] == kill_at and when == "after":
                    os.kill(os.getpid(), signal.SIGKILL)

        return step

    def no_exchange(first: Path, second: Path) -> None:
        raise OSError(errno.ENOSYS, "no renameat2")

    swap = publish.swap

    def swap_counted(staging: Path, out: Path) -> None:
        inside[0] = True
        swap(staging, out)
        inside[0] = False
        steps_file.write_text(str(steps[0]))

    def publish_copy(root: Path, out: Path, options: Any, report: Any) -> Any:
        with publish.publishing(out) as staging:  # as _build does around its renderers
            shutil.copytree(output, staging, symlinks=True, dirs_exist_ok=True)
        return build_module.BuildResult(out=out)

    publish.exchange = counted(publish.exchange if exchange else no_exchange)
    publish.remove_tree = counted(publish.remove_tree)
    publish.os.rename = counted(os.rename)  # type: ignore[attr-defined]
    publish.os.symlink = counted(os.symlink)  # type: ignore[attr-defined]
    publish.swap = swap_counted
    build_module._build = publish_copy  # type: ignore[assignment]
    build_module.build(root, build_module.BuildOptions(jobs=1))


def staged_child(root: Path, stages: Path, kill_stage: str, delay: float) -> None:
    """A whole build that notes each stage it enters in `stages` and kills itself (SIGKILL)
    `delay` seconds after entering `kill_stage`; the timings of a build not killed in `stages`."""
    import threading

    import generator.build as build_module
    from generator.build import BuildOptions, build

    timed = build_module._timed

    @contextmanager
    def noted(result: Any, stage: str) -> Iterator[None]:
        with stages.open("a", encoding="utf-8") as handle:
            handle.write(stage + "\n")
        if stage == kill_stage:
            kill = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGKILL))
            kill.daemon = True
            kill.start()
        with timed(result, stage):
            yield

    build_module._timed = noted  # type: ignore[assignment]
    result = build(root, BuildOptions(jobs=1))
    stages.write_text(json.dumps(result.timings), encoding="utf-8")


def waiting_child(root: Path, go: Path) -> None:
    """A whole build that waits, before swapping its output in, for `go` to exist."""
    import generator.common.publish as publish
    from generator.build import BuildOptions, build

    swap = publish.swap

    def waiting_swap(staging: Path, out: Path) -> None:
        while not go.exists():
            time.sleep(0.02)
        swap(staging, out)

    publish.swap = waiting_swap
    build(root, BuildOptions(jobs=1))
