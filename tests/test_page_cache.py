"""MkDocs' page conversion with the generated tables set aside (render.page_cache) gives the
HTML that MkDocs gives by itself, tables in code, with anchors and in odd places included."""

from __future__ import annotations

from pathlib import Path

from generator.render.page_cache import _set_aside
from generator.render.site import mkdocs_build

PAGE = """# 表格

<div class="table-wrap" data-search-exclude>
<table class="data">
<thead><tr><th scope="col">单位</th> <th class="n">建会率</th></tr></thead>
<tbody>
<tr><td><a href="other.md">明湖区</a></td> <td class="n">75.7%</td></tr>
<tr><td>A &amp; B &lt;示例&gt; &#34;引号&#34;</td> <td class="n">—</td></tr>
</tbody>
</table>
</div>

Text between, with a [link](other.md).

<table class="anchored"><tr><td id="t-2">有锚点</td></tr></table>

```html
<table class="in-code">
<tr><td>代码里的表格</td></tr>
</table>
```

<table class="odd"><tr><td>AT&T without a semicolon</td></tr>
</table>

<table class="last"><tr><td>最后</td></tr>
</table>
"""

OTHER = """# 另一页

[回到锚点](index.md#t-2) and [a missing anchor](index.md#nowhere).
"""


def _project(folder: Path) -> Path:
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text(PAGE, encoding="utf-8")
    (folder / "docs" / "other.md").write_text(OTHER, encoding="utf-8")
    config = folder / "mkdocs.yml"
    config.write_text(
        "site_name: t\nuse_directory_urls: false\ntheme:\n  name: material\n"
        "markdown_extensions:\n  - attr_list\n  - toc:\n      permalink: false\n"
        "plugins:\n  - search\nvalidation:\n  anchors: warn\n",
        encoding="utf-8",
    )
    return config


def test_plain_tables_are_set_aside_and_the_others_left_in_place() -> None:
    shown, tables = _set_aside(PAGE)
    assert len(tables) == 3  # the first (in its div), the one in code, the last
    kept = ('<table class="anchored">', "AT&T without", '<tr><td id="t-2">')
    assert all(text in shown for text in kept)  # an id, a bare "&": left to Markdown
    assert "明湖区" not in shown and "最后" not in shown
    for mark, table in tables.items():
        assert shown.count(mark) == 1 and mark.startswith("<table class=")
        assert table in PAGE


def test_pages_are_those_mkdocs_gives_by_itself(tmp_path: Path) -> None:
    plain, aside = _project(tmp_path / "plain"), _project(tmp_path / "aside")
    warnings = mkdocs_build(plain, None, epoch=0)
    assert mkdocs_build(aside, tmp_path / "pages.json", epoch=0) == warnings
    assert any("nowhere" in w for w in warnings) and not any("t-2" in w for w in warnings)
    for name in ("index.html", "other.html", "search/search_index.json"):
        page = (tmp_path / "aside" / "site" / name).read_bytes()
        assert page == (tmp_path / "plain" / "site" / name).read_bytes(), name
    html = (tmp_path / "aside" / "site" / "index.html").read_text(encoding="utf-8")
    assert "bulletin-aside" not in html
    assert '<td><a href="other.md">明湖区</a></td>' in html  # raw HTML: passed as it stands
    assert "A &amp; B &lt;示例&gt; &#34;引号&#34;" in html
    assert "&lt;table class=&quot;in-code&quot;&gt;" in html  # the table in code: escaped
