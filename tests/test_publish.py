"""Safe publishing: a build that fails or is interrupted leaves the previous output as it was."""

from __future__ import annotations

import hashlib
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import Project, copy_built, rows_of

from generator.cli import cli
from generator.common.errors import BuildError

pytestmark = [pytest.mark.slow]

TIMEOUT = 120.0


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder`: relative path -> sha256 of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name in (".site.new", ".site.old"))


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def built(
    small_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Project, dict[str, str]]]:
    """The small project built (a copy of the session's build, current), and its output tree."""
    project = copy_built(small_build, tmp_path_factory.mktemp("publish") / "project")
    result = invoke("build", project.root)
    assert result.exit_code == 0 and "没有变化" in result.output, result.output
    before = tree(project.root / "site")
    assert any(name.endswith(".pdf") for name in before)
    assert any(name.endswith("index.html") for name in before)
    yield project, before


def assert_untouched(project: Project, before: dict[str, str]) -> None:
    assert tree(project.root / "site") == before
    assert leftovers(project.root) == []


def half_way(target: str, error: BaseException) -> Any:
    """A renderer that writes a file into the staging folder, then raises `error`."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        out = next(a for a in (*args, *kwargs.values()) if isinstance(a, Path))  # the first
        out.mkdir(parents=True, exist_ok=True)
        (out / "half-written.html").write_text("<p>半成品</p>", encoding="utf-8")
        assert ".site.new" in out.as_posix(), f"{target} writes outside the staging folder: {out}"
        raise error

    return fail


@pytest.mark.parametrize(
    "target",
    ["generator.render.site.render_site", "generator.render.pdf.render_unit_reports"],
)
def test_a_renderer_failing_half_way_leaves_the_output(
    built: tuple[Project, dict[str, str]], monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    project, before = built
    module, _, name = target.rpartition(".")
    monkeypatch.setattr(
        f"{module}.{name}", half_way(target, BuildError("模板有误：第 3 行缺少 endif。"))
    )
    result = invoke("build", project.root, "--force")
    assert result.exit_code == 1, result.output
    assert "错误：模板有误" in result.output
    assert "Traceback" not in result.output
    assert_untouched(project, before)


def test_a_bug_half_way_leaves_the_output_and_a_log(
    built: tuple[Project, dict[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project, before = built
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the crash log goes
    monkeypatch.setattr(
        "generator.render.site.render_site",
        half_way("render_site", ZeroDivisionError("division by zero")),
    )
    result = invoke("build", project.root, "--force")
    assert result.exit_code == 70
    assert "程序内部错误" in result.output
    assert "Traceback" not in result.output
    logs = list(tmp_path.glob("bulletin-error-*.log"))
    assert len(logs) == 1 and "ZeroDivisionError" in logs[0].read_text(encoding="utf-8")
    assert_untouched(project, before)


def test_ctrl_c_inside_the_build_leaves_the_output(
    built: tuple[Project, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, before = built
    monkeypatch.setattr(
        "generator.render.site.render_site", half_way("render_site", KeyboardInterrupt())
    )
    result = invoke("build", project.root, "--force")
    assert result.exit_code == 130
    assert "已中断" in result.output
    assert "Traceback" not in result.output
    assert_untouched(project, before)


def test_a_data_error_leaves_the_output(built: tuple[Project, dict[str, str]]) -> None:
    project, before = built
    path = project.path("enterprises", "2026-10")
    good = path.read_bytes()
    rows = rows_of("enterprises", "2026-10")
    rows[1]["uscc"] = rows[1]["uscc"][:-1] + ("0" if rows[1]["uscc"][-1] != "0" else "1")
    project.write("enterprises", rows, period="2026-10")
    try:
        result = invoke("build", project.root)
        assert result.exit_code == 1
        assert "处错误" in result.output and "bulletin check" in result.output
        assert "Traceback" not in result.output
        assert_untouched(project, before)
    finally:
        path.write_bytes(good)


#: `bulletin build` run as the installed command runs it (generator.cli.main, in a new
#: interpreter), except that the worker pool started by `method` ("spawn": the PDFs, "fork":
#: the charts), once it waits for its workers and a file matching the glob `pattern` is staged,
#: holds the build there until Ctrl-C comes, having written a line to the descriptor `ready`:
#: the build is inside that stage, its workers started, and goes no further.
HELD_BUILD = """
import os, signal, sys, time
from pathlib import Path
from generator.render import pool
from generator.cli import main

method, pattern, ready, staging = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
wait = pool.ChunkPool._wait_for_workers

def held(self):
    if self.start_method == method:
        while not any(staging.glob(pattern)):
            if all(f.done() for f in self.futures):
                return wait(self)  # another pool of the same kind (the bulletins' PDFs)
            time.sleep(0.01)
        os.write(ready, f"{len(self.futures)} chunks\\n".encode())
        while True:
            signal.pause()
    return wait(self)

pool.ChunkPool._wait_for_workers = held
sys.argv = ["bulletin", *sys.argv[5:]]
main()
"""


def wait_readable(fd: int, process: subprocess.Popen[bytes]) -> bytes:
    """What the held build writes to `fd` once it is at its stage (its output if it ends)."""
    ready, _, _ = select.select([fd], [], [], TIMEOUT)
    if not ready:
        process.kill()
        pytest.fail("the build never reached the stage: " + repr(process.communicate()))
    return os.read(fd, 100)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize(
    ("method", "staged", "not_yet"),
    [
        ("spawn", "internal/pdf/*/units/*.pdf", "public/index.html"),  # PDF workers at work
        ("fork", "public/charts/*.svg", "internal/index.html"),  # chart workers at work
    ],
)
def test_ctrl_c_in_the_terminal_leaves_the_output(
    built: tuple[Project, dict[str, str]], method: str, staged: str, not_yet: str
) -> None:
    """SIGINT to the whole process group, as a terminal sends it, while files are being staged:
    the build (a new process, with a worker pool beside it) is held inside the stage once its
    workers have staged a file (HELD_BUILD), and interrupted there."""
    project, before = built
    staging = project.root / ".site.new"
    if method == "fork":  # charts in the cache are copied without a worker: these are drawn
        shutil.rmtree(project.root / ".bulletin-cache" / "mkdocs" / "charts")
    read, write = os.pipe()
    held = [sys.executable, "-c", HELD_BUILD, method, staged, str(write), str(staging)]
    try:
        process = subprocess.Popen(
            # two processes: a worker beside the build, whatever the few documents or charts
            [*held, "build", str(project.root), "--force", "-j", "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=(write,),
        )
        os.close(write)
        try:
            line = wait_readable(read, process)
            assert line.endswith(b"chunks\n"), line  # not the end of the pipe: it is held
            assert any(staging.glob(staged)) and not (staging / not_yet).exists()
            os.killpg(process.pid, signal.SIGINT)
            out, err = process.communicate(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    finally:
        os.close(read)
    output = (out + err).decode("utf-8", errors="replace")
    assert process.returncode == 130, output
    assert "已中断" in output
    assert "Traceback" not in output
    assert_untouched(project, before)
    # The next build finds nothing changed and leaves the output as it is.
    again = invoke("build", project.root)
    assert again.exit_code == 0, again.output
    assert_untouched(project, before)
