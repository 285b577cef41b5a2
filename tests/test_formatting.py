from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from generator.common import formatting as fmt


def test_percent_rounds_half_up_like_a_person() -> None:
    assert fmt.percent(231 / 2000) == "11.6%"  # 11.55 -> 11.6, not banker's 11.5
    assert fmt.percent(0.7634) == "76.3%"
    assert fmt.percent(1.15) == "115.0%"
    assert fmt.percent(None) == "—"
    assert fmt.percent(float("nan")) == "—"


def test_change_phrases() -> None:
    assert fmt.change_phrase(0.012) == "提高1.2个百分点"
    assert fmt.change_phrase(-0.0034) == "下降0.3个百分点"
    assert fmt.change_phrase(0.0004) == "持平"
    assert fmt.change_phrase(None) == ""
    assert fmt.change_phrase(12, unit="家", rate=False) == "增加12家"


def test_chinese_date_has_no_zero_padding() -> None:
    assert fmt.chinese_date(date(2026, 11, 5)) == "2026年11月5日"
    assert fmt.chinese_date("2026-01-09") == "2026年1月9日"


def test_mask_phone() -> None:
    assert fmt.mask_phone("13812341234") == "138****1234"
    assert fmt.mask_phone("138-1234-1234") == "138****1234"
    assert fmt.mask_phone("") == ""
    assert fmt.mask_phone("12") == "****"


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_percent_of_a_ratio_matches_exact_decimal_rounding(num: int, den: int) -> None:
    from decimal import ROUND_HALF_UP, Decimal

    exact = (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert fmt.percent(num / den) == f"{exact}%"


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_masked_phone_never_shows_the_middle_digits(phone: str) -> None:
    masked = fmt.mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
