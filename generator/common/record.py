"""The month's record (CONTRACT 1.2): what the office received, when, and what it decided.

Two append-only files in each period folder, written only by the office's commands:

- `.received.csv`: a row per file `bulletin intake` took in (when it arrived, when the office
  recorded it), and a row per correction of a receipt time (`bulletin received`);
- `.decisions.csv`: the office's decisions for one county and the period (`bulletin carry`,
  `bulletin confirm-unchanged`).

Rows are never rewritten: a correction is a new row. So what an issued bulletin was made from
stays readable: the rows recorded before its issue.

报送情况 is decided here: a county is on time if its first complete submission arrived by the
deadline (a county sending its townships in several files is complete when the file naming its
last township came); later files are corrections, listed with their times, never lateness.

Every time is an instant: the record writes it with its UTC offset (2026-11-04 18:30:00+08:00),
and compares and shows it in the project's time zone (bulletin.yml `timezone`, Beijing time by
default), never in the zone the computer is set to. A time without an offset (typed by the
office, or in a record written before offsets) means the project's zone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from generator.common.config import DEFAULT_TIMEZONE, load_config
from generator.common.errors import BulletinError, ConfigError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.register import read_register
from generator.model.content import read_frame

if TYPE_CHECKING:
    pass

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
    #: the units (townships) the file's rows name, as county:unit pairs, comma-separated; ""
    #: in a record written before it (the file then counts as the whole county)
    "units",
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

#: the times the office may type: 2026-12-04 18:30, 2026/12/4 18:30, 2026年12月4日 18:30, …,
#: optionally with the offset a mail's Date shows (2026-11-05 16:30 -0800, +08:00, UTC)
_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[ T]\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})\s*秒?)?\s*分?)?"
    r"(?:\s*(?:([+-])(\d{2}):?(\d{2})|(Z|UTC|GMT)))?",
    re.IGNORECASE,
)


@cache
def zone_named(name: str) -> ZoneInfo:
    """The time zone of an IANA name (bulletin.yml `timezone`)."""
    return ZoneInfo(name)


#: the zone of a project whose bulletin.yml names none (CONTRACT 1.2: Beijing time)
DEFAULT_ZONE = zone_named(DEFAULT_TIMEZONE)


def project_zone(root: Path) -> ZoneInfo:
    """The project's time zone: bulletin.yml `timezone`, Beijing time when it names none (or
    there is no bulletin.yml: a bare folder of records)."""
    path = ProjectPaths(root).config
    try:
        stat = path.stat()
    except OSError:
        return DEFAULT_ZONE
    return _zone_of(root, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _zone_of(root: Path, _mtime: int, _size: int) -> ZoneInfo:
    try:
        return zone_named(load_config(root).timezone)
    except BulletinError:  # a broken bulletin.yml is reported by whatever reads it for real
        return DEFAULT_ZONE


def _folder_zone(folder: Path) -> ZoneInfo:
    """The zone of a period folder's project (data/<period>/ in the project)."""
    return project_zone(folder.parent.parent)


def project_today(root: Path) -> date:
    """Today on the project's clock (an unsigned draft's 报送情况 speaks of it)."""
    return datetime.now(project_zone(root)).date()


def in_zone(when: datetime, zone: tzinfo) -> datetime:
    """`when` as an instant in `zone`: a time without an offset means the zone's clock."""
    return when.replace(tzinfo=zone) if when.tzinfo is None else when.astimezone(zone)


def now_in(zone: tzinfo) -> datetime:
    """The present instant on the zone's clock, to the second (the computer's zone ignored)."""
    return datetime.now(zone).replace(microsecond=0)


def parse_time(text: str, now: datetime, zone: tzinfo | None = None) -> datetime:
    """The arrival time the office typed, to the minute, as an instant: without an offset it is
    on the project's clock (`zone`, else `now`'s zone); a mail's Date header as pasted
    (Thu, 05 Nov 2026 16:30:00 -0800) is read too. A Chinese ConfigError when it is not a time,
    or is later than `now` (a file cannot arrive in the future)."""
    zone = zone or now.tzinfo or DEFAULT_ZONE
    now = in_zone(now, zone)
    when = _typed(text, zone)
    if when > now:
        raise ConfigError(
            f"收到时间 {shown(when, zone)} 晚于现在（{shown(now, zone)}）："
            "请填写文件实际收到的时间（例如邮件的发送时间）。"
        )
    return when.astimezone(zone)


def _typed(text: str, zone: tzinfo) -> datetime:
    m = _TIME.fullmatch(text.strip())
    if m is None or m.group(4) is None:
        mail = _mail_date(text)
        if mail is not None:
            return mail
        raise ConfigError(
            f"收到时间“{text}”格式不对：应写成“2026-12-04 18:30”（日期和几点几分，"
            "中间空一格，整个时间加引号；按本单位时区的钟点，也可以在后面写时区，"
            "如“2026-12-04 18:30 +0800”）。"
        )
    parts = [int(g) if g is not None else 0 for g in m.groups()[:6]]
    sign, hours, minutes, utc = m.groups()[6:]
    try:
        offset: tzinfo = zone
        if sign:
            span = timedelta(hours=int(hours), minutes=int(minutes))
            offset = timezone(span if sign == "+" else -span)
        elif utc:
            offset = UTC
        return datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], tzinfo=offset)
    except ValueError:
        raise ConfigError(f"收到时间“{text}”不是存在的日期或时间，请核对。") from None


def names_offset(text: str) -> bool:
    """Whether a typed time says its own offset (-0800, +08:00, UTC, a mail's Date)."""
    m = _TIME.fullmatch(text.strip())
    if m is not None and m.group(4) is not None:
        return bool(m.group(7) or m.group(10))
    return _mail_date(text) is not None


#: zones whose clock is Beijing time, as the office names it
_BEIJING = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"}


def zone_label(zone: tzinfo) -> str:
    """The project's zone as the office names it: 北京时间, else its name (Asia/Hong_Kong)."""
    name = str(zone)
    return "北京时间" if name in _BEIJING else name


def _mail_date(text: str) -> datetime | None:
    """A mail's Date header as the office may paste it, with its offset; None if it is not."""
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    # RFC 5322: -0000 is UTC, its local zone unknown
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def shown(when: datetime, zone: tzinfo, seconds: bool = False) -> str:
    """A time as the office reads it: on the project's clock, 2026-11-04 18:30."""
    return f"{in_zone(when, zone):%Y-%m-%d %H:%M{':%S' if seconds else ''}}"


def time_text(when: datetime | None) -> str:
    """A recorded time as the record writes it: 2026-11-04 18:30:00+08:00 (with its offset:
    the instant is the same whatever zone reads it)."""
    return when.isoformat(sep=" ") if when else ""


def wall_text(when: datetime | None, zone: tzinfo) -> str:
    """A time as the model and 报送情况 show it: on the project's clock, 2026-11-04 18:30:00."""
    return in_zone(when, zone).replace(tzinfo=None).isoformat(sep=" ") if when else ""


def _time(text: str | None, zone: tzinfo) -> datetime | None:
    """A recorded time as an instant; one written without an offset is on the project's clock."""
    try:
        return in_zone(datetime.fromisoformat(text.strip()), zone) if text else None
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
    #: county -> the units its rows of that county name; None when not recorded (a record
    #: written before units were, a file placed by hand): the file then counts as complete
    units: dict[str, frozenset[str]] | None = None

    def of(self, county: str) -> bool:
        return county in self.counties

    def units_of(self, county: str) -> frozenset[str] | None:
        """The units of the county the file names, None when not recorded."""
        return None if self.units is None else self.units.get(county, frozenset())


def units_text(pairs: Sequence[tuple[str, str]]) -> str:
    """The record's `units` cell: county:unit pairs, sorted, each once."""
    return ",".join(sorted({f"{county}:{unit}" for county, unit in pairs if county and unit}))


def _units(text: str) -> dict[str, frozenset[str]] | None:
    """The `units` cell read back: county -> units; None when the cell is empty."""
    out: dict[str, set[str]] = {}
    for pair in text.split(","):
        county, _, unit = pair.strip().partition(":")
        if county and unit:
            out.setdefault(county, set()).add(unit)
    return {c: frozenset(u) for c, u in out.items()} if out else None


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


def read_receipts(
    folder: Path, before: datetime | None = None, zone: tzinfo | None = None
) -> list[Receipt]:
    """The period's receipts in the order taken in, corrections applied; with `before`, only
    what was recorded before then (an issued period: what its bulletin was made from). Times
    are instants in `zone` (default: the project's); one recorded without an offset is read on
    the zone's clock."""
    zone = zone or _folder_zone(folder)
    receipts: list[Receipt] = []
    for row in _rows(folder / RECEIVED, len(RECEIVED_HEADERS)):
        file, county, received, source, sha, recorded, kind, corrects, units = row
        received_at = _time(received, zone)
        # Rows written before `recorded_at` existed were stamped when the office took them in.
        recorded_at = _time(recorded, zone) or received_at
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
            target = _corrected(receipts, file, counties, _time(corrects, zone), sha)
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
        receipts.append(
            Receipt(
                file, counties, received_at, source, sha, recorded_at, kind, units=_units(units)
            )
        )
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
    """The receipts of a period folder by file name (the latest of each), as text: times on
    the project's clock, as the office reads them (2026-11-04 18:30:00)."""
    out: dict[str, dict[str, str]] = {}
    zone = _folder_zone(folder)
    for r in read_receipts(folder, zone=zone):
        out[r.file] = {
            "file": r.file,
            "county": ",".join(r.counties),
            "received_at": wall_text(r.received_at, zone),
            "source": r.source,
            "sha256": r.sha256,
            "recorded_at": wall_text(r.recorded_at, zone),
        }
    return out


def record_receipts(folder: Path, rows: Sequence[Sequence[str]], recorded_at: datetime) -> None:
    """Append the receipts of files just taken in: rows of the record's first five columns
    (file, county, received_at, source, sha256), then RESEND for a file that replaced the
    county's earlier one (else a new file), then the units its rows name (units_text), recorded
    now."""
    stamp = time_text(_stamp(folder, recorded_at))
    _append(
        folder / RECEIVED,
        RECEIVED_HEADERS,
        [
            [
                *row[:5],
                stamp,
                row[5] if len(row) > 5 else INTAKE,
                "",
                row[6] if len(row) > 6 else "",
            ]
            for row in rows
        ],
    )


def record_stale(folder: Path, receipts: Sequence[Receipt], now: datetime) -> None:
    """Mark files just taken in whose ledger repeats an earlier period's (E-LEDGER-STALE)."""
    stamp = time_text(_stamp(folder, now))
    _append(
        folder / RECEIVED,
        RECEIVED_HEADERS,
        [
            [r.file, ",".join(r.counties), "", r.source, r.sha256, stamp, STALE, "", ""]
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
                time_text(_stamp(folder, when)),
                receipt.source if receipt is not None else file,
                receipt.sha256 if receipt is not None else "",
                time_text(_stamp(folder, now)),
                CORRECTION,
                time_text(receipt.received_at) if receipt is not None else "",
                "",
            ]
        ],
    )


def _stamp(folder: Path, when: datetime) -> datetime:
    """A time as the record writes it: an instant on the project's clock, to the second."""
    return in_zone(when, _folder_zone(folder)).replace(microsecond=0)


def _arrival_order(r: Receipt) -> tuple[bool, float]:
    return (r.received_at is None, r.received_at.timestamp() if r.received_at else 0.0)


def _completing(valid: Sequence[Receipt], county: str) -> Receipt | None:
    """The receipt that made the county's submission complete: the earliest by whose arrival
    the county's files named every township its files name; a receipt without recorded units
    counts as complete by itself (a record written before units were)."""
    named = [r.units_of(county) for r in valid]
    every = frozenset().union(*(u for u in named if u is not None))
    covered: set[str] = set()
    for receipt, units in zip(valid, named, strict=True):
        if units is None:
            return receipt
        covered |= units
        if covered >= every:
            return receipt
    return valid[-1] if valid else None


def county_receipts(receipts: Sequence[Receipt], county: str) -> list[Receipt]:
    """A county's receipts, earliest arrival first (a file sent twice, byte for byte, once)."""
    seen: set[str] = set()
    out = []
    timed = [r for r in receipts if r.of(county)]
    for r in sorted(timed, key=_arrival_order):
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
    zone = _folder_zone(folder)
    for county, decision, recorded, detail in _rows(folder / DECISIONS, len(DECISIONS_HEADERS)):
        when = _time(recorded, zone)
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
        [[county, decision, time_text(_stamp(folder, now)), detail]],
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
    #: the project's time zone: the deadline is a day on its clock (bulletin.yml `timezone`)
    zone: tzinfo = DEFAULT_ZONE

    @property
    def before_deadline(self) -> bool:
        """The counties may still report: no one is late or unreported yet."""
        return self.as_of <= self.deadline

    @property
    def key(self) -> str:
        """What of the reference a period's 报送情况 depends on (for the build's cache)."""
        return f"{self.before_deadline}|{time_text(self.issued_at)}|{self.zone}"


def issued(root: Path, period: Period) -> tuple[datetime | None, date | None, str]:
    """When the period was issued (an instant), the signed_on it was issued with, and its
    发文字号."""

    register = read_register(root)
    rows = register.files(str(period))
    if not rows:
        return None, None, ""
    first = rows[0]
    try:
        signed = date.fromisoformat(first.signed_on) if first.signed_on else None
    except ValueError:
        signed = None
    return _time(first.issued_at, project_zone(root)), signed, first.doc_code


def reference(
    root: Path, period: Period, deadline_day: int, today: date | None = None
) -> Reference:
    """The deadline, the bulletin's date and the issue of a period."""

    issued_at, signed, _code = issued(root, period)
    if signed is None:
        frame = read_frame(root, str(period))
        signed = frame.signed_on if frame is not None else None
    zone = project_zone(root)
    # an unsigned draft speaks of today on the office's clock, not the computer's
    as_of = signed or today or project_today(root)
    return Reference(report_deadline(period, deadline_day), as_of, issued_at, zone)


# ---- 报送情况 ----------------------------------------------------------------------------------

#: The status of a county whose files cover only part of it on the bulletin's date.
PARTIAL = "尚未报送完整"
#: after a file of 报送情况 that a later one of the county replaced
REPLACED_MARK = "（已被替换）"
#: after a file of 报送情况 whose ledger repeated an earlier period's (E-LEDGER-STALE, not
#: confirmed): listed as received, but no submission of the period
STALE_MARK = "往期台账"


def _replaced(receipt: Receipt, later: Sequence[Receipt], current: Sequence[str]) -> bool:
    """Whether a later file of the county took the receipt's place, or it is no longer one
    of the county's files."""
    return any(r.file == receipt.file for r in later) or receipt.file not in current


def _shown(
    receipt: Receipt, later: Sequence[Receipt], current: Sequence[str], confirmed: bool = False
) -> str:
    """A receipt's file as 报送情况 names it: the county's own file name (the stored one is the
    office's), marked when a later file of the county replaced it: one stored under the same
    name, or (a resend of another format: 东镇.xls by 东镇.xlsx) one no longer among the
    county's files (`current`, when known); and marked 往期台账 when its ledger repeated an
    earlier period's (unless the office `confirmed` the repeat)."""
    name = receipt.source or receipt.file
    resends = [r for r in later if r.kind == RESEND]
    gone = bool(current) and receipt.file not in current
    replaced = any(r.file == receipt.file for r in resends) or (bool(resends) and gone)
    # a repeat of an earlier ledger is said so: the reader must not take it for the submission
    marks = [STALE_MARK] if receipt.stale and not confirmed else []
    marks += [REPLACED_MARK.strip("（）")] if replaced else []
    return f"{name}（{'，'.join(marks)}）" if marks else name


@dataclass
class CountyReport:
    """报送情况 of one county in one period: its files, when each came, against the deadline.

    Times are text (ISO, to the second, on the project's clock: the zone of bulletin.yml
    `timezone`) so that the build can cache it; "" when not recorded.
    """

    code: str
    name: str
    #: the county's files by the names it sent them under, in the order they arrived (first
    #: submission first), each once; one a later file replaced ends in REPLACED_MARK
    files: list[str]
    received_at: list[str]  # per file: when it arrived, "" when not recorded
    #: when the first complete submission arrived (decides lateness; a county sending its
    #: townships in several files is complete when the last of them came), "" when not recorded
    received: str
    deadline: str  # ISO date: report_deadline of the month after the period
    #: on_time | late | carried | not_reported | pending (no file yet, or only some townships'
    #: files, before the deadline) | unknown (no receipt time)
    state: str
    #: Chinese: 按时报送 / 逾期N天 / 未按时报送（沿用上期数据）/ 未报送 / 尚未报送（未到截止日期）
    #: / 尚未报送完整（未到截止日期）/ 收到时间不详, then ，更正N次 and ，与上期相同（已确认） where they apply
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
    #: a county sent in parts: when its first part came (`received` is when the last did)
    first_part: str = ""

    @property
    def late(self) -> bool:
        """Late or not reported: what the 报送情况 lists and the default rules criticise."""
        if self.before_deadline:
            return False
        return self.state in ("late", "carried", "not_reported")

    @property
    def received_time(self) -> datetime | None:
        """When the first complete submission arrived, on the project's clock (no offset)."""
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
    repeating: Collection[str] | None = None,
) -> list[CountyReport]:
    """Each county's 报送情况 for a period, in the unit roster's order.

    The first complete submission of a county decides: on time if it arrived by the deadline;
    a county sending its townships in several files is complete when the file naming the last
    of them arrived (the first half on time does not make the county on time). Receipt times
    are those the office recorded (`intake --received`, `bulletin received`); a file put into
    the folder by hand has none, and its modification time is not taken as one: copying or
    unpacking changes it, so it could make a county that reported on time late. An issued
    period is judged on what was recorded before its issue, as of its signed_on: a correction
    taken in later changes its figures (更正说明), never its 报送情况.

    A file marked at intake as repeating an earlier period's ledger is no submission, unless
    the office confirmed the county's repeat for the period; `repeating` (the counties whose
    ledger repeats one now, when known) clears the mark of a county's current files once
    their ledger no longer repeats any (an earlier period corrected since): a replaced old
    file keeps it, so an old file sent on time does not make a late county on time.
    """
    ref = ref or reference(root, period, deadline_day)
    zone = ref.zone
    folder = ProjectPaths(root).period(period)
    receipts = read_receipts(folder, ref.issued_at, zone)
    unchanged = unchanged or {}
    confirmed = decided(folder, CONFIRM_UNCHANGED, ref.issued_at)
    out = []
    for code, name in counties.items():
        current = [] if code in carried else [Path(f).name for f in county_files.get(code, [])]
        mine = [] if code in carried else county_receipts(receipts, code)
        # a repeat of an earlier period's ledger is no submission of this one (unless confirmed)
        stale = [
            r.stale
            and code not in unchanged
            and code not in confirmed
            and (repeating is None or code in repeating or _replaced(r, mine[i + 1 :], current))
            for i, r in enumerate(mine)
        ]
        valid = [r for r, old in zip(mine, stale, strict=True) if not old]
        # every file with a receipt, a byte-identical resend too (listed once, in `mine`)
        timed = {r.file for r in receipts if r.of(code)} if mine else set()
        pairs = [
            (_shown(r, mine[i + 1 :], current, not stale[i]), wall_text(r.received_at, zone))
            for i, r in enumerate(mine)
        ]
        if ref.issued_at is None or not pairs:
            # an issued period lists what its bulletin said: the files received before it
            pairs += [(f, "") for f in current if f not in timed]
        files = [f for f, _ in pairs]
        stamps = [t for _, t in pairs]
        unrecorded = [f for f in current if f not in timed]
        # lateness is decided by the first complete submission: the file that brought the
        # county's last township (the first file when the county sent all in one)
        complete = _completing(valid, code)
        first = complete.received_at if complete is not None else None
        # parts that came together (one mail) are one submission
        partial = complete is not None and complete.received_at != valid[0].received_at
        # files after the complete submission that replaced earlier ones are corrections; one
        # added beside (another part of the county) is not, nor one that completed the county
        after = valid[valid.index(complete) + 1 :] if complete is not None else []
        later = [wall_text(r.received_at, zone) for r in after if r.kind == RESEND]
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
        elif (
            partial
            and first is not None
            and ref.before_deadline
            and in_zone(first, zone).date() > ref.deadline
        ):
            # as of the bulletin's date some townships had come, the rest not: no verdict yet
            state, status = "pending", f"{PARTIAL}（未到截止日期）"
        elif first is not None and in_zone(first, zone).date() > ref.deadline:
            # the deadline is a day on the project's clock, whatever the computer's zone
            days = (in_zone(first, zone).date() - ref.deadline).days
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
                wall_text(first, zone),
                ref.deadline.isoformat(),
                state,
                status,
                days,
                str(carried[code]) if code in carried else "",
                later if state in ("on_time", "late") else [],
                repeated,
                ref.before_deadline,
                unrecorded,
                wall_text(valid[0].received_at, zone) if partial else "",
            )
        )
    return out
