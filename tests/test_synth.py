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
