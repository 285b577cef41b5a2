"""What the names of the files counties send say: a month other than the period's."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from generator.common.periods import Period

#: A month a county wrote in its file's name: 10月, 2026年10月, 2026-10, 2026.10, 202610.
_MONTH_NAMED = re.compile(
    r"(?<!\d)(?:(20\d\d)\s*(?:年|[-._])?\s*)?(\d{1,2})\s*月|(?<!\d)(20\d\d)[-._]?(\d{2})(?!\d)"
)


def other_month(name: str, period: Period) -> str:
    """The month a file's name names when it is not the period's (戊区-10月.xlsx taken into
    2026-11: an old ledger sent again), as the name says it; "" when it names the period's
    month, none, or the period is a quarter."""
    if period.cadence != "month":
        return ""
    named = []
    for m in _MONTH_NAMED.finditer(unicodedata.normalize("NFKC", Path(name).stem)):
        year, month = (m[1], m[2]) if m[2] else (m[3], m[4])
        if 1 <= int(month) <= 12:
            named.append((int(year) if year else None, int(month), m[0]))
    if not named or any(
        month == period.index and year in (None, period.year) for year, month, _ in named
    ):
        return ""
    return named[0][2].strip()
