"""`bulletin fetch`: the counties' ledgers taken from the office's mailbox with their arrival times.

The mailbox is read over IMAP (`mailbox:` in bulletin.yml), read-only: nothing is deleted,
moved or marked read on the server. The messages of the period's window (from the period's last
day to the next period's last day: each message belongs to one period) from a unit's address
(units.csv 邮箱) are taken; those from other addresses are listed, never taken. Each
spreadsheet attachment (also inside a forwarded message or a zip) is saved unmodified under
`inbox/<period>/` and taken in by generator.office.intake with the message's arrival time: the
receiving server's topmost `Received:` time, else the `Date:` header, else the server's
INTERNALDATE. Each message is taken once: its Message-ID is recorded in
`data/<period>/.fetched.csv`. Reading a message is generator.office.mime; the IMAP side is
generator.office.imap.
"""

from __future__ import annotations

import csv
import imaplib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from generator.common.config import load_config
from generator.common.errors import BulletinError, ConfigError
from generator.common.paths import INBOX_DIR as INBOX_DIR  # its old home, for imports of it
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.record import (
    CARRY,
    DEFAULT_ZONE,
    decided,
    in_zone,
    now_in,
    project_zone,
    reporting_status,
)
from generator.office.decisions import city_only
from generator.office.imap import (
    PASSWORD_VARIABLE,
    MailboxError,
    close,
    connect,
    failure,
    fetch_item,
    list_window,
    move,
)
from generator.office.intake import (
    CountyLine,
    Desk,
    Filed,
    county_lines,
    file_in,
    mark_stale,
    open_desk,
    reporting_line,
    stale_counties,
    stale_now,
    stored_names,
    survey,
    write_lists,
)
from generator.office.mime import Mail, megabytes, read_message
from generator.office.names import other_month
from generator.office.send import _unit_addresses, parse_addresses
from generator.rosters.load import check_project

FETCHED = ".fetched.csv"
FETCHED_HEADERS = (
    "message_id",
    "sender",
    "arrived",
    "arrived_by",
    "files",
    "result",
    "fetched_at",
    "stored",
)
#: a message's result in the record: its files filed and their receipts recorded (FILED), then
#: also judged on E-LEDGER-STALE (TAKEN); a message without a spreadsheet (NO_FILE). A message
#: that could not be taken in is not recorded: the next fetch tries it again.
FILED, TAKEN, NO_FILE = "filed", "taken", "no-file"
#: a message larger than this is not downloaded (a county's ledger is a few MB at most)
MAX_MESSAGE = 100 << 20


@dataclass
class FetchResult:
    period: Period
    window: tuple[datetime, datetime]
    taken: list[Mail]
    unknown: list[Mail]  # from addresses no unit has: listed, not taken
    already: int  # messages of the window taken by an earlier fetch
    elsewhere: list[tuple[Mail, str]]  # taken into another period already
    problems: list[Problem]
    lists: list[Path]
    #: per county taken in this run: (code, name, files, rows, errors, warnings, 报送情况)
    counties: list[tuple[str, str, list[str], int, int, int, str]]
    #: what --move-to did (Chinese), "" when not asked
    moved: str = ""


# ---- the period's window and the record of fetched messages -----------------------------------


def window(period: Period, zone: tzinfo = DEFAULT_ZONE) -> tuple[datetime, datetime]:
    """From the period's last day to the next period's last day (days on the project's clock,
    `zone`; end excluded): a ledger sent on the last day of the month or in the month after is
    the period's, and consecutive windows never overlap, so a message belongs to one period."""
    start = datetime.combine(period.end, datetime.min.time(), zone)
    last = 12 if period.cadence == "month" else 4
    following = (
        Period(period.year + 1, 1, period.cadence)
        if period.index == last
        else Period(period.year, period.index + 1, period.cadence)
    )
    return start, datetime.combine(following.end, datetime.min.time(), zone)


def fetched_ids(data_dir: Path) -> dict[str, str]:
    """Message-ID -> the period it was taken into, over every period folder."""
    out: dict[str, str] = {}
    for path in sorted(data_dir.glob(f"*/{FETCHED}")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("message_id"):
                    out.setdefault(row["message_id"], path.parent.name)
    return out


def _row(mail: Mail, result: str, now: datetime, stored: Sequence[str] = ()) -> list[str]:
    """A message's line of the record (FETCHED_HEADERS)."""
    return [
        mail.message_id,
        mail.sender,
        mail.arrived.isoformat(sep=" ") if mail.arrived else "",
        mail.arrived_by,
        ";".join(mail.saved),
        result,
        now.isoformat(sep=" ", timespec="seconds"),
        ";".join(stored),
    ]


def _record(folder: Path, rows: Sequence[Sequence[str]]) -> None:
    """Append lines to the period's record of fetched messages."""
    path = folder / FETCHED
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if not path.is_file():
        writer.writerow(FETCHED_HEADERS)
    writer.writerows(rows)
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8-sig" if not path.is_file() else "utf-8", newline="") as f:
        f.write(buffer.getvalue())


def _unjudged(folder: Path) -> list[list[str]]:
    """The record's lines of messages filed whose files' E-LEDGER-STALE judgment is not
    recorded (a fetch ended between them and the period's check), oldest first."""
    path = folder / FETCHED
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            (row + [""] * len(FETCHED_HEADERS))[: len(FETCHED_HEADERS)]
            for row in csv.reader(handle)
        ][1:]
    result = FETCHED_HEADERS.index("result")
    waiting: dict[str, list[str]] = {}
    for row in rows:
        if row[result] == FILED:
            waiting[row[0]] = row
        elif row[result] == TAKEN:
            waiting.pop(row[0], None)
    return list(waiting.values())


@dataclass
class _Filed:
    """A message filed whose files' E-LEDGER-STALE judgment is still to be recorded."""

    row: list[str]  # its FILED line of the record
    counties: set[str]  # the counties its stored files hold

    @property
    def stored(self) -> list[str]:
        return [n for n in self.row[FETCHED_HEADERS.index("stored")].split(";") if n]


def _judge(desk: Desk, waiting: list[_Filed], stale: set[str]) -> None:
    """Mark the stored files of the messages waiting whose county's ledger repeats an earlier
    period's (as intake does), then record the messages as taken: a fetch ended between the
    two judges them again, which marks nothing twice in effect."""
    if not waiting:
        return
    mark_stale(desk, [name for item in waiting for name in item.stored], stale)
    result = FETCHED_HEADERS.index("result")
    at = FETCHED_HEADERS.index("fetched_at")
    stamp = desk.when.isoformat(sep=" ", timespec="seconds")
    _record(
        desk.folder,
        [[*item.row[:result], TAKEN, stamp, *item.row[at + 1 :]] for item in waiting],
    )
    waiting.clear()


# ---- fetch ------------------------------------------------------------------------------------


def _known_senders(root: Path) -> dict[str, str]:
    """address (lower case) -> the unit whose 邮箱 it is."""

    out: dict[str, str] = {}
    for code, (cell, _level) in _unit_addresses(root).items():
        for address in parse_addresses(cell)[0]:
            out.setdefault(address.lower(), code)
    return out


def _save(root: Path, period: Period, mail: Mail) -> list[Path]:
    assert mail.arrived is not None
    folder = ProjectPaths(root).inbox / str(period) / f"{mail.arrived:%Y%m%d-%H%M%S}-{mail.uid}"
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for item in mail.files:
        path = folder / item.name
        n = 2
        # a file saved by an earlier try of the same message is used again, not saved twice
        while path in paths or (path.exists() and path.read_bytes() != item.data):
            path = folder / f"{Path(item.name).stem}-{n}{Path(item.name).suffix}"
            n += 1
        path.write_bytes(item.data)
        paths.append(path)
        mail.saved.append(path.relative_to(root).as_posix())
    return paths


def fetch(
    root: Path,
    period_text: str,
    password: Callable[[], str] | None = None,
    now: datetime | None = None,
    timeout: float = 30,
    move_to: str | None = None,
) -> FetchResult:
    """Take the period's ledgers from the mailbox into the period, each with its arrival time;
    with `move_to`, then move the period's messages taken (now or before) into that folder."""
    import os

    config = load_config(root)
    city_only(
        config,
        "fetch",
        "不从收件邮箱收取台账：请把收到的 issued/<报告期>/ 文件夹或其 zip 用 bulletin intake 收取。",
    )
    settings = config.mailbox
    if settings is None:
        raise ConfigError(
            "bulletin.yml 中没有收件邮箱设置（mailbox），无法收取。请添加，例如：\n"
            "mailbox:\n  host: imap.example.gov.cn\n  port: 993\n  security: ssl\n"
            "  username: zzb@example.gov.cn\n  folder: INBOX\n"
            f"密码不写在文件中：设置环境变量 {PASSWORD_VARIABLE}，或在收取时输入。"
        )
    try:
        period = Period.parse(period_text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if period.cadence != config.cadence:
        raise ConfigError(
            f"报告期 {period} 与项目的报告周期不符（bulletin.yml 中 cadence 的设置）。"
        )
    senders = _known_senders(root)
    span = window(period, config.zone)
    done = fetched_ids(ProjectPaths(root).data)
    secret = os.environ.get(PASSWORD_VARIABLE) or (password() if password else "")
    if not secret:
        raise MailboxError(
            f"没有收件邮箱密码：请设置环境变量 {PASSWORD_VARIABLE}，或在提示时输入。"
        )
    server = connect(settings, secret, timeout)
    taken: list[Mail] = []
    unknown: list[Mail] = []
    elsewhere: list[tuple[Mail, str]] = []
    already = 0
    earlier: list[str] = []
    try:
        for mail in list_window(server, span):
            mail.unit = senders.get(mail.sender, "")
            if mail.message_id in done:
                if done[mail.message_id] == str(period):
                    already += 1
                    earlier.append(mail.uid)
                else:
                    elsewhere.append((mail, done[mail.message_id]))
                continue
            if not mail.unit:
                unknown.append(mail)
                continue
            if mail.size > MAX_MESSAGE:
                mail.notes.append(
                    f"邮件有 {megabytes(mail.size)}，超过 {megabytes(MAX_MESSAGE)} 的上限，"
                    "没有下载：请县市区只附本期台账重发"
                )
            else:
                _meta, raw = fetch_item(server, mail.uid, "(BODY.PEEK[])")
                read_message(raw, mail)
            taken.append(mail)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise failure(settings, exc) from exc
    finally:
        close(server)
    problems, lists, lines = _take_in(root, period, taken, now)
    states = _reporting(root, period, {c.code: (c.name, c.files) for c in lines})
    # the files by the names the county sent them under, as 报送情况 and `check` name them
    summary = []
    for c in lines:
        state, files = states.get(c.code, ("", c.files))
        summary.append((c.code, c.name, files, c.rows, c.errors, c.warnings, state))
    result = FetchResult(period, span, taken, unknown, already, elsewhere, problems, lists, summary)
    if move_to:
        uids = earlier + [m.uid for m in taken if m.result in ("taken", "no-file")]
        result.moved = move(settings, secret, timeout, uids, move_to)
    return result


def _take_in(
    root: Path, period: Period, taken: list[Mail], now: datetime | None
) -> tuple[list[Problem], list[Path], list[CountyLine]]:
    """Take each message's files in, in the order they arrived, each with its arrival time;
    then check the period once: its problems, problem lists and a line per county taken in.

    Each message is recorded as soon as its files are filed (FILED). Whether a file repeats
    an earlier period's ledger (E-LEDGER-STALE, which makes it no submission) is judged on
    the period as it was right after its message, as if each message were taken in alone:
    by the one check at the end, or, when a later message brings files of the same county,
    by reading the period before that message's files go in. The judgment recorded, the
    message is TAKEN; one a fetch ended before is judged first thing by the next fetch.
    """
    folder = ProjectPaths(root).period(period)
    zone = project_zone(root)
    clock = in_zone(now, zone) if now else now_in(zone)
    taken.sort(key=lambda m: (m.arrived is None, m.arrived.timestamp() if m.arrived else 0, m.uid))
    leftover = _unjudged(folder)
    desk: Desk | None = None
    refused: BulletinError | None = None
    if leftover or any(mail.files for mail in taken):
        try:
            desk = open_desk(root, period, now)
        except BulletinError as exc:
            refused = exc
    waiting: list[_Filed] = []
    if desk is not None and leftover:  # left by a fetch that ended before its check
        waiting = [_Filed(row, set()) for row in leftover]
        _judge(desk, waiting, stale_now(desk))
    counties: list[str] = []
    worked = bool(leftover)
    for mail in taken:
        if not mail.files:
            mail.result = "no-file"
            _record(folder, [_row(mail, NO_FILE, clock)])
            continue
        if desk is None:
            mail.result = "failed"
            mail.lines.append(f"未能收取：{refused}")
            continue
        paths = _save(root, period, mail)
        if waiting and _counties_in(desk, paths) & set().union(*(w.counties for w in waiting)):
            _judge(desk, waiting, stale_now(desk))  # before these files change the county's
        try:
            filed, _arrived = file_in(desk, paths, received=mail.arrived)
        except BulletinError as exc:
            mail.result = "failed"
            mail.lines.append(f"未能收取：{exc}")
            continue
        worked = True
        mail.result = "taken"
        _tell(desk, mail, filed, paths, counties)
        stored = stored_names(filed)
        row = _row(mail, FILED if stored else TAKEN, clock, stored)
        _record(folder, [row])
        if stored:
            waiting.append(_Filed(row, {c for f in filed if f.stored for c, _ in f.counties}))
    if desk is None or not worked:
        return [], [], []
    result = check_project(root, period)
    problems = result.problems.items
    _judge(desk, waiting, stale_counties(problems))
    lists = write_lists(desk, result)
    return problems, lists, county_lines(root, period, counties, problems) if counties else []


def _counties_in(desk: Desk, paths: Sequence[Path]) -> set[str]:
    """The counties whose rows the files hold (read before they are filed)."""
    return {c for path in paths for c in survey(path, path.name, desk.index).counties if c}


def _tell(
    desk: Desk, mail: Mail, filed: list[Filed], paths: Sequence[Path], counties: list[str]
) -> None:
    """Say what became of each file of the message; add the counties it was filed for."""
    if desk.issued is not None:
        doc_code, issued_at = desk.issued
        mail.lines.append(
            f"注意：{desk.period} 期通报已于 {issued_at:%Y-%m-%d} 印发（{doc_code}），这封邮件的文件是"
            "对已印发通报的更正：印发的通报和报送情况不变，数字如有变化列入下一期的“更正说明”"
        )
    index = desk.index
    own = index.county.get(mail.unit, mail.unit)
    for item, path in zip(filed, paths, strict=True):
        name = path.name
        if item.refused:
            mail.lines.append(f"未收取 {name}：{item.refused}")
        elif item.same_as:
            mail.lines.append(f"未重复收取 {name}：与本期已收取的 {item.same_as} 内容完全相同")
        else:
            names = "、".join(n for _, n in item.counties)
            mail.lines.append(f"已收取 {name}（{names}，{item.rows} 行）→ {item.stored}")
            named = other_month(name, desk.period)
            if named:  # an old ledger sent again, most often
                mail.lines.append(
                    f"  注意：文件名写的是{named}，收进的是 {desk.period} 期：请核对是不是报错了月份"
                )
            mail.lines.extend(f"  {note}" for note in item.notes)
            codes = [c for c, _ in item.counties]
            counties.extend(codes)
            if own and codes and own not in codes and index.level.get(own) != "city":
                sender = index.name.get(own, own)
                mail.lines.append(
                    f"  注意：发件邮箱是{sender}的，文件中的单位却是{names}的，请核对是否发错了文件"
                )


def _reporting(
    root: Path, period: Period, counties: dict[str, tuple[str, list[str]]]
) -> dict[str, tuple[str, list[str]]]:
    """code -> (报送情况 as the bulletin will say it: first arrival, on time or late; the
    county's files as it names them)."""
    if not counties:
        return {}
    config = load_config(root)
    reports = reporting_status(
        root,
        period,
        {code: name for code, (name, _files) in counties.items()},
        {code: files for code, (_name, files) in counties.items()},
        decided(ProjectPaths(root).period(period), CARRY),
        config.report_deadline,
    )
    return {r.code: (reporting_line(r), r.files) for r in reports}
