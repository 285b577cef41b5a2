"""Issued bulletins (CONTRACT §4.1): once signed and issued (印发), a period's files are a record.

`bulletin issue <period>` builds the period, copies what that build published (both bulletin
PDFs, the unit reports, the dist packets, and both models as the record of the figures) into
`issued/<period>/` and appends every file with its sha256 to `issued/register.csv`.

Every later build publishes those files from `issued/`, byte-identical (`overlay_issued`), and
compares the issued figures with what the data now give (`apply_issued`): a difference is a
`W-ISSUED-CHANGED` warning, a 更正说明 in the next bulletin not yet issued, and a 数据已更正 note
on the issued period's pages.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.common import formatting as fmt
from generator.common.cache import file_digest
from generator.common.config import load_config
from generator.common.errors import BuildError, ConfigError
from generator.common.paths import ISSUED_DIR as ISSUED_DIR  # its old home, for imports of it
from generator.common.paths import REGISTER as REGISTER  # its old home, for imports of it
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.tables import write_csv
from generator.federation.words import level_words
from generator.figures.indicators import FLAG, INDICATORS, POINTS, RANK, RANK_CHANGE, RATE, SCORE
from generator.model.bulletin import SHOWS, Bulletin, Correction
from generator.model.corrections import (
    JUDGMENT,
    JUDGMENT_LABEL,
    correction_notes,
    show_issued,
    unit_judgment,
)
from generator.rosters.codes import E_ISSUED_UNREGISTERED

if TYPE_CHECKING:
    pass

REGISTER_HEADERS = ("period", "发文字号", "signed_on", "issued_at", "file", "sha256")
#: issued/<period>/model/<audience>.json: the figures as issued (not published again)
MODEL_DIR = "model"
#: issued/<period>/register-rows.csv: the period's own lines of the register, kept with its files
PERIOD_ROWS = "register-rows.csv"
#: top-level folders of an issued period that a build publishes as they are
PUBLISHED_PARTS = ("public", "internal", "dist")
_DOC_CODE = re.compile(r"〔(\d{4})〕(\d+)号$")


def sha256_of(path: Path) -> str:
    return file_digest(path, "sha256")


# ---- the register ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedFile:
    """One row of issued/register.csv."""

    period: str
    doc_code: str
    signed_on: str
    issued_at: str
    file: str  # relative to issued/<period>/; under public/, internal/, dist/ as in the output
    sha256: str


@dataclass
class Register:
    """What was issued, in issue order."""

    root: Path
    rows: list[IssuedFile] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return ProjectPaths(self.root).issued

    def periods(self) -> list[str]:
        """Issued periods in issue order."""
        return list(dict.fromkeys(r.period for r in self.rows))

    def files(self, period: str) -> list[IssuedFile]:
        return [r for r in self.rows if r.period == period]

    def doc_code(self, period: str) -> str:
        return next((r.doc_code for r in self.rows if r.period == period), "")

    def last_period(self) -> Period | None:
        parsed = [Period.parse(p) for p in self.periods()]
        return max(parsed) if parsed else None

    def numbers(self) -> dict[tuple[int, int], str]:
        """(year, serial) of every issued bulletin -> its period."""
        out: dict[tuple[int, int], str] = {}
        for period in self.periods():
            parsed = doc_serial(self.doc_code(period))
            if parsed is not None:
                out.setdefault(parsed, period)
        return out


def doc_serial(doc_code: str) -> tuple[int, int] | None:
    """(year, serial) of 示工发〔2026〕45号, or None."""
    m = _DOC_CODE.search(doc_code.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def read_register(root: Path) -> Register:
    """Read issued/register.csv (none: nothing issued); a broken register is a ConfigError."""
    register = Register(root)
    path = register.folder / REGISTER
    if not path.is_file():
        return register
    where = f"{ISSUED_DIR}/{REGISTER}"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"无法读取 {where}：{exc}。该文件由 bulletin issue 写入，请不要手工修改。"
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != REGISTER_HEADERS:
        raise ConfigError(
            f"{where} 的表头应为 {','.join(REGISTER_HEADERS)}。该文件由 bulletin issue 写入，"
            "请从备份中恢复，不要手工修改。"
        )
    seen: dict[tuple[int, int], tuple[str, str]] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(REGISTER_HEADERS) or not Period.is_period_name(row[0]):
            raise ConfigError(f"{where} 第 {number} 行格式不对：{','.join(row)}。请从备份中恢复。")
        item = IssuedFile(*(cell.strip() for cell in row))
        serial = doc_serial(item.doc_code)
        if serial is not None:
            other = seen.setdefault(serial, (item.period, item.doc_code))
            if other[0] != item.period:
                raise ConfigError(
                    f"{where} 中 {other[0]} 期和 {item.period} 期通报的发文字号相同"
                    f"（{item.doc_code}）：同一年的发文字号不能重复。"
                )
        register.rows.append(item)
    return register


def append_register(register: Register, rows: list[IssuedFile]) -> None:
    """Append `rows` to issued/register.csv, keeping every byte already there.

    The new register is written beside the old one and swapped in, so a kill leaves the old one
    or the new one whole, never a half-written line.
    """
    folder = register.folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / REGISTER
    before = original = path.read_bytes() if path.is_file() else b""
    temp = folder / f".{REGISTER}.{os.getpid()}.tmp"
    lines = [[r.period, r.doc_code, r.signed_on, r.issued_at, r.file, r.sha256] for r in rows]
    write_csv(temp, REGISTER_HEADERS, lines)
    added = temp.read_bytes()
    if before:
        # the header and its byte order mark are there already: only the new lines follow
        added = added.split(b"\n", 1)[1]
        if not before.endswith(b"\n"):
            before += b"\r\n"
    with temp.open("wb") as handle:
        handle.write(before + added)
        handle.flush()
        os.fsync(handle.fileno())
    if (path.read_bytes() if path.is_file() else b"") != original:
        temp.unlink()
        raise BuildError(
            f"{ISSUED_DIR}/{REGISTER} 在印发过程中被改动，未登记。请重新运行 bulletin issue。"
        )
    os.replace(temp, path)
    register.rows.extend(rows)


def unregistered_periods(register: Register) -> list[str]:
    """Period folders of issued/ whose register rows are missing (a register restored too old).

    A folder with no row at all, or one whose own register-rows.csv lists a file the register
    does not have.
    """
    if not register.folder.is_dir():
        return []
    known = {(r.period, r.file) for r in register.rows}
    out = []
    for folder in register.folder.iterdir():
        if not folder.is_dir() or not Period.is_period_name(folder.name):
            continue
        if folder.name not in register.periods() or any(
            (folder.name, file) not in known for file in _own_rows(folder)
        ):
            out.append(folder.name)
    return sorted(out, key=Period.parse)


def _own_rows(folder: Path) -> list[str]:
    """The files an issued period's register-rows.csv lists (none if it has none)."""
    path = folder / PERIOD_ROWS
    if not path.is_file():
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [row["file"] for row in csv.DictReader(handle) if row.get("file")]
    except (OSError, UnicodeDecodeError, csv.Error, KeyError):
        return []


def unregistered_message(register: Register, periods: list[str]) -> str:
    """What to do about issued folders without register rows: restore the register."""
    names = "、".join(periods)
    these = "这一期" if len(periods) == 1 else "这几期"
    kept = [p for p in periods if (register.folder / p / PERIOD_ROWS).is_file()]
    rows = (
        f"；没有备份时，{these}的登记行保存在 "
        + "、".join(f"{ISSUED_DIR}/{p}/{PERIOD_ROWS}" for p in kept)
        + f" 中：用记事本把其中除第一行（表头）外的各行原样加到 {ISSUED_DIR}/{REGISTER} 的末尾"
        "（不要用 Excel 打开另存）"
        if kept
        else ""
    )
    return (
        f"{ISSUED_DIR}/ 中有已印发的 {names} 期存档，但 {ISSUED_DIR}/{REGISTER} 中缺少{these}的"
        "登记行：登记簿可能是从较早的备份恢复的（或上次印发在登记前被中断）。已印发的文件"
        "不会被删除或覆盖；在找回登记行之前，不能印发或发送。请从最近的备份中恢复 "
        f"{ISSUED_DIR}/{REGISTER}（要有 {names} 期的各行）{rows}。然后运行 bulletin check 核对，"
        "确认不再提示本问题。"
    )


def unregistered_problems(root: Path) -> list[Problem]:
    """E-ISSUED-UNREGISTERED for `check`: issued folders the register has no row of."""

    register = read_register(root)
    missing = unregistered_periods(register)
    if not missing:
        return []
    message = unregistered_message(register, missing)
    where = f"{ISSUED_DIR}/{REGISTER}"
    return [E_ISSUED_UNREGISTERED.problem(where, None, "", "、".join(missing), message=message)]


def refuse_unregistered(register: Register) -> None:
    """Stop a command that would write issued records while the register lacks a period."""
    missing = unregistered_periods(register)
    if missing:
        raise ConfigError(unregistered_message(register, missing))


def verify_issued(register: Register, period: str, files: Iterable[str] | None = None) -> None:
    """Refuse when a registered file of `period` is missing or differs from its sha256.

    `files` limits the check to those registered names (default: every one of the period).
    Nothing read from issued/ is trusted before it is checked: a model edited by hand would
    otherwise make a 更正说明 for a change that never happened.
    """
    wanted = None if files is None else set(files)
    for row in register.files(period):
        if wanted is not None and row.file not in wanted:
            continue
        source = register.folder / period / row.file
        if not source.is_file():
            what = f"缺失（{ISSUED_DIR}/{REGISTER} 中登记了它）"
        elif sha256_of(source) != row.sha256:
            what = f"与印发时登记的 sha256 不符（被改动过，见 {ISSUED_DIR}/{REGISTER}）"
        else:
            continue
        raise BuildError(
            f"已印发的文件 {ISSUED_DIR}/{period}/{row.file} {what}。"
            "印发的通报是存档，不能修改：请从备份中恢复该文件，再运行本命令。"
        )


def registered_paths(root: Path) -> list[Path]:
    """Every file the register lists, for a build to notice one changed or removed."""
    register = read_register(root)
    return [register.folder / r.period / r.file for r in register.rows]


# ---- what a build does with issued periods ------------------------------------------------------


def overlay_issued(root: Path, staging: Path, periods: Iterable[str], parts: Iterable[str]) -> int:
    """Publish every issued period's files from issued/, byte-identical; return the count.

    `periods` are the periods of this build and `parts` the output folders it made (public,
    internal, dist). An issued file that no longer matches its sha256 is refused: the record was
    changed by hand. Each dist zip is also put on the internal site, which lists the packets.
    """
    register = read_register(root)
    refuse_unregistered(register)  # an issued period would be published from fresh data
    built = set(periods)
    parts = set(parts)
    count = 0
    for period in register.periods():
        if period not in built:
            continue
        rows = [
            r
            for r in register.files(period)
            if r.file.split("/", 1)[0] in parts & set(PUBLISHED_PARTS)
        ]
        # The issued set replaces what this build made of the period's reports and packets.
        for folder in (f"internal/pdf/{period}/units", f"dist/{period}"):
            if folder.split("/", 1)[0] in parts:
                shutil.rmtree(staging / folder, ignore_errors=True)
        verify_issued(register, period, [r.file for r in rows])
        for row in rows:
            source = register.folder / period / row.file
            dest = staging / row.file
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.unlink(missing_ok=True)
            shutil.copyfile(source, dest)
            count += 1
    if "internal" in parts and "dist" in parts:
        _packets_on_internal_site(staging)
    return count


def _packets_on_internal_site(staging: Path) -> None:
    """Copy each unit's zip of every kept period to internal/dist/, where its page links it."""
    dist = staging / "dist"
    if not dist.is_dir():
        return
    for zipped in sorted(dist.glob("*/*.zip")):
        dest = staging / "internal" / zipped.relative_to(staging)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(zipped, dest)
        except OSError:
            shutil.copyfile(zipped, dest)


# ---- corrections ------------------------------------------------------------------------------


def _figures() -> list[tuple[str, str, str]]:
    """The figures compared: every indicator the bulletin shows, but the derived changes."""

    return [
        (i.name, i.label, i.kind)
        for i in INDICATORS
        if i.kind not in (POINTS, RANK_CHANGE, FLAG) and not i.name.endswith("_change")
    ]


def _shown(value: Any, kind: str) -> str:

    if value is None:
        return "未排名" if kind == RANK else "—"
    if kind == RATE:
        return fmt.percent(value)
    if kind == SCORE:
        return fmt.number(value, 2)
    if kind == RANK:
        return f"第{int(value)}名"
    return fmt.integer(value)


def _issued_model(register: Register, period: str, audience: str) -> dict[str, Any] | None:
    """The issued model of `period`, verified against the register (None if never registered).

    Periods issued before models were kept have none; a registered one that is missing or
    differs stops the command (`verify_issued`).
    """
    name = f"{MODEL_DIR}/{audience}.json"
    if name not in {r.file for r in register.files(period)}:
        return None
    verify_issued(register, period, [name])
    path = register.folder / period / name
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(
            f"已印发的文件 {ISSUED_DIR}/{period}/{name} 无法读取（{exc}）。请从备份中恢复该文件。"
        ) from exc
    return model if isinstance(model, dict) else None


def _published_values(
    register: Register, period: str, audience: str
) -> tuple[dict[tuple[str, str], str], tuple[str, str] | None] | None:
    """The figures of `period` as last published: as issued, then as corrected since.

    Also the (period, label) of the last issued bulletin that corrected it, if any.
    """
    model = _issued_model(register, period, audience)
    if model is None:
        return None
    corrected_by: tuple[str, str] | None = None
    values: dict[tuple[str, str], str] = {}
    shown = tuple(SHOWS[audience].judgments)
    for unit in model.get("units", []):
        for name, _label, kind in _figures():
            values[(str(unit.get("code")), name)] = _shown(unit.get(name), kind)
        values[(str(unit.get("code")), JUDGMENT)] = unit_judgment(unit, shown)
    later = sorted(
        (p for p in register.periods() if Period.parse(p) > Period.parse(period)),
        key=Period.parse,
    )
    for other in later:
        issued = _issued_model(register, other, audience)
        if issued is None:
            continue
        for c in issued.get("corrections", []):
            if c.get("period") == period:
                values[(str(c.get("unit")), str(c.get("figure")))] = str(c.get("corrected"))
                corrected_by = (other, str(issued.get("period_label") or other))
    return values, corrected_by


def apply_issued(root: Path, bulletins: dict[str, list[Bulletin]]) -> dict[str, list[Problem]]:
    """Compare issued periods with the data as they now are; return the warnings by period.

    Each audience's issued model is compared with its new model, so the public 更正说明 quotes
    only what the public bulletin showed. The next bulletin not yet issued gets the corrections;
    the issued period's bulletin is marked corrected.
    """
    register = read_register(root)
    issued = set(register.periods())
    warnings: dict[str, list[Problem]] = {}
    if not issued:
        return warnings
    # the top unit is named as the level names its own total: 全市, a province's 全省
    own = level_words(load_config(root).level).own
    for audience, items in bulletins.items():
        by_period = {b.period: b for b in items}
        order = sorted(by_period, key=Period.parse)
        for period in order:
            if period not in issued:
                continue
            published = _published_values(register, period, audience)
            if published is None:
                continue
            values, corrected_by = published
            current = by_period[period]
            later = [p for p in order if Period.parse(p) > Period.parse(period) and p not in issued]
            carrier = by_period[later[0]] if later else None
            changed: list[Correction] = []
            names = {u.code: u.name for u in current.units}
            shown = tuple(current.shows.judgments)
            for unit in current.units:
                # the judgment first: 更正说明 says what a correction changes of them (3.9)
                for name, label, kind in [(JUDGMENT, JUDGMENT_LABEL, ""), *_figures()]:
                    if unit.level == "city" and name in ("score", "rank"):
                        continue  # the city is not scored against anyone
                    before = values.get((unit.code, name))
                    after = (
                        unit_judgment(unit, shown)
                        if name == JUDGMENT
                        else _shown(getattr(unit, name, None), kind)
                    )
                    if before is not None and before != after:
                        changed.append(
                            Correction(
                                period=period,
                                period_label=current.period_label,
                                doc_code=register.doc_code(period),
                                unit=unit.code,
                                unit_name=_display_name(
                                    unit.level, unit.name, names.get(unit.parent or ""), own
                                ),
                                figure=name,
                                label=label,
                                issued=before,
                                corrected=after,
                            )
                        )
            if changed or corrected_by is not None:
                show_issued(current, _issued_model(register, period, audience) or {})
            if not changed:
                if corrected_by is not None:  # corrected by a bulletin since issued
                    current.corrected = True
                    current.corrected_in, current.corrected_in_label = corrected_by
                continue
            current.corrected = True
            current.corrected_in = carrier.period if carrier else None
            current.corrected_in_label = carrier.period_label if carrier else ""
            if carrier is not None:
                carrier.corrections.extend(changed)
                carrier.correction_notes = correction_notes(carrier.corrections)
            if audience == "internal" or "internal" not in bulletins:
                county = {
                    u.code: u.code if u.level == "county" else (u.parent or "")
                    for u in current.units
                    if u.level != "city"
                }
                warnings[period] = [
                    _warning(c, carrier, county.get(c.unit, ""), names) for c in changed
                ]
    return warnings


#: The code of a figure of an issued bulletin that the data now give differently.
ISSUED_CHANGED = "W-ISSUED-CHANGED"
#: How a correction names an empty side (a judgment given or taken away).
NONE_SAID = "无"
_UNCHANGED = "印发的通报不变；"
#: The unit of a W-ISSUED-CHANGED message (as _warning writes it) and what follows the figures.
_UNIT_SAID = re.compile(r"已印发的(?P<bulletin>.+?通报（[^）]*）)中，(?P<unit>.+?)（[^（）]+）的")
_WHERE_SAID = re.compile(re.escape(_UNCHANGED) + r"(?P<where>.+?)。$")
#: Figures named in a summary line before 等N项.
_SUMMARY_FIGURES = 5


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def summarise_changes(changed: list[Problem]) -> tuple[str, str, list[str]]:
    """W-ISSUED-CHANGED in a few lines: the bulletin changed (通报 when several are), where the
    correction goes, then one line per issued period and county (the city's own figures on a
    line of their own) naming its units, the judgments changed and the figures changed, so the
    office reads them without scrolling."""
    found = [(_UNIT_SAID.search(p.message), p) for p in changed]
    where = next((m["where"] for p in changed if (m := _WHERE_SAID.search(p.message))), "")
    bulletins = _unique(m["bulletin"] for m, _ in found if m)
    groups: dict[tuple[str, str], list[tuple[str, Problem]]] = {}
    for m, p in found:
        unit = m["unit"] if m else ""
        groups.setdefault((p.file, p.county_name or p.county or unit), []).append((unit, p))
    several = len({file for file, _ in groups}) > 1
    lines = []
    for (file, name), items in groups.items():
        period = file.rpartition("/")[2]
        head = (
            f"{Period.parse(period).label}通报 "
            if several and Period.is_period_name(period)
            else ""
        )
        units = _unique(unit for unit, _ in items)
        judged = [
            f"{unit}的评价 {p.value}" for unit, p in items if p.column == JUDGMENT_LABEL and unit
        ]
        figures = _unique(p.column for _, p in items if p.column != JUDGMENT_LABEL)
        shown = "、".join(figures[:_SUMMARY_FIGURES])
        more = f"等 {len(figures)} 项" if len(figures) > _SUMMARY_FIGURES else ""
        said = "；".join([*judged, *([f"{shown}{more}有变化"] if figures else [])])
        scope = f"（{'、'.join(units)}）" if units and units != [name] else ""
        lines.append(f"{head}{name}{scope}共 {len(items)} 处：{said}")
    return (bulletins[0] if len(bulletins) == 1 else "通报"), where, lines


def _display_name(level: str, name: str, parent: str | None, own: str = "全市") -> str:
    """How the 更正说明 names a unit: the level's own total (`own`: 全市, 全省), 甲县, 甲县东镇
    (township names repeat across counties)."""
    if level == "city":
        return own
    if level == "township" and parent and not name.startswith(parent):
        return f"{parent}{name}"
    return name


def _warning(
    c: Correction, carrier: Bulletin | None, county: str = "", names: dict[str, str] | None = None
) -> Problem:
    where = (
        f"{carrier.period_label}通报将刊发更正说明"
        if carrier is not None
        else "更正说明将在下一期通报中刊发（请先运行 bulletin new-period）"
    )
    # a judgment given or taken away is "" on one side: said 无, never "按现在的数据为。"
    issued, corrected = c.issued or NONE_SAID, c.corrected or NONE_SAID
    return Problem(
        file=f"{ISSUED_DIR}/{c.period}",
        row=None,
        column=c.label,
        code=ISSUED_CHANGED,
        severity="warning",
        value=f"{issued} → {corrected}",
        message=(
            f"已印发的{c.period_label}通报（{c.doc_code}）中，{c.unit_name}（{c.unit}）的{c.label}"
            f"为{issued}，按现在的数据为{corrected}。{_UNCHANGED}{where}。"
        ),
        county=county,
        county_name=(names or {}).get(county, ""),
    )


# ---- numbering and new periods ------------------------------------------------------------------


def next_doc_number(root: Path, year: int, frames: dict[str, Any], exclude: str = "") -> int:
    """The next serial of `year`: after every issued number and every frame signed that year."""
    register = read_register(root)
    used = [n for (y, n) in register.numbers() if y == year]
    for period, frame in frames.items():
        signed: date | None = getattr(frame, "signed_on", None)
        number = getattr(frame, "doc_number", None)
        if period != exclude and signed is not None and signed.year == year and number:
            used.append(int(number))
    return max(used, default=0) + 1
