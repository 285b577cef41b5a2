"""Reporting periods: months (2026-10) and quarters (2026-Q3)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import total_ordering

from generator.common.workdays import OFFICIAL, WorkCalendar

# ASCII digits only, and the whole text (`$` would also match before a trailing newline).
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])", re.ASCII)
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])", re.ASCII)
_QUARTER_NAMES = "一二三四"


@total_ordering
@dataclass(frozen=True)
class Period:
    """A reporting period; `index` is the month (1-12) or the quarter (1-4)."""

    year: int
    index: int
    cadence: str  # "month" | "quarter"

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse `YYYY-MM` or `YYYY-Qn`; raise ValueError with a Chinese message otherwise."""
        text = text.strip()
        if m := _MONTH.fullmatch(text):
            return cls(int(m.group(1)), int(m.group(2)), "month")
        if m := _QUARTER.fullmatch(text):
            return cls(int(m.group(1)), int(m.group(2)), "quarter")
        raise ValueError(f"报告期“{text}”格式不对：应为 2026-10（月）或 2026-Q3（季度）")

    @classmethod
    def is_period_name(cls, text: str) -> bool:
        """Whether text is exactly a period name: `YYYY-MM` or `YYYY-Qn`, in ASCII."""
        return bool(_MONTH.fullmatch(text) or _QUARTER.fullmatch(text))

    @classmethod
    def looks_like_period(cls, text: str) -> bool:
        """Whether text is a period name once full-width characters and white space are
        undone (２０２５-12, "2025-12\\n", 2025－12): a folder meant as a period, misnamed."""
        import unicodedata

        plain = unicodedata.normalize("NFKC", text)
        plain = re.sub(r"\s+", "", plain).replace("—", "-").replace("–", "-").replace("_", "-")
        return plain != text and cls.is_period_name(plain)

    def __str__(self) -> str:
        if self.cadence == "month":
            return f"{self.year:04d}-{self.index:02d}"
        return f"{self.year:04d}-Q{self.index}"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return (self.year, self.last_month) < (other.year, other.last_month)

    @property
    def first_month(self) -> int:
        return self.index if self.cadence == "month" else 3 * self.index - 2

    @property
    def last_month(self) -> int:
        return self.index if self.cadence == "month" else 3 * self.index

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1])

    @property
    def year_start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def elapsed(self) -> float:
        """Share of the year elapsed at the end of the period (October -> 10/12)."""
        return self.last_month / 12

    @property
    def is_year_end(self) -> bool:
        return self.last_month == 12

    def previous(self) -> Period:
        """The period before this one, of the same cadence."""
        last = 12 if self.cadence == "month" else 4
        if self.index == 1:
            return Period(self.year - 1, last, self.cadence)
        return Period(self.year, self.index - 1, self.cadence)

    def previous_year_end(self) -> Period:
        """The last period of the previous year, of the same cadence (December or Q4)."""
        return Period(self.year - 1, 12 if self.cadence == "month" else 4, self.cadence)

    def same_last_year(self) -> Period:
        return Period(self.year - 1, self.index, self.cadence)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        """Chinese label: 2026年10月 / 2026年第三季度."""
        if self.cadence == "month":
            return f"{self.year}年{self.index}月"
        return f"{self.year}年第{_QUARTER_NAMES[self.index - 1]}季度"

    @property
    def label_ytd(self) -> str:
        """Chinese label of the year to date: 2026年1—10月; 2026年1月 for January alone."""
        if self.last_month == 1:
            return f"{self.year}年1月"
        return f"{self.year}年1—{self.last_month}月"


def working_days_after(start: date, days: int, calendar: WorkCalendar = OFFICIAL) -> date:
    """The day `days` working days after `start`: China's official working days (public
    holidays skipped, 调休 make-up days counted), bulletin.yml's `holidays`/`workdays` added."""
    return calendar.after(start, days)
