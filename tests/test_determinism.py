"""Builds are deterministic: the same inputs give byte-identical output, wherever and whenever.

One small project, with every kind of output (both sites, charts, write-up images, an extra page,
bulletin and unit PDFs, CSV/XLSX, bulletin.json, dist/), is built twice from scratch:

- in this process, with several workers, every folder listed in reverse order of name;
- as `bulletin build` in another process with one worker, every folder listed in order of name,
  from a copy at another path whose files carry other times, under another clock (libfaketime,
  years ahead), time zone, locale, hash seed, SOURCE_DATE_EPOCH, matplotlibrc and temporary
  folder, matplotlib's font list and jieba's dictionary cache made anew.

Every output file must have the same bytes, and no output may name the project's folder. The
first project, moved to a third folder with its caches and built again from them, must give the
same bytes too.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Project

from generator.build import BuildOptions, BuildResult, build

pytestmark = pytest.mark.slow

#: The second build's clock runs this far ahead (libfaketime): another day, month and year.
CLOCK_SHIFT = "+3000d"

#: A matplotlibrc of another user's for the second build.
MATPLOTLIBRC = """lines.linewidth: 4
axes.grid: True
axes.edgecolor: green
font.size: 14
figure.dpi: 150
figure.autolayout: True
svg.hashsalt: other
svg.fonttype: none
"""

FRAME = """---
doc_number: 45
recipients: 各县市区总工会
cc: 省总工会组织部
signed_on: 2026-11-05
printed_on: 2026-11-06
---

现将2026年10月全市企业工会组建工作情况通报如下。

<!-- closing -->

一、各县市区总工会要对照目标查找差距。
"""

WRITEUPS = {
    "2026-10-12-pioneer.md": (
        '---\ntitle: 甲县开展工人先锋号创建\ndate: 2026-10-12\nunit: "990101"\n'
        "category: pioneer-team\nimages: [img/photo.png]\n---\n"
        "东镇开展创建活动。\n\n![合影](img/photo.png)\n"
    ),
    "2026-10-20-books.md": (
        '---\ntitle: 南街道职工书屋开放\ndate: 2026-10-20\nunit: "990201"\n'
        "category: book-room\n---\n书屋向职工开放，藏书一千二百册。\n"
    ),
    "2026-09-15-volunteers.md": (
        '---\ntitle: 志愿者入企走访\ndate: 2026-09-15\nunit: "990100"\n'
        "category: volunteer\n---\n志愿者走访企业。\n"
    ),
    "2026-10-25-inside.md": (
        '---\ntitle: 督导情况\ndate: 2026-10-25\nunit: "990100"\n'
        "category: other\naudience: internal\n---\n督导发现台账问题。\n"
    ),
}


def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid RGB PNG (Typst checks what the site does not)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_project(root: Path) -> Project:
    """The small project of conftest, with a bulletin frame, write-ups, images and a page."""
    project = Project(root)
    content = root / "content"
    (content / "bulletins").mkdir(parents=True)
    (content / "bulletins" / "2026-10.md").write_text(FRAME, encoding="utf-8")
    (content / "writeups" / "img").mkdir(parents=True)
    (content / "writeups" / "img" / "photo.png").write_bytes(png())
    for name, text in WRITEUPS.items():
        (content / "writeups" / name).write_text(text, encoding="utf-8")
    (content / "pages").mkdir()
    (content / "pages" / "about.md").write_text(
        "---\ntitle: 关于本站\n---\n本站发布企业建会通报。\n\n![标志](../writeups/img/photo.png)\n",
        encoding="utf-8",
    )
    (content / "pages" / "contact.md").write_text(
        "# 联系我们\n\n组织部：0538-0000000\n", encoding="utf-8"
    )
    return project


def copy_project(source: Path, target: Path, mtime: float) -> None:
    """Copy a project, giving every file and folder another modification time."""
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        os.utime(path, (mtime, mtime))


def listing(root: Path) -> list[tuple[str, str]]:
    """(relative path, sha256) of every file under root, sorted."""
    return sorted(
        (p.relative_to(root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in root.rglob("*")
        if p.is_file()
    )


def explain(first: Path, second: Path) -> str:
    """Which files differ between two output trees, with the first lines that differ."""
    a, b = dict(listing(first)), dict(listing(second))
    lines = [f"only in {first}: {name}" for name in sorted(a.keys() - b.keys())]
    lines += [f"only in {second}: {name}" for name in sorted(b.keys() - a.keys())]
    changed = sorted(name for name in a.keys() & b.keys() if a[name] != b[name])
    lines.append(f"{len(changed)} of {len(a)} files differ:")
    for name in changed:
        lines.append(f"  {name}")
        left, right = (first / name).read_bytes(), (second / name).read_bytes()
        if left.startswith(b"PK\x03\x04"):
            lines += [f"    {line}" for line in _zip_differences(left, right)]
        elif b"\0" in left[:8192] or left.startswith(b"%PDF"):
            at = next(
                (i for i, (x, y) in enumerate(zip(left, right, strict=False)) if x != y), None
            )
            at = min(len(left), len(right)) if at is None else at
            lines.append(f"    first difference at byte {at}:")
            lines += [f"      {left[at : at + 60]!r}", f"      {right[at : at + 60]!r}"]
        else:
            lines += [f"    {line}" for line in _text_differences(left, right)]
    return "\n".join(lines)


def _text_differences(left: bytes, right: bytes) -> list[str]:
    diff = difflib.unified_diff(
        left.decode("utf-8", "replace").splitlines(),
        right.decode("utf-8", "replace").splitlines(),
        lineterm="",
        n=0,
    )
    return [line[:200] for line in list(diff)[2:8]]


def _zip_differences(left: bytes, right: bytes) -> list[str]:
    """The members of two zips (XLSX) whose dates or contents differ."""
    with zipfile.ZipFile(io.BytesIO(left)) as a, zipfile.ZipFile(io.BytesIO(right)) as b:
        lines = []
        for x, y in zip(a.infolist(), b.infolist(), strict=False):
            if (x.filename, x.date_time) != (y.filename, y.date_time):
                lines.append(f"entry {x.filename} {x.date_time} / {y.filename} {y.date_time}")
            elif a.read(x) != b.read(y):
                lines.append(f"member {x.filename}:")
                lines += [f"  {line}" for line in _text_differences(a.read(x), b.read(y))]
        if len(a.infolist()) != len(b.infolist()):
            lines.append(f"{len(a.infolist())} / {len(b.infolist())} members")
        return lines


def payloads(path: Path) -> Iterator[tuple[str, bytes]]:
    """A file's bytes and what they hold compressed: PDF streams, zip members, gzip."""
    data = path.read_bytes()
    yield "", data
    if data.startswith(b"%PDF"):
        for match in re.finditer(rb"stream\r?\n", data):
            try:
                inflated = zlib.decompressobj().decompress(data[match.end() :])
            except zlib.error:
                continue  # not Flate (an image, or a false match)
            yield "stream", inflated
    elif data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield name, archive.read(name)
    elif data.startswith(b"\x1f\x8b"):
        yield "gzip", gzip.decompress(data)


def forms(text: str) -> list[bytes]:
    """How a path could be spelt inside a file: UTF-8, JSON- or URL-escaped, UTF-16."""
    from urllib.parse import quote

    return [
        text.encode(),
        text.replace("/", "\\/").encode(),
        text.encode("unicode_escape"),
        quote(text).encode(),
        text.encode("utf-16-be"),
    ]


def leaks(out: Path, paths: list[str]) -> list[str]:
    """Every output file (or part of one) that names one of `paths`."""
    needles = [(text, form) for text in paths for form in forms(text)]
    found = []
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        for part, blob in payloads(path):
            for text, form in needles:
                if form in blob:
                    found.append(f"{path.relative_to(out)} {part} names {text!r}")
    return sorted(set(found))


class _Listing:
    """What os.scandir returns, with the entries in a chosen order."""

    def __init__(self, entries: list[os.DirEntry[str]]) -> None:
        self.entries = iter(entries)

    def __iter__(self) -> _Listing:
        return self

    def __next__(self) -> os.DirEntry[str]:
        return next(self.entries)

    def __enter__(self) -> _Listing:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def close(self) -> None:
        return None


@contextmanager
def listings(reverse: bool) -> Iterator[None]:
    """Folders list their entries by name (glob, iterdir, os.walk), or in reverse, meanwhile.

    The file system lists a folder in an order of its own (by hash, by creation); an output
    that follows it differs between two copies of a project. One build sees every folder in
    one order, the other in the opposite order.
    """
    scandir, listdir = os.scandir, os.listdir

    def ordered_scandir(path: Any = ".") -> _Listing:
        with scandir(path) as entries:
            return _Listing(sorted(entries, key=lambda e: e.name, reverse=reverse))

    def ordered_listdir(path: Any = ".") -> list[Any]:
        return sorted(listdir(path), reverse=reverse)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "scandir", ordered_scandir)
        patch.setattr(os, "listdir", ordered_listdir)
        yield


#: The second build: `bulletin build`, seeing every folder in order of name.
CLI = """import sys
sys.path.insert(0, {tests!r})
from test_determinism import listings
from generator.cli import main
with listings(reverse=False):
    main()
"""


@dataclass
class Builds:
    first: Path  # the project built in this process
    second: Path  # its copy, built by the CLI in another process at another time
    moved: Path  # the first project moved elsewhere with its caches and output, built again
    moved_result: BuildResult

    @property
    def outputs(self) -> tuple[Path, Path, Path]:
        return self.first / "site", self.second / "site", self.moved / "site"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    base = tmp_path_factory.mktemp("determinism")
    first = make_project(base / "det-first-4f1c" / "project").root
    second = base / "另一处 det-second-9b7e" / "副本 project"
    copy_project(first, second, mtime=1_935_000_000)  # 2031

    # A new folder has no caches: everything is rendered (and the caches are written, which
    # --force would skip for the PDFs, for the moved build below).
    with listings(reverse=True):
        build(first, BuildOptions(jobs=2))

    # Another user's matplotlib settings, which must not reach the charts.
    settings = base / "matplotlibrc"
    settings.write_text(MATPLOTLIBRC, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "FAKETIME"))}
    fresh = base / "fresh"  # matplotlib's font list and jieba's dictionary made anew
    (fresh / "tmp").mkdir(parents=True)
    env.update(
        MATPLOTLIBRC=str(settings),
        MPLCONFIGDIR=str(fresh / "matplotlib"),
        TMPDIR=str(fresh / "tmp"),
        TZ="Pacific/Kiritimati",  # UTC+14: another calendar day than UTC most of the time
        LANG="C",
        LC_ALL="C",
        PYTHONHASHSEED="2718",  # another order of set iteration over strings
        SOURCE_DATE_EPOCH="",  # set but empty: must neither crash nor date anything
    )
    clock: list[str] = []
    faketime = shutil.which("faketime")
    if faketime:
        clock = [faketime, "-f", CLOCK_SHIFT]
    elif os.environ.get("CI"):
        pytest.fail("faketime is missing: ./run setup installs it")
    cli = CLI.format(tests=str(Path(__file__).parent))
    command = [*clock, sys.executable, "-c", cli, "build", "--force", "--jobs", "1"]
    done = subprocess.run(command, cwd=second, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr

    # The first project moved, caches and output along, and built again: the output is in
    # another folder, so the build is not skipped outright, but everything comes from caches.
    moved = base / "moved det-third-2c5a" / "project"
    shutil.copytree(first, moved)
    result = build(moved, BuildOptions(jobs=2))
    return Builds(first, second, moved, result)


def test_every_output_kind_is_built(builds: Builds) -> None:
    names = [name for name, _ in listing(builds.first / "site")]
    for expected in (
        "public/index.html",
        "public/search/search_index.json",
        "public/charts/2026-10-counties.svg",
        "public/writeups/2026-10-12-pioneer.html",
        "public/assets/content/writeups/img/photo.png",
        "public/pages/about.html",
        "public/pdf/2026-10/bulletin.pdf",
        "public/data/2026-10/bulletin.json",
        "internal/writeups/2026-10-25-inside.html",
        "internal/pdf/2026-10/units/990100.pdf",
        "internal/data/2026-10/indicators.csv",
        "internal/data/2026-10/indicators.xlsx",
        "internal/data/2026-10/problems.xlsx",
        "dist/2026-10/990101-东镇/990101-东镇-2026年10月未建会重点企业清单.xlsx",
        "dist/2026-10/990101-东镇.zip",
        "dist/2026-10/manifest.csv",
    ):
        assert expected in names


def test_two_fresh_builds_are_byte_identical(builds: Builds) -> None:
    first, second, _ = builds.outputs
    if listing(first) != listing(second):
        pytest.fail("the two builds differ:\n" + explain(first, second))


def test_a_moved_project_built_from_its_caches_is_byte_identical(builds: Builds) -> None:
    first, _, moved = builds.outputs
    assert not builds.moved_result.unchanged  # built, from the caches it brought along
    if listing(first) != listing(moved):
        pytest.fail("the build from the caches differs:\n" + explain(first, moved))


def test_no_output_names_the_project_folder(builds: Builds) -> None:
    for out, roots in (
        (builds.first / "site", [builds.first]),
        (builds.second / "site", [builds.second]),
        (builds.moved / "site", [builds.moved, builds.first]),  # nothing cached names it either
    ):
        paths = [text for root in roots for text in (str(root), root.parent.name)]
        assert leaks(out, paths) == []


def test_dates_come_from_the_bulletin_not_the_clock(builds: Builds) -> None:
    # The second build ran years ahead: its files carry each bulletin's date all the same,
    # the signing date of the frame (2026-10) or else the end of the period (2026-09).
    days = {"2026-09": (2026, 9, 30), "2026-10": (2026, 11, 5)}
    out = builds.second / "site"
    workbooks = sorted(out.rglob("*.xlsx"))
    pdfs = sorted(out.rglob("*.pdf"))
    # indicators of both periods on both sites, problems on the intranet, the packets' lists
    assert len(workbooks) == 11 and len(pdfs) == 14
    assert len([p for p in workbooks if "public" in p.parts]) == 2
    for path in [*workbooks, *pdfs]:
        day = days[next(part for part in path.parts if part in days)]
        if path.suffix == ".pdf":
            stamp = "D:{:04d}{:02d}{:02d}000000Z".format(*day).encode()
            dates = re.findall(rb"/(?:CreationDate|ModDate)\s*\(([^)]*)\)", path.read_bytes())
            assert dates and set(dates) == {stamp}, path
            continue
        with zipfile.ZipFile(path) as archive:
            assert {i.date_time for i in archive.infolist()} == {(*day, 0, 0, 0)}, path
        from openpyxl import load_workbook

        properties = load_workbook(path).properties
        assert properties.created == properties.modified == datetime(*day), path
