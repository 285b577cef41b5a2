"""CPU time of each test, to find what makes the suite slow (a pytest plugin, off by default).

    BULLETIN_TEST_CPU=cpu PYTHONPATH=tests .venv/bin/python -m pytest -p cpu_usage
    .venv/bin/python tests/cpu_usage.py cpu

Each process (an xdist worker, or pytest alone) writes `<folder>/<worker>.tsv`: per test and
phase (setup, call, teardown) the CPU seconds of the process itself and of the children it
waited for. A child counts when it is reaped: a session's Chromium at the end of the run, a
forkserver's builds never (they are the server's children). Run alone, the script sums the
files by module and lists the costliest tests.
"""

from __future__ import annotations

import os
import resource
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_rows: list[str] = []


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _timed(item: pytest.Item, phase: str) -> Iterator[None]:
    before = _cpu()
    try:
        yield
    finally:  # a failing test is timed too
        after = _cpu()
        own, children = after[0] - before[0], after[1] - before[1]
        _rows.append(f"{item.nodeid}\t{phase}\t{own:.3f}\t{children:.3f}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    return (yield from _timed(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    return (yield from _timed(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    return (yield from _timed(item, "teardown"))


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = os.environ.get("BULLETIN_TEST_CPU")
    if not folder or not _rows:
        return
    own, children = _cpu()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(folder).mkdir(parents=True, exist_ok=True)
    lines = [f"#process\t\t{own:.3f}\t{children:.3f}", *_rows]
    (Path(folder) / f"{worker}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def summary(folder: Path, top: int = 40) -> str:
    """The modules by CPU seconds, then the `top` costliest test phases."""
    modules: Counter[str] = Counter()
    tests: Counter[str] = Counter()
    total = 0.0
    for path in sorted(folder.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            name, phase, own, children = line.split("\t")
            cpu = float(own) + float(children)
            if name.startswith("#"):
                total += cpu
                continue
            modules[name.split("::")[0]] += cpu
            tests[f"{phase:8} {name}"] += cpu
    out: list[Any] = [f"{total:8.1f}  the processes in all, of which in tests:"]
    out += [f"{cpu:8.1f}  {name}" for name, cpu in modules.most_common()]
    out += ["", *(f"{cpu:8.1f}  {name}" for name, cpu in tests.most_common(top))]
    return "\n".join(out)


if __name__ == "__main__":
    print(summary(Path(sys.argv[1])))
