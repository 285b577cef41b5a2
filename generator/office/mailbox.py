"""`bulletin fetch`: the counties' ledgers taken from the office's mailbox with their arrival times.

The mailbox is read over IMAP (`mailbox:` in bulletin.yml), read-only: nothing is deleted,
moved or marked read on the server. The messages of the period's window (from the period's last
day to the next period's last day: each message belongs to one period) from a unit's address
(units.csv 邮箱) are taken; those from other addresses are listed, never taken. Each
spreadsheet attachment (also inside a forwarded message or a zip) is saved unmodified under
`inbox/<period>/` and taken in by generator.office.intake with the message's arrival time: the
receiving server's topmost `Received:` time, else the `Date:` header, else the server's
INTERNALDATE. Each message is taken once: its Message-ID is recorded in
`data/<period>/.fetched.csv`.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import email
import email.policy
import email.utils
import imaplib
import io
import re
import socket
import ssl
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from hashlib import sha256
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from generator.common.config import MailboxSettings, load_config
from generator.common.errors import BulletinError, ConfigError
from generator.common.paths import INBOX_DIR as INBOX_DIR  # its old home, for imports of it
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.record import CARRY, decided, reporting_status
from generator.office.intake import IntakeResult, county_lines, intake
from generator.office.send import _unit_addresses, parse_addresses
from generator.rosters.load import load_project

if TYPE_CHECKING:
    from generator.rosters.units import UnitTree

PASSWORD_VARIABLE = "BULLETIN_IMAP_PASSWORD"
FETCHED = ".fetched.csv"
FETCHED_HEADERS = ("message_id", "sender", "arrived", "arrived_by", "files", "result", "fetched_at")
#: where attachments are saved as they came: inbox/<period>/<arrival>-<uid>/<file name>
LEDGER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
ARCHIVE_SUFFIXES = (".rar", ".7z", ".tar", ".gz", ".tgz")
#: a message larger than this is not downloaded (a county's ledger is a few MB at most)
MAX_MESSAGE = 100 << 20
#: an attachment, or a spreadsheet inside a zip, larger than this is not taken in
MAX_ATTACHMENT = 30 << 20
#: a zip member must not inflate more than this many times its compressed size (zip bombs)
MAX_RATIO = 200
#: the most spreadsheets taken from one zip
MAX_ZIP_FILES = 50
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PLAIN_ADDRESS = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+")
_RAW_NAME = re.compile(r'\b(?:file)?name\s*=\s*(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')

#: how the arrival time was found (Chinese, for the summary)
BY_RECEIVED = "Received"
BY_DATE = "Date"
BY_INTERNALDATE = "INTERNALDATE"
ARRIVED_BY = {
    BY_RECEIVED: "收件服务器的 Received 时间",
    BY_DATE: "邮件的 Date 时间（没有 Received）",
    BY_INTERNALDATE: "服务器的收件时间（没有 Received 和 Date）",
}


class MailboxError(BulletinError):
    """The mailbox cannot be read at all (no settings, unreachable, login refused, timeout)."""

    exit_code = 1


@dataclass
class Attachment:
    """A spreadsheet of a message, its bytes as they came."""

    name: str
    data: bytes
    within: str = ""  # the zip it came from ("" when attached directly)


@dataclass
class Mail:
    """One message of the period's window, as fetch sees it."""

    uid: str
    message_id: str
    sender: str  # the From address, lower case
    sender_name: str
    subject: str
    arrived: datetime | None  # local time, without zone
    arrived_by: str  # BY_RECEIVED | BY_DATE | BY_INTERNALDATE
    size: int = 0
    unit: str = ""  # the unit whose 邮箱 sent it ("" when unknown)
    files: list[Attachment] = field(default_factory=list)
    #: what was not taken from it and why (Chinese lines)
    notes: list[str] = field(default_factory=list)
    #: the files saved under inbox/, project-relative
    saved: list[str] = field(default_factory=list)
    #: what became of each file (Chinese lines, from intake)
    lines: list[str] = field(default_factory=list)
    #: taken | no-file | failed (not recorded: tried again next time)
    result: str = ""

    def label(self) -> str:
        when = f"{self.arrived:%Y-%m-%d %H:%M}" if self.arrived else "时间不详"
        who = f"{self.sender_name} <{self.sender}>" if self.sender_name else self.sender
        return f"{when} {who}《{self.subject or '无主题'}》"


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


def window(period: Period) -> tuple[datetime, datetime]:
    """From the period's last day to the next period's last day (local time, end excluded):
    a ledger sent on the last day of the month or in the month after is the period's, and
    consecutive windows never overlap, so a message belongs to one period only."""
    start = datetime.combine(period.end, datetime.min.time())
    last = 12 if period.cadence == "month" else 4
    following = (
        Period(period.year + 1, 1, period.cadence)
        if period.index == last
        else Period(period.year, period.index + 1, period.cadence)
    )
    return start, datetime.combine(following.end, datetime.min.time())


def fetched_ids(data_dir: Path) -> dict[str, str]:
    """Message-ID -> the period it was taken into, over every period folder."""
    out: dict[str, str] = {}
    for path in sorted(data_dir.glob(f"*/{FETCHED}")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("message_id"):
                    out.setdefault(row["message_id"], path.parent.name)
    return out


def _record(folder: Path, mail: Mail, now: datetime) -> None:
    path = folder / FETCHED
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if not path.is_file():
        writer.writerow(FETCHED_HEADERS)
    writer.writerow(
        [
            mail.message_id,
            mail.sender,
            mail.arrived.isoformat(sep=" ") if mail.arrived else "",
            mail.arrived_by,
            ";".join(mail.saved),
            mail.result,
            now.isoformat(sep=" ", timespec="seconds"),
        ]
    )
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8-sig" if not path.is_file() else "utf-8", newline="") as f:
        f.write(buffer.getvalue())


# ---- reading a message ------------------------------------------------------------------------


def _local(when: datetime) -> datetime:
    """A time as the office's clock shows it, without zone (how receipts are recorded)."""
    if when.tzinfo is not None:
        when = when.astimezone()
    return when.replace(tzinfo=None, microsecond=0)


def _header_time(text: str) -> datetime | None:
    try:
        return _local(parsedate_to_datetime(text.strip()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def arrival(msg: Message, internaldate: datetime | None) -> tuple[datetime | None, str]:
    """When the message reached the office, and from what: the topmost Received header (added
    last, by the office's own server), else Date (set by the sender's program), else the
    server's INTERNALDATE."""
    received = msg.get_all("Received") or []
    if received:
        top = str(received[0])
        if ";" in top:
            when = _header_time(top.rpartition(";")[2])
            if when is not None:
                return when, BY_RECEIVED
    if msg.get("Date"):
        when = _header_time(str(msg["Date"]))
        if when is not None:
            return when, BY_DATE
    return internaldate, BY_INTERNALDATE


def _has_raw_bytes(text: str) -> bool:
    """Whether text holds bytes the parser could not decode (kept as surrogate escapes)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _text(value: str) -> str:
    """A header or file name as a person reads it: encoded words (=?GB18030?B?…?=) decoded, and
    raw 8-bit text (GB18030 written without encoding) read as what it is."""
    if "=?" in value:
        with contextlib.suppress(UnicodeError, LookupError, ValueError):
            value = str(make_header(decode_header(value)))
    if _has_raw_bytes(value):
        raw = value.encode("utf-8", "surrogateescape")
        for codec in ("utf-8", "gb18030"):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                continue
        return raw.decode("gb18030", "replace")
    return value


def safe_name(name: str, fallback: str) -> str:
    """A file name to save under: the last part of any path, without characters a folder
    refuses; `fallback` when nothing is left."""
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = _UNSAFE.sub("_", name).strip().strip(".")
    return name or fallback


def _zip_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name: without the UTF-8 flag, Chinese Windows wrote it in GBK, which
    zipfile read as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _encrypted(data: bytes) -> bool:
    """An Excel file with an opening password (an OLE file holding an EncryptedPackage)."""
    return data[:8] == _CFB and _ENCRYPTED in data


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.0f} MB" if size >= 1 << 20 else f"{size / 1024:.0f} KB"


def _from_zip(name: str, data: bytes, mail: Mail) -> None:
    """Take the spreadsheets out of a zip, within the limits a zip bomb would exceed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        mail.notes.append(f"压缩包 {name} 已损坏，无法打开：请县市区直接发送表格文件")
        return
    found = 0
    total = 0
    with archive:
        for info in infos:
            member = safe_name(_zip_name(info), "")
            if info.is_dir() or not member or "__MACOSX" in info.filename:
                continue
            if not member.lower().endswith(LEDGER_SUFFIXES):
                continue
            where = f"压缩包 {name} 中的 {member}"
            if info.flag_bits & 0x1:
                mail.notes.append(f"{where} 设有密码，无法解压：请县市区不加密直接发送表格文件")
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_ATTACHMENT or (info.file_size > 8 << 20 and ratio > MAX_RATIO):
                mail.notes.append(
                    f"{where} 解压后有 {_megabytes(info.file_size)}，超过 "
                    f"{_megabytes(MAX_ATTACHMENT)} 的上限（或压缩比异常），未收取"
                )
                continue
            if found >= MAX_ZIP_FILES or total + info.file_size > 4 * MAX_ATTACHMENT:
                mail.notes.append(f"压缩包 {name} 中的表格太多，只收取了前 {found} 个")
                break
            try:
                with archive.open(info) as stream:
                    content = stream.read(MAX_ATTACHMENT + 1)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
                mail.notes.append(f"{where} 已损坏，无法解压")
                continue
            if len(content) > MAX_ATTACHMENT:  # the directory lied about the size
                mail.notes.append(f"{where} 解压后超过 {_megabytes(MAX_ATTACHMENT)} 的上限，未收取")
                continue
            found += 1
            total += len(content)
            mail.files.append(Attachment(member, content, within=name))
    if found:
        mail.notes.append(f"压缩包 {name}：已解压出 {found} 个表格文件收取")
    else:
        mail.notes.append(f"压缩包 {name} 中没有表格文件（.xlsx、.xls、.ods、.csv）")


def _filename(part: Message) -> str:
    """An attachment's file name as sent (RFC 2231 and encoded words are decoded by _text).

    A name in raw 8-bit bytes is read from the header as stored: the parsed header has
    already replaced those bytes with U+FFFD."""
    legacy = Message()
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type"):
            raw = str(value)
            if _has_raw_bytes(raw) and (found := _RAW_NAME.search(raw)):
                return found.group(1) if found.group(1) is not None else found.group(2)
            legacy[key] = value
    name = legacy.get_filename() or legacy.get_param("name") or ""
    if isinstance(name, tuple):  # an RFC 2231 value legacy parsing left undecoded
        name = email.utils.collapse_rfc2231_value(name)
    return str(name)


def attachments(msg: Message, mail: Mail) -> None:
    """The spreadsheets of a message (a forwarded message's too), and a note on each attached
    file not taken."""
    others: list[str] = []
    for index, part in enumerate(msg.walk(), 1):
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        raw_name = _filename(part)
        if not raw_name:
            continue  # the message's text
        name = safe_name(_text(raw_name), f"附件{index}")
        try:
            data = part.get_payload(decode=True)
        except (ValueError, TypeError, AssertionError):
            data = None
        if not isinstance(data, bytes):
            mail.notes.append(f"附件 {name} 无法解码（邮件可能不完整），未收取")
            continue
        lower = name.lower()
        if lower.endswith(".zip"):
            if len(data) > MAX_ATTACHMENT:
                mail.notes.append(f"压缩包 {name} 有 {_megabytes(len(data))}，超过上限，未收取")
            else:
                _from_zip(name, data, mail)
        elif lower.endswith(LEDGER_SUFFIXES):
            if len(data) > MAX_ATTACHMENT:
                mail.notes.append(
                    f"附件 {name} 有 {_megabytes(len(data))}，超过 {_megabytes(MAX_ATTACHMENT)} "
                    "的上限，未收取：请县市区删去多余的工作表或图片后重发"
                )
            elif _encrypted(data):
                mail.notes.append(
                    f"附件 {name} 设有打开密码（已加密），无法读取，未收取：请县市区取消密码后重发"
                )
            else:
                mail.files.append(Attachment(name, data))
        elif lower.endswith(ARCHIVE_SUFFIXES):
            mail.notes.append(
                f"附件 {name} 是 {Path(lower).suffix[1:]} 压缩包，无法打开：请县市区直接发送表格文件"
                "或用 zip 压缩"
            )
        else:
            others.append(name)
    if others:
        mail.notes.append(f"不是表格的附件未收取：{'、'.join(others)}")


# ---- the IMAP side ----------------------------------------------------------------------------


def imap_folder(name: str) -> str:
    """A folder name as IMAP writes it (modified UTF-7, RFC 3501 5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    text = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _imap_date(day: date) -> str:
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


def _fail(settings: MailboxSettings, exc: BaseException) -> MailboxError:
    where = f"{settings.host}:{settings.port}"
    if isinstance(exc, ssl.SSLError):
        return MailboxError(
            f"与收件服务器 {where} 建立加密连接失败（{exc.reason or exc}）。没有收取任何邮件。"
            "请确认 bulletin.yml 中 mailbox 的 security（ssl 一般用 993 端口，starttls 用 143）。"
        )
    if isinstance(exc, socket.timeout | TimeoutError):
        reason = "服务器没有应答（连接超时）"
    elif isinstance(exc, ConnectionRefusedError):
        reason = "服务器拒绝连接（地址或端口不对，或服务器没有开启 IMAP）"
    else:
        reason = str(exc) or type(exc).__name__
    return MailboxError(
        f"无法连接收件服务器 {where}：{reason}。没有收取任何邮件。"
        "请检查网络，以及 bulletin.yml 中 mailbox 的 host、port、security。"
    )


def connect(
    settings: MailboxSettings, password: str, timeout: float, readonly: bool = True
) -> imaplib.IMAP4:
    """Log in and open the folder, read-only (EXAMINE) unless messages are to be moved."""
    context = ssl.create_default_context()
    try:
        server: imaplib.IMAP4
        if settings.security == "ssl":
            server = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=timeout
            )
        else:
            server = imaplib.IMAP4(settings.host, settings.port, timeout=timeout)
            if settings.security == "starttls":
                server.starttls(context)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise _fail(settings, exc) from exc
    try:
        try:
            if settings.username.isascii() and password.isascii():
                server.login(settings.username, password)
            else:  # LOGIN is ASCII only in imaplib: a Chinese password goes as AUTH PLAIN
                token = f"\0{settings.username}\0{password}".encode()
                server.authenticate("PLAIN", lambda _challenge: token)
        except imaplib.IMAP4.error as exc:
            raise MailboxError(
                f"收件服务器 {settings.host} 拒绝了用户名或密码（用户名 {settings.username}）。"
                f"没有收取任何邮件。请核对 bulletin.yml 中 mailbox 的 username，以及环境变量 "
                f"{PASSWORD_VARIABLE} 或输入的密码。"
            ) from exc
        status, _ = server.select(imap_folder(settings.folder), readonly=readonly)
        if status != "OK":
            raise MailboxError(
                f"收件服务器上没有邮件夹“{settings.folder}”。请核对 bulletin.yml 中 mailbox 的 "
                "folder（默认 INBOX，即收件箱）。"
            )
    except MailboxError:
        _close(server)
        raise
    except (OSError, imaplib.IMAP4.error) as exc:
        _close(server)
        raise _fail(settings, exc) from exc
    return server


def _close(server: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        server.logout()


def _fetch(server: imaplib.IMAP4, uid: str, what: str) -> tuple[bytes, bytes]:
    """(the response's items, the literal) of one message."""
    status, data = server.uid("FETCH", uid, what)
    if status != "OK":
        raise imaplib.IMAP4.error(f"FETCH {uid}: {status}")
    meta = b""
    body = b""
    for item in data:
        if isinstance(item, tuple):
            meta += item[0]
            body = item[1]
        elif isinstance(item, bytes):
            meta += item
    return meta, body


def _internaldate(meta: bytes) -> datetime | None:
    parsed = imaplib.Internaldate2tuple(meta)
    return datetime.fromtimestamp(time.mktime(parsed)) if parsed else None


def _sender(msg: Message) -> tuple[str, str]:
    """The From address (lower case) and name; a name in raw 8-bit text is read too."""
    header = msg.get("From", "")
    for item in getattr(header, "addresses", ()):
        if _PLAIN_ADDRESS.fullmatch(item.addr_spec or ""):
            return item.addr_spec.strip().lower(), _text(item.display_name)
    # some programs encode the whole `name <address>` as one encoded word
    text = _text(str(header))
    if bracket := re.search(r"<([^<>@\s]+@[^<>\s]+)>", text):
        return bracket.group(1).lower(), text[: bracket.start()].strip().strip('"')
    for name, address in getaddresses([text]):
        if "@" in address:
            return address.strip().lower(), name
    return "", ""


def _message_id(msg: Message, raw: bytes) -> str:
    text = str(msg.get("Message-ID", "")).strip()
    return text or f"<sha256:{sha256(raw).hexdigest()}>"


def list_window(server: imaplib.IMAP4, span: tuple[datetime, datetime]) -> list[Mail]:
    """The messages of the window, by their headers (the bodies are not fetched yet)."""
    start, end = span
    # IMAP dates are the server's days: a day's margin each side, then the exact window here
    status, data = server.uid(
        "SEARCH",
        "SINCE",
        _imap_date((start - timedelta(days=1)).date()),
        "BEFORE",
        _imap_date((end + timedelta(days=1)).date()),
    )
    if status != "OK":
        raise imaplib.IMAP4.error("SEARCH")
    uids = b" ".join(d for d in data if isinstance(d, bytes)).decode().split()
    out: list[Mail] = []
    for uid in uids:
        meta, header = _fetch(server, uid, "(INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])")
        msg = email.message_from_bytes(header, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        when, by = arrival(msg, _internaldate(meta))
        if when is None or not start <= when < end:
            continue
        size = re.search(rb"RFC822\.SIZE (\d+)", meta)
        sender, name = _sender(msg)
        mail = Mail(
            uid,
            _message_id(msg, header),
            sender,
            name,
            _text(str(msg.get("Subject", ""))).strip(),
            when,
            by,
            int(size.group(1)) if size else 0,
        )
        out.append(mail)
    return out


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
    span = window(period)
    folder = ProjectPaths(root).period(period)
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
                    f"邮件有 {_megabytes(mail.size)}，超过 {_megabytes(MAX_MESSAGE)} 的上限，"
                    "没有下载：请县市区只附本期台账重发"
                )
            else:
                _meta, raw = _fetch(server, mail.uid, "(BODY.PEEK[])")
                attachments(email.message_from_bytes(raw, policy=email.policy.default), mail)
            taken.append(mail)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise _fail(settings, exc) from exc
    finally:
        _close(server)
    result = _take_in(root, period, folder, span, taken, unknown, already, elsewhere, now, intake)
    if move_to:
        uids = earlier + [m.uid for m in taken if m.result in ("taken", "no-file")]
        result.moved = _move(settings, secret, timeout, uids, move_to)
    return result


def _move(
    settings: MailboxSettings, password: str, timeout: float, uids: list[str], target: str
) -> str:
    """Move the messages into `target` (made if missing); what happened, in Chinese. A failure
    here loses nothing: the files are taken in and the messages recorded."""
    if not uids:
        return f"没有需要移到“{target}”的邮件。"
    try:
        server = connect(settings, password, timeout, readonly=False)
    except MailboxError as exc:
        return f"邮件没有移到“{target}”：{exc}"
    try:
        # the capabilities after login, which servers may extend beyond the greeting's
        _status, data = server.capability()
        capabilities = b" ".join(d for d in data if isinstance(d, bytes)).upper().split()
        if b"MOVE" not in capabilities:
            return f"收件服务器不支持移动邮件（IMAP MOVE），{len(uids)} 封邮件留在原处。"
        name = imap_folder(target)
        status, _ = server.select(name, readonly=True)
        if status != "OK":
            status, data = server.create(name)
            if status != "OK":
                return f"无法在服务器上建立邮件夹“{target}”（{data}），邮件留在原处。"
        server.select(imap_folder(settings.folder), readonly=False)
        status, data = server.uid("MOVE", ",".join(uids), name)
        if status != "OK":
            return f"移动邮件到“{target}”失败（{data}），邮件留在原处。"
        return f"已把 {len(uids)} 封已收取的邮件移到邮件夹“{target}”。"
    except (OSError, imaplib.IMAP4.error) as exc:
        return f"移动邮件到“{target}”时出错（{exc}），未移动的邮件留在原处。"
    finally:
        _close(server)


def _take_in(
    root: Path,
    period: Period,
    folder: Path,
    span: tuple[datetime, datetime],
    taken: list[Mail],
    unknown: list[Mail],
    already: int,
    elsewhere: list[tuple[Mail, str]],
    now: datetime | None,
    intake: Callable[..., object],
) -> FetchResult:

    problems: list[Problem] = []
    lists: list[Path] = []
    counties: list[str] = []
    taken.sort(key=lambda m: (m.arrived or datetime.min, m.uid))
    index: UnitTree | None = None
    for mail in taken:
        if not mail.files:
            mail.result = "no-file"
            _record(folder, mail, now or datetime.now())
            continue
        paths = _save(root, period, mail)
        try:
            result = intake(root=root, period=period, files=paths, now=now, received=mail.arrived)
        except BulletinError as exc:
            mail.result = "failed"
            mail.lines.append(f"未能收取：{exc}")
            continue
        assert isinstance(result, IntakeResult)
        if result.issued is not None:
            doc_code, issued_at = result.issued
            mail.lines.append(
                f"注意：{period} 期通报已于 {issued_at:%Y-%m-%d} 印发（{doc_code}），这封邮件的文件是"
                "对已印发通报的更正：印发的通报和报送情况不变，数字如有变化列入下一期的“更正说明”"
            )
        problems, lists = result.problems, result.lists
        if index is None:  # the unit roster, read once: taking ledgers in does not change it
            index = load_project(root, load_config(root)).unit_index
        own = index.county.get(mail.unit, mail.unit)
        for item, path in zip(result.filed, paths, strict=True):
            name = path.name
            if item.refused:
                mail.lines.append(f"未收取 {name}：{item.refused}")
            elif item.same_as:
                mail.lines.append(f"未重复收取 {name}：与本期已收取的 {item.same_as} 内容完全相同")
            else:
                names = "、".join(n for _, n in item.counties)
                mail.lines.append(f"已收取 {name}（{names}，{item.rows} 行）→ {item.stored}")
                mail.lines.extend(f"  {note}" for note in item.notes)
                codes = [c for c, _ in item.counties]
                counties.extend(codes)
                if own and codes and own not in codes and index.level.get(own) != "city":
                    sender = index.name.get(own, own)
                    mail.lines.append(
                        f"  注意：发件邮箱是{sender}的，文件中的单位却是{names}的，"
                        "请核对是否发错了文件"
                    )
        mail.result = "taken"
        _record(folder, mail, now or datetime.now())
    lines = county_lines(root, period, counties, problems) if counties else []
    states = _reporting(root, period, {c.code: (c.name, c.files) for c in lines})
    # the files by the names the county sent them under, as 报送情况 and `check` name them
    summary = []
    for c in lines:
        state, files = states.get(c.code, ("", c.files))
        summary.append((c.code, c.name, files, c.rows, c.errors, c.warnings, state))
    return FetchResult(period, span, taken, unknown, already, elsewhere, problems, lists, summary)


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
    out = {}
    for r in reports:
        first = f"首次收到 {r.received[:16]}，" if r.received else ""
        out[r.code] = (f"{first}{r.status}（截止 {r.deadline}）", r.files)
    return out
