from __future__ import annotations

from pathlib import Path

import pytest

from generator.common.config import Rule, load_config, parse_config
from generator.common.errors import ConfigError


def test_defaults_follow_the_contract(tmp_path: Path) -> None:
    cfg = parse_config("organization: {name: 某市总工会, doc_prefix: 某工发}\n", tmp_path)
    assert cfg.organization.name == "某市总工会"
    assert cfg.cadence == "month"
    assert cfg.priority_min_employees == 25
    assert cfg.volunteer_min_enterprises == 10
    assert cfg.score_weights == {"coverage_rate": 40, "membership_rate": 30, "schedule_rate": 30}
    assert cfg.judgments["criticize"] == (
        Rule(metric="schedule_rate", below=0.6),
        Rule(metric="volunteer_coverage", below=1.0, after_volunteer_deadline=True),
        Rule(metric="report_late", at_least=1.0),  # CONTRACT 1.1: late or not reported
    )
    assert cfg.volunteer_deadline == (7, 1)
    assert cfg.judgments["veto"][0].year_end


def test_unknown_rule_key_names_key_and_line(tmp_path: Path) -> None:
    text = (
        "organization: {name: 某市总工会}\n"
        "judgments:\n"
        "  criticize:\n"
        "    - {metric: schedule_rate, belw: 0.6}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path)
    assert "第4行" in str(info.value)
    assert "belw" in str(info.value)


def test_unknown_metric_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="coverage"):
        parse_config("judgments:\n  commend:\n    - {metric: coverage, at_least: 1}\n", tmp_path)


def test_missing_config_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bulletin init"):
        load_config(tmp_path)


def test_rule_matching() -> None:
    rule = Rule(metric="schedule_rate", at_least=1.0, rank_at_most=3)
    assert rule.matches({"schedule_rate": 1.2}, rank=2, ranked_count=10, is_year_end=False)
    assert not rule.matches({"schedule_rate": 1.2}, rank=4, ranked_count=10, is_year_end=False)
    assert not rule.matches({"schedule_rate": None}, rank=1, ranked_count=10, is_year_end=False)
    bottom = Rule(rank_from_bottom_at_most=2)
    assert bottom.matches({}, rank=9, ranked_count=10, is_year_end=False)
    assert not bottom.matches({}, rank=8, ranked_count=10, is_year_end=False)
    veto = Rule(metric="target_completion", below=1.0, year_end=True)
    assert not veto.matches({"target_completion": 0.5}, rank=1, ranked_count=3, is_year_end=False)
    assert veto.matches({"target_completion": 0.5}, rank=1, ranked_count=3, is_year_end=True)


@pytest.mark.parametrize(
    ("written", "month_day"),
    [("07-01", (7, 1)), ("6-30", (6, 30)), ("9月1日", (9, 1)), ("02-29", (2, 29))],
)
def test_volunteer_deadline(tmp_path: Path, written: str, month_day: tuple[int, int]) -> None:
    cfg = parse_config(f"volunteer_deadline: {written}\n", tmp_path)
    assert cfg.volunteer_deadline == month_day


@pytest.mark.parametrize("written", ["13-01", "02-30", "July", "2026-07-01"])
def test_bad_volunteer_deadline_names_the_key_and_line(tmp_path: Path, written: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(f"cadence: month\nvolunteer_deadline: {written}\n", tmp_path)
    assert "第2行" in str(info.value) and "volunteer_deadline" in str(info.value)


def test_rectify_days_defaults_to_ten_and_is_validated(tmp_path: Path) -> None:
    """rectify_days (CONTRACT 3.9): working days after signed_on; a bad value names the line."""
    assert parse_config("cadence: month\n", tmp_path).rectify_days == 10
    assert parse_config("rectify_days: 15\n", tmp_path).rectify_days == 15
    for bad in ("0", "十", "2.5", "true", "61"):
        with pytest.raises(ConfigError) as info:
            parse_config(f"cadence: month\nrectify_days: {bad}\n", tmp_path)
        assert "第2行" in str(info.value) and "rectify_days" in str(info.value), bad


@pytest.mark.parametrize(
    ("signed", "days", "due"),
    [
        ("2026-11-05", 10, "2026-11-19"),  # a Thursday: two weekends skipped
        ("2026-11-06", 1, "2026-11-09"),  # a Friday: the next working day is Monday
        ("2026-11-07", 1, "2026-11-09"),  # signed on a Saturday
        ("2026-12-31", 3, "2027-01-05"),
    ],
)
def test_working_days_after_skips_weekends(signed: str, days: int, due: str) -> None:
    from datetime import date

    from generator.common.periods import working_days_after

    assert working_days_after(date.fromisoformat(signed), days) == date.fromisoformat(due)


def test_a_config_built_in_code_has_the_defaults_bulletin_yml_gets(tmp_path: Path) -> None:
    """Config(root=…) and an empty bulletin.yml agree key by key: the default rules included."""
    from generator.common.config import OPTIONS, Config

    built, parsed = Config(root=tmp_path), parse_config("{}", tmp_path)
    assert built == parsed
    assert [r.metric for r in built.judgments["criticize"]] == [
        "schedule_rate",
        "volunteer_coverage",
        "report_late",
    ]
    assert built.judgments["veto"] == (Rule("target_completion", below=1.0, year_end=True),)
    assert list(OPTIONS)[:2] == ["organization", "cadence"] and "root" not in OPTIONS


def test_each_key_is_read_and_checked_by_its_declaration(tmp_path: Path) -> None:
    """A key's value goes through its declared check; the message names key and line."""
    config = parse_config("rectify_days: 15\nreport_deadline: 8\n", tmp_path)
    assert (config.rectify_days, config.report_deadline, config.cadence) == (15, 8, "month")
    with pytest.raises(ConfigError, match=r"第2行“rectify_days”：应为 1 到 60"):
        parse_config("cadence: quarter\nrectify_days: 61\n", tmp_path)
    with pytest.raises(ConfigError, match="可用的有：organization、cadence"):
        parse_config("levle: city\n", tmp_path)
