"""The synthetic project generator: the demo city and the benchmark projects it makes."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import re
import shutil
import sys
import zipfile
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CACHE = ".bulletin-cache"


def _load_synth() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


synth = _load_synth()


def uscc_ok(code: str) -> bool:
    """GB 32100-2015, written out independently of the generator."""
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    total = sum(CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return CHARSET[(31 - total % 31) % 31] == code[17]


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_ledger(path: Path) -> list[dict[str, str]]:
    """The data rows of a generated ledger as {header: text} (enough for these tests)."""
    if path.suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        return list(csv.DictReader(io.StringIO(text)))
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = [[("" if v is None else str(v)) for v in r] for r in ws.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if "统一社会信用代码" in r)
    heads = rows[at]
    if at and "企业基本情况" in rows[at - 1]:  # two-row header: vertically merged names are above
        heads = [b or a for a, b in zip(rows[at - 1], rows[at], strict=True)]
    data = [
        r
        for r in rows[at + 1 :]
        if r[0] and r[0] != "合计" and not r[0].startswith(("注", "填表人"))
    ]
    return [dict(zip(heads, r, strict=True)) for r in data]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.generate("tiny", tmp_path_factory.mktemp("tiny"))


def test_check_character_follows_the_standard() -> None:
    assert synth.uscc_check_char("91990102000000000") == synth.uscc_check_char("91990102000000000")
    for code in synth.make_usccs(synth.np.arange(0, 5000), synth.np.zeros((5000, 6), dtype=int)):
        assert uscc_ok(code), code
    assert not synth.is_valid_uscc("91990102ABCDEFGHJ0")
    assert synth.is_valid_uscc("91990102ABCDEFGHJ" + synth.uscc_check_char("91990102ABCDEFGHJ"))


def test_tiny_is_deterministic(tiny: Path, tmp_path: Path) -> None:
    again = synth.generate("tiny", tmp_path / "again")
    first, second = files(tiny), files(again)
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []
    assert any(name.endswith(".xlsx") for name in first)  # XLSX is byte-stable too


def test_tiny_has_every_roster(tiny: Path) -> None:
    names = set(files(tiny))
    for roster in ("units", "targets", "volunteers", "pioneer_teams", "book_rooms", "model_homes"):
        assert f"data/{roster}.csv" in names
    for period in ("2026-08", "2026-09", "2026-10"):
        assert {f"data/{period}/enterprises.csv", f"data/{period}/enterprises.xlsx"} & names
        assert f"content/bulletins/{period}.md" in names
    assert (tiny / "bulletin.yml").is_file()
    assert len([n for n in names if n.startswith("content/writeups/") and n.endswith(".md")]) == 8


def test_tiny_ledgers_are_valid(tiny: Path) -> None:
    for path in sorted((tiny / "data").glob("*/enterprises.*")):
        rows = read_ledger(path)
        codes = [r["统一社会信用代码"] for r in rows]
        assert len(codes) == len(set(codes)), path
        assert all(uscc_ok(c) for c in codes), path
        assert 400 < len(rows) < 600


def test_generate_rejects_unknown_scale(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        synth.generate("galaxy", tmp_path)


def test_rerun_removes_stale_generated_files(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "p"
    shutil.copytree(tiny, out)  # a project the generator made before
    stale = out / "content" / "writeups" / "old.md"
    stale.write_text("x", encoding="utf-8")
    synth.generate("tiny", out)
    assert not stale.exists()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.generate("demo", tmp_path_factory.mktemp("demo"))


def test_committed_demo_is_what_the_generator_makes(demo: Path) -> None:
    """Regenerate with `python benchmarks/synth.py --scale demo --out .` after changing the generator."""
    made = files(demo)
    committed = {"bulletin.yml": (ROOT / "bulletin.yml").read_bytes()}
    for folder in ("data", "content"):
        committed |= {f"{folder}/{name}": data for name, data in files(ROOT / folder).items()}
    missing = sorted(set(made) - set(committed))
    assert missing == []
    assert sorted(n for n in made if made[n] != committed[n]) == []
    # Stale generated files: every committed roster, write-up and frame comes from the generator.
    generated_dirs = ("data/", "content/writeups/", "content/bulletins/")
    stale = sorted(n for n in committed if n.startswith(generated_dirs) and n not in made)
    assert stale == []


def test_demo_units_have_the_contract_shape(demo: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((demo / "data/units.csv").read_text("utf-8-sig"))))
    levels = [r["层级"] for r in rows]
    assert levels.count("市") == 1
    counties = [r for r in rows if r["上级单位代码"] == "990000"]
    townships = [r for r in rows if len(r["单位代码"]) == 9]
    assert 8 <= len(counties) <= 10
    assert 60 <= len(townships) <= 150
    county_codes = {r["单位代码"] for r in counties}
    assert all(r["上级单位代码"] in county_codes for r in townships)
    assert len({r["单位代码"] for r in rows}) == len(rows)


def test_demo_has_twelve_periods_in_mixed_formats(demo: Path) -> None:
    periods = sorted(p.name for p in (demo / "data").iterdir() if p.is_dir())
    assert len(periods) == 12
    assert periods[0] == "2025-11" and periods[-1] == "2026-10" and "2025-12" in periods
    kinds = []
    for period in periods[:-1]:
        ledgers = list((demo / "data" / period).glob("enterprises.*"))
        assert len(ledgers) == 1, period  # .csv or .xlsx, never both
        kinds.append(ledgers[0].suffix)
    for period in periods:
        assert (demo / "content/bulletins" / f"{period}.md").is_file()
    assert {".csv", ".xlsx"} <= set(kinds)
    # The last period comes as the counties sent it (test_demo_last_period_is_as_the_counties_sent_it).
    assert not list((demo / "data" / periods[-1]).glob("enterprises.*"))
    raw = [p.read_bytes() for p in (demo / "data").glob("*/enterprises.csv")]
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw)  # UTF-8 with BOM
    assert any(_not_utf8(b) for b in raw)  # GB18030, as Excel saves on Chinese Windows
    assert any(b.startswith(b"uscc,") for b in raw)  # English canonical headers in one file


def _not_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def test_demo_ledgers_are_plausible(demo: Path) -> None:
    load = pytest.importorskip("generator.rosters.load")
    data = load.load_project(demo)
    last = load.read_snapshot(data, data.periods[-1]).enterprises
    assert 2500 <= len(last) <= 3500
    codes = last["uscc"].astype(str).tolist()
    assert len(set(codes)) == len(codes)
    assert all(uscc_ok(c) for c in codes)
    active = last[last["status"].fillna("存续") == "存续"]
    unionized = active[active["unionized"].astype(bool)]
    assert 0.7 <= len(unionized) / len(active) <= 0.85
    members = unionized["members"].astype(int).sum()
    staff = unionized["employees"].astype(int).sum()
    assert 0.85 <= members / staff <= 0.92
    assert set(last["status"].dropna()) >= {"存续", "注销"}


def test_demo_writeups_cover_every_category(demo: Path) -> None:
    heads = []
    for path in sorted((demo / "content/writeups").glob("*.md")):
        front = path.read_text("utf-8").split("---")[1]
        heads.append(dict(line.split(": ", 1) for line in front.strip().splitlines()))
    assert len(heads) >= 20
    categories = {h["category"] for h in heads}
    assert categories == {
        "pioneer-team",
        "book-room",
        "union-building",
        "volunteer",
        "model-home",
        "other",
    }
    assert sum(h["date"].startswith("2026-10") for h in heads) >= 3
    assert any(h["audience"] == "internal" for h in heads)
    images = [h["images"].strip("[]") for h in heads if "images" in h]
    assert images and all((demo / "content/writeups" / i).is_file() for i in images)


def test_demo_checks_without_errors_and_with_a_few_warnings() -> None:
    load = pytest.importorskip("generator.rosters.load")
    result = load.check_project(ROOT)
    assert [str(p) for p in result.errors] == []
    per_period: dict[str, int] = {}
    for problem in result.warnings:
        period = problem.file.split("/")[1] if problem.file.count("/") == 2 else "city"
        per_period[period] = per_period.get(period, 0) + 1
    assert "city" not in per_period  # units, targets and the other rosters are clean
    assert len(per_period) == 12  # every period has something for the data-quality page
    # A few each month, as a real office sees them: a county fills in a missing 未建会原因 after
    # its problem list, an enterprise left out, a head count above another.
    assert all(1 <= n <= 5 for n in per_period.values()), per_period
    assert sum(per_period.values()) <= 30
    codes = {p.code for p in result.warnings}
    assert {"W-ENT-MISSING", "W-UNKNOWN-COLUMN"} <= codes
    # The county files of the last period cause nothing of their own: only the planted warnings.
    last = {p.code for p in result.warnings if p.file.startswith("data/2026-10/")}
    assert last == {"W-ENT-MISSING", "W-REASON-MISSING", "W-MEMBERS-EXCEED"}


def test_plain_scales_stream_valid_csv_in_chunks(tmp_path: Path) -> None:
    """The big scales' path: plain UTF-8 CSV written chunk by chunk, the same on every run."""
    first = synth.generate("tiny-plain", tmp_path / "a")
    second = synth.generate("tiny-plain", tmp_path / "b")
    assert files(first) == files(second)
    ledger = first / "data/2026-10/enterprises.csv"
    rows = list(csv.DictReader(io.StringIO(ledger.read_text("utf-8"))))
    assert 450 <= len(rows) <= 550  # three chunks of at most 200 enterprises
    codes = [r["统一社会信用代码"] for r in rows]
    assert len(set(codes)) == len(codes) and all(uscc_ok(c) for c in codes)
    assert not list(first.glob("data/*/*.xlsx"))
    load = pytest.importorskip("generator.rosters.load")
    assert [str(p) for p in load.check_project(first).errors] == []


# ---- the demo's last period: one file per county, as the offices sent it ----------------------

LAST = ROOT / "data" / "2026-10"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound document of Excel 97–2003


def _county_files() -> list[Path]:
    return sorted(
        p
        for p in LAST.iterdir()
        if p.is_file() and p.stem != "volunteer_reviews" and not p.name.startswith(".")
    )


def _sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet of a workbook as python-calamine reads it (a CSV: one sheet of text)."""
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if not _not_utf8(raw) else raw.decode("gb18030")
        return {"": list(csv.reader(io.StringIO(text)))}
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _ledger(sheets: dict[str, list[list[Any]]]) -> tuple[str, list[list[Any]], int]:
    """The sheet whose header row names 统一社会信用代码, and that row's index."""
    for name, rows in sheets.items():
        for i, row in enumerate(rows[:10]):
            if "统一社会信用代码" in row:
                return name, rows, i
    raise AssertionError(f"no ledger among {list(sheets)}")


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 18 and uscc_ok(value)


def test_demo_last_period_is_as_the_counties_sent_it() -> None:
    """Read with python-calamine: mixed names and formats, a returned template, renamed sheets,
    title, blank, 小计, 合计 and 填表人 rows, codes typed as numbers, one county per file."""
    files = _county_files()
    units = list(csv.DictReader(io.StringIO((ROOT / "data/units.csv").read_text("utf-8-sig"))))
    counties = {r["单位代码"] for r in units if r["上级单位代码"] == "990000"}
    assert len(files) == len(counties) == 9
    assert all(re.search(r"[\u4e00-\u9fff]", p.name) for p in files)  # named by each office
    assert {p.suffix.lower() for p in files} == {".xlsx", ".xls", ".ods", ".csv"}
    assert any(p.suffix == ".XLSX" for p in files)
    xls = next(p for p in files if p.suffix.lower() == ".xls")
    assert xls.read_bytes().startswith(OLE2)  # a real Excel 97–2003 file, not a renamed .xlsx
    ods = next(p for p in files if p.suffix.lower() == ".ods")
    with zipfile.ZipFile(ods) as z:
        assert z.namelist()[0] == "mimetype"
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"

    seen: dict[str, int] = {}
    found: set[str] = set()
    for path in files:
        sheets = _sheets(path)
        name, rows, at = _ledger(sheets)
        heads = [str(h) for h in rows[at]]
        body = rows[at + 1 :]
        first = [r[0] if r else "" for r in body]
        data = [r for r in body if _is_code(r[0])]
        unit_col = next(j for j, h in enumerate(heads) if h.startswith("所属") and "代码" in h)
        units_here = {
            str(int(r[unit_col])) if isinstance(r[unit_col], float) else r[unit_col] for r in data
        }
        assert {u[:6] for u in units_here} in ({c} for c in counties), path.name  # one county
        seen[next(iter(units_here))[:6]] = len(data)
        if path.suffix.lower() != ".csv":
            if name not in ("", "企业建会台账"):
                found.add("renamed sheet")
            if len(sheets) > 5 and "工会工作志愿者名册" in sheets:
                found.add("returned template")
                others = [s for s in sheets if s not in (name, "单位代码")]
                assert all(len(sheets[s]) == 1 for s in others)  # their headers, nothing filled
            if at > 0 and "台账" in str(rows[0][0]):
                found.add("title row")
            if any(isinstance(r[unit_col], float) for r in data):
                found.add("code typed as a number")
            day_col = heads.index("建会日期")
            if any(isinstance(r[day_col], date) for r in data):
                found.add("typed dates")
        last_data = max(i for i, r in enumerate(body) if _is_code(r[0]))
        if any(all(c in ("", None) for c in r) for r in body[:last_data]):
            found.add("blank rows")
        if any(str(c).endswith("小计") for c in first):
            found.add("小计")
        if any(str(c).startswith("填表人") for c in first):
            found.add("填表人")
        if "合计" in first:
            found.add("合计")
            total = body[first.index("合计")]
            for column in ("职工人数", "会员人数"):
                j = heads.index(column)
                assert total[j] == sum(int(r[j] or 0) for r in data), (path.name, column)
    assert found == {
        "renamed sheet",
        "returned template",
        "title row",
        "code typed as a number",
        "typed dates",
        "blank rows",
        "小计",
        "填表人",
        "合计",
    }
    assert set(seen) == counties and all(n > 100 for n in seen.values())

    # `bulletin intake`'s receipt record: every file, its own sha256, 桐湾县 after the 5th
    from generator.common.record import read_received

    received = read_received(LAST)
    assert set(received) == {p.name for p in files}
    for path in files:
        assert received[path.name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    late = {
        r["county"]: r["received_at"] for r in received.values() if r["received_at"] >= "2026-11-06"
    }
    assert late == {"990124": "2026-11-08 16:20:00"}


def _synth_last_rows() -> list[dict[str, Any]]:
    """The demo's last-period rows as the generator draws them, before any file is written."""
    scale = synth.SCALES["demo"]
    world = synth.make_world(scale)
    first = synth.first_period(scale)
    pop = synth.simulate(world, 0, 0, scale.enterprises)
    synth.plant_problems(pop, first)
    return synth.ledger_records(world, pop, synth.snapshot(pop, synth.LAST_MONTH, first))


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@pytest.mark.slow
def test_demo_county_files_give_what_one_csv_of_the_same_rows_gives(
    demo: Path, demo_build: Path, tmp_path: Path
) -> None:
    """The per-county files of 2026-10 and one plain CSV of the same rows: the same bulletins."""
    build = pytest.importorskip("generator.build")
    split, single = tmp_path / "split", tmp_path / "single"
    shutil.copytree(demo, split)
    shutil.copytree(demo, single)
    # The session's build of the same demo read every period's files: `split` starts from what
    # it kept of them (snapshots, states, bulletins), as a project built before does, instead of
    # reading the twelve periods again (test_incremental shows that what comes from the cache is
    # what a read gives).
    for kept in ("snapshots", "states", "model"):
        shutil.copytree(demo_build.parent / CACHE / kept, split / CACHE / kept)
    # the same rows read from either: receipt times (one CSV has none) are another matter
    (split / "data" / "2026-10" / ".received.csv").unlink()
    folder = single / "data" / "2026-10"
    for path in folder.iterdir():
        if path.stem != "volunteer_reviews":
            path.unlink()
    records = _synth_last_rows()
    columns = [c.name for c in synth.specs.ENTERPRISES.columns]
    with (folder / "enterprises.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([_csv_cell(r.get(c)) for c in columns] for r in records)

    options = build.BuildOptions(site=False, pdf=False)
    a = build.gather(split, options)
    # The periods before 2026-10 are the same files in both: `single` takes what `split` read
    # of them from the cache it wrote, and reads its own 2026-10 (test_incremental shows that
    # what comes from the cache is what a read gives).
    shutil.copytree(split / CACHE, single / CACHE)
    read = build.BuildResult(out=single)
    b = build.gather(single, options, result=read)
    assert read.snapshots_read == 1
    assert a.bulletins.keys() == b.bulletins.keys() == {"internal", "public"}
    names = {p.name for p in _county_files()}
    for audience in a.bulletins:
        got, want = a.bulletins[audience][-1], b.bulletins[audience][-1]
        assert got.period == want.period == "2026-10"
        # Everything is the same but the files 报送情况 names (the intranet's): each county's own.
        split_model, single_model = json.loads(got.to_json()), json.loads(want.to_json())
        for county in split_model["reporting"]["counties"]:
            files = [f["file"] for f in county.pop("files")]
            assert len(files) == (audience == "internal") and set(files) <= names, county
        for county in single_model["reporting"]["counties"]:
            files = [f["file"] for f in county.pop("files")]
            assert files == ["enterprises.csv"] * (audience == "internal"), county
        assert split_model == single_model, audience

    def what(problems: list[Any]) -> list[tuple[str, str, str]]:
        return sorted((p.code, str(p.value), p.county) for p in problems)

    assert what(a.problems["2026-10"]) == what(b.problems["2026-10"])
    files = {p.file for p in a.problems["2026-10"] if p.file.startswith("data/2026-10/")}
    assert files and all("enterprises" not in f for f in files)  # named by the county's file
    # the receipt record removed above: each county file's W-RECEIPT-MISSING is not the rows'
    everything = [
        p for items in a.problems.values() for p in items if p.code != "W-RECEIPT-MISSING"
    ]
    assert not [p for p in everything if p.code == "W-SCORE-NULL"]  # every unit has targets
    assert len({(p.file, p.row, p.code, p.value) for p in everything}) <= 30
