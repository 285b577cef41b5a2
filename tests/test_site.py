"""The websites: pages, navigation, links, search index, audiences and sanitised write-ups."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from site_helpers import (
    HOSTILE_SLUG,
    MARKER,
    broken_links,
    build_sample_site,
    outside_resources,
    sample_bulletins,
)

from generator.common.config import Config
from generator.common.errors import BuildError
from generator.render import guide
from generator.render.safe_html import safe_html
from generator.render.site import render_site
from generator.render.site_charts import counties_summary, trend_summary

UNIT_CODES = ["990100", "990101001", "990101002", "990200", "990201001", "990201002"]


@pytest.fixture(scope="module")
def project(sample_site: tuple[Path, dict[str, Any]]) -> Path:
    """The session's build of the sample site for both audiences (read only)."""
    root, results = sample_site
    for audience in ("public", "internal"):
        result = results[audience]
        assert result["warnings"] == []  # MkDocs found nothing wrong (links, nav, config)
        assert result["pages"] > 20 and result["charts"] == 20  # 10 charts, desktop and phone
    return root


def article(page: Path) -> str:
    """The page's own content (Material's <article>), without the theme around it."""
    html = page.read_text(encoding="utf-8")
    match = re.search(r"<article[^>]*>(.*?)</article>", html, re.DOTALL)
    assert match, page
    return match.group(1)


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_every_page_is_built(project: Path, audience: str) -> None:
    site = project / "site" / audience
    for name in [
        "index.html",
        "bulletins/index.html",
        "bulletins/2026-09.html",
        "bulletins/2026-10.html",
        "units/index.html",
        *(f"units/{code}.html" for code in UNIT_CODES),
        "campaigns/pioneer-teams.html",
        "campaigns/book-rooms.html",
        "writeups/index.html",
        "writeups/category-pioneer-team.html",
        "writeups/2026-10-qingchuan-pioneer.html",
        f"writeups/{HOSTILE_SLUG}.html",
        "pages/about.html",
        "search/search_index.json",
    ]:
        assert (site / name).is_file(), name
    # the build's own files beside the site are kept
    assert (site / "pdf" / "2026-10" / "bulletin.pdf").is_file()
    home = article(site / "index.html")
    assert "75.0%" in home and "建会率" in home
    assert 'href="bulletins/2026-10.html"' in home
    assert 'src="charts/2026-10-trend.svg"' in home


def test_bulletin_page_is_the_web_version_of_the_pdf(project: Path) -> None:
    page = article(project / "site" / "internal" / "bulletins" / "2026-10.html")
    assert "关于2026年10月全市企业工会组建工作情况的通报" in page
    assert "示工发〔2026〕45号" in page
    assert "为推动全市企业普遍建会" in page  # preface
    assert "加大工作力度" in page  # closing
    assert "青川区东城街道" in page  # township ranking
    assert "通报批评" in page and "仅完成年度目标的50.0%" in page
    for href in [
        "../pdf/2026-10/bulletin.pdf",
        "../data/2026-10/bulletin.json",
        "../data/2026-10/indicators.csv",
        "../data/2026-10/indicators.xlsx",
    ]:
        assert f'href="{href}"' in page


def test_unit_page_shows_history_townships_and_internal_lists(project: Path) -> None:
    page = article(project / "site" / "internal" / "units" / "990200.html")
    assert "云溪县城关镇" in page and "云溪县白石乡" in page
    assert "2026年9月" in page and "2026年10月" in page  # one row per period
    assert 'src="../charts/unit-990200.svg"' in page
    assert "<figcaption>" in page and "云溪县企业建会率走势" in page
    assert f"云溪县白石矿业有限公司{MARKER}" in page  # tick-off list (internal)
    assert f"张三{MARKER}" in page and "138****1234" in page  # volunteers (internal)
    assert 'href="../pdf/2026-10/units/990200.pdf"' in page


@pytest.fixture(scope="module")
def without_downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with its public site built without the downloads (no PDF or data
    file beside the pages): its folder. Read only: a test that builds again works on a copy."""
    root = tmp_path_factory.mktemp("no-downloads")
    build_sample_site(root, "public", downloads=False)
    return root


def test_downloads_are_linked_only_when_the_build_wrote_them(without_downloads: Path) -> None:
    site = without_downloads / "site" / "public"
    page = article(site / "bulletins" / "2026-10.html")
    assert "bulletin.pdf" not in page and "bulletin.json" not in page
    assert broken_links(site) == []


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_every_link_resolves(project: Path, audience: str) -> None:
    assert broken_links(project / "site" / audience) == []


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_no_resource_comes_from_another_host(project: Path, audience: str) -> None:
    site = project / "site" / audience
    assert outside_resources(site) == []
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
        if page.name == "404.html":  # MkDocs roots it at "/" (it is served for any path)
            continue
        assert 'href="/' not in text and 'src="/' not in text  # relative links only


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_navigation_lists_sections_only(project: Path, audience: str) -> None:
    text = (project / ".bulletin-cache" / "mkdocs" / audience / "mkdocs.yml").read_text()
    config = yaml.safe_load(text)  # plain YAML: no Python tags, so other tools can read it
    assert config["use_directory_urls"] is False
    assert config["theme"]["font"] is False and config["theme"]["language"] == "zh"
    [plugin] = config["plugins"]  # search only, Chinese, split at Chinese punctuation too
    assert plugin["search"]["lang"] == "zh" and "（）" in plugin["search"]["separator"]

    def entries(nav: list) -> list[str]:
        out = []
        for item in nav:
            (value,) = item.values()
            out += entries(value) if isinstance(value, list) else [value]
        return out

    pages = entries(config["nav"])
    # the user guide's pages are a fixed few, on the intranet only
    guide_pages = [p for p in pages if p.startswith("guide/")]
    assert len(guide_pages) == (len(guide.PAGES) if audience == "internal" else 0)
    assert len(pages) - len(guide_pages) < 25
    assert not [p for p in pages if re.match(r"(units|bulletins|writeups)/(?!index|category)", p)]
    home = (project / "site" / audience / "index.html").read_text(encoding="utf-8")
    assert "units/990101001.html" not in home.split("<article")[0]  # not in the nav


def test_search_index_is_segmented_chinese(project: Path) -> None:
    index = json.loads((project / "site" / "public" / "search" / "search_index.json").read_text())
    assert index["config"]["lang"] == ["zh"]
    titles = {doc["location"]: doc["title"] for doc in index["docs"] if "#" not in doc["location"]}
    assert titles["units/990101001.html"].replace("\u200b", "") == "青川区东城街道"
    texts = " ".join(doc["text"] for doc in index["docs"])
    assert "\u200b先锋号\u200b" in texts  # jieba's word, as the search box segments it


def test_public_site_carries_nothing_internal(project: Path) -> None:
    public = project / "site" / "public"
    internal = project / "site" / "internal"
    assert MARKER in (internal / "units" / "990200.html").read_text(encoding="utf-8")
    assert MARKER in (internal / "search" / "search_index.json").read_text(encoding="utf-8")
    assert not (public / "quality").exists()
    assert not (public / "writeups" / "2026-10-yunxi-internal.html").exists()
    for path in public.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        assert MARKER.encode() not in data, path
        if path.suffix in (".html", ".json", ".svg", ".js") and "assets" not in path.parts:
            text = data.decode("utf-8")
            # Priority counts (待销号) are public figures; the enterprises behind them are not.
            for word in ["通报批评", "一票否决", "销号清单", "数据质量", "督导"]:
                assert word not in text, (path, word)
                assert json.dumps(word)[1:-1] not in text, (path, word)


def test_hostile_writeup_is_inert(project: Path) -> None:
    for audience in ("public", "internal"):
        site = project / "site" / audience
        page = article(site / "writeups" / f"{HOSTILE_SLUG}.html")
        lowered = page.lower()
        assert "<script" not in lowered
        assert "javascript:" not in lowered
        assert not re.search(r"\son\w+\s*=", lowered)
        assert "alert(" not in lowered
        assert "青川区开展工人先锋号劳动竞赛" in page
        assert 'href="https://example.org/news"' in page  # ordinary links stay
        assert "example.com/tracker.png" not in page  # outside images are dropped
        # the image inside content/ is copied; the one outside content/ is not
        assert 'src="../assets/content/writeups/img/photo.png"' in page
        assert (site / "assets" / "content" / "writeups" / "img" / "photo.png").is_file()
        assert not list(site.rglob("secret.png"))
        index = (site / "search" / "search_index.json").read_text()
        assert "alert" not in index


def test_project_pages_are_sanitised(project: Path) -> None:
    page = article(project / "site" / "public" / "pages" / "about.html")
    assert "关于本站" in page and "本站发布" in page and "<script" not in page


def test_safe_html_rules() -> None:
    html = safe_html(
        '<p onclick="x()">a</p><script>b()</script>[l](javascript:c) <iframe src="https://e"></iframe>'
        "<style>p{}</style>\n\n[ok](https://example.org) [rel](other.md) ![i](https://e/x.png)"
        " [js](javascript:alert(1))"
    )
    # A raw HTML block runs to the blank line (CommonMark): the link in it stays inert text.
    assert "onclick" not in html and "<script" not in html and 'href="javascript' not in html
    assert "iframe" not in html and "<style" not in html and "<img" not in html
    assert '<a rel="noopener noreferrer">js</a>' in html  # the words stay, not the target
    assert 'href="https://example.org"' in html and "other.md" not in html


def test_chart_summaries_state_the_figures() -> None:
    b = sample_bulletins("public")[-1]
    text = counties_summary(b)
    assert "最高为青川区（84.0%）" in text and "最低为云溪县（60.0%）" in text
    assert "全市平均75.0%" in text
    assert "从2026-08的73.0%到2026-10的75.0%" in trend_summary(b)
    assert "排名从第2名到第2名（共2个单位）" in trend_summary(b, "990200")


def test_project_templates_override_the_builtin_ones(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    own = tmp_path / "site_templates" / "site"
    own.mkdir(parents=True)
    (own / "units.md.j2").write_text("---\ntitle: 单位一览\n---\n\n# 本市自定义单位页\n")
    result = render_site(
        sample_bulletins("public"),
        Config(root=tmp_path),
        tmp_path / "out",
        work_dir=tmp_path / "work",
        jobs=1,
    )
    assert "本市自定义单位页" in (tmp_path / "out" / "units" / "index.html").read_text()
    assert result.pages > 20 and result.bytes > 0


def test_mixed_audiences_are_refused(tmp_path: Path) -> None:
    bulletins = [sample_bulletins("public")[0], sample_bulletins("internal")[1]]
    with pytest.raises(BuildError):
        render_site(
            bulletins, Config(root=tmp_path), tmp_path / "o", work_dir=tmp_path / "w", jobs=1
        )


def test_builds_are_deterministic(project: Path, tmp_path: Path) -> None:
    build_sample_site(tmp_path, "public")
    first = project / "site" / "public"
    second = tmp_path / "site" / "public"
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_chart_cache_forgets_charts_unused_for_an_hour(
    without_downloads: Path, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    shutil.copytree(without_downloads, root, symlinks=True)  # times kept: the cache's ages
    cache = root / ".bulletin-cache" / "mkdocs" / "charts"  # shared by both sites
    charts = list((root / "site" / "public" / "charts").glob("*.svg"))
    assert 0 < len(list(cache.glob("*.svg"))) <= len(charts)  # equal charts share an entry
    stale = cache / "0000.svg"
    stale.write_text("<svg/>")
    os.utime(stale, (1, 1))
    build_sample_site(root, "internal", downloads=False)
    assert not stale.exists()
    assert 0 < len(list(cache.glob("*.svg"))) <= len(charts)  # the public site's are kept


def test_a_unit_gone_from_the_latest_period_keeps_its_name_without_a_link(
    tmp_path: Path,
) -> None:
    bulletins = sample_bulletins("public")
    latest = bulletins[-1]
    latest.units = [u for u in latest.units if u.code != "990201002"]
    latest.township_ranking["990200"] = ["990201001"]
    latest.history.pop("990201002")
    (tmp_path / "content").mkdir()
    render_site(bulletins, Config(root=tmp_path), tmp_path / "out", work_dir=tmp_path / "w", jobs=1)
    old = article(tmp_path / "out" / "bulletins" / "2026-09.html")
    assert "云溪县白石乡" in old and "990201002.html" not in old
    assert not (tmp_path / "out" / "units" / "990201002.html").exists()
    assert broken_links(tmp_path / "out") == []


def test_hostile_names_and_titles_stay_text(tmp_path: Path) -> None:
    hostile = '<b onmouseover="x()">甲</b>*乙*[丙](javascript:alert(1)){#id}'
    bulletins = sample_bulletins("public")
    for b in bulletins:
        for u in b.units:
            if u.code == "990101002":
                u.name = hostile
        for w in b.writeups:
            w.title = hostile
    (tmp_path / "content").mkdir()
    render_site(bulletins, Config(root=tmp_path), tmp_path / "out", work_dir=tmp_path / "w", jobs=1)
    for page in [
        tmp_path / "out" / "units" / "990101002.html",
        tmp_path / "out" / "writeups" / "2026-10-qingchuan-pioneer.html",
        tmp_path / "out" / "bulletins" / "2026-10.html",
    ]:
        html = article(page)
        assert "<b " not in html and "<em>" not in html and 'href="javascript' not in html
        assert "&lt;b onmouseover=" in html  # shown as the text it is
    assert broken_links(tmp_path / "out") == []


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_text_files_are_precompressed_beside_them(project: Path, audience: str) -> None:
    import gzip

    site = project / "site" / audience
    for rel in (
        "index.html",
        "bulletins/2026-10.html",
        "assets/bulletin.css",
        "search/search_index.json",
    ):
        plain = (site / rel).read_bytes()
        packed = (site / f"{rel}.gz").read_bytes()
        assert gzip.decompress(packed) == plain, rel
        assert len(packed) < len(plain) / 2, rel
        assert packed[4:8] == b"\0\0\0\0"  # no time in the header: the same bytes every build
    charts = list((site / "charts").glob("*.svg"))
    assert charts and all(c.with_name(c.name + ".gz").is_file() for c in charts)
    # Files of the other stages (PDF, data downloads) are theirs: none compressed here.
    assert not [p for p in (site / "pdf").rglob("*.gz")] + [
        p for p in (site / "data").rglob("*.gz")
    ]


def test_chart_workers_are_forked_only_for_enough_charts_to_draw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the number of processes left to the tool, a worker is forked per CHARTS_PER_WORKER
    different charts not yet in the cache (here 2, to draw few): a small site, or one whose
    charts its sibling site drew, draws them itself."""
    from sample_model import sample_bulletin

    from generator.render import site_charts as site_module
    from generator.render.site_charts import ChartJob, _ChartRunner

    monkeypatch.setattr(site_module.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(site_module, "CHARTS_PER_WORKER", 2)
    # one bulletin per "period": each draws its own county chart (wide and narrow)
    bulletins = [replace(sample_bulletin(), period_label=f"第{i}期") for i in range(10)]

    def runner(charts: int, cache: Path, processes: int | None = None) -> _ChartRunner:
        jobs = [ChartJob(f"c{i}.svg", "counties", i // 2, narrow=i % 2 == 1) for i in range(charts)]
        jobs += [ChartJob(f"again{i}.svg", "counties", 0) for i in range(3)]  # one chart, 3 times
        return _ChartRunner(jobs, bulletins, tmp_path / "out", cache, processes)

    def forks(run: _ChartRunner) -> int:
        run.start()
        workers = run.pool.workers if run.pool is not None else 0
        run.finish()
        return workers

    assert forks(runner(1, tmp_path / "a")) == 0  # one different chart to draw
    assert forks(runner(1, tmp_path / "b", processes=4)) == 3  # chosen by the user: as asked
    assert forks(runner(4, tmp_path / "c")) == 2
    assert forks(runner(12, tmp_path / "d")) == 3  # never more than the other cores
    assert forks(runner(4, tmp_path / "c")) == 0  # all in the cache now: nothing to draw
    drawn = {p.name for p in (tmp_path / "out").iterdir()}
    assert {f"c{i}.svg" for i in range(12)} | {f"again{i}.svg" for i in range(3)} == drawn


# --------------------------------------------------------------------------------------------
# What every page says of itself, every period's reports, the search words of a bulletin and a
# unit, and the theme's stylesheet cut to what the pages use.


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_every_page_says_which_data_it_shows_and_when_it_was_made(
    project: Path, audience: str
) -> None:
    site = project / "site" / audience
    pages = [p for p in site.rglob("*.html") if p.name != "404.html"]
    assert len(pages) > 20
    # the sample's latest period is 2026-10, signed on 2026-11-05: the date the files carry,
    # not the day of the build
    dated = "数据截至2026年10月31日，2026年11月5日生成"
    robots = '<meta name="robots" content="noindex, nofollow">'
    for page in pages:
        text = page.read_text(encoding="utf-8")
        footer = text.split('<footer class="md-footer">', 1)[1]
        assert dated in footer, page
        assert re.search(r'<meta name="description" content="[^"]{20,}">', text), page
        assert (robots in text) == (audience == "internal"), page
    unit = (site / "units" / "990200.html").read_text(encoding="utf-8")
    assert '<meta name="description" content="云溪县企业工会组建情况：企业' in unit
    robots_txt = site / "robots.txt"
    assert robots_txt.is_file() == (audience == "internal")
    if audience == "internal":
        assert robots_txt.read_text() == "User-agent: *\nDisallow: /\n"


def test_unit_pages_link_the_report_of_every_period_with_its_size(tmp_path: Path) -> None:
    earlier = tmp_path / "site" / "internal" / "pdf" / "2026-09" / "units" / "990200.pdf"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"%PDF" + b"x" * (300 * 1024))  # 300 KB
    build_sample_site(tmp_path, "internal")
    page = article(tmp_path / "site" / "internal" / "units" / "990200.html")
    links = re.findall(r'<a href="(\.\./pdf/[^"]+)"([^>]*)>([^<]+)</a>（([^）]+)）', page)
    assert links == [
        ("../pdf/2026-10/units/990200.pdf", "", "2026年10月", "1 KB"),  # newest first
        ("../pdf/2026-09/units/990200.pdf", "", "2026年9月", "300 KB"),
    ]  # no `download`: a PDF opens in the browser's viewer
    bulletin = article(tmp_path / "site" / "internal" / "bulletins" / "2026-10.html")
    assert (
        '<a href="../data/2026-10/indicators.csv" download>各单位指标（CSV）</a>（1 KB）'
        in bulletin
    )
    assert '<a href="../pdf/2026-10/bulletin.pdf">通报 PDF</a>（1 KB）' in bulletin


def test_search_finds_a_bulletin_by_its_month_and_number_and_a_unit_by_its_parts(
    project: Path,
) -> None:
    index = json.loads((project / "site" / "public" / "search" / "search_index.json").read_text())
    [bulletin] = [d for d in index["docs"] if d["location"] == "bulletins/2026-10.html"]
    assert bulletin["tags"][:2] == ["2026年10月", "2026-10"]
    for word in ("10月份", "十月份", "2026年", "示工发〔2026〕45号", "45号"):
        assert word in bulletin["tags"]
    assert (
        bulletin["boost"]
        > next(d for d in index["docs"] if d["location"] == "bulletins/2026-09.html")["boost"]
    )
    # numbers stay with their Chinese unit in the page text, as a query types them
    words = {
        w for d in index["docs"] for w in re.split(r"[\s\u200b]+", d["title"] + " " + d["text"])
    }
    assert {"2026年10月", "示工发〔2026〕45号"} <= words


def test_the_public_bulletin_is_headed_by_what_follows(project: Path) -> None:
    public = article(project / "site" / "public" / "bulletins" / "2026-10.html")
    internal = article(project / "site" / "internal" / "bulletins" / "2026-10.html")
    assert re.findall(r'<h2 id="judgments">([^<]+)</h2>', public) == ["表扬"]
    assert '<h3 id="j-commend">' not in public  # no second heading saying the same
    assert re.findall(r'<h2 id="judgments">([^<]+)</h2>', internal) == ["表扬与批评"]
    assert '<h3 id="j-criticize">通报批评</h3>' in internal


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_the_theme_stylesheet_keeps_only_what_the_pages_use(project: Path, audience: str) -> None:
    site = project / "site" / audience
    [sheet] = (site / "assets" / "stylesheets").glob("main.*.min.css")
    css = sheet.read_text(encoding="utf-8")
    assert len(css) < 90_000  # Material's own: 134 KB
    assert ".md-header{" in css or ".md-header " in css or ".md-header," in css
    assert ".md-search-result__item" in css  # added by Material's script: kept
    assert ".tabbed-labels" not in css  # content tabs: on no page
    assert "[dir=rtl]" not in css  # every page is written left to right
    home = (site / "index.html").read_text(encoding="utf-8")
    assert f"assets/stylesheets/{sheet.name}" in home
