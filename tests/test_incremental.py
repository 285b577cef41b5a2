"""The build cache: nothing changed -> nothing done; a change -> only what reads it is redone."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import Project, as_project, copy_built, rows_of, uscc

from generator.build import BuildOptions, build
from generator.common.cache import CACHE_DIR, value_digest
from generator.model import stored

pytestmark = pytest.mark.slow

# The data-only build: the cache rules are the same for every renderer, and PDFs and sites each
# have their own tests; one full build with everything checks that the stamp covers them too.
QUICK = {"pdf": False, "site": False}


def tree(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder`: its digest and modification time."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def contents(folder: Path) -> dict[str, str]:
    return {k: v[0] for k, v in tree(folder).items()}


def add_period(project: Project, period: str) -> None:
    project.write("enterprises", rows_of("enterprises", "2026-09"), period=period)


def data_built(small_build: Path, root: Path) -> Project:
    """The small project at `root` with the caches of the session's build of it but its PDFs
    and pages.

    Its output, PDFs and pages are left behind: a build takes its ledgers and tables from the
    caches, as a project built before does, makes every PDF and page and writes its own output.
    """
    cache = small_build / CACHE_DIR

    def left(folder: str, _names: list[str]) -> list[str]:
        return {small_build: ["site"], cache: ["pdf", "mkdocs"]}.get(Path(folder), [])

    shutil.copytree(small_build, root, symlinks=True, ignore=left)
    return as_project(root)


def test_a_second_build_with_nothing_changed_does_nothing(
    small_build: Path, tmp_path: Path
) -> None:
    # the small project, built before into its own site/: this first build takes from the caches
    project = copy_built(small_build, tmp_path / "project", rebuild=False)
    out = tmp_path / "site"
    first = build(project.root, BuildOptions(out=out))
    assert not first.unchanged and first.pdfs > 0 and first.pages > 0
    before = tree(out)

    second = build(project.root, BuildOptions(out=out))
    assert second.unchanged
    assert (second.pages, second.pdfs, second.files) == (first.pages, first.pdfs, first.files)
    assert second.periods == first.periods
    assert tree(out) == before  # not even rewritten

    # touch every input: contents are compared, not times
    for path in project.root.rglob("*"):
        if path.is_file() and CACHE_DIR not in path.parts:
            os.utime(path)
    assert build(project.root, BuildOptions(out=out)).unchanged
    assert tree(out) == before


def test_force_rebuilds_everything(small_build: Path, tmp_path: Path) -> None:
    project = data_built(small_build, tmp_path / "project")
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    forced = build(project.root, BuildOptions(out=out, force=True, **QUICK))  # type: ignore[arg-type]
    assert not forced.unchanged
    assert forced.snapshots_read == 2


def test_an_output_changed_by_hand_is_rebuilt(small_build: Path, tmp_path: Path) -> None:
    project = data_built(small_build, tmp_path / "project")
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    before = contents(out)
    victim = out / "internal" / "data" / "2026-10" / "bulletin.json"
    victim.write_text("{}", encoding="utf-8")
    again = build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert not again.unchanged
    assert again.snapshots_read == 0  # the inputs did not change: the ledgers come from the cache
    assert contents(out) == before

    victim.unlink()
    assert not build(project.root, BuildOptions(out=out, **QUICK)).unchanged  # type: ignore[arg-type]
    assert contents(out) == before


def test_other_options_or_folders_are_not_mistaken_for_the_last_build(
    small_build: Path, tmp_path: Path
) -> None:
    project = data_built(small_build, tmp_path / "project")
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    internal = contents(out / "internal")
    public = build(project.root, BuildOptions(out=out, audience="public", **QUICK))  # type: ignore[arg-type]
    assert not public.unchanged
    assert contents(out / "internal") == internal  # a public-only build keeps the intranet
    elsewhere = build(project.root, BuildOptions(out=tmp_path / "other", **QUICK))  # type: ignore[arg-type]
    assert not elsewhere.unchanged
    assert (tmp_path / "other" / "internal").is_dir()


def _months(project: Project, employees: dict[str, int]) -> None:
    """The ledgers of 2026-07 and 2026-08 (the rows of 2026-09), each month's differing in the
    employees of 东方机械 (row 0, unionized: never a priority enterprise)."""
    for period, count in employees.items():
        rows = rows_of("enterprises", "2026-09")
        rows[0]["employees"] = str(count)
        project.write("enterprises", rows, period=period)


def _same_as_forced(project: Project, out: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    build(project.root, BuildOptions(out=fresh, force=True, **QUICK))  # type: ignore[arg-type]
    assert contents(out) == contents(fresh)  # file by file, the same bytes


def test_a_changed_ledger_that_leaves_what_the_next_period_reads_is_read_alone(
    project: Project, tmp_path: Path
) -> None:
    _months(project, {"2026-07": 121, "2026-08": 122})
    out = tmp_path / "site"
    first = build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert first.snapshots_read == 4
    before = contents(out)

    # 东方机械's employees of 2026-08 again: the enterprises, their status and the priority
    # ledger the next period compares with are as they were, and no later county's rows repeat
    # the county's old or new rows: 2026-09 and 2026-10 come from the cache
    _months(project, {"2026-08": 130})
    second = build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert second.snapshots_read == 1
    after = contents(out)
    assert after != before  # the period's figures did change (its employees)
    _same_as_forced(project, out, tmp_path)


def test_a_changed_ledger_that_changes_what_the_next_period_reads_reads_that_period_too(
    project: Project, tmp_path: Path
) -> None:
    _months(project, {"2026-07": 121, "2026-08": 122})
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]

    # 西城商贸 (30 employees, no union: a priority enterprise) with 45 in 2026-08: 2026-09's
    # priority ledger compares with that of 2026-08 (a row that leaves it keeps its employees),
    # so 2026-09 is read again; what 2026-10 reads of 2026-09 is as it was
    rows = rows_of("enterprises", "2026-09")
    rows[0]["employees"] = "122"
    rows[1]["employees"] = "45"
    project.write("enterprises", rows, period="2026-08")
    second = build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert second.snapshots_read == 2
    _same_as_forced(project, out, tmp_path)

    # an enterprise gone from 2026-08 (W-ENT-MISSING in 2026-08, back in 2026-09): the
    # enterprises 2026-09 compares its own with changed, so it is read again
    project.write("enterprises", rows[1:], period="2026-08")
    third = build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert third.snapshots_read == 2
    _same_as_forced(project, out, tmp_path)


def _county_rows(employees: int) -> list[dict[str, Any]]:
    """甲县's rows and twelve enterprises of 南街道 (乙区), enough for E-LEDGER-STALE, each with
    `employees` or a few more (under 25: none is a priority enterprise)."""
    from conftest import uscc

    rows = rows_of("enterprises", "2026-09")
    template = rows[2]  # 南街物流, 乙区
    for i in range(12):
        row = dict(template, uscc=uscc(f"91990201MA00001{i:02d}"), name=f"南街企业{i}有限公司")
        row.update(employees=str(employees + i), migrant_workers="0")
        rows.append(row)
    return rows


def test_a_cached_period_finds_an_earlier_ledger_it_now_repeats(
    project: Project, tmp_path: Path
) -> None:
    from generator.common.errors import DataError

    for period, employees in (("2026-08", 1), ("2026-09", 5), ("2026-10", 9)):
        project.write("enterprises", _county_rows(employees), period=period)
    out = tmp_path / "site"
    assert build(project.root, BuildOptions(out=out, **QUICK)).snapshots_read == 3  # type: ignore[arg-type]

    # 2026-08 made the same as 2026-10: what 2026-09 reads of it (its enterprises and priority
    # ledger) is as it was, and 2026-10's own ledger too; yet 2026-10 now repeats an earlier
    # ledger in 乙区 (E-LEDGER-STALE, an error; 甲县 has fewer rows than a repeat needs)
    project.write("enterprises", _county_rows(9), period="2026-08")
    for force in (False, True):
        with pytest.raises(DataError):
            build(project.root, BuildOptions(out=out, force=force, **QUICK))  # type: ignore[arg-type]

    # 2026-08 different again: 2026-10 repeats nothing, and comes from the cache as before
    project.write("enterprises", _county_rows(3), period="2026-08")
    again = build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert again.snapshots_read == 1
    _same_as_forced(project, out, tmp_path)


def test_a_period_carrying_a_countys_rows_reads_them_again_when_they_change(
    project: Project, tmp_path: Path
) -> None:
    from generator.office.decisions import carry

    rows = rows_of("enterprises", "2026-10")
    project.write("enterprises", rows[:2] + rows[3:], period="2026-10")  # 乙区 sent nothing
    carry(project.root, "2026-10", "乙区")  # its rows of 2026-09 stand for it (W-COUNTY-CARRIED)
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]

    # 南街物流 (乙区, 10 employees, no priority enterprise) with 12 in 2026-09: what 2026-10
    # compares with is as it was, but the rows it carries changed: it is read again
    before = rows_of("enterprises", "2026-09")
    before[2]["employees"] = "12"
    project.write("enterprises", before, period="2026-09")
    again = build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert again.snapshots_read == 2
    _same_as_forced(project, out, tmp_path)


def test_a_damaged_cache_is_ignored(small_build: Path, tmp_path: Path) -> None:
    project = data_built(small_build, tmp_path / "project")
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    before = contents(out)
    cache = project.root / CACHE_DIR
    for path in cache.rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x80garbage")
    shutil_out = tmp_path / "again"
    again = build(project.root, BuildOptions(out=shutil_out, **QUICK))  # type: ignore[arg-type]
    assert again.snapshots_read == 2
    assert contents(shutil_out) == before


def test_a_data_error_is_reported_again_from_the_cache(project: Project, tmp_path: Path) -> None:
    from generator.common.errors import DataError

    rows = rows_of("enterprises", "2026-10")
    rows[1]["uscc"] = rows[0]["uscc"]  # a duplicate code: an error
    project.write("enterprises", rows, period="2026-10")
    out = tmp_path / "site"
    for _ in range(2):  # the second time the ledger's problems come from the cache
        with pytest.raises(DataError):
            build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert not out.exists()


def test_a_site_from_the_page_cache_is_the_site_built_from_nothing(
    small_build: Path, tmp_path: Path
) -> None:
    # the small project with the caches of the session's build: the page cache holds its pages
    project = copy_built(small_build, tmp_path / "project", rebuild=False)
    writeups = project.root / "content" / "writeups"
    writeups.mkdir(parents=True)
    note = writeups / "note.md"
    note.write_text(
        '---\ntitle: 甲县开展培训\ndate: 2026-10-12\nunit: "990100"\ncategory: other\n---\n'
        "## 培训情况\n\n第一稿，见[首页](../index.md)。\n",
        encoding="utf-8",
    )
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, pdf=False, jobs=1))
    pages = project.root / CACHE_DIR / "mkdocs" / "public" / "pages.json"
    assert "第一稿" in pages.read_text(encoding="utf-8")  # the new page went into the cache
    note.write_text(note.read_text(encoding="utf-8").replace("第一稿", "第二稿"), encoding="utf-8")
    build(project.root, BuildOptions(out=out, pdf=False, jobs=1))
    from generator.render.page_cache import STATS

    # (of the last site built, the intranet) only the write-up's own page shows its body: the
    # theme rendered it again, every other page is the file the last build wrote
    assert STATS["page_misses"] == 1 and STATS["page_hits"] > 20
    page = (out / "public" / "writeups" / "note.html").read_text(encoding="utf-8")
    assert "第二稿" in page and "第一稿" not in page
    fresh = tmp_path / "fresh"
    build(project.root, BuildOptions(out=fresh, pdf=False, force=True, jobs=1))
    assert contents(out) == contents(fresh)


def test_a_changed_ledger_gives_every_output_of_a_build_from_nothing(
    small_build: Path, tmp_path: Path
) -> None:
    # the small project with the caches of the session's build: only what shows the changed
    # period (and the next) is made again, the rest comes from the caches
    project = copy_built(small_build, tmp_path / "project")
    out = project.root / "site"
    before = contents(out)
    rows = rows_of("enterprises", "2026-10")
    rows[0]["employees"] = str(int(rows[0]["employees"]) + 7)
    project.write("enterprises", rows, period="2026-10")
    again = build(project.root, BuildOptions(jobs=1))
    assert not again.unchanged and again.snapshots_read == 1  # the latest period, alone
    after = contents(out)
    assert after != before
    # a file showing the ledger's figures changed; one showing none of them did not
    assert (
        after["internal/data/2026-10/bulletin.json"]
        != before["internal/data/2026-10/bulletin.json"]
    )
    assert after["public/assets/bulletin.css"] == before["public/assets/bulletin.css"]
    fresh = tmp_path / "fresh"
    build(project.root, BuildOptions(out=fresh, force=True, jobs=1))
    assert after == contents(fresh)  # file by file, the same bytes


def test_one_process_and_several_give_the_same_output(
    small_build: Path, small_result: Any, tmp_path: Path
) -> None:
    # one process: the session's build of the same small project, from nothing with jobs=1;
    # several: every PDF and page made again by the workers (the ledgers, read in the main
    # process whatever the jobs, from the caches)
    project = data_built(small_build, tmp_path / "project")
    one, many = small_result.out, tmp_path / "many"
    b = build(project.root, BuildOptions(out=many, jobs=3))
    assert small_result.pdfs == b.pdfs > 0
    assert contents(one) == contents(many)


def test_pages_compressed_before_are_taken_from_the_cache_byte_for_byte(tmp_path: Path) -> None:
    import gzip

    from generator.render.site_finish import precompress

    site, cache = tmp_path / "site", tmp_path / "cache"
    (site / "units").mkdir(parents=True)
    pages = {"index.html": "首页" * 400, "units/a.html": "甲县" * 400, "units/b.html": "乙县" * 400}
    for name, text in pages.items():
        (site / name).write_text(text, encoding="utf-8")
    (site / "units" / "small.html").write_text("小", encoding="utf-8")  # under 512 bytes: none
    assert precompress(site, ["units"], cache) == 3
    first = {p.name: p.read_bytes() for p in site.rglob("*.gz")}
    assert len(list(cache.glob("*.gz"))) == 3
    # one page changed, one cache entry damaged: both compressed again, all as without a cache
    (site / "units" / "a.html").write_text("甲县改" * 400, encoding="utf-8")
    damaged = sorted(cache.glob("*.gz"))[0]
    damaged.write_bytes(b"\x1f\x8bgarbage")
    for gz in site.rglob("*.gz"):
        gz.unlink()
    assert precompress(site, ["units"], cache) == 3
    for name in pages:
        packed = (site / f"{name}.gz").read_bytes()
        assert gzip.decompress(packed) == (site / name).read_bytes()
        assert packed == gzip.compress((site / name).read_bytes(), compresslevel=9, mtime=0)
    assert (site / "index.html.gz").read_bytes() == first["index.html.gz"]
    assert not (site / "units" / "small.html.gz").exists()


def _note(project: Project, text: str) -> Path:
    """A write-up of 甲县 (990100) in 2026-10 saying `text`."""
    writeups = project.root / "content" / "writeups"
    writeups.mkdir(parents=True, exist_ok=True)
    note = writeups / "note.md"
    note.write_text(
        '---\ntitle: 甲县开展培训\ndate: 2026-10-12\nunit: "990100"\ncategory: other\n---\n'
        f"{text}\n",
        encoding="utf-8",
    )
    return note


def test_a_changed_write_up_remakes_only_the_documents_and_tables_that_show_it(
    small_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.render import files

    project = copy_built(small_build, tmp_path / "project", rebuild=False)
    _note(project, "第一稿。")
    build(project.root, BuildOptions(jobs=1))
    made = _documents_made(monkeypatch)
    tables: list[str] = []
    write_indicators = files.write_indicators

    def tabled(b: Any, folder: Path) -> Any:
        tables.append(b.period)
        return write_indicators(b, folder)

    monkeypatch.setattr(files, "write_indicators", tabled)
    _note(project, "第二稿。")
    again = build(project.root, BuildOptions(jobs=1))
    assert not again.unchanged
    # the bulletins of 2026-10 list the write-up (bulletin.json), but their PDFs show no
    # write-ups (the config does not list their titles): their documents are not made again; of
    # the unit reports only 甲县's, the one unit it is about; the indicator tables show no
    # write-ups: none rewritten
    assert made == ["990100"]
    assert tables == []
    # no bulletin is assembled again: the kept ones are given the period's write-ups
    assert stored.STATS == {"kept": 4, "assembled": 0, "unkeyed": 0}
    report = project.root / "site" / "internal" / "pdf" / "2026-10" / "units" / "990100.pdf"
    assert report.is_file()
    fresh = tmp_path / "fresh"
    build(project.root, BuildOptions(out=fresh, force=True, jobs=1))
    assert contents(project.root / "site") == contents(fresh)  # file by file, the same bytes


def test_a_unit_report_reads_the_write_ups_of_its_own_unit_only() -> None:
    # render.pdf keys a unit's report by the bulletin without the other units' write-ups
    import dataclasses

    from sample_model import sample_bulletin

    from generator.render.document import Assets, report_document
    from generator.render.document.report import unit_writeups

    b = sample_bulletin("internal")
    assert len(b.writeups) == 2
    for u in b.units:
        if u.level == "city":
            continue
        alone = dataclasses.replace(b, writeups=unit_writeups(b, u.code))
        assets = Assets(Path("content"))
        assert report_document(b, u.code, assets, {}, b.organization) == report_document(
            alone, u.code, assets, {}, b.organization
        ), u.code


def test_a_planted_or_damaged_pdf_in_the_cache_is_never_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sample_model import sample_bulletin

    from generator.common.config import Config
    from generator.render import pdf

    root = tmp_path / "project"
    (root / "content" / "writeups").mkdir(parents=True)
    config, cache = Config(root=root), tmp_path / "cache"
    bulletin = sample_bulletin()
    first = pdf.render_unit_reports(bulletin, config, tmp_path / "one", 1, cache)
    kept = sorted((cache / "sources").glob("*.pdf"))
    assert len(kept) == len(first)  # each report under the key of its sources too
    made: list[str] = []
    report_document = pdf.report_document
    monkeypatch.setattr(
        pdf,
        "report_document",
        lambda b, code, *a: made.append(code) or report_document(b, code, *a),
    )
    again = pdf.render_unit_reports(bulletin, config, tmp_path / "two", 1, cache)
    assert made == []  # found by their sources: no document made
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in first]

    # one kept file damaged, one replaced by another PDF: neither vouches for its bytes
    kept[0].write_bytes(kept[0].read_bytes()[:-100])
    kept[1].write_bytes(first[0].read_bytes())
    third = pdf.render_unit_reports(bulletin, config, tmp_path / "three", 1, cache)
    assert len(made) == 2  # those two documents were made again
    assert [p.read_bytes() for p in third] == [p.read_bytes() for p in first]


def test_a_font_added_to_the_project_is_a_change(small_build: Path, tmp_path: Path) -> None:
    project = data_built(small_build, tmp_path / "project")
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert build(project.root, BuildOptions(out=out, **QUICK)).unchanged  # type: ignore[arg-type]
    fonts = project.root / "fonts"  # the PDFs' fonts: a build with PDFs reads them
    fonts.mkdir()
    (fonts / "仿宋.ttf").write_bytes(b"\0\1\0\0")
    assert not build(project.root, BuildOptions(out=out, **QUICK)).unchanged  # type: ignore[arg-type]


def test_a_damaged_or_planted_kept_bulletin_is_assembled_again(
    small_build: Path, tmp_path: Path
) -> None:
    project = data_built(small_build, tmp_path / "project")
    out = tmp_path / "site"
    # the session's build kept its own: left out here, so that this build keeps four anew
    shutil.rmtree(project.root / CACHE_DIR / "model")
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    kept = sorted((project.root / CACHE_DIR / "model").glob("*.json"))
    assert len(kept) == 4  # two periods, two audiences
    # one damaged (a byte changed), one planted without a digest line vouching for it, one
    # sealed but not a bulletin this version wrote, one left as it was
    damaged = kept[0].read_bytes()
    kept[0].write_bytes(damaged[:-2] + bytes([damaged[-2] ^ 1]) + damaged[-1:])
    kept[1].write_bytes(b"0" * 40 + b"\n" + kept[3].read_bytes().partition(b"\n")[2])
    other = b'[1,["2026-10"]]'
    kept[2].write_bytes(hashlib.blake2b(other, digest_size=20).hexdigest().encode() + b"\n" + other)
    _note(project, "一稿。")  # a change, so that the build is not skipped as unchanged
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert stored.STATS == {"kept": 1, "assembled": 3, "unkeyed": 0}
    _same_as_forced(project, out, tmp_path)


def test_a_project_moved_to_another_folder_keeps_its_bulletins(
    small_build: Path, tmp_path: Path
) -> None:
    """A bulletin is kept under what its assembly reads, and where the project lies is not
    read: a project moved or copied (the session's build was made elsewhere) assembles none
    again, and gives what a build from nothing gives."""
    project = data_built(small_build, tmp_path / "moved")
    assert (project.root / CACHE_DIR / "model").is_dir()
    out = tmp_path / "site"
    build(project.root, BuildOptions(out=out, **QUICK))  # type: ignore[arg-type]
    assert stored.STATS == {"kept": 4, "assembled": 0, "unkeyed": 0}
    _same_as_forced(project, out, tmp_path)


def test_a_kept_bulletin_comes_back_exactly(project: Project) -> None:
    from generator.build import gather

    bulletin = gather(project.root, BuildOptions(audience="internal", **QUICK)).bulletins[
        "internal"
    ][-1]
    # what JSON as orjson writes it would lose: a NaN (null, as None), -0.0, 1.0 beside 1
    bulletin.units[0].coverage_rate = float("nan")
    bulletin.units[1].coverage_rate = -0.0
    bulletin.units[2].coverage_rate = 1.0
    again = stored.load_bulletin(stored.dump_bulletin(bulletin))
    assert value_digest(again) == value_digest(bulletin)  # every field, type and float bit
    assert (
        str(again.units[0].coverage_rate) == "nan" and str(again.units[1].coverage_rate) == "-0.0"
    )
    # what it cannot give back as it was is not kept: a tuple (JSON reads a list), a numpy number
    for odd in (("990100",), np.float64(0.5)):
        bulletin.units[3].coverage_rate = odd
        with pytest.raises(TypeError):
            stored.dump_bulletin(bulletin)


def _documents_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every PDF document made from here on: `<audience> <period>` for a bulletin, the unit's
    code for a report (a document found by the key of what it reads is not made)."""
    from generator.render import pdf

    made: list[str] = []
    bulletin_document, report_document = pdf.bulletin_document, pdf.report_document

    def bulletin_made(b: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(f"{b.audience} {b.period}")
        return bulletin_document(b, *args, **kwargs)

    def report_made(b: Any, code: str, *args: Any) -> Any:
        made.append(code)
        return report_document(b, code, *args)

    monkeypatch.setattr(pdf, "bulletin_document", bulletin_made)
    monkeypatch.setattr(pdf, "report_document", report_made)
    return made


def test_an_earlier_ledger_changed_remakes_the_reports_whose_history_shows_it(
    small_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # three periods; 2026-09 gains a small shop in 南街道 (990201, of 乙区 990200): its figures of
    # 2026-09 change, so do 2026-10's changes against them, while 2026-11 (the rows of 2026-10
    # again) changes only in its history
    project = copy_built(small_build, tmp_path / "project", rebuild=False)
    project.write("enterprises", rows_of("enterprises", "2026-10"), period="2026-11")
    pdf_only = BuildOptions(jobs=1, site=False)
    build(project.root, pdf_only)
    made = _documents_made(monkeypatch)
    rows = rows_of("enterprises", "2026-09")
    shop = dict(rows[2], uscc=uscc("91990201MA0000009"), name="南街小店", employees="3")
    project.write("enterprises", [*rows, shop], period="2026-09")
    build(project.root, pdf_only)
    # the bulletins of each period show the city's history (its trend chart): all made again;
    # of the reports of 2026-11 those of 南街道 and 乙区, whose history lines show 2026-09, and
    # not those of 甲县 and its townships, whose documents read nothing that changed
    assert sorted(made) == [
        "990200",
        "990201",
        *(f"{a} 2026-{m}" for a in ("internal", "public") for m in ("09", "10", "11")),
    ]
    # 2026-11's own figures are as they were: its kept bulletins are given their new history
    assert stored.STATS == {"kept": 2, "assembled": 4, "unkeyed": 0}
    fresh = tmp_path / "fresh"
    build(project.root, BuildOptions(out=fresh, force=True, jobs=1, site=False))
    assert contents(project.root / "site") == contents(fresh)  # file by file, the same bytes
