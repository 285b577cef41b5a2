"""A second project from nothing, the way a new user makes one: init, templates, data, build."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import uscc
from openpyxl import Workbook, load_workbook

from generator.cli import cli
from generator.model.content import load_content
from generator.rosters.ledger import read_roster
from generator.rosters.specs import ROSTERS
from generator.rosters.validate import Context

pytestmark = pytest.mark.slow

UNITS = [
    ("880000", "青山市", "市", "", 1),
    ("880100", "东山县", "县", "880000", 2),
    ("880101", "东山镇", "乡镇", "880100", 3),
    ("880102", "西河乡", "乡镇", "880100", 4),
    ("880200", "南湖区", "区", "880000", 5),
    ("880201", "湖滨街道", "街道", "880200", 6),
    ("880202", "南苑街道", "街道", "880200", 7),
]
TARGETS = [(2026, "880100", 4, 200), (2026, "880200", 3, 150)]

# What each county writes into its template, sheet by sheet (values as Excel would hold them).
ENTERPRISES = {
    "880100": [
        [
            uscc("91880101MA0000001"),
            "东山机械有限公司",
            "880101",
            "制造业",
            "私营",
            "工业园区",
            150,
            60,
            5,
            "是",
            date(2019, 4, 1),
            120,
            40,
            "单独建会",
            "是",
            "是",
            None,
            "存续",
        ],
        [
            uscc("91880102MA0000002"),
            "西河食品有限公司",
            "880102",
            "制造业",
            "私营",
            "其他",
            40,
            20,
            0,
            "否",
            None,
            None,
            None,
            None,
            None,
            None,
            "正在筹建",
            "存续",
        ],
        [
            uscc("91880100MA0000003"),
            "东山电力有限公司",
            "880100",
            "电力",
            "国有",
            "开发区",
            300,
            10,
            30,
            "是",
            date(2026, 10, 9),
            280,
            8,
            "单独建会",
            "是",
            "否",
            None,
            "存续",
        ],
    ],
    "880200": [
        [
            uscc("91880201MA0000004"),
            "湖滨商贸有限公司",
            "880201",
            "批发和零售业",
            "私营",
            "商贸楼宇",
            60,
            10,
            0,
            "是",
            date(2026, 3, 15),
            50,
            8,
            "联合建会",
            "否",
            "否",
            None,
            "存续",
        ],
        [
            uscc("91880202MA0000005"),
            "南苑物流有限公司",
            "880202",
            "交通运输业",
            "私营",
            "其他",
            30,
            12,
            2,
            "否",
            None,
            None,
            None,
            None,
            None,
            None,
            "业主不支持",
            "存续",
        ],
    ],
}
VOLUNTEERS = {
    "880100": [["DS001", "王一", "13900000001", "880101", date(2025, 3, 1), None, "考试"]],
    "880200": [["NH001", "赵二", "13900000002", "880202", date(2024, 6, 1), None, "推荐"]],
}
PIONEER_TEAMS = {
    "880100": [
        [
            "装配班",
            "东山机械有限公司",
            "880101",
            "市级",
            "已命名",
            date(2025, 2, 1),
            date(2026, 10, 20),
        ]
    ],
    "880200": [],
}
BOOK_ROOMS = {
    "880100": [],
    "880200": [["湖滨职工书屋", "湖滨商贸有限公司", "880201", "基层", date(2026, 10, 12), 800]],
}
# 劳务派遣工会员人数 (after 农民工会员人数) left empty, as the optional columns after 经营状态
for _rows in ENTERPRISES.values():
    for _row in _rows:
        _row.insert(13, None)
FILLED = {
    "企业建会台账": ENTERPRISES,
    "工会工作志愿者名册": VOLUNTEERS,
    "工人先锋号": PIONEER_TEAMS,
    "职工书屋": BOOK_ROOMS,
}
WRITEUP = """---
title: 东山县开展"工人先锋号"创建活动
date: 2026-10-20
unit: "880100"
category: pioneer-team
---
东山县总工会在东山机械有限公司装配班开展创建活动。
"""


def run(*args: str | Path) -> Result:
    """Run the CLI as a user would and check it never shows a traceback."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    return result


def write_csv(path: Path, rows: list[tuple[Any, ...]]) -> None:
    """Append rows under the header `init` wrote, as staff would in Excel (saved as CSV)."""
    header = path.read_bytes().decode("utf-8-sig").splitlines()[0]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header.split(","))
        writer.writerows(rows)


def fill_template(path: Path, code: str) -> None:
    """Type the county's rows into its template, under the header, keeping the formats."""
    wb = load_workbook(path)
    for title, by_county in FILLED.items():
        ws = wb[title]
        for line, values in enumerate(by_county[code], start=2):
            for column, value in enumerate(values, start=1):
                ws.cell(row=line, column=column, value=value)
    wb.save(path)


def merge_sheets(workbooks: list[Path], title: str, out: Path) -> None:
    """What the city does with the counties' workbooks: one sheet's rows of all, in one file."""
    merged = Workbook()
    target = merged.active
    assert target is not None
    target.title = title
    for index, path in enumerate(workbooks):
        ws = load_workbook(path, read_only=True)[title]
        for number, row in enumerate(ws.iter_rows(values_only=True)):
            if number == 0 and index > 0:
                continue  # one header
            if any(v is not None for v in row):
                target.append(list(row))
    out.parent.mkdir(parents=True, exist_ok=True)
    merged.save(out)


@dataclass
class Flow:
    root: Path
    templates: Path
    workbooks: dict[str, Path] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    """init → roster CSVs → templates → counties fill them → new-period → check → build."""
    base = tmp_path_factory.mktemp("new")
    root = base / "青山市"
    flow = Flow(root, base / "填报模板")
    flow.results["init"] = run(
        "init", root, "--organization", "青山市铁路运输系统总工会", "--doc-prefix", "青铁工发"
    )
    flow.results["empty-build"] = run("build", root)
    flow.results["empty-templates"] = run("templates", root, "--out", flow.templates)
    write_csv(root / "data" / "units.csv", UNITS)
    write_csv(root / "data" / "targets.csv", TARGETS)
    flow.results["templates"] = run("templates", root, "--out", flow.templates)
    for path in sorted(flow.templates.glob("*.xlsx")):
        code = path.name.split("-")[0]
        fill_template(path, code)
        flow.workbooks[code] = path
    flow.results["new-period"] = run("new-period", "2026-10", root)
    books = list(flow.workbooks.values())
    merge_sheets(books, "企业建会台账", root / "data" / "2026-10" / "enterprises.xlsx")
    for name, title in (
        ("volunteers", "工会工作志愿者名册"),
        ("pioneer_teams", "工人先锋号"),
        ("book_rooms", "职工书屋"),
    ):
        (root / "data" / f"{name}.csv").unlink()  # one file per roster: the XLSX replaces it
        merge_sheets(books, title, root / "data" / f"{name}.xlsx")
    (root / "content" / "writeups" / "dongshan.md").write_text(WRITEUP, encoding="utf-8")
    flow.results["check"] = run("check", root)
    flow.results["build"] = run("build", root)  # as a new user types it
    return flow


def test_init_says_what_to_do_next(flow: Flow) -> None:
    result = flow.results["init"]
    assert result.exit_code == 0, result.output
    assert "下一步" in result.output
    assert (flow.root / "bulletin.yml").is_file()
    # it points to where each column of the rosters is explained, and that page exists
    assert "docs/inputs.md" in result.output
    assert (Path(__file__).resolve().parent.parent / "docs" / "inputs.md").is_file()


def test_build_without_data_says_so_in_chinese(flow: Flow) -> None:
    result = flow.results["empty-build"]
    assert result.exit_code != 0
    assert "units.csv" in result.output
    assert "new-period" in result.output


def test_templates_without_units_say_what_is_missing(flow: Flow) -> None:
    result = flow.results["empty-templates"]
    assert result.exit_code == 2
    assert "单位名册" in result.output
    assert "data/units.csv" in result.output


def test_templates_one_workbook_per_county(flow: Flow) -> None:
    result = flow.results["templates"]
    assert result.exit_code == 0, result.output
    assert "2 份" in result.output
    assert sorted(p.name for p in flow.templates.glob("*.xlsx")) == [
        "880100-东山县-填报模板.xlsx",
        "880200-南湖区-填报模板.xlsx",
    ]


def test_templates_have_chinese_sheets_drop_downs_and_text_codes(flow: Flow) -> None:
    wb = load_workbook(flow.templates / "880100-东山县-填报模板.xlsx")
    names = ("enterprises", "volunteer_reviews", "volunteers", "pioneer_teams", "book_rooms")
    for name in (*names, "model_homes"):
        roster = ROSTERS[name]
        ws = wb[roster.title]
        header = [c.value for c in ws[1]]
        assert header == [c.title for c in roster.columns], name
    units = [tuple(r) for r in wb["单位代码"].iter_rows(min_row=2, values_only=True)]
    assert units == [("880100", "东山县"), ("880101", "东山镇"), ("880102", "西河乡")]

    ws = wb["企业建会台账"]
    titles = {c.value: c.column_letter for c in ws[1]}
    uscc_column = titles["统一社会信用代码"]
    assert ws.column_dimensions[uscc_column].number_format == "@"
    assert (
        ws[f"{uscc_column}3000"].number_format == "@"
        or ws.column_dimensions[uscc_column].number_format == "@"
    )
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert validations[titles["是否建会"] + "2"].formula1 == '"是,否"'
    assert "存续" in validations[titles["经营状态"] + "2"].formula1
    assert "单位代码" in validations[titles["所属单位代码"] + "2"].formula1
    assert "单独建会" in validations[titles["组建形式"] + "2"].formula1
    volunteers = wb["工会工作志愿者名册"].data_validations.dataValidation
    assert "='单位代码'!$A$3:$A$4" in [dv.formula1 for dv in volunteers]  # townships only
    levels = {c.value: c.column_letter for c in wb["工人先锋号"][1]}
    pioneer = {
        str(dv.sqref).split(":")[0]: dv for dv in wb["工人先锋号"].data_validations.dataValidation
    }
    assert "已命名" in pioneer[levels["状态"] + "2"].formula1


def test_a_filled_template_reads_without_problems(flow: Flow, tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    folder.mkdir()
    shutil.copy(flow.workbooks["880100"], folder / "enterprises.xlsx")
    frame, problems, ok = read_roster(tmp_path, folder, ROSTERS["enterprises"], Context())
    assert ok
    assert problems == []
    assert frame["uscc"].tolist() == [row[0] for row in ENTERPRISES["880100"]]


def test_new_period_makes_the_folder_and_frame(flow: Flow) -> None:
    result = flow.results["new-period"]
    assert result.exit_code == 0, result.output
    frame = load_content(flow.root).frames["2026-10"]
    assert frame.doc_number is None and frame.signed_on is None  # filled once signed
    assert "发文序号（doc_number）和成文日期（signed_on）留空" in result.output


def test_check_passes(flow: Flow) -> None:
    result = flow.results["check"]
    assert result.exit_code == 0, result.output
    # the ledgers were merged into the period folder by hand: when they came is not recorded
    flat = "".join(result.output.replace("│", " ").split())
    # and the two townships with nothing to score them on yet (no target, no unionised
    # enterprise), which the build lists too: W-SCORE-NULL, two each
    assert "没有错误，共6个警告" in flat and flat.count("收到时间未登记") == 2
    listed = (flow.root / "problems" / "problems.csv").read_text(encoding="utf-8-sig")
    assert listed.count("W-SCORE-NULL") == 4


def test_build_writes_both_sites_and_pdfs(flow: Flow) -> None:
    result = flow.results["build"]
    assert result.exit_code == 0, result.output
    site = flow.root / "site"
    for audience in ("internal", "public"):
        assert (site / audience / "index.html").is_file()
        assert (site / audience / "pdf" / "2026-10" / "bulletin.pdf").stat().st_size > 1000
    for code in ("880100", "880101", "880200", "880202"):
        assert (site / "internal" / "pdf" / "2026-10" / "units" / f"{code}.pdf").is_file()
    assert (site / "dist" / "2026-10" / "manifest.csv").is_file()
    model = json.loads((site / "public" / "data" / "2026-10" / "bulletin.json").read_text("utf-8"))
    units = {u["code"]: u for u in model["units"]}
    assert (units["880000"]["enterprises"], units["880000"]["unionized"]) == (5, 3)
    assert (units["880100"]["enterprises"], units["880100"]["new_unions"]) == (3, 1)
    assert units["880200"]["priority_open"] == 1
    home = (site / "public" / "index.html").read_text(encoding="utf-8")
    assert "青山市" in home
    assert not (flow.root / ".site.new").exists()


def test_next_period_is_prefilled_from_the_last(flow: Flow) -> None:
    root = flow.root
    frame = root / "content" / "bulletins" / "2026-10.md"
    frame.write_text(
        frame.read_text(encoding="utf-8").replace("cc: ''", "cc: 省总工会"), encoding="utf-8"
    )
    result = run("new-period", "2026-11", root)
    assert result.exit_code == 0, result.output
    assert "2026-10" in result.output
    frames = load_content(root).frames
    assert frames["2026-11"].doc_number is None
    assert frames["2026-11"].cc == "省总工会"
    assert "2026年11月" in frames["2026-11"].preface
    again = run("new-period", "2026-11", root)
    assert again.exit_code == 2
    assert "已存在" in again.output

    shutil.copy(root / "data" / "2026-10" / "enterprises.xlsx", root / "data" / "2026-11")
    assert run("check", root).exit_code == 0
    built = run("build", root)
    assert built.exit_code == 0, built.output
    assert (root / "site" / "internal" / "pdf" / "2026-11" / "bulletin.pdf").is_file()
    assert (root / "site" / "public" / "data" / "2026-11" / "bulletin.json").is_file()
