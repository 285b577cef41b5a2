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
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import formatting as fmt
from generator.cache import file_digest
from generator.corrections import (
    JUDGMENT,
    JUDGMENT_LABEL,
    correction_notes,
    show_issued,
    unit_judgment,
)
from generator.errors import BuildError, ConfigError
from generator.model import SHOWS, Bulletin, Correction
from generator.periods import Period
from generator.problems import Problem

if TYPE_CHECKING:
    from generator.config import Config

ISSUED_DIR = "issued"
REGISTER = "register.csv"
REGISTER_HEADERS = ("period", "发文字号", "signed_on", "issued_at", "file", "sha256")
#: issued/<period>/model/<audience>.json: the figures as issued (not published again)
MODEL_DIR = "model"
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
        return self.root / ISSUED_DIR

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


def _write_register(register: Register) -> None:
    from generator.tables import write_csv

    folder = register.folder
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{REGISTER}.{os.getpid()}.tmp"
    rows = [
        [r.period, r.doc_code, r.signed_on, r.issued_at, r.file, r.sha256] for r in register.rows
    ]
    write_csv(temp, REGISTER_HEADERS, rows)
    os.replace(temp, folder / REGISTER)


# ---- bulletin issue ---------------------------------------------------------------------------


@dataclass
class IssueResult:
    period: str
    doc_code: str
    folder: Path
    files: list[str]


def _published_files(period: str, out: Path) -> list[str]:
    """The files of the period's build that make up the record, relative to the output."""
    wanted = [
        f"public/pdf/{period}/bulletin.pdf",
        f"internal/pdf/{period}/bulletin.pdf",
    ]
    for folder in (out / "internal" / "pdf" / period / "units", out / "dist" / period):
        if folder.is_dir():
            wanted += sorted(
                p.relative_to(out).as_posix() for p in folder.rglob("*") if p.is_file()
            )
    missing = [name for name in wanted if not (out / name).is_file()]
    if missing:
        raise BuildError(f"生成 {period} 期时缺少文件：{'、'.join(missing)}，未印发。")
    return wanted


def issue_period(
    root: Path, text: str, now: Callable[[], datetime] | None = None, report: Any = None
) -> IssueResult:
    """Freeze the period's published files into issued/<period>/ and register them."""
    from generator.config import load_config
    from generator.publish import exclusive_issue, settle

    config = load_config(root)  # not a project: said before anything is written
    settle(root)  # the site it is compared with: a build killed half-way is finished or undone
    with exclusive_issue(root):
        return _issue(root, config, text, now, report)


def _issue(
    root: Path, config: Config, text: str, now: Callable[[], datetime] | None, report: Any
) -> IssueResult:
    from generator.build import BuildOptions, build
    from generator.content import load_content

    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if period.cadence != config.cadence:
        raise ConfigError(f"本项目的报告周期是 {config.cadence}，报告期 {period} 不属于本项目。")
    key = str(period)
    register = read_register(root)
    if key in register.periods():
        raise ConfigError(
            f"{key} 期通报已于 {register.files(key)[0].issued_at[:10]} 印发"
            f"（{register.doc_code(key)}），印发的通报不能再改动。"
            "数据如有更正，会在下一期通报的“更正说明”中说明。"
        )
    last = register.last_period()
    if last is not None and period < last:
        raise ConfigError(
            f"{key} 期早于已印发的 {last} 期（{register.doc_code(str(last))}），不能再印发。"
        )
    frame_path = f"content/bulletins/{key}.md"
    frame = load_content(root).frames.get(key)
    if frame is None:
        raise ConfigError(
            f"没有 {key} 期的通报框架 {frame_path}，不能印发。请先运行 bulletin new-period {key}。"
        )
    if frame.signed_on is None:
        raise ConfigError(
            f"{frame_path} 没有填写成文日期（signed_on），不能印发。请填写签发后的成文日期，"
            "例如 signed_on: 2026-11-05，重新生成并核对后再印发。"
        )
    if frame.doc_number is None:
        raise ConfigError(
            f"{frame_path} 没有填写发文序号（doc_number），不能印发。例如 doc_number: 45。"
        )
    serial = (frame.signed_on.year, frame.doc_number)
    doc_code = f"{config.organization.doc_prefix}〔{serial[0]}〕{serial[1]}号"
    other = register.numbers().get(serial)
    if other is not None:
        raise ConfigError(
            f"发文字号 {doc_code} 已用于 {other} 期通报，同一年的发文字号不能重复。"
            f"请修改 {frame_path} 中的 doc_number（本年已用到 {_last_serial(register, serial[0])} 号），"
            "重新生成并核对后再印发。"
        )

    # What the period's build publishes, made afresh (a failed or refused build stops here).
    with tempfile.TemporaryDirectory(prefix="bulletin-issue-") as temp:
        out = Path(temp) / "out"
        options = BuildOptions(period=period, out=out, site=False)
        build(root, options, report) if report else build(root, options)
        files = _published_files(key, out)
        _check_against_site(root, key, out)
        clock = now or (lambda: datetime.now().astimezone())
        issued_at = clock().isoformat(timespec="seconds")
        target = register.folder / key
        partial = register.folder / f".{key}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        rows: list[IssuedFile] = []
        for name in files:
            dest = partial / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / name, dest)
            rows.append(IssuedFile(key, doc_code, frame.signed_on.isoformat(), issued_at, name, ""))
        for audience in ("public", "internal"):
            dest = partial / MODEL_DIR / f"{audience}.json"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / audience / "data" / key / "bulletin.json", dest)
            rows.append(
                IssuedFile(
                    key,
                    doc_code,
                    frame.signed_on.isoformat(),
                    issued_at,
                    f"{MODEL_DIR}/{audience}.json",
                    "",
                )
            )
    rows = [
        IssuedFile(
            r.period, r.doc_code, r.signed_on, r.issued_at, r.file, sha256_of(partial / r.file)
        )
        for r in rows
    ]
    # A folder without register rows is not a record yet (an earlier attempt that died).
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    register.rows.extend(rows)
    _write_register(register)
    return IssueResult(key, doc_code, target, [r.file for r in rows])


def _last_serial(register: Register, year: int) -> int:
    return max((n for (y, n) in register.numbers() if y == year), default=0)


def _check_against_site(root: Path, period: str, out: Path) -> None:
    """Refuse when site/ shows a different bulletin from the one about to be issued.

    The office signs what it printed from site/; if the inputs changed since that build, the
    record would not be what was signed.
    """
    for audience in ("internal", "public"):
        shown = root / "site" / audience / "pdf" / period / "bulletin.pdf"
        made = out / audience / "pdf" / period / "bulletin.pdf"
        if shown.is_file() and shown.read_bytes() != made.read_bytes():
            raise ConfigError(
                f"site/{audience}/pdf/{period}/bulletin.pdf 与按当前数据生成的通报不同："
                "数据、通报框架或设置在上次 bulletin build 之后有改动。未印发。"
                "请先运行 bulletin build，核对生成的通报无误后再印发。"
            )


# ---- what a build does with issued periods ------------------------------------------------------


def overlay_issued(root: Path, staging: Path, periods: Iterable[str], parts: Iterable[str]) -> int:
    """Publish every issued period's files from issued/, byte-identical; return the count.

    `periods` are the periods of this build and `parts` the output folders it made (public,
    internal, dist). An issued file that no longer matches its sha256 is refused: the record was
    changed by hand. Each dist zip is also put on the internal site, which lists the packets.
    """
    register = read_register(root)
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
        for row in rows:
            source = register.folder / period / row.file
            if not source.is_file() or sha256_of(source) != row.sha256:
                raise BuildError(
                    f"已印发的文件 {ISSUED_DIR}/{period}/{row.file} 缺失或被改动（与 "
                    f"{ISSUED_DIR}/{REGISTER} 中记录的 sha256 不符）。印发的通报是存档，不能修改："
                    "请从备份中恢复该文件。"
                )
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
    from generator.indicators import FLAG, INDICATORS, POINTS, RANK_CHANGE

    return [
        (i.name, i.label, i.kind)
        for i in INDICATORS
        if i.kind not in (POINTS, RANK_CHANGE, FLAG) and not i.name.endswith("_change")
    ]


def _shown(value: Any, kind: str) -> str:
    from generator.indicators import RANK, RATE, SCORE

    if value is None:
        return "未排名" if kind == RANK else "—"
    if kind == RATE:
        return fmt.percent(value)
    if kind == SCORE:
        return fmt.number(value, 2)
    if kind == RANK:
        return f"第{int(value)}名"
    return fmt.integer(value)


def issued_model(register: Register, period: str, audience: str) -> dict[str, Any]:
    """The model of `period` as issued for `audience` ({} when it cannot be read)."""
    path = register.folder / period / MODEL_DIR / f"{audience}.json"
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return model if isinstance(model, dict) else {}


def _published_values(
    register: Register, period: str, audience: str
) -> tuple[dict[tuple[str, str], str], tuple[str, str] | None] | None:
    """The figures of `period` as last published: as issued, then as corrected since.

    Also the (period, label) of the last issued bulletin that corrected it, if any.
    """
    path = register.folder / period / MODEL_DIR / f"{audience}.json"
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
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
        try:
            issued = json.loads(
                (register.folder / other / MODEL_DIR / f"{audience}.json").read_text("utf-8")
            )
        except (OSError, ValueError):
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
                                    unit.level, unit.name, names.get(unit.parent or "")
                                ),
                                figure=name,
                                label=label,
                                issued=before,
                                corrected=after,
                            )
                        )
            if changed or corrected_by is not None:
                show_issued(current, issued_model(register, period, audience))
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


def _display_name(level: str, name: str, parent: str | None) -> str:
    """How the 更正说明 names a unit: 全市, 甲县, 甲县东镇 (township names repeat across counties)."""
    if level == "city":
        return "全市"
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
    return Problem(
        file=f"{ISSUED_DIR}/{c.period}",
        row=None,
        column=c.label,
        code="W-ISSUED-CHANGED",
        severity="warning",
        value=f"{c.issued} → {c.corrected}",
        message=(
            f"已印发的{c.period_label}通报（{c.doc_code}）中，{c.unit_name}（{c.unit}）的{c.label}"
            f"为{c.issued}，按现在的数据为{c.corrected}。印发的通报不变；{where}。"
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
