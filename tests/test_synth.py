"""The synthetic project generator: the demo city and the benchmark projects it makes."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


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
    out = synth.generate("tiny", tmp_path / "p")
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
    for period in periods:
        ledgers = list((demo / "data" / period).glob("enterprises.*"))
        assert len(ledgers) == 1, period  # .csv or .xlsx, never both
        kinds.append(ledgers[0].suffix)
        assert (demo / "content/bulletins" / f"{period}.md").is_file()
    assert {".csv", ".xlsx"} <= set(kinds)
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
    last = read_ledger(demo / "data/2026-10/enterprises.xlsx")
    assert 2500 <= len(last) <= 3500
    codes = [r["统一社会信用代码"] for r in last]
    assert len(set(codes)) == len(codes)
    assert all(uscc_ok(c) for c in codes)
    active = [r for r in last if r["经营状态"] == "存续"]
    unionized = [r for r in active if r["是否建会"] == "是"]
    assert 0.7 <= len(unionized) / len(active) <= 0.85
    members = sum(int(r["会员人数"]) for r in unionized)
    staff = sum(int(r["职工人数"]) for r in unionized)
    assert 0.85 <= members / staff <= 0.92
    assert {r["经营状态"] for r in last} >= {"存续", "注销"}


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
    per_file: dict[str, int] = {}
    for problem in result.warnings:
        per_file[problem.file] = per_file.get(problem.file, 0) + 1
    ledgers = sorted(f for f in per_file if "/enterprises." in f)
    assert len(ledgers) == 12  # every period has something for the data-quality page
    assert all(5 <= per_file[f] <= 40 for f in ledgers), per_file
    codes = {p.code for p in result.warnings}
    assert {"W-ENT-MISSING", "W-UNKNOWN-COLUMN"} <= codes


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
