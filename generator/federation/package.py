"""A member's issued package: found, read and verified against the register line vouching for it.

How a package is handed over: the member copies its `issued/<period>/` folder as it is (or zips
it) and sends it; the upper level saves it, unmodified and under any name, into its own
`data/<period>/`. The folder holds the internal model `model/internal.json` and the period's
register lines `register-rows.csv` (written by `bulletin issue`); a `register.csv` (the member's
whole `issued/register.csv`) is read as well when it is there. Nothing else of the package is
read: the member's figures are the member's own unit (its root) in the model.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.register import MODEL_DIR, PERIOD_ROWS, REGISTER, REGISTER_HEADERS
from generator.rosters import codes

#: Where the internal model is in an issued folder, as its register line names it.
MODEL_FILE = f"{MODEL_DIR}/internal.json"
PUBLIC_FILE = f"{MODEL_DIR}/public.json"
#: The upper level's own files in a period folder, never a package.
RECEIPTS = "receipts.csv"
_REGISTERS = (PERIOD_ROWS, REGISTER)


@dataclass
class MemberPackage:
    """One member's issued bulletin of one period, verified."""

    code: str  # the member's own unit code (the root unit of its model)
    name: str
    period: str
    file: str  # the package as saved, relative to the upper level's project
    sha256: str  # of its model/internal.json
    doc_code: str  # the member's 发文字号
    issued_at: str
    #: the member's own unit of its model: every figure under the contract's names
    figures: dict[str, Any] = field(default_factory=dict)
    #: figures of the member's earlier issued periods that this bulletin corrects (更正说明):
    #: (period, unit code, figure) -> corrected value
    corrections: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Read:
    """What a package holds, wherever it came from (folder or zip)."""

    model: bytes | None = None
    model_name: str = ""
    public: bool = False
    registers: list[bytes] = field(default_factory=list)


def package_entries(folder: Path) -> list[Path]:
    """The packages saved in a period folder: its sub-folders and .zip files, by name."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith((".", "~$")):
            continue
        if path.is_dir() or path.suffix.lower() == ".zip":
            out.append(path)
    return out


def _from_folder(path: Path) -> _Read:
    found = _Read()
    bases = [path, *(p for p in sorted(path.iterdir()) if p.is_dir())]
    for base in bases:  # the issued folder itself, or one folder level inside what was sent
        if (base / MODEL_FILE).is_file():
            found.model, found.model_name = (base / MODEL_FILE).read_bytes(), MODEL_FILE
        elif found.model is None and (base / "bulletin.json").is_file():
            found.model, found.model_name = (base / "bulletin.json").read_bytes(), "bulletin.json"
        found.public = found.public or (base / PUBLIC_FILE).is_file()
        for name in _REGISTERS:
            if (base / name).is_file():
                found.registers.append((base / name).read_bytes())
        if found.model is not None:
            break
    return found


def _from_zip(path: Path) -> _Read:
    found = _Read()
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        for name in sorted(names, key=lambda n: n.count("/")):
            tail = PurePosixPath(name)
            inner = "/".join(tail.parts[-2:])
            if inner == MODEL_FILE and found.model_name != MODEL_FILE:
                found.model, found.model_name = archive.read(name), MODEL_FILE
            elif tail.name == "bulletin.json" and found.model is None:
                found.model, found.model_name = archive.read(name), "bulletin.json"
            elif inner == PUBLIC_FILE:
                found.public = True
            elif tail.name in _REGISTERS:
                found.registers.append(archive.read(name))
    return found


def _register_rows(blobs: list[bytes]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for blob in blobs:
        text = blob.decode("utf-8-sig", errors="replace")
        reader = csv.reader(io.StringIO(text, newline=""))
        header = tuple(h.strip() for h in next(reader, []))
        if header != REGISTER_HEADERS:
            continue
        for row in reader:
            if len(row) == len(REGISTER_HEADERS):
                rows.append(dict(zip(REGISTER_HEADERS, (c.strip() for c in row), strict=True)))
    return rows


_DECODER = json.JSONDecoder()
#: What the level above reads of a model: its top-level keys as `Bulletin.to_json` writes them
#: (sorted, two-space indent: a key at the start of a line indented by two spaces is top level,
#: since a string value holds its line breaks escaped).
_WANTED = ("audience", "corrections", "period")


def _head(blob: bytes) -> dict[str, Any] | None:
    """The model's period, audience, corrections and own (first) unit, without parsing the
    rest: a city's internal model is mostly its townships, history and priority list."""
    try:
        text = blob.decode("utf-8")
        out: dict[str, Any] = {}
        for key in _WANTED:
            at = text.find(f'\n  "{key}": ')
            if at >= 0:
                out[key] = _DECODER.raw_decode(text, at + len(key) + 7)[0]
        at = text.find('\n  "units": [')
        if at >= 0 and "period" in out:
            start = at + len('\n  "units": [')
            while start < len(text) and text[start] in " \r\n\t":
                start += 1
            first = _DECODER.raw_decode(text, start)[0]
            if isinstance(first, dict) and not first.get("parent"):
                out["units"] = [first]
                return out
    except (UnicodeDecodeError, ValueError):
        pass
    try:  # written some other way: read whole
        model = orjson.loads(blob)
    except orjson.JSONDecodeError:
        return None
    return model if isinstance(model, dict) else None


def _root_unit(model: dict[str, Any]) -> dict[str, Any] | None:
    units = model.get("units")
    if not isinstance(units, list):
        return None
    return next((u for u in units if isinstance(u, dict) and not u.get("parent")), None)


def read_package(
    path: Path, rel: str, period: Period, members: dict[str, str]
) -> tuple[MemberPackage | None, list[Problem]]:
    """Read and verify one package saved in data/<period>/; problems name the file and member.

    `members` maps the roster's member codes to their names. A package that is refused gives
    its problems and no figures.
    """

    def problem(code: codes.Code, who: tuple[str, str] = ("", ""), **kw: Any) -> Problem:
        return code.problem(rel, None, value=rel, county=who, **kw)

    try:
        found = _from_zip(path) if path.is_file() else _from_folder(path)
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        return None, [problem(codes.E_MEMBER_PACKAGE, detail=f"无法打开（{exc}）")]
    if found.model is None:
        if found.public:
            return None, [problem(codes.E_MEMBER_AUDIENCE, member="该成员单位")]
        return None, [problem(codes.E_MEMBER_PACKAGE, detail=f"其中没有 {MODEL_FILE}")]
    model = _head(found.model)
    root = _root_unit(model) if isinstance(model, dict) else None
    if not isinstance(model, dict) or root is None or not root.get("code"):
        return None, [problem(codes.E_MEMBER_PACKAGE, detail=f"{found.model_name} 不是通报数据")]
    code, name = str(root["code"]), str(root.get("name") or root["code"])
    sent = str(model.get("period", ""))
    who = (code, name)
    member = f"{name}（{code}）"
    if model.get("audience") != "internal":
        return None, [problem(codes.E_MEMBER_AUDIENCE, who, member=member)]

    digest = hashlib.sha256(found.model).hexdigest()
    lines = [
        r
        for r in _register_rows(found.registers)
        if r["file"] == MODEL_FILE and r["period"] == sent
    ]
    if not lines:
        return None, [problem(codes.E_MEMBER_NOT_ISSUED, who, member=member, period=sent)]
    if all(r["sha256"].lower() != digest for r in lines):
        return None, [problem(codes.E_MEMBER_TAMPERED, who, member=member, period=sent)]
    problems = []
    if sent != str(period):
        problems.append(
            problem(codes.E_MEMBER_PERIOD, who, member=member, sent=sent, period=period)
        )
    if code not in members:
        problems.append(problem(codes.E_MEMBER_UNKNOWN, who, member=member))
    if problems:
        return None, problems
    line = next(r for r in lines if r["sha256"].lower() == digest)
    corrections = model.get("corrections")
    return MemberPackage(
        code=code,
        name=members.get(code) or name,
        period=sent,
        file=rel,
        sha256=digest,
        doc_code=line["发文字号"],
        issued_at=line["issued_at"],
        figures=root,
        corrections=corrections if isinstance(corrections, list) else [],
    ), []


def period_packages(
    root: Path, period: Period, members: dict[str, str]
) -> tuple[dict[str, MemberPackage], list[Problem]]:
    """Every member package of a period folder, verified; one per member (twice: a problem)."""
    folder = ProjectPaths(root).period(period)
    found: dict[str, MemberPackage] = {}
    problems: list[Problem] = []
    for path in package_entries(folder):
        rel = path.relative_to(root).as_posix()
        package, refused = read_package(path, rel, period, members)
        problems += refused
        if package is None:
            continue
        first = found.get(package.code)
        if first is not None:
            member = f"{package.name}（{package.code}）"
            problems.append(
                codes.E_MEMBER_TWICE.problem(
                    rel,
                    None,
                    value=rel,
                    county=(package.code, package.name),
                    member=member,
                    other=first.file,
                )
            )
            continue
        found[package.code] = package
    return found, problems
