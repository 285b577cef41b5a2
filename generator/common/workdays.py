"""China's official working days: holidays and 调休 make-up working days (State Council).

The `chinese-calendar` package knows the years the State Council has announced; bulletin.yml's
`holidays` and `workdays` lists add a year not yet announced or a local holiday, and win over
the package. A year known to neither is counted Monday to Friday, and check and build say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

#: The years chinese-calendar has the State Council's announcement of.
KNOWN_YEARS = frozenset(d.year for d in chinese_calendar.holidays)

#: chinese-calendar's English holiday names, as the State Council's notices say them.
_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class WorkCalendar:
    """Official working days, with the office's own `holidays` and `workdays` (bulletin.yml)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def covers(self, year: int) -> bool:
        """Whether the holidays of `year` are known: announced, or set in bulletin.yml."""
        return year in KNOWN_YEARS or any(d.year == year for d in self.holidays | self.workdays)

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day (a year not covered: Monday to Friday)."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if day.year in KNOWN_YEARS:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """The public holiday `day` falls in (春节 …), or the bulletin.yml setting; else None."""
        if day in self.workdays:
            return None
        if day in self.holidays:
            return "bulletin.yml 的 holidays 所列"
        if day.year not in KNOWN_YEARS:
            return None
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if not on_holiday or name is None:
            return None
        return _NAMES.get(str(name), "法定节假日")

    def after(self, start: date, days: int) -> date:
        """The day `days` working days after `start`."""
        day = start
        while days > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                days -= 1
        return day

    def uncovered_years(self, start: date, end: date) -> list[int]:
        """The years from `start` to `end` whose holidays are not known (counted Monday–Friday)."""
        return [y for y in range(start.year, end.year + 1) if not self.covers(y)]


#: Without bulletin.yml settings: the announced calendar alone.
OFFICIAL = WorkCalendar()
