"""The office's decisions on a period's record: correct a receipt, carry a county, confirm an
unchanged ledger (`bulletin correct-receipt`, `carry`, `confirm-unchanged`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.common.config import load_config
from generator.common.errors import ConfigError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.record import (
    CARRY,
    CONFIRM_UNCHANGED,
    CountyReport,
    Receipt,
    county_receipts,
    decided,
    in_zone,
    issued,
    now_in,
    parse_time,
    project_zone,
    read_receipts,
    record_correction,
    record_decision,
    reference,
    report_deadline,
)
from generator.federation.roster import read_members
from generator.federation.words import level_words
from generator.rosters.load import earlier_rows, load_project, read_snapshot

if TYPE_CHECKING:
    from generator.common.config import Config
    from generator.rosters.load import ProjectData

# ---- the office's commands: correct a receipt, carry a county, confirm an unchanged ledger ----


@dataclass
class Recorded:
    """What a command recorded, as lines to print (Chinese)."""

    county: str
    name: str
    lines: list[str]


def _period(period_text: str, config: Config) -> Period:
    """The period named, of the project's cadence, or a Chinese ConfigError."""
    try:
        period = Period.parse(period_text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if period.cadence != config.cadence:
        raise ConfigError(
            f"报告期 {period} 与项目的报告周期不符（bulletin.yml 中 cadence 的设置）。"
        )
    return period


def _project(root: Path, period_text: str) -> tuple[ProjectData, Period, Path]:
    """The project's rosters, the period and its folder; a Chinese ConfigError when the
    period is not one of the project's."""

    config = load_config(root)
    period = _period(period_text, config)
    data = load_project(root, config)
    if period not in data.periods:
        known = "、".join(str(p) for p in data.periods) or "无"
        raise ConfigError(f"没有报告期 {period} 的数据（data/{period}/）。现有报告期：{known}")
    if not data.units_read:
        raise ConfigError("单位名册有错误或为空：请先运行 bulletin check 改正单位名册。")
    return data, period, ProjectPaths(root).period(period)


def resolve_county(data: ProjectData, text: str) -> tuple[str, str]:
    """A county by its code or name (as units.csv has it); a Chinese ConfigError naming the
    counties otherwise."""
    index = data.unit_index
    counties = {c: index.name.get(c, c) for c, level in index.level.items() if level == "county"}
    return _resolve(counties, text, data.config.level)


def _resolve(members: dict[str, str], text: str, level: str) -> tuple[str, str]:
    """A member (a city's county, a province's city…) by its code or name; a Chinese
    ConfigError in the level's words naming the members otherwise."""
    wanted = text.strip()
    for code, name in members.items():
        if wanted in (code, name):
            return code, name
    words = level_words(level)
    ours = words.name if words.name == words.own else f"本{words.name}"  # 本市, 本省, 全国
    shown = "、".join(f"{n}（{c}）" for c, n in members.items()) or (
        f"（单位名册中没有{words.members}）"
    )
    raise ConfigError(
        f"“{text}”不是{ours}的{words.members}。{words.members}可以写名称或单位代码：{shown}"
    )


def city_only(config: Config, command: str, why: str) -> None:
    """Refuse a command that decides on a county's ledger in a province or national project,
    whose members send their issued bulletins (CONTRACT §7)."""
    if config.level == "city":
        return
    words = level_words(config.level)
    raise ConfigError(
        f"bulletin {command} 只用于市级项目：本项目是{words.own}的通报项目（bulletin.yml 中 "
        f"level: {config.level}），{words.each}报来的是印发的通报，{why}"
    )


def _status_of(data: ProjectData, period: Period, county: str) -> CountyReport | None:

    snapshot = read_snapshot(data, period)
    return next((r for r in snapshot.reporting if r.code == county), None)


def _clock(root: Path, now: datetime | None) -> datetime:
    """Now (or `now`), to the second, on the project's clock: never the computer's zone."""
    zone = project_zone(root)
    return in_zone(now, zone).replace(microsecond=0) if now else now_in(zone)


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

    config = load_config(root)
    if config.level != "city":
        return _correct_member(root, config, period_text, county_text, when_text, file, now)
    data, period, folder = _project(root, period_text)
    code, name = resolve_county(data, county_text)
    _refuse_issued(root, period, "更正收到时间")
    now = _clock(root, now)
    when = parse_time(when_text, now)
    before = _status_of(data, period, code)
    mine = county_receipts(read_receipts(folder), code)
    lines: list[str] = []
    if mine:
        lines += _correct(folder, code, name, period, mine, file, when, now)
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


def _correct(
    folder: Path,
    code: str,
    name: str,
    period: Period,
    mine: list[Receipt],
    file: str | None,
    when: datetime,
    now: datetime,
) -> list[str]:
    """Record the corrected arrival of one of a member's receipts (its first, or `file`)."""
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
    return [
        f"已更正{name} {period} 期的收到时间：{target.file} 由 {old} 改为 {when:%Y-%m-%d %H:%M}。"
    ]


def _correct_member(
    root: Path,
    config: Config,
    period_text: str,
    member_text: str,
    when_text: str,
    file: str | None,
    now: datetime | None,
) -> Recorded:
    """`received` in a province or national project: the arrival of a member's issued
    bulletin (its package), which its 报送情况 reads as the bulletin will (CONTRACT §7)."""
    period = _period(period_text, config)
    folder = ProjectPaths(root).period(period)
    if not folder.is_dir():
        raise ConfigError(f"没有报告期 {period} 的数据（data/{period}/）。")
    members = read_members(root, config.level)
    code, name = _resolve(members.names, member_text, config.level)
    _refuse_issued(root, period, "更正收到时间")
    now = _clock(root, now)
    when = parse_time(when_text, now)
    deadline = report_deadline(period, config.report_deadline)
    before = _member_status(folder, code, deadline)
    mine = county_receipts(read_receipts(folder), code)
    if not mine:
        raise ConfigError(
            f"没有收到{name} {period} 期印发的通报，无法更正收到时间："
            f"请先用 bulletin intake {period} 收取它报来的 issued/{period}/ 文件夹（或其 zip）。"
        )
    lines = _correct(folder, code, name, period, mine, file, when, now)
    after = _member_status(folder, code, deadline)
    change = f"{before} → {after}" if before != after else after
    lines.append(f"报送情况：{change}（截止 {deadline.isoformat()}）。")
    lines.append("原记录保留（更正是另记的一条）；下次 bulletin build 会据此重新生成。")
    return Recorded(code, name, lines)


def _member_status(folder: Path, code: str, deadline: date) -> str:
    """报送情况 of a member as the level's bulletin says it: its first receipt's arrival."""
    first = next((r for r in read_receipts(folder) if r.of(code)), None)
    if first is None:
        return "未报送"
    if first.received_at is None:
        return "收到时间不详"
    days = (first.received_at.date() - deadline).days
    return "按时报送" if days <= 0 else f"逾期{days}天"


def carry(root: Path, period_text: str, county_text: str, now: datetime | None = None) -> Recorded:
    """Record the decision to use a county's rows of its latest earlier period for this one."""

    city_only(
        load_config(root),
        "carry",
        "不沿用上期的台账数据：请催报，收到后用 bulletin intake 收取。",
    )
    data, period, folder = _project(root, period_text)
    code, name = resolve_county(data, county_text)
    now = _clock(root, now)
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

    city_only(
        load_config(root),
        "confirm-unchanged",
        "其数字由各自印发时核对，不与往期台账比较（没有 E-LEDGER-STALE）。",
    )
    data, period, folder = _project(root, period_text)
    code, name = resolve_county(data, county_text)
    now = _clock(root, now)
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
