"""The level above (CONTRACT §7): a province built from three cities' issued packages.

Three small city projects (the conftest project, its codes moved and its ledger varied) are
built and issued in tmp_path once for the module; the province is made of copies of their
issued/<period>/ folders. Every additive figure of each city and of the province is compared
with the figure counted directly from the union of the three cities' ledger rows.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import PERIODS, STATIC, Project, rows_of

from generator.cli import cli
from generator.common.config import load_config
from generator.common.errors import DataError
from generator.federation.intake import take_package
from generator.federation.reduce import level_figures, read_level
from generator.federation.words import speak_as
from generator.office.issue import issue_period

pytestmark = pytest.mark.slow

PERIOD = "2026-10"
NOW = datetime(2026, 11, 6, 9, 30, tzinfo=UTC)
PROVINCE_YML = """organization:
  name: 测试省总工会
  doc_prefix: 测省工发
cadence: month
level: province
"""


def _moved(rows: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The rows with every unit code 99xxxx as <prefix>xxxx (the city's own codes)."""
    out = []
    for row in rows:
        row = dict(row)
        for key in ("code", "parent", "unit"):
            if str(row.get(key, "")).startswith("99"):
                row[key] = prefix + str(row[key])[2:]
        out.append(row)
    return out


#: How each city's October ledger differs from the conftest one: (prefix, city name, change).
def _city_a(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return rows  # the conftest ledger as it is


def _female(rows: list[dict[str, Any]], i: int, workers: str, members: str) -> None:
    """Row i gives its female workers and members (女职工入会率); the others leave them blank."""
    for row in rows:
        row.setdefault("female_workers", "")
        row.setdefault("female_members", "")
    rows[i].update(female_workers=workers, female_members=members)


def _city_b(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # 南街物流 closed (注销): not active; 东方机械 now 130 employees, 110 members, 50 of them
    # women, 45 of those members
    rows[2]["status"] = "注销"
    rows[0]["employees"], rows[0]["members"] = "130", "110"
    _female(rows, 0, "50", "45")
    return rows


def _city_c(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # 西城商贸 unionised on 2026-10-20 (a new union; no longer a priority enterprise)
    rows[1].update(
        unionized="是",
        union_date="2026-10-20",
        members="20",
        migrant_members="8",
        workers_congress="否",
        wage_bargaining="是",
        union_form="单独建会",
    )
    _female(rows, 1, "12", "9")
    return rows


CITIES = (("91", "甲市", _city_a), ("92", "乙市", _city_b), ("93", "丙市", _city_c))


def _frame(root: Path) -> None:
    path = root / "content" / "bulletins" / f"{PERIOD}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "---\ndoc_number: 10\nrecipients: 各县市区总工会\nsigned_on: 2026-11-05\n---\n\n"
        "现将情况通报如下。\n\n<!-- closing -->\n\n请抓好落实。\n",
        encoding="utf-8",
    )


def make_city(root: Path, prefix: str, name: str, change: Any) -> list[dict[str, Any]]:
    """A small city project with its own codes; its October ledger rows (as written)."""
    project = Project(root)
    units = _moved(rows_of("units"), prefix)
    units[0]["name"] = name
    project.write("units", units)
    for roster in STATIC:
        if roster != "units":
            project.write(roster, _moved(rows_of(roster), prefix))
    ledger: list[dict[str, Any]] = []
    shutil.rmtree(root / "data" / "2026-09")  # one period: an issue renders its PDFs only
    for period, rosters in PERIODS.items():
        if period != PERIOD:
            continue
        for roster in rosters:
            rows = _moved(rows_of(roster, period), prefix)
            if roster == "enterprises" and period == PERIOD:
                rows = ledger = change(rows)
            project.write(roster, rows, period=period)
    _frame(root)
    return ledger


# ---- the additive figures counted directly from ledger rows (CONTRACT 3.1, 3.3) ---------------


def _int(text: Any) -> int:
    return int(str(text).replace(",", "")) if str(text).strip() else 0


def direct(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The additive counts of a set of ledger rows, counted one row at a time."""
    out = dict.fromkeys(
        (
            "enterprises",
            "unionized",
            "employees",
            "members",
            "unionized_employees",
            "migrant_workers",
            "migrant_members",
            "congress",
            "bargaining",
            "congress_given",
            "bargaining_given",
            "female_workers",
            "female_members",
            "new_unions",
            "ytd_new_unions",
            "priority_open",
        ),
        0,
    )
    for r in rows:
        if r["status"] not in ("", "存续"):
            continue
        out["enterprises"] += 1
        out["employees"] += _int(r["employees"])
        if r["unionized"] != "是":
            out["priority_open"] += _int(r["employees"]) >= 25
            continue
        out["unionized"] += 1
        out["members"] += _int(r["members"])
        out["unionized_employees"] += _int(r["employees"])
        if r["migrant_workers"] and r["migrant_members"]:
            out["migrant_workers"] += _int(r["migrant_workers"])
            out["migrant_members"] += _int(r["migrant_members"])
        if r.get("female_workers") and r.get("female_members"):
            out["female_workers"] += _int(r["female_workers"])
            out["female_members"] += _int(r["female_members"])
        out["congress"] += r["workers_congress"] == "是"
        out["bargaining"] += r["wage_bargaining"] == "是"
        out["congress_given"] += r["workers_congress"] != ""
        out["bargaining_given"] += r["wage_bargaining"] != ""
        out["new_unions"] += r["union_date"].startswith(PERIOD)
        out["ytd_new_unions"] += r["union_date"].startswith("2026")
    return out


@pytest.fixture(autouse=True)
def _speaking_as_a_city_after() -> Iterator[None]:
    """A province's build or check makes what follows speak for it (federation.words): the
    tests after these, in the same process, make cities again."""
    yield
    speak_as("city")


@dataclass
class Federation:
    cities: dict[str, Path]  # city code -> its project
    ledgers: dict[str, list[dict[str, Any]]]  # city code -> its October rows
    base: Path


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Federation:
    base = tmp_path_factory.mktemp("federation")
    cities, ledgers = {}, {}
    for prefix, name, change in CITIES:
        root = base / f"city{prefix}"
        ledgers[f"{prefix}0000"] = make_city(root, prefix, name, change)
        issue_period(root, PERIOD, now=lambda: NOW)
        cities[f"{prefix}0000"] = root
    return Federation(cities, ledgers, base)


def make_province(root: Path, fed: Federation, *, send: bool = True) -> Path:
    """A province project whose members are the three cities, their packages taken in."""
    (root / "data").mkdir(parents=True)
    (root / "bulletin.yml").write_text(PROVINCE_YML, encoding="utf-8")
    rows = [["单位代码", "单位名称", "层级", "上级单位代码"], ["800000", "测试省", "省", ""]]
    rows += [
        [code, name, "市", "800000"] for (_, name, _), code in zip(CITIES, fed.cities, strict=True)
    ]
    with (root / "data" / "units.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    (root / "data" / PERIOD).mkdir()
    if send:
        for city in fed.cities.values():
            take_package(root, PERIOD, city / "issued" / PERIOD, received="2026-11-04 10:00")
    return root


def test_province_figures_are_the_sums_of_the_cities_ledgers(
    federation: Federation, tmp_path: Path
) -> None:
    root = make_province(tmp_path / "province", federation)
    config = load_config(root)
    level = read_level(root, config)
    assert [p for items in level.problems.values() for p in items] == []
    figures = level_figures(level, config)
    frame = figures.indicators.loc[PERIOD]

    union: list[dict[str, Any]] = []
    for code, rows in federation.ledgers.items():
        union += rows
        expected = direct(rows)
        got = {name: int(frame.loc[code, name]) for name in expected}
        assert got == expected, code
        # the city's own issued figure is the same number (what travelled is what it issued)
        model = orjson.loads(
            (federation.cities[code] / "issued" / PERIOD / "model" / "internal.json").read_bytes()
        )
        city = next(u for u in model["units"] if not u["parent"])
        assert {name: city[name] for name in expected} == expected
    province = {name: int(frame.loc["800000", name]) for name in direct(union)}
    assert province == direct(union)

    # Worked out by hand from the three ledgers (conftest ENTERPRISES, CITIES' changes):
    # A: 4 active, 2 unionised, 360 employees, 250 members; B: 南街 closed: 3 active, 2
    # unionised, 120+10 more on 东方 → 130+30+200 = 360 employees, 110+150 = 260 members;
    # C: 西城 unionised: 4 active, 3 unionised, 360 employees, 270 members.
    assert province["enterprises"] == 4 + 3 + 4
    assert province["unionized"] == 2 + 2 + 3
    assert province["employees"] == 360 + 360 + 360
    assert province["members"] == 250 + 260 + 270
    assert province["unionized_employees"] == 320 + 330 + 350
    assert province["new_unions"] == 1 + 1 + 2
    assert province["priority_open"] == 1 + 1 + 0
    # rates from the sums, never averages of the cities' rates
    assert frame.loc["800000", "coverage_rate"] == pytest.approx(7 / 11)
    assert frame.loc["800000", "membership_rate"] == pytest.approx(780 / 1000)
    # 女职工入会率 from the summed counts, never an average of the cities' rates (90 % and 75 %)
    assert (province["female_workers"], province["female_members"]) == (50 + 12, 45 + 9)
    assert frame.loc["800000", "female_membership_rate"] == pytest.approx(54 / 62)
    # targets, volunteers and campaigns travel as counts too: 18 new unions a city
    assert int(frame.loc["800000", "target_new_unions"]) == 3 * 18
    assert int(frame.loc["800000", "volunteers_active"]) == 3
    assert int(frame.loc["800000", "pioneer_teams"]) == 3
    assert int(frame.loc["800000", "books"]) == 3 * 1200
    # the cities ranked among themselves, as counties are: 丙市 has the best coverage
    # (3 of 4), then 乙市 (2 of 3), then 甲市 (2 of 4)
    assert [int(r) for r in frame.loc[["930000", "920000", "910000"], "rank"]] == [1, 2, 3]


# ---- what is refused, and said so naming the file and the member ------------------------------


def _codes(root: Path, period: str = PERIOD) -> list[tuple[str, str, str]]:
    """(code, file, member code) of every problem the province's period has."""
    level = read_level(root, load_config(root))
    return [(p.code, p.file, p.county) for p in level.problems.get(period, [])]


def test_a_tampered_package_is_refused(federation: Federation, tmp_path: Path) -> None:
    root = make_province(tmp_path / "province", federation, send=False)
    sent = tmp_path / "sent"
    shutil.copytree(federation.cities["910000"] / "issued" / PERIOD, sent)
    model = sent / "model" / "internal.json"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace('"enterprises": 4,', '"enterprises": 40,', 1), encoding="utf-8")
    assert model.read_text(encoding="utf-8") != text
    with pytest.raises(DataError) as refused:
        take_package(root, PERIOD, sent, received="2026-11-04 10:00")
    assert "甲市（910000）" in str(refused.value) and "sha256 不符" in str(refused.value)
    assert not any((root / "data" / PERIOD).iterdir())  # nothing saved
    # saved by hand all the same: the build's reading refuses it, and the member is missing
    shutil.copytree(sent, root / "data" / PERIOD / "甲市")
    assert ("E-MEMBER-TAMPERED", f"data/{PERIOD}/甲市", "910000") in _codes(root)
    # as the office sees it: bulletin check names the package and the member, and fails
    checked = CliRunner().invoke(cli, ["check", str(root)])
    assert checked.exit_code == 1, checked.output
    assert "共 3 个错误" in checked.output  # 甲市 tampered, 乙市 and 丙市 missing
    listed = (root / "problems" / "problems.csv").read_text(encoding="utf-8-sig")
    tampered = [line for line in listed.splitlines() if "E-MEMBER-TAMPERED" in line]
    assert len(tampered) == 1 and "甲市（910000）" in tampered[0], listed


def test_packages_of_another_period_unknown_unissued_public_or_twice(
    federation: Federation, tmp_path: Path
) -> None:
    root = make_province(tmp_path / "province", federation, send=False)
    a, b, c = (federation.cities[f"9{i}0000"] / "issued" / PERIOD for i in (1, 2, 3))
    # 甲市 sent as a zip of its issued folder: taken; then again as a folder: sent twice
    archive = tmp_path / "甲市.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in a.rglob("*"):
            z.write(path, f"{PERIOD}/{path.relative_to(a).as_posix()}")
    taken = take_package(root, PERIOD, archive, received="2026-11-03 09:00")
    assert taken.package.code == "910000" and taken.saved.suffix == ".zip"
    with pytest.raises(DataError, match="收到了两份"):
        take_package(root, PERIOD, a, received="2026-11-04 10:00")
    shutil.copytree(a, root / "data" / PERIOD / "甲市again")
    # 乙市's model without its register lines: not issued
    shutil.copytree(b, root / "data" / PERIOD / "乙市")
    (root / "data" / PERIOD / "乙市" / "register-rows.csv").unlink()
    # 丙市's October package saved in September's folder: another period
    (root / "data" / "2026-09").mkdir()
    shutil.copytree(c, root / "data" / "2026-09" / "丙市")
    # 丙市's public model only: not the internal one
    public = root / "data" / PERIOD / "丙市公开"
    shutil.copytree(c, public)
    (public / "model" / "internal.json").unlink()
    found = _codes(root)
    assert ("E-MEMBER-TWICE", f"data/{PERIOD}/甲市again", "910000") in found
    assert ("E-MEMBER-NOT-ISSUED", f"data/{PERIOD}/乙市", "920000") in found
    assert ("E-MEMBER-AUDIENCE", f"data/{PERIOD}/丙市公开", "") in found
    # neither 乙市 nor 丙市 has a usable October package: each is named as missing
    assert ("E-MEMBER-MISSING", f"data/{PERIOD}/", "920000") not in found  # its file is named
    assert ("E-MEMBER-MISSING", f"data/{PERIOD}/", "930000") in found
    assert ("E-MEMBER-PERIOD", "data/2026-09/丙市", "930000") in _codes(root, "2026-09")

    # a city that is not a member of this province
    other = make_province(tmp_path / "other", federation, send=False)
    units = other / "data" / "units.csv"
    units.write_text(
        "\n".join(units.read_text(encoding="utf-8-sig").splitlines()[:-1]) + "\n",
        encoding="utf-8-sig",
    )
    with pytest.raises(DataError, match="不在本级单位名册"):
        take_package(other, PERIOD, c, received="2026-11-04 10:00")


def _next_package(source: Path, dest: Path, corrections: list[dict[str, Any]]) -> Path:
    """A member's November package as `bulletin issue` writes it: its model (October's figures,
    carrying `corrections` of October) and the register line vouching for that model."""
    model = orjson.loads((source / "model" / "internal.json").read_bytes())
    model["period"], model["corrections"] = "2026-11", corrections
    blob = orjson.dumps(model)
    (dest / "model").mkdir(parents=True)
    (dest / "model" / "internal.json").write_bytes(blob)
    with (dest / "register-rows.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["period", "发文字号", "signed_on", "issued_at", "file", "sha256"])
        digest = hashlib.sha256(blob).hexdigest()
        writer.writerow(
            ["2026-11", "测工发〔2026〕11号", "2026-12-04", "", "model/internal.json", digest]
        )
    return dest


def test_the_province_issued_then_a_city_correction_reaches_its_next_bulletin(
    federation: Federation, tmp_path: Path
) -> None:
    from generator.build import BuildOptions, _issued_corrections, gather

    root = make_province(tmp_path / "province", federation)
    _frame(root)
    # The province is built and issued as a city is, one level up: the cities are its units.
    issued = issue_period(root, PERIOD, now=lambda: NOW)
    model = orjson.loads((issued.folder / "model" / "internal.json").read_bytes())
    units = {u["code"]: u for u in model["units"]}
    assert units["800000"]["enterprises"] == 11 and units["800000"]["parent"] is None
    assert {units[c]["parent"] for c in federation.cities} == {"800000"}
    assert sorted(units[c]["rank"] for c in federation.cities) == [1, 2, 3]
    assert (issued.folder / "internal" / "pdf" / PERIOD / "bulletin.pdf").is_file()
    assert issued.doc_code == "测省工发〔2026〕10号"
    # ... and the province's issued package is a member's package of the national federation
    nation = tmp_path / "nation"
    (nation / "data" / PERIOD).mkdir(parents=True)
    (nation / "bulletin.yml").write_text(
        PROVINCE_YML.replace("province", "national").replace("测试省", "全国"), encoding="utf-8"
    )
    (nation / "data" / "units.csv").write_text(
        "单位代码,单位名称,层级,上级单位代码\n100000,全国,全国,\n800000,测试省,省,100000\n",
        encoding="utf-8",
    )
    take_package(nation, PERIOD, issued.folder, received="2026-11-08 10:00")
    national = read_level(nation, load_config(nation))
    assert [p for items in national.problems.values() for p in items] == []
    top = level_figures(national, load_config(nation)).indicators.loc[PERIOD]
    for name in ("enterprises", "unionized", "members", "unionized_employees", "pioneer_teams"):
        assert int(top.loc["100000", name]) == units["800000"][name], name

    (root / "data" / "2026-11").mkdir()
    for code, city in federation.cities.items():
        # 甲市 found a fifth enterprise of October after issuing: its November bulletin says so
        fixed = [
            {
                "period": PERIOD,
                "unit": code,
                "figure": "enterprises",
                "issued": "4",
                "corrected": "5",
            }
        ]
        sent = _next_package(
            city / "issued" / PERIOD, tmp_path / f"sent{code}", fixed if code == "910000" else []
        )
        take_package(root, "2026-11", sent, received="2026-12-03 10:00")
    g = gather(root, BuildOptions(site=False, pdf=False))
    changed = _issued_corrections(root, g)
    assert any(p.code == "W-ISSUED-CHANGED" for p in changed)
    november = next(b for b in g.bulletins["internal"] if b.period == "2026-11")
    fixed_units = {(c.unit, c.figure, c.issued, c.corrected) for c in november.corrections}
    assert ("910000", "enterprises", "4", "5") in fixed_units
    assert ("800000", "enterprises", "11", "12") in fixed_units
    assert any("甲市" in note for note in november.correction_notes)


def test_level_is_city_unless_said_and_a_wrong_level_is_named(tmp_path: Path) -> None:
    from generator.common.errors import ConfigError

    (tmp_path / "bulletin.yml").write_text(
        PROVINCE_YML.replace("level: province\n", ""), encoding="utf-8"
    )
    assert load_config(tmp_path).level == "city"
    (tmp_path / "bulletin.yml").write_text(
        PROVINCE_YML.replace("province", "county"), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as wrong:
        load_config(tmp_path)
    assert "第5行" in str(wrong.value) and "“level”" in str(wrong.value)
    assert "province（省" in str(wrong.value) and "“county”" in str(wrong.value)


def test_a_member_sending_after_the_deadline_is_late(
    federation: Federation, tmp_path: Path
) -> None:
    root = make_province(tmp_path / "province", federation, send=False)
    when = {
        "910000": "2026-11-05 17:00",
        "920000": "2026-11-09 08:30",
        "930000": "2026-11-02 09:00",
    }
    for code, city in federation.cities.items():
        take_package(root, PERIOD, city / "issued" / PERIOD, received=when[code])
    config = load_config(root)
    level = read_level(root, config)
    # report_deadline 5: the 5th of the month after the period, the whole day
    states = {r.code: (r.state, r.days_late) for r in level.reporting[PERIOD]}
    assert states == {"910000": ("on_time", 0), "920000": ("late", 4), "930000": ("on_time", 0)}
    # 报送情况 names what each city sent as the city named it (here its issued/2026-10 folder),
    # never the office's stored path
    assert {r.code: r.files for r in level.reporting[PERIOD]} == {code: [PERIOD] for code in when}
    frame = level_figures(level, config).indicators.loc[PERIOD]
    assert [frame.loc[c, "report_late"] for c in ("910000", "920000", "930000")] == [0, 1, 0]
    assert frame.loc["920000", "report_days_late"] == 4


# ---- a province speaks as a province (issue 27: never 全市, 县市区 or 乡镇) ---------------------

#: What only a city says: its own total, its members, their unions, its townships.
CITY_WORDS = ("全市", "县市区", "县（市、区）", "乡镇", "街道")


def _pdf_text(path: Path) -> str:
    """The PDF's text with line breaks and spaces taken out (a phrase broken across lines)."""
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return "".join(done.stdout.split())


def _page_text(path: Path) -> str:
    return "".join(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).split())


def test_a_province_and_the_nation_speak_as_themselves(
    federation: Federation, tmp_path: Path
) -> None:
    from generator.build import BuildOptions, build, gather
    from generator.render.document.bulletin import bulletin_document
    from generator.render.document.nodes import Assets

    root = make_province(tmp_path / "province", federation)
    _frame(root)
    frame = root / "content" / "bulletins" / f"{PERIOD}.md"  # 主送 left to the level's default
    frame.write_text(
        frame.read_text(encoding="utf-8").replace("recipients: 各县市区总工会\n", ""),
        encoding="utf-8",
    )
    issued = issue_period(root, PERIOD, now=lambda: NOW)
    build(root, BuildOptions(pdf=False))  # the sites
    texts = {
        "internal": _pdf_text(issued.folder / "internal" / "pdf" / PERIOD / "bulletin.pdf"),
        "public": _pdf_text(issued.folder / "public" / "pdf" / PERIOD / "bulletin.pdf"),
        "report": _pdf_text(
            issued.folder
            / "dist"
            / PERIOD
            / "920000-乙市"
            / f"920000-乙市-{PERIOD[:4]}年10月报告.pdf"
        ),
        "home": _page_text(root / "site" / "public" / "index.html"),
    }
    for name, text in texts.items():
        assert "全省" in text, name
        assert [w for w in CITY_WORDS if w in text] == [], name
    internal, public, report, home = texts.values()
    assert "关于2026年10月全省企业工会组建工作情况的通报" in internal
    assert "各市（州）总工会：" in internal and "各市（州）总工会：" in public  # 主送
    assert "截至2026年10月底，全省共有企业11家，已建会7家" in internal
    assert "2026年10月各市（州）排名情况如下" in internal
    assert (
        "各市（州）应于2026年11月5日前报送本期已印发的通报数据。各市（州）均按时报送。" in internal
    )
    assert "附件：1.市（州）排名表" in internal and "乡镇" not in internal  # no township annex
    assert "在全省各市（州）中排名第2位（共3个）" in report  # 乙市: coverage 2 of 3, second
    assert "市（州）·上级：测试省" in _page_text(root / "site" / "public" / "units" / "920000.html")
    assert "2026年10月全省情况" in home and "各市（州）企业建会率" in home
    assert "本期通报数据在2026年11月5日前按时报送" in report  # a city sends no 台账 up
    # 乙市 has one open priority enterprise (priority_open 1 + 1 + 0 above): its count, not an
    # empty list saying 0家 (the enterprises stay with the city)
    assert "尚有未建会重点企业1家" in report
    # ... and its packet carries its report only, not an empty 未建会重点企业清单
    packet = issued.folder / "dist" / PERIOD / "920000-乙市"
    assert [p.name for p in packet.iterdir()] == ["920000-乙市-2026年10月报告.pdf"]
    assert (
        "未建会重点企业1家（本期为首期，销号情况自下期起统计）。逐户清单由乙市总工会掌握" in report
    )
    # the office's commands speak of its members too
    checked = CliRunner().invoke(cli, ["check", str(root)])
    assert checked.exit_code == 0, checked.output
    assert "市（州）" in checked.output and "按市（州）分表，可直接发给各市（州）" in checked.output
    assert [w for w in CITY_WORDS if w in checked.output] == [], checked.output
    started = CliRunner().invoke(cli, ["new-period", "2026-11", str(root)])
    assert started.exit_code == 0, started.output
    assert "各市（州）印发后报来的 issued/2026-11/ 文件夹" in started.output
    assert [w for w in CITY_WORDS if w in started.output] == [], started.output
    frame = (root / "content" / "bulletins" / "2026-11.md").read_text(encoding="utf-8")
    assert [w for w in CITY_WORDS if w in frame] == [], frame

    # the national federation, from the province's issued package: 全国 and its 省（区、市）
    nation = tmp_path / "nation"
    (nation / "data" / PERIOD).mkdir(parents=True)
    (nation / "bulletin.yml").write_text(
        PROVINCE_YML.replace("province", "national").replace("测试省", "全国"), encoding="utf-8"
    )
    (nation / "data" / "units.csv").write_text(
        "单位代码,单位名称,层级,上级单位代码\n100000,全国,全国,\n800000,测试省,省,100000\n",
        encoding="utf-8",
    )
    take_package(nation, PERIOD, issued.folder, received="2026-11-08 10:00")
    g = gather(nation, BuildOptions(site=False, pdf=False))
    bulletin = next(b for b in g.bulletins["internal"] if b.period == PERIOD)
    config = load_config(nation)
    doc = bulletin_document(bulletin, config, Assets(config.content_dir), {}, charts=False)
    said = "".join(orjson.dumps(doc).decode().split())
    assert "全国共有企业11家" in said and "各省（区、市）总工会" in said
    assert "各省（区、市）排名情况如下" in said and "省（区、市）排名表" in said
    assert [w for w in CITY_WORDS if w in said] == []


def _package_giving(source: Path, dest: Path, code: str, figures: dict[str, Any]) -> Path:
    """The city's October package as `bulletin issue` writes it, its own unit giving `figures`
    (a city with a year of history of its own), vouched for by its register line."""
    model = orjson.loads((source / "model" / "internal.json").read_bytes())
    for unit in model["units"]:
        if unit["code"] == code:
            unit.update(figures)
    blob = orjson.dumps(model)
    (dest / "model").mkdir(parents=True)
    (dest / "model" / "internal.json").write_bytes(blob)
    with (dest / "register-rows.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["period", "发文字号", "signed_on", "issued_at", "file", "sha256"])
        digest = hashlib.sha256(blob).hexdigest()
        writer.writerow(
            [PERIOD, "测工发〔2026〕10号", "2026-11-05", "", "model/internal.json", digest]
        )
    return dest


@pytest.mark.parametrize("one_without_history", [False, True])
def test_members_gained_are_the_cities_own_summed_or_null(
    federation: Federation, tmp_path: Path, one_without_history: bool
) -> None:
    """The province holds October only, so it cannot measure members gained since last year's
    end itself; each city can, against its own history. The province says their sum (with its
    completion of the members target), and null, never a smaller sum, when one city cannot."""
    root = make_province(tmp_path / "province", federation, send=False)
    gained = {"910000": 40, "920000": 25, "930000": 35}
    for code, city in federation.cities.items():
        given: dict[str, Any] = {"ytd_new_members": gained[code], "new_members": 5}
        if one_without_history and code == "930000":
            given = {"ytd_new_members": None, "new_members": None}
        sent = _package_giving(city / "issued" / PERIOD, tmp_path / f"sent{code}", code, given)
        take_package(root, PERIOD, sent, received="2026-11-04 10:00")
    config = load_config(root)
    frame = level_figures(read_level(root, config), config).indicators.loc[PERIOD]
    assert frame.loc["910000", "ytd_new_members"] == 40  # each city as it said
    if one_without_history:
        assert pd.isna(frame.loc["800000", "ytd_new_members"])
        assert pd.isna(frame.loc["800000", "members_completion"])
        assert pd.isna(frame.loc["800000", "new_members"])
        return
    assert frame.loc["800000", "ytd_new_members"] == 40 + 25 + 35
    assert frame.loc["800000", "new_members"] == 15
    target = frame.loc["800000", "target_new_members"]
    assert target > 0
    assert frame.loc["800000", "members_completion"] == pytest.approx(100 / target)
