"""Charts shared by the website and the PDFs: matplotlib figures written as deterministic SVG.

The PDFs need the chart text as paths (`text_as_paths=True`): Typst does no font fallback inside
an SVG, so text left as text would lose its Chinese glyphs. The website may keep text as text
(smaller, selectable). The bytes depend only on the bulletin: fixed hash salt, no date metadata.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede any pyplot import anywhere in the process

from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.text import Text
from matplotlib.textpath import TextToPath
from matplotlib.ticker import MaxNLocator

from generator.federation.words import words
from generator.model.bulletin import Bulletin, HistoryPoint, UnitFigures

FONT_FAMILY = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
BAR_COLOR = "#2f6fb0"
LOW_COLOR = "#c0392b"
AVERAGE_COLOR = "#c0392b"
LINE_COLOR = "#2f6fb0"

#: Phone variants of the site's charts are drawn at the width a phone shows them (3.6 in, i.e.
#: 346 CSS px, inside the 358 px of a 390 px screen), so that their text keeps its size: 9 pt is
#: 12 CSS px. A wide chart scaled down to a phone put its labels at about 4.7 px.
NARROW_WIDTH = 3.6
NARROW_FONT = 9
#: The smallest text of a desktop chart (value labels, period ticks): shown across a desktop's
#: column (some 680 px for 460 units) it is 12 px or more.
DESKTOP_SMALL_FONT = 9

#: Whether matplotlib is left to find the title's and the unlabelled x axis label's places by
#: measuring the axes on every draw (its default), rather than being told them. Told, they are
#: the places it would find, so the bytes are the same (tests/test_charts.py compares), and a
#: chart costs some 10% less CPU.
_MEASURE_PLACES = False


def _title_y() -> float | None:
    """Where an axes' title stands (axes coordinates; matplotlib's padding above): on the top
    of the axes, where matplotlib puts it when nothing sticks out above them, as in every chart
    here (no ticks or label on top, no offset text on the rate axis)."""
    return None if _MEASURE_PLACES else 1.0


def _place_empty_xlabel(ax: Any) -> None:
    """Give the place of an x axis label left empty: it is never drawn, but matplotlib measures
    every tick label on each draw to place it. Not for charts cut to their tight bounding box,
    which includes the empty label's place."""
    if not _MEASURE_PLACES:
        ax.xaxis.set_label_coords(0.5, 0.0)


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


_measure_text = TextToPath.get_text_width_height_descent
#: Text sizes measured so far in this process: (text, font files, size, rc) -> (w, h, descent).
_TEXT_SIZES: dict[tuple[Any, ...], tuple[float, float, float]] = {}


def _measured_text(self: TextToPath, s: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
    """TextToPath's text measurement (what the SVG writer lays text out by), remembered for the
    process: matplotlib remembers it only per renderer, i.e. per chart, and measuring a string
    in the CJK fonts is most of a chart's drawing time. The size depends only on the text, the
    font files (with their fallbacks), the font size and the font rc parameters in the key, so
    a remembered size is the one matplotlib would measure again, and the bytes are the same.
    """
    if ismath:
        return _measure_text(self, s, prop, ismath)
    rc = matplotlib.rcParams
    key = (
        s,
        tuple(str(f) for f in fontManager._find_fonts_by_props(prop)),
        prop.get_size_in_points(),
        rc["text.kerning_factor"],
        rc["text.hinting"],
        rc["text.hinting_factor"],
    )
    size = _TEXT_SIZES.get(key)
    if size is None:
        if len(_TEXT_SIZES) > 50_000:
            _TEXT_SIZES.clear()
        size = _TEXT_SIZES[key] = _measure_text(self, s, prop, ismath)
    return size


TextToPath.get_text_width_height_descent = _measured_text  # type: ignore[method-assign]


_text_layout = Text._get_layout  # type: ignore[attr-defined]  # matplotlib's, private
#: Text layouts worked out so far in this process: (text, alignment, rotation, fonts, size, ...)
#: -> what Text._get_layout returns.
_TEXT_LAYOUTS: dict[tuple[Any, ...], Any] = {}


def _laid_out_text(self: Text, renderer: Any) -> Any:
    """Text's layout (its lines' sizes and places around its anchor, rotated and aligned),
    remembered for the process: matplotlib works it out anew each time a text is measured or
    drawn, twice per tick label on every draw, though the tick labels of one chart are those of
    the next. The layout is relative to the text's anchor and depends only on what the key
    holds, so a remembered layout is the one matplotlib would work out again: the same bytes.
    Texts it cannot key safely (TeX, mathtext, wrapped, a renderer with font metrics of its
    own) are laid out every time.
    """
    if (
        self.get_usetex()
        or self.get_wrap()
        or "$" in self.get_text()
        or hasattr(renderer, "_get_font_height_metrics")
    ):
        return _text_layout(self, renderer)
    prop = self.get_fontproperties()
    rc = matplotlib.rcParams
    text: Any = self  # its private attributes, as matplotlib's layout reads them
    key = (
        type(renderer),
        self.get_text(),
        tuple(str(f) for f in fontManager._find_fonts_by_props(prop)),
        prop,
        self.figure.dpi if self.figure is not None else None,
        text._linespacing,
        text._get_multialignment(),
        self.get_rotation(),
        self.get_rotation_mode(),
        text._horizontalalignment,
        text._verticalalignment,
        rc["text.kerning_factor"],
        rc["text.hinting"],
        rc["text.hinting_factor"],
    )
    layout = _TEXT_LAYOUTS.get(key)
    if layout is None:
        if len(_TEXT_LAYOUTS) > 50_000:
            _TEXT_LAYOUTS.clear()
        layout = _TEXT_LAYOUTS[key] = _text_layout(self, renderer)
    bbox, lines, rest = layout
    return bbox.frozen(), list(lines), rest  # copies: a caller may change what it is given


Text._get_layout = _laid_out_text  # type: ignore[attr-defined]


@functools.cache
def code_version() -> str:
    """A digest of this module's source: a cached chart drawn by other code is not reused."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def chart_key(
    kind: str,
    bulletin: Bulletin,
    *,
    code: str | None = None,
    narrow: bool = False,
    text_as_paths: bool = False,
) -> str:
    """The cache key of a chart: a hash of exactly what its drawing function reads from the
    bulletin, of how it is drawn, and of the chart code itself.

    `kind` is "counties" (coverage_by_county_svg), "trend" (coverage_trend_svg) or "unit"
    (unit_trend_svg of `code`).
    """
    if kind == "counties":
        data: Any = [
            bulletin.period_label,
            bulletin.city.coverage_rate,
            [(u.name, u.coverage_rate) for u in bulletin.units if u.level == "county"],
        ]
    elif kind == "trend":
        data = [_point(p) for p in bulletin.history.get(bulletin.city.code, [])[-12:]]
    else:
        assert code is not None
        unit = bulletin.unit(code)
        data = [
            unit.name,
            unit.ranked_among,
            [_point(p) for p in bulletin.history.get(code, [])[-12:]],
        ]
    parts = [code_version(), kind, narrow, data, *(["paths"] if text_as_paths else [])]
    if words().own != "全市":  # the titles name the level (a city's keys stay as they were)
        parts.append(words().own)
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _point(point: HistoryPoint) -> dict[str, Any]:
    """A history point's fields by name, as dataclasses.asdict gives them (its fields are plain
    values) without its deep copy: a site takes the keys of hundreds of charts."""
    return dict(vars(point))


def _percent(rate: float | None) -> float:
    return 0.0 if rate is None else rate * 100


def _svg(fig: Figure, text_as_paths: bool, tight: bool = True) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_rc(text_as_paths)):
        bbox = _tight_bbox(fig) if tight else None
        # matplotlib cuts to the box at the 72 dpi its measuring left the figure at (the
        # figure's own dpi only sizes raster images, which no chart has)
        dpi = 72 if bbox is not None and bbox != "tight" else None
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches=bbox, dpi=dpi)
    return buffer.getvalue()


def _tight_bbox(fig: Figure) -> Any:
    """The box savefig(bbox_inches="tight") cuts the figure to, found as it finds it (with the
    renderer of an SVG, at the 72 dpi it draws at, padded by savefig.pad_inches), but without
    the whole drawing pass it makes first: the box only needs the artists' extents, and given
    the box savefig draws once. The same box, so the same bytes (tests/test_charts.py
    compares); a third less CPU for a chart cut to its box.
    """
    if _MEASURE_PLACES:
        return "tight"
    # matplotlib's own steps (backend_bases.FigureCanvasBase.print_figure and
    # backend_svg.FigureCanvasSVG.print_svg), through public API: the figure at the 72 dpi of
    # an SVG, measured by an SVG renderer of its size
    dpi = fig.dpi
    fig.set_dpi(72)
    try:
        width, height = fig.get_size_inches()
        renderer = RendererSVG(width * 72, height * 72, io.StringIO(), image_dpi=72)
        box = fig.get_tightbbox(renderer)
    finally:
        fig.set_dpi(dpi)
    pad = matplotlib.rcParams["savefig.pad_inches"]
    return box.padded(pad, pad)


#: Figures of one axes reused from chart to chart, by size, margins and chart parameters.
_FIGURES: dict[tuple[Any, ...], tuple[Figure, Any]] = {}


def _figure(
    size: tuple[float, float], margins: dict[str, float] | None, reuse: bool
) -> tuple[Figure, Any]:
    """A figure of this size and margins holding one empty axes, as a new one would be.

    Building a figure and its axes (their axes, ticks and tick labels) costs about as much as
    drawing it, so one is built per size and reused with the previous chart's artists removed,
    its data limits forgotten and its limits left to autoscaling again: the state of a new
    axes for all that a chart here sets (tests/test_charts.py compares the bytes). `reuse`
    False (a chart without data, which leaves its limits to matplotlib): a new figure.
    """
    key = (size, tuple(sorted((margins or {}).items())), repr(sorted(_rc(False).items())))
    found = _FIGURES.get(key) if reuse and not _MEASURE_PLACES else None
    if found is None:
        fig = Figure(figsize=size)
        if margins is not None:
            fig.subplots_adjust(**margins)
        found = (fig, fig.add_subplot())
        if reuse and not _MEASURE_PLACES:
            if len(_FIGURES) > 64:
                _FIGURES.clear()
            _FIGURES[key] = found
        return found
    fig, ax = found
    for container in list(ax.containers):
        container.remove()
    for artist in [*ax.lines, *ax.patches, *ax.texts, *ax.collections, *ax.images]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.relim()
    ax.set_autoscale_on(True)
    ax.yaxis.set_inverted(False)
    return fig, ax


def _wrap(name: str, width: int = 6) -> str:
    """A long name over two or more lines (Chinese has no spaces to break at)."""
    if len(name) <= width + 1:
        return name
    return "\n".join(name[i : i + width] for i in range(0, len(name), width))


def _short_period(period: str) -> str:
    """2025-11 -> 25-11: narrow charts have no room for the century."""
    return period[2:] if len(period) > 4 and period[:2].isdigit() else period


def _bar_colors(counties: list[UnitFigures], average: float | None) -> list[str]:
    """A county's bar: red when below the city average."""
    return [
        LOW_COLOR
        if average is not None and u.coverage_rate is not None and u.coverage_rate < average
        else BAR_COLOR
        for u in counties
    ]


def _label_bars(
    ax: Any, bars: Any, counties: list[UnitFigures], horizontal: bool, fontsize: float
) -> None:
    """Each county's rate at the end of its bar (right of it, or above it)."""
    for bar, u in zip(bars, counties, strict=True):
        label = "—" if u.coverage_rate is None else f"{_percent(u.coverage_rate):.1f}"
        if horizontal:
            end, offset = (bar.get_width(), bar.get_y() + bar.get_height() / 2), (2, 0)
            ha, va = "left", "center"
        else:
            end, offset = (bar.get_x() + bar.get_width() / 2, bar.get_height()), (0, 2)
            ha, va = "center", "bottom"
        ax.annotate(
            label, end, xytext=offset, textcoords="offset points", ha=ha, va=va, fontsize=fontsize
        )


def _average_line(ax: Any, average: float | None, narrow: bool) -> None:
    """The city average across the bars, named in a legend above the plot where no bar can
    hide it (on a phone, with what the red bars mean)."""
    if average is None:
        return
    line = ax.axvline if narrow else ax.axhline
    note = "（红色：低于平均）" if narrow else ""
    line(
        _percent(average),
        color=AVERAGE_COLOR,
        linestyle="--",
        linewidth=1,
        label=f"{words().own}平均 {_percent(average):.1f}%{note}",
    )
    if narrow:
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(-0.42, 1.0),
            frameon=False,
            fontsize=NARROW_FONT,
            borderaxespad=0.1,
            handlelength=1.5,
        )
    else:
        ax.legend(
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=9,
            borderaxespad=0.2,
        )


def _counties_narrow(bulletin: Bulletin, text_as_paths: bool) -> str:
    """The county chart for phones: horizontal bars, one line per county, names on the left."""
    counties = [u for u in bulletin.units if u.level == "county"]
    average = bulletin.city.coverage_rate
    names = [_wrap(u.name) for u in counties]
    lines = sum(name.count("\n") + 1 for name in names)
    height = 1.35 + 0.22 * lines + 0.12 * len(counties)
    bottom = 0.55 / height
    top = 1 - 0.75 / height
    margins = {"left": 0.3, "right": 0.97, "bottom": bottom, "top": top}
    fig, ax = _figure((NARROW_WIDTH, height), margins, reuse=bool(counties))
    values = [_percent(u.coverage_rate) for u in counties]
    positions = list(range(len(counties)))
    bars = ax.barh(positions, values, color=_bar_colors(counties, average), height=0.62)
    _label_bars(ax, bars, counties, horizontal=True, fontsize=NARROW_FONT)
    ax.set_yticks(positions)
    ax.set_yticklabels(names, fontsize=NARROW_FONT, linespacing=1.0)
    ax.yaxis.set_inverted(True)  # official order from the top
    ax.tick_params(axis="x", labelsize=NARROW_FONT)
    top_value = max([*values, _percent(average), 1.0])
    ax.set_xlim(0, top_value * 1.2)
    ax.set_xlabel("建会率（%）", fontsize=NARROW_FONT)
    _average_line(ax, average, narrow=True)
    fig.suptitle(
        f"{bulletin.period_label}{words().each}企业建会率",
        fontsize=NARROW_FONT + 1,
        x=0.02,
        y=1 - 0.08 / height,
        ha="left",
        va="top",
    )
    return _svg(fig, text_as_paths, tight=False)


def coverage_by_county_svg(bulletin: Bulletin, text_as_paths: bool, narrow: bool = False) -> str:
    """Bar chart of every county's coverage rate (official order), with the city average line.

    `narrow`: the phone variant (horizontal bars, see NARROW_WIDTH).
    """
    with matplotlib.rc_context(_rc(text_as_paths)):
        if narrow:
            return _counties_narrow(bulletin, text_as_paths)
        counties = [u for u in bulletin.units if u.level == "county"]
        city = bulletin.city
        names = [u.name for u in counties]
        values = [_percent(u.coverage_rate) for u in counties]
        average = city.coverage_rate
        width = max(6.0, min(12.0, 0.55 * len(counties) + 2.0))
        fig, ax = _figure((width, 3.4), None, reuse=bool(counties))
        positions = list(range(len(counties)))
        bars = ax.bar(positions, values, color=_bar_colors(counties, average), width=0.6)
        _label_bars(ax, bars, counties, horizontal=False, fontsize=DESKTOP_SMALL_FONT)
        _average_line(ax, average, narrow=False)
        ax.set_xticks(positions)
        ax.set_xticklabels(names, rotation=30 if len(counties) > 8 else 0, ha="center")
        ax.set_ylabel("建会率（%）")
        top = max([*values, _percent(average), 1.0])
        ax.set_ylim(0, min(100.0, top * 1.15) if top <= 100 else top * 1.15)
        ax.set_title(
            f"{bulletin.period_label}{words().each}企业建会率",
            fontsize=11,
            loc="left",
            y=_title_y(),
        )
        return _svg(fig, text_as_paths)


def coverage_trend_svg(bulletin: Bulletin, text_as_paths: bool, narrow: bool = False) -> str:
    """Line chart of the city's coverage rate over the last 12 periods (up to this one).

    `narrow`: the phone variant (see NARROW_WIDTH): larger text, only the last value written.
    """
    with matplotlib.rc_context(_rc(text_as_paths)):
        points = bulletin.history.get(bulletin.city.code, [])[-12:]
        values = [None if p.coverage_rate is None else p.coverage_rate * 100 for p in points]
        if narrow:
            return _trend_narrow(bulletin, points, values, text_as_paths)
        labels = [p.period for p in points]
        fig, ax = _figure((6.4, 3.0), None, reuse=any(v is not None for v in values))
        xs = list(range(len(points)))
        _plot_trend(ax, values, narrow=False)
        ax.set_xticks(xs)
        ax.set_xticklabels(
            labels, rotation=30 if len(points) > 6 else 0, fontsize=DESKTOP_SMALL_FONT
        )
        ax.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
        ax.set_ylabel("建会率（%）")
        ax.set_title(f"{words().own}企业建会率走势（近12期）", fontsize=11, y=_title_y())
        return _svg(fig, text_as_paths)


def _plot_trend(ax: Any, values: list[float | None], narrow: bool) -> None:
    """The city's rate as a line over the periods, its values written above the points (on a
    phone only the first and the last), the axis fitted around them."""
    shown = [(x, v) for x, v in enumerate(values) if v is not None]
    if not shown:
        return
    ax.plot(
        [x for x, _ in shown],
        [v for _, v in shown],
        color=LINE_COLOR,
        marker="o",
        markersize=3.5 if narrow else 4,
        linewidth=1.5,
    )
    written = ((shown[0], shown[-1]) if len(shown) > 1 else shown) if narrow else shown
    for x, v in written:
        ax.annotate(
            f"{v:.1f}",
            (x, v),
            xytext=(0, 5 if narrow else 4),
            textcoords="offset points",
            ha="center",
            fontsize=NARROW_FONT if narrow else DESKTOP_SMALL_FONT,
        )
    low = min(v for _, v in shown)
    high = max(v for _, v in shown)
    pad = max(2.0, (high - low) * (0.3 if narrow else 0.25))
    ax.set_ylim(max(0.0, low - pad), min(100.0, high + pad) if high <= 100 else high + pad)


def _trend_narrow(
    bulletin: Bulletin, points: list[Any], values: list[float | None], text_as_paths: bool
) -> str:
    margins = {"left": 0.16, "right": 0.95, "bottom": 0.25, "top": 0.84}
    fig, ax = _figure((NARROW_WIDTH, 2.7), margins, reuse=any(v is not None for v in values))
    xs = list(range(len(points)))
    _plot_trend(ax, values, narrow=True)
    step = 2 if len(points) > 6 else 1
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([_short_period(p.period) for p in points][::step], fontsize=NARROW_FONT)
    ax.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
    ax.tick_params(axis="y", labelsize=NARROW_FONT)
    ax.set_ylabel("建会率（%）", fontsize=NARROW_FONT)
    ax.set_title(
        f"{words().own}企业建会率走势（近12期）", fontsize=NARROW_FONT + 1, loc="left", y=_title_y()
    )
    _place_empty_xlabel(ax)
    return _svg(fig, text_as_paths, tight=False)


class _UnitTrendFigure:
    """One figure reused for every unit's trend chart.

    A site draws one chart per county and township (161 at city scale); building a matplotlib
    figure costs more than drawing it, so the figure is built once per process and only its
    data, limits, ticks and title change. Every call sets all of them, so a chart's bytes do
    not depend on the charts drawn before it.

    The rate and the rank are two panels one above the other, sharing the periods: on two
    axes of one panel their lines fell on top of each other whenever the scales happened to
    match.
    """

    def __init__(self, narrow: bool) -> None:
        self.narrow = narrow
        font = NARROW_FONT if narrow else 9
        self.font = font
        width, height = (NARROW_WIDTH, 3.5) if narrow else (6.4, 3.6)
        self.fig = Figure(figsize=(width, height))
        # Fixed margins instead of bbox_inches="tight", which draws everything twice.
        if narrow:
            self.fig.subplots_adjust(left=0.17, right=0.95, bottom=0.14, top=0.8, hspace=0.22)
        else:
            self.fig.subplots_adjust(left=0.1, right=0.97, bottom=0.2, top=0.86, hspace=0.2)
        grid = self.fig.add_gridspec(2, 1, height_ratios=[2, 1.15])
        self.ax = self.fig.add_subplot(grid[0])
        self.rank_ax = self.fig.add_subplot(grid[1], sharex=self.ax)
        (self.line,) = self.ax.plot(
            [], [], color=LINE_COLOR, marker="o", markersize=3.5, linewidth=1.5
        )
        (self.rank_line,) = self.rank_ax.plot(
            [],
            [],
            color=AVERAGE_COLOR,
            marker="s",
            markersize=3.5,
            linewidth=1.2,
            linestyle="--",
        )
        self.ax.set_ylabel("建会率（%）", fontsize=font)
        self.rank_ax.set_ylabel("排名", fontsize=font)
        self.ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        self.ax.tick_params(labelsize=font)
        self.ax.tick_params(axis="x", labelbottom=False)
        self.rank_ax.tick_params(labelsize=font)
        # Fixed places for the title and axis labels: matplotlib's automatic placement measures
        # every tick label again on each draw, which is most of the drawing time.
        self.title = self.fig.text(
            0.02, 0.985, "", fontsize=font + 1, ha="left", va="top", linespacing=1.3
        )
        label_x = -0.13 if narrow else -0.075
        self.ax.yaxis.set_label_coords(label_x, 0.5)
        self.rank_ax.yaxis.set_label_coords(label_x, 0.5)
        _place_empty_xlabel(self.ax)
        _place_empty_xlabel(self.rank_ax)
        self.no_rank = self.rank_ax.text(
            0.5,
            0.5,
            "未排名",
            transform=self.rank_ax.transAxes,
            ha="center",
            va="center",
            fontsize=font,
            color="#555555",
        )

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
        self.no_rank.set_visible(not ranks)
        if ranks:
            worst = max([r for _, r in ranks] + [unit.ranked_among or 1])
            rank_ax.set_ylim(worst + 0.5, 0.5)  # 1 on top: moving up the ranking goes up
            # Few ticks: each one costs a text layout on every draw.
            step = max(1, (worst + 2) // 3)
            ticks = list(range(1, worst + 1, step))
            if worst - ticks[-1] > step / 2:
                ticks.append(worst)
            rank_ax.set_yticks(ticks)
        else:
            rank_ax.set_ylim(1.5, 0.5)
            rank_ax.set_yticks([])
        if self.narrow and len(points) > 6:
            ticks_x = xs[::2]
            labels = [_short_period(p.period) for p in points][::2]
        else:
            ticks_x = xs
            labels = [_short_period(p.period) if self.narrow else p.period for p in points]
        rank_ax.set_xticks(ticks_x)
        # Twelve full periods side by side would run together on the desktop chart: slanted.
        slant = not self.narrow and len(points) > 6
        rank_ax.set_xticklabels(
            labels,
            fontsize=self.font,
            rotation=30 if slant else 0,
            ha="right" if slant else "center",
        )
        ax.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
        title = "建会率与排名走势（近12期）"
        among = f"，排名共{unit.ranked_among}个单位" if unit.ranked_among else ""
        if self.narrow:
            self.title.set_text(f"{unit.name}\n{title}")
        else:
            self.title.set_text(f"{unit.name}{title}{among}")
        buffer = io.StringIO()
        self.fig.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()


_unit_trend_figures: dict[tuple[bool, bool], _UnitTrendFigure] = {}


def unit_trend_svg(bulletin: Bulletin, code: str, text_as_paths: bool, narrow: bool = False) -> str:
    """One unit's coverage rate and, below it (1 on top), its rank over the last 12 periods.

    `narrow`: the phone variant (see NARROW_WIDTH).
    """
    with matplotlib.rc_context(_rc(text_as_paths)):
        figure = _unit_trend_figures.get((text_as_paths, narrow))
        if figure is None:
            figure = _unit_trend_figures[text_as_paths, narrow] = _UnitTrendFigure(narrow)
        return figure.draw(bulletin, code, text_as_paths)
