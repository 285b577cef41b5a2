"""A county's message as `bulletin fetch` reads it: when it arrived (the receiving server's
topmost `Received:` time, else `Date:`, else the server's INTERNALDATE), who sent it, and its
spreadsheet attachments, also inside a forwarded message or a zip, within the limits a zip bomb
or an oversize file would exceed; every file not taken is said in a Chinese note."""

from __future__ import annotations

import contextlib
import email
import email.policy
import email.utils
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from hashlib import sha256
from pathlib import Path, PurePosixPath, PureWindowsPath

#: the attachments taken as ledgers, and the archives that cannot be opened (said, not taken)
LEDGER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
ARCHIVE_SUFFIXES = (".rar", ".7z", ".tar", ".gz", ".tgz")
#: an attachment, or a spreadsheet inside a zip, larger than this is not taken in
MAX_ATTACHMENT = 30 << 20
#: a zip member must not inflate more than this many times its compressed size (zip bombs)
MAX_RATIO = 200
#: the most spreadsheets taken from one zip
MAX_ZIP_FILES = 50
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
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
    #: an instant (with its offset); `bulletin fetch` puts it on the project's clock
    arrived: datetime | None
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


def _instant(when: datetime) -> datetime:
    """A header's time as an instant: its own offset kept (never the computer's zone); a time
    without one (-0000: UTC, its sender's zone unknown, RFC 5322) is UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.replace(microsecond=0)


def _header_time(text: str) -> datetime | None:
    try:
        return _instant(parsedate_to_datetime(text.strip()))
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


def megabytes(size: int) -> str:
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
                    f"{where} 解压后有 {megabytes(info.file_size)}，超过 "
                    f"{megabytes(MAX_ATTACHMENT)} 的上限（或压缩比异常），未收取"
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
                mail.notes.append(f"{where} 解压后超过 {megabytes(MAX_ATTACHMENT)} 的上限，未收取")
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
                mail.notes.append(f"压缩包 {name} 有 {megabytes(len(data))}，超过上限，未收取")
            else:
                _from_zip(name, data, mail)
        elif lower.endswith(LEDGER_SUFFIXES):
            if len(data) > MAX_ATTACHMENT:
                mail.notes.append(
                    f"附件 {name} 有 {megabytes(len(data))}，超过 {megabytes(MAX_ATTACHMENT)} "
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


def mail_of(uid: str, header: bytes, internaldate: datetime | None, size: int) -> Mail:
    """A message as its headers describe it (the body is fetched later, when it is taken)."""
    msg = email.message_from_bytes(header, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    when, by = arrival(msg, internaldate)
    sender, name = _sender(msg)
    subject = _text(str(msg.get("Subject", ""))).strip()
    return Mail(uid, _message_id(msg, header), sender, name, subject, when, by, size)


def read_message(raw: bytes, mail: Mail) -> None:
    """Add a whole message's spreadsheets (and notes on what is not taken) to `mail`."""
    attachments(email.message_from_bytes(raw, policy=email.policy.default), mail)
