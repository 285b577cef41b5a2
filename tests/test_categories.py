"""Two figures an independent computation found wrong (issue 23 item 10, CONTRACT 3.7, 3.8).

An area type, ownership or 组建形式 written with spaces inside or full-width brackets is the
listed value; one that is none of the listed is a warning naming it, counted under 其他. A
priority enterprise left out of one month's ledger keeps its count of open periods. Expected
values are worked out by hand from the rows written here.
"""

from __future__ import annotations

from pathlib import Path

from conftest import ENTERPRISES, Project, uscc, write_roster
from test_figures import ent, run, value

from generator.build import BuildOptions, gather
from generator.rosters.load import check_project


def _row(n: int, unionized: bool, area: str, ownership: str, form: str = "") -> dict[str, str]:
    row = dict(ENTERPRISES[0] if unionized else ENTERPRISES[1])
    row.update(
        uscc=uscc(f"91990101MC{n:07d}"),
        name=f"东镇企业{n}",
        unit="990101",
        area_type=area,
        ownership=ownership,
        union_form=form if unionized else "",
    )
    return row


def test_categories_with_spaces_or_brackets_are_the_listed_ones(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    rows = [
        _row(1, True, "商贸\u3000楼宇", "私 营", "区域性\u3000联合会"),  # full-width spaces
        _row(2, False, "工业 园区", "国有"),
        _row(3, True, "村（社区）", "集体", "单独建会"),
        _row(4, True, "科技园", "民营", "联合会"),  # none of the listed: 其他, warned
        _row(5, False, "其他", "外资"),
        _row(6, True, "商贸楼宇", "港澳台", "联合建会"),
    ]
    rows[0]["federation"] = "东镇商贸联合会"
    yi = [ENTERPRISES[2]]  # 乙区's enterprise, so that both counties report
    assert yi[0]["unit"] == "990201"
    folder = project.root / "data" / "2026-10"
    for old in folder.glob("enterprises.*"):
        old.unlink()
    write_roster(folder / "enterprises.xlsx", "enterprises", rows + yi)

    problems = check_project(project.root).problems
    assert not problems.errors, problems.errors
    unlisted = [p for p in problems if p.code == "W-CATEGORY-UNLISTED"]
    # Row 5 of the file (the header is row 1): its three values, each named.
    assert sorted((p.row, p.value) for p in unlisted) == [(5, "民营"), (5, "科技园"), (5, "联合会")]
    assert all(p.file == "data/2026-10/enterprises.xlsx" for p in unlisted)

    bulletin = gather(project.root, BuildOptions()).bulletins["internal"][-1]
    groups = bulletin.key_areas["990101"]

    def counts(dimension: str) -> dict[str, tuple[int, int]]:
        return {
            g.category: (g.enterprises, g.unionized) for g in groups if g.dimension == dimension
        }

    # By hand: 商贸楼宇 rows 1 and 6 (both unionised), 工业园区 row 2, 村(社区) row 3,
    # 其他 rows 4 (科技园, unionised) and 5.
    assert counts("area_type") == {
        "商贸楼宇": (2, 2),
        "工业园区": (1, 0),
        "村(社区)": (1, 1),
        "其他": (2, 1),
    }
    # 私营 row 1, 国有 row 2, 集体 row 3, 其他 row 4 (民营), 外资 row 5, 港澳台 row 6.
    assert counts("ownership") == {
        "私营": (1, 1),
        "国有": (1, 0),
        "集体": (1, 1),
        "其他": (1, 1),
        "外资": (1, 0),
        "港澳台": (1, 1),
    }
    # One regional federation (row 1, 区域性　联合会), naming one federation; 联合会 is none.
    forms = {
        g.category: (g.enterprises, g.federations) for g in groups if g.dimension == "union_form"
    }
    assert forms == {"区域性联合会": (1, 1)}
    township = {u.code: u for u in bulletin.units}["990101"]
    assert township.federation_enterprises == 1


def test_an_open_priority_enterprise_missing_one_month_keeps_its_count() -> None:
    """Open in January and February, missing from March's ledger, back and open from April:
    the count goes on from 2 (March, unknown, is not counted): 3 in April … 6 in July, when it
    is 久拖未建. Before, April counted from 1 again and July showed 4."""
    units = [("C", "city", None), ("K1", "county", "C"), ("T11", "township", "K1")]
    stalled = ent("91990101MA0000001Y", "T11", 30, False)
    other = ent("91990101MA00000022", "T11", 10, True)
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
    figures = run({m: ([stalled] if m != "2026-03" else []) + [other] for m in months}, units=units)

    def state(m: str) -> tuple[str, int, bool] | None:
        ledger = figures.ledgers[m]
        rows = ledger[ledger["uscc"] == "91990101MA0000001Y"]
        if not len(rows):
            return None
        r = rows.iloc[0]
        return (str(r["state"]), int(r["open_periods"]), bool(r["stalled"]))

    assert [state(m) for m in months] == [
        ("open", 1, False),
        ("open", 2, False),
        ("left", 2, False),  # 未报送: listed as left, not counted as open
        ("open", 3, False),
        ("open", 4, False),
        ("open", 5, False),
        ("open", 6, True),
    ]
    assert [value(figures, m, "T11", "priority_stalled") for m in months] == [0, 0, 0, 0, 0, 0, 1]
    # Back in April it is not new to the list (本期新增), nor was it in March again.
    assert [value(figures, m, "T11", "priority_added") for m in months[1:]] == [0, 0, 0, 0, 0, 0]
    assert [value(figures, m, "T11", "priority_left") for m in months[1:]] == [0, 1, 0, 0, 0, 0]
    # Missing two months running, it is still not forgotten.
    twice = run(
        {m: ([stalled] if m not in ("2026-03", "2026-04") else []) + [other] for m in months},
        units=units,
    )
    opened = twice.ledgers["2026-07"]
    assert int(opened.loc[opened["uscc"] == "91990101MA0000001Y", "open_periods"].iloc[0]) == 5
