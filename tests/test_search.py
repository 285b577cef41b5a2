"""Search on the demo city's public site in headless Chromium: a county's name, a campaign
record's name or a part of a name in a write-up's title finds its own page first, typed or pasted.
The session's one build of the demo project serves every test (as in test_browser_layout). Needs
Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from demo_site import DESKTOP, REPO

browser_only = pytest.mark.browser


@pytest.fixture(scope="module")
def base(demo_base: str) -> str:
    """The session's build of the demo city (read only), served under a sub-path."""
    return demo_base


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


#: Added to every page before its own scripts: counts the queries Material's search sends to
#: its worker and the answers it gets back, so that a test knows when the results shown are
#: those of the whole query (typed, the answers to each shorter query arrive first) without
#: waiting a fixed time; and, as window.__search, what the tests do in the page.
_IN_PAGE = """(() => {
  const state = {sent: 0, received: 0, last: null, waiting: []};
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (!this.__counted) {
      this.__counted = true;
      this.addEventListener("message", e => {
        if (e.data && e.data.type === 3) {
          state.received += 1;
          for (const wake of state.waiting.splice(0)) wake();
        }
      });
    }
    if (message && message.type === 2) { state.sent += 1; state.last = message.data; }
    return post.call(this, message, ...rest);
  };

  const box = () => document.querySelector("input.md-search__input");

  // Until test() holds, looked at again after each answer of the worker, once its message event
  // is over (Material draws the results while handling it), and at least every 0.1 s; after
  // 15 s an error naming `what` (a search that never answers fails instead of hanging).
  const until = async (test, what) => {
    const end = performance.now() + 15000;
    while (!test()) {
      if (performance.now() > end) throw new Error("search never answered: " + JSON.stringify(what));
      await new Promise(r => { state.waiting.push(r); setTimeout(r, 100); });
      await new Promise(r => setTimeout(r, 0));
    }
  };

  // The results shown are the answer to `query`: the worker has answered every query sent,
  // the last of which is `query`, and the box holds it.
  const answered = query => state.sent > 0 && state.received === state.sent
    && state.last === query && box().value === query;

  // The box emptied as fill("") empties it (an `input` event: the site's script passes every
  // `input` on to Material as the keyup it searches on), then, once no result is left, focused.
  const clear = async () => {
    box().value = "";
    box().dispatchEvent(new InputEvent("input", {bubbles: true, inputType: "deleteContentForward"}));
    await until(() => !document.querySelector(".md-search-result__item"), "");
    box().focus();
  };

  // Once the results shown answer `query`, the address of the first (null: no result).
  const firstResult = async query => {
    await until(() => answered(query), query);
    const first = document.querySelector(".md-search-result__item > a");
    return first ? first.getAttribute("href") || "" : null;
  };

  // Each query pasted in turn into the emptied box, as a paste or an input method sends it
  // (one `input` event, no key), and the address of its first result.
  const pasteAll = async queries => {
    const found = [];
    for (const query of queries) {
      await clear();
      box().value = query;
      box().dispatchEvent(new InputEvent("input", {bubbles: true, inputType: "insertFromPaste", data: query}));
      found.push(await firstResult(query));
    }
    return found;
  };

  // The worker has loaded the index and answered the query in the box when it was ready.
  const ready = () => until(() => state.received > 0, "(the index loading)");

  window.__search = {clear, firstResult, pasteAll, ready};
})()"""


def _path(href: str | None) -> str:
    if href is None:  # nothing found: named in the test's failure
        return ""
    return urlsplit(href).path


def _search(page: Any, query: str, typed: bool) -> str:
    """`query` typed key by key or pasted (Playwright's own input), in the emptied box; the
    address of the first result."""
    page.evaluate("() => window.__search.clear()")
    if typed:
        page.locator("input.md-search__input").press_sequentially(query)
    else:
        page.keyboard.insert_text(query)  # as a paste or an input method: an input event only
    return _path(page.evaluate("q => window.__search.firstResult(q)", query))


def _search_all(page: Any, queries: list[str], typed: bool) -> list[str]:
    """The address of the first result of each query: typed, one by one; pasted, all in the
    page (one round trip from here instead of several a query)."""
    if typed:
        return [_search(page, query, typed=True) for query in queries]
    return [_path(href) for href in page.evaluate("qs => window.__search.pasteAll(qs)", queries)]


@pytest.fixture(scope="module")
def search_page(base: str, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(_IN_PAGE)
    page = context.new_page()
    page.goto(f"{base}/public/index.html", wait_until="load")
    try:
        page.locator("label.md-search__icon, .md-search__input").first.click()
        # every query of the tests then goes the way of a query into a page in use
        page.evaluate("() => window.__search.ready()")
        yield page
    finally:
        context.close()


@browser_only
@pytest.mark.parametrize("typed", [True, False], ids=["typed", "pasted"])
def test_a_county_name_finds_its_page_first(search_page: Any, typed: bool) -> None:
    counties = _counties()
    assert len(counties) == 9
    found = _search_all(search_page, list(counties), typed)
    wrong = {
        name: page
        for (name, code), page in zip(counties.items(), found, strict=True)
        if not page.endswith(f"/public/units/{code}.html")
    }
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
    # pasted, every name (the index ranks each its own way); typed, every fourth: typing adds
    # the answers to the shorter queries arriving first, the same for every name
    queries = [
        (slug, name) for slug, names in records.items() for name in names[:: 4 if typed else 1]
    ]
    found = _search_all(search_page, [name for _, name in queries], typed)
    wrong = {
        name: page
        for (slug, name), page in zip(queries, found, strict=True)
        if not page.endswith(f"/public/campaigns/{slug}.html")
    }
    assert wrong == {}


@browser_only
def test_a_part_of_a_name_in_a_writeup_title_is_found(search_page: Any) -> None:
    assert _search(search_page, "泓源塑胶", typed=False).endswith(
        "/public/writeups/2026-06-25-pioneer-named.html"
    )
    preview = search_page.locator(".md-search-result__item").first.inner_text()
    assert "泓源" in preview.replace("\u200b", "")


# --------------------------------------------------------------------------------------------
# A month and a 文号 as offices type them, a unit's short name or a part of its name, a township:
# each finds its own page first, and a result holding every word of the query lists none as
# missing (缺少).


def _doc_number(period: str) -> int:
    """The 文号 number the demo's frame of `period` gives its bulletin."""
    text = (REPO / "content" / "bulletins" / f"{period}.md").read_text(encoding="utf-8")
    return int(re.search(r"^doc_number:\s*(\d+)\s*$", text, re.M).group(1))  # type: ignore[union-attr]


def _missing_lines(page: Any, count: int = 5) -> list[str]:
    """The 缺少 lines under the first `count` results shown."""
    items = page.locator(".md-search-result__item").all()[:count]
    return [t for item in items for t in item.locator(".md-search-result__terms").all_inner_texts()]


@browser_only
@pytest.mark.parametrize("typed", [True, False], ids=["typed", "pasted"])
def test_a_month_or_a_doc_number_finds_its_bulletin_first(search_page: Any, typed: bool) -> None:
    number = _doc_number("2026-10")
    assert number == 45
    queries = [
        "2026年10月",
        "10月份",
        "十月份",
        "2026-10",
        f"示工发〔2026〕{number}号",
        f"{number}号",
    ]
    found = {}
    for query in queries:
        first = _search(search_page, query, typed)
        found[query] = (
            first.endswith("/public/bulletins/2026-10.html"),
            _missing_lines(search_page),
        )
        # its search tags find it but are not shown (they would repeat the title)
        assert search_page.locator(".md-search-result .md-tag:visible").count() == 0
    assert found == {q: (True, []) for q in queries}


def _units() -> list[dict[str, str]]:
    return list(csv.DictReader((REPO / "data" / "units.csv").open(encoding="utf-8-sig")))


@browser_only
@pytest.mark.parametrize("typed", [True, False], ids=["typed", "pasted"])
def test_a_short_name_or_a_part_of_a_name_finds_its_unit_first(
    search_page: Any, typed: bool
) -> None:
    shorts = {r["简称"]: r["单位代码"] for r in _units() if r.get("简称")}
    assert shorts == {"高新区": "990171"}
    # the short name, its start, and parts of the full name 示例高新技术产业开发区
    queries = {"高新区": "990171", "高新": "990171", "高新技术": "990171", "产业开发区": "990171"}
    found = _search_all(search_page, list(queries), typed)
    wrong = {
        query: page
        for (query, code), page in zip(queries.items(), found, strict=True)
        if not page.endswith(f"/public/units/{code}.html")
    }
    assert wrong == {}
    if not typed:  # every word of the short name matches: none listed as missing (缺少)
        assert _search(search_page, "高新区", typed=False).endswith("/public/units/990171.html")
        assert _missing_lines(search_page) == []


@browser_only
def test_a_township_name_finds_its_page_first(search_page: Any) -> None:
    counties = set(_counties().values())
    townships = {r["单位名称"]: r["单位代码"] for r in _units() if r["上级单位代码"] in counties}
    assert len(townships) > 100
    found = _search_all(search_page, list(townships), typed=False)
    wrong = {
        name: page
        for (name, code), page in zip(townships.items(), found, strict=True)
        if not page.endswith(f"/public/units/{code}.html")
    }
    assert wrong == {}
    # typed, a few: the answers to the shorter queries arrive first
    sample = list(townships)[::25]
    typed = _search_all(search_page, sample, typed=True)
    assert [p.rsplit("/", 1)[-1] for p in typed] == [f"{townships[n]}.html" for n in sample]
    assert _missing_lines(search_page) == []  # the last one's hits miss none of its words


@browser_only
def test_a_campaign_name_finds_its_page_first_and_no_word_is_missing(search_page: Any) -> None:
    from generator.rosters.specs import CAMPAIGNS

    for campaign in CAMPAIGNS.values():
        first = _search(search_page, campaign.label, typed=True)
        assert first.endswith(f"/public/campaigns/{campaign.slug}.html"), campaign.label
    # Each hit for 工人先锋号 that holds it lists no word as missing (it listed 缺少: 工人*).
    _search(search_page, "工人先锋号", typed=True)
    items = search_page.locator(".md-search-result__item").all()
    holding = [
        item
        for item in items
        if "工人先锋号" in item.inner_text().replace("\u200b", "").replace("\n", "")
    ]
    assert len(holding) >= 3
    assert [item.locator(".md-search-result__terms").count() for item in holding] == [0] * len(
        holding
    )


@browser_only
def test_bulletins_are_found_newest_first(search_page: Any) -> None:
    _search(search_page, "通报", typed=False)
    hrefs = search_page.locator(".md-search-result__item > a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    periods = [m.group(1) for h in hrefs if (m := re.search(r"bulletins/(\d{4}-\d{2})\.html", h))]
    periods = list(dict.fromkeys(periods))
    assert len(periods) >= 5
    assert periods == sorted(periods, reverse=True)


@browser_only
def test_a_month_and_a_doc_number_are_found_from_the_file_system(
    demo_build: Any, browser: Any
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto((demo_build / "public" / "index.html").as_uri(), wait_until="load")
        box = page.locator("input.md-search__input")
        box.click()
        for query in ("2026年10月", "十月份", "示工发〔2026〕45号"):
            box.fill(query)
            first = page.locator(".md-search-result__item > a").first
            first.wait_for(timeout=15000)
            page.wait_for_function(
                "q => document.querySelector('.md-search-result__meta') && "
                "document.querySelector('input.md-search__input').value === q",
                arg=query,
            )
            page.wait_for_timeout(300)  # the answer to the whole query, not its start
            href = urlsplit(first.get_attribute("href") or "").path
            assert href.endswith("/public/bulletins/2026-10.html"), query
    finally:
        context.close()
