"""The whole pipeline into the PDFs: the public bulletin carries nothing internal."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from conftest import PERIODS, Project, rows_of

from generator.build import BuildOptions, build

MARKER = "INTERNALMARK9"

pytestmark = pytest.mark.slow


def text_of(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdfs_through_the_pipeline(project: Project, tmp_path: Path) -> None:
    for period in PERIODS:
        rows = rows_of("enterprises", period)
        for row in rows:
            row["name"] = f"{row['name']}{MARKER}"
        project.write("enterprises", rows, period=period)
    writeups = project.root / "content" / "writeups"
    writeups.mkdir(parents=True, exist_ok=True)
    (writeups / "inside.md").write_text(
        "---\ntitle: 督导情况" + MARKER + '\ndate: 2026-10-20\nunit: "990100"\n'
        "category: other\naudience: internal\n---\n督导发现问题" + MARKER + "。\n",
        encoding="utf-8",
    )
    # the bulletin lists the period's write-ups by title (by default it has none)
    config_file = project.root / "bulletin.yml"
    config_file.write_text(
        config_file.read_text(encoding="utf-8") + "\nbulletin_writeups: titles\n", encoding="utf-8"
    )
    options = BuildOptions(out=tmp_path / "a", site=False, force=True, jobs=2)
    build(project.root, options)
    out = tmp_path / "a"
    latest = max(PERIODS)

    public = text_of(out / "public" / "pdf" / latest / "bulletin.pdf")
    internal = text_of(out / "internal" / "pdf" / latest / "bulletin.pdf")
    assert "文件" in public and "公开版" in public
    assert "〔" not in public  # the public version is not the signed original: no 文号
    assert MARKER not in public and "内部资料" not in public
    assert MARKER in internal and "内部资料" in internal
    for pdf in (out / "public").rglob("*.pdf"):
        assert MARKER not in text_of(pdf), pdf

    reports = sorted((out / "internal" / "pdf" / latest / "units").glob("*.pdf"))
    assert reports
    assert any(MARKER in text_of(report) for report in reports)  # tick-off lists
    with (out / "dist" / latest / "manifest.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    assert {r[0] for r in rows} == {p.stem for p in reports}

    # the same inputs give the same bytes, compiled afresh
    build(project.root, BuildOptions(out=tmp_path / "b", site=False, force=True, jobs=1))
    for first in out.rglob("*.pdf"):
        second = tmp_path / "b" / first.relative_to(out)
        assert first.read_bytes() == second.read_bytes(), first
