"""The whole pipeline into both sites: what is internal never reaches the public site."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PERIODS, Project, rows_of
from site_helpers import broken_links, outside_resources

from generator.build import BuildOptions, build

MARKER = "INTERNALMARK9"

pytestmark = pytest.mark.slow


def test_internal_records_never_reach_the_public_site(project: Project, tmp_path: Path) -> None:
    volunteers = rows_of("volunteers")
    for row in volunteers:
        row["name"] = f"{row['name']}{MARKER}"
    project.write("volunteers", volunteers)
    for period in PERIODS:
        rows = rows_of("enterprises", period)
        for row in rows:
            row["name"] = f"{row['name']}{MARKER}"
            if row.get("not_unionized_reason"):
                row["not_unionized_reason"] = f"原因{MARKER}"
        project.write("enterprises", rows, period=period)
    writeups = project.root / "content" / "writeups"
    writeups.mkdir(parents=True, exist_ok=True)
    (writeups / "inside.md").write_text(
        "---\ntitle: 督导情况" + MARKER + '\ndate: 2026-10-20\nunit: "990100"\n'
        "category: other\naudience: internal\n---\n督导发现问题" + MARKER + "。\n",
        encoding="utf-8",
    )
    (writeups / "outside.md").write_text(
        '---\ntitle: 甲县开展工人先锋号创建\ndate: 2026-10-12\nunit: "990100"\n'
        "category: pioneer-team\n---\n甲县开展创建活动。\n",
        encoding="utf-8",
    )
    out = tmp_path / "site"
    result = build(project.root, BuildOptions(out=out, pdf=False))
    assert result.pages > 10

    internal = out / "internal"
    assert MARKER in (internal / "search" / "search_index.json").read_text(encoding="utf-8")
    unit_pages = [p.read_text(encoding="utf-8") for p in (internal / "units").glob("*.html")]
    assert any(f"原因{MARKER}" in page for page in unit_pages)  # the tick-off list
    assert any(f"张三{MARKER}" in page for page in unit_pages)  # the volunteers
    public = out / "public"
    assert (public / "writeups" / "outside.html").is_file()
    for path in public.rglob("*"):
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path
    for site in (public, internal):
        assert broken_links(site) == []
        assert outside_resources(site) == []
