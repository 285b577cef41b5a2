"""PDF benchmark at city scale: the 161 unit reports plus the bulletin.

Compares, in one run on this machine:
- the PDF stage (render_bulletin_pdf + render_unit_reports, cold cache, all cores) with a bare
  Typst compile of the same documents (the same JSON, one reused Compiler per process, the same
  number of processes): target at most 1.5×;
- WeasyPrint on equivalent HTML of the same content (same tables and text, same fonts, the same
  number of processes) against the PDF stage: target at least 20× slower;
- a rebuild with nothing changed (every report from the cache).

The bulletin comes from the real pipeline when `project_dir` holds a project that builds
(PROJECT/bulletin.yml with data), else from a synthetic model of 1 + 10 + 150 units.
"""

from __future__ import annotations

import html
import json
import os
import random
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.common.config import Config
from generator.model.bulletin import (
    Bulletin,
    CampaignRecord,
    DocumentHeader,
    HistoryPoint,
    Judgment,
    PriorityEntry,
    UnitFigures,
    VolunteerRecord,
    WriteUp,
)

PERIODS = [f"{2025 + (m >= 2)}-{(m + 10) % 12 + 1:02d}" for m in range(12)]  # 2025-11 … 2026-10
REASONS = ["企业负责人不支持", "职工流动性大", "正在筹建", "", "企业经营困难", "职工意愿不强"]


def synthetic_bulletin(counties: int = 10, townships: int = 15, seed: int = 7) -> Bulletin:
    """A complete internal bulletin of 1 + counties + counties × townships units."""
    rng = random.Random(seed)
    units: list[UnitFigures] = []
    priority: list[PriorityEntry] = []
    volunteers: list[VolunteerRecord] = []
    order = 1

    def figures(code: str, name: str, level: str, parent: str | None, size: int) -> UnitFigures:
        nonlocal order
        enterprises = size
        unionized = int(size * rng.uniform(0.55, 0.95))
        employees = enterprises * rng.randint(30, 80)
        members = int(employees * rng.uniform(0.7, 0.95))
        target = max(1, int(size * 0.1))
        ytd = int(target * rng.uniform(0.3, 1.4))
        u = UnitFigures(code=code, name=name, level=level, parent=parent, order=order)
        order += 1
        u.enterprises, u.unionized, u.employees, u.members = (
            enterprises,
            unionized,
            employees,
            members,
        )
        u.coverage_rate = unionized / enterprises
        u.membership_rate = members / employees
        u.new_unions, u.ytd_new_unions, u.target_new_unions = ytd // 10, ytd, target
        u.target_completion = ytd / target
        u.elapsed = 10 / 12
        u.schedule_rate = u.target_completion / u.elapsed
        u.priority_open = rng.randint(3, 30)
        u.priority_closed, u.priority_added = rng.randint(0, 5), rng.randint(0, 3)
        u.coverage_rate_change = rng.uniform(-0.02, 0.03)
        u.pioneer_teams, u.book_rooms, u.books = rng.randint(0, 9), rng.randint(0, 9), 1000
        u.score = round(
            40 * min(1, u.coverage_rate)
            + 30 * min(1, u.membership_rate)
            + 30 * min(1, u.schedule_rate),
            2,
        )
        return u

    city = figures("330000", "示例市", "city", None, 1)
    units.append(city)
    county_names = [
        "青川区",
        "云溪县",
        "白石县",
        "东湖区",
        "南山县",
        "西岭县",
        "北塘区",
        "长乐县",
        "安平县",
        "临江市",
    ]
    township_ranking: dict[str, list[str]] = {}
    for c in range(counties):
        ccode = f"33{c + 1:02d}00"
        cname = county_names[c % len(county_names)] + ("" if c < len(county_names) else str(c))
        county = figures(ccode, cname, "county", city.code, 1)
        units.append(county)
        towns = []
        for t in range(townships):
            tcode = f"{ccode}{t + 1:03d}"
            tname = f"{cname}第{t + 1}{'街道' if t % 3 == 0 else '镇'}"
            town = figures(tcode, tname, "township", ccode, rng.randint(200, 900))
            town.volunteer_required = t % 4 != 3
            town.volunteers_active = 1 if t % 5 else 0
            units.append(town)
            towns.append(town)
            for i in range(town.priority_open):
                priority.append(
                    PriorityEntry(
                        f"91{tcode}{i:07d}"[:18],
                        f"{tname}第{i + 1}号{rng.choice(['机械', '纺织', '物流', '电子', '建材'])}有限公司",
                        tcode,
                        tname,
                        ccode,
                        rng.randint(25, 400),
                        rng.choice(REASONS),
                        "open",
                        added=i < town.priority_added,
                    )
                )
            if town.volunteers_active:
                volunteers.append(
                    VolunteerRecord(
                        f"V{tcode}",
                        f"志愿者{t}",
                        "138****1234",
                        tcode,
                        tname,
                        ccode,
                        "2025-03-01",
                        "考试",
                        4,
                        90.0,
                        "优秀",
                    )
                )
        for unit in (county, *towns):
            unit.enterprises = unit.enterprises or sum(t.enterprises for t in towns)
        ranked = sorted(towns, key=lambda u: -(u.score or 0))
        for rank, town in enumerate(ranked, 1):
            town.rank, town.ranked_among, town.rank_change = rank, len(towns), rng.randint(-3, 3)
        township_ranking[ccode] = [t.code for t in ranked]
    counties_list = [u for u in units if u.level == "county"]
    for u in counties_list:
        towns = [t for t in units if t.parent == u.code]
        u.enterprises = sum(t.enterprises for t in towns)
        u.unionized = sum(t.unionized for t in towns)
        u.coverage_rate = u.unionized / u.enterprises
        u.priority_open = sum(t.priority_open for t in towns)
    ranked_counties = sorted(counties_list, key=lambda u: -(u.score or 0))
    for rank, u in enumerate(ranked_counties, 1):
        u.rank, u.ranked_among, u.rank_change = rank, len(ranked_counties), rng.randint(-2, 2)
    judgments: dict[str, list[str]] = {"commend": [], "criticize": [], "veto": []}
    for u in ranked_counties[:3]:
        u.judgments.append(Judgment("commend", f"序时进度完成率{u.schedule_rate:.1%}"))
        judgments["commend"].append(u.code)
    for u in ranked_counties[-2:]:
        u.judgments.append(Judgment("criticize", f"序时进度完成率仅{u.schedule_rate:.1%}"))
        judgments["criticize"].append(u.code)
    city.enterprises = sum(u.enterprises for u in counties_list)
    city.unionized = sum(u.unionized for u in counties_list)
    city.coverage_rate = city.unionized / city.enterprises
    history = {
        u.code: [
            HistoryPoint(
                p,
                (u.coverage_rate or 0) - 0.005 * (11 - i),
                u.membership_rate,
                u.unionized - (11 - i),
                u.enterprises,
                u.score,
                u.rank,
            )
            for i, p in enumerate(PERIODS)
        ]
        for u in units
    }
    body = "\n\n".join(
        ["为深入推进企业普遍建会，区总工会组织开展集中攻坚行动，**走访企业**一百余家。"] * 4
        + ["- 召开推进会\n- 开展入企宣传\n- 建立工作台账"]
    )
    writeups = [
        WriteUp(
            f"w{i}",
            f"{counties_list[i % counties].name}开展企业建会集中攻坚行动",
            f"2026-10-{10 + i}",
            counties_list[i % counties].code,
            counties_list[i % counties].name,
            counties_list[i % counties].code,
            "union-building",
            "企业建会",
            "public",
            [],
            body,
        )
        for i in range(6)
    ]
    return Bulletin(
        period="2026-10",
        period_label="2026年10月",
        audience="internal",
        organization="示例市总工会",
        document=DocumentHeader(
            organization="示例市总工会",
            doc_prefix="示工发",
            doc_number=45,
            doc_code="示工发〔2026〕45号",
            title="关于2026年10月全市企业工会组建工作情况的通报",
            recipients="各县市区总工会，市直各产业工会",
            cc="市委组织部，省总工会组织部",
            signed_on="2026-11-05",
            signed_on_text="2026年11月5日",
            printed_on="2026-11-06",
            printed_on_text="2026年11月6日",
            printed_by="示例市总工会办公室",
            preface="为推动全市企业普遍建会，现将10月份工作情况通报如下。",
            closing="一、加大工作力度。各县市区要对照目标任务，倒排工期。\n\n二、加强数据报送。",
        ),
        overview=["全市企业建会工作稳步推进。"],
        units=units,
        county_ranking=[u.code for u in ranked_counties],
        township_ranking=township_ranking,
        judgments=judgments,
        history=history,
        campaigns=[
            CampaignRecord(
                "pioneer_teams",
                "数控车间甲班",
                "恒达机械",
                units[2].code,
                units[2].name,
                units[1].code,
                "市级",
                "已命名",
                "2026-10-08",
                True,
            )
        ],
        writeups=writeups,
        priority=priority,
        volunteers=volunteers,
        periods=PERIODS,
    )


def real_bulletin(project_dir: Path | None) -> Bulletin | None:
    """The latest internal bulletin of a project that builds, or None."""
    if project_dir is None or not (project_dir / "bulletin.yml").is_file():
        return None
    try:
        from generator.build import BuildOptions, gather

        gathered = gather(project_dir, BuildOptions(audience="internal", site=False))
        return gathered.bulletins["internal"][-1]
    except Exception as exc:  # the pipeline may be incomplete; fall back to synthetic
        print(
            f"[pdf] real pipeline unavailable ({exc!r}); using a synthetic model", file=sys.stderr
        )
        return None


# ---- the competitors ------------------------------------------------------------------------


def _bare_compile(args: tuple[str, str, str, str]) -> None:
    """Compile one prepared document with this process's plain typst.Compiler."""
    import typst

    stage, template, data, out = args
    global _BARE
    try:
        compiler = _BARE
    except NameError:
        compiler = _BARE = typst.Compiler()
    pdf = compiler.compile(input=f"{stage}/{template}", root=stage, sys_inputs={"data": data})
    Path(out).write_bytes(pdf)  # type: ignore[arg-type]


def _weasy(args: tuple[str, str]) -> None:
    from weasyprint import HTML

    source, out = args
    HTML(string=source).write_pdf(out)


CSS = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm;
  @bottom-right { content: "— " counter(page) " —"; font: 14pt 'Noto Serif CJK SC'; } }
body { font: 16pt/1.81 'Noto Serif CJK SC'; text-align: justify; }
p { text-indent: 2em; margin: 0; }
h1 { font: 22pt 'Noto Serif CJK SC'; font-weight: bold; text-align: center; }
h2 { font: 16pt 'Noto Sans CJK SC'; text-indent: 2em; margin: 0; }
h3 { font: 16pt 'AR PL UKai'; text-indent: 2em; margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 12pt; line-height: 1.3; }
th, td { border: 0.5pt solid black; padding: 3pt; text-align: center; }
th { font-family: 'Noto Sans CJK SC'; }
.mark { color: #e60012; font-size: 42pt; text-align: center; margin-top: 35mm; }
.attachment { page-break-before: always; }
"""


def _inline_html(nodes: list[dict[str, Any]]) -> str:
    out = []
    for n in nodes:
        if "text" in n:
            out.append(html.escape(n["text"]))
        elif n["t"] == "strong":
            out.append(f"<b>{_inline_html(n['c'])}</b>")
        elif "c" in n:
            out.append(_inline_html(n["c"]))
    return "".join(out)


def _cell(c: Any) -> str:
    return html.escape(c) if isinstance(c, str) else _inline_html(c)


def _blocks_html(nodes: list[dict[str, Any]]) -> str:
    out = []
    for n in nodes:
        t = n["t"]
        if t == "par":
            out.append(f"<p>{html.escape(n.get('lead') or '')}{_inline_html(n['c'])}</p>")
        elif t == "heading":
            out.append(f"<h3>{_inline_html(n['c'])}</h3>")
        elif t == "list":
            items = "".join(f"<li>{_blocks_html(i)}</li>" for i in n["items"])
            out.append(f"<ul>{items}</ul>")
        elif t == "table":
            head = "".join(f"<th>{_cell(c)}</th>" for c in n["header"])
            rows = "".join(
                "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in r) + "</tr>" for r in n["rows"]
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif t == "chart":
            out.append(n["svg"][n["svg"].find("<svg") :])
    return "".join(out)


def document_html(doc: dict[str, Any]) -> str:
    """The same content as a Typst document, as plain HTML for WeasyPrint."""
    parts = [f"<html><head><meta charset='utf-8'><style>{CSS}</style></head><body>"]
    if doc["kind"] == "bulletin":
        h = doc["header"]
        parts.append(f"<div class='mark'>{html.escape(h['mark'])}</div>")
        parts.append(f"<p style='text-align:center'>{html.escape(h['doc_code'])}</p>")
        parts.append(f"<h1>{html.escape(h['title'])}</h1><p>{html.escape(h['recipients'])}：</p>")
        parts.append(_blocks_html(doc["preface"]))
    else:
        parts.append(f"<h1>{html.escape(doc['title'])}</h1><p>{html.escape(doc['subtitle'])}</p>")
    for section in doc["sections"]:
        parts.append(f"<h2>{html.escape(section['heading'])}</h2>{_blocks_html(section['blocks'])}")
    for a in doc.get("attachments", []):
        parts.append(f"<div class='attachment'><h1>{html.escape(a['title'])}</h1>")
        parts.append(_blocks_html(a["blocks"]) + "</div>")
    parts.append("</body></html>")
    return "".join(parts)


# ---- the benchmark --------------------------------------------------------------------------


def _timed(fn: Any) -> tuple[float, float]:
    """Wall time and CPU time (this process and the worker processes it waited for)."""
    before, start = os.times(), time.perf_counter()
    fn()
    wall, after = time.perf_counter() - start, os.times()
    cpu = sum(a - b for a, b in zip(after[:4], before[:4], strict=True))
    return wall, cpu


def _best(fn: Any, runs: int) -> tuple[float, float]:
    """The fastest of `runs` runs: other work on a shared machine only ever adds time."""
    results = [_timed(fn) for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results)


def run(project_dir: Path | None = None) -> list[dict[str, Any]]:
    """Measure the PDF stage at city scale against bare Typst and WeasyPrint."""
    from generator.render import pdf
    from generator.render.fonts import resolve_fonts, typst_fonts

    bulletin = real_bulletin(project_dir) or synthetic_bulletin()
    work = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    root = project_dir if project_dir and (project_dir / "bulletin.yml").is_file() else work
    config = Config(root=root)
    jobs = os.cpu_count() or 1
    n_reports = len(pdf.report_units(bulletin))
    try:
        # the PDF stage, cold: model -> JSON -> compile, in parallel
        def stage() -> None:
            pdf.render_bulletin_pdf(bulletin, config, work / "stage" / "bulletin.pdf")
            pdf.render_unit_reports(bulletin, config, work / "stage" / "units", jobs, None)

        cache = work / "cache"
        pdf.render_unit_reports(bulletin, config, work / "warm", jobs, cache)
        t_cached, _ = _timed(
            lambda: pdf.render_unit_reports(bulletin, config, work / "warm2", jobs, cache)
        )

        # the same documents, prepared once, for the engines alone
        fonts = typst_fonts(resolve_fonts(config.root))
        assets = pdf.Assets(config.content_dir)
        docs = [pdf.fill_charts(pdf.bulletin_document(bulletin, config, assets, fonts), bulletin)]
        docs += [
            pdf.report_document(bulletin, u.code, assets, fonts, bulletin.organization)
            for u in pdf.report_units(bulletin)
        ]
        stage_dir = work / "typst-root"
        stage_dir.mkdir()
        for name, content in pdf.template_files(config).items():
            (stage_dir / name).write_bytes(content)
        (work / "bare").mkdir()
        (work / "weasy").mkdir()
        typst_jobs = [
            (
                str(stage_dir),
                pdf.BULLETIN_TEMPLATE if d["kind"] == "bulletin" else pdf.REPORT_TEMPLATE,
                json.dumps(d, ensure_ascii=False),
                str(work / "bare" / f"{i}.pdf"),
            )
            for i, d in enumerate(docs)
        ]
        html_jobs = [
            (document_html(d), str(work / "weasy" / f"{i}.pdf")) for i, d in enumerate(docs)
        ]

        def pool_map(fn: Any, items: list[Any]) -> None:
            import multiprocessing

            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as ex:
                list(ex.map(fn, items, chunksize=max(1, len(items) // (jobs * 4))))

        # Best of three for the quick runs, one run of the slow one (which can only be
        # flattered by that, never the other way round).
        t_stage, c_stage = _best(stage, 3)
        t_bare, c_bare = _best(lambda: pool_map(_bare_compile, typst_jobs), 3)
        t_weasy, c_weasy = _timed(lambda: pool_map(_weasy, html_jobs))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    label = f"{n_reports} reports + bulletin, {jobs} processes"
    print(
        f"[pdf] wall (CPU): stage {t_stage:.2f} s ({c_stage:.2f} s), bare typst {t_bare:.2f} s "
        f"({c_bare:.2f} s), weasyprint {t_weasy:.2f} s ({c_weasy:.2f} s), cached rebuild "
        f"{t_cached:.2f} s ({label})",
        file=sys.stderr,
    )
    return [
        {
            "name": f"pdf: stage / bare Typst compile, wall ({label})",
            "ratio": t_stage / t_bare,
            "target": "≤ 1.5",
        },
        {
            "name": "pdf: stage / bare Typst compile, CPU time",
            "ratio": c_stage / c_bare,
            "target": "≤ 1.5",
        },
        {
            "name": f"pdf: WeasyPrint / stage, wall ({label})",
            "ratio": t_weasy / t_stage,
            "target": "≥ 20",
        },
        {
            "name": "pdf: WeasyPrint / stage, CPU time",
            "ratio": c_weasy / c_stage,
            "target": "≥ 20",
        },
        {
            "name": "pdf: reports rebuilt with nothing changed (s)",
            "value": round(t_cached, 2),
            "target": "< 2 s",
        },
    ]


if __name__ == "__main__":
    for row in run(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(row)
