"""A row of another county's unit (E-UNIT-OTHER-COUNTY) is named in the county's problem list
and is not also an enterprise missing from the ledger (W-ENT-MISSING)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import ENTERPRISES, Project, uscc, write_roster
from openpyxl import load_workbook

from generator.cli import cli
from generator.common.periods import Period
from generator.rosters.load import check_project


def _many(n: int, unit: str, start: int = 0) -> list[dict[str, str]]:
    rows = []
    for i in range(start, start + n):
        row = dict(ENTERPRISES[1])
        row.update(unit=unit, uscc=uscc(f"91{unit}MB{i:07d}"), name=f"{unit}企业{i:03d}")
        rows.append(row)
    return rows


def test_a_stray_row_is_named_and_not_missing(tmp_path: Path) -> None:
    """乙区's 990201企业001, in September's ledger, is sent in October by 甲县 with 乙区's unit
    code: one error on 甲县's row 4 naming the enterprise and its code in 甲县's list, and no
    如是漏报，请补上 for an enterprise that is on a row of a file."""
    project = Project(tmp_path / "p")
    project.write("enterprises", _many(2, "990101") + _many(2, "990201"), period="2026-09")
    october = project.root / "data" / "2026-10"
    for old in october.glob("enterprises.*"):
        old.unlink()
    stray = _many(1, "990201", 1)
    write_roster(october / "990100-甲县.csv", "enterprises", _many(2, "990101") + stray)
    write_roster(october / "990200-乙区.csv", "enterprises", _many(1, "990201"))

    problems = check_project(project.root, Period.parse("2026-10")).problems
    codes = [(p.code, p.file, p.row) for p in problems if p.code.startswith(("E-UNIT", "W-ENT"))]
    assert codes == [("E-UNIT-OTHER-COUNTY", "data/2026-10/990100-甲县.csv", 4)]

    out = CliRunner().invoke(cli, ["check", str(project.root), "--period", "2026-10"])
    assert out.exit_code == 1, out.output
    sheet = load_workbook(
        project.root / "problems" / "2026-10" / "990100-甲县-问题清单.xlsx", read_only=True
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    listed = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    (row,) = [r for r in listed if r["问题代码"] == "E-UNIT-OTHER-COUNTY"]
    assert (row["行号"], row["企业名称"], row["统一社会信用代码"]) == (
        4,
        "990201企业001",
        stray[0]["uscc"],
    )
