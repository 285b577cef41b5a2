"""The PDF stage: the official-document bulletin, unit reports, distribution packs."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image
from sample_model import sample_bulletin

from generator.common.config import Config
from generator.model.bulletin import PriorityEntry, WriteUp
from generator.render import pdf as pdf_module
from generator.render import pdf_worker
from generator.render.dist import (
    MANIFEST,
    priority_file,
    report_file,
    safe_name,
    unit_folder,
    write_dist,
)
from generator.render.files import issued_on
from generator.render.fonts import ROLES, resolve_fonts
from generator.render.mdtree import markdown_tree, plain_text
from generator.render.pdf import render_bulletin_pdf, render_unit_reports

MARKER = "QZXMARKER"
MM = 72 / 25.4  # points per millimetre
HOSTILE = '#read("/etc/passwd") $x$ ] \\ @a <b>b</b> `tick` #set text(size: 1pt) 尾'
HOSTILE_BODY = 'Body #read("/etc/passwd") and $x$ ] @a <b>b</b> #set text(size: 1pt) 正文尾'


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def bbox_pages(path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Words per page as (xMin, yMin, xMax, yMax, text) in millimetres."""
    xml = pdftotext(path, "-bbox")
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    root = ElementTree.fromstring(xml)
    return [
        [
            (
                float(w.get("xMin", 0)) / MM,
                float(w.get("yMin", 0)) / MM,
                float(w.get("xMax", 0)) / MM,
                float(w.get("yMax", 0)) / MM,
                w.text or "",
            )
            for w in page.iter("word")
        ]
        for page in root.iter("page")
    ]


def bbox_lines(path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    xml = pdftotext(path, "-bbox-layout")
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    root = ElementTree.fromstring(xml)
    pages = []
    for page in root.iter("page"):
        lines = []
        for line in page.iter("line"):
            text = "".join(w.text or "" for w in line.iter("word"))
            lines.append(
                (
                    float(line.get("xMin", 0)) / MM,
                    float(line.get("yMin", 0)) / MM,
                    float(line.get("xMax", 0)) / MM,
                    float(line.get("yMax", 0)) / MM,
                    text,
                )
            )
        pages.append(lines)
    return pages


def hostile_bulletin(audience: str = "internal"):
    b = sample_bulletin(audience, MARKER if audience == "internal" else "")
    b.writeups.append(
        WriteUp(
            "hostile",
            f"标题{HOSTILE}",
            "2026-10-15",
            "990100",
            "青川区",
            "990100",
            "other",
            "其他",
            "public",
            ["../../etc/passwd"],
            f"{HOSTILE_BODY}\n\n![x](/etc/passwd) [链接](javascript:alert(1))\n\n"
            "| 项目 | 数量 |\n|:-|-:|\n| **走访**企业 | 12 |\n| 空格 |  |\n",
        )
    )
    if audience == "internal":
        b.priority.append(
            PriorityEntry(
                "91990100MA00000002",
                f"=HYPERLINK(1){HOSTILE}",
                "990101001",
                "青川区东城街道",
                "990100",
                80,
                "-2+3",
                "open",
            )
        )
    return b


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    root = tmp_path_factory.mktemp("project")
    (root / "content" / "writeups").mkdir(parents=True)
    return Config(root=root)


@pytest.fixture(scope="module")
def internal_pdf(config: Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("internal") / "bulletin.pdf"
    titles = replace(config, bulletin_writeups="titles")  # the write-ups listed by title
    return render_bulletin_pdf(hostile_bulletin("internal"), titles, out)


@pytest.fixture(scope="module")
def public_pdf(config: Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("public") / "bulletin.pdf"
    return render_bulletin_pdf(sample_bulletin("public", MARKER), config, out)


@pytest.fixture(scope="module")
def reports(config: Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("units")
    render_unit_reports(hostile_bulletin("internal"), config, out, jobs=1, cache_dir=None)
    return out


# ---- the official document ------------------------------------------------------------------


def test_bulletin_is_a4_with_every_font_embedded(internal_pdf: Path) -> None:
    info = subprocess.run(["pdfinfo", str(internal_pdf)], capture_output=True, text=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    fonts = subprocess.run(
        ["pdffonts", str(internal_pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:
        assert line.split()[-5] == "yes", line  # the "emb" column


def test_bulletin_header_title_and_recipients(internal_pdf: Path) -> None:
    text = squeeze(pdftotext(internal_pdf))
    assert "示例市总工会文件" in text
    assert "示工发〔2026〕45号" in text
    assert "关于2026年10月全市企业工会组建工作情况的通报" in text
    assert "各县市区总工会，市直各产业工会：" in text
    assert "附件：1.县市区排名表2.乡镇（街道）排名表" in text
    assert "抄送：市委组织部，省总工会组织部。" in text
    assert "2026年11月6日印发" in text


def test_sections_follow_the_model(internal_pdf: Path) -> None:
    text = squeeze(pdftotext(internal_pdf))
    order = ["一、总体情况", "二、排名情况", "三、表扬", "四、通报批评", "下一步工作要求"]
    positions = [text.index(h) for h in order]
    assert positions == sorted(positions)
    assert "（一）加大工作力度。" in text  # the closing's 一、 items become （一）


def test_ranking_table_has_a_row_per_county(internal_pdf: Path) -> None:
    lines = pdftotext(internal_pdf, "-layout").splitlines()
    for rank, name, score in (("1", "青川区", "96.60"), ("2", "云溪县", "54.00")):
        assert any(
            re.search(rf"^\s*{rank}\s+{name}\s", line) and score in line for line in lines
        ), name


def test_page_numbers_alternate_sides(internal_pdf: Path) -> None:
    pages = bbox_pages(internal_pdf)
    assert len(pages) >= 3
    for number, words in enumerate(pages, 1):
        below = [w for w in words if w[1] > 262]  # under the type area
        text = "".join(w[4] for w in below)
        assert re.fullmatch(rf"—\s*{number}\s*—", text), (number, text)
        left, right = min(w[0] for w in below), max(w[2] for w in below)
        # outer side, one 4号 character (4.9 mm) in from the type area's edge
        if number % 2:
            assert right == pytest.approx(184 - 4.9, abs=1)
        else:
            assert left == pytest.approx(28 + 4.9, abs=1)


def test_no_text_outside_the_type_area(internal_pdf: Path) -> None:
    for words in bbox_pages(internal_pdf):
        for x0, y0, x1, y1, text in words:
            # 0.3 mm of slack: a line-end mark squeezed to half width keeps its full advance
            assert x0 >= 27.9 and x1 <= 184.3, (text, x0, x1)
            assert y0 >= 36.9, (text, y0)
            assert y1 <= 262.1 or y0 >= 262, (text, y0, y1)


def test_full_body_pages_have_22_lines_of_28_characters(config: Config, tmp_path: Path) -> None:
    b = sample_bulletin("internal")
    sentence = "各县市区总工会要认真贯彻落实全市工会工作会议精神，坚持以职工为中心的工作导向，扎实推进企业普遍建会工作，切实把广大职工组织到工会中来。"
    b.document.preface = "\n\n".join([sentence * 3] * 10)
    out = render_bulletin_pdf(b, config, tmp_path / "long.pdf", charts=False)
    pages = bbox_lines(out)
    full = [lines for lines in pages[1:3]]
    for lines in full:
        body = [line for line in lines if line[3] <= 262.1]
        assert len(body) == 22
        assert body[0][1] == pytest.approx(37, abs=0.3)  # the first line at the top margin
        for x0, _y0, x1, _y1, text in body:
            assert x1 <= 184.1
            indent = round((x0 - 28) / (156 / 28))
            if x1 > 183:  # a full line (not a paragraph's last)
                assert indent + len(text) == 28, text


def test_public_bulletin_has_no_internal_part(public_pdf: Path) -> None:
    text = squeeze(pdftotext(public_pdf))
    assert "三、表扬" in text and "青川区" in text
    for word in (MARKER, "通报批评", "一票否决", "内部资料", "督导"):
        assert word not in text


def test_internal_bulletin_carries_the_internal_parts(internal_pdf: Path) -> None:
    text = squeeze(pdftotext(internal_pdf))
    assert "内部资料" in text and "通报批评" in text and MARKER in text


def test_write_ups_are_left_out_of_the_bulletin_by_default(config: Config, tmp_path: Path) -> None:
    out = render_bulletin_pdf(sample_bulletin("internal"), config, tmp_path / "b.pdf", charts=False)
    text = squeeze(pdftotext(out))
    assert "工作动态" not in text and "工人先锋号”创建活动" not in text
    titles = replace(config, bulletin_writeups="titles")
    out = render_bulletin_pdf(sample_bulletin("internal"), titles, tmp_path / "t.pdf", charts=False)
    text = squeeze(pdftotext(out))
    assert "工作动态1.青川区开展“工人先锋号”创建活动（青川区，2026年10月12日）" in text
    assert "技能比武" not in text  # titles only, not the story


def test_hostile_text_appears_literally(internal_pdf: Path, reports: Path) -> None:
    text = squeeze(pdftotext(internal_pdf))
    assert squeeze(f"标题{HOSTILE}") in text  # the bulletin lists write-ups by title
    # the write-up itself is in the report of its unit
    county = squeeze(pdftotext(reports / "990100.pdf", "-raw"))  # tables row by row
    assert squeeze(f"标题{HOSTILE}") in county
    assert squeeze(HOSTILE_BODY) in county
    assert "项目数量走访企业12" in county  # a Markdown table
    assert "root:" not in county  # /etc/passwd was not read
    report = squeeze(pdftotext(reports / "990101001.pdf", "-raw"))  # cell by cell
    assert squeeze(f"=HYPERLINK(1){HOSTILE}") in report
    # `#set text(size: 1pt)` did not shrink what follows it
    for words in bbox_pages(reports / "990100.pdf"):
        for _x0, y0, _x1, y1, word in words:
            if "正文尾" in word:
                assert y1 - y0 > 4


def test_same_inputs_give_identical_pdfs(config: Config, tmp_path: Path) -> None:
    a = render_bulletin_pdf(sample_bulletin(), config, tmp_path / "a.pdf")
    b = render_bulletin_pdf(sample_bulletin(), config, tmp_path / "b.pdf")
    assert a.read_bytes() == b.read_bytes()


def test_pdf_a_when_configured(tmp_path: Path) -> None:
    config = Config(root=tmp_path, pdf_standard="a-2b")
    out = render_bulletin_pdf(sample_bulletin("public"), config, tmp_path / "a.pdf", charts=False)
    assert b"pdfaid:part" in out.read_bytes() or b"pdfaid:part" in out.read_bytes().replace(
        b"\n", b""
    )


# ---- unit reports, cache, parallel --------------------------------------------------------------


def test_a_report_per_county_and_township(reports: Path) -> None:
    names = sorted(p.name for p in reports.glob("*.pdf"))
    assert names == sorted(
        f"{c}.pdf" for c in ("990100", "990101001", "990101002", "990200", "990201001", "990201002")
    )
    county = squeeze(pdftotext(reports / "990200.pdf", "-raw"))
    assert "云溪县2026年10月企业工会组建工作情况" in county
    assert "云溪县白石矿业有限公司" + MARKER in county  # its tick-off list
    assert "企业负责人不支持" in county
    assert "云溪县城关镇" in county and "云溪县白石乡" in county  # its townships
    assert "2026年9月" in county  # its history
    assert "138****1234" in county  # volunteers, masked
    town = squeeze(pdftotext(reports / "990101002.pdf"))
    assert "青川区西湖镇" in town and "所属县市区" in town


def test_unchanged_reports_come_from_the_cache(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = render_unit_reports(sample_bulletin(), config, tmp_path / "one", 1, cache)
    assert len(list(cache.glob("*.pdf"))) == len(first)

    def refuse(*_args: object) -> bytes:
        raise AssertionError("compiled although cached")

    monkeypatch.setattr(pdf_worker, "compile_pdf", refuse)
    second = render_unit_reports(sample_bulletin(), config, tmp_path / "two", 1, cache)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_planted_or_damaged_pdf_kept_by_its_document_is_never_published(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    fresh = render_unit_reports(sample_bulletin(), config, tmp_path / "fresh", 1, None)
    render_unit_reports(sample_bulletin(), config, tmp_path / "one", 1, cache)
    kept = sorted(cache.glob("*.pdf"))  # kept by the digest of each document
    assert len(kept) == len(fresh) >= 3
    compiled: list[str] = []
    compile_pdf = pdf_worker.compile_pdf
    monkeypatch.setattr(
        pdf_worker,
        "compile_pdf",
        lambda engine, job: compiled.append(job.out) or compile_pdf(engine, job),
    )
    # what the sources' keys find is not asked: each document is looked up by itself
    shutil.rmtree(cache / "sources")
    kept[0].write_bytes(kept[0].read_bytes()[:-100])  # damaged: cut short
    kept[1].write_bytes(fresh[0].read_bytes())  # planted: another unit's PDF, unsealed
    kept[2].write_bytes(kept[2].read_bytes().replace(b"/Type", b"/Typf", 1))  # one byte changed
    again = render_unit_reports(sample_bulletin(), config, tmp_path / "two", 1, cache)
    assert len(compiled) == 3  # those three made again, the others taken from the cache
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in fresh]
    # and kept again, intact: the next build compiles nothing
    shutil.rmtree(cache / "sources")
    render_unit_reports(sample_bulletin(), config, tmp_path / "three", 1, cache)
    assert len(compiled) == 3
    assert _files(tmp_path / "three") == _files(tmp_path / "fresh")


def test_a_report_worker_imports_neither_pandas_nor_matplotlib(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle
    import sys

    pools: list[tuple[object, object, object]] = []

    class Seen:
        def __init__(self, run: object, items: list[object], *_a: object, **kw: object) -> None:
            pools.append((run, kw["initializer"], items[0]))

        def __call__(self) -> None:
            pass

    monkeypatch.setattr(pdf_module, "ChunkPool", Seen)
    render_unit_reports(sample_bulletin(), config, tmp_path / "u", 2, None)
    assert len(pools) == 1
    # what a spawned worker is handed: it imports what unpickling names, and nothing else
    script = (
        "import pickle, sys\n"
        "pickle.loads(sys.stdin.buffer.read())\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script],
        input=pickle.dumps(pools[0]),
        capture_output=True,
        check=True,
    ).stdout.decode()
    imported = set(found.split())
    assert {"typst", "generator"} <= imported
    assert imported.isdisjoint({"pandas", "matplotlib", "pyarrow", "numpy", "openpyxl"})


def _imported_by_a_worker(handed: object) -> set[str]:
    """The top-level modules a spawned worker imports to unpickle what it is handed."""
    import pickle
    import sys

    script = (
        "import pickle, sys\n"
        "pickle.loads(sys.stdin.buffer.read())\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], input=pickle.dumps(handed), capture_output=True, check=True
    ).stdout.decode()
    return set(found.split())


def test_a_bulletin_worker_imports_neither_pandas_nor_matplotlib_and_gets_its_charts_drawn(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools: list[tuple[object, object, list[pdf_worker.Job]]] = []

    class Seen:
        def __init__(self, run: object, items: list[pdf_worker.Job], *_a: object, **kw: object):
            prepare = kw.get("prepare") or (lambda chunk: chunk)
            assert callable(prepare)
            # what a worker is handed: the first chunk as this process prepares it
            pools.append((run, kw["initializer"], prepare(items[:1])))

        def __call__(self) -> None:
            pass

    monkeypatch.setattr(pdf_module, "ChunkPool", Seen)
    items = [(sample_bulletin(a), tmp_path / f"{a}.pdf") for a in ("internal", "public")]
    pdf_module.render_bulletin_pdfs(items, config, 2, None)
    assert len(pools) == 1
    run, initializer, chunk = pools[0]
    imported = _imported_by_a_worker((run, initializer, chunk))
    assert {"typst", "generator"} <= imported
    assert imported.isdisjoint({"pandas", "matplotlib", "pyarrow", "numpy", "openpyxl"})
    # the charts are drawn before the hand-off: the worker compiles a finished document
    assert chunk[0].data.count("<svg") == 2


def test_parallel_reports_equal_serial_ones(config: Config, tmp_path: Path) -> None:
    serial = render_unit_reports(sample_bulletin(), config, tmp_path / "s", 1, None)
    parallel = render_unit_reports(sample_bulletin(), config, tmp_path / "p", 2, None)
    assert [p.read_bytes() for p in serial] == [p.read_bytes() for p in parallel]


# ---- distribution packs ---------------------------------------------------------------------


def test_dist_packs_and_manifest(reports: Path, tmp_path: Path) -> None:
    import hashlib
    import zipfile

    from openpyxl import load_workbook

    bulletin = hostile_bulletin("internal")
    manifest = write_dist(bulletin, reports, tmp_path / "2026-10")
    assert manifest.name == MANIFEST
    with manifest.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["单位代码", "单位名称", "文件", "sha256"]
    assert {r[0] for r in rows[1:]} == {
        "990100",
        "990101001",
        "990101002",
        "990200",
        "990201001",
        "990201002",
    }
    assert len(rows) == 1 + 3 * 6  # the report, the tick-off list and the zip of both
    for code, name, file, digest in rows[1:]:
        folder = unit_folder(code, name)
        assert file.startswith(f"{folder}/") or file == f"{folder}.zip"
        assert "/" not in folder and ".." not in folder
        assert hashlib.sha256((tmp_path / "2026-10" / file).read_bytes()).hexdigest() == digest
    county = bulletin.unit("990100")
    folder = tmp_path / "2026-10" / unit_folder("990100", county.name)
    pdf_name = report_file("990100", county.name, bulletin.period_label)
    xlsx_name = priority_file("990100", county.name, bulletin.period_label)
    assert pdf_name.startswith("990100-") and pdf_name.endswith("2026年10月报告.pdf")
    assert sorted(p.name for p in folder.iterdir()) == sorted([pdf_name, xlsx_name])
    with zipfile.ZipFile(folder.with_name(f"{folder.name}.zip")) as archive:
        assert sorted(archive.namelist()) == sorted(
            [f"{folder.name}/{pdf_name}", f"{folder.name}/{xlsx_name}"]
        )
        assert archive.read(f"{folder.name}/{pdf_name}") == (folder / pdf_name).read_bytes()
    book = load_workbook(folder / xlsx_name)
    sheet = book.active
    assert sheet is not None
    modified = book.properties.modified  # the bulletin's date, not the clock
    assert modified is not None and modified.date() == issued_on(bulletin)
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["序号", "统一社会信用代码", "企业名称"]
    names = [row[2] for row in values[1:]]
    assert f"'=HYPERLINK(1){HOSTILE}" in names  # formula injection neutralised
    assert all(not str(v).startswith(("=", "+", "-", "@")) for row in values for v in row if v)
    # the same inputs give the same bytes (the zips too)
    again = write_dist(bulletin, reports, tmp_path / "again")
    assert again.read_bytes() == manifest.read_bytes()


def test_unit_names_become_safe_file_names() -> None:
    assert unit_folder("370921", "宁阳县") == "370921-宁阳县"
    assert safe_name('a/b\\c:d*e?"f<g>h|i') == "a_b_c_d_e_f_g_h_i"
    assert safe_name("  ..名称\n\t ") == "名称"
    assert safe_name("../..") == ""
    assert unit_folder("990100", "..") == "990100"
    assert len(safe_name("长" * 200)) == 40


# ---- Markdown, fonts, charts ----------------------------------------------------------------


def test_markdown_tree_keeps_markup_as_text(tmp_path: Path) -> None:
    tree = markdown_tree(
        "A <b>x</b> #set $y$ [l](javascript:alert(1)) [w](https://example.org)\n\n| a | b |\n|-|-|\n| 1 | 2 |\n"
    )
    assert tree[0]["t"] == "par"
    assert "<b>x</b> #set $y$" in plain_text(tree)
    links = [n for n in tree[0]["c"] if n["t"] == "link"]
    assert [n["href"] for n in links] == ["https://example.org"]
    assert tree[1]["t"] == "table" and len(tree[1]["rows"]) == 1


def test_images_must_stay_inside_content(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "writeups" / "img").mkdir(parents=True)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3)).save(buffer, "PNG")
    png = buffer.getvalue()
    (content / "writeups" / "img" / "a.png").write_bytes(png)
    (tmp_path / "outside.png").write_bytes(png)
    assets = pdf_module.Assets(content)
    resolve = assets.writeup_resolver()
    assert (
        resolve(
            "img/a.png",
        )
        is not None
    )
    assert resolve("img/a.png").startswith("/assets/")  # type: ignore[union-attr]
    assert resolve("../../outside.png") is None
    assert resolve("/etc/passwd") is None
    assert resolve("https://example.org/a.png") is None
    (content / "writeups" / "img" / "fake.png").write_text("not a png")
    assert resolve("img/fake.png") is None
    # the right magic bytes but no picture: Typst would stop the whole document on it
    (content / "writeups" / "img" / "broken.png").write_bytes(png[:12] + b"0" * 20)
    assert resolve("img/broken.png") is None


def test_every_font_role_resolves() -> None:
    resolved = {f.role: f for f in resolve_fonts()}
    assert set(resolved) == set(ROLES)
    for font in resolved.values():
        assert font.family and font.stack[0] == font.family
        assert not font.file.startswith("（未找到")


def test_charts_are_deterministic_with_text_as_paths() -> None:
    from generator.render.charts import coverage_by_county_svg, coverage_trend_svg

    b = sample_bulletin()
    for chart in (coverage_by_county_svg, coverage_trend_svg):
        svg = chart(b, True)
        assert svg == chart(b, True)
        assert "<text" not in svg  # glyphs as paths: Typst does no font fallback inside SVG
        assert "dc:date" not in svg


def test_writeup_images_inside_content_are_embedded(tmp_path: Path) -> None:
    from PIL import Image

    content = tmp_path / "content"
    (content / "writeups" / "img").mkdir(parents=True)
    Image.new("RGB", (40, 30), (200, 30, 30)).save(content / "writeups" / "img" / "a.png")
    b = sample_bulletin("public")
    w = b.writeups[0]
    w.images = ["writeups/img/a.png", "../outside.png"]
    w.body += "\n![现场照片](img/a.png)\n\n![外部](../../../etc/hosts)\n"
    render_unit_reports(b, Config(root=tmp_path), tmp_path / "u", 1, None)
    out = tmp_path / "u" / "990100.pdf"  # the write-up's unit: its report carries it
    listing = subprocess.run(
        ["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(listing) == 2  # the same picture from the body and from the front matter
    assert "〔图片：外部〕" in squeeze(pdftotext(out))  # a refused image shows as its alt text


def test_project_templates_override_the_built_in_ones(tmp_path: Path) -> None:
    from generator.common.errors import BuildError

    folder = tmp_path / "site_templates" / "pdf"
    folder.mkdir(parents=True)
    (folder / "report.typ").write_text(
        '#import "common.typ": *\n#set document(date: auto)\n自定义报告 #data.title\n',
        encoding="utf-8",
    )
    config = Config(root=tmp_path)
    [first, *_] = render_unit_reports(sample_bulletin(), config, tmp_path / "u", 1, None)
    assert "自定义报告青川区2026年10月" in squeeze(pdftotext(first))
    (folder / "report.typ").write_text("#let x = (\n", encoding="utf-8")
    with pytest.raises(BuildError, match="模板"):
        render_unit_reports(sample_bulletin(), config, tmp_path / "v", 1, None)


def test_cache_entries_unused_for_long_are_pruned(tmp_path: Path) -> None:
    import os

    old, fresh = tmp_path / "old.pdf", tmp_path / "fresh.pdf"
    old.write_bytes(b"%PDF")
    fresh.write_bytes(b"%PDF")
    os.utime(old, (0, 0))
    assert pdf_module.prune_cache(tmp_path) == 1
    assert fresh.exists() and not old.exists()


def test_many_bulletins_in_parallel_then_from_the_cache(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.render.pdf import render_bulletin_pdfs

    items = [(sample_bulletin(a), tmp_path / a / "bulletin.pdf") for a in ("public", "internal")]
    cache = tmp_path / "cache"
    outs = render_bulletin_pdfs(items, config, jobs=2, cache_dir=cache)
    single = render_bulletin_pdf(sample_bulletin("internal"), config, tmp_path / "one.pdf")
    assert outs[1].read_bytes() == single.read_bytes()  # a worker draws the same charts
    assert "内部资料" not in pdftotext(outs[0]) and "内部资料" in pdftotext(outs[1])

    def refuse(*_args: object) -> bytes:
        raise AssertionError("compiled although cached")

    monkeypatch.setattr(pdf_worker, "compile_pdf", refuse)
    again = [(b, tmp_path / "again" / f"{i}.pdf") for i, (b, _out) in enumerate(items)]
    render_bulletin_pdfs(again, config, jobs=2, cache_dir=cache)


def test_unchanged_priority_lists_come_from_the_cache(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.render import dist

    cache = tmp_path / "cache"
    first = write_dist(sample_bulletin(), reports, tmp_path / "one", cache_dir=cache)

    def refuse(*_args: object) -> Path:
        raise AssertionError("written although cached")

    monkeypatch.setattr(dist, "write_xlsx", refuse)
    second = write_dist(sample_bulletin(), reports, tmp_path / "two", cache_dir=cache)
    assert first.read_bytes() == second.read_bytes()


def test_a_planted_or_damaged_priority_list_in_the_cache_is_never_published(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.render import dist

    bulletin = hostile_bulletin("internal")
    write_dist(bulletin, reports, tmp_path / "fresh")  # no cache: made from scratch
    cache = tmp_path / "cache"
    write_dist(bulletin, reports, tmp_path / "one", cache_dir=cache)
    kept = sorted(cache.glob("*.xlsx"))
    assert len(kept) >= 3
    written: list[Path] = []
    write_xlsx = dist.write_xlsx
    monkeypatch.setattr(
        dist, "write_xlsx", lambda path, *a: written.append(path) or write_xlsx(path, *a)
    )
    kept[0].write_bytes(kept[0].read_bytes()[:-50])  # damaged: cut short
    planted = next(iter((tmp_path / "one").rglob("*.xlsx")))
    kept[1].write_bytes(planted.read_bytes())  # planted: a workbook with no digest line
    data = bytearray(kept[2].read_bytes())
    data[-30] ^= 1  # one bit changed inside the zip
    kept[2].write_bytes(bytes(data))
    write_dist(bulletin, reports, tmp_path / "two", cache_dir=cache)
    # each spoiled entry made again once (then kept intact for the units with an equal list)
    assert len(written) == 3
    # every file of every packet, the zips and the manifest: as a build without a cache makes them
    assert _files(tmp_path / "two") == _files(tmp_path / "fresh")
    # the entries were kept again, intact: the next build writes no workbook
    written.clear()
    write_dist(bulletin, reports, tmp_path / "three", cache_dir=cache)
    assert written == []
    assert _files(tmp_path / "three") == _files(tmp_path / "fresh")


def test_a_packet_zip_carries_only_intact_files_from_the_caches(
    config: Config, tmp_path: Path
) -> None:
    bulletin = sample_bulletin()
    fresh = tmp_path / "fresh"
    render_unit_reports(bulletin, config, fresh / "units", 1, None)
    write_dist(bulletin, fresh / "units", fresh / "dist")
    cache = tmp_path / "cache"
    render_unit_reports(bulletin, config, tmp_path / "one" / "units", 1, cache)
    write_dist(bulletin, tmp_path / "one" / "units", tmp_path / "one" / "dist", cache_dir=cache)
    # every PDF and workbook the cache keeps, damaged: the packets are made as from scratch
    spoiled = [*cache.glob("*.pdf"), *cache.glob("sources/*.pdf"), *cache.glob("*.xlsx")]
    for path in [*spoiled, *cache.glob("*.zip")]:
        path.write_bytes(path.read_bytes()[:-10])
    two = tmp_path / "two"
    render_unit_reports(bulletin, config, two / "units", 1, cache)
    write_dist(bulletin, two / "units", two / "dist", cache_dir=cache)
    assert _files(two) == _files(fresh)
    assert any(name.endswith(".zip") for name in _files(two / "dist"))


def test_unchanged_packet_zips_come_from_the_cache_and_only_intact_ones(
    reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.render import dist

    bulletin = sample_bulletin()
    write_dist(bulletin, reports, tmp_path / "fresh")  # no cache: every zip made
    cache = tmp_path / "cache"
    write_dist(bulletin, reports, tmp_path / "one", cache_dir=cache)
    kept = sorted(cache.glob("*.zip"))
    assert len(kept) == len(list((tmp_path / "fresh").rglob("*.zip"))) >= 3
    made: list[str] = []
    zipped = dist._zipped
    monkeypatch.setattr(dist, "_zipped", lambda name, *a: made.append(name) or zipped(name, *a))
    write_dist(bulletin, reports, tmp_path / "two", cache_dir=cache)
    assert made == []  # every packet unchanged: copied
    assert _files(tmp_path / "two") == _files(tmp_path / "fresh")
    kept[0].write_bytes(kept[0].read_bytes()[:-50])  # damaged: cut short
    planted = next(iter((tmp_path / "one").rglob("*.zip")))
    kept[1].write_bytes(planted.read_bytes())  # planted: a zip with no digest line
    data = bytearray(kept[2].read_bytes())
    data[-30] ^= 1  # one bit changed
    kept[2].write_bytes(bytes(data))
    write_dist(bulletin, reports, tmp_path / "three", cache_dir=cache)
    assert len(made) == 3  # each spoiled one made again, never published
    assert _files(tmp_path / "three") == _files(tmp_path / "fresh")


def test_a_project_may_change_the_fixed_wording(tmp_path: Path) -> None:
    from generator.common.errors import ConfigError

    folder = tmp_path / "site_templates" / "pdf"
    folder.mkdir(parents=True)
    (folder / "wording.yml").write_text("commend_intro: 对下列单位提出表扬：\n", encoding="utf-8")
    out = render_bulletin_pdf(
        sample_bulletin("internal"), Config(root=tmp_path), tmp_path / "b.pdf", charts=False
    )
    text = squeeze(pdftotext(out))
    assert "对下列单位提出表扬：" in text and "对以下单位予以通报表扬" not in text
    assert "对以下单位予以通报批评" in text  # phrases it did not write keep the built-in wording
    (folder / "wording.yml").write_text("commend_intro: 好\nunknown_phrase: 坏\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"第2行.*unknown_phrase"):
        render_bulletin_pdf(
            sample_bulletin("internal"), Config(root=tmp_path), tmp_path / "c.pdf", charts=False
        )


def test_pdf_workers_are_started_only_where_they_pay_for_their_start() -> None:
    """With the number left to the tool, a worker per 16 documents (a worker's start costs
    about as much as 16 compiles here), never more than the other cores; an explicit --jobs N
    is N processes, this one included, never more than the cores or the documents."""
    from generator.render.pdf import pdf_workers

    assert [pdf_workers(n, None, 8) for n in (0, 1, 5, 15, 16, 31, 32, 143, 500)] == [
        0,
        0,
        0,
        0,
        1,
        1,
        2,
        7,
        7,
    ]
    assert [pdf_workers(n, None, 2) for n in (9, 24, 143)] == [0, 1, 1]
    assert [pdf_workers(n, None, 1) for n in (9, 143)] == [0, 0]
    assert [pdf_workers(n, 2, 8) for n in (0, 1, 2, 9)] == [0, 0, 1, 1]
    assert [pdf_workers(9, j, 4) for j in (1, 3, 4, 8)] == [0, 2, 3, 3]


def test_a_paragraph_is_cut_into_the_pieces_a_line_may_end_after() -> None:
    """A mark stays with the character before it (，。）) or after it (（), a number with its
    marks; the sums before each piece are what the template finds a line's width by."""
    from generator.render.document.lines import grid_atoms

    runs = ["（一）松岚县。", "得分83.4%，“序”"]
    grid = grid_atoms(runs)
    assert grid is not None
    pieces = [
        runs[r].encode()[s:e].decode()
        for r, s, e in zip(grid["r"], grid["s"], grid["e"], strict=True)
    ]
    assert pieces == ["（一）", "松", "岚", "县。", "得", "分", "83.4%，", "“序”"]
    assert grid["lat"] == [6, 7]  # measured when set: the number, and the quotes (font's width)
    assert grid["c"] == [0, 3, 4, 5, 7, 8, 9, 9, 9]  # places of the pieces set by the grid
    assert grid["m"] == [0, 0, 0, 0, 0, 0, 0, 1, 2]
    assert grid["h"] == [0, 1, 2, 3, 4, 5, 6, 6, 7]  # ideographs: 一 松 岚 县 得 分 序
    assert grid_atoms(["x" * 41]) is None  # a Latin run too long to keep whole: Typst breaks it
    # numbers listed with 、 are pieces of their own: a line may end after each mark
    listed = grid_atoms(["分别为66.7%、80.0%、40.0%。"])
    assert listed is not None
    text = "分别为66.7%、80.0%、40.0%。".encode()
    assert [text[s:e].decode() for s, e in zip(listed["s"], listed["e"], strict=True)] == [
        "分",
        "别",
        "为",
        "66.7%、",
        "80.0%、",
        "40.0%。",
    ]
