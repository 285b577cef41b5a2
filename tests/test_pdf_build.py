"""The whole pipeline into the PDFs (the session's planted build): the public bulletin carries
nothing internal; the same inputs compiled afresh give the same bytes."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from conftest import PERIODS, PlantedBuild
from planted import MARKERS

from generator.build import BuildOptions, build
from generator.common.sealed import read_sealed

pytestmark = pytest.mark.slow


def text_of(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdfs_through_the_pipeline(planted_build: PlantedBuild, tmp_path: Path) -> None:
    out = planted_build.out
    latest = max(PERIODS)

    public = text_of(out / "public" / "pdf" / latest / "bulletin.pdf")
    internal = text_of(out / "internal" / "pdf" / latest / "bulletin.pdf")
    # the public version is not the signed original: no red 文件 header (issue 24)
    assert "文件" not in public and "公开版" in public and "文件" in internal
    assert "〔" not in public  # the public version is not the signed original: no 文号
    assert "内部资料" not in public and "内部资料" in internal
    assert "LKWTITLE" in internal  # the internal write-up, listed by title (bulletin_writeups)
    for pdf in (out / "public").rglob("*.pdf"):
        text = text_of(pdf)
        assert [m for m in MARKERS if m in text] == [], pdf

    reports = sorted((out / "internal" / "pdf" / latest / "units").glob("*.pdf"))
    assert reports
    assert any("LKENTPRIO" in text_of(report) for report in reports)  # tick-off lists
    with (out / "dist" / latest / "manifest.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    assert {r[0] for r in rows} == {p.stem for p in reports}

    # the same inputs give the same bytes, compiled afresh (no cache) in one process
    again = tmp_path / "again"
    build(planted_build.project.root, BuildOptions(out=again, site=False, force=True, jobs=1))
    for first in out.rglob("*.pdf"):
        second = again / first.relative_to(out)
        assert first.read_bytes() == second.read_bytes(), first


def test_the_public_and_internal_bulletins_of_a_period_share_their_charts(
    planted_build: PlantedBuild,
) -> None:
    """Each bulletin PDF shows the county bar chart, and the city's trend from its second period
    on; the public and the internal bulletin of a period show the same ones, drawn once and kept
    in the cache (that the PDFs made from the cache are those made afresh is checked above)."""
    cache = planted_build.project.root / ".bulletin-cache" / "pdf"
    charts = sorted(cache.glob("*.svg"))
    assert len(list(planted_build.out.glob("*/pdf/*/bulletin.pdf"))) == 2 * len(PERIODS)
    # 2026-09: the bars; 2026-10: the bars and the trend; not once per audience
    assert len(charts) == 3
    # each kept sealed (its digest line, then the drawing): an SVG whole
    drawings = [read_sealed(c) for c in charts]
    assert all(d is not None and d.startswith(b"<?xml") for d in drawings)
