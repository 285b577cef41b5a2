"""Engines benchmark: the whole build against the sum of its engines' own work, in one run.

The build of a synthetic project (benchmarks/synth.py; the city, 100 000 enterprises a snapshot,
or a smaller scale named by BULLETIN_BENCH_ENGINES_SCALE, e.g. `demo`) from an empty cache is
measured in CPU seconds (its process and every worker it waited for). Then the same work is
done by the engines alone, each in a process of its own that imports nothing of the tool:
- Typst: a plain `typst.Compiler` (system fonts and the project's font folders, scanned once a
  process) compiles every PDF the build compiled: the same templates, the same document JSON,
  standard and timestamp, in as many processes as the machine has cores; each PDF is compared
  byte for byte with the build's;
- MkDocs: `mkdocs build` over the very docs tree and mkdocs.yml the build generated, per site;
- matplotlib: every different chart the build drew (site and PDF), drawn by plain matplotlib
  code (a new Figure each, the same data, size, rc parameters and savefig format) and compared
  byte for byte with the build's;
- the ledgers: every table file under data/ read by pyarrow (CSV) or python-calamine (XLSX,
  XLS, ODS: every sheet, every cell).
Ratio: build CPU / sum of the engines' CPU; target at most 1.3x. The tool's chart code draws the
same charts in about half matplotlib-alone's CPU (it reuses figures and text layouts), so a second
ratio counts the charts at the tool's own chart CPU (the same charts by generator/render/charts.py
in one process, start-up included): the stricter reading of "the engines' own work".
The build is measured on a loaded machine as well as a quiet one: compare ratios of one run.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCALE_ENV = "BULLETIN_BENCH_ENGINES_SCALE"
KEEP_ENV = "BULLETIN_BENCH_KEEP"  # set: the engines' inputs and outputs are left in the work folder
MKDOCS = str(Path(sys.executable).parent / "mkdocs")  # the command, as users of MkDocs run it
TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".xls", ".ods"}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _command(*args: str) -> float:
    """CPU seconds of a command of this file run in a new process (and its waited-for children)."""
    return _process(sys.executable, str(Path(__file__).resolve()), *args)


def _process(*args: str) -> float:
    """CPU seconds of a process (and the children it waited for)."""
    before = _children_cpu()
    done = subprocess.run(
        list(args),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{done.stdout}\n{done.stderr}")
    return _children_cpu() - before


# ---- the project, synthesised and built ---------------------------------------------------


def _project(work: Path, scale: str) -> Path:
    if scale == "city":
        from bench_build import city_project

        return city_project(work)
    from synth import generate

    source = work / f"{scale}-project"
    if not (source / "bulletin.yml").is_file():
        generate(scale, source)
    return source


def _build_main(root: str, report: str) -> None:
    """The build as `bulletin build ROOT` runs it, with each stage's CPU written to `report`."""
    from contextlib import contextmanager

    from generator import build as build_module

    cpu: dict[str, float] = {}
    timed = build_module._timed

    @contextmanager
    def timed_cpu(result: Any, stage: str) -> Any:
        start = _self_and_children()
        try:
            with timed(result, stage):
                yield
        finally:
            cpu[stage] = cpu.get(stage, 0.0) + _self_and_children() - start

    build_module._timed = timed_cpu  # type: ignore[assignment]
    result = build_module.build(Path(root), build_module.BuildOptions())
    Path(report).write_text(
        json.dumps({"cpu": cpu, "pdfs": result.pdfs, "pages": result.pages}), encoding="utf-8"
    )


def _self_and_children() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + _children_cpu()


# ---- what the engines are given: prepared from the built project (not measured) -------------


def _prepare_typst(
    root: Path, gathered: Any, work: Path
) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The build's PDFs as bare Typst jobs: templates staged, every document's JSON written."""
    from generator.federation.words import speak_as
    from generator.render import pdf
    from generator.render.document.wording import Wording
    from generator.render.files import file_name

    config = gathered.config
    font_dirs, fonts = pdf._fonts(config)
    assets = pdf.Assets(config.content_dir)
    stage = work / "typst-stage"
    shutil.rmtree(stage, ignore_errors=True)
    (stage / "assets").mkdir(parents=True)
    for name, content in pdf.template_files(config).items():
        (stage / name).write_bytes(content)
    cache = root / ".bulletin-cache" / "pdf"
    docs: list[dict[str, Any]] = []
    pdf_charts: list[tuple[str, Any]] = []  # (county | trend, bulletin) of every chart a PDF shows

    def add(template: str, doc: Any, timestamp: int, built: Path) -> None:
        data = stage / "data" / f"{len(docs)}.json"
        data.parent.mkdir(exist_ok=True)
        data.write_text(pdf._dumps(doc), encoding="utf-8")
        docs.append(
            {"template": template, "data": str(data), "timestamp": timestamp, "built": str(built)}
        )

    site = root / "site"
    for audience, bulletins in gathered.bulletins.items():
        for b in bulletins:
            doc = pdf.bulletin_document(b, config, assets, fonts)
            for section in doc["sections"]:
                for block in section["blocks"]:
                    if block["t"] == "chart":
                        pdf_charts.append((block["chart"], b))
            doc = pdf.fill_charts(doc, b, cache)
            built = site / audience / "pdf" / b.period / "bulletin.pdf"
            add(pdf.BULLETIN_TEMPLATE, doc, pdf._timestamp(b), built)
        latest = bulletins[-1]
        if latest.shows.unit_reports:
            speak_as(config.level)
            say = Wording(config.root)
            for u in pdf.report_units(latest):
                doc = pdf.report_document(latest, u.code, assets, fonts, latest.organization, say)
                built = (
                    site / audience / "pdf" / latest.period / "units" / f"{file_name(u.code)}.pdf"
                )
                add(pdf.REPORT_TEMPLATE, doc, pdf._timestamp(latest), built)
    pdf._stage_assets(stage, assets)
    return {
        "stage": str(stage),
        "font_dirs": list(font_dirs),
        "standard": config.pdf_standard,
        "processes": os.cpu_count() or 1,
        "out": str(work / "typst-out"),
        "docs": docs,
    }, pdf_charts


def _prepare_charts(root: Path, gathered: Any, pdf_charts: list[tuple[str, Any]]) -> dict[str, Any]:
    """Every different chart the build drew, with its data, and where the build wrote it."""
    from generator.federation.words import words
    from generator.render import charts
    from generator.render.files import file_name
    from generator.render.site_charts import SITE_FONT_STACK

    words_ = words()
    where = {
        id(b): (audience, i)
        for audience, bulletins in gathered.bulletins.items()
        for i, b in enumerate(bulletins)
    }
    found: dict[str, dict[str, Any]] = {}

    def add(kind: str, b: Any, code: str | None, narrow: bool, paths: bool, built: Path) -> None:
        key = charts.chart_key(kind, b, code=code, narrow=narrow, text_as_paths=paths)
        if key in found:
            return
        spec: dict[str, Any] = {
            "kind": kind,
            "narrow": narrow,
            "paths": paths,
            "built": str(built),
            "bulletin": where[id(b)],
            "code": code,
        }
        if kind == "counties":
            counties = [u for u in b.units if u.level == "county"]
            spec |= {
                "names": [u.name for u in counties],
                "rates": [u.coverage_rate for u in counties],
                "average": b.city.coverage_rate,
                "title": f"{b.period_label}{words_.each}企业建会率",
                "own": words_.own,
            }
        elif kind == "trend":
            points = b.history.get(b.city.code, [])[-12:]
            spec |= {
                "periods": [p.period for p in points],
                "rates": [p.coverage_rate for p in points],
                "title": f"{words_.own}企业建会率走势（近12期）",
            }
        else:
            unit = b.unit(code)
            points = b.history.get(code, [])[-12:]
            spec |= {
                "name": unit.name,
                "ranked_among": unit.ranked_among,
                "periods": [p.period for p in points],
                "rates": [p.coverage_rate for p in points],
                "ranks": [p.rank for p in points],
            }
        found[key] = spec

    for audience, bulletins in gathered.bulletins.items():
        out = root / "site" / audience / "charts"
        for b in bulletins:
            for narrow in (False, True):
                end = "-narrow.svg" if narrow else ".svg"
                add("counties", b, None, narrow, False, out / f"{b.period}-counties{end}")
                add("trend", b, None, narrow, False, out / f"{b.period}-trend{end}")
        latest = bulletins[-1]
        for u in latest.units:
            if u.level != "city":
                for narrow in (False, True):
                    end = "-narrow.svg" if narrow else ".svg"
                    add(
                        "unit",
                        latest,
                        u.code,
                        narrow,
                        False,
                        out / f"unit-{file_name(u.code)}{end}",
                    )
    # The PDFs' charts (text as paths), as the bulletin documents ask for them.
    cache = root / ".bulletin-cache" / "pdf"
    for chart, b in pdf_charts:
        kind = {"county": "counties", "trend": "trend"}[chart]
        key = charts.chart_key(kind, b, text_as_paths=True)
        add(kind, b, None, False, True, cache / f"{key}.svg")
    return {
        "fonts": list(charts.FONT_FAMILY),
        "site_font_stack": SITE_FONT_STACK,
        "charts": list(found.values()),
    }


def _prepare_ledgers(root: Path) -> dict[str, Any]:
    """Every table file under data/, with the encoding of each CSV (pyarrow is told it)."""
    files = []
    for path in sorted((root / "data").rglob("*")):
        if not path.is_file() or path.suffix.lower() not in TABLE_SUFFIXES:
            continue
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        entry: dict[str, Any] = {"path": str(path), "csv": path.suffix.lower() == ".csv"}
        if entry["csv"]:
            raw = path.read_bytes()
            try:
                raw.decode("utf-8")
                entry["encoding"] = "utf8"
            except UnicodeDecodeError:
                entry["encoding"] = "gb18030"
        files.append(entry)
    return {"files": files}


# ---- the engines alone (each run in a process of its own, importing nothing of the tool) -----


_COMPILER: Any = None


def _typst_init(font_dirs: list[str]) -> None:
    import typst

    global _COMPILER
    _COMPILER = typst.Compiler(
        font_paths=typst.Fonts(include_system_fonts=True, font_paths=font_dirs)  # type: ignore[arg-type]
    )


def _typst_compile(job: tuple[str, str, str | None, dict[str, Any], str]) -> None:
    stage, out, standard, doc, name = job
    data = Path(doc["data"]).read_text(encoding="utf-8")
    pdf = _COMPILER.compile(
        input=f"{stage}/{doc['template']}",
        root=stage,
        format="pdf",
        sys_inputs={"data": data},
        pdf_standards=[standard] if standard else [],
        timestamp=doc["timestamp"],
    )
    Path(out, name).write_bytes(pdf)


def _typst_main(spec_file: str) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    Path(spec["out"]).mkdir(parents=True, exist_ok=True)
    jobs = [
        (spec["stage"], spec["out"], spec["standard"], doc, f"{i}.pdf")
        for i, doc in enumerate(spec["docs"])
    ]
    processes = spec["processes"]
    if processes <= 1:
        _typst_init(spec["font_dirs"])
        for job in jobs:
            _typst_compile(job)
        return
    with ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_typst_init,
        initargs=(spec["font_dirs"],),
    ) as pool:
        list(pool.map(_typst_compile, jobs, chunksize=max(1, len(jobs) // (processes * 6))))


def _tool_charts_main(spec_file: str, bulletins_file: str, out: str) -> None:
    """The same charts drawn by the tool's chart code (generator/render/charts.py), one process."""
    import pickle

    from generator.render import charts

    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    font = re.compile(r"font-family:[^;\"]*")  # what render.site.site_fonts does to site charts
    stack = f"font-family: {spec['site_font_stack']}"
    bulletins = pickle.loads(Path(bulletins_file).read_bytes())
    draw = {
        "counties": charts.coverage_by_county_svg,
        "trend": charts.coverage_trend_svg,
    }
    for i, c in enumerate(spec["charts"]):
        audience, index = c["bulletin"]
        b = bulletins[audience][index]
        if c["kind"] == "unit":
            svg = charts.unit_trend_svg(b, c["code"], c["paths"], c["narrow"])
        else:
            svg = draw[c["kind"]](b, c["paths"], c["narrow"])
        Path(out, f"{i}.svg").write_text(
            svg if c["paths"] else font.sub(stack, svg), encoding="utf-8"
        )


def _ledgers_main(spec_file: str) -> None:
    import pyarrow.csv as pcsv
    import python_calamine

    rows = 0
    for entry in json.loads(Path(spec_file).read_text(encoding="utf-8"))["files"]:
        if entry["csv"]:
            options = pcsv.ReadOptions(encoding=entry["encoding"])
            rows += pcsv.read_csv(entry["path"], read_options=options).num_rows
        else:
            book = python_calamine.CalamineWorkbook.from_path(entry["path"])
            for name in book.sheet_names:
                rows += len(book.get_sheet_by_name(name).to_python())
    print(rows)


def _charts_main(spec_file: str, out: str) -> None:
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    blue, red, narrow_font = "#2f6fb0", "#c0392b", 9

    def pct(rate: float | None) -> float:
        return 0.0 if rate is None else rate * 100

    def short(period: str) -> str:
        return period[2:] if len(period) > 4 and period[:2].isdigit() else period

    def counties(c: dict[str, Any]) -> tuple[Figure, bool]:
        narrow, avg = c["narrow"], c["average"]
        values = [pct(r) for r in c["rates"]]
        colors = [
            red if avg is not None and r is not None and r < avg else blue for r in c["rates"]
        ]
        labels = ["—" if r is None else f"{pct(r):.1f}" for r in c["rates"]]
        n = len(values)
        if narrow:
            names = [
                nm if len(nm) <= 7 else "\n".join(nm[i : i + 6] for i in range(0, len(nm), 6))
                for nm in c["names"]
            ]
            lines = sum(nm.count("\n") + 1 for nm in names)
            height = 1.35 + 0.22 * lines + 0.12 * n
            fig = Figure(figsize=(3.6, height))
            fig.subplots_adjust(left=0.3, right=0.97, bottom=0.55 / height, top=1 - 0.75 / height)
            ax = fig.add_subplot()
            bars = ax.barh(list(range(n)), values, color=colors, height=0.62)
            for bar, label in zip(bars, labels, strict=True):
                end = (bar.get_width(), bar.get_y() + bar.get_height() / 2)
                ax.annotate(label, end, xytext=(2, 0), textcoords="offset points", ha="left",
                            va="center", fontsize=narrow_font)  # fmt: skip
            ax.set_yticks(list(range(n)))
            ax.set_yticklabels(names, fontsize=narrow_font, linespacing=1.0)
            ax.invert_yaxis()
            ax.tick_params(axis="x", labelsize=narrow_font)
            ax.set_xlim(0, max([*values, pct(avg), 1.0]) * 1.2)
            ax.set_xlabel("建会率（%）", fontsize=narrow_font)
        else:
            fig = Figure(figsize=(max(6.0, min(12.0, 0.55 * n + 2.0)), 3.4))
            ax = fig.add_subplot()
            bars = ax.bar(list(range(n)), values, color=colors, width=0.6)
            for bar, label in zip(bars, labels, strict=True):
                end = (bar.get_x() + bar.get_width() / 2, bar.get_height())
                ax.annotate(label, end, xytext=(0, 2), textcoords="offset points", ha="center",
                            va="bottom", fontsize=9)  # fmt: skip
        if avg is not None:
            line = ax.axvline if narrow else ax.axhline
            note = "（红色：低于平均）" if narrow else ""
            line(pct(avg), color=red, linestyle="--", linewidth=1,
                 label=f"{c['own']}平均 {pct(avg):.1f}%{note}")  # fmt: skip
            if narrow:
                ax.legend(loc="lower left", bbox_to_anchor=(-0.42, 1.0), frameon=False,
                          fontsize=narrow_font, borderaxespad=0.1, handlelength=1.5)  # fmt: skip
            else:
                ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False,
                          fontsize=9, borderaxespad=0.2)  # fmt: skip
        if narrow:
            fig.suptitle(c["title"], fontsize=narrow_font + 1, x=0.02, y=1 - 0.08 / height,
                         ha="left", va="top")  # fmt: skip
            return fig, False
        ax.set_xticks(list(range(n)))
        ax.set_xticklabels(c["names"], rotation=30 if n > 8 else 0, ha="center")
        ax.set_ylabel("建会率（%）")
        top = max([*values, pct(avg), 1.0])
        ax.set_ylim(0, min(100.0, top * 1.15) if top <= 100 else top * 1.15)
        ax.set_title(c["title"], fontsize=11, loc="left")
        return fig, True

    def trend(c: dict[str, Any]) -> tuple[Figure, bool]:
        narrow, n = c["narrow"], len(c["periods"])
        values = [None if r is None else r * 100 for r in c["rates"]]
        if narrow:
            fig = Figure(figsize=(3.6, 2.7))
            fig.subplots_adjust(left=0.16, right=0.95, bottom=0.25, top=0.84)
        else:
            fig = Figure(figsize=(6.4, 3.0))
        ax = fig.add_subplot()
        shown = [(x, v) for x, v in enumerate(values) if v is not None]
        if shown:
            ax.plot([x for x, _ in shown], [v for _, v in shown], color=blue, marker="o",
                    markersize=3.5 if narrow else 4, linewidth=1.5)  # fmt: skip
            written = ((shown[0], shown[-1]) if len(shown) > 1 else shown) if narrow else shown
            for x, v in written:
                ax.annotate(f"{v:.1f}", (x, v), xytext=(0, 5 if narrow else 4),
                            textcoords="offset points", ha="center",
                            fontsize=narrow_font if narrow else 9)  # fmt: skip
            low, high = min(v for _, v in shown), max(v for _, v in shown)
            pad = max(2.0, (high - low) * (0.3 if narrow else 0.25))
            ax.set_ylim(max(0.0, low - pad), min(100.0, high + pad) if high <= 100 else high + pad)
        xs = list(range(n))
        if narrow:
            step = 2 if n > 6 else 1
            ax.set_xticks(xs[::step])
            ax.set_xticklabels([short(p) for p in c["periods"]][::step], fontsize=narrow_font)
            ax.set_xlim(-0.5, max(n - 0.5, 0.5))
            ax.tick_params(axis="y", labelsize=narrow_font)
            ax.set_ylabel("建会率（%）", fontsize=narrow_font)
            ax.set_title(c["title"], fontsize=narrow_font + 1, loc="left")
            return fig, False
        ax.set_xticks(xs)
        ax.set_xticklabels(c["periods"], rotation=30 if n > 6 else 0, fontsize=9)
        ax.set_xlim(-0.5, max(n - 0.5, 0.5))
        ax.set_ylabel("建会率（%）")
        ax.set_title(c["title"], fontsize=11)
        return fig, True

    def unit(c: dict[str, Any]) -> tuple[Figure, bool]:
        narrow, n = c["narrow"], len(c["periods"])
        font = narrow_font if narrow else 9
        fig = Figure(figsize=(3.6, 3.5) if narrow else (6.4, 3.6))
        if narrow:
            fig.subplots_adjust(left=0.17, right=0.95, bottom=0.14, top=0.8, hspace=0.22)
        else:
            fig.subplots_adjust(left=0.1, right=0.97, bottom=0.2, top=0.86, hspace=0.2)
        grid = fig.add_gridspec(2, 1, height_ratios=[2, 1.15])
        ax = fig.add_subplot(grid[0])
        rank_ax = fig.add_subplot(grid[1], sharex=ax)
        xs = list(range(n))
        shown = [(x, r * 100) for x, r in zip(xs, c["rates"], strict=True) if r is not None]
        ax.plot([x for x, _ in shown], [v for _, v in shown], color=blue, marker="o",
                markersize=3.5, linewidth=1.5)  # fmt: skip
        ranks = [(x, r) for x, r in zip(xs, c["ranks"], strict=True) if r is not None]
        rank_ax.plot([x for x, _ in ranks], [r for _, r in ranks], color=red, marker="s",
                     markersize=3.5, linewidth=1.2, linestyle="--")  # fmt: skip
        ax.set_ylabel("建会率（%）", fontsize=font)
        rank_ax.set_ylabel("排名", fontsize=font)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.tick_params(labelsize=font)
        ax.tick_params(axis="x", labelbottom=False)
        rank_ax.tick_params(labelsize=font)
        title = "建会率与排名走势（近12期）"
        among = f"，排名共{c['ranked_among']}个单位" if c["ranked_among"] else ""
        text = f"{c['name']}\n{title}" if narrow else f"{c['name']}{title}{among}"
        fig.text(0.02, 0.985, text, fontsize=font + 1, ha="left", va="top", linespacing=1.3)
        label_x = -0.13 if narrow else -0.075
        ax.yaxis.set_label_coords(label_x, 0.5)
        rank_ax.yaxis.set_label_coords(label_x, 0.5)
        if not ranks:
            rank_ax.text(0.5, 0.5, "未排名", transform=rank_ax.transAxes, ha="center",
                         va="center", fontsize=font, color="#555555")  # fmt: skip
        if shown:
            low, high = min(v for _, v in shown), max(v for _, v in shown)
            pad = max(2.0, (high - low) * 0.25)
            ax.set_ylim(max(0.0, low - pad), min(100.0, high + pad) if high <= 100 else high + pad)
        else:
            ax.set_ylim(0.0, 100.0)
        if ranks:
            worst = max([r for _, r in ranks] + [c["ranked_among"] or 1])
            rank_ax.set_ylim(worst + 0.5, 0.5)
            step = max(1, (worst + 2) // 3)
            ticks = list(range(1, worst + 1, step))
            if worst - ticks[-1] > step / 2:
                ticks.append(worst)
            rank_ax.set_yticks(ticks)
        else:
            rank_ax.set_ylim(1.5, 0.5)
            rank_ax.set_yticks([])
        if narrow and n > 6:
            ticks_x, labels = xs[::2], [short(p) for p in c["periods"]][::2]
        else:
            ticks_x, labels = xs, [short(p) if narrow else p for p in c["periods"]]
        rank_ax.set_xticks(ticks_x)
        slant = not narrow and n > 6
        rank_ax.set_xticklabels(labels, fontsize=font, rotation=30 if slant else 0,
                                ha="right" if slant else "center")  # fmt: skip
        ax.set_xlim(-0.5, max(n - 0.5, 0.5))
        return fig, False

    draw = {"counties": counties, "trend": trend, "unit": unit}
    for i, c in enumerate(spec["charts"]):
        rc = {
            "font.family": "sans-serif",
            "font.sans-serif": spec["fonts"],
            "axes.unicode_minus": False,
            "svg.hashsalt": "bulletin",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.fonttype": "path" if c["paths"] else "none",
        }
        with matplotlib.rc_context(rc):
            fig, tight = draw[c["kind"]](c)
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None},
                        bbox_inches="tight" if tight else None)  # fmt: skip
        Path(out, f"{i}.svg").write_text(buffer.getvalue(), encoding="utf-8")


# ---- the benchmark ----------------------------------------------------------------------------


def _built_bytes(path: Path) -> bytes:
    """What the build made at `path`: a chart kept in the cache carries a digest line first
    (common/sealed.py), a published file is as it is."""
    from generator.common.sealed import unseal

    kept = path.read_bytes()
    return unseal(kept) or kept


def _same_files(pairs: list[tuple[Path, Path]], fix: Any = None) -> int:
    """How many of the (engine's, build's) file pairs hold the same bytes."""
    same = 0
    for ours, built in pairs:
        if not built.is_file():
            continue
        if fix is None:
            same += ours.read_bytes() == _built_bytes(built)
        else:
            same += fix(ours.read_text(encoding="utf-8")) == _built_bytes(built).decode("utf-8")
    return same


def run(work: Path) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    scale = os.environ.get(SCALE_ENV, "city")
    source = _project(work, scale)
    root = work / f"engines-{scale}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(source, root)
    bare = work / f"engines-{scale}-bare"
    shutil.rmtree(bare, ignore_errors=True)
    bare.mkdir()

    load = os.getloadavg()
    report = bare / "build.json"
    start = time.perf_counter()
    build_cpu = _command("build", str(root), str(report))
    build_wall = time.perf_counter() - start
    built = json.loads(report.read_text(encoding="utf-8"))

    # What each engine is given, prepared from the built project (not measured).
    from generator.build import BuildOptions, gather

    gathered = gather(root, BuildOptions())
    typst_spec, pdf_charts = _prepare_typst(root, gathered, bare)
    chart_spec = _prepare_charts(root, gathered, pdf_charts)
    ledger_spec = _prepare_ledgers(root)
    for name, spec in (("typst", typst_spec), ("charts", chart_spec), ("ledgers", ledger_spec)):
        (bare / f"{name}.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    (bare / "charts").mkdir()

    engines: dict[str, float] = {}
    engines["typst"] = _command("typst", str(bare / "typst.json"))
    engines["mkdocs"] = 0.0
    for audience in gathered.bulletins:
        site = root / ".bulletin-cache" / "mkdocs" / audience
        config_file, out = str(site / "mkdocs.yml"), str(bare / audience)
        engines["mkdocs"] += _process(MKDOCS, "build", "-q", "-f", config_file, "-d", out)
    engines["matplotlib"] = _command("charts", str(bare / "charts.json"), str(bare / "charts"))
    engines["ledgers"] = _command("ledgers", str(bare / "ledgers.json"))
    total = sum(engines.values())
    # The same charts by the tool's chart code: the stage's own share beside matplotlib's.
    (bare / "bulletins.pickle").write_bytes(pickle.dumps(gathered.bulletins))
    (bare / "tool-charts").mkdir()
    tool_charts = _command(
        "tool-charts",
        str(bare / "charts.json"),
        str(bare / "bulletins.pickle"),
        str(bare / "tool-charts"),
    )
    same_tool = sum(
        (bare / "tool-charts" / f"{i}.svg").read_bytes() == _built_bytes(Path(c["built"]))
        for i, c in enumerate(chart_spec["charts"])
        if Path(c["built"]).is_file()
    )

    # The same work: the engines' outputs compared with the build's.
    docs = typst_spec["docs"]
    same_pdfs = _same_files(
        [(Path(typst_spec["out"], f"{i}.pdf"), Path(d["built"])) for i, d in enumerate(docs)]
    )
    stack = chart_spec["site_font_stack"]
    font = re.compile(r"font-family:[^;\"]*")
    charts_ = chart_spec["charts"]
    same_site = _same_files(
        [
            (bare / "charts" / f"{i}.svg", Path(c["built"]))
            for i, c in enumerate(charts_)
            if not c["paths"]
        ],
        lambda svg: font.sub(f"font-family: {stack}", svg),
    )
    same_pdf_charts = _same_files(
        [
            (bare / "charts" / f"{i}.svg", Path(c["built"]))
            for i, c in enumerate(charts_)
            if c["paths"]
        ]
    )
    site_charts = sum(not c["paths"] for c in charts_)
    stages = built["cpu"]
    print(
        f"[engines] {scale}: load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; build {build_cpu:.1f} "
        f"CPU-s ({build_wall:.0f} s wall; stages "
        + ", ".join(f"{k} {v:.1f}" for k, v in stages.items())
        + f", start-up and the rest {build_cpu - sum(stages.values()):.1f}); engines "
        + ", ".join(f"{k} {v:.1f}" for k, v in engines.items())
        + f" = {total:.1f} CPU-s; the tool's chart code {tool_charts:.1f} CPU-s; same bytes: PDFs {same_pdfs}/{len(docs)}, site charts "
        f"{same_site}/{site_charts}, PDF charts {same_pdf_charts}/{len(charts_) - site_charts}",
        file=sys.stderr,
    )
    if not os.environ.get(KEEP_ENV):
        shutil.rmtree(bare, ignore_errors=True)
    label = f"{scale}: {built['pdfs']} PDFs, {built['pages']} pages, {len(charts_)} charts"
    rows: list[dict[str, Any]] = [
        {
            "name": f"engines: whole build / sum of the engines' own work, CPU ({label})",
            "ratio": build_cpu / total,
            "target": "≤ 1.3×",
        },
        {"name": "engines: whole build, CPU (s)", "value": f"{build_cpu:.1f}"},
    ]
    rows += [
        {"name": f"engines: build stage {stage}, CPU (s)", "value": f"{cpu:.1f}"}
        for stage, cpu in stages.items()
    ]
    rows += [
        {"name": f"engines: bare {engine}, CPU (s)", "value": f"{cpu:.1f}"}
        for engine, cpu in engines.items()
    ]
    strict = total - engines["matplotlib"] + min(tool_charts, engines["matplotlib"])
    rows.append(
        {
            "name": "engines: the same, the charts counted at the tool's own chart CPU if less",
            "ratio": build_cpu / strict,
            "target": "≤ 1.3×",
        }
    )
    rows.append(
        {
            "name": "engines: the tool's chart code / matplotlib alone, same charts, CPU",
            "ratio": tool_charts / engines["matplotlib"],
            "target": f"({tool_charts:.1f} s; {same_tool} of {len(charts_)} the build's bytes)",
        }
    )
    rows.append(
        {
            "name": "engines: the engines' outputs the same bytes as the build's",
            "value": f"{same_pdfs + same_site + same_pdf_charts} of {len(docs) + len(charts_)}",
            "target": "all",
        }
    )
    return rows


COMMANDS = {
    "build": _build_main,
    "typst": _typst_main,
    "charts": _charts_main,
    "tool-charts": _tool_charts_main,
    "ledgers": _ledgers_main,
}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    else:
        import tempfile

        sys.path.insert(0, str(HERE))
        for row in run(Path(tempfile.mkdtemp(prefix="bulletin-bench-"))):
            print(row)
