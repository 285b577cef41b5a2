"""An output folder that would replace the project, its inputs or someone's files is refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Project, copy_built

from generator.cli import cli


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (the project and whatever is beside it): path -> sha256."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize(
    "out",
    [".", "..", "data", "data/2026-10", "content", "site_templates", "issued", "../.."],
)
def test_an_output_folder_over_the_project_is_refused_before_anything_is_written(
    project: Project, out: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.root)  # `bulletin build --out .` typed in the project folder
    (project.root / "site_templates").mkdir(exist_ok=True)
    (project.root / "site_templates" / "keep.txt").write_text("模板", encoding="utf-8")
    (project.root / "issued").mkdir()
    (project.root / "issued" / "register.csv").write_text("period\n", encoding="utf-8")
    container = project.root.parent
    before = snapshot(container)
    result = CliRunner().invoke(cli, ["build", str(project.root), "--out", out])
    assert result.exit_code == 2, result.output
    assert "没有写入任何文件" in result.output
    assert "Traceback" not in result.output
    assert snapshot(container) == before
    assert not any(
        p.name.startswith(".") and p.name.endswith((".new", ".old")) for p in container.rglob("*")
    )


def test_relative_out_is_taken_from_the_working_folder(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `bulletin build 项目 --out .` typed from inside the project folder.
    monkeypatch.chdir(project.root / "data")
    before = snapshot(project.root)
    result = CliRunner().invoke(cli, ["build", str(project.root), "--out", "."])
    assert result.exit_code == 2
    assert "data/" in result.output
    assert snapshot(project.root) == before


def test_a_foreign_non_empty_folder_is_refused(project: Project, tmp_path: Path) -> None:
    mine = tmp_path / "我的文件"
    mine.mkdir()
    (mine / "年终总结.docx").write_bytes(b"not ours")
    result = CliRunner().invoke(cli, ["build", str(project.root), "--out", str(mine)])
    assert result.exit_code == 2
    assert "不是 bulletin 以前生成的输出" in result.output
    assert (mine / "年终总结.docx").read_bytes() == b"not ours"


def test_a_file_as_output_is_refused(project: Project, tmp_path: Path) -> None:
    target = tmp_path / "site.txt"
    target.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(project.root), "--out", str(target)])
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == "x"


def test_a_symlink_into_the_project_data_is_refused(project: Project, tmp_path: Path) -> None:
    link = tmp_path / "link-to-data"
    link.symlink_to(project.root / "data")
    before = snapshot(project.root)
    result = CliRunner().invoke(cli, ["build", str(project.root), "--out", str(link)])
    assert result.exit_code == 2
    assert snapshot(project.root) == before


@pytest.mark.slow
def test_an_earlier_output_and_a_new_empty_folder_are_accepted(
    small_build: Path, tmp_path: Path
) -> None:
    # the small project built before (into its own site/): the new folder is built from the caches
    project = copy_built(small_build, tmp_path / "project", rebuild=False)
    empty = tmp_path / "新输出"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["build", str(project.root), "--out", str(empty)])
    assert result.exit_code == 0, result.output
    assert (empty / ".bulletin-output").is_file()
    assert (empty / "public" / "index.html").is_file()
    # The same folder again (now marked as ours), forced so it is really replaced.
    (empty / "public" / "stale.html").write_text("旧", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(project.root), "--out", str(empty), "--force"])
    assert result.exit_code == 0, result.output
    assert not (empty / "public" / "stale.html").exists()
