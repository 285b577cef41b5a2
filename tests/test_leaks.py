"""What is internal never reaches site/public/, and phone numbers are masked everywhere.

One full build of the small project in which every internal-only value (CONTRACT §4: person-
and enterprise-level records, internal write-ups and their images, data problems) carries a
marker of its own. Every file of the public site is searched for every marker: pages, JSON,
search index, charts, PDFs as text, workbooks cell by cell. The markers that the intranet shows
are looked for there too, so the test fails if a marker stops being planted.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from conftest import PlantedBuild, uscc
from openpyxl import load_workbook
from planted import INTERNAL_IMAGE, MARKERS, PHONES, PUBLIC_IMAGE, front

pytestmark = pytest.mark.slow

INTERNAL_ONLY_WORDS = [
    "通报批评",
    "数据质量",
    "销号清单",  # the priority enterprises; their counts (待销号) are public (model.SHOWS)
    "联系电话",
    "未建会原因",
    "问题清单",
    "督查情况",
    "责任人",
    "逾期未建",
    "联合会名单",
]


def texts(path: Path) -> list[str]:
    """What a reader or a program can get out of a file, as text."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True)
        assert out.returncode == 0, path
        text = out.stdout.decode("utf-8")
        return [text, re.sub(r"\s+", "", text)]  # a marker may be broken over lines
    if suffix == ".xlsx":
        book = load_workbook(BytesIO(data))
        cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value]
        return ["\n".join(cells), "\n".join(ws.title for ws in book)]
    if suffix == ".gz":
        data = gzip.decompress(data)
    text = data.decode("utf-8", errors="replace")
    # jieba puts zero-width spaces between words in the search index
    return [text, text.replace("\u200b", "")]


def corpus(folder: Path) -> dict[Path, str]:
    return {p: "\n".join(texts(p)) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def out(planted_build: PlantedBuild) -> Path:
    return planted_build.out


@pytest.fixture(scope="module")
def public(out: Path) -> dict[Path, str]:
    return corpus(out / "public")


@pytest.fixture(scope="module")
def internal(out: Path) -> dict[Path, str]:
    return corpus(out / "internal")


def test_no_internal_marker_reaches_the_public_site(
    public: dict[Path, str], internal: dict[Path, str]
) -> None:
    kinds = {p.suffix for p in public}
    assert {".html", ".json", ".pdf", ".svg", ".js"} <= kinds  # the search index included
    leaks = [(m, str(p)) for p, text in public.items() for m in MARKERS if m in text]
    assert leaks == []
    everything = "\n".join(internal.values())
    shown = [m for m, visible in MARKERS.items() if visible]
    assert [m for m in shown if m not in everything] == []  # the markers are really planted
    # 行业 is a category the public key-areas figures are counted by (CONTRACT 3.7), not a record
    assert any("LKINDUSTRY" in t for p, t in public.items() if "key-areas" in str(p))
    pdfs = "\n".join(text for p, text in internal.items() if p.suffix == ".pdf")
    assert "LKWBODY" in pdfs and "LKENTPRIO" in pdfs  # the internal PDFs carry them too


def test_enterprise_codes_and_internal_images_stay_internal(
    out: Path, public: dict[Path, str], internal: dict[Path, str]
) -> None:
    codes = [uscc("91990102MA0000002"), uscc("91990102MA0000009"), uscc("91990101MA0000001")]
    assert [c for c in codes if any(c in t for t in public.values())] == []
    assert any(codes[0] in t for t in internal.values())
    digests = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (out / "public").rglob("*")
        if p.is_file()
    }
    assert hashlib.sha256(INTERNAL_IMAGE).hexdigest() not in digests
    assert hashlib.sha256(PUBLIC_IMAGE).hexdigest() in digests
    inside = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (out / "internal").rglob("*.png")}
    assert hashlib.sha256(INTERNAL_IMAGE).hexdigest() in inside


def test_public_model_has_only_public_records(out: Path) -> None:
    for period in ("2026-09", "2026-10"):
        pub = json.loads((out / "public" / "data" / period / "bulletin.json").read_text("utf-8"))
        own = json.loads((out / "internal" / "data" / period / "bulletin.json").read_text("utf-8"))
        assert pub["audience"] == "public" and own["audience"] == "internal"
        assert (pub["priority"], pub["volunteers"], pub["townships_lacking_volunteer"]) == (
            [],
            [],
            [],
        )
        assert pub["data_quality"] is None
        assert set(pub["judgments"]) <= {"commend"}
        kinds = {j["kind"] for u in pub["units"] for j in u["judgments"]}
        assert kinds <= {"commend"}
        assert all(w["audience"] == "public" for w in pub["writeups"])
        assert set(pub) == set(own)  # the same shape (CONTRACT §4)
        assert {tuple(u) for u in pub["units"]} == {tuple(u) for u in own["units"]}
    latest = json.loads(
        (out / "internal" / "data" / "2026-10" / "bulletin.json").read_text("utf-8")
    )
    assert latest["priority"] and latest["volunteers"] and latest["data_quality"]
    assert {j["kind"] for u in latest["units"] for j in u["judgments"]} & {"criticize", "veto"}


def test_internal_only_sections_stay_internal(
    out: Path, public: dict[Path, str], internal: dict[Path, str]
) -> None:
    for word in INTERNAL_ONLY_WORDS:
        assert any(word in t for t in internal.values()), word
        # Material's own scripts are left out: they carry the theme's words in every language
        assert [str(p) for p, t in public.items() if word in t and p.suffix != ".js"] == [], word
    names = [p.relative_to(out / "public").as_posix() for p in public]
    assert [n for n in names if "quality" in n or "problems" in n] == []
    # the tables it has are the units' public figures (searched above cell by cell), no other
    tables = [n for n in names if n.endswith((".csv", ".xlsx"))]
    assert sorted(tables) == [
        f"data/{period}/indicators.{ext}"
        for period in ("2026-09", "2026-10")
        for ext in ("csv", "xlsx")
    ]


def test_phone_numbers_are_masked_everywhere(out: Path) -> None:
    everything = corpus(out)
    assert len(everything) > 100
    for written, digits in PHONES.items():
        for path, text in everything.items():
            flat = re.sub(r"[\s\-–—+()（）]", "", text)
            assert digits not in flat, (written, path)
            assert written not in text, (written, path)
    masked = [p for p, t in everything.items() if "139****5678" in t]
    assert any(p.suffix == ".html" for p in masked) and any(p.suffix == ".json" for p in masked)
    assert all("/public/" not in str(p) for p in masked)


def test_townships_lacking_a_volunteer_cannot_be_read_from_the_public_model(out: Path) -> None:
    own = json.loads((out / "internal" / "data" / "2026-10" / "bulletin.json").read_text("utf-8"))
    pub = json.loads((out / "public" / "data" / "2026-10" / "bulletin.json").read_text("utf-8"))
    assert own["townships_lacking_volunteer"] == ["990102"]
    assert {u["code"]: u["volunteer_required"] for u in own["units"]}["990102"] is True
    # required + no active volunteer would name the township: the flag stays internal
    assert all(u["volunteer_required"] is None for u in pub["units"])
    city = {u["level"]: u for u in pub["units"]}["city"]
    assert (city["volunteer_required_townships"], city["volunteer_coverage"]) == (1, 0.0)


def test_an_extra_page_cannot_be_made_internal(tmp_path: Path) -> None:
    from generator.model.content import load_content

    pages = tmp_path / "content" / "pages"
    pages.mkdir(parents=True)
    (pages / "secret.md").write_text(front({"title": "内部", "audience": "internal"}, "x"), "utf-8")
    (pages / "about.md").write_text(front({"title": "关于", "audience": "public"}, "x"), "utf-8")
    content = load_content(tmp_path, set())
    assert [(p.file, p.code, p.column, p.row) for p in content.problems.items] == [
        ("content/pages/secret.md", "E-CONTENT-FIELD", "audience", 3)
    ]
    assert [p.slug for p in content.pages] == ["about"]
