"""Charts: deterministic SVG with Chinese labels, as text for the site and as paths for PDFs."""

from __future__ import annotations

import pytest
from sample_model import sample_bulletin

from generator.render.charts import coverage_by_county_svg, coverage_trend_svg, unit_trend_svg


@pytest.mark.parametrize(
    "chart",
    [
        coverage_by_county_svg,
        coverage_trend_svg,
        lambda b, paths: unit_trend_svg(b, "990100", paths),
        lambda b, paths: unit_trend_svg(b, "990000", paths),
    ],
)
def test_charts_are_deterministic_svg(chart) -> None:
    bulletin = sample_bulletin("public")
    as_text = chart(bulletin, False)
    assert as_text.startswith("<?xml") and "<svg" in as_text
    assert as_text == chart(sample_bulletin("public"), False)
    assert "Noto Sans CJK SC" in as_text and "建会率" in as_text
    assert "<dc:date>" not in as_text
    as_paths = chart(bulletin, True)
    assert "<text" not in as_paths  # text became outlines: no font needed to show it
    assert as_paths == chart(bulletin, True)


def test_unit_trend_names_the_unit_and_its_rank() -> None:
    svg = unit_trend_svg(sample_bulletin("public"), "990201002", False)
    assert "云溪县白石乡" in svg and "排名" in svg


def test_unit_trend_does_not_depend_on_the_charts_drawn_before() -> None:
    bulletin = sample_bulletin("public")
    first = unit_trend_svg(bulletin, "990201002", False)
    unit_trend_svg(bulletin, "990000", False)  # no rank axis
    unit_trend_svg(bulletin, "990100", False)
    assert unit_trend_svg(bulletin, "990201002", False) == first


def test_period_charts_do_not_depend_on_the_charts_drawn_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The county and trend charts reuse one figure per size: a chart drawn after charts of
    other data (higher rates, a longer history, no data at all) has the bytes of the same
    chart drawn on a new figure."""
    import copy

    from generator.model.bulletin import HistoryPoint
    from generator.render import charts

    bulletin = sample_bulletin("public")
    other = copy.deepcopy(bulletin)
    for u in other.units:
        u.coverage_rate = None if u.code == "990200" else min(1.0, (u.coverage_rate or 0) + 0.3)
    city = other.city.code
    other.history[city] = [
        HistoryPoint(f"2025-{m:02d}", 0.4 + 0.05 * m, None, 0, 0, None, None) for m in range(1, 13)
    ]
    empty = copy.deepcopy(bulletin)
    empty.history[city] = [HistoryPoint("2026-10", None, None, 0, 0, None, None)]
    for u in empty.units:
        u.coverage_rate = None

    def every_chart(b: object) -> list[str]:
        return [
            draw(b, paths, narrow)  # type: ignore[operator]
            for draw in (coverage_by_county_svg, coverage_trend_svg)
            for paths, narrow in ((True, False), (False, False), (False, True))
        ]

    class Forgetful(dict):  # type: ignore[type-arg]
        """Keeps no figure: every chart drawn on a new one."""

        def __setitem__(self, key: object, value: object) -> None:
            pass

    bulletins = {"sample": bulletin, "other": other, "empty": empty}
    monkeypatch.setattr(charts, "_FIGURES", Forgetful())
    new = {name: every_chart(b) for name, b in bulletins.items()}
    assert new["other"] != new["sample"] != new["empty"]
    monkeypatch.setattr(charts, "_FIGURES", {})
    for name in ("sample", "other", "empty", "sample", "other", "sample"):
        assert every_chart(bulletins[name]) == new[name], name
    assert len(charts._FIGURES) == 4  # a figure per size: county and trend, desktop and phone


def test_site_charts_name_the_readers_fonts_whatever_family_they_were_drawn_with(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import re

    from generator.render import charts
    from generator.render.site_charts import SITE_FONT_STACK, site_fonts

    bulletin = sample_bulletin("public")
    for family in (charts.FONT_FAMILY, ["Noto Sans CJK JP", "Noto Sans CJK SC"]):
        monkeypatch.setitem(charts._RC_BASE, "font.sans-serif", family)
        svg = site_fonts(charts.coverage_trend_svg(bulletin, False))
        families = set(re.findall(r"font-family:([^;\"]*)", svg))
        assert families == {f" {SITE_FONT_STACK}"}, families


def test_the_shortcuts_give_the_bytes_matplotlib_gives_without_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The title and empty x-label places the charts tell matplotlib, the text layouts they
    remember from chart to chart (both spare matplotlib work on every draw), and the box a chart
    is cut to, found without matplotlib's drawing pass, are the ones it finds itself: every
    chart has the same bytes without them."""
    from matplotlib.text import Text

    from generator.render import charts

    bulletin = sample_bulletin("public")

    def every_chart() -> list[str]:
        monkeypatch.setattr(charts, "_unit_trend_figures", {})  # built anew, with or without
        drawn = [coverage_by_county_svg(bulletin, True), coverage_trend_svg(bulletin, True)]
        for narrow in (False, True):
            drawn.append(coverage_by_county_svg(bulletin, False, narrow))
            drawn.append(coverage_trend_svg(bulletin, False, narrow))
            for code in ("990000", "990100", "990201002"):  # city (no rank), county, township
                drawn.append(unit_trend_svg(bulletin, code, False, narrow))
        return drawn

    assert Text._get_layout is charts._laid_out_text
    monkeypatch.setattr(charts, "_TEXT_LAYOUTS", {})
    every_chart()  # the layouts of every text, remembered
    remembered = len(charts._TEXT_LAYOUTS)
    shortcuts = every_chart()
    assert len(charts._TEXT_LAYOUTS) == remembered > 20  # the second time, all remembered
    monkeypatch.setattr(charts, "_MEASURE_PLACES", True)
    monkeypatch.setattr(Text, "_get_layout", charts._text_layout)
    plain = every_chart()
    assert len(set(shortcuts)) == len(shortcuts)  # twelve different charts
    for chart, plain_chart in zip(shortcuts, plain, strict=True):
        assert chart == plain_chart


def test_a_remembered_text_layout_is_that_of_the_texts_own_size_alignment_and_rotation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One string laid out in other sizes, alignments, rotations and line spacings: each text
    gets its own layout, not one remembered for another."""
    import io

    import matplotlib
    from matplotlib.backends.backend_svg import RendererSVG
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from generator.render import charts

    fig = Figure(figsize=(4, 3))
    texts = [
        fig.text(0.5, 0.5, string, ha=ha, va=va, rotation=rotation, fontsize=size, linespacing=ls)
        for string in ("2025-11", "云溪县\n白石乡")
        for ha, va, rotation, size, ls in [
            ("center", "baseline", 0, 9, 1.2),
            ("right", "baseline", 30, 9, 1.2),
            ("right", "baseline", 30, 9, 1.2),  # the same again: remembered
            ("right", "baseline", 0, 9, 1.2),
            ("left", "top", 0, 9, 1.2),
            ("left", "bottom", 0, 9, 1.2),
            ("left", "top", 0, 12, 1.2),
            ("left", "top", 0, 12, 1.6),
        ]
    ]
    renderer = RendererSVG(400, 300, io.StringIO())
    monkeypatch.setattr(charts, "_TEXT_LAYOUTS", {})
    with matplotlib.rc_context(charts._rc(False)):  # the charts' fonts
        remembered = [t.get_window_extent(renderer).bounds for t in texts]
        assert len(charts._TEXT_LAYOUTS) == 14  # one per different text
        monkeypatch.setattr(Text, "_get_layout", charts._text_layout)
        assert remembered == [t.get_window_extent(renderer).bounds for t in texts]
