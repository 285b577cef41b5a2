"""The site's pages kept from one build to the next (render.site_reuse): a page is written again
exactly when what its template reads changed, and the site is then the one built from nothing."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from conftest import Project, copy_built

from generator.build import BuildOptions, build
from generator.common.cache import CACHE_DIR
from generator.office.templates import BUILTIN
from generator.render import site_reuse

pytestmark = pytest.mark.slow

#: The intranet only: the pages are what these tests are about (the PDFs have their own caches,
#: and the public site is made by the same code).
SITES = {"pdf": False, "jobs": 1, "audience": "internal"}


def contents(folder: Path) -> dict[str, str]:
    """Every file under `folder` by its path: the digest of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def note(project: Project, text: str) -> None:
    """A write-up of 甲县 (990100) in 2026-10 saying `text`."""
    writeups = project.root / "content" / "writeups"
    writeups.mkdir(parents=True, exist_ok=True)
    (writeups / "note.md").write_text(
        '---\ntitle: 甲县开展培训\ndate: 2026-10-12\nunit: "990100"\ncategory: other\n---\n'
        f"{text}\n",
        encoding="utf-8",
    )


def same_as_from_nothing(project: Project, out: Path, fresh: Path) -> None:
    """The site built into `out` is, file by file, the one a --force build makes."""
    build(project.root, BuildOptions(out=fresh, force=True, **SITES))  # type: ignore[arg-type]
    assert contents(out) == contents(fresh)


@pytest.fixture
def built(small_build: Path, tmp_path: Path) -> tuple[Project, Path]:
    """A copy of the small project with a write-up, its sites built (the pages kept)."""
    project = copy_built(small_build, tmp_path / "project", rebuild=False)
    note(project, "第一稿。")
    out = tmp_path / "out"
    build(project.root, BuildOptions(out=out, **SITES))  # type: ignore[arg-type]
    return project, out


def test_a_changed_write_up_writes_only_the_pages_that_show_it(
    built: tuple[Project, Path], tmp_path: Path
) -> None:
    project, out = built
    note(project, "第二稿。")
    build(project.root, BuildOptions(out=out, **SITES))  # type: ignore[arg-type]
    # the intranet of the small project: the home page, the write-up's period's bulletin, its
    # unit, the write-up index and category pages and the write-up itself; not the others
    stats = dict(site_reuse.STATS)
    assert stats["unkeyed"] == 0
    assert 0 < stats["misses"] <= 8 and stats["hits"] >= 2 * stats["misses"], site_reuse.WRITTEN
    assert "guide/" not in site_reuse.WRITTEN  # the user guide, kept whole
    page = (out / "internal" / "writeups" / "note.html").read_text(encoding="utf-8")
    assert "第二稿" in page and "第一稿" not in page
    unit = (out / "internal" / "units" / "990100.html").read_text(encoding="utf-8")
    assert "甲县开展培训" in unit
    same_as_from_nothing(project, out, tmp_path / "fresh")


def test_a_changed_site_title_writes_every_page_again(
    built: tuple[Project, Path], tmp_path: Path
) -> None:
    project, out = built
    config = project.root / "bulletin.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "site_title: 甲市职工之家通报\n", encoding="utf-8"
    )
    build(project.root, BuildOptions(out=out, **SITES))  # type: ignore[arg-type]
    assert site_reuse.STATS["hits"] == 0
    assert "甲市职工之家通报" in (out / "internal" / "index.html").read_text(encoding="utf-8")
    same_as_from_nothing(project, out, tmp_path / "fresh")


def test_a_changed_template_of_the_project_is_shown(
    built: tuple[Project, Path], tmp_path: Path
) -> None:
    project, out = built
    own = project.root / "site_templates" / "site"
    own.mkdir(parents=True)
    source = (BUILTIN / "site" / "unit.md.j2").read_text(encoding="utf-8")
    template = own / "unit.md.j2"
    template.write_text(source.replace("## 工作动态", "## 工作动态（甲版）"), encoding="utf-8")
    build(project.root, BuildOptions(out=out, **SITES))  # type: ignore[arg-type]
    unit = out / "internal" / "units" / "990100.html"
    assert "工作动态（甲版）" in unit.read_text(encoding="utf-8")
    template.write_text(source.replace("## 工作动态", "## 工作动态（乙版）"), encoding="utf-8")
    build(project.root, BuildOptions(out=out, **SITES))  # type: ignore[arg-type]
    shown = unit.read_text(encoding="utf-8")
    assert "工作动态（乙版）" in shown and "甲版" not in shown
    same_as_from_nothing(project, out, tmp_path / "fresh")


def test_a_damaged_or_planted_kept_page_is_written_again(
    built: tuple[Project, Path], tmp_path: Path
) -> None:
    project, out = built
    kept = sorted((project.root / CACHE_DIR / "mkdocs" / "internal" / "pages-md").glob("*.md"))
    assert len(kept) > 10
    # one page damaged (a byte changed), one planted (a page of someone's making, its digest
    # line not vouching for it), one emptied
    damaged = kept[0].read_bytes()
    kept[0].write_bytes(damaged[:-2] + bytes([damaged[-2] ^ 1]) + damaged[-1:])
    kept[1].write_text("0" * 40 + "\n# 伪造的页面\n", encoding="utf-8")
    kept[2].write_bytes(b"")
    note(project, "第二稿。")  # a change, so that the build is not skipped as unchanged
    build(project.root, BuildOptions(out=out, **SITES))  # type: ignore[arg-type]
    assert site_reuse.STATS["misses"] >= 3
    assert not any("伪造的页面" in p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    same_as_from_nothing(project, out, tmp_path / "fresh")


def test_a_forced_build_writes_every_page(built: tuple[Project, Path]) -> None:
    project, out = built
    build(project.root, BuildOptions(out=out, force=True, **SITES))  # type: ignore[arg-type]
    assert site_reuse.STATS["hits"] == 0 and site_reuse.STATS["misses"] == 0


def test_a_changed_wording_reaches_the_bulletin_it_is_in(small_build: Path, tmp_path: Path) -> None:
    from pdf_reading import forget, page_texts

    project = copy_built(small_build, tmp_path / "project", rebuild=False)
    out = tmp_path / "out"
    options = {"out": out, "jobs": 1, "audience": "internal"}
    build(project.root, BuildOptions(**options))  # type: ignore[arg-type]
    pdf = out / "internal" / "pdf" / "2026-10" / "bulletin.pdf"
    # the small project criticises both counties in 2026-10 (see the golden bulletin)
    said = "".join(page_texts(pdf)).replace("\n", "")
    assert "对以下单位予以通报批评，请认真分析原因" in said
    own = project.root / "site_templates" / "pdf"
    own.mkdir(parents=True)
    (own / "wording.yml").write_text(
        "criticize_intro: 对以下单位予以通报批评，务请于$deadline前向$organization报告整改措施：\n",
        encoding="utf-8",
    )
    build(project.root, BuildOptions(**options))  # type: ignore[arg-type]
    forget()  # the PDF read before is another file now
    page_texts.cache_clear()
    said = "".join(page_texts(pdf)).replace("\n", "")
    assert (
        "对以下单位予以通报批评，务请于成文日期后第10个工作日前向测试市总工会报告整改措施" in said
    )
    assert "请认真分析原因" not in said


def test_a_page_showing_a_nan_is_not_kept_for_one_showing_a_missing_figure(
    project: Project, tmp_path: Path
) -> None:
    from generator.common.config import load_config
    from generator.model.bulletin import UnitFigures
    from generator.render.site_env import _figure

    # A rank missing is shown "—"; a rank that is NaN (not a number: an unranked unit's figure
    # the model failed to clear) is shown as it is: the two pages differ, so must their keys.
    config = load_config(project.root)
    reuse = site_reuse.PageReuse(tmp_path / "kept", [], config, [BUILTIN / "site"])
    shown = []
    for rank in (None, float("nan"), None):
        unit = UnitFigures("990100", "甲县", "county", "990000", 1)
        unit.rank = rank
        cell = partial(_figure, unit, "rank")
        shown.append(reuse.page("units/990100.md", "unit.md.j2", {"u": unit}, cell))
    assert shown == ["—", "nan", "—"]
    assert site_reuse.STATS["misses"] == 2 and site_reuse.STATS["hits"] == 1
    # and a site's bulletins are told apart the same way (a page given a bulletin is keyed by it)
    missing, nan = UnitFigures("1", "甲", "city", None, 0), UnitFigures("1", "甲", "city", None, 0)
    nan.coverage_rate = float("nan")
    assert site_reuse.digest([missing]) != site_reuse.digest([nan])
    assert site_reuse.digest([0.0]) != site_reuse.digest([-0.0]) != site_reuse.digest([0])
    with pytest.raises(TypeError):  # a function names nothing: its page is written again
        site_reuse.digest({"render": _figure})


def test_both_sites_after_one_write_up_changed_are_those_built_from_nothing(
    small_build: Path, tmp_path: Path
) -> None:
    """Both sites, with what their rebuild takes from the last build (pages, MkDocs' page work,
    the cut stylesheet, the compressed files): file by file those of a build from nothing."""
    project = copy_built(small_build, tmp_path / "project", rebuild=False)
    sites = {"pdf": False, "jobs": 1}
    out = tmp_path / "out"
    note(project, "第一稿。")
    build(project.root, BuildOptions(out=out, **sites))  # type: ignore[arg-type]
    note(project, "第二稿，多写了一句。")
    build(project.root, BuildOptions(out=out, **sites))  # type: ignore[arg-type]
    # the public site, the last made: only what shows the write-up was written again
    assert 0 < site_reuse.STATS["misses"] <= 8, site_reuse.WRITTEN
    assert "units/990200.md" not in site_reuse.WRITTEN  # 乙县 does not show it
    for audience in ("internal", "public"):
        page = (out / audience / "writeups" / "note.html").read_text(encoding="utf-8")
        assert "第二稿，多写了一句" in page and "第一稿" not in page
        packed = (out / audience / "writeups" / "note.html.gz").read_bytes()
        assert gzip.decompress(packed) == (out / audience / "writeups" / "note.html").read_bytes()
    fresh = tmp_path / "fresh"
    build(project.root, BuildOptions(out=fresh, force=True, **sites))  # type: ignore[arg-type]
    assert contents(out) == contents(fresh)


@dataclass
class _Pair:
    a: int
    b: int


def test_records_are_keyed_by_their_fields_whatever_order_their_attributes_are_in() -> None:
    """Pages are keyed by a record's class and its fields' values in order; a record whose
    attributes are in another order (set again after it was made) is keyed with their names."""
    assert site_reuse.digest(_Pair(1, 2)) == site_reuse.digest(_Pair(1, 2))
    assert site_reuse.digest(_Pair(1, 2)) != site_reuse.digest(_Pair(2, 1))
    moved = _Pair(2, 1)
    del moved.a
    moved.a = 2  # its attributes' values in order are now 1, 2: those of _Pair(1, 2)
    assert list(vars(moved).values()) == [1, 2]
    assert site_reuse.digest(moved) != site_reuse.digest(_Pair(1, 2))
    assert site_reuse.digest([moved]) != site_reuse.digest([_Pair(1, 2)])
    extra = _Pair(1, 2)
    extra.c = 3  # type: ignore[attr-defined]
    assert site_reuse.digest(extra) != site_reuse.digest(_Pair(1, 2))
    assert site_reuse.digest((1, 2)) != site_reuse.digest(_Pair(1, 2))
