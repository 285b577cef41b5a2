"""Charts shared by the website and the PDFs: matplotlib figures written as deterministic SVG.

The PDFs need the chart text as paths (`text_as_paths=True`): Typst does no font fallback inside
an SVG, so text left as text would lose its Chinese glyphs. The website may keep text as text
(smaller, selectable). The bytes depend only on the bulletin: fixed hash salt, no date metadata.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede any pyplot import anywhere in the process

from matplotlib.figure import Figure

from generator.model import Bulletin

FONT_FAMILY = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
BAR_COLOR = "#2f6fb0"
LOW_COLOR = "#c0392b"
AVERAGE_COLOR = "#c0392b"
LINE_COLOR = "#2f6fb0"

_RC_BASE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": FONT_FAMILY,
    "axes.unicode_minus": False,  # CJK fonts lack U+2212; use the ASCII hyphen
    "svg.hashsalt": "bulletin",  # fixed ids, so equal charts give equal bytes
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _rc(text_as_paths: bool) -> Any:  # matplotlib types keys as Literals
    return {**_RC_BASE, "svg.fonttype": "path" if text_as_paths else "none"}


def _percent(rate: float | None) -> float:
    return 0.0 if rate is None else rate * 100


def _svg(fig: Figure, text_as_paths: bool) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_rc(text_as_paths)):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def coverage_by_county_svg(bulletin: Bulletin, text_as_paths: bool) -> str:
    """Bar chart of every county's coverage rate (official order), with the city average line."""
    with matplotlib.rc_context(_rc(text_as_paths)):
        counties = [u for u in bulletin.units if u.level == "county"]
        city = bulletin.city
        names = [u.name for u in counties]
        values = [_percent(u.coverage_rate) for u in counties]
        average = city.coverage_rate
        width = max(6.0, min(12.0, 0.55 * len(counties) + 2.0))
        fig = Figure(figsize=(width, 3.4))
        ax = fig.add_subplot()
        colors = [
            LOW_COLOR
            if average is not None and u.coverage_rate is not None and u.coverage_rate < average
            else BAR_COLOR
            for u in counties
        ]
        positions = list(range(len(counties)))
        bars = ax.bar(positions, values, color=colors, width=0.6)
        for bar, u in zip(bars, counties, strict=True):
            label = "—" if u.coverage_rate is None else f"{_percent(u.coverage_rate):.1f}"
            ax.annotate(
                label,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        if average is not None:
            # The average goes in a legend above the plot, where no bar can hide it.
            ax.axhline(
                _percent(average),
                color=AVERAGE_COLOR,
                linestyle="--",
                linewidth=1,
                label=f"全市平均 {_percent(average):.1f}%",
            )
            ax.legend(
                loc="lower right",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
                fontsize=9,
                borderaxespad=0.2,
            )
        ax.set_xticks(positions)
        ax.set_xticklabels(names, rotation=30 if len(counties) > 8 else 0, ha="center")
        ax.set_ylabel("建会率（%）")
        top = max([*values, _percent(average), 1.0])
        ax.set_ylim(0, min(100.0, top * 1.15) if top <= 100 else top * 1.15)
        ax.set_title(f"{bulletin.period_label}各县市区企业建会率", fontsize=11, loc="left")
        return _svg(fig, text_as_paths)


def coverage_trend_svg(bulletin: Bulletin, text_as_paths: bool) -> str:
    """Line chart of the city's coverage rate over the last 12 periods (up to this one)."""
    with matplotlib.rc_context(_rc(text_as_paths)):
        points = bulletin.history.get(bulletin.city.code, [])[-12:]
        labels = [p.period for p in points]
        values = [None if p.coverage_rate is None else p.coverage_rate * 100 for p in points]
        fig = Figure(figsize=(6.4, 3.0))
        ax = fig.add_subplot()
        xs = list(range(len(points)))
        shown = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        if shown:
            ax.plot(
                [x for x, _ in shown],
                [v for _, v in shown],
                color=LINE_COLOR,
                marker="o",
                markersize=4,
                linewidth=1.5,
            )
            for x, v in shown:
                ax.annotate(
                    f"{v:.1f}",
                    (x, v),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                )
            low = min(v for _, v in shown)
            high = max(v for _, v in shown)
            pad = max(2.0, (high - low) * 0.25)
            ax.set_ylim(max(0.0, low - pad), min(100.0, high + pad) if high <= 100 else high + pad)
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=30 if len(points) > 6 else 0, fontsize=8)
        ax.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
        ax.set_ylabel("建会率（%）")
        ax.set_title("全市企业建会率走势（近12期）", fontsize=11)
        return _svg(fig, text_as_paths)


def unit_trend_svg(bulletin: Bulletin, code: str, text_as_paths: bool) -> str:
    """Line chart of one unit's coverage rate and (right axis, 1 on top) rank over 12 periods."""
    with matplotlib.rc_context(_rc(text_as_paths)):
        unit = bulletin.unit(code)
        points = bulletin.history.get(code, [])[-12:]
        labels = [p.period for p in points]
        xs = list(range(len(points)))
        fig = Figure(figsize=(6.4, 3.0))
        ax = fig.add_subplot()
        shown = [
            (x, p.coverage_rate * 100)
            for x, p in zip(xs, points, strict=True)
            if p.coverage_rate is not None
        ]
        handles = []
        if shown:
            (line,) = ax.plot(
                [x for x, _ in shown],
                [v for _, v in shown],
                color=LINE_COLOR,
                marker="o",
                markersize=4,
                linewidth=1.5,
                label="建会率（%）",
            )
            handles.append(line)
            for x, v in shown:
                ax.annotate(
                    f"{v:.1f}",
                    (x, v),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                    color=LINE_COLOR,
                )
            low = min(v for _, v in shown)
            high = max(v for _, v in shown)
            pad = max(2.0, (high - low) * 0.25)
            ax.set_ylim(max(0.0, low - pad), min(100.0, high + pad) if high <= 100 else high + pad)
        ax.set_ylabel("建会率（%）")
        ranks = [(x, p.rank) for x, p in zip(xs, points, strict=True) if p.rank is not None]
        if ranks:
            # A second axis for the rank, inverted so that moving up the ranking goes up.
            rank_ax = ax.twinx()
            rank_ax.spines["right"].set_visible(True)
            (rank_line,) = rank_ax.plot(
                [x for x, _ in ranks],
                [r for _, r in ranks],
                color=AVERAGE_COLOR,
                marker="s",
                markersize=4,
                linewidth=1.2,
                linestyle="--",
                label="排名",
            )
            handles.append(rank_line)
            worst = max([r for _, r in ranks] + [unit.ranked_among or 1])
            rank_ax.set_ylim(worst + 0.5, 0.5)
            step = max(1, (worst + 7) // 8)
            rank_ax.set_yticks(list(range(1, worst + 1, step)))
            rank_ax.set_ylabel("排名")
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=30 if len(points) > 6 else 0, fontsize=8)
        ax.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
        if handles:
            ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
        ax.set_title(f"{unit.name}建会率与排名走势（近12期）", fontsize=11)
        return _svg(fig, text_as_paths)
