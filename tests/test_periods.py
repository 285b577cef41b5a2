from __future__ import annotations

from datetime import date

import pytest

from generator.common.periods import Period


def test_month_period_bounds_and_neighbours() -> None:
    p = Period.parse("2026-10")
    assert str(p) == "2026-10"
    assert p.start == date(2026, 10, 1)
    assert p.end == date(2026, 10, 31)
    assert str(p.previous()) == "2026-09"
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    assert str(p.same_last_year()) == "2025-10"
    assert p.elapsed == pytest.approx(10 / 12)
    assert not p.is_year_end
    assert Period.parse("2025-12").is_year_end
    assert p.label == "2026年10月"


def test_quarter_period() -> None:
    q = Period.parse("2026-Q3")
    assert q.start == date(2026, 7, 1)
    assert q.end == date(2026, 9, 30)
    assert q.elapsed == pytest.approx(9 / 12)
    assert str(Period.parse("2026-Q1").previous()) == "2025-Q4"
    assert Period.parse("2026-Q4").is_year_end
    assert q.label == "2026年第三季度"


def test_february_end_in_leap_year() -> None:
    assert Period.parse("2028-02").end == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-10", "2026-Q5", "2026年10月", ""])
def test_bad_period_names_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="报告期"):
        Period.parse(text)


def test_periods_sort_by_time() -> None:
    names = ["2026-10", "2025-12", "2026-02"]
    assert [str(p) for p in sorted(Period.parse(n) for n in names)] == [
        "2025-12",
        "2026-02",
        "2026-10",
    ]


def test_the_year_to_date_of_january_is_one_month() -> None:
    assert Period(2026, 1, "month").label_ytd == "2026年1月"
    assert Period(2026, 2, "month").label_ytd == "2026年1—2月"
    assert Period(2026, 10, "month").label_ytd == "2026年1—10月"
