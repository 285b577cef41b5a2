"""`bulletin send-problems`: mail each county with problems its problem list of a period.

The lists are written afresh from the period's data (as `check` and `intake` write them:
problems/<period>/<code>-<name>-问题清单.xlsx), then each county's list goes to the county's
邮箱 (units.csv). Every message is logged in problems/<period>/sent.csv as `send` logs its
packets; a county that already got a list with the same rows (by the sha256 of its cells, not
of the file, whose bytes change with every write) is not sent it again. Without `yes` nothing
is sent: the plan is returned for printing. The SMTP side is generator.send's.
"""

from __future__ import annotations

import hashlib
import mimetypes
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from generator import formatting as fmt
from generator.config import Config, load_config
from generator.errors import ConfigError
from generator.paths import ProjectPaths
from generator.periods import Period
from generator.publish import exclusive_issue
from generator.render.files import LIST_SUFFIX, write_county_lists
from generator.rosters.load import check_project
from generator.send import (
    SENT,
    SENT_OK,
    WIRE,
    Packet,
    _connect,
    _log,
    _refusal,
    _unit_addresses,
    mail_password,
    mail_settings,
    parse_addresses,
    read_log,
)


@dataclass
class ProblemPlan:
    period: Period
    packets: list[Packet]
    log: Path
    #: code -> (errors, warnings) of the county's list
    counts: dict[str, tuple[int, int]]

    def to_send(self) -> list[Packet]:
        return [p for p in self.packets if not p.skip]


#: problems a county's list may hold that are the office's to act on, not the county's to fix
OFFICE_ACTIONS = frozenset({"E-COUNTY-NOT-REPORTED"})


def list_digest(path: Path) -> tuple[str, int, int, set[str]]:
    """sha256 of a problem list's cells (what the county reads), its errors, warnings, codes."""
    from openpyxl import load_workbook

    digest = hashlib.sha256()
    errors = warnings = 0
    found: set[str] = set()
    workbook = load_workbook(path, read_only=True)
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells = ["" if v is None else str(v) for v in row]
                digest.update(("\x1f".join(cells) + "\x1e").encode())
                if "错误" in cells or "警告" in cells:
                    errors += "错误" in cells
                    warnings += "警告" in cells
                    found.update(c for c in cells if c[:2] in ("E-", "W-"))
    finally:
        workbook.close()
    return digest.hexdigest(), errors, warnings, found


def _write_lists(root: Path, period: Period) -> list[Path]:
    """The period's problem lists as the data stands now (as `intake` writes them)."""

    result = check_project(root, period)
    return write_county_lists(
        result.problems.items,
        [str(period)],
        result.counties,
        result.records,
        ProjectPaths(root).problems,
        sources=result.sources,
    )


def plan_problems(root: Path, text: str) -> ProblemPlan:
    """Which county gets which list, and who is skipped and why."""

    config = load_config(root)
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if period.cadence != config.cadence:
        raise ConfigError(
            f"报告期 {period} 与项目的报告周期不符（bulletin.yml 中 cadence 的设置）。"
        )
    if not (ProjectPaths(root).period(period)).is_dir():
        raise ConfigError(f"没有 {period} 期的数据（data/{period}/ 不存在）。")
    lists = _write_lists(root, period)
    units = _unit_addresses(root)
    log = ProjectPaths(root).problems_of(period) / SENT
    done: dict[tuple[str, str], str] = {}
    for row in read_log(log):
        if row.get("result") == SENT_OK:
            done[(row.get("unit", ""), row.get("sha256", ""))] = row.get("time", "")
    packets: list[Packet] = []
    counts: dict[str, tuple[int, int]] = {}
    for path in sorted(lists, key=lambda p: p.name):
        stem = path.name.removesuffix(LIST_SUFFIX)
        code, _, name = stem.partition("-")
        if not name:  # 全市: the office's own list
            continue
        digest, errors, warnings, found = list_digest(path)
        counts[code] = (errors, warnings)
        packet = Packet(code, name, [path], [digest])
        valid, invalid = parse_addresses(units.get(code, ("", ""))[0])
        packet.addresses = valid
        if found and found <= OFFICE_ACTIONS:
            packet.skip = (
                "本期尚未报送台账：清单中只有“未报送”，是给本办的提醒，不发送（请直接催报）"
            )
        elif (code, digest) in done:
            packet.sent_at = done[(code, digest)][:16].replace("T", " ")
            packet.skip = f"已于 {packet.sent_at} 发送过内容相同的问题清单"
        elif invalid:
            packet.skip = f"邮箱格式不对：{'、'.join(invalid)}（data/units.csv 的“邮箱”列）"
        elif not valid:
            packet.skip = "未填写邮箱（data/units.csv 的“邮箱”列）"
        packets.append(packet)
    return ProblemPlan(period, packets, log, counts)


def message_for(plan: ProblemPlan, packet: Packet, config: Config, today: datetime) -> EmailMessage:
    """The mail to one county: what to fix, the list attached under its Chinese name."""
    mail = config.mail
    assert mail is not None
    org = config.organization.name
    errors, warnings = plan.counts.get(packet.code, (0, 0))
    counted = f"错误 {errors} 个、警告 {warnings} 个"
    msg = EmailMessage()
    msg["Subject"] = f"{org}：{packet.name}{plan.period.label}台账问题清单（{counted}）"
    msg["From"] = formataddr((org, mail.sender))
    msg["To"] = ", ".join(packet.addresses)
    msg["Date"] = formatdate(today.timestamp(), localtime=True)
    msg["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    msg.set_content(
        f"{packet.name}：\n\n"
        f"你单位报来的{plan.period.label}台账经检查有{counted}，详见附件"
        f"《{packet.file_names[0]}》：每行写明文件、行号、企业和问题。\n\n"
        "请改正“错误”的各行后，把改好的整份台账回复本邮件发来；“警告”请核实，"
        "确属实际情况的可不改。\n\n"
        f"如有疑问，请与{org}联系。\n\n{org}\n{fmt.chinese_date(today.date())}\n"
    )
    for path in packet.files:
        kind, _ = mimetypes.guess_type(path.name)
        maintype, _, subtype = (kind or "application/octet-stream").partition("/")
        msg.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return msg


def send_problems(
    root: Path,
    plan: ProblemPlan,
    password: Callable[[], str] | None = None,
    clock: Callable[[], datetime] | None = None,
    timeout: float = 60,
) -> ProblemPlan:
    """Send every list of the plan that is not skipped; log each one; return the plan."""

    config = load_config(root)
    mail = mail_settings(config)
    todo = plan.to_send()
    if not todo:
        return plan
    now = clock or (lambda: datetime.now().astimezone())
    with exclusive_issue(root):
        # what another run sent meanwhile is not sent twice
        logged = {
            (r.get("unit", ""), r.get("sha256", ""))
            for r in read_log(plan.log)
            if r.get("result") == SENT_OK
        }
        todo = [p for p in todo if (p.code, p.digests[0]) not in logged]
        if not todo:
            return plan
        secret = mail_password(mail, password)
        server = _connect(mail, secret, timeout)
        try:
            for packet in todo:
                message_id = ""
                try:
                    message = message_for(plan, packet, config, now())
                    message_id = str(message.get("Message-ID", ""))
                    refused = server.sendmail(
                        mail.sender, packet.addresses, message.as_bytes(policy=WIRE)
                    )
                    packet.result = (
                        f"失败：{_refusal(smtplib.SMTPRecipientsRefused(refused))}"
                        if refused
                        else SENT_OK
                    )
                except (smtplib.SMTPException, OSError) as exc:
                    packet.result = f"失败：{_refusal(exc)}"
                _log(plan.log, packet, packet.addresses, packet.result, now(), message_id)
        finally:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()
    return plan
