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

import hashlib
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from generator.common.config import Config
from generator.common.errors import BuildError
from generator.model.bulletin import (
    Bulletin,
)
from generator.render.site_charts import _ChartRunner
from generator.render.site_finish import (
    _compact_search_index,
    _move_into,
    _tree_bytes,
    fix_search_worker,
    keep_out_of_search_engines,
    precompress,
    prune_search_languages,
    prune_theme_css,
)
from generator.render.site_mkdocs import build_epoch, jieba_words, mkdocs_build
from generator.render.site_pages import _Site

log = logging.getLogger(__name__)


@dataclass
class SiteResult:
    """What render_site produced."""

    out: Path
    pages: int = 0
    bytes: int = 0
    charts: int = 0
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def render_site(
    bulletins: list[Bulletin],
    config: Config,
    out_dir: Path,
    *,
    work_dir: Path,
    chart_cache: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
) -> SiteResult:
    """Generate the MkDocs project of one audience into work_dir and build it into out_dir.

    Charts are cached by their inputs in `chart_cache`, by default beside work_dir
    (work_dir/../charts), so that the public and internal sites of one build, whose work dirs
    are siblings, draw each chart once. Pages are kept in work_dir from one build to the next
    (site_reuse); `force` writes every page again, and cuts and segments without the last
    build's answers.
    """
    if not bulletins:
        raise BuildError("没有可生成网站的通报（没有任何报告期）。")
    audiences = {b.audience for b in bulletins}
    if len(audiences) != 1:
        raise BuildError("一个网站只能包含同一种受众的通报。")
    result = SiteResult(out=out_dir)

    def kept(name: str) -> Path | None:
        """Where a finishing step keeps its last answers: nowhere for a forced build."""
        return None if force else work_dir / name

    start = time.perf_counter()
    work_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    site = _Site(bulletins, config, out_dir, work_dir, reuse=not force)
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
            _compact_search_index(
                built / "search" / "search_index.json",
                site.search_entries,
                kept("search-words.json"),
                salt,
            )
        prune_search_languages(built)
        # Material's 404 page links from the server's root ("/assets/…"): unstyled under a
        # sub-path and from file://. Ours is self-contained and finds the site's folder.
        not_found = site.env.get_template("404.html.j2").render(site_name=site.site_name)
        (built / "404.html").write_text(not_found, encoding="utf-8")
        if not fix_search_worker(built):
            result.warnings.append("未能修正搜索脚本的中文分词（Material 版本不同），搜索仍可用。")
        prune_theme_css(built, kept("css.json"))
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
