"""MkDocs' page conversion with the generated tables set aside (render.page_cache) gives the
HTML that MkDocs gives by itself, tables in code, with anchors and in odd places included."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from generator.render.page_cache import _set_aside, _unsearched, link_targets
from generator.render.site_mkdocs import mkdocs_build

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

## 不进搜索的表格 {#unsearched}

<details class="chart-data" data-search-exclude>
<summary>数据表</summary>
<table class="data"><tr><td>不进搜索甲</td><td>1<br>2</td></tr></table>
</details>

<div class="table-wrap" data-search-exclude>
<table class="data"><tr><td><h4 id="inside">表中标题</h4>不进搜索乙</td></tr></table>
</div>

<div class="table-wrap" data-search-exclude>
<table class="data"><tr><td><b>未闭合<i>的标签</b></td></tr></table>
</div>

<div data-search-exclude>
<table class="data"><tr><td><div>表中的 div</div>不进搜索丙</td></tr></table>
</div>

之后的文字进搜索。
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
    assert len(tables) == 6  # the first (in its div), the one in code, the last, 3 below
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
    search = tmp_path / "aside" / "site" / "search" / "search_index.json"
    index = json.dumps(json.loads(search.read_text("utf-8")), ensure_ascii=False)
    index = index.replace("\u200b", "")  # the segmenter's word breaks
    assert "之后的文字进搜索" in index and "不进搜索甲" not in index
    assert "index.html#inside" in index  # the heading in an excluded table still made a section


def test_only_plain_tables_left_out_of_search_are_emptied_for_the_search_parser() -> None:
    import markdown

    html = markdown.markdown(PAGE)
    shown = _unsearched(html)
    assert "不进搜索甲" not in shown and "<summary>数据表</summary>\n<table></table>" in shown
    # A heading inside (it starts a section), tags out of order, a tag excluded elsewhere: kept.
    assert all(text in shown for text in ("表中标题", "未闭合", "不进搜索丙"))
    assert shown.count("<table></table>") == 2  # 甲 and the first table of the page
    assert _unsearched(html.replace("data-search-exclude", "data-x")) == html.replace(
        "data-search-exclude", "data-x"
    )


#: The pattern the page cache used before link_targets (it tried every start position, which
#: took seconds on a long page): every file it named must still be named.
_OLD_PATHLIKE = re.compile(
    r"[^\s()<>\[\]\"'`|=]+?\.(?:md|html?|png|jpe?g|gif|svg|webp|pdf|json|csv|xlsx|js|css)"
    r"(?:#[^\s()<>\"']*)?(?=[\s()<>\[\]\"'`|]|$)"
)


def test_every_file_a_page_names_is_part_of_its_key() -> None:
    text = (
        "见[明湖区](../units/990100.md#rank)、![图](img/a.png \"图\")和<a href='x.html'>x</a>。"
        "\u3000全角空格后的b.md|c.pdf=d.csv 文末e.json"
    )
    found = link_targets(text)
    # a word runs back to a space (U+3000 too) or bracket, quote, | or =; c.pdf is followed by
    # "=", which ends no link
    assert found == sorted(
        ["../units/990100.md", "img/a.png", "x.html", "全角空格后的b.md", "d.csv", "文末e.json"]
    )
    samples = [
        text,
        PAGE,
        "a.md#x|b.png c.md a.md.md x#y.md .md 甲.md=乙.pdf [z.svg] `k.js`",
        '链接（../a/b.html）和 <img src="p.jpeg">、\u3000q.webp\n',
    ]
    for sample in samples:
        old = {word.split("#")[0] for word in _OLD_PATHLIKE.findall(sample)}
        new = {word.split("#")[0] for word in link_targets(sample)}
        assert old <= new, sample


def test_a_long_page_is_scanned_in_linear_time() -> None:
    # a generated unit page: long runs of Chinese without spaces, a few links
    page = ("明湖区企业建会率百分之七十五点七" * 2000 + " [甲](a.md)\n") * 20
    start = time.perf_counter()
    assert link_targets(page) == ["a.md"]
    assert time.perf_counter() - start < 0.5  # the old pattern took minutes on this


def _words_char_by_char(markdown: str) -> list[str]:
    """link_targets as it was written first: each word's start found a character at a time."""
    extension = re.compile(
        r"\.(?:md|html?|png|jpe?g|gif|svg|webp|pdf|json|csv|xlsx|js|css)(?=[#\s()<>\[\]\"'`|]|$)"
    )
    words = set()
    for match in extension.finditer(markdown):
        start = match.start()
        while start > 0 and not (
            markdown[start - 1] in "()<>[]\"'`|=" or markdown[start - 1].isspace()
        ):
            start -= 1
        if start < match.start():
            words.add(markdown[start : match.end()])
    return sorted(words)


def test_link_words_are_those_found_a_character_at_a_time() -> None:
    import random

    pieces = [
        "a",
        "明湖",
        ".md",
        ".html",
        ".png",
        "#x",
        " ",
        "\u3000",
        "\t",
        "\n",
        "(",
        ")",
        "[",
        "]",
        "<",
        ">",
        '"',
        "'",
        "`",
        "|",
        "=",
        "/",
        "../",
        "\x1c",
        "\u2028",
        ".",
        "-",
    ]
    samples = [PAGE, "", ".md", "a.md", " .md", "=a.md=b.md", "\x1ca.md\u2028b.pdf"]
    rng = random.Random(7)
    samples += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 60))) for _ in range(3000)]
    for sample in samples:
        assert link_targets(sample) == _words_char_by_char(sample), repr(sample)
