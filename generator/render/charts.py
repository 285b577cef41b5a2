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
from matplotlib.ticker import MaxNLocator

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


#: Parameters about the session rather than the drawing (matplotlib's style blacklist).
_SESSION_KEYS = frozenset(
    {
        "backend",
        "backend_fallback",
        "date.epoch",
        "docstring.hardcopy",
        "figure.max_open_warning",
        "figure.raise_window",
        "interactive",
        "savefig.directory",
        "timezone",
        "tk.window_focus",
        "toolbar",
        "webagg.address",
        "webagg.open_in_browser",
        "webagg.port",
        "webagg.port_retries",
    }
)


def _rc(text_as_paths: bool) -> Any:  # matplotlib types keys as Literals
    """The chart parameters: ours on top of matplotlib's own defaults.

    A matplotlibrc of the user's (MATPLOTLIBRC, ~/.config/matplotlib, ./matplotlibrc) changes
    the defaults of the process; every parameter it changed is set back, so that the charts of
    the same bulletin have the same bytes on every machine and account.
    """
    rc: dict[str, Any] = {**_RC_BASE, "svg.fonttype": "path" if text_as_paths else "none"}
    current = matplotlib.rcParams
    for key, default in matplotlib.rcParamsDefault.items():
        if key not in rc and key not in _SESSION_KEYS and current[key] != default:
            rc[key] = default
    return rc


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


class _UnitTrendFigure:
    """One figure reused for every unit's trend chart.

    A site draws one chart per county and township (161 at city scale); building a matplotlib
    figure costs more than drawing it, so the figure is built once per process and only its
    data, limits, ticks and title change. Every call sets all of them, so a chart's bytes do
    not depend on the charts drawn before it.
    """

    def __init__(self) -> None:
        self.fig = Figure(figsize=(6.4, 3.0))
        # Fixed margins instead of bbox_inches="tight", which draws everything twice.
        self.fig.subplots_adjust(left=0.09, right=0.91, bottom=0.2, top=0.88)
        self.ax = self.fig.add_subplot()
        self.rank_ax = self.ax.twinx()
        self.rank_ax.spines["right"].set_visible(True)
        (self.line,) = self.ax.plot(
            [], [], color=LINE_COLOR, marker="o", markersize=4, linewidth=1.5, label="建会率（%）"
        )
        (self.rank_line,) = self.rank_ax.plot(
            [],
            [],
            color=AVERAGE_COLOR,
            marker="s",
            markersize=4,
            linewidth=1.2,
            linestyle="--",
            label="排名",
        )
        self.ax.set_ylabel("建会率（%）")
        self.rank_ax.set_ylabel("排名")
        self.ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        # Fixed places for the title and axis labels: matplotlib's automatic placement measures
        # every tick label again on each draw, which is most of the drawing time.
        self.title = self.ax.set_title("", fontsize=11, loc="left", y=1.02)
        self.ax.yaxis.set_label_coords(-0.075, 0.5)
        self.rank_ax.yaxis.set_label_coords(1.06, 0.5)
        self.ax.xaxis.set_label_coords(0.5, -0.2)

    def draw(self, bulletin: Bulletin, code: str, text_as_paths: bool) -> str:
        unit = bulletin.unit(code)
        points = bulletin.history.get(code, [])[-12:]
        xs = list(range(len(points)))
        ax, rank_ax = self.ax, self.rank_ax
        shown = [
            (x, p.coverage_rate * 100)
            for x, p in zip(xs, points, strict=True)
            if p.coverage_rate is not None
        ]
        self.line.set_data([x for x, _ in shown], [v for _, v in shown])
        if shown:
            low = min(v for _, v in shown)
            high = max(v for _, v in shown)
            pad = max(2.0, (high - low) * 0.25)
            ax.set_ylim(max(0.0, low - pad), min(100.0, high + pad) if high <= 100 else high + pad)
        else:
            ax.set_ylim(0.0, 100.0)
        ranks = [(x, p.rank) for x, p in zip(xs, points, strict=True) if p.rank is not None]
        self.rank_line.set_data([x for x, _ in ranks], [r for _, r in ranks])
        rank_ax.set_visible(bool(ranks))
        handles = [self.line]
        if ranks:
            handles.append(self.rank_line)
            worst = max([r for _, r in ranks] + [unit.ranked_among or 1])
            rank_ax.set_ylim(worst + 0.5, 0.5)  # 1 on top: moving up the ranking goes up
            # Few ticks: each one costs a text layout on every draw.
            step = max(1, (worst + 3) // 4)
            ticks = list(range(1, worst + 1, step))
            if worst - ticks[-1] > step / 2:
                ticks.append(worst)
            rank_ax.set_yticks(ticks)
        ax.set_xticks(xs)
        ax.set_xticklabels(
            [p.period for p in points], rotation=30 if len(points) > 6 else 0, fontsize=8
        )
        ax.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
        # The legend sits above the plot, where no line can run through it.
        ax.legend(
            handles=handles,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncols=2,
            fontsize=8,
            frameon=False,
            borderaxespad=0.2,
        )
        self.title.set_text(f"{unit.name}建会率与排名走势（近12期）")
        buffer = io.StringIO()
        self.fig.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()


_unit_trend_figures: dict[bool, _UnitTrendFigure] = {}


def unit_trend_svg(bulletin: Bulletin, code: str, text_as_paths: bool) -> str:
    """Line chart of one unit's coverage rate and (right axis, 1 on top) rank over 12 periods."""
    with matplotlib.rc_context(_rc(text_as_paths)):
        figure = _unit_trend_figures.get(text_as_paths)
        if figure is None:
            figure = _unit_trend_figures[text_as_paths] = _UnitTrendFigure()
        return figure.draw(bulletin, code, text_as_paths)
