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
from generator.tables import write_csv

if TYPE_CHECKING:
    from generator.config import Config

ISSUED_DIR = "issued"
REGISTER = "register.csv"
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


def _append_register(register: Register, rows: list[IssuedFile]) -> None:
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
    from generator.rosters.codes import E_ISSUED_UNREGISTERED

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


# ---- bulletin issue ---------------------------------------------------------------------------


@dataclass
class IssueResult:
    period: str
    doc_code: str
    folder: Path
    files: list[str]
    #: what the office should look at (a weekend signing date), in Chinese
    warnings: list[str] = field(default_factory=list)


def period_receipts(root: Path, period: Period) -> list[tuple[str, datetime]]:
    """(county code, time) of every receipt recorded for the period's ledger files.

    The one place `issue` reads the receipt record, so that it follows the record if it moves.
    """
    from generator.intake import read_received

    out = []
    for row in read_received(root / "data" / str(period)).values():
        try:
            out.append((row.get("county") or "", datetime.fromisoformat(row["received_at"])))
        except (KeyError, TypeError, ValueError):
            continue  # a receipt without a readable time is told by `check`, not here
    return out


def _county_names(root: Path) -> dict[str, str]:
    from generator.rosters.load import read_roster
    from generator.rosters.specs import UNITS
    from generator.rosters.validate import Context

    frame, _problems, _ok = read_roster(root, root / "data", UNITS, Context())
    if frame.empty:
        return {}
    return {str(c): str(n) for c, n in zip(frame["code"], frame["name"], strict=True)}


def _check_signing(
    root: Path, config: Config, period: Period, signed: date, frame_path: str
) -> list[str]:
    """Refuse a 成文日期 before the reporting deadline or a receipt; warn on a weekend.

    A bulletin signed before its data arrived, or before counties had to report, judges what
    the leader could not have seen (CONTRACT 4.1).
    """
    from generator.intake import report_deadline

    redo = f"请核对并修改 {frame_path} 中的 signed_on，运行 bulletin build 核对后再印发。"
    deadline = report_deadline(period, config.report_deadline)
    if signed < deadline:
        raise ConfigError(
            f"成文日期 {signed.isoformat()}（{fmt.chinese_date(signed)}）早于本期的报送截止日 "
            f"{fmt.chinese_date(deadline)}（bulletin.yml 的 report_deadline）：截止之前签发的通报，"
            f"会把还能按时报送的县市区写成未报送。未印发。{redo}"
        )
    receipts = period_receipts(root, period)
    if receipts:
        county, latest = max(receipts, key=lambda r: r[1])
        if signed < latest.date():
            name = _county_names(root).get(county, "")
            who = f"{name}（{county}）" if name else county or "某县市区"
            raise ConfigError(
                f"成文日期 {signed.isoformat()}（{fmt.chinese_date(signed)}）早于本期最后收到的台账："
                f"{who}的台账 {latest.strftime('%Y-%m-%d %H:%M')} 收到。通报不能在它依据的数据"
                f"收到之前签发。未印发。{redo}如果登记的收到时间不对，用 bulletin received "
                f'{period} {county or "县市区"} "YYYY-MM-DD HH:MM" 更正。'
            )
    warnings = []
    if signed.weekday() >= 5:
        weekday = "六" if signed.weekday() == 5 else "日"
        warnings.append(
            f"成文日期 {signed.isoformat()} 是星期{weekday}，请确认这是领导签发的日期。"
        )
    return warnings


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
    refuse_unregistered(register)  # a register restored too old: its numbers are not all known
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
    missing = [
        what
        for what, value in (
            ("成文日期（signed_on）", frame.signed_on),
            ("发文序号（doc_number）", frame.doc_number),
        )
        if value is None
    ]
    if missing:
        from generator.intake import report_deadline

        deadline = report_deadline(period, config.report_deadline)
        frames = load_content(root).frames
        number = next_doc_number(root, deadline.year, frames, exclude=key)
        raise ConfigError(
            f"{frame_path} 没有填写{'和'.join(missing)}，不能印发。领导签发后请填写签发的日期"
            f"（不早于报送截止日 {deadline.isoformat()}，例如 signed_on: {deadline.isoformat()}）"
            f"和发文序号（例如 doc_number: {number}，{deadline.year}年的下一个序号），"
            "然后运行 bulletin build 核对，再印发。"
        )
    assert frame.signed_on is not None and frame.doc_number is not None
    warnings = _check_signing(root, config, period, frame.signed_on, frame_path)
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
        register.folder.mkdir(parents=True, exist_ok=True)
        # Staged beside the record under a name of its own: a leftover of a killed attempt is
        # never a record and is left alone, as every file under issued/ is.
        partial = Path(tempfile.mkdtemp(prefix=f".{key}.partial-", dir=register.folder))
        try:
            names = [*files, *(f"{MODEL_DIR}/{a}.json" for a in ("public", "internal"))]
            for name in names:
                source = (
                    out
                    / name.split("/", 1)[1].removesuffix(".json")
                    / "data"
                    / key
                    / "bulletin.json"
                    if name.startswith(f"{MODEL_DIR}/")
                    else out / name
                )
                dest = partial / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)
            signed = frame.signed_on.isoformat()
            rows = [
                IssuedFile(key, doc_code, signed, issued_at, n, sha256_of(partial / n))
                for n in names
            ]
            # The period's own register lines travel with its files: if the register is ever
            # restored from a backup older than this issue, these are the lines it lacks.
            write_csv(
                partial / PERIOD_ROWS,
                REGISTER_HEADERS,
                [[r.period, r.doc_code, r.signed_on, r.issued_at, r.file, r.sha256] for r in rows],
            )
            os.rename(partial, target)  # fails, rather than replaces, if the folder is there
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)  # this attempt's own staging, not a record
            raise
    _append_register(register, rows)
    return IssueResult(key, doc_code, target, [r.file for r in rows], warnings)


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
