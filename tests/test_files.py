from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from sample_model import sample_bulletin

from generator.common.problems import Problem
from generator.common.tables import Sheet, safe_cell, write_xlsx
from generator.render.files import write_indicators, write_problems


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must carry a BOM so Excel reads UTF-8"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def test_indicators_csv_and_xlsx(tmp_path: Path) -> None:
    bulletin = sample_bulletin("internal")
    csv_path, xlsx_path = write_indicators(bulletin, tmp_path)
    rows = read_csv(csv_path)
    assert [r["单位代码"] for r in rows] == [u.code for u in bulletin.units]
    city = rows[0]
    assert city["建会率"] == "75.0%"
    assert city["建会率环比（百分点）"] == "1.2"
    county = next(r for r in rows if r["单位代码"] == "990100")
    assert county["综合得分"] == "96.60"
    assert county["排名"] == "1"
    assert "表扬" in county["评价"]
    ws = load_workbook(xlsx_path).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    col = header.index("建会率") + 1
    assert ws.cell(row=2, column=col).value == 0.75
    assert ws.cell(row=2, column=col).number_format == "0.0%"


def test_outputs_are_byte_identical_across_runs(tmp_path: Path) -> None:
    bulletin = sample_bulletin("internal")
    first = [p.read_bytes() for p in write_indicators(bulletin, tmp_path / "a")]
    second = [p.read_bytes() for p in write_indicators(bulletin, tmp_path / "b")]
    assert first == second
    # bulletin.json as the build writes it (bulletin.to_json, build.py): the same bytes twice
    again = sample_bulletin("internal")
    assert bulletin.to_json() == again.to_json()
    assert json.loads(bulletin.to_json())["period"] == "2026-10"


def test_a_workbook_reads_back_the_same_in_openpyxl_and_calamine(tmp_path: Path) -> None:
    from datetime import date, datetime

    from python_calamine import CalamineWorkbook

    rows = [["990100", "青川区", 0.755, 12, None, True], ["=1+1", "", None, -3, "-2+3", False]]
    sheets = [
        Sheet("全部", ["代码", "名称", "建会率", "户数", "说明", "达标"], rows, {2: "0.0%"}),
        Sheet("全部", ["代码"], [["x"]], widths={0: 30}),  # a second sheet of the same name
        Sheet("a/b:c?", ["代码"], [[1.5]]),
    ]
    path = write_xlsx(tmp_path / "t.xlsx", sheets, date(2026, 11, 5))
    book = load_workbook(path)
    assert book.sheetnames == ["全部", "全部1", "a_b_c_"]
    assert book.properties.created == book.properties.modified == datetime(2026, 11, 5)
    assert book.properties.creator == "bulletin"
    ws = book["全部"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values == [
        ["代码", "名称", "建会率", "户数", "说明", "达标"],
        ["990100", "青川区", 0.755, 12, None, True],
        ["'=1+1", None, None, -3, "'-2+3", False],  # formulas neutralised, "" a blank cell
    ]
    assert all(c.font.b for c in ws[1]) and not any(c.font.b for c in ws[2])
    assert ws.freeze_panes == "A2"
    assert [ws.cell(row=r, column=3).number_format for r in (2, 3)] == ["0.0%", "0.0%"]
    assert ws.cell(row=2, column=4).number_format == "General"
    # widths: 2.2 per header character + 2, at least 8 (Excel shows 7 pixels a character)
    assert round(ws.column_dimensions["A"].width * 7) == round(8.0 * 7)
    assert round(book["全部1"].column_dimensions["A"].width * 7) == 30 * 7
    calamine = CalamineWorkbook.from_path(str(path))
    assert calamine.sheet_names == ["全部", "全部1", "a_b_c_"]
    assert calamine.get_sheet_by_name("全部").to_python() == [
        ["代码", "名称", "建会率", "户数", "说明", "达标"],
        ["990100", "青川区", 0.755, 12, "", True],
        ["'=1+1", "", "", -3, "'-2+3", False],
    ]
    with zipfile.ZipFile(path) as archive:  # the date of the bulletin, never the clock
        assert {i.date_time for i in archive.infolist()} == {(2026, 11, 5, 0, 0, 0)}
    again = write_xlsx(tmp_path / "again.xlsx", sheets, date(2026, 11, 5))
    assert again.read_bytes() == path.read_bytes()


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("-1+2") == "'-1+2"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell(-5) == -5
    problem = Problem(
        "data/units.csv", 3, "单位名称", "E-REQUIRED", "error", "=1+1", "请填写", "990100", "青川区"
    )
    csv_path, xlsx_path = write_problems([problem], tmp_path)
    assert read_csv(csv_path)[0]["内容"] == "'=1+1"
    wb = load_workbook(xlsx_path)
    assert wb.sheetnames == ["全部", "青川区"]
    assert wb["青川区"].cell(row=2, column=7).value == "'=1+1"
    assert wb["青川区"].cell(row=2, column=7).data_type == "s"


# --------------------------------------------------------------------------------------------
# The public site's tables: the figures its bulletin.json carries, no other.


def test_public_tables_carry_exactly_the_figures_of_the_public_model(small_build: Path) -> None:
    from generator.figures.indicators import INDICATORS

    by_header = {i.header: i for i in INDICATORS}
    site = small_build / "site"
    periods = sorted(p.name for p in (site / "public" / "data").iterdir())
    assert len(periods) >= 2
    for period in periods:
        folder = site / "public" / "data" / period
        model = json.loads((folder / "bulletin.json").read_text("utf-8"))
        own = json.loads((site / "internal" / "data" / period / "bulletin.json").read_text("utf-8"))
        units = {u["code"]: u for u in model["units"]}
        rows = read_csv(folder / "indicators.csv")
        headers = list(rows[0])
        assert headers[:4] == ["单位代码", "单位名称", "层级", "上级单位"]
        assert headers[-1] == "评价"
        figures = [by_header[h] for h in headers[4:-1]]
        # every figure the public model carries a value of is a column; none it nulls
        carried = {i.name for i in INDICATORS for u in model["units"] if u[i.name] is not None}
        assert carried <= {i.name for i in figures}
        nulled = {
            i.name
            for i in INDICATORS
            if all(u[i.name] is None for u in model["units"])
            and any(u[i.name] is not None for u in own["units"])
        }
        assert nulled >= {"priority_overdue", "priority_stalled", "volunteer_required"}
        assert nulled & {i.name for i in figures} == set()
        assert [r["单位代码"] for r in rows] == [u["code"] for u in model["units"]]
        book = load_workbook(folder / "indicators.xlsx").active
        assert book is not None
        sheet = [[c.value for c in row] for row in book.iter_rows()]
        assert sheet[0] == headers
        for row, cells in zip(rows, sheet[1:], strict=True):
            unit = units[row["单位代码"]]
            assert (row["单位名称"], cells[1]) == (unit["name"], unit["name"])
            for n, indicator in enumerate(figures, start=4):
                value = unit[indicator.name]
                if value is None:
                    assert (row[indicator.header], cells[n]) == ("", None)
                elif indicator.kind == "rate":
                    assert row[indicator.header] == f"{value * 100:.1f}%"
                    assert cells[n] == value
                elif indicator.kind in ("count", "delta", "rank"):
                    assert row[indicator.header] == str(value)
                    assert cells[n] == value
            said = "；".join(f"表扬：{j['reason']}" for j in unit["judgments"])
            assert row["评价"] == said and (cells[-1] or "") == said
        assert "通报批评" not in (folder / "indicators.csv").read_text("utf-8-sig")
    # the intranet's tables keep what only it is shown
    inside = read_csv(site / "internal" / "data" / periods[-1] / "indicators.csv")
    assert {"逾期未建重点企业", "久拖未建重点企业", "应配备志愿者"} <= set(inside[0])
    assert "未建会重点企业" in headers  # a public count (model.SHOWS)


def test_public_tables_neutralise_formulas_in_names(tmp_path: Path) -> None:
    bulletin = sample_bulletin("public")
    bulletin.units[1].name = '=HYPERLINK("http://x","点此")'
    bulletin.units[2].name = "-东城街道"
    csv_path, xlsx_path = write_indicators(bulletin, tmp_path)
    rows = read_csv(csv_path)
    assert [r["单位名称"] for r in rows[1:3]] == ['\'=HYPERLINK("http://x","点此")', "'-东城街道"]
    assert rows[0]["建会率"] == "75.0%"  # numbers as they are, a sign included
    assert rows[1]["建会率"] == "84.0%"
    ws = load_workbook(xlsx_path).active
    assert ws is not None
    cell = ws.cell(row=3, column=2)
    assert (cell.value, cell.data_type) == ('\'=HYPERLINK("http://x","点此")', "s")
    assert "逾期未建重点企业" not in [c.value for c in ws[1]]  # the public's columns only
