"""Hostile write-ups and roster values through a whole build: inert or refused, never run.

One hostile project is built once for the module: HTML/JS injection, Typst markup, formula
injection and path tricks in every text a user can type (unit, enterprise, team, book room and
volunteer names, reasons, front matter, write-up bodies, the bulletin frame, an extra page).
Inputs that cannot be published (files too large, nesting too deep, images outside content/ or
broken) are checked separately: each is a Problem naming its file, never a traceback.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Project, copy_built, rows_of
from openpyxl import load_workbook
from PIL import Image

from generator.build import BuildOptions, build
from generator.common.errors import DataError
from generator.common.tables import safe_cell
from generator.model.content import load_content
from generator.render.files import file_name
from generator.render.mdtree import markdown_tree, plain_text
from generator.render.safe_html import safe_html
from generator.rosters.load import check_project

pytestmark = pytest.mark.slow

XSS = [
    '<script>alert("x1")</script>',
    '<img src=x onerror=alert("x2")>',
    '[点我](javascript:alert("x3"))',
    '<iframe src="https://evil.example/x4"></iframe>',
    '<svg onload=alert("x5")><script>alert("x6")</script></svg>',
]
TYPST = '#import "/etc/passwd": * #read("/etc/passwd") #eval("1+1") ] $x^2$ *粗* @lab <lab> \\ _u_'
HYPERLINK = '=HYPERLINK("http://evil.example","点击")'
#: The code of 南街道: as a path it would climb out of the output folder.
CODE = "../../../escaped"
#: Hostile values planted in rosters: (roster, period, row, column, value).
ROSTER_VALUES = [
    ("units", None, 2, "name", "东镇" + XSS[0] + TYPST),
    ("units", None, 3, "name", HYPERLINK),
    ("units", None, 5, "name", "南街道" + XSS[1]),
    ("units", None, 5, "code", CODE),
    ("volunteers", None, 1, "unit", CODE),
    ("pioneer_teams", None, 1, "unit", CODE),
    ("volunteers", None, 0, "name", "张三" + XSS[2]),
    ("volunteers", None, 0, "selection", "@SUM(A1:A2)"),
    ("pioneer_teams", None, 0, "name", "数控车间" + XSS[3] + TYPST),
    ("pioneer_teams", None, 0, "enterprise", "+1"),
    ("book_rooms", None, 0, "name", " =1+1书屋"),
    ("book_rooms", None, 0, "host", "东方" + XSS[4]),
]
ENTERPRISE_VALUES = [
    (0, "name", "东方机械" + XSS[0]),
    (1, "name", "-1+2"),
    (1, "not_unionized_reason", "\t=2+2" + XSS[1] + TYPST),
    (2, "industry", HYPERLINK),
    (2, "unit", CODE),
]
BODY = "\n\n".join(
    [
        "正文开始BODYSTART。" + XSS[0],
        *XSS[1:],
        "<div onclick='alert(9)'>块</div>\n\n<style>body{display:none}</style>",
        "[a](JaVaScRiPt:alert(1)) [b](  javascript:alert(1)) "
        "[c](data:text/html,<script>alert(1)</script>) [d]( vbscript:x) <javascript:alert(1)>",
        '<a href="javascript&#58;alert(1)">e</a> [f](java&#x09;script:alert(1)) '
        "[g](&#106;avascript:alert(1)) ![h](javascript:alert(1))",
        # images that cannot be published are refused (see REFUSED); these two are published
        "![ok](img/ok.png) ![w](https://evil.example/t.png)",
        '![t](img/ok.png "onerror=alert(1)") [ref][r]\n\n[r]: javascript:alert(1)',
        TYPST,
        '```\n#read("/etc/passwd")\n```',
        '`#eval("x")`',
        '<math><mi xlink:href="javascript:alert(1)">m</mi></math> <object data=x></object> '
        "<embed src=x> <form action=javascript:alert(1)><button>b</button></form>",
        "".join("  " * i + f"- 第{i}层\n" for i in range(8)),
        ">" * 16 + " 深引用",
        "*" * 40 + "强调" + "*" * 40,
        "正文结束BODYEND。",
    ]
)
SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (4, 3), (200, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


#: A PNG whose header is right and whose data is not (Typst stops on it).
BROKEN_PNG = png()[:-20] + b"\x00" * 8 + png()[-12:]


def front(meta: Mapping[str, object], body: str) -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body


def plant(project: Project) -> None:
    """Put the hostile values and content into a valid project."""
    rosters: dict[str, list[dict[str, str]]] = {}
    for name, _period, row, column, value in ROSTER_VALUES:
        rosters.setdefault(name, rows_of(name))[row][column] = value
    for name, rows in rosters.items():
        project.write(name, rows)
    for period in ("2026-09", "2026-10"):
        rows = rows_of("enterprises", period)
        for row, column, value in ENTERPRISE_VALUES:
            rows[row][column] = value
        project.write("enterprises", rows, period=period)
    root = project.root
    img = root / "content" / "writeups" / "img"
    img.mkdir(parents=True)
    (img / "ok.png").write_bytes(png())
    (img / "broken.png").write_bytes(BROKEN_PNG)
    (img / "evil.svg").write_text(SVG, encoding="utf-8")
    (root / "outside.png").write_bytes(png())
    os.symlink(root / "outside.png", img / "link.png")
    meta: dict[str, object] = {
        "title": "标题" + XSS[0] + TYPST,
        "date": "2026-10-12",
        "unit": "990101",
        "category": "pioneer-team",
        "images": ["img/ok.png"],
        "color": " =1+1",
        "tint": "\t-1+2",
    }
    (root / "content" / "writeups" / "hostile.md").write_text(front(meta, BODY), encoding="utf-8")
    # the bulletins list the write-ups by title; the write-up itself is in its unit's report
    config_file = root / "bulletin.yml"
    config_file.write_text(
        config_file.read_text(encoding="utf-8") + "\nbulletin_writeups: titles\n", encoding="utf-8"
    )
    frames = root / "content" / "bulletins"
    frames.mkdir(parents=True)
    meta = {
        "doc_number": 45,
        "title": "通报" + XSS[0],
        "recipients": "各县" + XSS[1] + '#read("/etc/passwd")',
        "cc": ["@SUM(1)", TYPST],
        "signed_on": "2026-11-05",
    }
    frame = "前言FRAMESTART" + XSS[0] + TYPST + "\n\n<!-- closing -->\n\n一、要求" + XSS[2] + "。\n"
    (frames / "2026-10.md").write_text(front(meta, frame), encoding="utf-8")
    pages = root / "content" / "pages"
    pages.mkdir(parents=True)
    page = XSS[1] + " " + XSS[2] + " ![p](../../outside.png) PAGEEND\n"
    (pages / "about.md").write_text(front({"title": "关于" + XSS[0]}, page), encoding="utf-8")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = Project(tmp_path_factory.mktemp("hostile") / "deep" / "project")
    plant(project)
    target = project.root / "site"
    build(project.root, BuildOptions(out=target))
    return target


def test_unit_codes_never_make_paths_outside_the_output(out: Path) -> None:
    name = file_name(CODE.upper())  # codes are read in upper case
    assert name.startswith("x") and "/" not in name
    assert (out / "internal" / "pdf" / "2026-10" / "units" / f"{name}.pdf").is_file()
    packets = list((out / "dist" / "2026-10").glob(f"{name}-*"))
    assert packets and all(p.parent == out / "dist" / "2026-10" for p in packets)
    assert (out / "public" / "units" / f"{name}.html").is_file()
    written = [p for p in out.parents[2].rglob("*") if "ESCAPED" in p.name.upper()]
    assert written == []


# ---- the websites ---------------------------------------------------------------------------


_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href", "srcdoc")
_LIVE_URL = re.compile(r"\s*(javascript|vbscript|data):", re.IGNORECASE)


class _Live(HTMLParser):
    """Collects what a browser would run: event attributes, script URLs, embedded frames."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, ...]] = []
        self.script: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append((tag, name, value or ""))
            if name in _URL_ATTRIBUTES and _LIVE_URL.match(value or ""):
                self.found.append((tag, name, value or ""))
        if tag in ("iframe", "object", "embed", "frame", "base", "math", "style"):
            self.found.append((tag,))
        if tag == "script":
            self.in_script = True
            src = dict(attrs).get("src")
            if src is not None and not re.fullmatch(r"(\.\./|/)*assets/[\w./-]+\.js", src):
                self.found.append((tag, "src", src))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.script.append(data)


def test_pages_run_nothing_that_was_typed(out: Path) -> None:
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        parser = _Live()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.found == [], page
        assert not any("alert" in s for s in parser.script), page


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_hostile_names_show_as_text(out: Path, audience: str) -> None:
    site = out / audience
    unit = (site / "units" / f"{file_name(CODE.upper())}.html").read_text(encoding="utf-8")
    # The page title (MkDocs writes it unescaped) and the heading both show the name as text.
    assert "<title>南街道&lt;img src=x onerror=alert(&#34;x2&#34;)&gt; - " in unit
    assert "南街道&lt;img src=x onerror=alert(" in unit.split("<article", 1)[1]
    writeup = (site / "writeups" / "hostile.html").read_text(encoding="utf-8")
    assert "BODYSTART" in writeup and "BODYEND" in writeup and "第7层" in writeup
    assert "<title>标题&lt;script&gt;" in writeup
    assert 'src="../assets/content/writeups/img/ok.png"' in writeup  # the good image stays
    assert "evil.example" not in writeup  # neither outside images nor frames
    assert not list(site.rglob("outside.png"))
    # nothing fetched from outside; a packet may carry the hostile unit's name, as text
    assert not [p for p in site.rglob("*evil*") if "dist" not in p.parts]
    about = (site / "pages" / "about.html").read_text(encoding="utf-8")
    assert "PAGEEND" in about and "<title>关于&lt;script&gt;" in about
    for page in (unit, writeup, about):  # the navigation lists the page's title as text
        assert "关于&lt;script&gt;alert(" in page


def test_charts_and_search_index_are_inert(out: Path) -> None:
    charts = sorted(out.rglob("*.svg"))
    assert charts
    for chart in charts:
        root = ET.fromstring(chart.read_bytes())
        for element in root.iter():
            assert not element.tag.endswith("script"), chart
            assert not any(a.lower().startswith("on") for a in element.attrib), chart
    for index in out.rglob("search_index.json"):
        docs = json.loads(index.read_text(encoding="utf-8"))["docs"]
        assert any("东镇&lt;script&gt;" in d["text"].replace("\u200b", "") for d in docs)
        for doc in docs:
            for field in ("title", "text"):  # Material shows these as HTML
                assert not re.search(r"<(script|img|iframe|svg|object|embed)\b", doc[field]), doc


# ---- the PDFs -------------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    """The PDF's text without any white space (line breaks fall anywhere)."""
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    # page numbers (— 6 —) fall inside text that runs over a page break
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", text))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdfs_set_typst_and_html_as_literal_text(out: Path) -> None:
    internal = pdf_text(out / "internal" / "pdf" / "2026-10" / "bulletin.pdf")
    public = pdf_text(out / "public" / "pdf" / "2026-10" / "bulletin.pdf")
    for text in (internal, public):
        assert squeeze("标题" + XSS[0] + TYPST.replace("*粗*", "")) in text.replace("*粗*", "")
        assert squeeze("前言FRAMESTART" + XSS[0]) in text
        assert squeeze('各县<img src=x onerror=alert("x2")>#read("/etc/passwd")') in text
        assert squeeze('#eval("1+1")') in text and "$x^2$" in text
        assert "root:x:0" not in text  # /etc/passwd was never read
    story = pdf_text(out / "internal" / "pdf" / "2026-10" / "units" / "990101.pdf")
    assert squeeze("标题" + XSS[0] + TYPST.replace("*粗*", "")) in story.replace("*粗*", "")
    assert "BODYEND" in story and "第7层" in story and "深引用" in story
    assert "root:x:0" not in story
    assert "〔图片：w〕" in story  # an image on the web is not fetched
    # (broken, SVG and outside images never get this far: REFUSED, body-image-*)
    # a township's name in the ranking, an enterprise and its reason in the unit report
    assert squeeze("东镇" + XSS[0]) in internal
    report = pdf_text(out / "internal" / "pdf" / "2026-10" / "units" / "990102.pdf")
    assert squeeze(HYPERLINK) in report and "-1+2" in report
    assert squeeze('=2+2<img src=x onerror=alert("x2")>#import"/etc/passwd"') in report
    assert "root:x:0" not in report


# ---- downloads ------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d+(\.\d+)?%?")


def _live_formula(value: object) -> bool:
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return False
    return value.lstrip(" \u3000").startswith(("=", "+", "-", "@", "\t", "\r", "\n"))


def test_downloads_neutralise_formulas(out: Path) -> None:
    cells: list[str] = []
    tables = sorted(out.rglob("*.csv")) + sorted(out.rglob("*.xlsx"))
    assert len(tables) >= 10
    for path in tables:
        if path.suffix == ".csv":
            rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
            values = [v for row in rows for v in row]
        else:
            book = load_workbook(path)
            values = []
            for sheet in book:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (path, cell.coordinate)
                        values.append(cell.value)
        bad = [v for v in values if _live_formula(v)]
        assert bad == [], path
        cells += [v for v in values if isinstance(v, str)]
    # the planted values are there, neutralised rather than dropped
    for neutral in ["'" + HYPERLINK, "' =1+1", "'\t-1+2", "'-1+2", "'=2+2" + XSS[1] + TYPST]:
        assert neutral in cells, neutral


def test_safe_cell_cases() -> None:
    for value in [HYPERLINK, "+1", "-1+2", "@SUM(A1)", " =1+1", "\t=1+1", "\n=1", "\u3000=1"]:
        assert safe_cell(value) == "'" + value
    for kept in ["-5", "-0.3", "12.5%", "职工书屋", 5, -5.5, None]:
        assert safe_cell(kept) == kept


# ---- refused inputs -------------------------------------------------------------------------

WRITEUP = front({"title": "标题", "date": "2026-10-12", "unit": "990100"}, "正文。\n")


def _with_image(image: str) -> str:
    meta = {"title": "标题", "date": "2026-10-12", "unit": "990100", "images": [image]}
    return front(meta, "正文。\n")


def _setup_images(root: Path) -> None:
    img = root / "content" / "writeups" / "img"
    img.mkdir(parents=True, exist_ok=True)
    outside = root / "outside"
    outside.mkdir()
    (outside / "a.png").write_bytes(png())
    (img / "evil.svg").write_text(SVG, encoding="utf-8")
    (img / "broken.png").write_bytes(BROKEN_PNG)
    (img / "text.png").write_text("not a picture", encoding="utf-8")
    os.symlink(outside / "a.png", img / "link.png")
    os.symlink(outside, img / "linked-dir")


def _in_body(image: str) -> str:
    return front(
        {"title": "标题", "date": "2026-10-12", "unit": "990100"}, f"正文。\n\n![图]({image})\n"
    )


REFUSED = {
    # name: (file under content/, text, expected code)
    "huge-writeup": ("writeups/huge.md", WRITEUP + "职工书屋" * 450_000, "E-CONTENT-TOO-LARGE"),
    "huge-page": ("pages/huge.md", "# 大页面\n" + "a" * 5_000_000, "E-CONTENT-TOO-LARGE"),
    "huge-frame": (
        "bulletins/2026-10.md",
        "---\ndoc_number: 1\n---\n" + "前" * 2_000_000,
        "E-CONTENT-TOO-LARGE",
    ),
    "deep-list": (
        "writeups/list.md",
        WRITEUP + "".join("  " * i + "- 项\n" for i in range(300)),
        "E-CONTENT-TOO-DEEP",
    ),
    "deep-quote": ("writeups/quote.md", WRITEUP + ">" * 5000 + " 引\n", "E-CONTENT-TOO-DEEP"),
    "deep-emphasis": (
        "writeups/stars.md",
        WRITEUP + "*" * 3000 + "x" + "*" * 3000 + "\n",
        "E-CONTENT-TOO-DEEP",
    ),
    "deep-page": ("pages/deep.md", "> " * 100 + "x\n", "E-CONTENT-TOO-DEEP"),
    "deep-frame": (
        "bulletins/2026-10.md",
        "---\ndoc_number: 1\n---\n" + "_" * 400 + "x" + "_" * 400,
        "E-CONTENT-TOO-DEEP",
    ),
}
#: Images refused, named in the front matter (image-…) or written in the body as ![图](…)
#: (body-image-…): case, reference.
REFUSED_IMAGES = {
    "image-traversal": "../../etc/passwd",
    "image-absolute": "/etc/passwd",
    "image-windows": "C:\\Windows\\win.ini",
    "image-symlink": "img/link.png",
    "image-symlinked-dir": "img/linked-dir/a.png",
    "image-svg": "img/evil.svg",
    "image-broken": "img/broken.png",
    "image-not-a-picture": "img/text.png",
    "body-image-traversal": "../../../../etc/passwd",
    "body-image-absolute": "/etc/passwd",
    "body-image-missing": "img/没有这张.png",
    "body-image-symlink": "img/link.png",
    "body-image-svg": "img/evil.svg",
    "body-image-broken": "img/broken.png",
}
for _case, _ref in REFUSED_IMAGES.items():
    _text = _in_body(_ref) if _case.startswith("body-") else _with_image(_ref)
    REFUSED[_case] = ("writeups/a.md", _text, "E-CONTENT-IMAGE")


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_unpublishable_content_is_a_problem_naming_the_file(tmp_path: Path, case: str) -> None:
    name, text, code = REFUSED[case]
    _setup_images(tmp_path)
    path = tmp_path / "content" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    content = load_content(tmp_path, {"990100"})
    (problem,) = content.problems.items
    assert (problem.code, problem.severity, problem.file) == (code, "error", f"content/{name}")
    if case.startswith("body-image"):
        assert (problem.row, problem.column) == (8, "正文")  # the image's line in the file
    assert re.search(r"[\u4e00-\u9fff]", problem.message)
    assert content.writeups == [] and content.frames == {} and content.pages == []


@pytest.mark.parametrize("kind", ["writeups", "pages", "bulletins"])
def test_content_files_linked_from_outside_are_refused(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(WRITEUP, encoding="utf-8")
    folder = tmp_path / "content" / kind
    folder.mkdir(parents=True)
    os.symlink(secret, folder / "2026-10.md")
    os.symlink(tmp_path / "gone.md", folder / "2026-09.md")  # dangling
    (folder / "2026-08.md").mkdir()  # a folder with a file's name
    content = load_content(tmp_path, {"990100"})
    found = sorted((p.file, p.code) for p in content.problems.items)
    assert found == [
        (f"content/{kind}/{name}.md", "E-CONTENT-OUTSIDE")
        for name in ("2026-08", "2026-09", "2026-10")
    ]


def test_check_and_build_name_refused_content(project: Project) -> None:
    deep = WRITEUP + "".join("  " * i + "- 项\n" for i in range(50))
    (project.root / "content" / "writeups").mkdir(parents=True)
    (project.root / "content" / "writeups" / "deep.md").write_text(deep, encoding="utf-8")
    checked = check_project(project.root)
    assert [(p.file, p.code) for p in checked.errors] == [
        ("content/writeups/deep.md", "E-CONTENT-TOO-DEEP")
    ]
    with pytest.raises(DataError, match="bulletin check"):
        build(project.root, BuildOptions(out=project.root / "site"))
    assert not (project.root / "site").exists()


def test_renderers_survive_pathological_markdown() -> None:
    cases = {
        "list": "".join("  " * i + "- a\n" for i in range(1000)),
        "quotes": ">" * 20_000 + " q\n",
        "stars": "*" * 10_000 + "x" + "*" * 10_000,
        "brackets": "[" * 20_000,
        "links": "[a](" * 5_000,
        "tags": "<a " * 5_000,
        "images": "![" * 10_000,
    }
    for name, text in cases.items():
        html = safe_html(text + "\n\nEND")
        # Blocks nested deeper than 20 levels end the parse (content.py refuses such files).
        assert name in ("list", "quotes") or "END" in html, name
        markdown_tree(text)
    assert "x" in plain_text(markdown_tree("*" * 10_000 + "x" + "*" * 10_000))


def test_collection_templates_stay_in_their_folder(project: Project, tmp_path: Path) -> None:
    from generator.office.scaffold import write_collection_templates

    units = rows_of("units")
    units[1]["name"] = HYPERLINK + "/../../甲县"  # a formula, and folders in a file name
    project.write("units", units)
    out = tmp_path / "templates"
    written = write_collection_templates(project.root, out)
    assert len(written) == 2 and all(p.parent == out for p in written)
    assert [p for p in tmp_path.rglob("*.xlsx") if p.parent != out] == []
    book = load_workbook(next(p for p in written if p.name.startswith("990100")))
    names = [c.value for c in book["单位代码"]["B"]]
    assert "'" + HYPERLINK + "/../../甲县" in names
    assert all(c.data_type != "f" for row in book["单位代码"].iter_rows() for c in row)


# ---- bulletin.yml and front matter: data only, bounded ---------------------------------------

import resource  # noqa: E402
import sys  # noqa: E402

from cli_child import run_cli  # noqa: E402

#: address space of a hostile-input check: far below what an expanded bomb needs
MEMORY_CEILING = 3 * 1024 * 1024 * 1024
CHECK_TIMEOUT = 120  # a generous bound, not a measurement


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))


def run_check(root: Path, new_interpreter: bool = False) -> subprocess.CompletedProcess[str]:
    """`bulletin check` in a process with a memory ceiling and a time limit: a child forked from
    this one (tests/cli_child.py), or with `new_interpreter` a new `python -m generator`."""
    if not new_interpreter:
        return run_cli(["check", str(root)], memory=MEMORY_CEILING, timeout=CHECK_TIMEOUT)
    return subprocess.run(
        [sys.executable, "-m", "generator", "check", str(root)],
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT,
        preexec_fn=_limited,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )


def check_output(root: Path, exit_code: int, new_interpreter: bool = False) -> str:
    """`bulletin check` run as `run_check` does, its exit code asserted; what it printed."""
    result = run_check(root, new_interpreter)
    output = result.stdout + result.stderr
    assert result.returncode == exit_code, output[-2000:]
    return output


ANCHOR_BOMB = "\n".join(
    ["lol0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    + [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
)
BASE = "organization:\n  name: 测试市总工会\n  doc_prefix: 测工发\ncadence: month\n"


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        # an anchor bomb: 10^9 values from nine lines
        (BASE + "mail:\n" + ANCHOR_BOMB.replace("lol", "  l"), 0, "锚点"),
        (BASE + "site_title: !!python/object/apply:os.system ['touch PWNED']\n", 5, "site_title"),
        (BASE + "site_title: !!python/name:os.system\n", 5, "!!python/name:os.system"),
        (BASE + "site_title: !!binary aGVsbG8=\n", 5, "!!binary"),
        (BASE + "site_title: " + "长" * 10_000_000 + "\n", 5, "值太长"),
        (BASE + "\tcadence: month\n", 5, "Tab"),
        (BASE + "organization:\n  name: 甲\n   doc_prefix: 乙\n", 7, "缩进"),
        ("organization:\n  name：测试市总工会\n", 2, "全角冒号"),
        (
            BASE + "score_weights: {coverage_rate: 40, membership_rate: 30, schedule_rate: 20}\n",
            5,
            "之和应为 100",
        ),
        (BASE + "report_deadline: 2025-02-30\n", 5, "不是存在的日期"),
    ],
    ids=[
        "anchor-bomb",
        "python-apply",
        "python-name",
        "binary",
        "10MB",
        "tab",
        "indent",
        "full-width-colon",
        "weights",
        "impossible-date",
    ],
)
def test_a_hostile_or_mistaken_bulletin_yml_is_refused_naming_the_line(
    project: Project, text: str, line: int, expected: str
) -> None:
    (project.root / "bulletin.yml").write_text(text, encoding="utf-8")
    # The anchor bomb meets the ceiling in a new interpreter, as the installed command runs.
    output = check_output(project.root, 2, new_interpreter=expected == "锚点")
    assert expected in output, output[-2000:]
    if line:
        assert f"bulletin.yml 第{line}行" in output, output[-2000:]
    assert "Traceback" not in output and "程序内部错误" not in output
    assert not (project.root / "PWNED").exists()
    assert not Path("PWNED").exists()


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: 炸弹\n" + ANCHOR_BOMB, "锚点"),
        ('title: 标题\ndate: 2025-02-30\nunit: "990101"', "不是存在的日期"),
        (
            "title: !!python/object/apply:os.system ['touch PWNED']\ndate: 2026-10-01\nunit: \"990101\"",
            "!!python/object/apply",
        ),
        ("title: " + "长" * 30_000 + '\ndate: 2026-10-01\nunit: "990101"', "值太长"),
    ],
    ids=["anchor-bomb", "impossible-date", "python-apply", "30000-characters"],
)
def test_hostile_front_matter_is_a_problem_naming_the_file(
    project: Project, front: str, expected: str
) -> None:
    folder = project.root / "content" / "writeups"
    folder.mkdir(parents=True)
    (folder / "2026-10-01-bad.md").write_text(f"---\n{front}\n---\n\n正文。\n", encoding="utf-8")
    output = check_output(project.root, 1)
    assert "2026-10-01-bad.md" in output and expected in output, output[-3000:]
    assert "Traceback" not in output and "程序内部错误" not in output
    assert not (project.root / "PWNED").exists()


def test_an_impossible_date_in_a_bulletin_frame_names_the_file(project: Project) -> None:
    folder = project.root / "content" / "bulletins"
    folder.mkdir(parents=True)
    frame = "---\ndoc_number: 45\nsigned_on: 2025-02-30\n---\n\n前言。\n"
    (folder / "2026-10.md").write_text(frame, encoding="utf-8")
    output = check_output(project.root, 1)
    assert "2026-10.md" in output and "不是存在的日期" in output, output[-3000:]
    assert "Traceback" not in output


# ---- templates: sandboxed, inside their folder, regular files only ----------------------------

from generator.common.errors import BuildError, BulletinError, ConfigError  # noqa: E402


def _override(project: Project, kind: str, name: str, text: str) -> Path:
    folder = project.root / "site_templates" / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
        "{{ self._TemplateReference__context }}",
    ],
)
def test_a_site_template_cannot_reach_python(project: Project, expression: str) -> None:
    builtin = Path(__file__).resolve().parent.parent / "site_templates" / "site" / "page.md.j2"
    _override(project, "site", "page.md.j2", builtin.read_text(encoding="utf-8") + expression)
    pages = project.root / "content" / "pages"
    pages.mkdir(parents=True)
    (pages / "about.md").write_text("---\ntitle: 关于\n---\n正文\n", encoding="utf-8")
    with pytest.raises(BuildError, match="网站模板有误") as caught:
        build(project.root, BuildOptions(pdf=False))
    assert "unsafe" in str(caught.value) or "undefined" in str(caught.value)
    assert not (project.root / "PWNED").exists()
    assert not (project.root / "site").exists()


def test_a_site_template_cannot_turn_on_mkdocs_hooks(project: Project) -> None:
    builtin = Path(__file__).resolve().parent.parent / "site_templates" / "site" / "mkdocs.yml.j2"
    hook = project.root / "hook.py"
    hook.write_text("open('PWNED', 'w').close()\n", encoding="utf-8")
    text = builtin.read_text(encoding="utf-8") + f"\nhooks:\n  - {hook}\n"
    _override(project, "site", "mkdocs.yml.j2", text)
    with pytest.raises(BuildError, match="hooks"):
        build(project.root, BuildOptions(pdf=False))
    assert not (project.root / "PWNED").exists() and not Path("PWNED").exists()


@pytest.mark.parametrize(
    ("kind", "name", "options"),
    [
        ("pdf", "secret.typ", BuildOptions(site=False)),
        ("site", "secret.md.j2", BuildOptions(pdf=False)),
    ],
)
def test_a_template_link_out_of_site_templates_is_refused(
    project: Project, kind: str, name: str, options: BuildOptions
) -> None:
    folder = project.root / "site_templates" / kind
    folder.mkdir(parents=True)
    os.symlink("/etc/passwd", folder / name)
    with pytest.raises(ConfigError, match="符号链接") as caught:
        build(project.root, options)
    assert f"site_templates/{kind}/{name}" in str(caught.value)
    assert not (project.root / "site").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize(
    "where",
    ["site_templates/site/page.md.j2", "site_templates/pdf/bulletin.typ", "fonts/仿宋.ttf"],
)
def test_a_named_pipe_where_a_template_or_font_is_expected_does_not_hang(
    project: Project, where: str
) -> None:
    path = project.root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    # about hanging, not size: no memory ceiling
    result = run_cli(["build", str(project.root), "--jobs", "1"], timeout=CHECK_TIMEOUT)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-2000:]
    assert where in output and "命名管道" in output, output[-2000:]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_where_a_writeup_or_image_is_expected_does_not_hang(
    project: Project,
) -> None:
    folder = project.root / "content" / "writeups"
    (folder / "img").mkdir(parents=True)
    os.mkfifo(folder / "2026-10-02-pipe.md")
    os.mkfifo(folder / "img" / "pipe.png")
    text = '---\ntitle: 图片\ndate: 2026-10-03\nunit: "990101"\nimages: [img/pipe.png]\n---\n\n正文。\n'
    (folder / "2026-10-03-image.md").write_text(text, encoding="utf-8")
    output = check_output(project.root, 1)
    assert "2026-10-02-pipe.md" in output and "2026-10-03-image.md" in output, output[-3000:]
    assert "Traceback" not in output


_ = BulletinError  # the base of what the CLI prints


# ---- the cache is data: a planted pickle never runs -----------------------------------------

import pickle  # noqa: E402


class _Payload:
    """Unpickling this creates a file: proof that a cache file ran code."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, ...]:
        return (open, (str(self.target), "w"))


def test_a_pickle_planted_in_the_cache_never_runs(
    small_build: Path, small_result: Any, tmp_path: Path
) -> None:
    # The session's build of the small project, with every cache a build writes.
    project = copy_built(small_build, tmp_path / "project", rebuild=False)
    cache = project.root / ".bulletin-cache"
    files = [p for p in cache.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert len(files) > 5
    # The tool writes no pickle: every cache file is JSON, Arrow, or a finished output.
    assert [p for p in files if p.suffix == ".pkl" or p.read_bytes()[:1] == b"\x80"] == []
    proof = tmp_path / "PWNED"
    evil = pickle.dumps(_Payload(proof))
    for path in files:
        path.write_bytes(evil)
        path.with_suffix(".pkl").write_bytes(evil)  # where earlier versions kept their values
    result = build(project.root, BuildOptions(site=True, pdf=False))
    assert not proof.exists()
    assert not result.unchanged
    assert result.pages == small_result.pages  # the same site as the build from nothing
    assert not proof.exists()
