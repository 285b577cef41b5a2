"""The site's charts: drawn in worker processes into out_dir/charts while MkDocs builds the
pages, and their text alternatives."""

from __future__ import annotations

import multiprocessing
import os
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from generator.common import formatting
from generator.common.cache import keep_newest, write_atomic
from generator.common.errors import BuildError
from generator.common.sealed import read_sealed, seal
from generator.federation.words import words
from generator.model.bulletin import (
    Bulletin,
)
from generator.render import charts
from generator.render.pool import ChunkPool

#: Fonts for chart text on the site: the SVG names Noto first, then what readers' systems have.
SITE_FONT_STACK = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', "
    "'Noto Sans CJK JP', 'DejaVu Sans', sans-serif"
)
#: Cached charts unused for this long are deleted.
CHART_CACHE_HOURS = 1


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
_KEYS: list[str] = []  # the jobs' cache keys (charts.chart_key), taken once by the runner


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
    """Draw the given jobs (worker side); reuse cached SVGs keyed by their inputs, each
    kept with the digest of its bytes (a damaged or planted one is drawn again)."""
    drawn = 0
    for i in indices:
        job = _JOBS[i]
        bulletin = _BULLETINS[job.period_index]
        cached = Path(cache) / f"{_KEYS[i]}.svg"
        target = Path(out) / job.name
        kept = read_sealed(cached)  # None: missing, or not the bytes a build kept
        if kept is not None:
            target.write_bytes(kept)
            os.utime(cached)  # in use: pruning keeps it
            continue
        svg = _draw(job, bulletin)
        target.write_text(svg, encoding="utf-8")
        # a concurrent reader never sees half a file
        write_atomic(cached, seal(svg.encode("utf-8")))
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
        """Start drawing in worker processes the charts not in the cache, if any are wanted."""
        self.planned = len(self.jobs)
        charts.code_version()  # read once, before the workers fork
        self.out.mkdir(parents=True, exist_ok=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        global _JOBS, _BULLETINS, _KEYS
        _JOBS, _BULLETINS, _KEYS = self.jobs, self.bulletins, self._keys(self.jobs)
        to_draw = self._to_draw()
        # MkDocs keeps one process busy meanwhile; the charts get the others (at least one).
        workers = max(1, min(self.processes - 1, 8, len(self.jobs)))
        if not self.chosen:  # a worker per CHARTS_PER_WORKER different charts not in the cache
            workers = min(workers, to_draw // CHARTS_PER_WORKER)
        if (
            "fork" not in multiprocessing.get_all_start_methods()
            or to_draw == 0  # every chart in the cache: copied here, no process started
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

    def _keys(self, jobs: list[ChartJob]) -> list[str]:
        return [
            charts.chart_key(j.kind, self.bulletins[j.period_index], code=j.code, narrow=j.narrow)
            for j in jobs
        ]

    def _to_draw(self) -> int:
        """How many different charts are not in the cache."""
        return sum(not (self.cache / f"{key}.svg").is_file() for key in set(_KEYS))

    def finish(self) -> None:
        """Wait for the charts; draw in this process those no worker has started yet."""
        global _JOBS, _BULLETINS, _KEYS
        try:
            _KEYS.extend(self._keys(self.jobs[len(_KEYS) :]))  # asked for after the start
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
            _JOBS, _BULLETINS, _KEYS = [], [], []

    def _prune(self) -> None:
        """Forget cached charts that no build has used for an hour.

        Charts this site did not use may belong to a sibling site sharing the cache, so only
        those not used (drawn or copied) for CHART_CACHE_HOURS go.
        """
        keep_newest(self.cache.glob("*.svg"), keep=0, used_within=CHART_CACHE_HOURS * 3600)

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.cancel()


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
