"""The month's record (CONTRACT 1.2): what the office received, when, and what it decided.

Two append-only files in each period folder, written only by the office's commands:

- `.received.csv`: a row per file `bulletin intake` took in (when it arrived, when the office
  recorded it), and a row per correction of a receipt time (`bulletin received`);
- `.decisions.csv`: the office's decisions for one county and the period (`bulletin carry`,
  `bulletin confirm-unchanged`).

Rows are never rewritten: a correction is a new row. So what an issued bulletin was made from
stays readable: the rows recorded before its issue.

报送情况 is decided here: a county is on time if its first file of the period arrived by the
deadline; later files are corrections, listed with their times, never lateness.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import ConfigError
from generator.periods import Period

if TYPE_CHECKING:
    from generator.rosters.load import ProjectData

RECEIVED = ".received.csv"
#: the first five are the record's original columns; later ones were added at the end, so a
#: record written before them is read by position as it is
RECEIVED_HEADERS = (
    "file",  # the file's name in the period folder
    "county",  # the county codes of its rows, comma-separated
    "received_at",  # when the file arrived at the office (--received), or the corrected time
    "source",  # the file's name as it came
    "sha256",
    "recorded_at",  # when the office recorded the row (the command's clock)
    #: intake (a new file, or one added beside the county's others) | resend (it replaced the
    #: county's earlier file of the same townships) | correction (bulletin received) | stale
    #: (a mark on a file just taken in: its ledger repeats an earlier period's, E-LEDGER-STALE)
    "kind",
    "corrects",  # correction: the receipt time it replaces ("" for a file without receipt)
)
DECISIONS = ".decisions.csv"
DECISIONS_HEADERS = ("county", "decision", "recorded_at", "detail")
#: `bulletin carry`: the county's rows of its latest earlier period are used (detail: it)
CARRY = "carry"
#: `bulletin confirm-unchanged`: a ledger identical to an earlier one is right (detail: which)
CONFIRM_UNCHANGED = "confirm-unchanged"

INTAKE = "intake"
RESEND = "resend"
CORRECTION = "correction"
#: A file whose ledger repeats an earlier period's is no submission of this period: it does not
#: stop the lateness clock unless the office confirms the repeat (`confirm-unchanged`).
STALE = "stale"

#: the times the office may type: 2026-12-04 18:30, 2026/12/4 18:30, 2026年12月4日 18:30, …
_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[ T]\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})\s*秒?)?\s*分?)?"
)


def parse_time(text: str, now: datetime) -> datetime:
    """The arrival time the office typed, to the minute; a Chinese ConfigError when it is not
    a time, or is later than `now` (a file cannot arrive in the future)."""
    m = _TIME.fullmatch(text.strip())
    if m is None or m.group(4) is None:
        raise ConfigError(
            f"收到时间“{text}”格式不对：应写成“2026-12-04 18:30”（日期和几点几分，"
            "中间空一格，整个时间加引号）。"
        )
    parts = [int(g) if g is not None else 0 for g in m.groups()]
    try:
        when = datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
    except ValueError:
        raise ConfigError(f"收到时间“{text}”不是存在的日期或时间，请核对。") from None
    if when > now:
        raise ConfigError(
            f"收到时间 {when:%Y-%m-%d %H:%M} 晚于现在（{now:%Y-%m-%d %H:%M}）："
            "请填写文件实际收到的时间（例如邮件的发送时间）。"
        )
    return when


def time_text(when: datetime | None) -> str:
    """A recorded time as the record and the model write it: 2026-11-04 18:30:00."""
    return when.isoformat(sep=" ") if when else ""


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


# ---- receipts ---------------------------------------------------------------------------------


@dataclass
class Receipt:
    """A file the office took in for the period, with its (possibly corrected) arrival time."""

    file: str
    counties: tuple[str, ...]
    received_at: datetime | None
    source: str
    sha256: str
    recorded_at: datetime | None  # when the office recorded it
    kind: str = INTAKE  # INTAKE | RESEND
    #: the receipt times it had before corrections, oldest first
    corrected_from: list[datetime | None] = field(default_factory=list)
    #: its ledger repeated an earlier period's when it was taken in (E-LEDGER-STALE)
    stale: bool = False

    def of(self, county: str) -> bool:
        return county in self.counties


def _rows(path: Path, width: int) -> list[list[str]]:
    """A record's rows after its header, padded to `width` columns (read by position)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return [(row + [""] * width)[:width] for row in rows[1:] if any(c.strip() for c in row)]


def _append(path: Path, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Append rows to a record, with its header when the file is new."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if not path.is_file():
        writer.writerow(headers)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(buffer.getvalue())


def read_receipts(folder: Path, before: datetime | None = None) -> list[Receipt]:
    """The period's receipts in the order taken in, corrections applied; with `before`, only
    what was recorded before then (an issued period: what its bulletin was made from)."""
    receipts: list[Receipt] = []
    for row in _rows(folder / RECEIVED, len(RECEIVED_HEADERS)):
        file, county, received, source, sha, recorded, kind, corrects = row
        received_at = _time(received)
        # Rows written before `recorded_at` existed were stamped when the office took them in.
        recorded_at = _time(recorded) or received_at
        if before is not None and (recorded_at is None or recorded_at >= before):
            continue
        counties = tuple(c.strip() for c in county.split(",") if c.strip())
        if kind == STALE:
            for r in reversed(receipts):
                if r.file == file and (not sha or r.sha256 == sha):
                    r.stale = True
                    break
            continue
        if kind == CORRECTION:
            target = _corrected(receipts, file, counties, _time(corrects), sha)
            if target is not None:
                target.corrected_from.append(target.received_at)
                target.received_at = received_at
            else:  # a file placed by hand, given a receipt time afterwards
                receipts.append(
                    Receipt(file, counties, received_at, source, sha, recorded_at, INTAKE, [None])
                )
            continue
        # a record written before `kind`: intake then kept one file per county, so a later
        # one replaced the earlier
        kind = RESEND if kind in (RESEND, "") else INTAKE
        receipts.append(Receipt(file, counties, received_at, source, sha, recorded_at, kind))
    return receipts


def _corrected(
    receipts: list[Receipt],
    file: str,
    counties: tuple[str, ...],
    was: datetime | None,
    sha: str,
) -> Receipt | None:
    """The receipt a correction row is of: same file (and content) and the time it replaces."""
    for r in receipts:
        same = r.file == file and r.received_at == was and (not sha or r.sha256 == sha)
        if same and (not counties or set(counties) & set(r.counties)):
            return r
    return None


def read_received(folder: Path) -> dict[str, dict[str, str]]:
    """The receipts of a period folder by file name (the latest of each), as text."""
    out: dict[str, dict[str, str]] = {}
    for r in read_receipts(folder):
        out[r.file] = {
            "file": r.file,
            "county": ",".join(r.counties),
            "received_at": time_text(r.received_at),
            "source": r.source,
            "sha256": r.sha256,
            "recorded_at": time_text(r.recorded_at),
        }
    return out


def record_receipts(folder: Path, rows: Sequence[Sequence[str]], recorded_at: datetime) -> None:
    """Append the receipts of files just taken in: rows of the record's first five columns
    (file, county, received_at, source, sha256), then RESEND for a file that replaced the
    county's earlier one (else a new file), recorded now."""
    stamp = time_text(recorded_at.replace(microsecond=0))
    _append(
        folder / RECEIVED,
        RECEIVED_HEADERS,
        [[*row[:5], stamp, row[5] if len(row) > 5 else INTAKE, ""] for row in rows],
    )


def record_stale(folder: Path, receipts: Sequence[Receipt], now: datetime) -> None:
    """Mark files just taken in whose ledger repeats an earlier period's (E-LEDGER-STALE)."""
    stamp = time_text(now.replace(microsecond=0))
    _append(
        folder / RECEIVED,
        RECEIVED_HEADERS,
        [
            [r.file, ",".join(r.counties), "", r.source, r.sha256, stamp, STALE, ""]
            for r in receipts
        ],
    )


def record_correction(
    folder: Path, receipt: Receipt | None, county: str, file: str, when: datetime, now: datetime
) -> None:
    """Append a correction of a receipt time (or the first receipt of a file placed by hand)."""
    _append(
        folder / RECEIVED,
        RECEIVED_HEADERS,
        [
            [
                file,
                ",".join(receipt.counties) if receipt is not None else county,
                time_text(when),
                receipt.source if receipt is not None else file,
                receipt.sha256 if receipt is not None else "",
                time_text(now.replace(microsecond=0)),
                CORRECTION,
                time_text(receipt.received_at) if receipt is not None else "",
            ]
        ],
    )


def county_receipts(receipts: Sequence[Receipt], county: str) -> list[Receipt]:
    """A county's receipts, earliest arrival first (a file sent twice, byte for byte, once)."""
    seen: set[str] = set()
    out = []
    timed = [r for r in receipts if r.of(county)]
    for r in sorted(timed, key=lambda r: (r.received_at is None, r.received_at or datetime.min)):
        if r.sha256 and r.sha256 in seen:
            continue
        seen.add(r.sha256)
        out.append(r)
    return out


# ---- decisions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    county: str
    decision: str  # CARRY | CONFIRM_UNCHANGED
    recorded_at: datetime | None
    detail: str


def read_decisions(folder: Path, before: datetime | None = None) -> list[Decision]:
    """The office's decisions for the period, in the order recorded."""
    out = []
    for county, decision, recorded, detail in _rows(folder / DECISIONS, len(DECISIONS_HEADERS)):
        when = _time(recorded)
        if before is not None and (when is None or when >= before):
            continue
        out.append(Decision(county.strip(), decision.strip(), when, detail.strip()))
    return out


def decided(folder: Path, decision: str, before: datetime | None = None) -> dict[str, str]:
    """County -> detail of each county the office took `decision` for in the period."""
    return {d.county: d.detail for d in read_decisions(folder, before) if d.decision == decision}


def record_decision(folder: Path, county: str, decision: str, now: datetime, detail: str) -> None:
    _append(
        folder / DECISIONS,
        DECISIONS_HEADERS,
        [[county, decision, time_text(now.replace(microsecond=0)), detail]],
    )


def record_inputs(folder: Path) -> list[Path]:
    """The period's record files (hidden, so a folder's digest leaves them out)."""
    return [p for p in (folder / RECEIVED, folder / DECISIONS) if p.is_file()]


# ---- the reference: deadline, issue, and the day the bulletin speaks of ------------------------


def report_deadline(period: Period, day: int) -> date:
    """The day of the month after the period by which counties report."""
    end = period.end
    year, month = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
    return date(year, month, day)


@dataclass(frozen=True)
class Reference:
    """What a period's 报送情况 is judged against."""

    deadline: date
    #: the bulletin's date: signed_on as issued, else the frame's, else today (an unsigned
    #: draft speaks of today)
    as_of: date
    #: when the period was issued (its 报送情况 is then what was recorded before), or None
    issued_at: datetime | None

    @property
    def before_deadline(self) -> bool:
        """The counties may still report: no one is late or unreported yet."""
        return self.as_of <= self.deadline

    @property
    def key(self) -> str:
        """What of the reference a period's 报送情况 depends on (for the build's cache)."""
        return f"{self.before_deadline}|{time_text(self.issued_at)}"


def issued(root: Path, period: Period) -> tuple[datetime | None, date | None, str]:
    """When the period was issued, the signed_on it was issued with, and its 发文字号."""
    from generator.issue import read_register

    register = read_register(root)
    rows = register.files(str(period))
    if not rows:
        return None, None, ""
    first = rows[0]
    try:
        signed = date.fromisoformat(first.signed_on) if first.signed_on else None
    except ValueError:
        signed = None
    when = _time(first.issued_at)
    if when is not None and when.tzinfo is not None:  # compared with the record's local times
        when = when.astimezone().replace(tzinfo=None)
    return when, signed, first.doc_code


def reference(
    root: Path, period: Period, deadline_day: int, today: date | None = None
) -> Reference:
    """The deadline, the bulletin's date and the issue of a period."""
    from generator.content import read_frame

    issued_at, signed, _code = issued(root, period)
    if signed is None:
        frame = read_frame(root, str(period))
        signed = frame.signed_on if frame is not None else None
    return Reference(
        report_deadline(period, deadline_day), signed or today or date.today(), issued_at
    )


# ---- 报送情况 ----------------------------------------------------------------------------------

#: after a file of 报送情况 that a later one of the county replaced
REPLACED_MARK = "（已被替换）"


def _shown(receipt: Receipt, later: Sequence[Receipt], current: Sequence[str]) -> str:
    """A receipt's file as 报送情况 names it: the county's own file name (the stored one is the
    office's), marked when a later file of the county replaced it: one stored under the same
    name, or (a resend of another format: 东镇.xls by 东镇.xlsx) one no longer among the
    county's files (`current`, when known)."""
    name = receipt.source or receipt.file
    resends = [r for r in later if r.kind == RESEND]
    gone = bool(current) and receipt.file not in current
    replaced = any(r.file == receipt.file for r in resends) or (bool(resends) and gone)
    return name + REPLACED_MARK if replaced else name


@dataclass
class CountyReport:
    """报送情况 of one county in one period: its files, when each came, against the deadline.

    Times are text (ISO, to the second) so that the build can cache it; "" when not recorded.
    """

    code: str
    name: str
    #: the county's files by the names it sent them under, in the order they arrived (first
    #: submission first), each once; one a later file replaced ends in REPLACED_MARK
    files: list[str]
    received_at: list[str]  # per file: when it arrived, "" when not recorded
    received: str  # when the first submission arrived (decides lateness), "" when not recorded
    deadline: str  # ISO date: report_deadline of the month after the period
    #: on_time | late | carried | not_reported | pending (no file yet, before the deadline)
    #: | unknown (no receipt time)
    state: str
    #: Chinese: 按时报送 / 逾期N天 / 未按时报送（沿用上期数据）/ 未报送 / 尚未报送（未到截止日期）
    #: / 收到时间不详, then ，更正N次 and ，与上期相同（已确认） where they apply
    status: str
    days_late: int | None = None  # late: days after the deadline; on time: 0
    carried_from: str = ""  # the period whose rows were used (carried)
    #: arrival times of the files that replaced earlier ones (corrections, resends)
    corrections: list[str] = field(default_factory=list)
    #: the earlier period the county's ledger repeats, confirmed by the office ("" if not)
    unchanged_from: str = ""
    #: the counties may still report (as of the bulletin's date): no verdict yet
    before_deadline: bool = False
    #: files of the county without a receipt (placed by hand)
    unrecorded: list[str] = field(default_factory=list)

    @property
    def late(self) -> bool:
        """Late or not reported: what the 报送情况 lists and the default rules criticise."""
        if self.before_deadline:
            return False
        return self.state in ("late", "carried", "not_reported")

    @property
    def received_time(self) -> datetime | None:
        return datetime.fromisoformat(self.received) if self.received else None

    @property
    def deadline_date(self) -> date:
        return date.fromisoformat(self.deadline)


def reporting_status(
    root: Path,
    period: Period,
    counties: Mapping[str, str],
    county_files: Mapping[str, Sequence[str]],
    carried: Mapping[str, object],
    deadline_day: int,
    *,
    unchanged: Mapping[str, str] | None = None,
    ref: Reference | None = None,
) -> list[CountyReport]:
    """Each county's 报送情况 for a period, in the unit roster's order.

    The first file of a county decides: on time if it arrived by the deadline. Receipt times
    are those the office recorded (`intake --received`, `bulletin received`); a file put into
    the folder by hand has none, and its modification time is not taken as one: copying or
    unpacking changes it, so it could make a county that reported on time late. An issued
    period is judged on what was recorded before its issue, as of its signed_on: a correction
    taken in later changes its figures (更正说明), never its 报送情况.
    """
    ref = ref or reference(root, period, deadline_day)
    receipts = read_receipts(root / "data" / str(period), ref.issued_at)
    unchanged = unchanged or {}
    out = []
    for code, name in counties.items():
        current = [] if code in carried else [Path(f).name for f in county_files.get(code, [])]
        mine = [] if code in carried else county_receipts(receipts, code)
        # a repeat of an earlier period's ledger is no submission of this one (unless confirmed)
        valid = [r for r in mine if not r.stale or code in unchanged]
        # every file with a receipt, a byte-identical resend too (listed once, in `mine`)
        timed = {r.file for r in receipts if r.of(code)} if mine else set()
        pairs = [
            (_shown(r, mine[i + 1 :], current), time_text(r.received_at))
            for i, r in enumerate(mine)
        ]
        if ref.issued_at is None or not pairs:
            # an issued period lists what its bulletin said: the files received before it
            pairs += [(f, "") for f in current if f not in timed]
        files = [f for f, _ in pairs]
        stamps = [t for _, t in pairs]
        unrecorded = [f for f in current if f not in timed]
        first = valid[0].received_at if valid else None
        # files that replaced earlier ones are corrections; one added beside (another part of
        # the county) is not
        later = [time_text(r.received_at) for r in valid[1:] if r.kind == RESEND]
        days: int | None = None
        if code in carried:
            state = "carried"
            status = (
                "尚未报送（未到截止日期，沿用上期数据）"
                if ref.before_deadline
                else "未按时报送（沿用上期数据）"
            )
        elif not files or (mine and not valid):
            repeat = "报来的是往期台账" if mine else ""
            state, status = (
                ("pending", f"尚未报送（{repeat + '，' if repeat else ''}未到截止日期）")
                if ref.before_deadline
                else ("not_reported", f"未报送（{repeat}）" if repeat else "未报送")
            )
        elif first is not None and first.date() > ref.deadline:
            days = (first.date() - ref.deadline).days
            state, status = "late", f"逾期{days}天"
        elif first is None:
            # no file of the county has a receipt: when its rows came is not known
            state, status = "unknown", "收到时间不详"
        else:
            state, status, days = "on_time", "按时报送", 0
        if later and state in ("on_time", "late"):
            status += f"，更正{len(later)}次"
        repeated = unchanged.get(code, "")
        if repeated:
            same = "上期" if repeated == str(period.previous()) else Period.parse(repeated).label
            status += f"，与{same}相同（已确认）"
        out.append(
            CountyReport(
                code,
                name,
                files,
                stamps,
                time_text(first),
                ref.deadline.isoformat(),
                state,
                status,
                days,
                str(carried[code]) if code in carried else "",
                later if state in ("on_time", "late") else [],
                repeated,
                ref.before_deadline,
                unrecorded,
            )
        )
    return out


# ---- the office's commands: correct a receipt, carry a county, confirm an unchanged ledger ----


@dataclass
class Recorded:
    """What a command recorded, as lines to print (Chinese)."""

    county: str
    name: str
    lines: list[str]


def _project(root: Path, period_text: str) -> tuple[ProjectData, Period, Path]:
    """The project's rosters, the period and its folder; a Chinese ConfigError when the
    period is not one of the project's."""
    from generator.config import load_config
    from generator.rosters.load import load_project

    try:
        period = Period.parse(period_text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    config = load_config(root)
    if period.cadence != config.cadence:
        raise ConfigError(
            f"报告期 {period} 与项目的报告周期不符（bulletin.yml 中 cadence 的设置）。"
        )
    data = load_project(root, config)
    if period not in data.periods:
        known = "、".join(str(p) for p in data.periods) or "无"
        raise ConfigError(f"没有报告期 {period} 的数据（data/{period}/）。现有报告期：{known}")
    if not data.units_read:
        raise ConfigError("单位名册有错误或为空：请先运行 bulletin check 改正单位名册。")
    return data, period, root / "data" / str(period)


def resolve_county(data: ProjectData, text: str) -> tuple[str, str]:
    """A county by its code or name (as units.csv has it); a Chinese ConfigError naming the
    counties otherwise."""
    index = data.unit_index
    counties = {c: index.name.get(c, c) for c, level in index.level.items() if level == "county"}
    wanted = text.strip()
    for code, name in counties.items():
        if wanted in (code, name):
            return code, name
    shown = "、".join(f"{n}（{c}）" for c, n in counties.items()) or "（单位名册中没有县市区）"
    raise ConfigError(f"“{text}”不是本市的县市区。县市区可以写名称或单位代码：{shown}")


def _status_of(data: ProjectData, period: Period, county: str) -> CountyReport | None:
    from generator.rosters.load import read_snapshot

    snapshot = read_snapshot(data, period)
    return next((r for r in snapshot.reporting if r.code == county), None)


def _refuse_issued(root: Path, period: Period, what: str) -> None:
    issued_at, _signed, doc_code = issued(root, period)
    if issued_at is not None:
        raise ConfigError(
            f"{period} 期通报已于 {issued_at:%Y-%m-%d} 印发（{doc_code}），印发的通报是存档："
            f"其报送情况以印发时的记录为准，不能再{what}。"
        )


def correct_receipt(
    root: Path,
    period_text: str,
    county_text: str,
    when_text: str,
    file: str | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Record the true arrival time of a county's first file of the period (or of `file`); a
    county whose files were placed by hand gets its first receipt time."""
    import hashlib

    data, period, folder = _project(root, period_text)
    code, name = resolve_county(data, county_text)
    _refuse_issued(root, period, "更正收到时间")
    now = (now or datetime.now()).replace(microsecond=0)
    when = parse_time(when_text, now)
    before = _status_of(data, period, code)
    mine = county_receipts(read_receipts(folder), code)
    lines: list[str] = []
    if mine:
        chosen = [r for r in mine if file in (None, r.file, r.source)]
        if not chosen:
            listed = "、".join(r.file for r in mine)
            raise ConfigError(f"{name} {period} 期收到的文件中没有“{file}”。收到的文件：{listed}")
        target = chosen[0]
        if target.recorded_at is not None and when > target.recorded_at:
            raise ConfigError(
                f"收到时间 {when:%Y-%m-%d %H:%M} 晚于该文件登记收取的时间 "
                f"{target.recorded_at:%Y-%m-%d %H:%M}：文件不会在收取之后才收到，请核对。"
            )
        if target.received_at == when:
            raise ConfigError(
                f"{name} 的 {target.file} 登记的收到时间已经是 {when:%Y-%m-%d %H:%M}，不需要更正。"
            )
        record_correction(folder, target, code, target.file, when, now)
        old = f"{target.received_at:%Y-%m-%d %H:%M}" if target.received_at else "未登记"
        lines.append(
            f"已更正{name} {period} 期的收到时间：{target.file} 由 {old} 改为 {when:%Y-%m-%d %H:%M}。"
        )
    else:
        files = (before.unrecorded if before is not None else []) or []
        if not files:
            raise ConfigError(f"{name} {period} 期没有台账文件，无法登记收到时间。")
        for stored in files:
            path = folder / stored
            sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            receipt = Receipt(stored, (code,), None, stored, sha, None)
            record_correction(folder, receipt, code, stored, when, now)
        lines.append(
            f"已登记{name} {period} 期台账（{'、'.join(files)}）的收到时间：{when:%Y-%m-%d %H:%M}。"
        )
    after = _status_of(data, period, code)
    if before is not None and after is not None:
        change = (
            f"{before.status} → {after.status}" if before.status != after.status else after.status
        )
        lines.append(f"报送情况：{change}（截止 {after.deadline}）。")
    lines.append("原记录保留（更正是另记的一条）；下次 bulletin build 会据此重新生成。")
    return Recorded(code, name, lines)


def carry(root: Path, period_text: str, county_text: str, now: datetime | None = None) -> Recorded:
    """Record the decision to use a county's rows of its latest earlier period for this one."""
    from generator.rosters.load import earlier_rows, read_snapshot

    data, period, folder = _project(root, period_text)
    code, name = resolve_county(data, county_text)
    now = (now or datetime.now()).replace(microsecond=0)
    if code in decided(folder, CARRY):
        earlier = decided(folder, CARRY)[code]
        return Recorded(
            code, name, [f"{name} {period} 期沿用 {earlier} 期数据的决定已经记录过，未重复记录。"]
        )
    snapshot = read_snapshot(data, period)
    if snapshot.state is not None and code in snapshot.state.county_files:
        files = "、".join(Path(f).name for f in snapshot.state.county_files[code])
        raise ConfigError(
            f"{name} {period} 期已有台账（{files}），不需要沿用上期数据。"
            "如这些文件不是本期的，请先把它们移出报告期目录。"
        )
    found = earlier_rows(data, period, code)
    if found is None:
        raise ConfigError(f"{name} 在 {period} 期之前没有任何一期的台账，无法沿用上期数据。")
    source, rows = found
    record_decision(folder, code, CARRY, now, str(source))
    ref = reference(root, period, data.config.report_deadline)
    shown = (
        "尚未报送（未到截止日期，沿用上期数据）"
        if ref.before_deadline
        else "未按时报送（沿用上期数据）"
    )
    return Recorded(
        code,
        name,
        [
            f"已记录：{name} {period} 期沿用 {source} 期的台账数据（{len(rows)} 家企业），只对这一期有效。",
            f"通报的报送情况中写“{shown}”。",
            f"如{name}之后报来本期台账，用 bulletin intake {period} 文件 收取即可，收取的台账优先于沿用的数据。",
        ],
    )


def confirm_unchanged(
    root: Path, period_text: str, county_text: str, now: datetime | None = None
) -> Recorded:
    """Record that a county's ledger identical to an earlier period's is right for this one."""
    from generator.rosters.load import read_snapshot

    data, period, folder = _project(root, period_text)
    code, name = resolve_county(data, county_text)
    now = (now or datetime.now()).replace(microsecond=0)
    state = None
    for earlier in (p for p in data.periods if p < period):
        state = read_snapshot(data, earlier, state).state
    snapshot = read_snapshot(data, period, state)
    repeated = snapshot.repeats.get(code, "")
    if code in decided(folder, CONFIRM_UNCHANGED):
        return Recorded(
            code, name, [f"{name} {period} 期台账与之前相同的确认已经记录过，未重复记录。"]
        )
    if not repeated:
        raise ConfigError(
            f"{name} {period} 期的台账与之前各期都不相同，不需要确认"
            "（只有 bulletin check 报告 E-LEDGER-STALE 时才需要）。"
        )
    record_decision(folder, code, CONFIRM_UNCHANGED, now, repeated)
    return Recorded(
        code,
        name,
        [
            f"已确认：{name} {period} 期的台账与 {repeated} 期完全相同，经核实无误，只对这一期有效。",
            "不再报告 E-LEDGER-STALE；通报的报送情况中注明“与上期相同（已确认）”。",
        ],
    )
