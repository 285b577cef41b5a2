"""The built sites in headless Chromium: pages render, search finds Chinese words, nothing leaves
127.0.0.1 and the console stays clean. Needs Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from demo_site import CHROMIUM, serve

pytestmark = pytest.mark.browser

#: Where the screenshots go (set BULLETIN_SCREENSHOTS to keep them).
SHOTS = os.environ.get("BULLETIN_SCREENSHOTS")

if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip("Debian chromium is not installed", allow_module_level=True)
pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served(sample_site: tuple[Path, dict[str, object]]) -> Iterator[tuple[str, Path]]:
    """Both sites (the session's build, read only) served from a sub-path:
    http://127.0.0.1:PORT/<audience>/."""
    root, _ = sample_site
    with serve(root / "site") as url:
        yield url, root / "site"


class Visit:
    """A browser page that records every request URL and every console error."""

    def __init__(self, browser: object, shots: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.shots = shots

        def route(r: object) -> None:
            url = r.request.url  # type: ignore[attr-defined]
            self.requests.append(url)
            host = urlsplit(url).hostname
            if url.startswith("file:") or host == "127.0.0.1":
                r.continue_()  # type: ignore[attr-defined]
            else:
                r.abort()  # type: ignore[attr-defined]

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, url: str) -> object:
        self.page.goto(url, wait_until="load")
        return self.page

    @staticmethod
    def image_loaded(image: object) -> bool:
        """Whether an image shows. The site's images load lazily, after the page's load event:
        scrolled to, then waited for until it has loaded or failed."""
        image.scroll_into_view_if_needed()  # type: ignore[attr-defined]
        return bool(
            image.evaluate(  # type: ignore[attr-defined]
                "i => (i.complete ? Promise.resolve() : new Promise(r => {"
                " i.addEventListener('load', r); i.addEventListener('error', r); }))"
                ".then(() => i.naturalWidth > 0)"
            )
        )

    def shot(self, name: str, full_page: bool = True) -> None:
        """A screenshot to look at, taken only when it is kept (BULLETIN_SCREENSHOTS)."""
        if not SHOTS:
            return
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page)

    def outside(self) -> list[str]:
        return [
            u
            for u in self.requests
            if not (u.startswith("file:") or urlsplit(u).hostname == "127.0.0.1")
        ]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: object, tmp_path: Path) -> Iterator[Visit]:
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    v = Visit(browser, shots)
    try:
        yield v
    finally:
        v.close()


def test_home_bulletin_and_unit_pages_render(served: tuple[str, Path], visit: Visit) -> None:
    base, _ = served
    page = visit.open(f"{base}/internal/index.html")
    assert "企业工会组建工作通报" in page.title()  # type: ignore[attr-defined]
    cards = page.locator(".card")  # type: ignore[attr-defined]
    assert cards.count() >= 6
    assert "75.0%" in cards.nth(2).inner_text()
    chart = page.locator("figure.chart img").first  # type: ignore[attr-defined]
    assert visit.image_loaded(chart)
    visit.shot("home-internal")

    page.click("text=关于2026年10月全市企业工会组建工作情况的通报")  # type: ignore[attr-defined]
    page.wait_for_url("**/bulletins/2026-10.html")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "关于2026年10月全市企业工会组建工作情况的通报"  # type: ignore[attr-defined]
    assert page.locator("table.ranking").count() >= 3  # type: ignore[attr-defined]
    visit.shot("bulletin-internal")

    page.locator("table.ranking a", has_text="云溪县").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/units/990200.html")  # type: ignore[attr-defined]
    assert page.locator("#priority").count() == 1  # type: ignore[attr-defined]
    page.locator("details.chart-data summary").first.click()  # type: ignore[attr-defined]
    assert page.locator("details.chart-data table").first.is_visible()  # type: ignore[attr-defined]
    visit.shot("unit-internal")

    assert visit.errors == []
    assert visit.outside() == []
    assert all("/internal/" in u for u in visit.requests)  # relative links kept the sub-path


def test_public_pages_render_without_internal_parts(served: tuple[str, Path], visit: Visit) -> None:
    base, _ = served
    page = visit.open(f"{base}/public/units/990200.html")
    assert page.locator("h1").inner_text() == "云溪县"  # type: ignore[attr-defined]
    assert page.locator("#priority").count() == 0  # type: ignore[attr-defined]
    assert page.locator("#volunteers").count() == 0  # type: ignore[attr-defined]
    visit.shot("unit-public")
    visit.open(f"{base}/public/index.html")
    visit.shot("home-public")
    assert visit.errors == []
    assert visit.outside() == []


@pytest.fixture(scope="module")
def search_visit(
    served: tuple[str, Path], browser: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Visit]:
    """The public home page with its search open, one for every query (each test empties the
    box first); what it requested and logged is checked after each query."""
    base, _ = served
    shots = Path(SHOTS) if SHOTS else tmp_path_factory.mktemp("search-shots")
    shots.mkdir(parents=True, exist_ok=True)
    v = Visit(browser, shots)
    try:
        page = v.open(f"{base}/public/index.html")
        page.locator("label.md-search__icon, .md-search__input").first.click()  # type: ignore[attr-defined]
        yield v
    finally:
        v.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("先锋号", "writeups/2026-10-qingchuan-pioneer.html"),
        ("先锋号", "campaigns/pioneer-teams.html"),
        ("东城街道", "units/990101001.html"),
        ("白石乡", "units/990201002.html"),
    ],
)
def test_search_finds_chinese_words(search_visit: Visit, query: str, expected: str) -> None:
    visit = search_visit
    page = visit.page
    box = page.locator("input.md-search__input")  # type: ignore[attr-defined]
    box.fill("")  # the query before, and its results, gone
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('.md-search-result__item')", timeout=10000
    )
    box.fill(query)
    box.press("End")  # Material searches on keyup; an IME ends with one, fill() sends none
    results = page.locator(".md-search-result__item")  # type: ignore[attr-defined]
    results.first.wait_for(timeout=15000)
    hrefs = page.locator(".md-search-result__item a").evaluate_all(  # type: ignore[attr-defined]
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert any(expected in href for href in hrefs), hrefs
    if query.startswith("东城"):
        assert expected in hrefs[0]  # the unit's own page comes first
    if expected.startswith("campaigns"):
        visit.shot("search-public", full_page=False)
    assert visit.errors == []
    assert visit.outside() == []


def test_site_opens_from_the_file_system(served: tuple[str, Path], visit: Visit) -> None:
    _, site = served
    page = visit.open((site / "public" / "index.html").as_uri())
    assert page.locator(".card").count() >= 6  # type: ignore[attr-defined]
    page.locator("article a", has_text="各单位情况").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/units/index.html")  # type: ignore[attr-defined]
    page.locator("article a", has_text="青川区东城街道").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/units/990101001.html")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "青川区东城街道"  # type: ignore[attr-defined]
    # Stylesheet and chart load from the file system too.
    assert visit.image_loaded(page.locator("figure.chart img").first)  # type: ignore[attr-defined]
    visit.shot("unit-file")
    # Search runs in an iframe there (browsers refuse workers from file: URLs).
    page.locator("input.md-search__input").click()  # type: ignore[attr-defined]
    page.locator("input.md-search__input").fill("先锋号")  # type: ignore[attr-defined]
    page.locator("input.md-search__input").press("End")  # type: ignore[attr-defined]
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)  # type: ignore[attr-defined]
    visit.shot("search-file", full_page=False)
    assert visit.errors == []
    assert visit.outside() == []
