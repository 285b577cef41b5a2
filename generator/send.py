"""`bulletin send` (CONTRACT §4.1): mail each unit its packet of an issued period.

The packets are those of issued/<period>/dist/<period>/ (never a fresh build's): what a unit gets
is the record. Every message is logged in issued/<period>/sent.csv as it is sent; a unit that
already got the same files (by sha256) is skipped, a unit whose message failed is tried again on
the next run. Without `yes` nothing is sent: the plan is returned for printing.
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

from generator import formatting as fmt
from generator.config import Config, MailSettings, load_config
from generator.errors import BulletinError, ConfigError
from generator.issue import ISSUED_DIR, read_register, sha256_of
from generator.periods import Period
from generator.publish import exclusive_issue

SENT = "sent.csv"
SENT_HEADERS = ("unit", "address", "files", "sha256", "time", "result")
SENT_OK = "已发送"
PASSWORD_VARIABLE = "BULLETIN_SMTP_PASSWORD"
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_SEPARATORS = re.compile(r"[;；,，、\s]+")


#: Headers unfolded up to SMTP's 998 characters: an attachment's Chinese name then goes as one
#: filename*=utf-8''… parameter (RFC 2231), which mail clients read more widely than the
#: continuations (filename*0*=, filename*1*=) a folded header needs.
WIRE = email.policy.SMTP.clone(max_line_length=998)


class SendError(BulletinError):
    """Raised when mail cannot be sent at all (no settings, server unreachable, login refused)."""

    exit_code = 1


@dataclass
class Packet:
    """One unit's files of an issued period, and where they go."""

    code: str
    name: str
    files: list[Path]  # absolute, inside issued/<period>/dist/<period>/
    digests: list[str]  # sha256 of each file, as the manifest says
    addresses: list[str] = field(default_factory=list)
    #: why it is not sent this run: "" (it is), or a Chinese reason
    skip: str = ""
    #: the outcome of this run: "" (not tried), SENT_OK or "失败：…"
    result: str = ""
    #: when these files were last sent to this unit ("" if never)
    sent_at: str = ""
    #: a remark for the preview (e.g. only new addresses get the files again)
    note: str = ""

    @property
    def file_names(self) -> list[str]:
        return [p.name for p in self.files]


@dataclass
class SendPlan:
    period: Period
    doc_code: str
    title: str
    packets: list[Packet]
    log: Path

    def to_send(self) -> list[Packet]:
        return [p for p in self.packets if not p.skip]


# ---- what would be sent -----------------------------------------------------------------------


def parse_addresses(text: str) -> tuple[list[str], list[str]]:
    """(valid, invalid) addresses of an `email` cell; several are separated by ; , or spaces."""
    valid: list[str] = []
    invalid: list[str] = []
    for item in _SEPARATORS.split(text.strip()):
        if item:
            (valid if _ADDRESS.match(item) else invalid).append(item)
    return valid, invalid


def _unit_addresses(root: Path) -> dict[str, str]:
    """code -> the `email` cell of units.csv (as written)."""
    from generator.rosters.load import read_roster
    from generator.rosters.specs import UNITS
    from generator.rosters.validate import Context

    frame, problems, _ok = read_roster(root, root / "data", UNITS, Context())
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ConfigError(
            f"单位名册有 {len(errors)} 处错误（例如 {errors[0].file} 第 {errors[0].row} 行："
            f"{errors[0].message}）。请运行 bulletin check 查看并改正后再发送。"
        )
    if "email" not in frame.columns:
        return {}
    out: dict[str, str] = {}
    for code, cell in zip(frame["code"], frame["email"], strict=True):
        if isinstance(cell, str) and cell.strip():
            out[str(code)] = cell
    return out


def read_log(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def plan_send(root: Path, text: str) -> SendPlan:
    """Who gets which files of the issued period, and who is skipped and why."""
    from generator.content import load_content
    from generator.render.dist import MANIFEST, read_manifest

    load_config(root)  # not a project: said before anything else
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    key = str(period)
    register = read_register(root)
    if key not in register.periods():
        issued = "、".join(register.periods()) or "无"
        raise ConfigError(
            f"{key} 期通报尚未印发，不能发送（已印发：{issued}）。"
            f"请先核对通报，签发后运行 bulletin issue {key}，再发送。"
        )
    folder = register.folder / key
    dist = folder / "dist" / key
    manifest = dist / MANIFEST
    recorded = {r.file: r.sha256 for r in register.files(key)}
    if not manifest.is_file():
        raise ConfigError(f"{ISSUED_DIR}/{key}/dist/{key}/{MANIFEST} 不存在：该期没有分发文件。")
    units = _unit_addresses(root)
    frame = load_content(root).frames.get(key)
    title = (frame.title if frame else "") or f"关于{period.label}全市企业工会组建工作情况的通报"
    packets: dict[str, Packet] = {}
    for row in read_manifest(manifest):
        if row["file"].endswith(".zip"):
            continue  # the files go one by one: a mail client shows a PDF, not a zip
        path = dist / row["file"]
        rel = f"dist/{key}/{row['file']}"
        if recorded.get(rel) != row["sha256"] or sha256_of(path) != row["sha256"]:
            raise SendError(
                f"{ISSUED_DIR}/{key}/{rel} 与印发时登记的 sha256 不符（文件缺失或被改动），"
                "没有发送任何邮件。请从备份中恢复该文件。"
            )
        packet = packets.setdefault(row["code"], Packet(row["code"], row["name"], [], []))
        packet.files.append(path)
        packet.digests.append(row["sha256"])
    log = folder / SENT
    # (unit, files) -> when and to which addresses they were last sent
    done: dict[tuple[str, str], tuple[str, set[str]]] = {}
    for r in read_log(log):
        if r.get("result") == SENT_OK:
            sent_to = {a for a in r.get("address", "").split(";") if a}
            key_ = (r.get("unit", ""), r.get("sha256", ""))
            earlier = done.get(key_, ("", set()))[1]
            done[key_] = (r.get("time", ""), earlier | sent_to)
    for packet in packets.values():
        valid, invalid = parse_addresses(units.get(packet.code, ""))
        packet.addresses = valid
        digest = ";".join(packet.digests)
        if (packet.code, digest) in done:
            time, sent_to = done[(packet.code, digest)]
            packet.sent_at = time[:16].replace("T", " ")
            new = [a for a in valid if a not in sent_to]
            if new and not invalid:
                # the address was corrected after sending: the new one gets the files too
                packet.addresses = new
                packet.note = (
                    f"邮箱已更改：{packet.sent_at} 已发给 {'; '.join(sorted(sent_to))}，"
                    f"这次只发给新邮箱"
                )
            else:
                packet.skip = f"已于 {packet.sent_at} 发送过这些文件"
        elif invalid:
            packet.skip = f"邮箱格式不对：{'、'.join(invalid)}（data/units.csv 的“邮箱”列）"
        elif not valid:
            packet.skip = "未填写邮箱（data/units.csv 的“邮箱”列）"
    return SendPlan(period, register.doc_code(key), title, list(packets.values()), log)


# ---- sending ----------------------------------------------------------------------------------


def message_for(plan: SendPlan, packet: Packet, config: Config, today: datetime) -> EmailMessage:
    """The mail to one unit: Chinese text, the files attached under their Chinese names."""
    mail = config.mail
    assert mail is not None
    org = config.organization.name
    msg = EmailMessage()
    msg["Subject"] = f"{org}{plan.period.label}通报及{packet.name}报告（{plan.doc_code}）"
    msg["From"] = formataddr((org, mail.sender))
    msg["To"] = ", ".join(packet.addresses)
    msg["Date"] = formatdate(today.timestamp(), localtime=True)
    msg["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    listing = "\n".join(
        f"  {i}. {name}\n     sha256：{digest}"
        for i, (name, digest) in enumerate(zip(packet.file_names, packet.digests, strict=True), 1)
    )
    msg.set_content(
        f"{packet.name}：\n\n"
        f"现将{org}《{plan.title}》（{plan.doc_code}）涉及你单位的材料发给你们，"
        f"共 {len(packet.files)} 个附件：\n\n{listing}\n\n"
        f"附件为你单位{plan.period.label}企业工会组建工作情况报告和未建会重点企业清单，"
        "请对照清单逐户推进建会、按期销号。sha256 为文件校验值，可用于核对附件是否完整。\n\n"
        f"请查收。如有疑问，请与{org}联系。\n\n{org}\n{fmt.chinese_date(today.date())}\n"
    )
    for path in packet.files:
        kind, _ = mimetypes.guess_type(path.name)
        maintype, _, subtype = (kind or "application/octet-stream").partition("/")
        # filename= with non-ASCII text is written as filename*=utf-8''… (RFC 2231)
        msg.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
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


def _connect(mail: MailSettings, password: str | None, timeout: float) -> smtplib.SMTP:
    where = f"{mail.host}:{mail.port}"
    context = ssl.create_default_context()
    try:
        server: smtplib.SMTP
        if mail.security == "ssl":
            server = smtplib.SMTP_SSL(mail.host, mail.port, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(mail.host, mail.port, timeout=timeout)
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


def _log(path: Path, packet: Packet, when: datetime) -> None:
    new = not path.is_file()
    with path.open("a", encoding="utf-8-sig" if new else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        if new:
            writer.writerow(SENT_HEADERS)
        writer.writerow(
            [
                packet.code,
                ";".join(packet.addresses),
                ";".join(packet.file_names),
                ";".join(packet.digests),
                when.isoformat(timespec="seconds"),
                packet.result,
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


def send(
    root: Path,
    plan: SendPlan,
    password: Callable[[], str] | None = None,
    clock: Callable[[], datetime] | None = None,
    timeout: float = 60,
) -> SendPlan:
    """Send every packet of the plan that is not skipped; log each one; return the plan."""
    config = load_config(root)
    mail = config.mail
    if mail is None:
        raise ConfigError(
            "bulletin.yml 中没有邮件服务器设置（mail），无法发送。请添加，例如：\n"
            "mail:\n  host: smtp.example.gov.cn\n  port: 587\n  security: starttls\n"
            "  username: zzb@example.gov.cn\n  from: zzb@example.gov.cn\n"
            f"密码不写在文件中：设置环境变量 {PASSWORD_VARIABLE}，或在发送时输入。"
        )
    with exclusive_issue(root):
        # what another send finished since this plan was made is not sent twice
        fresh = {p.code: p for p in plan_send(root, str(plan.period)).packets}
        for packet in plan.to_send():
            latest = fresh.get(packet.code)
            if latest is not None and latest.skip and latest.sent_at:
                packet.skip = latest.skip
        return _send(config, plan, password, clock, timeout)


def _send(
    config: Config,
    plan: SendPlan,
    password: Callable[[], str] | None,
    clock: Callable[[], datetime] | None,
    timeout: float,
) -> SendPlan:
    mail = config.mail
    assert mail is not None
    todo = plan.to_send()
    if not todo:
        return plan
    now = clock or (lambda: datetime.now().astimezone())
    secret = None
    if mail.username:
        secret = os.environ.get(PASSWORD_VARIABLE) or (password() if password else None)
        if not secret:
            raise SendError(
                f"没有邮件服务器密码：请设置环境变量 {PASSWORD_VARIABLE}，或在提示时输入。"
            )
    server: smtplib.SMTP | None = _connect(mail, secret, timeout)
    try:
        for packet in todo:
            if server is None:  # the server dropped us: one new connection per unit
                try:
                    server = _connect(mail, secret, timeout)
                except SendError as exc:
                    packet.result = f"失败：{exc}"
                    _log(plan.log, packet, now())
                    continue
            try:
                message = message_for(plan, packet, config, now())
                refused = server.sendmail(
                    mail.sender, packet.addresses, message.as_bytes(policy=WIRE)
                )
                # one address of several refused: tried again next run (to all: duplicates are
                # harmless, a unit that never got its packet is not)
                packet.result = (
                    f"失败：{_refusal(smtplib.SMTPRecipientsRefused(refused))}"
                    if refused
                    else SENT_OK
                )
            except (smtplib.SMTPException, OSError) as exc:
                packet.result = f"失败：{_refusal(exc)}"
                lost = not isinstance(
                    exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
                )
                if lost:  # disconnected or a network error: reconnect for the next unit
                    server.close()
                    server = None
            _log(plan.log, packet, now())
    finally:
        if server is not None:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()
    return plan
