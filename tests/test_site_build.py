"""The whole pipeline into both sites (the session's planted build): what is internal never
reaches the public site, every link resolves and nothing comes from another host."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_each_site_carries_the_search_scripts_of_its_language_only(
    planted_build: PlantedBuild,
) -> None:
    """Material ships lunr for some thirty languages (0.7 MB of Thai word lists among them); the
    search worker of a Chinese site loads lunr.stemmer.support and lunr.zh only."""
    for audience in ("public", "internal"):
        lunr = planted_build.out / audience / "assets" / "javascripts" / "lunr"
        files = sorted(p.relative_to(lunr).as_posix() for p in lunr.rglob("*") if p.is_file())
        assert files == [
            "min/lunr.stemmer.support.min.js",
            "min/lunr.stemmer.support.min.js.gz",
            "min/lunr.zh.min.js",
            "min/lunr.zh.min.js.gz",
        ]


def test_prune_search_languages_keeps_what_the_worker_loads(tmp_path: Path) -> None:
    """The worker's rule: stemmer support always, lunr.LANG for each language but English,
    tinyseg for Japanese, wordcut for Hindi and Thai, lunr.multi for more than one language."""
    import json

    from generator.render.site_finish import prune_search_languages

    names = ["tinyseg.js", "wordcut.js", "min/lunr.multi.min.js", "min/lunr.stemmer.support.min.js"]
    names += [f"min/lunr.{lang}.min.js" for lang in ("ja", "th", "zh", "de")]

    def site(langs: list[str] | None) -> list[str]:
        root = tmp_path / "-".join(langs or ["none"])
        for name in names:
            (root / "assets" / "javascripts" / "lunr" / name).parent.mkdir(
                parents=True, exist_ok=True
            )
            (root / "assets" / "javascripts" / "lunr" / name).write_text("x", encoding="utf-8")
        if langs is not None:
            (root / "search").mkdir()
            index = {"config": {"lang": langs}, "docs": []}
            (root / "search" / "search_index.json").write_text(json.dumps(index), "utf-8")
        prune_search_languages(root)
        lunr = root / "assets" / "javascripts" / "lunr"
        return sorted(p.relative_to(lunr).as_posix() for p in lunr.rglob("*") if p.is_file())

    assert site(["en"]) == ["min/lunr.stemmer.support.min.js"]
    assert site(["zh"]) == ["min/lunr.stemmer.support.min.js", "min/lunr.zh.min.js"]
    assert site(["ja", "th"]) == [
        "min/lunr.ja.min.js",
        "min/lunr.multi.min.js",
        "min/lunr.stemmer.support.min.js",
        "min/lunr.th.min.js",
        "tinyseg.js",
        "wordcut.js",
    ]
    assert site(None) == sorted(names)  # no search index: nothing is known, nothing deleted


#: How a city speaks of itself and its members, which a province's site must not say.
CITY_WORDS = ("全市", "县市区", "县（市、区）")


def _prose(markdown: str) -> str:
    """A page without its code (fenced blocks, spans): commands and file values are the same
    at every level."""
    return re.sub(r"```.*?```|`[^`\n]*`", "", markdown, flags=re.DOTALL)


def test_a_province_site_guide_speaks_as_a_province() -> None:
    from generator.render import guide
    from generator.render.site_pages import guide_pages

    pages = {page.name: text for page, text in guide_pages(None, "province")}
    assert set(pages) == {name for name, _ in guide.PAGES}
    for name, text in pages.items():
        left = [w for w in CITY_WORDS if w in _prose(text)]
        assert left == [], (name, left)
    # the figures page: the level's own total is the sum of its members
    assert "全省是各市（州）之和" in pages["figures"]
    # the month's work: the members' issued packages taken in, no problem lists sent back
    assert (
        "## 2. 收通报包：intake" in pages["month"]
        and "bulletin send-problems" not in pages["month"]
    )
    # code keeps its words: a command as it is typed, a value as it is written in a file
    city = {page.name: text for page, text in guide_pages(None, "city")}
    spans = [
        (name, span)
        for name, text in city.items()
        for span in re.findall(r"`[^`\n]*`", text)
        if "县市区" in span
    ]
    assert spans and all(span in pages[name] for name, span in spans)


def test_a_city_site_guide_is_the_guide_as_written() -> None:
    from generator.render import guide
    from generator.render.site_pages import guide_pages

    shown = [text for _, text in guide_pages(None, "city")]
    assert shown == [guide.site_markdown(page.text) for page in guide.render_guide(None)]
    assert "全市是各县市区之和" in shown[3]


def _theme_site(folder: Path, page_class: str) -> Path:
    """A built site in small: Material's stylesheet, a script naming md- classes, two pages."""
    sheets = folder / "assets" / "stylesheets"
    sheets.mkdir(parents=True)
    (sheets / "main.0000.min.css").write_text(
        ":root{--md-a:1;--md-unused:2}.md-header{color:var(--md-a)}.kept{margin:0}"
        ".gone{padding:0}@media print{.gone{display:none}.kept{display:block}}",
        encoding="utf-8",
    )
    scripts = folder / "assets" / "javascripts"
    scripts.mkdir(parents=True)
    (scripts / "bundle.1111.min.js").write_text('x.classList.add("md-header")', encoding="utf-8")
    for name in ("index.html", "other.html"):
        (folder / name).write_text(
            '<html><head><link rel="stylesheet" href="assets/stylesheets/main.0000.min.css">'
            f'</head>\n    <body class="{page_class}"><script src="a.js"></script></body></html>',
            encoding="utf-8",
        )
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_the_cut_stylesheet_kept_is_used_only_for_the_same_names(tmp_path: Path) -> None:
    """The stylesheet cut by the last build is taken again only when the stylesheet and the names
    it is cut by are the same; a damaged cut is made again: the site is the one cut afresh."""
    from generator.render.site_finish import prune_theme_css

    kept = tmp_path / "css.json"
    prune_theme_css(_theme_site(tmp_path / "fresh", "kept"), None)
    fresh = _files(tmp_path / "fresh")
    css = [v for k, v in fresh.items() if k.startswith("assets/stylesheets/")]
    assert css == [
        b":root{--md-a:1}.md-header{color:var(--md-a)}.kept{margin:0}@media print{.kept{display:block}}"
    ]
    for run in range(2):  # made and kept, then taken from what was kept
        prune_theme_css(_theme_site(tmp_path / f"run{run}", "kept"), kept)
        assert _files(tmp_path / f"run{run}") == fresh
    # other classes on the pages: cut again, not the kept cut
    prune_theme_css(_theme_site(tmp_path / "other", "gone"), kept)
    prune_theme_css(_theme_site(tmp_path / "other-fresh", "gone"), None)
    assert _files(tmp_path / "other") == _files(tmp_path / "other-fresh") != fresh
    # a kept cut whose text is not the one its seal names is cut again
    damaged = kept.read_text(encoding="utf-8").replace(".gone{padding:0}", ".gone{padding:9}")
    assert damaged != kept.read_text(encoding="utf-8")
    kept.write_text(damaged, encoding="utf-8")
    prune_theme_css(_theme_site(tmp_path / "damaged", "gone"), kept)
    assert _files(tmp_path / "damaged") == _files(tmp_path / "other-fresh")


def test_records_are_segmented_as_the_last_build_did_only_with_the_same_words(
    tmp_path: Path,
) -> None:
    """The search entries of listed records take the last build's segmentation only when the
    segmenter's added words are the same; the index is then the one segmented afresh."""
    import json

    from generator.render.site_finish import _compact_search_index
    from generator.render.site_mkdocs import jieba_words

    records = [
        {"location": "campaigns/a.html#r1", "title": "明湖区职工之家", "text": "示范 · 市级"}
    ]

    def index(folder: str, kept: Path | None, words: list[str]) -> str:
        path = tmp_path / folder / "search_index.json"
        path.parent.mkdir()
        path.write_text('{"config": {"lang": ["zh"]}, "docs": []}', encoding="utf-8")
        with jieba_words(words):
            _compact_search_index(path, records, kept, salt="|".join(words))
        return path.read_text(encoding="utf-8")

    kept = tmp_path / "search-words.json"
    fresh = index("fresh", None, ["明湖区"])
    assert "明湖区\u200b职工\u200b之\u200b家" in fresh
    assert index("first", kept, ["明湖区"]) == fresh
    # what was kept is what the next build with the same words takes
    said = json.loads(kept.read_text(encoding="utf-8"))
    said["words"]["明湖区职工之家"] = "明\u200b湖区职工之家"
    kept.write_text(json.dumps(said, ensure_ascii=False), encoding="utf-8")
    assert "明\u200b湖区职工之家" in index("kept", kept, ["明湖区"])
    # other words added: segmented again, as without anything kept
    other = index("other", kept, ["明湖区", "职工之家"])
    assert other == index("other-fresh", None, ["明湖区", "职工之家"])
    assert "明湖区\u200b职工之家" in other
