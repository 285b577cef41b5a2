"""The demo's bulletins and unit reports read as a clerk and a leader would read them (issue 13).

Everything is asserted on the built PDFs (pdfplumber's text, characters and tables, on what pdfium
reads of each page: tests/pdf_reading.py), not on the Typst data: title lines, page counts, the
public version, the judgments, the annexes' sums and the table headers.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import operator
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pdf_reading import page_texts, pages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(demo_build: Path) -> Path:
    """The session's build of the demo project (read only)."""
    return demo_build


def bulletins(demo: Path, audience: str) -> list[Path]:
    return sorted((demo / audience / "pdf").glob("*/bulletin.pdf"))


def model(demo: Path, audience: str, period: str) -> dict[str, Any]:
    path = demo / audience / "data" / period / "bulletin.json"
    return json.loads(path.read_text(encoding="utf-8"))


def text_of(pdf: Path) -> str:
    return "\n".join(page_texts(pdf))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def jieba_boundaries(text: str) -> set[int]:
    """Offsets between two words of `text` by jieba itself (precise mode, no HMM)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    out, offset = {0}, 0
    for word in jieba.lcut(text, HMM=False):
        offset += len(word)
        out.add(offset)
    return out


def lines_of(chars: list[dict[str, Any]]) -> list[str]:
    """Characters grouped into lines by their baseline, top to bottom."""
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in chars:
        rows[round(c["bottom"])].append(c)
    return [
        "".join(c["text"] for c in sorted(r, key=lambda c: c["x0"]))
        for _, r in sorted(rows.items())
    ]


# ---- 1. titles ------------------------------------------------------------------------------


def test_title_lines_end_between_words_and_are_balanced(demo: Path) -> None:
    checked = 0
    for audience in ("internal", "public"):
        for pdf in bulletins(demo, audience):
            title = model(demo, audience, pdf.parent.name)["document"]["title"]
            chars = [
                c for c in pages(pdf)[0].chars if 21.5 < c["size"] < 22.5 and c["text"].strip()
            ]
            lines = lines_of(chars)
            assert "".join(lines) == title, (pdf, lines)
            ends = jieba_boundaries(title)
            offset = 0
            for line in lines:
                offset += len(line)
                assert offset in ends, (pdf, lines)  # never inside a word
            if len(lines) > 1:
                widths = [len(line) for line in lines]
                assert max(widths) - min(widths) <= 6, (pdf, lines)  # no long line and stub
            checked += 1
    assert checked == 24


# ---- 2. 版记 on an even page ------------------------------------------------------------------


def test_every_bulletin_with_a_banji_has_an_even_page_count(demo: Path) -> None:
    for pdf in bulletins(demo, "internal"):
        pages = [flat(text) for text in page_texts(pdf)]
        assert "印发" in pages[-1] and "抄送" in pages[-1], pdf  # the 版记 is on the last page
        assert not any("印发" in p and "抄送：" in p for p in pages[:-1]), pdf
        assert len(pages) % 2 == 0, (pdf, len(pages))
        if "—" not in pages[-1].replace("抄送", ""):  # a blank page before it: no page numbers
            assert pages[-2] == "", pdf


# ---- 3. the public version --------------------------------------------------------------------


def test_the_public_bulletin_says_nothing_of_criticism_or_veto(demo: Path) -> None:
    for pdf in bulletins(demo, "public"):
        text = flat(text_of(pdf))
        assert "公开版" in text, pdf
        for word in ("批评", "否决", "整改", "约谈", "〔2026〕", "印发", "内部资料"):
            assert word not in text, (pdf, word)
        assert "下一步工作要求" in text  # its own closing, not none


# ---- 4. each unit once in the judgments ----------------------------------------------------


def judgment_text(text: str) -> str:
    """The judgment sections: from 表扬 (or the first criticism) to 重点企业销号情况, without
    the page numbers (—7—) that a page break puts inside a list of names."""
    text = re.sub(r"—\d+—", "", text)
    start = min(
        i for i in (text.find("、表扬"), text.find("、通报批评"), text.find("、一票否决")) if i >= 0
    )
    return text[start : text.index("重点企业销号情况")]


def test_no_unit_is_named_twice_among_the_judgments(demo: Path) -> None:
    grouped = 0
    for pdf in bulletins(demo, "internal"):
        bulletin = model(demo, "internal", pdf.parent.name)
        text = judgment_text(flat(text_of(pdf)))
        judged = [u for u in bulletin["units"] if u["judgments"]]
        assert judged
        names: dict[str, int] = defaultdict(int)
        for u in judged:
            if u["level"] == "township":
                names[u["name"]] += 1
        for name, count in names.items():
            assert text.count(name) == count, (pdf, name)
        for u in judged:
            if u["level"] == "county":  # named on its own once; as a prefix of its townships too
                assert len(re.findall(re.escape(u["name"]) + "(?=[。、，：（])", text)) == 1, (
                    pdf,
                    u["name"],
                )
        # units with the same numbers and reasons share one sentence: at most one is told alone
        # (from the volunteer deadline on, those also lacking a volunteer form a second group)
        assert text.count("本年新建会0家") <= 1, pdf
        grouped += "以上" in text
        # a percentage is not stated twice for one unit (year end: completion = schedule)
        assert not re.search(r"完成年度目标的([\d.]+%)[^。]*序时进度完成率\1", text), pdf
    assert grouped  # the demo has units with equal numbers


# ---- 5. annexes add up -------------------------------------------------------------------------


def annex_tables(pdf: Path) -> tuple[list[list[str]], list[list[str]]]:
    """Rows of 附件1 (counties) and 附件2 (townships) as the PDF's table cells."""
    county_rows, town_rows = [], []
    annex = 0
    for page, page_text in zip(pages(pdf), page_texts(pdf), strict=True):
        text = flat(page_text)
        if text.startswith("附件1"):
            annex = 1
        elif text.startswith("附件2"):
            annex = 2
        elif re.match(r"附件[3-9]", text):
            break  # later annexes (targets) are other tables
        if not annex:
            continue
        for table in page.extract_tables():
            for row in table:
                cells = [flat(c or "") for c in row]
                if not cells[0] or cells[0] in ("排名", "县市区"):
                    continue  # the header (repeated on each page)
                (county_rows if annex == 1 else town_rows).append(cells)
    return county_rows, town_rows


def test_annex_township_rows_and_the_direct_row_add_up_to_the_county(demo: Path) -> None:
    for period in ("2025-12", "2026-06", "2026-10"):
        pdf = demo / "internal" / "pdf" / period / "bulletin.pdf"
        counties, towns = annex_tables(pdf)
        assert len(counties) == 9
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        direct = 0
        for row in towns:
            county, _rank, name, enterprises, unionized = row[:5]
            totals[county][0] += int(enterprises)
            totals[county][1] += int(unionized)
            direct += name in ("县直", "市直", "区直", "直属")
        assert direct >= 1  # enterprises registered to a county itself have their row
        for row in counties:
            name, enterprises, unionized = row[1], int(row[2]), int(row[3])
            assert totals[name] == [enterprises, unionized], (period, name)


def test_departed_priority_enterprises_are_counted(demo: Path) -> None:
    said = 0
    for pdf in bulletins(demo, "internal"):
        city = next(
            u for u in model(demo, "internal", pdf.parent.name)["units"] if u["level"] == "city"
        )
        text = flat(text_of(pdf))
        if city["priority_left"]:
            assert f"注销、吊销、迁出{city['priority_left']}家" in text, pdf
            said += 1
    assert said  # the demo has enterprises that left


# ---- 6. table headers ----------------------------------------------------------------------------


def test_no_table_header_breaks_inside_a_word(demo: Path) -> None:
    reports = sorted((demo / "internal" / "pdf" / "2026-10" / "units").glob("*.pdf"))[:8]
    headers = 0
    for pdf in [*bulletins(demo, "internal")[::3], *reports]:
        for page in pages(pdf):
            for table in page.extract_tables():
                for cell in table[0]:
                    if not cell or not re.search(r"[\u4e00-\u9fff]", cell):
                        continue
                    lines = cell.split("\n")
                    header = "".join(lines)
                    assert len(lines) <= 2, (pdf, cell)
                    if len(lines) == 2:
                        assert len(lines[0]) in jieba_boundaries(header), (pdf, cell)
                    headers += 1
    assert headers > 100


# ---- 7. content: 主送, 存在问题, targets of every unit, write-ups -----------------------------


def test_recipients_come_from_the_ranked_units(demo: Path) -> None:
    text = flat(text_of(demo / "internal" / "pdf" / "2026-10" / "bulletin.pdf"))
    assert "各县（市、区）总工会，示例高新技术产业开发区工会：" in text


def test_a_problems_paragraph_quotes_the_figures(demo: Path) -> None:
    bulletin = model(demo, "internal", "2026-10")
    counties = [u for u in bulletin["units"] if u["level"] == "county"]
    high = max(counties, key=lambda u: u["coverage_rate"])
    low = min(counties, key=lambda u: u["coverage_rate"])
    gap = round((high["coverage_rate"] - low["coverage_rate"]) * 100 + 1e-9, 1)
    text = flat(text_of(demo / "internal" / "pdf" / "2026-10" / "bulletin.pdf"))
    part = text[text.index("存在问题") : text.index("下一步工作要求")]
    assert high["name"] in part and low["name"] in part
    assert f"相差{gap}个百分点" in part


def test_every_unit_has_targets_so_every_county_is_ranked(demo: Path) -> None:
    """The demo's targets reach every township (a unit without targets, 未排名 and its note
    under the table, is the golden project's case)."""
    bulletin = model(demo, "internal", "2026-10")
    ranked = [u for u in bulletin["units"] if u["level"] in ("county", "township")]
    assert all(u["target_new_unions"] is not None for u in ranked)
    zone = next(u for u in bulletin["units"] if u["name"] == "示例高新技术产业开发区")
    streets = [u for u in bulletin["units"] if u["parent"] == zone["code"]]
    assert len(streets) == 6
    assert zone["target_new_unions"] == sum(u["target_new_unions"] for u in streets)
    counties = [u for u in bulletin["units"] if u["level"] == "county"]
    assert sorted(u["rank"] for u in counties) == list(range(1, 10))
    text = flat(text_of(demo / "internal" / "pdf" / "2026-10" / "bulletin.pdf"))
    assert "未下达年度目标" not in text and "未排名" not in text


def test_write_ups_are_not_in_the_bulletin(demo: Path) -> None:
    for pdf in bulletins(demo, "internal"):
        assert "工作动态" not in flat(text_of(pdf)), pdf


# ---- 8. unit reports tell a criticised township what to do ------------------------------------


def test_a_criticised_township_report_says_by_when_and_how_many(demo: Path) -> None:
    bulletin = model(demo, "internal", "2026-10")
    criticised = [
        u
        for u in bulletin["units"]
        if u["level"] == "township" and any(j["kind"] == "criticize" for j in u["judgments"])
    ]
    assert criticised
    u = criticised[0]
    text = flat(text_of(demo / "internal" / "pdf" / "2026-10" / "units" / f"{u['code']}.pdf"))
    # signed on Monday 2026-11-09, the day after the last ledger came (rectify_days 10): ten
    # working days later, Monday 11-23
    assert "于2026年11月23日前向示例市总工会书面报告整改措施" in text
    assert date(2026, 11, 9) + timedelta(days=14) == date(2026, 11, 23)
    # on schedule at the end of November: target × 11/12, rounded half up (CONTRACT 3.9)
    goal = math.floor(u["target_new_unions"] * 11 / 12 + 0.5)
    need = max(0, goal - u["ytd_new_unions"])
    assert f"到2026年11月底本年累计新建会应达到{goal}家" in text
    if need:
        assert f"下期至少还需新建会{need}家" in text


# ---- 9. 仿宋 --------------------------------------------------------------------------------------


def test_doctor_and_the_summary_say_which_role_has_no_fangsong(tmp_path: Path) -> None:
    from generator.render.fonts import ResolvedFont, fangsong_advice, resolve_fonts

    body = next(f for f in resolve_fonts(None) if f.role == "body")
    if body.official:
        pytest.skip("this machine has a 仿宋 installed")
    advice = fangsong_advice(resolve_fonts(tmp_path))
    assert advice is not None
    assert advice.startswith("正文、版记没有仿宋字体")
    assert "simfang.ttf" in advice and "fonts/" in advice
    fangsong = ResolvedFont("body", "正文、版记（仿宋）", "FangSong", 400, "simfang.ttf", True, ())
    assert fangsong_advice([fangsong]) is None


# ---- 10. the reader -------------------------------------------------------------------------------


def test_the_pdfium_reader_gives_what_pdfplumber_reads(demo: Path) -> None:
    """The tests above read the PDFs through pdfium (tests/pdf_reading.py) for speed: on a title
    page, an annex page and a unit report it gives pdfplumber's own characters, text, lines and
    tables."""
    import pdfplumber

    bulletin = demo / "internal" / "pdf" / "2026-10" / "bulletin.pdf"
    annex = next(i for i, t in enumerate(page_texts(bulletin)) if flat(t).startswith("附件2"))
    report = sorted((demo / "internal" / "pdf" / "2026-10" / "units").glob("*.pdf"))[0]
    tables = 0
    for pdf, index in ((bulletin, 0), (bulletin, annex), (report, 0)):
        ours = pages(pdf)[index]
        with pdfplumber.open(pdf) as doc:
            theirs = doc.pages[index]
            assert [c["text"] for c in ours.chars] == [c["text"] for c in theirs.chars]
            for a, b in zip(ours.chars, theirs.chars, strict=True):
                for key in ("x0", "x1", "top", "bottom", "size"):
                    assert abs(a[key] - b[key]) < 0.01, (pdf, index, a, b)
            assert ours.extract_text() == theirs.extract_text(), (pdf, index)
            box = operator.itemgetter("x0", "top", "x1", "bottom")
            ours_lines, their_lines = sorted(map(box, ours.lines)), sorted(map(box, theirs.lines))
            assert len(ours_lines) == len(their_lines) > 0, (pdf, index)
            for a, b in zip(ours_lines, their_lines, strict=True):
                assert max(abs(u - v) for u, v in zip(a, b, strict=True)) < 0.01, (pdf, index)
            found = ours.extract_tables()
            assert found == theirs.extract_tables(), (pdf, index)
            tables += len(found)
    assert tables >= 2


# ---- 11. the form (issue 24 item 10) ------------------------------------------------------------

MM = 72 / 25.4
TYPE_TOP, TYPE_HEIGHT = 37 * MM, 225 * MM  # GB/T 9704's type area, in points
GRID = 156 * MM / 28  # one character of the 28-character line


def cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def body_lines(chars: list[dict[str, Any]], size: float = 16) -> list[list[dict[str, Any]]]:
    """Characters of `size` grouped into lines (centres within 5 pt: marks drawn from another
    font sit a little higher or lower), each left to right."""
    rows: list[tuple[float, list[dict[str, Any]]]] = []
    wanted = [c for c in chars if abs(c["size"] - size) < 0.2 and c["text"].strip()]
    for c in sorted(wanted, key=lambda c: c["top"] + c["bottom"]):
        middle = (c["top"] + c["bottom"]) / 2
        if rows and abs(rows[-1][0] - middle) < 5:
            rows[-1][1].append(c)
        else:
            rows.append((middle, [c]))
    return [sorted(row, key=operator.itemgetter("x0")) for _, row in rows]


def test_headings_are_set_in_the_face_of_their_level(demo: Path) -> None:
    """GB/T 9704-2012 7.3.3: 一、 黑体, （一） 楷体, 1. 仿宋 bold; the 1. items of the criticism
    section were set in 楷体 like （一）. Four different faces, each level always in its own."""
    import pdfplumber

    pdf = demo / "internal" / "pdf" / "2025-12" / "bulletin.pdf"  # criticised and vetoed groups
    faces: dict[str, set[str]] = defaultdict(set)
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            for line in body_lines(page.chars):
                text = "".join(c["text"] for c in line)

                def face(i: int, line: list[dict[str, Any]] = line) -> str:
                    return str(line[i]["fontname"]).split("+")[-1]

                if re.match(r"[一二三四五六七八九十]+、", text):
                    faces["一、"].add(face(2))
                elif re.match(r"（[一二三四五六七八九十]+）", text):
                    faces["（一）"].update(face(i) for i in (1, 3))
                elif re.match(r"\d+\.[^。\d]{2,40}。", text):  # a run-in heading
                    faces["1."].update(face(i) for i in (0, 3))
                elif text.startswith("全市") or text.startswith("截至"):
                    faces["body"].add(face(3))
    assert {k: len(v) for k, v in faces.items()} == {"一、": 1, "（一）": 1, "1.": 1, "body": 1}
    assert len(set().union(*faces.values())) == 4, faces  # four faces, one per level
    (one,), (body,) = faces["1."], faces["body"]
    assert "Bold" in one or one == body, faces  # 仿宋 bold (or the same 仿宋, stroked)


def test_a_full_stop_in_a_kai_heading_sits_low_and_left(demo: Path) -> None:
    """The free 楷体 (AR PL UKai) draws 。 in the middle of its box, as Taiwan's usage has it;
    a mainland document has it low and left. Measured on the page as drawn: the ink of each 。
    that ends a （一） lead."""
    import pypdfium2 as pdfium

    pdf = demo / "internal" / "pdf" / "2026-10" / "bulletin.pdf"
    doc = pdfium.PdfDocument(pdf)
    scale, checked = 4, 0
    for index, page in enumerate(pages(pdf)):
        image = None
        for line in body_lines(page.chars):
            text = "".join(c["text"] for c in line)
            if not re.match(r"（[一二三四五六七八九十]+）[^。]{2,20}。", text):
                continue
            dot = next(c for c in line if c["text"] == "。")
            if image is None:
                image = doc[index].render(scale=scale).to_pil().convert("L")
            box = image.crop(
                tuple(round(dot[k] * scale) for k in ("x0", "top", "x1", "bottom"))  # type: ignore[arg-type]
            )
            ink = [
                (x, y)
                for x in range(box.width)
                for y in range(box.height)
                if box.getpixel((x, y)) < 128  # type: ignore[operator]
            ]
            assert ink, (pdf, index, text)
            across = sum(x for x, _ in ink) / len(ink) / box.width
            down = sum(y for _, y in ink) / len(ink) / box.height
            assert across < 0.35 and down > 0.6, (index + 1, text, across, down)
            checked += 1
    assert checked >= 10


def widest_gaps(pdf: Path, size: float = 16, pitch: float = GRID) -> list[tuple[float, int, str]]:
    """Per body line (of `size`), how much further apart than `pitch` (the grid's 156/28 mm)
    two adjacent Chinese characters stand at most (mm), with the page and the line."""
    out = []
    for number, page in enumerate(pages(pdf), 1):
        for line in body_lines(page.chars, size):
            extra = max(
                (
                    b["x0"] - a["x0"] - pitch
                    for a, b in itertools.pairwise(line)
                    if cjk(a["text"]) and cjk(b["text"])
                ),
                default=0.0,
            )
            out.append((extra / MM, number, "".join(c["text"] for c in line)))
    return out


def test_no_line_is_letter_spaced_beyond_what_a_chinese_line_needs(demo: Path) -> None:
    """Justifying a line of Chinese spreads it by at most one character: 5.6 mm over some 20
    gaps. A line that a number too long for its end leaves shorter ends short instead of being
    spread (it was, by up to 1.2 mm a character: 21 lines of the twelve bulletins)."""
    lines = 0
    for audience in ("internal", "public"):
        for pdf in bulletins(demo, audience):
            gaps = widest_gaps(pdf)
            worst = max(gaps)
            assert worst[0] <= 0.35, (pdf, worst)
            # a line that did not fit after all is broken again: one character left alone
            alone = [(page, text) for _, page, text in gaps if len(text) == 1 and cjk(text)]
            assert not alone, (pdf, alone)
            lines += len(gaps)
    assert lines > 4000
    # the unit reports (14 pt, no grid: a line of Chinese is short by less than a character)
    for pdf in sorted((demo / "internal" / "pdf" / "2026-10" / "units").glob("*.pdf")):
        worst = max(widest_gaps(pdf, 14, 14))
        assert worst[0] <= 0.35, (pdf, worst)


def test_no_page_is_left_more_than_a_quarter_blank_before_a_table(demo: Path) -> None:
    """A table continues on the next page under its repeated header; only the paragraph that
    introduces it keeps to its first rows. Before, whole tables moved on and left pages 9-12 of
    2026-10 56-117 mm blank."""
    tables = 0
    for audience in ("internal", "public"):
        for pdf in bulletins(demo, audience):
            read = pages(pdf)
            for before, page in itertools.pairwise(read):
                rules = [r for r in page.lines if r["width"] > 100 * MM and r["top"] > TYPE_TOP - 1]
                if not rules or min(r["top"] for r in rules) > TYPE_TOP + 6 * GRID:
                    continue  # no table at the top of this page
                tables += 1
                ink = [c["bottom"] for c in before.chars if c["bottom"] < TYPE_TOP + TYPE_HEIGHT]
                ink += [r["bottom"] for r in before.lines if r["bottom"] < TYPE_TOP + TYPE_HEIGHT]
                if not ink:
                    continue  # an attachment starts
                blank = TYPE_TOP + TYPE_HEIGHT - max(ink)
                assert blank <= TYPE_HEIGHT / 4 + 0.5, (pdf, read.index(page), blank / MM)
    assert tables > 20


def test_a_table_split_across_pages_repeats_its_header(demo: Path) -> None:
    pdf = demo / "internal" / "pdf" / "2026-10" / "bulletin.pdf"
    texts = [flat(t) for t in page_texts(pdf)]
    first = next(i for i, t in enumerate(texts) if t.startswith("附件2"))
    header = [flat(c or "") for c in pages(pdf)[first].extract_tables()[0][0]]
    assert header[:3] == ["县市区", "排名", "乡镇（街道）"]
    continued = 0
    for page in pages(pdf)[first + 1 :]:
        found = page.extract_tables()
        if found and not flat(page.extract_text()).startswith("附件"):
            assert [flat(c or "") for c in found[0][0]] == header
            continued += 1
    assert continued >= 1


def test_the_public_version_has_no_red_header_and_promises_only_what_it_holds(demo: Path) -> None:
    """Not the signed document: no 发文机关标志 (示例市总工会文件), 文号 or red line above its
    title; the 2025-12 title and preface promised 考核结果 the public version leaves out."""
    for pdf in bulletins(demo, "public"):
        first = pages(pdf)[0]
        text = flat(page_texts(pdf)[0])
        assert "文件" not in text and "〔" not in text, pdf
        title = min(c["top"] for c in first.chars if c["size"] > 21)
        assert not [r for r in first.lines if r["bottom"] < title], pdf  # no red line above
    internal = model(demo, "internal", "2025-12")["document"]["title"]
    assert internal == "关于2025年全市企业工会组建工作情况及年度目标任务考核结果的通报"
    public = flat(text_of(demo / "public" / "pdf" / "2025-12" / "bulletin.pdf"))
    assert "关于2025年全市企业工会组建工作情况的通报" in public
    assert model(demo, "public", "2025-12")["document"]["title"] == (
        "关于2025年全市企业工会组建工作情况的通报"
    )
    assert "全年企业工会组建工作情况通报如下" in public
    assert "考核结果通报如下" not in public
    internal_text = flat(text_of(demo / "internal" / "pdf" / "2025-12" / "bulletin.pdf"))
    assert "示例市总工会文件" in internal_text and "考核结果通报如下" in internal_text


def test_january_is_one_month_and_no_count_of_nothing_is_printed(demo: Path) -> None:
    january = flat(text_of(demo / "internal" / "pdf" / "2026-01" / "bulletin.pdf"))
    assert "2026年1月，全市新建工会" in january
    said = 0
    for audience in ("internal", "public"):
        for pdf in bulletins(demo, audience):
            text = flat(text_of(pdf))
            assert not re.search(r"1—1月", text), pdf
            assert "开展督查0次" not in text, pdf
            said += "本期未开展督查" in text
    assert said  # 2026-02: no inspection held, one rectification overdue


# ---- what each document reads: the key of its PDF ---------------------------------------------


def _made_alike_from_views(bulletins: list[Any], config: Any) -> int:
    """Assert that every bulletin's document and each unit's report made from its view
    (render.document.reads) are those made from the whole bulletin; how many were compared."""
    from generator.render.charts import chart_key
    from generator.render.document import Assets, bulletin_document, report_document
    from generator.render.document.reads import bulletin_view, report_views
    from generator.render.document.wording import Wording

    assets, say, compared = Assets(config.content_dir), Wording(config.root), 0
    for b in bulletins:
        view = bulletin_view(b, config)
        assert bulletin_document(view, config, assets, {}) == bulletin_document(
            b, config, assets, {}
        ), (b.audience, b.period)
        for kind in ("counties", "trend"):  # the charts fill_charts draws into it
            assert chart_key(kind, view, text_as_paths=True) == chart_key(
                kind, b, text_as_paths=True
            )
        views = report_views(b)
        assert sorted(views) == sorted(u.code for u in b.units if u.level != "city")
        for code, part in views.items():
            assert report_document(part, code, assets, {}, b.organization, say) == (
                report_document(b, code, assets, {}, b.organization, say)
            ), (b.audience, b.period, code)
            # the part is the unit's: no other unit's history, write-ups or priority entries
            assert set(part.history) <= {code}
            assert all(code in (w.unit, w.county) for w in part.writeups)
            assert all(code in (p.unit, p.county) for p in part.priority or ())
        compared += 1 + len(views)
    return compared


def test_each_pdf_is_made_alike_from_the_part_of_the_model_it_reads(tmp_path: Path) -> None:
    # every record a document can show: the planted project (the four clear things,
    # inspections, federations, volunteers, write-ups listed by title in the bulletin, two
    # periods) and the sample model (townships lacking a volunteer, judgments of every kind)
    from conftest import Project
    from planted import plant
    from sample_model import sample_bulletin

    from generator.build import BuildOptions, gather
    from generator.common.config import load_config

    project = Project(tmp_path / "project")
    plant(project)
    g = gather(project.root, BuildOptions(site=False, pdf=False))
    bulletins = [b for items in g.bulletins.values() for b in items]
    assert {b.period for b in bulletins} == {"2026-09", "2026-10"}
    assert any(b.inspections for b in bulletins) and any(b.writeups for b in bulletins)
    assert g.config.bulletin_writeups == "titles"
    compared = _made_alike_from_views(bulletins, g.config)
    sample = [sample_bulletin("internal"), sample_bulletin("public")]
    assert any(b.townships_lacking_volunteer for b in sample)
    compared += _made_alike_from_views(sample, load_config(project.root))
    assert compared == 4 * 6 + 2 * 7


def test_a_bulletin_pdf_reads_no_write_up_unless_it_lists_their_titles(tmp_path: Path) -> None:
    import dataclasses

    from conftest import Project
    from sample_model import sample_bulletin

    from generator.common.config import load_config
    from generator.render.document.reads import bulletin_view

    b = sample_bulletin("internal")
    assert b.writeups and len(b.history) > 1
    config = load_config(Project(tmp_path / "project").root)
    assert config.bulletin_writeups != "titles"  # the default: the site carries the news
    for listed, expected in ((config.bulletin_writeups, []), ("titles", b.writeups)):
        view = bulletin_view(b, dataclasses.replace(config, bulletin_writeups=listed))
        assert view.writeups == expected
        assert list(view.history) == [b.city.code] and view.pages == []
