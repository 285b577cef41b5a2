from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import load_workbook
from sample_model import sample_bulletin

from generator.problems import Problem
from generator.render.files import write_indicators, write_problems
from generator.tables import safe_cell


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
