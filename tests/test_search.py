"""Search on the demo city's public site in headless Chromium: a county's name, a campaign
record's name or a part of a name in a write-up's title finds its own page first, typed or pasted.
The session's one build of the demo project serves every test (as in test_browser_layout). Needs
Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from demo_site import DESKTOP, REPO, chromium, serve

browser_only = pytest.mark.browser


@pytest.fixture(scope="module")
def base(demo_build: Path) -> Iterator[str]:
    """The session's build of the demo city (read only), served under a sub-path."""
    with serve(demo_build) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


# --------------------------------------------------------------------------------------------
# Search: a county's name or a campaign record's name finds its own page first, typed or
# pasted (a paste sends no key event).


def _names(file: str, encoding: str = "utf-8-sig") -> list[str]:
    path = REPO / "data" / file
    try:
        rows = list(csv.reader(path.open(encoding=encoding)))
    except UnicodeDecodeError:
        rows = list(csv.reader(path.open(encoding="gb18030")))
    return sorted({row[0] for row in rows[1:] if row and row[0]})


def _counties() -> dict[str, str]:
    rows = list(csv.DictReader((REPO / "data" / "units.csv").open(encoding="utf-8-sig")))
    city = next(r["单位代码"] for r in rows if not r["上级单位代码"])
    return {r["单位名称"]: r["单位代码"] for r in rows if r["上级单位代码"] == city}


#: Counts the queries Material's search sends to its worker and the results it gets back, so
#: that a test knows when the results shown are those of the whole query (typed, the results of
#: each shorter query arrive first), without waiting a fixed time.
_COUNT_QUERIES = """(() => {
  const state = window.__searchQueries = {sent: 0, received: 0, last: null};
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (!this.__counted) {
      this.__counted = true;
      this.addEventListener("message", e => { if (e.data && e.data.type === 3) state.received += 1; });
    }
    if (message && message.type === 2) { state.sent += 1; state.last = message.data; }
    return post.call(this, message, ...rest);
  };
})()"""

#: The results shown are the answer to `query`: the worker has answered every query sent, the
#: last of which is `query`.
_ANSWERED = """query => {
  const s = window.__searchQueries;
  return s.sent > 0 && s.received === s.sent && s.last === query
    && document.querySelector("input.md-search__input").value === query;
}"""

#: Two frames after the answer, the address of the first result shown (None: no result).
_FIRST_RESULT = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => {
  const first = document.querySelector(".md-search-result__item > a");
  r(first ? first.getAttribute("href") || "" : null);
})))"""


def _search(page: Any, query: str, typed: bool) -> str:
    box = page.locator("input.md-search__input")
    box.fill("")
    page.wait_for_function(
        "() => !document.querySelector('.md-search-result__item')", timeout=10000
    )
    box.focus()
    if typed:
        box.press_sequentially(query)
    else:
        page.keyboard.insert_text(query)  # as a paste or an input method: an input event only
    page.wait_for_function(_ANSWERED, arg=query, timeout=15000)
    # the results are drawn when the answer arrives; two frames later they are on the page
    href = page.evaluate(_FIRST_RESULT)
    if href is None:  # nothing found: named in the test's failure
        return ""
    return urlsplit(href).path


@pytest.fixture(scope="module")
def search_page(base: str, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(_COUNT_QUERIES)
    page = context.new_page()
    page.goto(f"{base}/public/index.html", wait_until="load")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    try:
        yield page
    finally:
        context.close()


@browser_only
@pytest.mark.parametrize("typed", [True, False], ids=["typed", "pasted"])
def test_a_county_name_finds_its_page_first(search_page: Any, typed: bool) -> None:
    counties = _counties()
    assert len(counties) == 9
    wrong = {}
    for name, code in counties.items():
        found = _search(search_page, name, typed)
        if not found.endswith(f"/public/units/{code}.html"):
            wrong[name] = found
    assert wrong == {}


@browser_only
@pytest.mark.parametrize("typed", [True, False], ids=["typed", "pasted"])
def test_a_campaign_record_name_finds_its_page_first(search_page: Any, typed: bool) -> None:
    records = {
        "pioneer-teams": _names("pioneer_teams.csv"),
        "book-rooms": _names("book_rooms.csv"),
        "model-homes": _names("model_homes.csv"),
    }
    assert sum(map(len, records.values())) > 100
    wrong = {}
    for slug, names in records.items():
        # pasted, every name (the index ranks each its own way); typed, every fourth: typing
        # adds the answers to the shorter queries arriving first, the same for every name
        for name in names[:: 4 if typed else 1]:
            found = _search(search_page, name, typed)
            if not found.endswith(f"/public/campaigns/{slug}.html"):
                wrong[name] = found
    assert wrong == {}


@browser_only
def test_a_part_of_a_name_in_a_writeup_title_is_found(search_page: Any) -> None:
    assert _search(search_page, "泓源塑胶", typed=False).endswith(
        "/public/writeups/2026-06-25-pioneer-named.html"
    )
    preview = search_page.locator(".md-search-result__item").first.inner_text()
    assert "泓源" in preview.replace("\u200b", "")
