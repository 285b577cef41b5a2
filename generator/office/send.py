"""`bulletin send` (CONTRACT §4.1): mail each unit its packet of an issued period.

The packets are those of issued/<period>/dist/<period>/ (never a fresh build's): what a unit gets
is the record, verified against the register before anything is sent; the county-level units,
to which the 通报 is addressed (主送), also get the signed 通报 itself. issued/<period>/sent.csv
is a journal kept per address, appended to and never rewritten: before each message a row
发送中 (write-ahead) for every address it goes to, with its Message-ID; after the server's
answer a row 已发送 or 失败 for each. An address that accepted a packet is never sent the same
files again; only a failed address is tried again on the next run. An address whose last
message has no answer (the command was killed while the server held it) is reported with the
Message-ID to look up and not sent again unless the office says so (`resend_unknown`). Without
`yes` nothing is sent: the plan is returned for printing.
"""

from __future__ import annotations

import base64
import csv
import email.policy
import mimetypes
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from generator.common import formatting as fmt
from generator.common.config import Config, MailSettings, load_config
from generator.common.errors import BuildError, BulletinError, ConfigError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.publish import exclusive_issue
from generator.common.record import project_zone
from generator.common.register import (
    ISSUED_DIR,
    read_register,
    unregistered_message,
    unregistered_periods,
    verify_issued,
)
from generator.federation.roster import read_members
from generator.model.assemble import default_title
from generator.model.content import load_content
from generator.render.dist import MANIFEST, read_manifest
from generator.rosters.ledger import read_roster
from generator.rosters.specs import UNITS
from generator.rosters.validate import Context

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

SENT = "sent.csv"
SENT_HEADERS = ("unit", "address", "files", "sha256", "time", "result", "message_id")
SENT_OK = "已发送"
#: the write-ahead row: written before the message, answered by a row 已发送 or 失败：…
SENT_PENDING = "发送中"
#: the answer row of a message the server took whole and then did not answer
UNKNOWN = "结果不明"
PASSWORD_VARIABLE = "BULLETIN_SMTP_PASSWORD"
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_SEPARATORS = re.compile(r"[;；,，、\s]+")
#: control characters and line separators: never in a header (a name with CR/LF would break it)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

#: why a unit is not sent its packet: the unit roster has no address for it
NO_ADDRESS = "未填写邮箱（data/units.csv 的“邮箱”列）"


#: Headers unfolded up to SMTP's 998 characters: an attachment's Chinese name then goes as one
#: filename*=utf-8''… parameter (RFC 2231), which mail clients read more widely than the
#: continuations (filename*0*=, filename*1*=) a folded header needs.
WIRE = email.policy.SMTP.clone(max_line_length=998)
#: The same with UTF-8 headers as they are, for a message sent with SMTPUTF8 (a 张三@ address).
WIRE_UTF8 = WIRE.clone(utf8=True)


class SendError(BulletinError):
    """Raised when mail cannot be sent at all (no settings, server unreachable, login refused)."""

    exit_code = 1


@dataclass
class Unknown:
    """A message whose outcome is not known: the command stopped before the server answered."""

    address: str
    message_id: str
    time: str


@dataclass
class Packet:
    """One unit's files of an issued period, and where they go."""

    code: str
    name: str
    files: list[Path]  # absolute, inside issued/<period>/dist/<period>/
    digests: list[str]  # sha256 of each file, as the manifest says
    #: the addresses this run sends to (those that have not accepted these files yet)
    addresses: list[str] = field(default_factory=list)
    #: why it is not sent this run: "" (it is), or a Chinese reason
    skip: str = ""
    #: the outcome of this run: "" (not tried), SENT_OK or "失败：…" (per address in `outcomes`)
    result: str = ""
    #: when these files were last accepted by one of the unit's addresses ("" if never)
    sent_at: str = ""
    #: a remark for the preview (e.g. only some addresses get the files)
    note: str = ""
    #: addresses that already accepted these files
    delivered: list[str] = field(default_factory=list)
    #: addresses whose last message has no known outcome
    unknown: list[Unknown] = field(default_factory=list)
    #: this run's outcome per address: SENT_OK or "失败：…"
    outcomes: dict[str, str] = field(default_factory=dict)

    #: the signed 通报 itself (path, attachment name, sha256), for a unit it is addressed to
    document: tuple[Path, str, str] | None = None

    @property
    def file_names(self) -> list[str]:
        return [p.name for p in self.files]

    @property
    def attachments(self) -> list[tuple[Path, str, str]]:
        """(path, name, sha256) of everything the mail carries: the 通报 first, then the packet."""
        packet = [(p, p.name, d) for p, d in zip(self.files, self.digests, strict=True)]
        return [self.document, *packet] if self.document else packet

    @property
    def logged(self) -> tuple[str, str]:
        """The files and sha256 cells of its sent.csv rows: every attachment, the 通报 first."""
        attached = self.attachments
        return ";".join(name for _p, name, _d in attached), ";".join(d for _p, _n, d in attached)

    @property
    def shown_name(self) -> str:
        """The unit's name on one line (a name with a line break is shown, not obeyed)."""
        return one_line(self.name)


@dataclass
class SendPlan:
    period: Period
    doc_code: str
    title: str
    packets: list[Packet]
    log: Path
    #: the office decided to send again what has no known outcome
    resend_unknown: bool = False

    def to_send(self) -> list[Packet]:
        return [p for p in self.packets if not p.skip]

    def unknown(self) -> list[Packet]:
        """Units with a message of unknown outcome that this run does not send again."""
        return [p for p in self.packets if p.unknown and not self.resend_unknown]


#: writes one unit's message: (plan, packet, config, date, addresses) -> the message
Compose = Callable[["SendPlan", Packet, Config, datetime, list[str]], EmailMessage]


def one_line(text: str) -> str:
    """`text` with every control character and line break turned into one space."""
    return _CONTROL.sub(" ", text).strip()


# ---- what would be sent -----------------------------------------------------------------------


def parse_addresses(text: str) -> tuple[list[str], list[str]]:
    """(valid, invalid) addresses of an `email` cell; several are separated by ; , or spaces."""
    valid: list[str] = []
    invalid: list[str] = []
    for item in _SEPARATORS.split(text.strip()):
        if item:
            (valid if _ADDRESS.match(item) else invalid).append(item)
    return valid, invalid


def _unit_addresses(root: Path, level: str = "city") -> dict[str, tuple[str, str]]:
    """code -> (the `email` cell of units.csv as written, the unit's level). A province's or
    the national project's units.csv is its members' roster (层级 省, 市): its members are
    addressed as a city's counties are."""

    if level != "city":
        members = read_members(root, level)
        frame, problems = members.units, members.problems
    else:
        frame, problems, _ok = read_roster(root, ProjectPaths(root).data, UNITS, Context())
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ConfigError(
            f"单位名册有 {len(errors)} 处错误（例如 {errors[0].file} 第 {errors[0].row} 行："
            f"{errors[0].message}）。请运行 bulletin check 查看并改正后再发送。"
        )
    out: dict[str, tuple[str, str]] = {}
    cells = frame["email"] if "email" in frame.columns else [None] * len(frame)
    for code, cell, level in zip(frame["code"], cells, frame["level"], strict=True):
        out[str(code)] = (cell if isinstance(cell, str) else "", str(level))
    return out


def read_log(path: Path) -> list[dict[str, str]]:
    """The rows of sent.csv by the columns of SENT_HEADERS (older logs lack message_id)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return [
        {name: (row[i] if i < len(row) else "") for i, name in enumerate(SENT_HEADERS)}
        for row in rows[1:]
        if any(cell.strip() for cell in row)
    ]


@dataclass
class _AddressState:
    delivered_at: str = ""  # when it last accepted the files ("" if never)
    last: str = ""  # the result of its last row
    message_id: str = ""
    time: str = ""


def _address_states(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], _AddressState]:
    """(unit, sha256, address) -> what the journal says of it: delivered, or its last row."""
    states: dict[tuple[str, str, str], _AddressState] = {}
    for r in rows:
        # rows of older logs hold all of a unit's addresses in one cell, separated by ;
        for address in (a for a in r["address"].split(";") if a):
            state = states.setdefault((r["unit"], r["sha256"], address), _AddressState())
            state.last, state.message_id, state.time = r["result"], r["message_id"], r["time"]
            if r["result"] == SENT_OK:
                state.delivered_at = r["time"]
    return states


def _file_name(name: str) -> str:
    """An attachment name without path or control characters."""
    return re.sub(r'[\\/:*?"<>|]', "_", one_line(name))


def _when(stamp: str) -> str:
    return stamp[:16].replace("T", " ")


def plan_send(root: Path, text: str, resend_unknown: bool = False) -> SendPlan:
    """Who gets which files of the issued period, and who is skipped and why."""

    config = load_config(root)  # not a project: said before anything else
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    key = str(period)
    register = read_register(root)
    if key in unregistered_periods(register):
        raise ConfigError(unregistered_message(register, [key]) + "（本次没有发送任何邮件。）")
    if key not in register.periods():
        issued = "、".join(register.periods()) or "无"
        raise ConfigError(
            f"{key} 期通报尚未印发，不能发送（已印发：{issued}）。"
            f"请先核对通报，签发后运行 bulletin issue {key}，再发送。"
        )
    try:
        verify_issued(register, key)
    except BuildError as exc:
        raise SendError(f"{exc}本次没有发送任何邮件。") from exc
    folder = register.folder / key
    dist = folder / "dist" / key
    manifest = dist / MANIFEST
    recorded = {r.file: r.sha256 for r in register.files(key)}
    if not manifest.is_file():
        raise ConfigError(f"{ISSUED_DIR}/{key}/dist/{key}/{MANIFEST} 不存在：该期没有分发文件。")
    units = _unit_addresses(root, config.level)
    frame = load_content(root).frames.get(key)
    title = (frame.title if frame else "") or default_title(period, config.level)
    packets: dict[str, Packet] = {}
    for row in read_manifest(manifest):
        if row["file"].endswith(".zip"):
            continue  # the files go one by one: a mail client shows a PDF, not a zip
        path = dist / row["file"]
        rel = f"dist/{key}/{row['file']}"
        if recorded.get(rel) != row["sha256"]:
            raise SendError(
                f"{ISSUED_DIR}/{key}/{rel} 与印发时登记的 sha256 不符（文件缺失或被改动），"
                "没有发送任何邮件。请从备份中恢复该文件。"
            )
        packet = packets.setdefault(row["code"], Packet(row["code"], row["name"], [], []))
        packet.files.append(path)
        packet.digests.append(row["sha256"])
    # The 通报 is addressed (主送) to the county-level units' federations: their mail carries it.
    signed = f"internal/pdf/{key}/bulletin.pdf"
    document_name = _file_name(f"{register.doc_code(key)} {title}.pdf")
    log = folder / SENT
    states = _address_states(read_log(log))
    for packet in packets.values():
        cell, level = units.get(packet.code, ("", ""))
        if level == "county" and signed in recorded:
            packet.document = (folder / signed, document_name, recorded[signed])
        _plan_packet(packet, cell, states, resend_unknown)
    return SendPlan(
        period, register.doc_code(key), title, list(packets.values()), log, resend_unknown
    )


def _plan_packet(
    packet: Packet,
    cell: str,
    states: dict[tuple[str, str, str], _AddressState],
    resend_unknown: bool,
) -> None:
    """Decide the packet's addresses this run, from the unit's cell and the journal."""
    valid, invalid = parse_addresses(cell)
    # rows log every attachment; those of older logs the packet's own files only
    digests = {";".join(packet.digests), packet.logged[1]}
    known = {a: st for (u, d, a), st in states.items() if u == packet.code and d in digests}
    packet.delivered = [a for a, st in known.items() if st.delivered_at]
    if packet.delivered:
        packet.sent_at = _when(max(known[a].delivered_at for a in packet.delivered))
    packet.unknown = [
        Unknown(a, st.message_id, _when(st.time))
        for a, st in known.items()
        if not st.delivered_at and (st.last == SENT_PENDING or st.last.startswith(UNKNOWN))
    ]
    held = {u.address for u in packet.unknown} if not resend_unknown else set()
    todo = [a for a in valid if a not in packet.delivered and a not in held]
    packet.addresses = todo
    if invalid:
        packet.skip = f"邮箱格式不对：{'、'.join(invalid)}（data/units.csv 的“邮箱”列）"
    elif not valid:
        packet.skip = NO_ADDRESS
    elif not todo:
        if held:
            packet.skip = (
                f"上次发给 {'、'.join(sorted(held))} 的邮件结果不明，本次不重发（见下方说明）"
            )
        else:
            packet.skip = f"已于 {packet.sent_at} 发送过这些文件"
    elif packet.delivered:
        packet.note = (
            f"{packet.sent_at} 已发给 {'; '.join(sorted(packet.delivered))}，"
            f"这次只发给 {'; '.join(todo)}"
        )


# ---- sending ----------------------------------------------------------------------------------


def attachment_kinds(packet: Packet, period: Period) -> list[str]:
    """What each attached file is, from its name: 报告, 未建会重点企业清单."""
    kinds: list[str] = []
    for name in packet.file_names:
        stem = name.rsplit(".", 1)[0]
        kind = stem.split(period.label, 1)[1] if period.label in stem else stem
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds


def message_for(
    plan: SendPlan, packet: Packet, config: Config, today: datetime, to: list[str]
) -> EmailMessage:
    """The mail to one unit: Chinese text, the files attached under their Chinese names.

    The subject says what is attached: the unit's report and list, and the 通报 itself only
    where the mail carries it (a county-level unit, to which it is addressed). Every header
    value is on one line: a name with a line break is shown with a space.
    """
    mail = config.mail
    assert mail is not None
    org = one_line(config.organization.name)
    name = packet.shown_name
    title, doc_code = one_line(plan.title), one_line(plan.doc_code)
    what = "和".join(attachment_kinds(packet, plan.period))
    msg = EmailMessage()
    msg["Subject"] = (
        f"{org}：{title}（{doc_code}）及{name}{plan.period.label}{what}"
        if packet.document
        else f"{org}：{name}{plan.period.label}{what}（{doc_code}）"
    )
    msg["From"] = formataddr((org, mail.sender))
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(today.timestamp(), localtime=True)
    msg["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    attached = packet.attachments
    listing = "\n".join(
        f"  {i}. {file}\n     sha256：{digest}"
        for i, (_path, file, digest) in enumerate(attached, 1)
    )
    opening = (
        f"现将{org}《{title}》（{doc_code}）印发给你们，并将你单位{plan.period.label}的{what}"
        "一并发送"
        if packet.document
        else f"根据{org}《{title}》（{doc_code}），现将你单位{plan.period.label}的{what}发给你们"
    )
    msg.set_content(
        f"{name}：\n\n{opening}，共 {len(attached)} 个附件：\n\n{listing}\n\n"
        # a province's packet carries the report only: the list stays with the city
        + (
            "请对照未建会重点企业清单逐户推进建会、按期销号。"
            if "未建会重点企业清单" in what
            else ""
        )
        + "sha256 为文件校验值，"
        "可用于核对附件是否完整。\n\n"
        f"请查收。如有疑问，请与{org}联系。\n\n{org}\n{fmt.chinese_date(today.date())}\n"
    )
    for path, file, _digest in attached:
        kind, _ = mimetypes.guess_type(file)
        maintype, _, subtype = (kind or "application/octet-stream").partition("/")
        # filename= with non-ASCII text is written as filename*=utf-8''… (RFC 2231)
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=file)
    return msg


def _login(server: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a user name or password beyond ASCII goes as UTF-8 AUTH PLAIN (RFC 4616).

    smtplib encodes credentials as ASCII, so a password with a Chinese character would fail
    with a traceback instead of reaching the server.
    """
    if user.isascii() and password.isascii():
        server.login(user, password)
        return
    server.ehlo_or_helo_if_needed()
    mechanisms = server.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in mechanisms:
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, response = server.docmd("AUTH", f"PLAIN {token}")
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, response)


class _Marked(smtplib.SMTP):
    """Notes when a message has wholly gone to the server (its final dot sent).

    From then on whether it is delivered is the server's answer; a connection lost before that
    answer leaves the outcome unknown, not failed.
    """

    data_sent = False

    def send(self, s: ReadableBuffer | str) -> None:
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.data_sent = True


class _SMTP(_Marked):
    pass


class _SMTP_SSL(_Marked, smtplib.SMTP_SSL):
    pass


def _connect(mail: MailSettings, password: str | None, timeout: float) -> _Marked:
    where = f"{mail.host}:{mail.port}"
    context = ssl.create_default_context()
    try:
        server: _Marked
        if mail.security == "ssl":
            server = _SMTP_SSL(mail.host, mail.port, timeout=timeout, context=context)
        else:
            server = _SMTP(mail.host, mail.port, timeout=timeout)
            if mail.security == "starttls":
                server.starttls(context=context)
        if mail.username:
            _login(server, mail.username, password or "")
        return server
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(
            f"邮件服务器 {where} 拒绝了用户名或密码（用户名 {mail.username}）。没有发送任何邮件。"
            f"请核对 bulletin.yml 中 mail 的 username，以及环境变量 {PASSWORD_VARIABLE} "
            "或输入的密码。"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        what = "STARTTLS 加密" if mail.security == "starttls" else "登录（AUTH）"
        raise SendError(
            f"邮件服务器 {where} 不支持{what}。没有发送任何邮件。"
            "请向信息中心确认服务器的端口和加密方式（bulletin.yml 中 mail 的 port、security）。"
        ) from exc
    except ssl.SSLError as exc:
        raise SendError(
            f"与邮件服务器 {where} 建立加密连接失败（{exc.reason or exc}）。没有发送任何邮件。"
            "请确认 security 设置（starttls 一般用 587 端口，ssl 一般用 465 端口）和服务器证书。"
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        reason = "连接超时" if isinstance(exc, socket.timeout | TimeoutError) else str(exc)
        raise SendError(
            f"无法连接邮件服务器 {where}：{reason}。没有发送任何邮件。"
            "请检查网络，以及 bulletin.yml 中 mail 的 host、port、security。"
        ) from exc


def _log(
    path: Path, packet: Packet, addresses: list[str], result: str, when: datetime, message_id: str
) -> None:
    """Append one row per address to sent.csv and put it on disk before going on."""
    new = not path.is_file()
    with path.open("a", encoding="utf-8-sig" if new else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        if new:
            writer.writerow(SENT_HEADERS)
        for address in addresses:
            writer.writerow(
                [
                    packet.code,
                    address,
                    *packet.logged,
                    when.isoformat(timespec="seconds"),
                    one_line(result),
                    message_id,
                ]
            )
        handle.flush()
        os.fsync(handle.fileno())


def _refusal(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{addr} 被拒收（{code} {_text(msg)}）" for addr, (code, msg) in exc.recipients.items()
        ]
        return "；".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"服务器拒绝（{exc.smtp_code} {_text(exc.smtp_error)}）"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "服务器断开了连接"
    return str(exc) or type(exc).__name__


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def mail_settings(config: Config) -> MailSettings:
    """The project's mail server (`mail:` in bulletin.yml), or a ConfigError saying what to add."""
    if config.mail is None:
        raise ConfigError(
            "bulletin.yml 中没有邮件服务器设置（mail），无法发送。请添加，例如：\n"
            "mail:\n  host: smtp.example.gov.cn\n  port: 587\n  security: starttls\n"
            "  username: zzb@example.gov.cn\n  from: zzb@example.gov.cn\n"
            f"密码不写在文件中：设置环境变量 {PASSWORD_VARIABLE}，或在发送时输入。"
        )
    return config.mail


def mail_password(mail: MailSettings, password: Callable[[], str] | None) -> str | None:
    """The server's password (environment, else the prompt), None when it needs no login."""
    if not mail.username:
        return None
    secret = os.environ.get(PASSWORD_VARIABLE) or (password() if password else None)
    if not secret:
        raise SendError(f"没有邮件服务器密码：请设置环境变量 {PASSWORD_VARIABLE}，或在提示时输入。")
    return secret


def send(
    root: Path,
    plan: SendPlan,
    password: Callable[[], str] | None = None,
    clock: Callable[[], datetime] | None = None,
    timeout: float = 60,
) -> SendPlan:
    """Send every packet of the plan that is not skipped; log each address; return the plan."""
    config = load_config(root)
    mail_settings(config)  # a project without `mail:` is told what to add, before any work
    with exclusive_issue(root):
        # what another send did since this plan was made is not done twice
        fresh = {p.code: p for p in plan_send(root, str(plan.period), plan.resend_unknown).packets}
        for packet in plan.packets:
            latest = fresh.get(packet.code)
            if latest is None:
                continue
            packet.addresses, packet.delivered = latest.addresses, latest.delivered
            packet.unknown, packet.sent_at, packet.note = (
                latest.unknown,
                latest.sent_at,
                latest.note,
            )
            if not packet.skip and latest.skip:
                packet.skip = latest.skip
        return _send(config, plan, password, clock, timeout)


def record_confirmed(
    root: Path, plan: SendPlan, clock: Callable[[], datetime] | None = None
) -> int:
    """Record the messages of unknown outcome as delivered (the office looked them up).

    Returns how many addresses were recorded; each row keeps the Message-ID it confirms.
    """
    now = (clock or (lambda: datetime.now(project_zone(root))))()
    count = 0
    with exclusive_issue(root):
        fresh = plan_send(root, str(plan.period))
        for packet in fresh.packets:
            for item in packet.unknown:
                _log(plan.log, packet, [item.address], SENT_OK, now, item.message_id)
                count += 1
    return count


def _send(
    config: Config,
    plan: SendPlan,
    password: Callable[[], str] | None,
    clock: Callable[[], datetime] | None,
    timeout: float,
    compose: Compose | None = None,
) -> SendPlan:
    """Send the plan's packets, journalled per address; `compose` writes each message (the
    issued packet's by default; send-problems passes its own)."""
    mail = config.mail
    assert mail is not None
    todo = plan.to_send()
    if not todo:
        return plan
    # the office's clock (bulletin.yml timezone): the date written in each message is its day
    now = clock or (lambda: datetime.now(config.zone))
    secret = mail_password(mail, password)
    server: _Marked | None = _connect(mail, secret, timeout)
    try:
        for packet in todo:
            if server is None:  # the server dropped us: one new connection per unit
                try:
                    server = _connect(mail, secret, timeout)
                except SendError as exc:
                    _fail(plan, packet, packet.addresses, f"失败：{exc}", now())
                    continue
            try:
                kept = _send_packet(config, plan, packet, server, now, compose)
            except (smtplib.SMTPException, OSError) as exc:  # lost before the message began
                _fail(plan, packet, packet.addresses, f"失败：{_refusal(exc)}", now())
                kept = False
            if not kept:
                server.close()
                server = None
            packet.result = _summary(packet.outcomes)
    finally:
        if server is not None:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()
    return plan


def _summary(outcomes: dict[str, str]) -> str:
    """A unit's result this run: 已发送, 失败：… (naming each address), or 结果不明：…."""
    failed = [
        r.removeprefix("失败：")
        if r.startswith(f"失败：{a}")
        else f"{a}：{r.removeprefix('失败：')}"
        for a, r in outcomes.items()
        if r.startswith("失败")
    ]
    unknown = [a for a, r in outcomes.items() if r.startswith(UNKNOWN)]
    if failed:
        return f"失败：{'；'.join(failed)}"
    if unknown:
        return f"{UNKNOWN}：{'、'.join(unknown)}"
    return SENT_OK


def _fail(
    plan: SendPlan, packet: Packet, addresses: list[str], reason: str, when: datetime
) -> None:
    for address in addresses:
        packet.outcomes[address] = reason
    _log(plan.log, packet, addresses, reason, when, "")


def _send_packet(
    config: Config,
    plan: SendPlan,
    packet: Packet,
    server: _Marked,
    now: Callable[[], datetime],
    compose: Compose | None = None,
) -> bool:
    """Send one unit's message; log each address; False when the connection is lost."""
    mail = config.mail
    assert mail is not None
    server.ehlo_or_helo_if_needed()
    utf8 = server.has_extn("smtputf8")
    if not utf8 and not mail.sender.isascii():
        _fail(
            plan,
            packet,
            packet.addresses,
            f"失败：发件邮箱 {mail.sender} 含中文，邮件服务器不支持中文邮箱地址（SMTPUTF8）。"
            "请把 bulletin.yml 中 mail 的 from 改为英文字母的邮箱",
            now(),
        )
        return True
    # an address beyond ASCII (张三@…) needs a server that takes SMTPUTF8; the others go anyway
    to = [a for a in packet.addresses if utf8 or a.isascii()]
    beyond = [a for a in packet.addresses if a not in to]
    if beyond:
        _fail(
            plan,
            packet,
            beyond,
            "失败：邮件服务器不支持中文邮箱地址（SMTPUTF8），无法发到这个地址。请改用英文字母的"
            "邮箱（修改 data/units.csv 的“邮箱”列），或请信息中心为邮件服务器开启 SMTPUTF8",
            now(),
        )
    if not to:
        return True
    needs_utf8 = not all(a.isascii() for a in [mail.sender, *to])
    message = (compose or message_for)(plan, packet, config, now(), to)
    message_id = str(message["Message-ID"])
    data = message.as_bytes(policy=WIRE_UTF8 if needs_utf8 else WIRE)
    # Write-ahead: if the command dies before the answer, the journal says which message to
    # look up instead of sending it again.
    _log(plan.log, packet, to, SENT_PENDING, now(), message_id)
    server.data_sent = False
    try:
        refused = server.sendmail(
            mail.sender, to, data, mail_options=["SMTPUTF8"] if needs_utf8 else []
        )
    except smtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients
    except (smtplib.SMTPException, OSError) as exc:
        if server.data_sent and not isinstance(exc, smtplib.SMTPResponseException):
            # the server has the whole message and did not say what it did with it
            reason = f"{UNKNOWN}：服务器收下邮件后没有答复（{_refusal(exc)}）"
            for address in to:
                packet.outcomes[address] = reason
            _log(plan.log, packet, to, reason, now(), message_id)
            return False
        reason = f"失败：{_refusal(exc)}"
        for address in to:
            packet.outcomes[address] = reason
        _log(plan.log, packet, to, reason, now(), message_id)
        # disconnected or a network error: a new connection for the next unit
        return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code != 421
    accepted = [a for a in to if a not in refused]
    if accepted:
        for address in accepted:
            packet.outcomes[address] = SENT_OK
        _log(plan.log, packet, accepted, SENT_OK, now(), message_id)
    for address, (code, text) in refused.items():
        reason = f"失败：{address} 被拒收（{code} {_text(text)}）"
        packet.outcomes[address] = reason
        _log(plan.log, packet, [address], reason, now(), message_id)
    return True
