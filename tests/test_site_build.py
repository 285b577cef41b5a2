"""The whole pipeline into both sites (the session's planted build): what is internal never
reaches the public site, every link resolves and nothing comes from another host."""

from __future__ import annotations

import pytest
from conftest import PlantedBuild
from planted import MARKERS
from site_helpers import broken_links, outside_resources

pytestmark = pytest.mark.slow


def test_internal_records_never_reach_the_public_site(planted_build: PlantedBuild) -> None:
    out = planted_build.out
    assert planted_build.result.pages > 10
    internal = out / "internal"
    assert "LKWTITLE" in (internal / "search" / "search_index.json").read_text(encoding="utf-8")
    unit_pages = [p.read_text(encoding="utf-8") for p in (internal / "units").glob("*.html")]
    assert any("正在筹建LKREASON" in page for page in unit_pages)  # the tick-off list
    assert any("张三LKVOLNAMEA" in page for page in unit_pages)  # the volunteers
    public = out / "public"
    assert (public / "writeups" / "outside.html").is_file()
    markers = [m.encode() for m in MARKERS]
    for path in public.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert [m for m in markers if m in data] == [], path
    for site in (public, internal):
        assert broken_links(site) == []
        assert outside_resources(site) == []
