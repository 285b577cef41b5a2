"""The websites: Jinja2 templates -> a MkDocs (Material) project per audience -> static HTML.

First every page is generated into `work_dir/docs` (with `work_dir/mkdocs.yml`), then MkDocs
builds it, while the charts are drawn in worker processes straight into `out_dir/charts`.
Pages link to each other with relative URLs written by the templates (`use_directory_urls`
off), so the site works from any sub-path and from file://. Only section pages are in the
navigation; unit and write-up pages are reached through index pages (`not_in_nav`), so the site
grows linearly with its pages. The renderer reads the model only: what an audience may see was
decided when its Bulletins were built.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from generator.common import formatting
from generator.common.cache import keep_newest, write_atomic
from generator.common.config import Config
from generator.common.errors import BuildError
from generator.common.periods import Period
from generator.common.safe_yaml import Document, YamlError
from generator.federation.words import speak_as, words
from generator.figures import indicators
from generator.figures.key_areas import AREA_TYPES
from generator.figures.reduce import COMPLETIONS, SCHEDULE_OF
from generator.model.bulletin import (
    CATEGORY_LABELS,
    JUDGMENT_LABELS,
    LEVEL_LABELS,
    Bulletin,
    CampaignRecord,
    UnitFigures,
    WriteUp,
)
from generator.office.templates import COMPILED, template_dirs
from generator.render import charts, guide
from generator.render.dist import unit_folder
from generator.render.document.wording import FULLY_UNIONIZED, figure_said
from generator.render.files import file_name, issued_on
from generator.render.page_cache import page_cache
from generator.render.pool import ChunkPool
from generator.render.safe_html import safe_html
from generator.rosters.codes import explanation
from generator.rosters.specs import CAMPAIGNS

log = logging.getLogger(__name__)

#: Fonts for chart text on the site: the SVG names Noto first, then what readers' systems have.
SITE_FONT_STACK = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', "
    "'Noto Sans CJK JP', 'DejaVu Sans', sans-serif"
)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}  # no SVG: it can carry script
#: Search weight of a unit's page and of a campaign record over pages that merely mention them.
SEARCH_BOOST = 5
#: Cached charts unused for this long are deleted.
CHART_CACHE_HOURS = 1
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
#: The months as offices write them in words (十月份).
_MONTH_WORDS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
#: Where the search index joins a number to the Chinese unit after it (2026年10月, 45号, 10月份)
#: and a 文号's parts (示工发〔2026〕45号), the way a query typed with them stays one word: the
#: search plugin splits every run of Chinese from the digits beside it (2026|年|10|月), which no
#: query as typed matches. Applied in turn (each looks at the text the one before left).
_NUMBER_UNIT = (
    re.compile(r"(?<=\d)\u200b(?=[年月日号期])"),
    re.compile(r"(?<=\d年)\u200b(?=\d)"),
    re.compile(r"\u200b(?=〔\d{4}〕)"),
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


@dataclass
class SiteResult:
    """What render_site produced."""

    out: Path
    pages: int = 0
    bytes: int = 0
    charts: int = 0
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Names and small helpers the templates use


def md_text(value: Any) -> Markup:
    """Escape text for a Markdown line (headings): HTML-escaped, Markdown specials neutralised."""
    return Markup(_MD_SPECIAL.sub(r"\\\1", str(escape("" if value is None else value))))


def word_breaks(value: Any) -> Markup:
    """`value` escaped, a line allowed to end between its words only (<wbr>; the cell's CSS
    keeps the characters of a word together): a name wraps as 明湖区瑞祥电子科技 / 有限责任公司,
    never inside 街道 or 公司."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    words = jieba.cut(str(value))
    return Markup("<wbr>").join(escape(word) for word in words)


def yaml_title(value: Any) -> Markup:
    """A title for a page's front matter or mkdocs.yml: HTML-escaped, then a YAML string.

    MkDocs themes write page titles, navigation titles and the site name into the HTML
    without escaping them, so a unit named `<img onerror=…>` would run as markup.
    """
    return Markup(json.dumps(str(escape("" if value is None else value)), ensure_ascii=False))


def _signed(value: int | None) -> str:
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


def _rank_change(value: int | None) -> str:
    if value is None:
        return "—"
    if value > 0:
        return f"↑{value}"
    if value < 0:
        return f"↓{-value}"
    return "—"


def _pp(change: float | None) -> str:
    """A signed change in percentage points for tables: +1.2 / -0.3 (unit in the header)."""
    if change is None or change != change:
        return "—"
    shown = formatting.number(abs(change) * 100, 1)
    if shown in ("0.0", "0"):
        return "0.0"
    return f"+{shown}" if change > 0 else f"-{shown}"


def _figure(unit: UnitFigures, name: str) -> str:
    """One figure of a unit as a table cell, written as its kind is (generator.figures.indicators);
    completions, schedule rates and falls as the signed document says them (CONTRACT 3.9)."""
    indicator = indicators.BY_NAME[name]
    if name in SCHEDULE_OF or name in COMPLETIONS or indicator.kind == indicators.DELTA:
        said = figure_said(unit, name)
        # a narrow table cell: nothing left to unionise has no schedule ("—"); the unit's page
        # and the bulletin say 已全部建会 in words
        return "—" if said == FULLY_UNIONIZED else said
    value = getattr(unit, name)
    kind = indicator.kind
    if kind == indicators.RATE:
        return formatting.percent(value)
    if kind == indicators.POINTS:
        return _pp(value)
    if kind == indicators.SCORE:
        return formatting.number(value)
    if kind == indicators.RANK_CHANGE:
        return _rank_change(value)
    if kind == indicators.RANK:
        shown = "—" if value is None else str(value)
        return f"{shown}/{unit.ranked_among}" if unit.ranked_among else shown
    if kind == indicators.FLAG:
        return "—" if value is None else ("是" if value else "否")
    return formatting.integer(value)


def _environment(root: Path | None) -> jinja2.Environment:
    loader = jinja2.FileSystemLoader([str(d) for d in template_dirs(root, "site")])
    # Sandboxed: a template (the project's own overrides included) reaches the values it is
    # given, never Python's internals ({{ ''.__class__.__mro__ }} is refused).
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("md.j2", "html.j2"), default=False),
        undefined=jinja2.StrictUndefined,
        # Markdown heading ids are written {#id}: Jinja comments must look different.
        comment_start_string="{##",
        comment_end_string="##}",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=COMPILED,
    )
    env.filters.update(
        pct=formatting.percent,
        pp=_pp,
        change=formatting.change_phrase,
        num=formatting.number,
        int=formatting.integer,
        signed=_signed,
        rank_change=_rank_change,
        figure=_figure,
        said=figure_said,
        cdate=formatting.chinese_date,
        md=md_text,
        words=word_breaks,
        fname=file_name,
        pick=lambda codes, lookup: [lookup[c] for c in codes if c in lookup],
        tojson_yaml=yaml_title,
        label_of=lambda kind: JUDGMENT_LABELS.get(kind, kind),
        key_groups=indicators.key_groups,
    )
    env.globals.update(
        level_labels=LEVEL_LABELS,
        judgment_labels=JUDGMENT_LABELS,
        category_labels=CATEGORY_LABELS,
        campaign_kinds=CAMPAIGNS,
        indicator_table=indicators.table,
        figures=indicators.BY_NAME,
        key_group_figures=indicators.KEY_GROUPS,
        counted_campaign=counted_campaign,
        search_boost=SEARCH_BOOST,
        explain_code=explanation,
    )
    env.tests.update(
        counted_campaign=counted_campaign,
        given_in=lambda kind, judgments: bool(judgments.get(kind)),
    )
    return env


# --------------------------------------------------------------------------------------------
# Charts: drawn in worker processes into out_dir/charts while MkDocs builds the pages


@dataclass(frozen=True)
class ChartJob:
    name: str  # file name under charts/
    kind: str  # counties | trend | unit
    period_index: int
    code: str | None = None
    narrow: bool = False  # the phone variant


@dataclass(frozen=True)
class ChartFiles:
    """A chart as pages show it: drawn for a desktop, and narrow for a phone."""

    wide: str
    narrow: str


_JOBS: list[ChartJob] = []  # set before the workers fork, so no Bulletin is pickled
_BULLETINS: list[Bulletin] = []


def _draw(job: ChartJob, bulletin: Bulletin) -> str:
    if job.kind == "counties":
        svg = charts.coverage_by_county_svg(bulletin, False, job.narrow)
    elif job.kind == "trend":
        svg = charts.coverage_trend_svg(bulletin, False, job.narrow)
    else:
        assert job.code is not None
        svg = charts.unit_trend_svg(bulletin, job.code, False, job.narrow)
    return site_fonts(svg)


#: A font-family declaration in the style of an SVG's text (matplotlib writes one per text).
_FONT_FAMILY = re.compile(r"font-family:[^;\"]*")


def site_fonts(svg: str) -> str:
    """Name the readers' fonts (SITE_FONT_STACK) in every text of a chart drawn for the site.

    Whatever family the chart was drawn with (charts.FONT_FAMILY), each declaration is replaced.
    """
    return _FONT_FAMILY.sub(f"font-family: {SITE_FONT_STACK}", svg)


def _draw_batch(indices: list[int], out: str, cache: str) -> int:
    """Draw the given jobs (worker side); reuse cached SVGs keyed by their inputs."""
    drawn = 0
    for i in indices:
        job = _JOBS[i]
        bulletin = _BULLETINS[job.period_index]
        key = charts.chart_key(job.kind, bulletin, code=job.code, narrow=job.narrow)
        cached = Path(cache) / f"{key}.svg"
        target = Path(out) / job.name
        if cached.is_file():
            shutil.copyfile(cached, target)
            os.utime(cached)  # in use: pruning keeps it
            continue
        svg = _draw(job, bulletin)
        target.write_text(svg, encoding="utf-8")
        write_atomic(cached, svg.encode("utf-8"))  # a concurrent reader never sees half a file
        drawn += 1
    return drawn


#: A forked chart worker costs about as much CPU (the fork, its copied memory) as drawing this
#: many charts; with the number of processes left to the tool, a worker is forked per this many
#: charts to draw, so that a small site, or a site whose charts a sibling site drew, draws them
#: here.
CHARTS_PER_WORKER = 24


class _ChartRunner:
    """Runs chart jobs in forked workers (or in-process where fork is unavailable)."""

    def __init__(
        self,
        jobs: list[ChartJob],
        bulletins: list[Bulletin],
        out: Path,
        cache: Path,
        processes: int | None = None,
    ):
        self.jobs, self.bulletins, self.out, self.cache = jobs, bulletins, out, cache
        self.chosen = processes is not None  # else: as many as the charts to draw pay for
        self.processes = processes or os.cpu_count() or 1
        self.pool: ChunkPool[int] | None = None
        self.planned = 0

    def _draw(self, indices: list[int]) -> int:
        return _draw_batch(indices, str(self.out), str(self.cache))

    def start(self) -> None:
        self.planned = len(self.jobs)
        charts.code_version()  # read once, before the workers fork
        self.out.mkdir(parents=True, exist_ok=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        global _JOBS, _BULLETINS
        _JOBS, _BULLETINS = self.jobs, self.bulletins
        # MkDocs keeps one process busy meanwhile; the charts get the others (at least one).
        workers = max(1, min(self.processes - 1, 8, len(self.jobs)))
        if not self.chosen:  # a worker per CHARTS_PER_WORKER different charts not in the cache
            workers = min(workers, self._to_draw() // CHARTS_PER_WORKER)
        if (
            "fork" not in multiprocessing.get_all_start_methods()
            or not self.jobs
            or self.processes == 1
            or workers < 1
        ):
            return
        # Small chunks, so that the calling process can take over those not yet started.
        self.pool = ChunkPool(
            partial(_draw_batch, out=str(self.out), cache=str(self.cache)),
            range(len(self.jobs)),
            workers,
            min(12, len(self.jobs) // (workers * 4) or 1),
            start_method="fork",
        )
        self.pool.start()

    def _to_draw(self) -> int:
        """How many different charts are not in the cache."""
        keys = {
            charts.chart_key(j.kind, self.bulletins[j.period_index], code=j.code, narrow=j.narrow)
            for j in self.jobs
        }
        return sum(not (self.cache / f"{key}.svg").is_file() for key in keys)

    def finish(self) -> None:
        """Wait for the charts; draw in this process those no worker has started yet."""
        try:
            if self.pool is None:
                self._draw(list(range(len(self.jobs))))
                self._prune()
                return
            extra = list(range(self.planned, len(self.jobs)))  # asked for after the start
            if extra:
                self._draw(extra)
            self.pool.finish()
            self._prune()
        except Exception as exc:
            raise BuildError(f"生成网站图表失败：{exc}") from exc
        finally:
            self.cancel()
            global _JOBS, _BULLETINS
            _JOBS, _BULLETINS = [], []

    def _prune(self) -> None:
        """Forget cached charts that no build has used for an hour.

        Charts this site did not use may belong to a sibling site sharing the cache, so only
        those not used (drawn or copied) for CHART_CACHE_HOURS go.
        """
        keep_newest(self.cache.glob("*.svg"), keep=0, used_within=CHART_CACHE_HOURS * 3600)

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.cancel()


# --------------------------------------------------------------------------------------------
# Chart summaries (text alternatives)


def counties_summary(bulletin: Bulletin) -> str:
    """One or two sentences saying what the county bar chart shows."""
    counties = [u for u in bulletin.units if u.level == "county" and u.coverage_rate is not None]
    average = bulletin.city.coverage_rate
    if not counties:
        return f"{bulletin.period_label}{words().each}企业建会率：暂无数据。"
    high = max(counties, key=lambda u: u.coverage_rate or 0.0)
    low = min(counties, key=lambda u: u.coverage_rate or 0.0)
    below = sum(1 for u in counties if average is not None and (u.coverage_rate or 0.0) < average)
    return (
        f"{bulletin.period_label}{words().each}企业建会率柱状图：共{len(counties)}个{words().members}，"
        f"最高为{high.name}（{formatting.percent(high.coverage_rate)}），"
        f"最低为{low.name}（{formatting.percent(low.coverage_rate)}）；"
        f"{words().own}平均{formatting.percent(average)}，{below}个{words().members}低于{words().own}平均。"
    )


def trend_summary(bulletin: Bulletin, code: str | None = None) -> str:
    """What a trend chart shows: first and last value, and (units) the rank."""
    code = code or bulletin.city.code
    unit = bulletin.unit(code)
    points = [p for p in bulletin.history.get(code, [])[-12:] if p.coverage_rate is not None]
    who = words().own if unit.level == "city" else unit.name
    if not points:
        return f"{who}企业建会率走势：暂无数据。"
    first, last = points[0], points[-1]
    text = f"{who}企业建会率走势折线图，近{len(points)}期"
    if len(points) == 1:
        text += f"：{last.period}为{formatting.percent(last.coverage_rate)}"
    else:
        change = (last.coverage_rate or 0.0) - (first.coverage_rate or 0.0)
        phrase = formatting.change_phrase(change)
        text += (
            f"：从{first.period}的{formatting.percent(first.coverage_rate)}"
            f"到{last.period}的{formatting.percent(last.coverage_rate)}，{phrase}"
        )
    ranks = [p for p in bulletin.history.get(code, [])[-12:] if p.rank is not None]
    if ranks and unit.level != "city":
        among = f"（共{unit.ranked_among}个单位）" if unit.ranked_among else ""
        if len(ranks) == 1:
            text += f"；排名第{ranks[-1].rank}名{among}"
        else:
            text += f"；排名从第{ranks[0].rank}名到第{ranks[-1].rank}名{among}"
    return text + "。"


# --------------------------------------------------------------------------------------------
# The site


class _Site:
    """Collects what the pages share, then writes them into docs/."""

    def __init__(
        self, bulletins: list[Bulletin], config: Config, out_dir: Path, work_dir: Path
    ) -> None:
        self.bulletins = bulletins
        self.config = config
        self.out_dir = out_dir
        self.work_dir = work_dir
        self.docs = work_dir / "docs"
        self.latest = bulletins[-1]
        self.audience = self.latest.audience
        self.shows = self.latest.shows
        self.env = _environment(config.root)
        self.pages: list[str] = []
        self.chart_jobs: list[ChartJob] = []
        self.chart_names: set[str] = set()
        self.extra_pages: list[tuple[str, str]] = []
        self.guide_nav: list[tuple[str, str]] = []
        self.search_entries: list[dict[str, Any]] = []
        self.copied_images: dict[Path, str] = {}
        self.content_dir = config.content_dir.resolve()
        # Lookups built once: unit figures per period, write-ups across periods.
        self.by_period: list[dict[str, UnitFigures]] = [
            {u.code: u for u in b.units} for b in bulletins
        ]
        self.units = {u.code: u for u in self.latest.units}
        # Units with a page of their own: those of the latest period (a unit that was merged
        # away keeps its name in old bulletins, without a link).
        self.env.globals["unit_pages"] = {u.code for u in self.latest.units if u.level != "city"}
        self.env.globals["lv"] = speak_as(
            config.level
        )  # 全市/全省, 县市区/市（州）: federation.words
        self.children: dict[str, list[UnitFigures]] = defaultdict(list)
        for u in self.latest.units:
            if u.parent is not None:
                self.children[u.parent].append(u)
        seen: dict[str, tuple[WriteUp, str]] = {}
        for b in bulletins:
            for w in b.writeups:
                seen[w.slug] = (w, b.period)
        self.writeups = sorted(
            (w for w, _ in seen.values()), key=lambda w: (w.date, w.slug), reverse=True
        )
        self.writeup_period = {slug: period for slug, (_, period) in seen.items()}
        self.site_name = config.site_title or (
            f"{self.latest.organization}企业工会组建工作通报"
            + ("（内网）" if self.shows.internal_mark else "")
        )

    def dated(self) -> str:
        """Which data every page shows and when the site was made: 数据截至2026年10月31日，
        2026年11月5日生成. The date made is the one the bulletin's files carry (its signing
        date, else the end of its period, see files.issued_on), never the clock: a build gives
        the same pages whenever it runs."""
        end = formatting.chinese_date(Period.parse(self.latest.period).end)
        return f"数据截至{end}，{formatting.chinese_date(issued_on(self.latest))}生成"

    # ---- links and downloads

    def download(self, rel: str) -> str | None:
        """`rel` (e.g. pdf/2026-10/bulletin.pdf) when the build put that file in the output."""
        return rel if (self.out_dir / rel).is_file() else None

    def size(self, rel: str) -> str:
        """The size of an output file as a reader weighs a download: 245 KB, 1.2 MB."""
        n = (self.out_dir / rel).stat().st_size
        if n >= 1024 * 1024:
            return f"{n / 1024 / 1024:.1f} MB"
        return f"{max(1, round(n / 1024))} KB"

    def downloads(self, period: str) -> list[dict[str, str]]:
        items = [
            ("通报 PDF", f"pdf/{period}/bulletin.pdf"),
            ("数据（JSON）", f"data/{period}/bulletin.json"),
            ("各单位指标（CSV）", f"data/{period}/indicators.csv"),
            ("各单位指标（Excel）", f"data/{period}/indicators.xlsx"),
        ]
        return [
            {"label": label, "href": rel, "size": self.size(rel)}
            for label, rel in items
            if self.download(rel)
        ]

    def reports(self, code: str) -> list[dict[str, str]]:
        """The unit's report PDF of every period the output holds (issued periods are published
        from issued/, CONTRACT §4.1), newest first."""
        return self._per_period(code, lambda b, unit: f"pdf/{b.period}/units/{file_name(code)}.pdf")

    def _per_period(
        self, code: str, path_of: Callable[[Bulletin, UnitFigures], str]
    ) -> list[dict[str, str]]:
        """A unit's download of every period the output holds, newest first (none for a period
        without the unit, or without the file)."""
        found = []
        for b, lookup in zip(reversed(self.bulletins), reversed(self.by_period), strict=True):
            unit = lookup.get(code)
            href = self.download(path_of(b, unit)) if unit is not None else None
            if href:
                found.append(
                    {
                        "period": b.period,
                        "label": b.period_label,
                        "href": href,
                        "size": self.size(href),
                    }
                )
        return found

    # ---- images of write-ups and pages

    def image_resolver(self, base: Path, root: str) -> Any:
        """Resolve an image reference relative to `base`; copy it into the site if allowed."""

        def resolve(src: str) -> str | None:
            parts = urlsplit(src)
            if parts.scheme or parts.netloc or not parts.path or src.startswith("/"):
                return None
            path = (base / unquote(parts.path)).resolve()
            if not path.is_relative_to(self.content_dir) or not path.is_file():
                return None
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                return None
            rel = self.copied_images.get(path)
            if rel is None:
                rel = "assets/content/" + path.relative_to(self.content_dir).as_posix()
                target = self.docs / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                self.copied_images[path] = rel
            return root + quote(rel)

        return resolve

    def writeup_html(self, w: WriteUp) -> tuple[Markup, list[str]]:
        resolve = self.image_resolver(self.content_dir / "writeups", "../")
        body = Markup(safe_html(w.body, resolve))
        gallery = [src for src in (resolve(_relative_to_writeups(i)) for i in w.images) if src]
        return body, gallery

    # ---- charts

    def plan_charts(self) -> None:
        """Register every chart the pages will show, so drawing can start before the pages."""
        for i in range(len(self.bulletins)):
            self.chart("counties", i)
            self.chart("trend", i)
        latest = len(self.bulletins) - 1
        for u in self.latest.units:
            if u.level != "city":
                self.chart("unit", latest, u.code)

    def chart(self, kind: str, period_index: int, code: str | None = None) -> ChartFiles:
        """The chart's two files (desktop and phone), registered to be drawn."""
        period = self.bulletins[period_index].period
        stem = {
            "counties": f"{period}-counties",
            "trend": f"{period}-trend",
            "unit": f"unit-{file_name(code or '')}",
        }[kind]
        for narrow in (False, True):
            name = f"{stem}-narrow.svg" if narrow else f"{stem}.svg"
            if name not in self.chart_names:
                self.chart_names.add(name)
                self.chart_jobs.append(ChartJob(name, kind, period_index, code, narrow))
        return ChartFiles(f"charts/{stem}.svg", f"charts/{stem}-narrow.svg")

    # ---- pages

    def write(self, path: str, template: str, **context: Any) -> None:
        depth = path.count("/")
        root = "../" * depth
        text = self.env.get_template(template).render(
            root=root,
            site=self,
            latest=self.latest,
            shows=self.shows,
            page_path=path,
            **context,
        )
        target = self.docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.pages.append(path)

    def unit_rows(self, code: str) -> list[dict[str, Any]]:
        """The unit's figures in every period (oldest first) where it existed."""
        rows = []
        for b, lookup in zip(self.bulletins, self.by_period, strict=True):
            u = lookup.get(code)
            if u is not None:
                rows.append({"period": b.period, "label": b.period_label, "u": u})
        return rows

    def writeups_of(self, code: str) -> list[WriteUp]:
        unit = self.units[code]
        if unit.level == "county":
            return [w for w in self.writeups if w.unit == code or w.county == code]
        if unit.level == "city":
            return list(self.writeups)
        return [w for w in self.writeups if w.unit == code]

    def campaigns_of(self, code: str) -> list[CampaignRecord]:
        return [c for c in self.latest.campaigns if c.unit == code or c.county == code]

    def generate(self) -> None:
        if self.docs.exists():
            shutil.rmtree(self.docs)
        self.docs.mkdir(parents=True)
        latest_index = len(self.bulletins) - 1
        self.write(
            "index.md",
            "home.md.j2",
            b=self.latest,
            counties_chart=self.chart("counties", latest_index),
            trend_chart=self.chart("trend", latest_index),
            counties_summary=counties_summary(self.latest),
            trend_summary=trend_summary(self.latest),
            recent=self.writeups[:6],
            downloads=self.downloads(self.latest.period),
        )
        self.write("bulletins/index.md", "bulletins.md.j2", bulletins=self.bulletins[::-1])
        for i, b in enumerate(self.bulletins):
            lookup = self.by_period[i]
            self.write(
                f"bulletins/{b.period}.md",
                "bulletin.md.j2",
                b=b,
                lookup=lookup,
                preface=Markup(safe_html(b.document.preface)),
                closing=Markup(safe_html(b.document.closing)),
                counties_chart=self.chart("counties", i),
                trend_chart=self.chart("trend", i),
                counties_summary=counties_summary(b),
                trend_summary=trend_summary(b),
                downloads=self.downloads(b.period),
                writeups=[w for w in self.writeups if self.writeup_period[w.slug] == b.period],
                # newest first among bulletins found alike, all before pages that mention them
                search_rank=round(2 + i / len(self.bulletins), 3),
                previous=self.bulletins[i - 1].period if i else None,
                next=self.bulletins[i + 1].period if i + 1 < len(self.bulletins) else None,
            )
        self._units(latest_index)
        self._key_areas()
        self._campaigns()
        self._writeups()
        if self.shows.data_quality:
            self._quality()
        if self.shows.user_guide:
            self._guide()
        self._project_pages()
        self._static()

    def _units(self, latest_index: int) -> None:
        counties = [u for u in self.latest.units if u.level == "county"]
        self.write(
            "units/index.md",
            "units.md.j2",
            counties=counties,
            children=self.children,
        )
        for u in self.latest.units:
            if u.level == "city":
                continue
            self.write(
                f"units/{file_name(u.code)}.md",
                "unit.md.j2",
                u=u,
                parent=self.units.get(u.parent or ""),
                rows=self.unit_rows(u.code),
                children=[
                    self.units[c]
                    for c in self.latest.township_ranking.get(u.code, [])
                    if c in self.units
                ]
                or self.children.get(u.code, []),
                chart=self.chart("unit", latest_index, u.code),
                chart_summary=trend_summary(self.latest, u.code),
                writeups=self.writeups_of(u.code),
                campaigns=self.campaigns_of(u.code),
                priority=[
                    p
                    for p in self.latest.priority or ()
                    if p.state == "open" and (p.unit == u.code or p.county == u.code)
                ],
                volunteers=[
                    v
                    for v in self.latest.volunteers or ()
                    if v.unit == u.code or v.county == u.code
                ],
                key_rows=self.latest.key_areas.get(u.code, []),
                inspections=[
                    i
                    for i in self.latest.inspections or ()
                    if i.unit == u.code or i.county == u.code
                ],
                lacking=[
                    self.units[c]
                    for c in self.latest.townships_lacking_volunteer or ()
                    if c in self.units and (c == u.code or self.units[c].parent == u.code)
                ],
                reports=self.reports(u.code),
                packets=self.packets(u.code),
            )

    def packets(self, code: str) -> list[dict[str, str]]:
        """The unit's packets of every period kept in dist/ (issued ones and the latest), newest first."""

        return self._per_period(
            code, lambda b, unit: f"dist/{b.period}/{unit_folder(code, unit.name)}.zip"
        )

    def period_keywords(self, b: Bulletin) -> list[str]:
        """What an office types to find the bulletin of `b`'s period: the month in its usual
        spellings (2026年10月, 2026年, 10月, 10月份, 十月份, 2026-10) and its 文号 (示工发〔2026〕45号,
        示工发, 45号). The page's search tags: indexed whole (not cut into words) and weighed
        above any page text, so that the bulletin comes before pages that merely mention them."""
        words = [b.period_label, b.period]
        m = re.fullmatch(r"(\d{4})-(\d{2})", b.period)
        if m:
            year, month = m.group(1), int(m.group(2))
            spoken = _MONTH_WORDS[month - 1]
            words += [
                f"{year}年",
                f"{month}月",
                f"{month}月份",
                f"{spoken}月",
                f"{spoken}月份",
                "月份",
                f"{year}年{month}月份",
                f"{year}.{month:02d}",
                f"{year}{month:02d}",
            ]
        d = b.document
        if d.doc_code and d.doc_number is not None:  # a bulletin not yet numbered has no 文号
            words.append(d.doc_code)
            if d.doc_prefix:
                words.append(d.doc_prefix)
            words += [f"{d.doc_number}号", f"第{d.doc_number}号"]
        return list(dict.fromkeys(words))

    def unit_keywords(self, u: UnitFigures) -> str:
        """The unit's 简称 and the words of its name (示例高新技术产业开发区: 示例, 高新技术, 产业,
        开发区, 高新技术产业开发区, …), for a line the search indexes and the reader does not see:
        the full name is one word of the index (see search_words), so without them a part of
        the name would find nothing."""
        import jieba

        parts = [w for w in jieba.lcut(u.name) if w.strip()]
        words = [u.short_name] if u.short_name else []
        words += parts
        # every tail of the name from a word on (产业开发区, 开发区): a name is often said without
        # the place it starts with
        words += ["".join(parts[i:]) for i in range(1, len(parts) - 1)]
        return " ".join(dict.fromkeys(w for w in words if w and w != u.name))

    def search_words(self) -> list[str]:
        """Names the word segmenter must keep whole, so that a name searched in full finds its
        own page first: units (明湖区, not 明|湖区; a township named with its county's name, as
        青川区东城街道, as the county and the rest, so that 东城街道 alone is found too) and
        campaign records (each run of Chinese in the name: 千禧仓储（示例）有限公司职工之家 gives
        千禧仓储 and 有限公司职工之家). Enterprise names (the hosts, as write-ups quote them)
        stay split into their words, so that a part of them (泓源塑胶) is found."""
        units = {u.name for b in self.bulletins for u in b.units}
        words = set()
        for name in units:
            prefix = max(
                (u for u in units if name.startswith(u) and u != name), key=len, default=""
            )
            words.add(name[len(prefix) :])
        for c in self.latest.campaigns:
            words.update(_HAN_RUN.findall(c.name))
        # 简称 (高新区) and the month and 文号 words of period_keywords (十月份, 示工发)
        words.update(u.short_name for b in self.bulletins for u in b.units if u.short_name)
        words.update(f"{m}月份" for m in _MONTH_WORDS)
        words.update(f"{m}月" for m in _MONTH_WORDS)
        words.update(b.document.doc_prefix for b in self.bulletins if b.document.doc_prefix)
        return sorted(w for w in words if 2 <= len(w) <= 40)

    def _key_areas(self) -> None:
        """重点区域和人群 (CONTRACT 3.7): the city's breakdowns and each county's rates."""

        b = self.latest
        counties = [u for u in b.units if u.level == "county"]
        city_rows = b.key_areas.get(b.city.code, [])
        present = {r.category for r in city_rows if r.dimension == "area_type"}
        area_rates = {
            u.code: {
                r.category: r.coverage_rate
                for r in b.key_areas.get(u.code, [])
                if r.dimension == "area_type"
            }
            for u in counties
        }
        self.write(
            "key-areas/index.md",
            "key_areas.md.j2",
            b=b,
            city_rows=city_rows,
            counties=counties,
            area_types=[a for a in AREA_TYPES[:4] if a in present],
            area_rates=area_rates,
        )

    def _campaigns(self) -> None:
        by_kind: dict[str, list[CampaignRecord]] = defaultdict(list)
        for c in self.latest.campaigns:
            by_kind[c.kind].append(c)
        # Each record is a search entry of its own, pointing at its row: a search for its name
        # lands on it, and its preview shows its cells apart, not run together.
        anchors: dict[int, str] = {}
        for kind, records in by_kind.items():
            campaign = CAMPAIGNS[kind]
            for i, c in enumerate(records, 1):
                anchors[id(c)] = f"r{i}"
                date_label = (
                    campaign.roster.column(campaign.listed_from).title
                    if not counted_campaign(c)
                    else campaign.date_title
                )
                parts = [
                    campaign.label + (f"（{c.status}）" if c.status else ""),
                    c.level,
                    c.host,
                    c.unit_name,
                    f"{date_label} {c.date}" if c.date else "",
                ]
                self.search_entries.append(
                    {
                        "location": f"campaigns/{campaign.slug}.html#r{i}",
                        "title": c.name,
                        "text": " · ".join(p for p in parts if p),
                        "boost": SEARCH_BOOST,
                    }
                )
        self.env.globals["record_anchor"] = lambda c: anchors.get(id(c), "")
        self.write("campaigns/index.md", "campaigns.md.j2", by_kind=by_kind)
        for key, campaign in CAMPAIGNS.items():
            records = by_kind.get(key, [])
            # One meaning everywhere (CONTRACT §4): the count is of named teams (book rooms
            # and model homes have no status); candidates and revoked titles are listed apart.
            counted = [c for c in records if counted_campaign(c)]
            levels = [lv for lv in campaign.levels if any(c.level == lv for c in counted)]
            levels += sorted({c.level for c in counted} - set(levels))
            self.write(
                f"campaigns/{campaign.slug}.md",
                "campaign.md.j2",
                campaign=campaign,
                counted=counted,
                levels=[(lv, [c for c in counted if c.level == lv]) for lv in levels],
                candidates=[c for c in records if c.status == "创建中"],
                revoked=[c for c in records if c.status == "已撤销"],
                by_county=_count_by(counted, lambda c: c.county),
                writeups=[w for w in self.writeups if w.category == campaign.category],
            )

    def _writeups(self) -> None:
        by_period: dict[str, list[WriteUp]] = defaultdict(list)
        for w in self.writeups:
            by_period[self.writeup_period[w.slug]].append(w)
        periods = [b for b in reversed(self.bulletins) if by_period.get(b.period)]
        by_unit = _count_by(self.writeups, lambda w: w.county)
        self.write(
            "writeups/index.md",
            "writeups.md.j2",
            periods=periods,
            by_period=by_period,
            by_unit=by_unit,
            categories=[(c, label) for c, label in CATEGORY_LABELS.items()],
            counts=_count_by(self.writeups, lambda w: w.category),
        )
        for category, label in CATEGORY_LABELS.items():
            self.write(
                f"writeups/category-{category}.md",
                "writeup_category.md.j2",
                category=category,
                label=label,
                items=[w for w in self.writeups if w.category == category],
            )
        for w in self.writeups:
            body, gallery = self.writeup_html(w)
            self.write(
                f"writeups/{file_name(w.slug)}.md",
                "writeup.md.j2",
                w=w,
                body=body,
                gallery=gallery,
                period=self.writeup_period[w.slug],
            )

    def _quality(self) -> None:
        self.write("quality/index.md", "quality_index.md.j2", bulletins=self.bulletins[::-1])
        for b in self.bulletins:
            self.write(
                f"quality/{b.period}.md",
                "quality.md.j2",
                b=b,
                dq=b.data_quality,
                problems_csv=self.download(f"data/{b.period}/problems.csv"),
                problems_xlsx=self.download(f"data/{b.period}/problems.xlsx"),
            )

    def _project_pages(self) -> None:
        folder = self.config.content_dir / "pages"
        for page in self.latest.pages:
            rel = f"pages/{file_name(page.slug)}.md"
            resolve = self.image_resolver(folder, "../")
            body = Markup(safe_html(page.body, resolve))
            self.write(rel, "page.md.j2", title=page.title, body=body)
            self.extra_pages.append((page.title, rel))

    def _guide(self) -> None:
        """The user guide's pages (generator.render.guide), under guide/ in its own section."""
        pages = []
        for page in guide.render_guide(self.config.root):
            path = f"guide/{page.name}.md"
            target = self.docs / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(guide.site_markdown(page.text), encoding="utf-8")
            self.pages.append(path)
            pages.append((page.title if page.name != "index" else "概览", path))
        self.guide_nav = pages

    def _static(self) -> None:
        css = self.env.get_template("bulletin.css").render()
        (self.docs / "assets").mkdir(parents=True, exist_ok=True)
        (self.docs / "assets" / "bulletin.css").write_text(css, encoding="utf-8")
        for script in ("file-worker.js", "search-on-demand.js", "site.js"):
            text = self.env.get_template(script).render()
            (self.docs / "assets" / script).write_text(text, encoding="utf-8")
        nav: list[tuple[str, Any]] = [
            ("首页", "index.md"),
            ("通报", "bulletins/index.md"),
            ("单位", "units/index.md"),
            ("重点区域和人群", "key-areas/index.md"),
            (
                "创建活动",
                [("概况", "campaigns/index.md")]
                + [(c.label, f"campaigns/{c.slug}.md") for c in CAMPAIGNS.values()],
            ),
            (
                "工作动态",
                [("全部", "writeups/index.md")]
                + [(label, f"writeups/category-{c}.md") for c, label in CATEGORY_LABELS.items()],
            ),
        ]
        if self.shows.data_quality:
            nav.append(("数据质量", "quality/index.md"))
        if self.guide_nav:
            nav.append(("使用指南", self.guide_nav))
        nav += list(self.extra_pages)
        text = self.env.get_template("mkdocs.yml.j2").render(
            site_name=self.site_name,
            nav=nav,
            shows=self.shows,
            organization=self.latest.organization,
            dated=self.dated(),
            description=(
                f"{self.latest.organization}企业工会组建工作通报：{words().own}及{words().each}"
                f"{'、' + (words().sub or '') if words().sub else ''}"
                f"企业建会率、排名、创建活动和工作动态，{self.dated()}。"
            ),
        )
        _check_mkdocs_config(text)
        (self.work_dir / "mkdocs.yml").write_text(text, encoding="utf-8")


#: MkDocs settings that would run Python code named by the template, or read outside the site
_UNSAFE_MKDOCS_KEYS = ("hooks", "custom_dir", "docs_dir", "site_dir", "INHERIT")


def _check_mkdocs_config(text: str) -> None:
    """Refuse a generated mkdocs.yml that would make MkDocs run code or leave its folders.

    A project's own mkdocs.yml.j2 decides the site's look; it may not add MkDocs hooks
    (Python files MkDocs runs), YAML tags that build Python objects, or move the folders.
    """

    try:
        config = Document(text).data
    except YamlError as exc:
        raise BuildError(f"网站模板 mkdocs.yml.j2 生成的 MkDocs 设置不能使用：{exc}") from None
    if not isinstance(config, dict):
        raise BuildError("网站模板 mkdocs.yml.j2 生成的 MkDocs 设置应是“键: 值”的列表。")
    theme = config.get("theme")
    found = [key for key in _UNSAFE_MKDOCS_KEYS if key in config]
    if isinstance(theme, dict) and "custom_dir" in theme:
        found.append("theme.custom_dir")
    if config.get("docs_dir") == "docs" and config.get("site_dir") == "site":
        found = [key for key in found if key not in ("docs_dir", "site_dir")]
    if found:
        raise BuildError(
            f"网站模板 mkdocs.yml.j2 生成的 MkDocs 设置中有 {'、'.join(found)}：这些设置会运行"
            "模板指定的 Python 程序或读写网站目录以外的文件，不允许使用。"
        )


def counted_campaign(record: CampaignRecord) -> bool:
    """Whether a campaign record counts: a named pioneer team, any book room or model home."""
    counted = CAMPAIGNS[record.kind].counted
    return counted is None or record.status == counted[1]


def _relative_to_writeups(image: str) -> str:
    """Model image paths are relative to content/; the resolver's base is content/writeups."""
    return "../" + image


def _count_by(items: Iterable[Any], key: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[key(item)] += 1
    return dict(counts)


# --------------------------------------------------------------------------------------------
# MkDocs


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_epoch(bulletin: Bulletin) -> int:
    """The site's fixed build time: the latest bulletin's date (UTC midnight), not the clock."""
    day = issued_on(bulletin)
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@contextmanager
def _source_date_epoch(epoch: int | None) -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH, from which MkDocs dates its pages, for the block.

    Without it MkDocs reads the clock (page.update_date, sitemap dates), and an empty or
    malformed value in the user's environment makes it fail.
    """
    if epoch is None:
        yield
        return
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def mkdocs_build(
    config_file: Path,
    page_cache_file: Path | None = None,
    epoch: int | None = None,
    search_salt: str = "",
) -> list[str]:
    """Build a MkDocs project as `mkdocs build` would; return its warnings.

    With `page_cache_file`, pages unchanged since the last build reuse its Markdown conversion
    and search entries (see page_cache; `search_salt` names the words added to the segmenter).
    `epoch` is the build time MkDocs sees (see build_epoch); without it MkDocs takes
    SOURCE_DATE_EPOCH or the clock.
    """
    import jieba
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    jieba.setLogLevel(logging.WARNING)
    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # reported once, by render_site
    try:
        cfg = load_config(str(config_file))
        theme_env = cfg.theme.get_env

        def compiled_once() -> jinja2.Environment:
            env = theme_env()
            env.bytecode_cache = COMPILED  # the theme's templates compiled once per process
            _list_theme_once(env.loader)
            return env

        cfg.theme.get_env = compiled_once  # type: ignore[method-assign]
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            with page_cache(page_cache_file, search_salt), _source_date_epoch(epoch):
                build(cfg)
        finally:
            cfg.plugins.on_shutdown()
    except Exception as exc:
        raise BuildError(f"MkDocs 生成网站失败：{exc}") from exc
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    return handler.messages


#: The theme's files by theme folders, listed once per process (see _list_theme_once).
_THEME_FILES: dict[tuple[str, ...], list[str]] = {}


def _list_theme_once(loader: Any) -> None:
    """Let the theme's loader list its folders once per process.

    MkDocs lists every file of the theme folders on each build to copy the theme's static files:
    Material's are 14 500, of which 14 300 are the icons in its hidden `.icons` folder, which
    MkDocs never copies (its own filter leaves out every hidden name). The folders are the
    installed theme (a project may not name folders of its own, see _check_mkdocs_config); the
    list kept leaves out hidden names, so MkDocs filters 200 names instead of 14 500.
    """
    folders = getattr(loader, "searchpath", None)
    if not isinstance(loader, jinja2.FileSystemLoader) or not folders:
        return
    key = tuple(str(folder) for folder in folders)
    listing = _THEME_FILES.get(key)
    if listing is None:
        listing = [
            name
            for name in loader.list_templates()
            if not name.startswith(".") and "/." not in name
        ]
        _THEME_FILES[key] = listing
    kept = list(listing)
    loader.list_templates = lambda: list(kept)  # type: ignore[method-assign]


@contextmanager
def jieba_words(words: Iterable[str]) -> Iterator[None]:
    """Within the block, the word segmenter keeps each of `words` whole (unit names split as
    明|湖区 made a search for 明湖区 find 明辉超市); its dictionary is restored afterwards, so a
    build never depends on the builds the process ran before it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.dt
    tokenizer.check_initialized()
    saved = (dict(tokenizer.FREQ), tokenizer.total)
    try:
        for word in sorted(set(words)):
            if word and not word.isascii():
                tokenizer.add_word(word)
        yield
    finally:
        tokenizer.FREQ, tokenizer.total = saved


def segment_for_search(text: str) -> str:
    """Chinese text segmented as the search plugin segments page text (words joined by U+200B)."""
    try:
        from material.plugins.search.plugin import SearchIndex

        return str(SearchIndex._segment_chinese(None, text))
    except (ImportError, AttributeError):  # another Material: the words stay unsegmented
        return text


#: Material's search worker splits a Chinese query into the index's words, but never tries a
#: word that reaches the query's last character: 明湖区 was searched as 明 alone (so it found
#: 明辉超市 first) and 泓源塑胶 as nothing. Each pair is (as shipped, corrected); a Material
#: without these exact texts is left alone, with a warning.
SEARCH_WORKER_FIXES = (
    (
        "for(let o=s+1;o<t.length;o++)t.slice(s,o)in e&&(n[s]=o-s)",
        "for(let o=s+1;o<=t.length;o++)t.slice(s,o)in e&&(n[s]=o-s)",
    ),
    ("n[a]&&a<t.length-1&&(i[s++]=a)", "n[a]&&a<t.length&&(i[s++]=a)"),
    # The words of a Chinese query were joined with "* ", and every word then given its own
    # "*": 工人先锋号 became 工人** 先锋号*, and the term 工人* (a literal star) was listed as
    # missing (缺少: 工人*) under every result that holds 工人先锋号.
    (
        '[...fe(s,this.index.invertedIndex)].join("* ")',
        '[...fe(s,this.index.invertedIndex)].join(" ")',
    ),
    # The query was cut into words at lunr's own separator (spaces and "-"), not at the
    # site's: 2026-10 was searched as 2026 and 10, each found all over the site.
    (
        "lunr.tokenizer.separator=new RegExp(e.separator)",
        "lunr.tokenizer.separator=lunr.QueryLexer.termSeparator=new RegExp(e.separator)",
    ),
)


def fix_search_worker(site_dir: Path) -> bool:
    """Correct the query segmentation of Material's search worker in a built site."""
    workers = sorted((site_dir / "assets" / "javascripts" / "workers").glob("search.*.min.js"))
    if len(workers) != 1:
        return False
    text = workers[0].read_text(encoding="utf-8")
    if not all(text.count(old) == 1 for old, _ in SEARCH_WORKER_FIXES):
        return False
    for old, new in SEARCH_WORKER_FIXES:
        text = text.replace(old, new)
    workers[0].write_text(text, encoding="utf-8")
    return True


#: Put among the used classes when no page is written right to left: rules for [dir=rtl] go.
_LTR_ONLY = " ltr only"
_CSS_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
_CSS_WORD = re.compile(r"[A-Za-z_][\w-]*")
_HTML_CLASS = re.compile(r'class="([^"]*)"')


def _css_block_end(text: str, start: int) -> int:
    """The index of the `}` closing the block whose `{` is at `start` (quoted text skipped)."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text) - 1


def _css_split(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside brackets, parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _outside_parentheses(selector: str) -> str:
    out, depth = [], 0
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _prune_css(text: str, used: set[str], variables: set[str] | None) -> str:
    """The rules of `text` whose selectors name only classes in `used` (a class inside :is(),
    :not() and the like never removes a rule); with `variables`, also without declarations of
    custom properties not among them."""
    out: list[str] = []
    i = 0
    while i < len(text):
        brace = text.find("{", i)
        if brace < 0:
            out.append(text[i:])
            break
        end = _css_block_end(text, brace)
        prelude, body = text[i:brace], text[brace + 1 : end]
        head = prelude.strip()
        if head.startswith(("@media", "@supports", "@container", "@layer")):
            inner = _prune_css(body, used, variables)
            if inner.strip():
                out.append(f"{prelude}{{{inner}}}")
        elif head.startswith("@"):
            out.append(f"{prelude}{{{body}}}")
        else:
            selectors = [
                sel
                for sel in _css_split(prelude, ",")
                if all(c in used for c in _CSS_CLASS.findall(_outside_parentheses(sel)))
                and not (_LTR_ONLY in used and "[dir=rtl]" in sel)
            ]
            if variables is not None:
                body = ";".join(
                    d
                    for d in _css_split(body, ";")
                    if not d.strip().startswith("--") or d.split(":", 1)[0].strip() in variables
                )
            if selectors and body.strip():
                out.append(",".join(selectors) + "{" + body + "}")
        i = end + 1
    return "".join(out)


def prune_theme_css(site_dir: Path) -> int:
    """Cut Material's stylesheet down to what the built site uses; the bytes saved.

    Material's main stylesheet (134 KB) styles every feature of the theme (tabs, code, icons of
    every note type, versions, blog, …); a page sends it in full. Kept: every rule whose classes
    appear in a page of the site or in a name of a script or stylesheet the site ships (Material
    adds its classes from its script), and every custom property some kept rule, script or
    stylesheet names. The file takes a name of its own (its digest) and the pages link it, so a
    browser never keeps a cut of another build under the same name."""
    sheets = sorted((site_dir / "assets" / "stylesheets").glob("main.*.min.css"))
    if len(sheets) != 1:
        return 0
    sheet = sheets[0]
    pages = sorted(site_dir.rglob("*.html"))
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    used: set[str] = set()
    for text in texts.values():
        for m in _HTML_CLASS.finditer(text):
            used.update(m.group(1).split())
    others = [
        *(site_dir / "assets").glob("*.js"),
        *(site_dir / "assets").glob("*.css"),
        *(site_dir / "assets" / "javascripts").glob("bundle.*.js"),
    ]
    # Material's script adds classes of its own (md-…) to what pages hold; other words of a
    # script (highlight, tabbed-labels) style only elements a page would carry itself.
    named: set[str] = {"js", "no-js", "focus-visible"}
    for path in others:
        named.update(
            w for w in _CSS_WORD.findall(path.read_text(encoding="utf-8")) if w.startswith("md-")
        )
    if not any('dir="rtl"' in text for text in texts.values()):
        used.add(_LTR_ONLY)
    css = sheet.read_text(encoding="utf-8")
    kept = _prune_css(css, used | named, None)
    variables = set(re.findall(r"var\((--[\w-]+)", kept))
    for path in others:  # a custom property a script or our stylesheet sets or reads
        variables.update(re.findall(r"--[\w-]+", path.read_text(encoding="utf-8")))
    for text in texts.values():  # style attributes
        variables.update(re.findall(r"var\((--[\w-]+)", text))
    kept = _prune_css(kept, used | named, variables)
    digest = hashlib.sha256(kept.encode("utf-8")).hexdigest()[:8]
    target = sheet.with_name(f"main.{digest}.min.css")
    old_name, new_name = sheet.name, target.name
    sheet.unlink()
    sheet.with_name(old_name + ".map").unlink(missing_ok=True)
    target.write_text(kept, encoding="utf-8")
    for path, text in texts.items():
        slim = _defer_scripts(_unindent_html(text.replace(old_name, new_name)))
        if slim != text:
            path.write_text(slim, encoding="utf-8")
    return len(css.encode("utf-8")) - len(kept.encode("utf-8"))


def keep_out_of_search_engines(site_dir: Path) -> None:
    """Mark every page of the intranet site noindex (a search engine that reaches it by mistake
    lists none of it) and write a robots.txt refusing every crawler."""
    tag = '<meta name="robots" content="noindex, nofollow">'
    for path in sorted(site_dir.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if tag not in text:
            text = re.sub(r"(<meta charset=[^>]*>)", lambda m: m.group(1) + tag, text, count=1)
            path.write_text(text, encoding="utf-8")
    (site_dir / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")


_PREFORMATTED = re.compile(r"(<(pre|textarea|script)\b.*?</\2>)", re.S | re.I)


_EXTERNAL_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')


def _defer_scripts(text: str) -> str:
    """The page's own script files run once it is parsed (`defer`, in their order): Material's
    bundle at the end of the body and the scripts in its head no longer hold back the first
    paint. The inline scripts (Material's settings) need none of them."""
    return _EXTERNAL_SCRIPT.sub(r'<script src="\1" defer></script>', text)


def _unindent_html(text: str) -> str:
    """The page without the indentation of its lines (Material's templates indent deeply: 5 %
    of a page), preformatted text and scripts left as they are."""
    parts = _PREFORMATTED.split(text)
    # split() yields text, the whole match, the tag name, text, …
    out = []
    for i in range(0, len(parts), 3):
        out.append(re.sub(r"\n[ \t]+", "\n", parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)


def prune_search_languages(site_dir: Path) -> int:
    """Delete the search scripts of languages the site does not search in.

    Material copies lunr's scripts for some thirty languages into every site (1.2 MB, over half
    of its scripts, among them 0.7 MB of Thai word lists); its search worker loads only those
    of the languages in the index's `config.lang`, by the rule mirrored here. Returns the number
    of files deleted; a site without a search index keeps them all.
    """
    lunr = site_dir / "assets" / "javascripts" / "lunr"
    index = site_dir / "search" / "search_index.json"
    if not lunr.is_dir() or not index.is_file():
        return 0
    langs = json.loads(index.read_text(encoding="utf-8")).get("config", {}).get("lang", [])
    if not isinstance(langs, list) or not all(isinstance(x, str) for x in langs):
        return 0
    keep = {"min/lunr.stemmer.support.min.js"}
    for lang in langs:
        keep |= {"ja": {"tinyseg.js"}, "hi": {"wordcut.js"}, "th": {"wordcut.js"}}.get(lang, set())
        if lang != "en":
            keep.add(f"min/lunr.{lang}.min.js")
    if len(langs) > 1:
        keep.add("min/lunr.multi.min.js")
    deleted = 0
    for path in sorted(lunr.rglob("*")):
        if path.is_file() and path.relative_to(lunr).as_posix() not in keep:
            path.unlink()
            deleted += 1
    return deleted


def _move_into(source: Path, target: Path) -> None:
    """Move every entry of `source` into `target`, replacing entries of the same name."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir()):
        dest = target / entry.name
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        elif dest.exists():
            dest.unlink()
        shutil.move(str(entry), str(dest))


def _compact_search_index(path: Path, extra: Iterable[dict[str, Any]] = ()) -> None:
    """Rewrite the search index with Chinese as UTF-8 rather than \\u escapes (half the size).

    `extra` entries (records listed in tables, see _Site.search_entries) are added, their title
    and text segmented as the plugin segments pages. Also write the index as a script
    (search_index.js): opened from file://, Material loads the index that way, since browsers
    refuse to fetch files from file: pages.
    """
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in extra:
            item = dict(entry)
            # Material shows title and text as HTML, as the page text it took them from.
            item["title"] = segment_for_search(str(escape(item["title"])))
            item["text"] = segment_for_search(str(escape(item["text"])))
            data["docs"].append(item)
        for item in data["docs"]:
            for key in ("title", "text"):
                if isinstance(item.get(key), str):
                    for join in _NUMBER_UNIT:
                        item[key] = join.sub("", item[key])
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        path.write_text(text, encoding="utf-8")
        path.with_suffix(".js").write_text(f"var __index = {text};\n", encoding="utf-8")


#: What the site stage writes that a server sends as text, and so may send compressed.
_COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".xml"}


def precompress(site_dir: Path, folders: Iterable[str], cache: Path | None = None) -> int:
    """Write NAME.gz beside every text file of the site (pages, styles, scripts, search index,
    charts): a server that sends precompressed files (nginx `gzip_static on`, Apache
    mod_deflate's precompressed files, Caddy `precompressed gzip`) sends a fifth of the bytes
    without compressing anything itself. Byte-identical from build to build (no time in the
    gzip header). `folders` are the site's own folders: files other stages write (PDF, data)
    are left alone. With `cache`, a file compressed by an earlier build (the same bytes) is
    copied from there: a rebuild compresses only the pages that changed. Returns the number of
    files written."""
    written = 0
    candidates = list(site_dir.glob("*.html"))
    for folder in folders:
        candidates += [p for p in (site_dir / folder).rglob("*") if p.is_file()]
    used: list[Path] = []
    for path in sorted(candidates):
        if path.suffix not in _COMPRESSIBLE or path.stat().st_size < 512:
            continue
        target = path.with_name(path.name + ".gz")
        if cache is None:
            target.write_bytes(_gzip(path.read_bytes()))
        else:
            used.append(_gzip_cached(path, target, cache))
        written += 1
    if cache is not None:
        # both sites of a project share the cache: room for both, and a generation more
        keep_newest(cache.glob("*.gz"), keep=4 * len(used))
    return written


def _gzip_cached(path: Path, target: Path, cache: Path) -> Path:
    """Compress `path` into `target` by way of the cache (by the digest of its bytes); the cache
    entry used."""
    data = path.read_bytes()
    entry = cache / f"{hashlib.blake2b(data, digest_size=20).hexdigest()}.gz"
    try:
        packed = entry.read_bytes()
        if gzip.decompress(packed) != data:  # a damaged entry: compressed again
            raise OSError(f"damaged {entry.name}")
        os.utime(entry)  # recently used: kept by keep_newest
    except (OSError, EOFError, zlib.error):
        packed = _gzip(data)
        with suppress(OSError):  # without the entry the next build only compresses it again
            write_atomic(entry, packed)
    target.write_bytes(packed)
    return entry


#: The compressed bytes of files seen before in this process, by content digest: both sites
#: of a build (and every rebuild of `serve`) carry the same theme scripts and styles.
_GZIPPED: dict[bytes, bytes] = {}
_GZIP_MEMO_MIN = 16 * 1024  # smaller files are cheaper to compress again than to remember
_GZIP_MEMO_BYTES = 8 * 1024 * 1024


def _gzip(data: bytes) -> bytes:
    if len(data) < _GZIP_MEMO_MIN:
        return gzip.compress(data, compresslevel=9, mtime=0)
    digest = hashlib.blake2b(data, digest_size=20).digest()
    packed = _GZIPPED.get(digest)
    if packed is None:
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        if sum(map(len, _GZIPPED.values())) + len(packed) > _GZIP_MEMO_BYTES:
            _GZIPPED.clear()
        _GZIPPED[digest] = packed
    return packed


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def render_site(
    bulletins: list[Bulletin],
    config: Config,
    out_dir: Path,
    *,
    work_dir: Path,
    chart_cache: Path | None = None,
    jobs: int | None = None,
) -> SiteResult:
    """Generate the MkDocs project of one audience into work_dir and build it into out_dir.

    Charts are cached by their inputs in `chart_cache`, by default beside work_dir
    (work_dir/../charts), so that the public and internal sites of one build, whose work dirs
    are siblings, draw each chart once.
    """
    if not bulletins:
        raise BuildError("没有可生成网站的通报（没有任何报告期）。")
    audiences = {b.audience for b in bulletins}
    if len(audiences) != 1:
        raise BuildError("一个网站只能包含同一种受众的通报。")
    result = SiteResult(out=out_dir)
    start = time.perf_counter()
    work_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    site = _Site(bulletins, config, out_dir, work_dir)
    # The charts are drawn by worker processes while the pages are written and built.
    site.plan_charts()
    charts_dir = out_dir / "charts"
    if charts_dir.exists():
        shutil.rmtree(charts_dir)
    cache = chart_cache or work_dir.parent / "charts"
    runner = _ChartRunner(site.chart_jobs, bulletins, charts_dir, cache, jobs)
    runner.start()
    try:
        try:
            site.generate()
        except jinja2.TemplateError as exc:
            raise BuildError(f"网站模板有误：{exc}") from exc
        result.timings["pages"] = time.perf_counter() - start
        start = time.perf_counter()
        built = work_dir / "site"
        words = site.search_words()
        salt = hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()
        with jieba_words(words):
            result.warnings = mkdocs_build(
                work_dir / "mkdocs.yml", work_dir / "pages.json", build_epoch(site.latest), salt
            )
            _compact_search_index(built / "search" / "search_index.json", site.search_entries)
        prune_search_languages(built)
        # Material's 404 page links from the server's root ("/assets/…"): unstyled under a
        # sub-path and from file://. Ours is self-contained and finds the site's folder.
        not_found = site.env.get_template("404.html.j2").render(site_name=site.site_name)
        (built / "404.html").write_text(not_found, encoding="utf-8")
        if not fix_search_worker(built):
            result.warnings.append("未能修正搜索脚本的中文分词（Material 版本不同），搜索仍可用。")
        prune_theme_css(built)
        if site.shows.internal_mark:
            keep_out_of_search_engines(built)
        result.timings["mkdocs"] = time.perf_counter() - start
        start = time.perf_counter()
        runner.finish()
        result.timings["charts_wait"] = time.perf_counter() - start
    except BaseException:
        runner.cancel()
        raise
    for name in ("sitemap.xml", "sitemap.xml.gz"):  # no site_url: a sitemap would be empty
        (built / name).unlink(missing_ok=True)
    result.bytes = _tree_bytes(built) + _tree_bytes(charts_dir)  # uncompressed
    top_folders = sorted(p.name for p in built.iterdir() if p.is_dir())
    _move_into(built, out_dir)
    start = time.perf_counter()
    precompress(out_dir, [*top_folders, "charts"], work_dir.parent / "gzip")
    result.timings["compress"] = time.perf_counter() - start
    result.pages = len(site.pages)
    result.charts = len(site.chart_jobs)
    for message in result.warnings:
        log.warning("MkDocs: %s", message)
    return result
