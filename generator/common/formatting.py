"""How numbers read in Chinese text: percents to one decimal, changes in 个百分点, dates."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal


def _half_up(value: float, places: int) -> Decimal:
    # Round the float to 9 decimals first, so 231/2000*100 (11.549999…) reads as a person
    # computing by hand would write it (11.55 -> 11.6), then round half up.
    exact = Decimal(repr(round(value, 9)))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value: float | None, places: int = 1) -> str:
    """A number to `places` decimals, rounded half up; "—" when missing."""
    if value is None or value != value:
        return "—"
    return str(_half_up(value, places))


def percent(rate: float | None, places: int = 1) -> str:
    """A rate as a percent: 0.7634 -> "76.3%"; "—" when missing."""
    if rate is None or rate != rate:
        return "—"
    return f"{_half_up(rate * 100, places)}%"


def change_phrase(change: float | None, unit: str = "个百分点", rate: bool = True) -> str:
    """提高1.2个百分点 / 下降0.3个百分点 / 持平; "" when there is nothing to compare with."""
    if change is None or change != change:
        return ""
    shown = _half_up(abs(change) * 100, 1) if rate else _half_up(abs(change), 0)
    if shown == 0:
        return "持平"
    verb = "提高" if change > 0 else "下降"
    if not rate:
        verb = "增加" if change > 0 else "减少"
    return f"{verb}{shown}{unit}"


def integer(value: int | float | None) -> str:
    """An integer with no separators (official documents write 12345); "—" when missing."""
    if value is None or value != value:
        return "—"
    return str(int(value))


def chinese_date(day: date | str | None) -> str:
    """2026-11-05 -> "2026年11月5日" (no zero padding, as GB/T 9704 asks)."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日"


def mask_phone(phone: str | None) -> str:
    """Mask a phone number: 13812341234 -> 138****1234; short values are fully masked."""
    if not phone:
        return ""
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (section and item numbers)."""
    numerals = "一二三四五六七八九十"
    if n <= 10:
        return numerals[n - 1]
    tens, ones = divmod(n, 10)
    return (numerals[tens - 1] if tens > 1 else "") + "十" + (numerals[ones - 1] if ones else "")
