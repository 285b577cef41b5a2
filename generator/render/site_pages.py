"""The pages of a site: what they share is collected once, then every page is written into
work_dir/docs with the project's mkdocs.yml beside it."""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from markupsafe import Markup

from generator.common import formatting
from generator.common.config import Config
from generator.common.errors import BuildError
from generator.common.periods import Period
from generator.common.safe_yaml import Document, YamlError
from generator.federation.words import LevelWords, level_words, speak_as, words
from generator.figures.key_areas import AREA_TYPES
from generator.model.bulletin import (
    CATEGORY_LABELS,
    Bulletin,
    CampaignRecord,
    UnitFigures,
    WriteUp,
)
from generator.office.templates import template_dirs
from generator.render import guide
from generator.render.dist import unit_folder
from generator.render.files import file_name, issued_on
from generator.render.safe_html import safe_html
from generator.render.site_charts import ChartFiles, ChartJob, counties_summary, trend_summary
from generator.render.site_env import SEARCH_BOOST, _environment, counted_campaign
from generator.render.site_reuse import PageReuse
from generator.rosters.specs import CAMPAIGNS

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}  # no SVG: it can carry script
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
#: The months as offices write them in words (十月份).
_MONTH_WORDS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")


class _Site:
    """Collects what the pages share, then writes them into docs/."""

    def __init__(
        self,
        bulletins: list[Bulletin],
        config: Config,
        out_dir: Path,
        work_dir: Path,
        reuse: bool = True,
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
        # pages kept by the last builds, by what their templates read (site_reuse)
        self.reuse = PageReuse(
            work_dir / "pages-md",
            bulletins,
            config,
            template_dirs(config.root, "site"),
            enabled=reuse,
        )
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
        text = self.reuse.page(
            path,
            template,
            context,
            lambda: self.env.get_template(template).render(
                root=root,
                site=self,
                latest=self.latest,
                shows=self.shows,
                page_path=path,
                **context,
            ),
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
        self.reuse.close()

    def _units(self, latest_index: int) -> None:
        counties = [u for u in self.latest.units if u.level == "county"]
        self.write(
            "units/index.md",
            "units.md.j2",
            counties=counties,
            children=self.children,
        )
        # each record under its unit and its county, looked up per page (not a pass per unit)
        priority = _by_unit(p for p in self.latest.priority or () if p.state == "open")
        volunteers = _by_unit(self.latest.volunteers or ())
        inspections = _by_unit(self.latest.inspections or ())
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
                priority=priority.get(u.code, []),
                volunteers=volunteers.get(u.code, []),
                key_rows=self.latest.key_areas.get(u.code, []),
                inspections=inspections.get(u.code, []),
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
        # the guide is made from the program's registries and templates and the project's
        # level alone: kept from one build to the next as one text, its pages in JSON
        made = self.reuse.page(
            "guide/",
            "guide",
            {"level": self.config.level},
            lambda: json.dumps(
                [
                    [page.name, page.title, markdown]
                    for page, markdown in guide_pages(self.config.root, self.config.level)
                ],
                ensure_ascii=False,
            ),
        )
        for name, title, markdown in json.loads(made):
            path = f"guide/{name}.md"
            target = self.docs / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markdown, encoding="utf-8")
            self.pages.append(path)
            pages.append((title if name != "index" else "概览", path))
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


def guide_pages(root: Path | None, level: str) -> list[tuple[guide.GuidePage, str]]:
    """The guide's pages as a site of `level` shows them: each page and its Markdown."""
    said = level_words(level)
    return [
        (page, guide.site_markdown(in_level_words(page.text, said)))
        for page in guide.render_guide(root, level)
    ]


#: Code in a guide page (fenced blocks, then spans): commands, file names and the values of
#: files, which are the same at every level.
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)


def in_level_words(text: str, said: LevelWords) -> str:
    """A guide page (written as a city speaks: 全市, 各县市区) in the words of `said`'s level.

    The guide is one text for every level; a province's site says 全省 and 市（州）. Only the
    prose changes: code (commands, paths, values written in files) stays as it is.
    """
    city = level_words("city")
    if said == city:
        return text
    pairs = [
        (city.member_unions, said.member_unions),
        (city.each, said.each),
        (city.members, said.members),
        (city.own, said.own),
    ]
    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):  # the even parts are prose, the odd ones code
        for old, new in pairs:
            parts[i] = parts[i].replace(old, new)
    return "".join(parts)


def _relative_to_writeups(image: str) -> str:
    """Model image paths are relative to content/; the resolver's base is content/writeups."""
    return "../" + image


def _by_unit(items: Iterable[Any]) -> dict[str, list[Any]]:
    """Records by unit code, each under its unit and its county (once where they are one), in
    their order: for a code, the records whose unit or county it is."""
    found: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        found[item.unit].append(item)
        if item.county != item.unit:
            found[item.county].append(item)
    return found


def _count_by(items: Iterable[Any], key: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[key(item)] += 1
    return dict(counts)
