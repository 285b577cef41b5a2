"""The first view of the demo city's public pages on a plain static server (no .gz files sent,
as python -m http.server, a default IIS or nginx): under 300 KiB before any search, the search
index and worker loaded only once search is used. Headless Chromium, the session's demo build."""

from __future__ import annotations

from typing import Any

import pytest
from demo_site import DESKTOP, PHONE

browser_only = pytest.mark.browser
LIMIT = 300 * 1024


def _first_view(
    browser: Any, url: str, viewport: dict[str, int]
) -> tuple[Any, Any, dict[str, int]]:
    """The page opened in a fresh context (nothing cached); the bytes each address sent
    (headers and body, as transferred), once the network is quiet."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    sent: dict[str, int] = {}

    def count(request: Any) -> None:
        sizes = request.sizes()
        sent[request.url] = sizes["responseBodySize"] + sizes["responseHeadersSize"]

    page.on("requestfinished", count)
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)  # anything a script starts after the load
    return context, page, sent


@browser_only
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("path", ["index.html", "bulletins/2026-10.html"])
def test_the_first_view_is_light_and_search_loads_on_first_use(
    demo_base: str, browser: Any, path: str, viewport: dict[str, int]
) -> None:
    context, page, sent = _first_view(browser, f"{demo_base}/public/{path}", viewport)
    try:
        # served as the build wrote it, uncompressed: no .gz was asked for or sent
        assert not [u for u in sent if u.endswith(".gz")]
        searching = [u for u in sent if "search_index" in u or "/workers/" in u or "/lunr/" in u]
        assert searching == []
        total = sum(sent.values())
        assert total < LIMIT, {u.rsplit("/public/", 1)[-1]: n for u, n in sent.items()}
        # first use: the index and the worker arrive, and the search answers
        box = page.locator("input.md-search__input")
        if viewport is PHONE:
            page.locator('label.md-header__button[for="__search"]').first.click()
        else:
            box.click()
        box.fill("明湖区")
        page.locator(".md-search-result__item").first.wait_for(timeout=15000)
        assert any(u.endswith("/search/search_index.json") for u in sent)
        assert any("/workers/search." in u for u in sent)
    finally:
        context.close()
