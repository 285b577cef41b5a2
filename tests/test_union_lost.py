"""An enterprise unionised in the previous period's ledger and not in this one is warned about
(W-UNION-LOST): a union lost without a word, or a wrong cell, is for the county to explain."""

from __future__ import annotations

from pathlib import Path

from conftest import ENTERPRISES, Project, uscc

from generator.common.periods import Period
from generator.rosters.load import check_project


def _unionised(i: int) -> dict[str, str]:
    row = dict(ENTERPRISES[0])
    row.update(unit="990101", uscc=uscc(f"91990101MB{i:07d}"), name=f"东镇企业{i}")
    return row


def _not_unionised(row: dict[str, str], **changes: str) -> dict[str, str]:
    out = {**row, "unionized": "否", "union_date": "", "members": "", "migrant_members": ""}
    out.update(union_form="", not_unionized_reason="工会撤销", **changes)
    return out


def test_an_enterprise_that_lost_its_union_is_warned_about(tmp_path: Path) -> None:
    """Of three enterprises unionised in September: one still is, one is listed 未建会 in
    October (warned, on its row, in 甲县's list), one is 注销 (not active: nothing to ask)."""
    project = Project(tmp_path / "p")
    kept, lost, closed = (_unionised(i) for i in range(3))
    project.write("enterprises", [kept, lost, closed], period="2026-09")
    october = [kept, _not_unionised(lost), _not_unionised(closed, status="注销")]
    project.write("enterprises", october, period="2026-10")

    problems = check_project(project.root, Period.parse("2026-10")).problems
    found = [p for p in problems if p.code == "W-UNION-LOST"]
    assert [(p.file, p.row, p.column, p.value, p.county) for p in found] == [
        ("data/2026-10/enterprises.csv", 3, "是否建会", lost["uscc"], "990100")
    ]
    assert found[0].severity == "warning"
    assert "企业“东镇企业1”" in found[0].message and "2026-09 期台账中已建会" in found[0].message
    # corrected: September's ledger says 未建会 too, so October loses nothing
    project.write("enterprises", [kept, _not_unionised(lost), closed], period="2026-09")
    problems = check_project(project.root, Period.parse("2026-10")).problems
    assert not [p for p in problems if p.code == "W-UNION-LOST"]
