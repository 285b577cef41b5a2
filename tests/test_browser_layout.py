"""The demo city's sites in headless Chromium on a phone (390×844) and a desktop (1366×900): wide
tables, chart text, paper (A4), accessibility (axe-core), the 404 page, and the pioneer-team
counts (search by name: test_search). The session's one build of the demo project serves
every test. Needs Debian's chromium (never a downloaded browser); the axe-core checks need
tests/a11y/node_modules (./run installs it when node is present)."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from demo_site import DESKTOP, PERIOD, PHONE, REPO, serve

AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
#: The seven kinds of page, as (site, path).
PAGES = {
    "home": ("public", "index.html"),
    "bulletin": ("public", f"bulletins/{PERIOD}.html"),
    "county": ("internal", "units/990102.html"),
    "township": ("public", "units/990102001.html"),
    "campaign": ("public", "campaigns/pioneer-teams.html"),
    "quality": ("internal", f"quality/{PERIOD}.html"),
    "guide": ("internal", "guide/inputs.html"),
}

browser_only = pytest.mark.browser


# --------------------------------------------------------------------------------------------
# One build of the demo city, served under a sub-path by a server that answers unknown
# addresses with the site's 404.html, as web servers are usually set up.


@pytest.fixture(scope="module")
def demo(demo_build: Path) -> Path:
    """The session's build of the demo city (read only)."""
    return demo_build


@pytest.fixture(scope="module")
def base(demo_base: str) -> str:
    return demo_base


@pytest.fixture(scope="module")
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP)
    try:
        yield context.new_page()
    finally:
        context.close()


def url(base: str, name: str) -> str:
    site, path = PAGES[name]
    return f"{base}/{site}/{path}"


# --------------------------------------------------------------------------------------------
# Tables: a cell outside the screen is allowed only in a table that scrolls inside its frame,
# with its first column pinned and the hint shown.

#: Brought into view as a reader scrolls to it, then two frames: a table far from the screen is
#: laid out (and marked by site.js) only when it comes near.
_SHOW = """async el => {
  el.scrollIntoView({block: "center"});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))));
}"""

_TABLES = """async () => {
  const show = {_SHOW};
  const width = document.documentElement.clientWidth;
  const out = {pageWidth: document.documentElement.scrollWidth, width, bad: [], scrolling: 0};
  for (const table of document.querySelectorAll("article table")) {
    if (!table.offsetParent) continue;
    await show(table);
    const cells = [...table.querySelectorAll("th, td")];
    const outside = cells.filter(c => { const r = c.getBoundingClientRect(); return r.right > width + 0.5 || r.left < -0.5; });
    if (!outside.length) continue;
    const wrap = table.closest(".table-wrap");
    const name = (table.querySelector("th") || {}).textContent;
    if (!wrap) { out.bad.push(["no frame", name]); continue; }
    const box = wrap.getBoundingClientRect();
    const style = getComputedStyle(wrap);
    if (box.right > width + 0.5 || box.left < -0.5) out.bad.push(["frame outside the screen", name]);
    if (!["auto", "scroll"].includes(style.overflowX) || wrap.scrollWidth <= wrap.clientWidth) out.bad.push(["does not scroll", name]);
    const firsts = [...table.rows].map(r => r.cells[0]);
    if (!firsts.every(c => getComputedStyle(c).position === "sticky")) out.bad.push(["first column not pinned", name]);
    const hint = wrap.previousElementSibling;
    if (!hint || !hint.classList.contains("scroll-hint") || !hint.offsetParent) out.bad.push(["no hint", name]);
    // Scrolled to its end, the first column is still where it was.
    const before = firsts[0].getBoundingClientRect().left;
    wrap.scrollLeft = wrap.scrollWidth;
    const after = firsts[0].getBoundingClientRect().left;
    const last = table.rows[0].cells[table.rows[0].cells.length - 1].getBoundingClientRect();
    if (Math.abs(after - before) > 1) out.bad.push(["first column moved", name]);
    if (last.right > box.right + 1) out.bad.push(["last column never shown", name]);
    wrap.scrollLeft = 0;
    out.scrolling += 1;
  }
  window.scrollTo(0, 0);
  return out;
}""".replace("{_SHOW}", _SHOW)


_AXE_RUN = (
    "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
    ".filter(v => ['serious', 'critical'].includes(v.impact))"
    ".map(v => [v.id, v.nodes.length, v.nodes.slice(0, 3).map(n => n.html)]))"
)
_OPEN_DETAILS = """() => Promise.all([...document.querySelectorAll("details")]
  .filter(d => !d.open)
  .map(d => new Promise(done => { d.addEventListener("toggle", done, {once: true}); d.open = true; })))"""
#: The pages whose charts are measured on a phone.
CHART_PAGES = ("home", "bulletin", "county", "township")


#: The 创建活动 table of a unit page, brought into view: each row's height and the lines its name
#: is shown on (the name's own text: not its tags, not the host under it), each column's texts.
_CAMPAIGNS = """async () => {
  const show = {_SHOW};
  let wrap = document.getElementById("campaigns").nextElementSibling;
  while (wrap && !wrap.classList.contains("table-wrap")) wrap = wrap.nextElementSibling;
  const table = wrap.querySelector("table");
  await show(table);
  const lines = cell => {
    const found = [];
    let top = null;
    for (const node of cell.childNodes) {
      if (node.nodeType === Node.ELEMENT_NODE && node.tagName !== "WBR") break;
      if (node.nodeType !== Node.TEXT_NODE) continue;
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect || !node.data[i].trim()) continue;
        if (top === null || rect.top > top + 2) { found.push(""); top = rect.top; }
        found[found.length - 1] += node.data[i];
      }
    }
    return found;
  };
  const rows = [...table.tBodies[0].rows];
  const first = getComputedStyle(rows[0].cells[0]);
  const out = {
    height: table.getBoundingClientRect().height,
    line: parseFloat(first.lineHeight) || 1.6 * parseFloat(first.fontSize),
    rows: rows.map(r => [r.getBoundingClientRect().height, lines(r.cells[0])]),
    headers: [...table.tHead.rows[0].cells].map(c => c.textContent.trim()),
    columns: [...table.tHead.rows[0].cells].map((_, i) => rows.map(r => r.cells[i].textContent.trim())),
  };
  window.scrollTo(0, 0);
  return out;
}""".replace("{_SHOW}", _SHOW)


@pytest.fixture(scope="module")
def axe_script() -> Iterator[str | None]:
    """The address of axe-core's script (None: not installed), served apart from the site: a
    script loaded from an address stays compiled in Chromium from one page to the next, one
    added as text is compiled again on each."""
    if not AXE.is_file():
        yield None
        return
    with serve(AXE.parent) as address:
        yield f"{address}/{AXE.name}"


@pytest.fixture(scope="module")
def visit(base: str, phone: Any, desktop: Any, axe_script: str | None) -> Any:
    """Each page opened once at each size, everything the tests ask of it found in that one
    load, in this order: axe-core's violations (the page as it came), on a phone the charts as
    shown (each scrolled into view and loaded), then with every <details> open the tables."""
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def visit(name: str, size: str) -> dict[str, Any]:
        if (name, size) in found:
            return found[(name, size)]
        page = phone if size == "phone" else desktop
        page.goto(url(base, name), wait_until="load")
        seen: dict[str, Any] = {"axe": None, "charts": []}
        if axe_script is not None:
            page.add_script_tag(url=axe_script)
            seen["axe"] = page.evaluate(_AXE_RUN)
        if name in CHART_PAGES:
            images = page.locator("figure.chart img")
            for i in range(images.count()):
                image = images.nth(i)
                image.scroll_into_view_if_needed()
                image.evaluate("i => i.complete || new Promise(r => { i.onload = r; })")
                seen["charts"].append(
                    image.evaluate("i => [i.currentSrc, i.getBoundingClientRect().width]")
                )
        # Every closed <details> opened; done when each one's toggle event has reached it, after
        # the site's script (listening on the document, capturing) has marked its tables.
        page.evaluate(_OPEN_DETAILS)
        page.wait_for_function("() => document.readyState === 'complete'")
        seen["tables"] = page.evaluate(_TABLES)
        seen["regions"] = page.evaluate(
            "() => [...document.querySelectorAll('[role=region]')].map(r => r.getAttribute('aria-label'))"
        )
        seen["footer"] = page.locator("footer.md-footer").inner_text()
        seen["figures"] = page.evaluate(
            """() => [...document.querySelectorAll("article table.figures")].map(t => [
                 t.querySelector("th").textContent,
                 [...new Set([...t.querySelectorAll("td:not(:first-child)")]
                   .map(c => getComputedStyle(c).textAlign))]])"""
        )
        seen["downloads"] = page.locator("article p.downloads a").evaluate_all(
            "links => links.map(a => [a.textContent, a.href])"
        )
        if name == "county" and size == "phone":
            seen["campaigns"] = page.evaluate(_CAMPAIGNS)
        found[(name, size)] = seen
        return seen

    return visit


@browser_only
@pytest.mark.parametrize("name", list(PAGES))
def test_tables_fit_or_scroll_with_a_pinned_first_column(visit: Any, name: str) -> None:
    for size in (PHONE, DESKTOP):
        found = visit(name, "phone" if size is PHONE else "desktop")["tables"]
        assert found["bad"] == [], (size, found)
        assert found["pageWidth"] <= size["width"], size  # the page itself never scrolls sideways
        if name == "bulletin" and size is PHONE:
            assert found["scrolling"] >= 5  # the rankings do scroll there


@browser_only
def test_a_county_pages_campaign_table_is_short_on_a_phone(visit: Any) -> None:
    """The 创建活动 table of a county page at 390 px: no row taller than three lines (a name on
    two, the host under it), names broken between words only, no column saying what another
    says or only "—" (it was 2 973 px tall, names 2–4 characters a line, 所在单位 repeating
    名称, 状态 "—" on every row)."""
    import jieba

    found = visit("county", "phone")["campaigns"]
    rows, line = found["rows"], found["line"]
    assert len(rows) >= 20
    tall = [(height, name) for height, name in rows if height > 3 * line + 12]
    assert tall == []
    assert found["height"] <= len(rows) * (2 * line + 12) + 3 * line
    broken = []
    for _, name in rows:
        whole = "".join(name)
        ends, at = set(), 0
        for word in jieba.cut(whole):
            at += len(word)
            ends.add(at)
        cuts = [sum(map(len, name[: i + 1])) for i in range(len(name) - 1)]
        inside = [c for c in cuts if c not in ends]
        # and, whatever the segmenter says, never inside these
        for word in ("有限公司", "有限责任公司", "街道", "职工书屋", "工人先锋号", "模范职工之家"):
            start = whole.find(word)
            inside += [c for c in cuts if start >= 0 and start < c < start + len(word)]
        if inside:
            broken.append(name)
    assert broken == []
    assert max(len(name) for _, name in rows) <= 2
    columns = found["columns"]
    assert len(set(found["headers"])) == len(found["headers"])
    assert len({tuple(c) for c in columns}) == len(columns)  # no column repeats another
    assert [h for h, c in zip(found["headers"], columns, strict=True) if set(c) <= {"—"}] == []


@browser_only
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_says_which_data_it_shows_and_when_it_was_made(visit: Any, name: str) -> None:
    # the demo's latest period is 2026-10, its bulletin signed on 2026-11-09 (content/bulletins)
    assert "数据截至2026年10月31日，2026年11月9日生成" in visit(name, "phone")["footer"]


@browser_only
def test_numbers_are_right_aligned_in_key_area_and_target_tables(visit: Any) -> None:
    tables = visit("county", "phone")["figures"]
    assert len(tables) >= 2  # 目标任务 and 所在区域类型 at least
    assert {heading: aligned for heading, aligned in tables} == {
        heading: ["right"] for heading, _ in tables
    }


@browser_only
def test_the_public_bulletin_offers_its_tables_as_csv_and_excel(visit: Any, desktop: Any) -> None:
    links = dict(visit("bulletin", "desktop")["downloads"])
    assert list(links) == ["通报 PDF", "数据（JSON）", "各单位指标（CSV）", "各单位指标（Excel）"]
    for label, kind in (
        ("各单位指标（CSV）", "text/csv"),
        ("各单位指标（Excel）", "spreadsheetml"),
    ):
        answer = desktop.request.get(links[label])
        assert answer.status == 200 and kind in answer.headers["content-type"], label
        body = answer.body()
        if kind == "text/csv":  # UTF-8 with its BOM, as Excel and WPS read it
            assert body.startswith("\ufeff单位代码,单位名称".encode())
        else:
            assert body.startswith(b"PK")


@browser_only
def test_ranking_shows_every_column_on_a_desktop(base: str, desktop: Any) -> None:
    """At 1366 px the county ranking fits: 目标完成率 to 排名变化 are on the screen."""
    desktop.goto(url(base, "bulletin"), wait_until="load")
    table = desktop.locator("table.ranking").first
    width = DESKTOP["width"]
    for header in ("目标完成率", "序时进度", "得分", "排名变化"):
        box = table.locator("th", has_text=header).bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, header
    assert desktop.locator(".scroll-hint").count() == 0


@browser_only
def test_phone_layout(base: str, phone: Any) -> None:
    phone.goto(url(base, "home"), wait_until="load")
    cards = phone.locator("article .cards .card")
    tops = [cards.nth(i).bounding_box()["y"] for i in range(4)]
    assert tops[0] == tops[1] and tops[2] == tops[3] and tops[2] > tops[0]  # two a row
    phone.goto(f"{base}/public/bulletins/index.html", wait_until="load")
    title = phone.locator("article td.title a").first
    # An archive title wraps instead of being cut: all of it is inside its cell.
    assert title.evaluate("a => a.scrollWidth <= a.parentElement.clientWidth + 1")
    align = phone.locator("article td.n").first.evaluate("td => getComputedStyle(td).textAlign")
    text_align = phone.locator("article td.title").first.evaluate(
        "td => getComputedStyle(td).textAlign"
    )
    assert (align, text_align) == ("right", "left")


# --------------------------------------------------------------------------------------------
# Charts at 390 px: every text at least 11 CSS px as shown.


def _font_sizes(svg: bytes) -> list[float]:
    root = ET.fromstring(svg)
    sizes = []
    for element in root.iter():
        if element.tag.endswith("text"):
            match = re.search(r"font-size:\s*([\d.]+)px", element.get("style", ""))
            assert match, element.attrib
            sizes.append(float(match.group(1)))
    return sizes


@browser_only
@pytest.mark.parametrize("name", CHART_PAGES)
def test_chart_text_is_readable_on_a_phone(demo: Path, visit: Any, name: str) -> None:
    charts = visit(name, "phone")["charts"]
    assert len(charts) >= 1
    for source, shown in charts:
        path = demo / unquote(urlsplit(source).path).lstrip("/")
        svg = path.read_bytes()
        view_width = float(ET.fromstring(svg).get("viewBox", "0 0 1 1").split()[2])
        sizes = _font_sizes(svg)
        assert sizes, source
        smallest = min(sizes) * shown / view_width
        assert smallest >= 11, (source, smallest)


@browser_only
@pytest.mark.parametrize("name", CHART_PAGES)
def test_chart_text_is_12_px_or_more_on_a_desktop(demo: Path, visit: Any, name: str) -> None:
    charts = visit(name, "desktop")["charts"]
    assert len(charts) >= 1
    for source, shown in charts:
        path = demo / unquote(urlsplit(source).path).lstrip("/")
        svg = path.read_bytes()
        view_width = float(ET.fromstring(svg).get("viewBox", "0 0 1 1").split()[2])
        smallest = min(_font_sizes(svg)) * shown / view_width
        assert smallest >= 12, (source, smallest)


@browser_only
@pytest.mark.parametrize("name", ["bulletin", "county"])
def test_table_regions_have_names_of_their_own(visit: Any, name: str) -> None:
    regions = visit(name, "phone")["regions"]
    assert len(regions) >= 3
    assert len(set(regions)) == len(regions), regions


# --------------------------------------------------------------------------------------------
# Paper: a bulletin page printed on A4.


@browser_only
def test_bulletin_prints_on_a4_with_every_column(base: str, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto(url(base, "bulletin"), wait_until="load")
        page.emulate_media(media="print")
        # A4 less the margins of the print stylesheet, in CSS px (96 a inch).
        page.set_viewport_size({"width": round((210 - 24) / 25.4 * 96), "height": 1000})
        clipped = page.evaluate(
            """() => [...document.querySelectorAll("article table")].filter(t => {
                 const right = t.closest("article").getBoundingClientRect().right;
                 return [...t.querySelectorAll("th, td")].some(c => c.getBoundingClientRect().right > right + 0.5);
               }).length"""
        )
        assert clipped == 0
        headings = [
            h.strip() for h in page.locator("article h2, article h3").all_inner_texts() if h.strip()
        ]
        columns = page.locator("table.ranking").first.locator("th").all_inner_texts()
        pdf = tmp_path / "bulletin.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, print_background=True)
    finally:
        context.close()
    pages = _pdf_pages(pdf)
    assert 1 < len(pages) < 10
    text = "".join(pages).replace(" ", "")
    for column in columns:  # every column of the ranking is on paper
        assert column.replace("\n", "") in text.replace("\n", ""), column
    for number, page_text in enumerate(pages[:-1], 1):
        lines = [line.strip() for line in page_text.splitlines() if line.strip()]
        assert lines, number
        assert lines[-1] not in headings, (number, lines[-1])  # no heading alone at a foot


def _pdf_pages(pdf: Path) -> list[str]:
    if shutil.which("pdftotext") is None:  # pragma: no cover - poppler-utils is in ./run
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


# --------------------------------------------------------------------------------------------
# Accessibility: axe-core finds nothing serious or critical that the site's templates or CSS
# cause.


@browser_only
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_serious_violation(visit: Any, name: str) -> None:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (./run installs it when node is present)")
    for size in ("phone", "desktop"):
        result = visit(name, size)["axe"]
        assert result == [], (size, result)


# --------------------------------------------------------------------------------------------
# The 404 page: Chinese, styled and leading home from a deeper address and from file://.


@browser_only
def test_404_page_leads_home_from_a_sub_path_and_the_file_system(
    base: str, demo: Path, desktop: Any
) -> None:
    response = desktop.goto(f"{base}/public/units/no/such/page.html", wait_until="load")
    assert response.status == 404
    assert "页面不存在" in desktop.locator("h1").inner_text()
    home = desktop.locator("main a", has_text="首页")
    home.wait_for()
    desktop.wait_for_function(
        "() => document.querySelector('main a').getAttribute('href').startsWith('/')"
    )
    home.click()
    desktop.wait_for_url(f"{base}/public/index.html")
    assert desktop.locator(".md-header").count() == 1
    desktop.goto((demo / "internal" / "404.html").as_uri(), wait_until="load")
    assert desktop.locator("header").evaluate("h => getComputedStyle(h).backgroundColor") == (
        "rgb(183, 28, 28)"
    )
    desktop.locator("main a", has_text="历期通报").click()
    desktop.wait_for_url("**/internal/bulletins/index.html")
    assert desktop.locator("h1").inner_text() == "历期通报"


# --------------------------------------------------------------------------------------------
# Pioneer teams: one count everywhere (CONTRACT §4: named ones; 创建中 counted apart), worked
# out here from the roster itself.


def test_pioneer_team_counts_agree_on_every_page(demo: Path) -> None:
    path = REPO / "data" / "pioneer_teams.csv"
    rows = list(csv.DictReader(path.open(encoding="gb18030")))
    end = f"{PERIOD}-31"
    named = [
        r
        for r in rows
        if r["状态"] == "已命名" and r["命名日期"] and r["命名日期"].replace("/", "-") <= end
    ]
    candidates = [
        r
        for r in rows
        if r["申报日期"] <= end
        and (r["状态"] == "创建中" or (r["状态"] == "已命名" and r not in named))
    ]
    assert len(named) == 65 and len(rows) == 99  # the demo's roster, counted by hand
    n = len(named)
    for site in ("public", "internal"):
        home = (demo / site / "index.html").read_text(encoding="utf-8")
        assert f"全市已命名工人先锋号{n}个" in home
        bulletin = (demo / site / "bulletins" / f"{PERIOD}.html").read_text(encoding="utf-8")
        row = re.search(r"工人先锋号</a>（已命名）</td>\s*<td class=\"n\">(\d+)</td>", bulletin)
        assert row and int(row.group(1)) == n
        index = (demo / site / "campaigns" / "index.html").read_text(encoding="utf-8")
        card = re.search(r"工人先锋号</a>（已命名）</div><div class=\"card-value\">(\d+)<", index)
        assert card and int(card.group(1)) == n
        page = (demo / site / "campaigns" / "pioneer-teams.html").read_text(encoding="utf-8")
        assert f"已命名{n}个" in page and f"另有创建中{len(candidates)}个" in page
        levels = re.findall(r"<h2 id=\"level-\d+\">[^<（]+（(\d+)个）", page)
        assert sum(map(int, levels)) == n
        # Under 命名日期 only the naming dates of named teams (never a 申报日期).
        named_dates = {r["命名日期"] for r in named}
        for section in re.split(r"<h2 id=\"(?:candidates|revoked)\"", page)[0].split("<h2")[1:]:
            for date in re.findall(r"<td class=\"n\">(\d{4}-\d{2}-\d{2})</td>", section):
                assert date in named_dates
