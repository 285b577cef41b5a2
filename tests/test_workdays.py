"""Rectification deadlines count China's official working days (holidays, 调休 make-up days)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import Project

from generator.common.config import parse_config
from generator.common.errors import ConfigError
from generator.common.periods import working_days_after
from generator.model.content import load_content
from generator.model.frame_dates import frame_date_problems
from generator.rosters.load import load_project


@pytest.mark.parametrize(
    ("signed", "days", "due"),
    [
        # the demo's January bulletin: 10 working days from Thursday 5 February 2026 end on the
        # 26th, not the 19th (春节 15–23 February; Saturday the 14th is a 调休 working day)
        ("2026-02-05", 10, "2026-02-26"),
        ("2026-02-13", 1, "2026-02-14"),  # the make-up Saturday is a working day
        ("2026-09-30", 1, "2026-10-08"),  # 国庆节 1–7 October 2026
        ("2026-11-05", 10, "2026-11-19"),  # no holiday: weekends only
    ],
)
def test_deadlines_skip_public_holidays_and_count_make_up_days(
    signed: str, days: int, due: str
) -> None:
    assert working_days_after(date.fromisoformat(signed), days) == date.fromisoformat(due)


def test_bulletin_yml_adds_holidays_and_workdays_of_a_year_not_announced(tmp_path: Path) -> None:
    """2027 is not in the announced calendar: bulletin.yml's lists decide; a bad date names the
    line."""
    config = parse_config("holidays: [2027-02-08, 2027-02-09]\nworkdays: [2027-02-06]\n", tmp_path)
    calendar = config.calendar
    assert calendar.covers(2027) and not calendar.covers(2028)
    friday = date(2027, 2, 5)
    assert working_days_after(friday, 1, calendar) == date(2027, 2, 6)  # a make-up Saturday
    assert working_days_after(friday, 2, calendar) == date(2027, 2, 10)  # 8th, 9th off
    # a year known to neither: Monday to Friday
    assert working_days_after(date(2028, 1, 28), 1, calendar) == date(2028, 1, 31)
    with pytest.raises(ConfigError, match=r"第2行“workdays”：应为日期的列表"):
        parse_config("holidays: []\nworkdays: [下周六]\n", tmp_path)


def _frames(root: Path, signed: dict[str, str], settings: str = "") -> list[tuple[str, str]]:
    for period, day in signed.items():
        frame = root / "content" / "bulletins" / f"{period}.md"
        frame.parent.mkdir(parents=True, exist_ok=True)
        frame.write_text(f"---\ndoc_number: 1\nsigned_on: {day}\n---\n\n正文。\n", "utf-8")
    config = parse_config(f"rectify_days: 10\n{settings}", root)
    problems = frame_date_problems(root, load_content(root).frames, config)
    assert all(p.row == 3 and p.column == "signed_on" for p in problems)
    return [(p.code, p.value) for p in problems]


def test_a_signing_day_off_and_an_unknown_year_are_warned_about(tmp_path: Path) -> None:
    """A 成文日期 in 春节 is warned about like a Saturday; a 调休 Saturday is not; a deadline in
    a year the calendar does not know says it is counted Monday to Friday."""
    found = _frames(
        tmp_path,
        {
            "2026-01": "2026-02-17",  # 春节
            "2026-02": "2026-02-28",  # a make-up Saturday
            "2026-03": "2026-04-11",  # a Saturday
            "2026-11": "2026-12-24",  # the deadline 2027-01-07: 2027 unknown
        },
    )
    assert found == [
        ("W-SIGNED-HOLIDAY", "2026-02-17"),
        ("W-SIGNED-WEEKEND", "2026-04-11"),
        ("W-CALENDAR-UNKNOWN", "2026-12-24"),
    ]
    config = parse_config("", tmp_path)
    problems = frame_date_problems(tmp_path, load_content(tmp_path).frames, config)
    assert "是放假日（春节）" in problems[0].message
    assert "2027年" in problems[2].message and "holidays" in problems[2].message
    assert "2027年1月7日" in problems[2].message  # 1 January counted as a working day
    # the office sets 2027's holidays: no warning left for it
    assert _frames(tmp_path, {}, "holidays: [2027-01-01]\n") == [
        ("W-SIGNED-HOLIDAY", "2026-02-17"),
        ("W-SIGNED-WEEKEND", "2026-04-11"),
    ]


def test_issue_warns_on_a_holiday_signing_and_an_unknown_year(tmp_path: Path) -> None:
    """`issue` says what check says: 国庆节 is a day off; a deadline in 2027 is counted Monday
    to Friday, and says so; a 调休 Saturday is a working day, without a word."""
    from conftest import Project

    from generator.common.config import load_config
    from generator.common.periods import Period
    from generator.office.issue import _check_signing

    root = Project(tmp_path / "p").root
    config = load_config(root)
    september, november = Period.parse("2026-09"), Period.parse("2026-11")
    assert _check_signing(root, config, september, date(2026, 10, 6), "f.md") == [
        "成文日期 2026-10-06 是放假日（国庆节），请确认这是领导签发的日期。"
    ]
    assert _check_signing(root, config, september, date(2026, 10, 10), "f.md") == []
    (late,) = _check_signing(root, config, november, date(2026, 12, 24), "f.md")
    assert late.startswith("整改期限 2027年1月7日 按周一至周五计算：程序不知道2027年")


def test_an_inspection_deadline_on_a_day_off_is_pointed_out(tmp_path: Path) -> None:
    """The inspectors' 整改期限 is printed in the signed bulletin as they set it: one on a public
    holiday or on a weekend that is no 调休 working day is pointed out on its row; a rectified
    inspection's, or one of an issued period, is history and is not."""
    project = Project(tmp_path / "p")

    def inspection(unit: str, on: str, deadline: str, rectified: str = "") -> dict[str, str]:
        return {
            "date": on,
            "unit": unit,
            "inspectors": "王某",
            "findings": "台账信息不全",
            "deadline": deadline,
            "rectified_on": rectified,
        }

    project.write(
        "inspections",
        [
            inspection("990101", "2026-10-12", "2026-02-17"),  # row 2: 春节 (15–23 February)
            inspection("990102", "2026-10-12", "2026-02-14"),  # 3: a 调休 Saturday, worked
            inspection("990201", "2026-10-12", "2026-03-08"),  # 4: a Sunday
            inspection("990101", "2026-10-12", "2026-03-09"),  # 5: a Monday
            inspection("990102", "2026-10-12", "2026-02-21", "2026-02-13"),  # 6: rectified
            inspection("990201", "2026-09-10", "2026-10-04"),  # 7: 国庆节, of the issued 2026-09
        ],
    )
    (project.root / "issued" / "2026-09").mkdir(parents=True)
    found = [
        (p.row, p.column, p.value, p.county, p.message)
        for p in load_project(project.root).problems
        if p.code == "W-INSPECTION-DEADLINE-OFF"
    ]
    assert [f[:4] for f in found] == [
        (2, "整改期限", "2026-02-17", "990100"),
        (4, "整改期限", "2026-03-08", "990200"),
    ]
    assert found[0][4].startswith("整改期限 2026-02-17 是放假日（春节），不是工作日")
    assert found[1][4].startswith("整改期限 2026-03-08 是星期日，不是工作日")
