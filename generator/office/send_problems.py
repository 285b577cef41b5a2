"""`bulletin send-problems`: mail each county with problems its problem list of a period.

The lists are written afresh from the period's data (as `check` and `intake` write them:
problems/<period>/<code>-<name>-问题清单.xlsx), then each county's list goes to the county's
邮箱 (units.csv). problems/<period>/sent.csv is journalled per address by send's own machinery
(a 发送中 row with the Message-ID before each message, then the server's answer): an address
that accepted a list with the same rows (by the sha256 of its cells, not of the file, whose
bytes change with every write) is not sent it again, and one whose message has no known
outcome (the command was killed) is listed, not sent again unless the office says so. A county
that has not reported gets no list: chasing it is the office's. Without `yes` nothing is sent:
the plan is returned for printing.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from generator.common import formatting as fmt
from generator.common.config import Config, load_config
from generator.common.errors import ConfigError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.publish import exclusive_issue
from generator.common.record import project_zone
from generator.office.decisions import city_only
from generator.office.send import (
    SENT,
    SENT_OK,
    Packet,
    SendPlan,
    _address_states,
    _log,
    _plan_packet,
    _send,
    _unit_addresses,
    mail_settings,
    read_log,
)
from generator.render.files import LIST_SUFFIX, write_county_lists
from generator.rosters.codes import E_COUNTY_NOT_REPORTED
from generator.rosters.load import check_project


@dataclass
class ProblemPlan(SendPlan):
    """A send plan whose packets are the counties' problem lists (one file each)."""

    #: code -> (errors, warnings) of the county's list
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)


def list_digest(path: Path) -> tuple[str, int, int]:
    """sha256 of a problem list's cells (what the county reads), its errors and warnings."""
    from openpyxl import load_workbook

    digest = hashlib.sha256()
    errors = warnings = 0
    workbook = load_workbook(path, read_only=True)
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells = ["" if v is None else str(v) for v in row]
                digest.update(("\x1f".join(cells) + "\x1e").encode())
                errors += "错误" in cells
                warnings += "警告" in cells
    finally:
        workbook.close()
    return digest.hexdigest(), errors, warnings


def _write_lists(root: Path, period: Period) -> tuple[list[Path], dict[str, str]]:
    """The period's problem lists as the data stand now (as `intake` writes them), and the
    counties that have not reported (code -> name): theirs is the office's to chase."""
    result = check_project(root, period)
    lists = write_county_lists(
        result.problems.items,
        [str(period)],
        result.counties,
        result.records,
        ProjectPaths(root).problems,
        sources=result.sources,
    )
    unreported = {
        p.county: result.counties.get(p.county, p.county)
        for p in result.problems.items
        if p.code == E_COUNTY_NOT_REPORTED.name and p.county
    }
    return lists, unreported


def plan_problems(root: Path, text: str, resend_unknown: bool = False) -> ProblemPlan:
    """Which county gets which list at which addresses, and who is skipped and why."""
    config = load_config(root)
    city_only(
        config,
        "send-problems",
        "没有要发回改正的台账问题清单：成员通报包的问题在 bulletin intake 收取时就会指出。",
    )
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
    lists, unreported = _write_lists(root, period)
    units = _unit_addresses(root)
    log = ProjectPaths(root).problems_of(period) / SENT
    states = _address_states(read_log(log))
    plan = ProblemPlan(period, "", "", [], log, resend_unknown)
    for path in lists:
        code, _, name = path.name.removesuffix(LIST_SUFFIX).partition("-")
        if not name:  # 全市: the office's own list
            continue
        digest, errors, warnings = list_digest(path)
        plan.counts[code] = (errors, warnings)
        packet = Packet(code, name, [path], [digest])
        # per address, as send: an address that accepted this list is not sent it again; one
        # whose last message has no answer is held until the office looks it up
        _plan_packet(packet, units.get(code, ("", ""))[0], states, resend_unknown)
        if packet.skip.startswith("已于"):
            packet.skip = f"已于 {packet.sent_at} 发送过内容相同的问题清单"
        plan.packets.append(packet)
    listed = {p.code for p in plan.packets}
    for code, name in unreported.items():
        if code not in listed:
            packet = Packet(code, name, [], [])
            packet.skip = "本期尚未报送台账：不发问题清单，请直接催报"
            plan.packets.append(packet)
    plan.packets.sort(key=lambda p: p.code)
    return plan


def message_for(
    plan: SendPlan, packet: Packet, config: Config, today: datetime, to: list[str]
) -> EmailMessage:
    """The mail to one county: what to fix, the list attached under its Chinese name."""
    mail = config.mail
    assert mail is not None
    org = config.organization.name
    counts = plan.counts if isinstance(plan, ProblemPlan) else {}
    errors, warnings = counts.get(packet.code, (0, 0))
    counted = f"错误 {errors} 个、警告 {warnings} 个"
    msg = EmailMessage()
    msg["Subject"] = f"{org}：{packet.name}{plan.period.label}台账问题清单（{counted}）"
    msg["From"] = formataddr((org, mail.sender))
    msg["To"] = ", ".join(to)
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
    """Send every list of the plan that is not skipped, journalled per address as `send`
    journals packets (发送中 before each message, its Message-ID, then the server's answer)."""
    config = load_config(root)
    mail_settings(config)  # a project without `mail:` is told what to add, before any work
    with exclusive_issue(root):
        # what another run sent meanwhile is not sent twice
        states = _address_states(read_log(plan.log))
        for packet in plan.to_send():
            cell = ";".join(packet.addresses)
            _plan_packet(packet, cell, states, plan.resend_unknown)
        _send(config, plan, password, clock, timeout, message_for)
    return plan


def record_confirmed(
    root: Path, plan: ProblemPlan, clock: Callable[[], datetime] | None = None
) -> int:
    """Record the lists of unknown outcome as delivered (the office looked them up); how many."""
    now = (clock or (lambda: datetime.now(project_zone(root))))()
    count = 0
    with exclusive_issue(root):
        for packet in plan.packets:
            for item in packet.unknown:
                _log(plan.log, packet, [item.address], SENT_OK, now, item.message_id)
                count += 1
    return count
