"""The figure and campaign registries: every figure declared once, everything derived from it."""

from __future__ import annotations

import csv
from dataclasses import fields, replace
from pathlib import Path

import pytest
from sample_model import sample_bulletin

from generator.build import BuildOptions, gather
from generator.common.config import Config, parse_config
from generator.common.errors import ConfigError
from generator.figures.indicators import BY_NAME, HISTORY, INDICATORS, RANKING, RULE_METRICS, table
from generator.model.bulletin import SHOWS, Bulletin, Shows, UnitFigures
from generator.model.content import CATEGORY_LABELS
from generator.render.document.sections import priority_section
from generator.render.files import write_indicators
from generator.rosters.specs import CAMPAIGNS, ROSTERS

IDENTITY = {"code", "name", "level", "parent", "order", "judgments", "short_name"}


def test_every_model_figure_is_declared_once() -> None:
    model = [f.name for f in fields(UnitFigures) if f.name not in IDENTITY]
    assert sorted(model) == sorted(BY_NAME)
    assert len(model) == len(INDICATORS) == len(set(model))
    unit = UnitFigures(code="1", name="x", level="city", parent=None, order=1)
    for i in INDICATORS:
        assert getattr(unit, i.name) == i.default
        assert (i.default is None) == i.nullable


def test_every_declared_figure_is_in_the_indicator_downloads(tmp_path: Path) -> None:
    bulletin = sample_bulletin("internal")
    csv_path, _ = write_indicators(bulletin, tmp_path)
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert header[:4] == ["单位代码", "单位名称", "层级", "上级单位"]
    assert header[4:-1] == [i.header for i in INDICATORS]
    assert len(set(header)) == len(header), "two columns with one header"
    # A figure the downloads used to leave out, written as its kind says.
    city = dict(zip(header, rows[1], strict=True))
    assert city["时间进度"] == "83.3%"  # elapsed 10/12
    assert city["已配备志愿者乡镇（街道）"] != ""


def test_rule_metrics_are_the_declared_rule_figures(tmp_path: Path) -> None:
    assert "coverage_rate" in RULE_METRICS and "elapsed" not in RULE_METRICS
    text = "judgments:\n  criticize:\n    - {metric: %s, below: 0.5}\n"
    config = parse_config(text % "migrant_membership_rate", tmp_path)
    assert config.judgments["criticize"][0].metric == "migrant_membership_rate"
    with pytest.raises(ConfigError, match="elapsed"):
        parse_config(text % "elapsed", tmp_path)


def test_site_tables_take_their_columns_and_headers_from_the_declarations() -> None:
    assert [i.heading for i in table(RANKING, SHOWS["public"])] == [
        "企业数",
        "已建会",
        "建会率",
        "职工入会率",
        "本年新建会",
        "年度目标",
        "目标完成率",
        "序时进度",
        "得分",
        "排名变化",
        "待销号",
    ]
    history = table(HISTORY, SHOWS["internal"])
    assert [i.name for i in history][-3:] == ["rank", "rank_change", "priority_open"]


def test_document_tables_take_their_figure_headers_from_the_declarations() -> None:
    from generator.render.document import ranking as document
    from generator.render.document import report

    # One wording for a figure in the PDF tables, the site's tables and the downloads.
    assert [c.header for c in document._COUNTY_FULL] == [
        "排名",
        "县市区",
        "企业数",
        "已建会",
        "建会率",
        "职工入会率",
        "本年新建会",
        "目标完成率",
        "序时进度",
        "得分",
        "排名变化",
    ]
    # The annex of every target names each target in its columns: the full labels.
    assert [c.header for c in document._TARGETS_BY_COUNTY][1:4] == [
        "新建会目标完成率",
        "新建会序时进度完成率",
        "本年新增会员",
    ]
    assert [c.header for c in report._HISTORY][-2:] == ["得分", "排名"]
    rows = [BY_NAME[name].titled for name in report.FIGURE_ROWS]
    assert rows[:4] == ["企业数（家）", "已建会企业数（家）", "建会率", "建会率环比"]
    assert rows[-1] == "综合得分"  # a score's 分 goes without saying
    headings = {i.heading for i in INDICATORS} | {i.label for i in INDICATORS}
    for columns in (document._COUNTY_FULL, document._GROUPS_BY_COUNTY, report._TOWNSHIPS):
        figures = [c.header for c in columns if c.header not in ("县市区", "乡镇（街道）")]
        assert set(figures) <= headings


def test_every_campaign_is_a_roster_with_its_figures_and_category() -> None:
    for key, campaign in CAMPAIGNS.items():
        assert ROSTERS[key] is campaign.roster
        assert {key, f"{key}_new"} <= set(BY_NAME)
        if campaign.target is not None:
            assert ROSTERS["targets"].column(campaign.target)
            assert {f"target_{key}", f"{key}_completion", f"{key}_schedule_rate"} <= set(BY_NAME)
        assert CATEGORY_LABELS[campaign.category] == campaign.label
        assert campaign.slug == key.replace("_", "-")


# --- audiences -------------------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "project"


@pytest.fixture(scope="module")
def golden_bulletins() -> dict[str, Bulletin]:
    """The golden project's public and internal bulletins of its first period with priorities."""
    g = gather(GOLDEN, BuildOptions(site=False, pdf=False))
    for public, internal in zip(g.bulletins["public"], g.bulletins["internal"], strict=True):
        if internal.priority and any(u.priority_open for u in internal.units):
            return {"public": public, "internal": internal}
    raise AssertionError("no period of the golden project has priority enterprises")


def test_priority_counts_are_public_and_the_enterprises_are_not(
    golden_bulletins: dict[str, Bulletin],
) -> None:
    public, internal = golden_bulletins["public"], golden_bulletins["internal"]
    assert public.shows is SHOWS["public"] and internal.shows is SHOWS["internal"]
    counts = ("priority_open", "priority_closed", "priority_added", "priority_left")
    for p, i in zip(public.units, internal.units, strict=True):
        assert [getattr(p, c) for c in counts] == [getattr(i, c) for c in counts]
        assert p.volunteer_required is None  # a township's requirement is internal
    assert any(u.priority_open for u in public.units)
    assert public.priority is None and internal.priority  # not carried, not empty
    assert {j.kind for u in public.units for j in u.judgments} <= {"commend"}
    assert public.data_quality is None and internal.data_quality is not None
    # JSON, the PDF bulletin and the pages say the same for the public.
    assert '"priority_open": ' in public.to_json()
    assert priority_section(public, Config(root=GOLDEN)) is not None
    assert "priority_open" in [i.name for i in table(RANKING, public.shows)]


def test_one_switch_hides_priority_counts_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    hidden = replace(SHOWS["public"], priority_counts=False)
    monkeypatch.setitem(SHOWS, "public", hidden)
    g = gather(GOLDEN, BuildOptions(site=False, pdf=False, audience="public"))
    public = next(b for b in g.bulletins["public"] if b.city.priority_open is None)
    assert public.shows == hidden
    assert all(u.priority_open is None and u.priority_closed is None for u in public.units)
    assert not any("重点企业" in sentence for sentence in public.overview)
    assert priority_section(public, Config(root=GOLDEN)) is None
    assert "priority_open" not in [i.name for i in table(RANKING, public.shows)]
    assert isinstance(hidden, Shows)
