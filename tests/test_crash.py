"""Crash safety: workers die with the build, kill -9 never leaves a missing or mixed output, one build per project at a time."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import Project, copy_built
from crash_children import killed_child, staged_child, waiting_child

from generator.cli import cli

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


# ---- kill -9 of whole builds --------------------------------------------------------------

TIMEOUT = 300.0
WRITEUP = """---
title: 东镇召开职工代表大会
date: 2026-10-12
unit: "990101"
---

{body}
"""
VERSIONS = (
    "东镇召开第一届职工代表大会，审议通过集体合同。",
    "东镇召开职工代表大会，选举产生新一届工会委员会。",
)


def _forkserver() -> Any:
    """Builds run in children of a clean server process (multiprocessing's "forkserver").

    Forking pytest itself is unsafe once an earlier test has used Typst, whose threads do not
    survive a fork; the server has imported the tool and the libraries its stages import
    (FORKSERVER_PRELOAD) but never compiled nor drawn anything, so each build starts at once
    and spends its stages on their work, not on imports.
    """
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FORKSERVER_PRELOAD)
    return context


#: What the build server imports once for all the builds it forks: the tool's stages and their
#: libraries (pandas, openpyxl, matplotlib, MkDocs), none of which starts a thread on import.
#: Typst (generator.render.pdf, generator.render.fonts) is left to each build, as its threads would
#: not survive the fork.
FORKSERVER_PRELOAD = [
    "generator.build",
    "generator.common.publish",
    "generator.rosters.load",
    "generator.model.assemble",
    "generator.figures.reduce",
    "generator.render.files",
    "generator.render.dist",
    "generator.render.site",
    "generator.render.charts",
    "openpyxl",
    "xlsxwriter",  # imported by the files stage only when it writes (generator.common.tables)
    "matplotlib.pyplot",
    "mkdocs.commands.build",
    "material",
    "jieba",
    "build_server",  # jieba's dictionary, made once (tests/build_server.py)
]


def _start(target: Any, *args: Any) -> Any:
    process = _forkserver().Process(target=target, args=args)
    process.start()
    return process


def build_killed(
    root: Path, output: Path, kill_at: int, when: str, exchange: bool
) -> tuple[int, int]:
    """Publish a copy of `output` in a child that kills itself (SIGKILL) at the `kill_at`-th
    step of the swap, `when` before or after it; (exit code, steps of the swap).

    Without `exchange` the one-step exchange is unavailable, as on a file system without it.
    """
    steps_file = root.parent / "swap-steps"
    steps_file.unlink(missing_ok=True)
    process = _start(killed_child, root, output, kill_at, when, exchange, steps_file)
    process.join(TIMEOUT)
    assert process.exitcode is not None, "the build did not end"
    steps = int(steps_file.read_text()) if steps_file.exists() else 0
    return process.exitcode, steps


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (following a link at the top): relative path -> sha256."""
    found = {}
    for base, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(base, name)
            found[path.relative_to(folder).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return found


def make_real(site: Path) -> None:
    """Turn an output that is a link to a generation folder back into a real folder."""
    if not site.is_symlink():
        return
    target = site.resolve()
    site.unlink()
    os.rename(target, site)


def set_version(project: Project, version: int) -> None:
    folder = project.root / "content" / "writeups"
    folder.mkdir(parents=True, exist_ok=True)
    text = WRITEUP.format(body=VERSIONS[version])
    (folder / "2026-10-12-congress.md").write_text(text, encoding="utf-8")


def cli_build(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["build", str(root), *args])


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site."))


@pytest.fixture(scope="module")
def versions(
    small_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Project, list[dict[str, str]]]:
    """A project whose outputs for its two write-up versions are known (version 1 built last),
    a copy of each kept (`saved_output`); a copy of the session's build of the small project,
    whose caches its builds start from."""
    project = copy_built(small_build, tmp_path_factory.mktemp("crash") / "project", rebuild=False)
    trees = []
    for version in (0, 1):
        set_version(project, version)
        result = cli_build(project.root)
        assert result.exit_code == 0, result.output
        trees.append(tree(project.root / "site"))
        shutil.copytree((project.root / "site").resolve(), saved_output(project, version))
    assert trees[0] != trees[1]
    return project, trees


def saved_output(project: Project, version: int) -> Path:
    """Where `versions` keeps a copy of the output of each version, as it was built."""
    return project.root.parent / "outputs" / str(version)


def assert_whole(project: Project, trees: list[dict[str, str]]) -> int:
    """The output is one of the two complete outputs (never missing, never a mix); which."""
    site = project.root / "site"
    assert site.is_dir(), f"site/ is missing; beside it: {leftovers(project.root)}"
    found = tree(site)
    assert found in trees, (
        "site/ is a mix of two builds: "
        + ", ".join(
            sorted(
                k
                for k in set(found) | set(trees[0])
                if found.get(k) not in {t.get(k) for t in trees}
            )
        )[:500]
    )
    return trees.index(found)


def run_build(root: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *extra, str(root)]
        if extra
        else [sys.executable, "-m", "generator", "build", str(root)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        start_new_session=True,
    )


#: The stages of a build, in order (BuildResult.timings); the swap, too short to be hit by a
#: timer, has its own test below (a kill at every step of it).
STAGES = ("rosters", "figures", "model", "files", "pdf", "site")


def build_staged(root: Path, kill_stage: str = "", delay: float = 0.0) -> tuple[Any, str]:
    """A whole build in a child, killed `delay` seconds into `kill_stage` (if any): (exit code,
    the stage it died in, or the timings of a finished build as JSON)."""
    stages = root.parent / "stages"
    stages.unlink(missing_ok=True)
    process = _start(staged_child, root, stages, kill_stage, delay)
    process.join(TIMEOUT)
    if process.exitcode is None:
        process.kill()
        process.join(TIMEOUT)
    text = stages.read_text(encoding="utf-8") if stages.exists() else ""
    return process.exitcode, text if process.exitcode == 0 else text.split()[-1] if text else ""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_kill_9_at_random_moments_never_leaves_a_missing_or_mixed_output(
    versions: tuple[Project, list[dict[str, str]]],
) -> None:
    """A whole build killed at a random moment of each of its stages (the moment drawn within
    the first half of the stage as long as it took in a build not killed)."""
    project, trees = versions
    rng = random.Random(20261126)
    current = assert_whole(project, trees)
    set_version(project, 1 - current)
    code, timings = build_staged(project.root)
    assert code == 0
    took = json.loads(timings)
    assert set(STAGES) <= set(took), took
    current = assert_whole(project, trees)
    system_temp = set(Path(tempfile.gettempdir()).glob("bulletin-pdf-*"))
    died = []
    for stage in STAGES:
        set_version(project, 1 - current)
        code, where = build_staged(project.root, stage, rng.uniform(0.0, 0.5) * took[stage])
        assert code in (0, -signal.SIGKILL)
        if code:
            assert STAGES.index(where) >= STAGES.index(stage), (stage, where)
            died.append(where)
        current = assert_whole(project, trees)
    # the seed kills builds half-way, in most stages (a kill drawn late in a short stage may
    # land in the next one on a slow machine)
    assert len(died) >= 5 and len(set(died)) >= 4, died
    # The next command finishes or undoes what the last kill left.
    result = CliRunner().invoke(cli, ["check", str(project.root)])
    assert result.exit_code == 0, result.output
    assert leftovers(project.root) == []
    set_version(project, 1 - current)
    result = cli_build(project.root)
    assert result.exit_code == 0, result.output
    assert assert_whole(project, trees) != current
    # What the killed builds staged was inside the project's cache, and is gone now.
    assert set(Path(tempfile.gettempdir()).glob("bulletin-pdf-*")) == system_temp
    assert list((project.root / ".bulletin-cache" / "tmp").iterdir()) == []


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "symlink-flip"])
def test_kill_9_at_every_step_of_the_swap(
    versions: tuple[Project, list[dict[str, str]]], tmp_path: Path, exchange: bool
) -> None:
    built, _ = versions
    outputs = [saved_output(built, version) for version in (0, 1)]
    project = Project(tmp_path / "project")
    trees, steps = [], []
    for version in (0, 1, 0):
        code, taken = build_killed(project.root, outputs[version], 0, "before", exchange)
        assert code == 0
        trees.append(tree(project.root / "site"))
        steps.append(taken)
    # the first swap of all is a rename; then a real folder is swapped, then (flip) a link
    from_folder, from_link = steps[1], steps[2]
    assert trees[0] == trees[2] != trees[1]
    trees.pop()
    make_real(project.root / "site")
    current = assert_whole(project, trees)
    if not exchange:
        # The first flip turns the real folder into a link: the one moment without site/,
        # which the next command finishes (the link was ready) or undoes (the old folder).
        for step in range(1, from_folder + 1):
            for when in ("before", "after"):
                make_real(project.root / "site")
                build_killed(project.root, outputs[1 - current], step, when, exchange)
                result = CliRunner().invoke(cli, ["check", str(project.root)])
                assert result.exit_code == 0, result.output
                current = assert_whole(project, trees)
        assert build_killed(project.root, outputs[1 - current], 0, "before", exchange)[0] == 0
        assert (project.root / "site").is_symlink()
        current = assert_whole(project, trees)
    for step in range(1, from_link + 1):
        for when in ("before", "after"):
            code, _ = build_killed(project.root, outputs[1 - current], step, when, exchange)
            assert code == -signal.SIGKILL, (step, when, code)
            current = assert_whole(project, trees)
    assert (project.root / "site").is_symlink() != exchange
    result = CliRunner().invoke(cli, ["check", str(project.root)])
    assert result.exit_code == 0, result.output
    assert leftovers(project.root) == [] if exchange else len(leftovers(project.root)) == 1


# ---- one build per project at a time --------------------------------------------------------


def build_waiting_to_swap(root: Path, go: Path) -> Any:
    """Start a whole build that waits, before swapping its output in, for `go` to exist."""
    return _start(waiting_child, root, go)


def wait_for_owner(root: Path, process: Any) -> None:
    owner = root / ".bulletin-cache" / "build-owner.json"
    deadline = time.monotonic() + TIMEOUT
    while not (owner.exists() and f'"pid": {process.pid}' in owner.read_text(encoding="utf-8")):
        assert time.monotonic() < deadline, "the first build never took the lock"
        assert process.is_alive(), "the first build ended early"
        time.sleep(0.02)


def holding_the_lock(project: Project, trees: list[dict[str, str]], go: Path) -> tuple[int, Any]:
    """The other version set, and a build of it started and holding the lock until `go`:
    the version the output has now, and the build's process."""
    current = assert_whole(project, trees)
    set_version(project, 1 - current)
    first = build_waiting_to_swap(project.root, go)
    try:
        wait_for_owner(project.root, first)
    except BaseException:
        first.kill()  # it would wait for `go` to the end of the run
        raise
    return current, first


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_two_builds_at_once_never_both_succeed(
    versions: tuple[Project, list[dict[str, str]]], tmp_path: Path
) -> None:
    project, trees = versions
    go = tmp_path / "go"
    current, first = holding_the_lock(project, trees, go)
    try:
        second = cli_build(project.root, "--force")
        assert second.exit_code == 1, second.output
        assert "正在生成这个项目" in second.output and f"进程号 {first.pid}" in second.output
        assert "Traceback" not in second.output
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 开始", second.output)
        assert assert_whole(project, trees) == current  # the refused build touched nothing
    finally:
        go.touch()
        first.join(TIMEOUT)
    assert first.exitcode == 0
    assert assert_whole(project, trees) == 1 - current


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_the_lock_of_a_killed_build_is_taken_over(
    versions: tuple[Project, list[dict[str, str]]], tmp_path: Path
) -> None:
    project, trees = versions
    current, first = holding_the_lock(project, trees, tmp_path / "never")
    first.kill()
    first.join(TIMEOUT)
    result = cli_build(project.root)
    assert result.exit_code == 0, result.output
    assert assert_whole(project, trees) == 1 - current
    assert leftovers(project.root) == []


# ---- a full disk, a read-only output ----------------------------------------------------------


def disk_full(*_args: Any, **_kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, "No space left on device", "/磁盘/文件")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("target", "args"),
    [
        # copying the other site of the last build: shutil.Error, a list of (from, to, why)
        ("shutil.copy2", ("--audience", "public")),
        ("generator.render.pdf_worker._write", ()),
    ],
)
def test_a_full_disk_says_so(
    versions: tuple[Project, list[dict[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    args: tuple[str, ...],
) -> None:
    project, trees = versions
    current = assert_whole(project, trees)
    set_version(project, 1 - current)
    if target == "shutil.copy2":
        monkeypatch.setattr("os.link", disk_full)
    monkeypatch.setattr(target, disk_full)
    result = cli_build(project.root, "--force", "--jobs", "1", *args)
    assert result.exit_code == 1, result.output
    assert "磁盘空间不足" in result.output
    assert "Traceback" not in result.output and "[(" not in result.output
    assert assert_whole(project, trees) == current
    assert leftovers(project.root) == []


@pytest.mark.slow
def test_an_output_that_cannot_be_replaced_leaves_no_staging_folder(
    versions: tuple[Project, list[dict[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, trees = versions
    current = assert_whole(project, trees)
    set_version(project, 1 - current)

    def read_only(first: Path, second: Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(second))

    monkeypatch.setattr("generator.common.publish.exchange", read_only)
    result = cli_build(project.root, "--jobs", "1")
    assert result.exit_code == 1, result.output
    assert "没有权限" in result.output and "Traceback" not in result.output
    assert assert_whole(project, trees) == current
    assert leftovers(project.root) == []


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small file system")
def test_a_really_full_disk_says_so(tmp_path: Path) -> None:
    """The project on a 3 MB file system: its inputs fit, its output does not."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a file system here")
    try:
        project = Project(disk / "project")
        result = cli_build(project.root, "--jobs", "1")
        assert result.exit_code == 1, result.output
        assert "磁盘空间不足" in result.output
        assert "Traceback" not in result.output and "[(" not in result.output
        assert not (project.root / "site").exists()
        assert leftovers(project.root) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)
