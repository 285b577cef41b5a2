"""The office's mailbox over IMAP: log in, list the messages of a window by their headers,
fetch a body, move messages; read-only (EXAMINE) unless messages are to be moved. A failure is
a MailboxError in Chinese saying what to check in bulletin.yml's `mailbox:`."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import socket
import ssl
from datetime import date, datetime, timedelta, timezone

from generator.common.config import MailboxSettings
from generator.common.errors import BulletinError
from generator.office.mime import Mail, mail_of

PASSWORD_VARIABLE = "BULLETIN_IMAP_PASSWORD"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class MailboxError(BulletinError):
    """The mailbox cannot be read at all (no settings, unreachable, login refused, timeout)."""

    exit_code = 1


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


def failure(settings: MailboxSettings, exc: BaseException) -> MailboxError:
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
        raise failure(settings, exc) from exc
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
        close(server)
        raise
    except (OSError, imaplib.IMAP4.error) as exc:
        close(server)
        raise failure(settings, exc) from exc
    return server


def close(server: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        server.logout()


def fetch_item(server: imaplib.IMAP4, uid: str, what: str) -> tuple[bytes, bytes]:
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


_INTERNALDATE = re.compile(
    rb'INTERNALDATE "\s*(?P<day>\d{1,2})-(?P<mon>[A-Za-z]{3})-(?P<year>\d{4})'
    rb" (?P<hour>\d{2}):(?P<min>\d{2}):(?P<sec>\d{2})"
    rb' (?P<zonen>[-+])(?P<zoneh>\d{2})(?P<zonem>\d{2})"'
)


def _internaldate(meta: bytes) -> datetime | None:
    """The server's INTERNALDATE as an instant, with the offset the server gave it."""
    found = _INTERNALDATE.search(meta)
    if found is None:
        return None
    try:
        span = timedelta(hours=int(found["zoneh"]), minutes=int(found["zonem"]))
        return datetime(
            int(found["year"]),
            _MONTHS.index(found["mon"].decode().title()) + 1,  # English, whatever the locale
            int(found["day"]),
            int(found["hour"]),
            int(found["min"]),
            int(found["sec"]),
            tzinfo=timezone(span if found["zonen"] == b"+" else -span),
        )
    except ValueError:
        return None


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
        meta, header = fetch_item(server, uid, "(INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])")
        size = re.search(rb"RFC822\.SIZE (\d+)", meta)
        mail = mail_of(uid, header, _internaldate(meta), int(size.group(1)) if size else 0)
        if mail.arrived is None or not start <= mail.arrived < end:
            continue
        # shown, filed and recorded on the project's clock (the window's), not the computer's
        mail.arrived = mail.arrived.astimezone(start.tzinfo)
        out.append(mail)
    return out


def move(
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
        close(server)
