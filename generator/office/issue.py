"""`bulletin issue`: sign a period's bulletin, number it and keep its files in issued/."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.build import BuildOptions, build, gather
from generator.common import formatting as fmt
from generator.common.config import load_config
from generator.common.errors import BuildError, ConfigError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.publish import exclusive_issue, settle
from generator.common.record import in_zone, project_zone
from generator.common.register import (
    MODEL_DIR,
    PERIOD_ROWS,
    REGISTER_HEADERS,
    IssuedFile,
    Register,
    append_register,
    next_doc_number,
    read_register,
    refuse_unregistered,
    sha256_of,
)
from generator.common.tables import write_csv
from generator.figures.reduce import UNDECIDED_WARNING
from generator.model.content import load_content
from generator.office.intake import read_received, report_deadline
from generator.render.guide import DEFAULT_ORGANIZATION
from generator.rosters.ledger import read_roster
from generator.rosters.specs import UNITS
from generator.rosters.validate import Context

if TYPE_CHECKING:
    from generator.common.config import Config

# ---- bulletin issue ---------------------------------------------------------------------------


@dataclass
class IssueResult:
    period: str
    doc_code: str
    folder: Path
    files: list[str]
    #: what the office should look at (a weekend signing date), in Chinese
    warnings: list[str] = field(default_factory=list)


def period_receipts(root: Path, period: Period) -> list[tuple[str, datetime]]:
    """(county code, time) of every receipt recorded for the period's ledger files.

    The one place `issue` reads the receipt record, so that it follows the record if it moves.
    """

    out = []
    zone = project_zone(root)  # dates compared with signed_on are days on the office's clock
    for row in read_received(ProjectPaths(root).period(period)).values():
        try:
            when = in_zone(datetime.fromisoformat(row["received_at"]), zone)
            out.append((row.get("county") or "", when))
        except (KeyError, TypeError, ValueError):
            continue  # a receipt without a readable time is told by `check`, not here
    return out


def _county_names(root: Path) -> dict[str, str]:

    frame, _problems, _ok = read_roster(root, ProjectPaths(root).data, UNITS, Context())
    if frame.empty:
        return {}
    return {str(c): str(n) for c, n in zip(frame["code"], frame["name"], strict=True)}


def _refuse_placeholder_organization(config: Config) -> None:
    """Refuse a 发文机关 or 发文字号代字 still as `bulletin init` wrote them (某市总工会, 某工发).

    An issued bulletin never changes: one headed 某市总工会文件 would stay so in the record.
    """
    placeholders = {word for pair in DEFAULT_ORGANIZATION.values() for word in pair}
    org = config.organization
    left = [
        f"{what}“{value}”"
        for what, value in (
            ("发文机关（name）", org.name),
            ("发文字号代字（doc_prefix）", org.doc_prefix),
        )
        if value in placeholders
    ]
    if left:
        raise ConfigError(
            f"bulletin.yml 的 organization 中{'和'.join(left)}还是新建项目时的示例，未印发："
            "印发的通报存档后不能再改。请改为本单位的名称和代字（例如 name: 安平市总工会、"
            "doc_prefix: 安工发），运行 bulletin build 核对后再印发。"
        )


def _check_signing(
    root: Path, config: Config, period: Period, signed: date, frame_path: str
) -> list[str]:
    """Refuse a 成文日期 before the reporting deadline or a receipt; warn on a day off.

    A bulletin signed before its data arrived, or before counties had to report, judges what
    the leader could not have seen (CONTRACT 4.1).
    """

    redo = f"请核对并修改 {frame_path} 中的 signed_on，运行 bulletin build 核对后再印发。"
    deadline = report_deadline(period, config.report_deadline)
    if signed < deadline:
        raise ConfigError(
            f"成文日期 {signed.isoformat()}（{fmt.chinese_date(signed)}）早于本期的报送截止日 "
            f"{fmt.chinese_date(deadline)}（bulletin.yml 的 report_deadline）：截止之前签发的通报，"
            f"会把还能按时报送的县市区写成未报送。未印发。{redo}"
        )
    receipts = period_receipts(root, period)
    if receipts:
        county, latest = max(receipts, key=lambda r: r[1])
        if signed < latest.date():
            name = _county_names(root).get(county, "")
            who = f"{name}（{county}）" if name else county or "某县市区"
            raise ConfigError(
                f"成文日期 {signed.isoformat()}（{fmt.chinese_date(signed)}）早于本期最后收到的台账："
                f"{who}的台账 {latest.strftime('%Y-%m-%d %H:%M')} 收到。通报不能在它依据的数据"
                f"收到之前签发。未印发。{redo}如果登记的收到时间不对，用 bulletin received "
                f'{period} {county or "县市区"} "YYYY-MM-DD HH:MM" 更正。'
            )
    warnings = []
    holiday = config.calendar.holiday_name(signed)
    if holiday is not None:
        warnings.append(
            f"成文日期 {signed.isoformat()} 是放假日（{holiday}），请确认这是领导签发的日期。"
        )
    elif not config.calendar.is_workday(signed):
        weekday = "六" if signed.weekday() == 5 else "日"
        warnings.append(
            f"成文日期 {signed.isoformat()} 是星期{weekday}，请确认这是领导签发的日期。"
        )
    rectify_by = config.calendar.after(signed, config.rectify_days)
    if years := config.calendar.uncovered_years(signed, rectify_by):
        warnings.append(
            f"整改期限 {fmt.chinese_date(rectify_by)} 按周一至周五计算："
            f"程序不知道{'、'.join(map(str, years))}年的法定节假日安排（bulletin.yml 的 holidays、"
            "workdays 也没有填写），请核对这个日期。"
        )
    return warnings


def _published_files(period: str, out: Path) -> list[str]:
    """The files of the period's build that make up the record, relative to the output."""
    wanted = [
        f"public/pdf/{period}/bulletin.pdf",
        f"internal/pdf/{period}/bulletin.pdf",
    ]
    for folder in (out / "internal" / "pdf" / period / "units", out / "dist" / period):
        if folder.is_dir():
            wanted += sorted(
                p.relative_to(out).as_posix() for p in folder.rglob("*") if p.is_file()
            )
    missing = [name for name in wanted if not (out / name).is_file()]
    if missing:
        raise BuildError(f"生成 {period} 期时缺少文件：{'、'.join(missing)}，未印发。")
    return wanted


def issue_period(
    root: Path, text: str, now: Callable[[], datetime] | None = None, report: Any = None
) -> IssueResult:
    """Freeze the period's published files into issued/<period>/ and register them."""

    config = load_config(root)  # not a project: said before anything is written
    settle(root)  # the site it is compared with: a build killed half-way is finished or undone
    with exclusive_issue(root):
        return _issue(root, config, text, now, report)


def _issue(
    root: Path, config: Config, text: str, now: Callable[[], datetime] | None, report: Any
) -> IssueResult:

    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if period.cadence != config.cadence:
        raise ConfigError(f"本项目的报告周期是 {config.cadence}，报告期 {period} 不属于本项目。")
    _refuse_placeholder_organization(config)
    key = str(period)
    register = read_register(root)
    refuse_unregistered(register)  # a register restored too old: its numbers are not all known
    if key in register.periods():
        raise ConfigError(
            f"{key} 期通报已于 {register.files(key)[0].issued_at[:10]} 印发"
            f"（{register.doc_code(key)}），印发的通报不能再改动。"
            "数据如有更正，会在下一期通报的“更正说明”中说明。"
        )
    last = register.last_period()
    if last is not None and period < last:
        raise ConfigError(
            f"{key} 期早于已印发的 {last} 期（{register.doc_code(str(last))}），不能再印发。"
        )
    frame_path = f"content/bulletins/{key}.md"
    frame = load_content(root).frames.get(key)
    if frame is None:
        raise ConfigError(
            f"没有 {key} 期的通报框架 {frame_path}，不能印发。请先运行 bulletin new-period {key}。"
        )
    missing = [
        what
        for what, value in (
            ("成文日期（signed_on）", frame.signed_on),
            ("发文序号（doc_number）", frame.doc_number),
        )
        if value is None
    ]
    if missing:
        deadline = report_deadline(period, config.report_deadline)
        frames = load_content(root).frames
        number = next_doc_number(root, deadline.year, frames, exclude=key)
        raise ConfigError(
            f"{frame_path} 没有填写{'和'.join(missing)}，不能印发。领导签发后请填写签发的日期"
            f"（不早于报送截止日 {deadline.isoformat()}，例如 signed_on: {deadline.isoformat()}）"
            f"和发文序号（例如 doc_number: {number}，{deadline.year}年的下一个序号），"
            "然后运行 bulletin build 核对，再印发。"
        )
    assert frame.signed_on is not None and frame.doc_number is not None
    warnings = _check_signing(root, config, period, frame.signed_on, frame_path)
    serial = (frame.signed_on.year, frame.doc_number)
    doc_code = f"{config.organization.doc_prefix}〔{serial[0]}〕{serial[1]}号"
    other = register.numbers().get(serial)
    if other is not None:
        raise ConfigError(
            f"发文字号 {doc_code} 已用于 {other} 期通报，同一年的发文字号不能重复。"
            f"请修改 {frame_path} 中的 doc_number（本年已用到 {_last_serial(register, serial[0])} 号），"
            "重新生成并核对后再印发。"
        )

    _refuse_undecided(root, period, report)

    # What the period's build publishes, made afresh (a failed or refused build stops here).
    with tempfile.TemporaryDirectory(prefix="bulletin-issue-") as temp:
        out = Path(temp) / "out"
        options = BuildOptions(period=period, out=out, site=False)
        build(root, options, report) if report else build(root, options)
        files = _published_files(key, out)
        _check_against_site(root, key, out)
        # the office's clock (bulletin.yml timezone), whatever zone the computer is set to
        clock = now or (lambda: datetime.now(config.zone))
        issued_at = in_zone(clock(), config.zone).isoformat(timespec="seconds")
        target = register.folder / key
        register.folder.mkdir(parents=True, exist_ok=True)
        # Staged beside the record under a name of its own: a leftover of a killed attempt is
        # never a record and is left alone, as every file under issued/ is.
        partial = Path(tempfile.mkdtemp(prefix=f".{key}.partial-", dir=register.folder))
        try:
            names = [*files, *(f"{MODEL_DIR}/{a}.json" for a in ("public", "internal"))]
            for name in names:
                source = (
                    out
                    / name.split("/", 1)[1].removesuffix(".json")
                    / "data"
                    / key
                    / "bulletin.json"
                    if name.startswith(f"{MODEL_DIR}/")
                    else out / name
                )
                dest = partial / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)
            signed = frame.signed_on.isoformat()
            rows = [
                IssuedFile(key, doc_code, signed, issued_at, n, sha256_of(partial / n))
                for n in names
            ]
            # The period's own register lines travel with its files: if the register is ever
            # restored from a backup older than this issue, these are the lines it lacks.
            write_csv(
                partial / PERIOD_ROWS,
                REGISTER_HEADERS,
                [[r.period, r.doc_code, r.signed_on, r.issued_at, r.file, r.sha256] for r in rows],
            )
            os.rename(partial, target)  # fails, rather than replaces, if the folder is there
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)  # this attempt's own staging, not a record
            raise
    append_register(register, rows)
    return IssueResult(key, doc_code, target, [r.file for r in rows], warnings)


def _refuse_undecided(root: Path, period: Period, report: Any) -> None:
    """Refuse a bulletin a judgment of which the office's missing data leave undecided
    (W-JUDGMENT-UNDECIDED, CONTRACT 3.9): the leader would sign it without knowing whether a
    unit it does not criticise should have been.

    `check` names such a unit once a year, at the first period it is undecided in; it stays
    undecided in the year's later periods (last year's end is missing for all of them), so
    those warnings count for this period too.
    """
    options = BuildOptions(period=period, site=False, pdf=False, audience="internal")
    gathered = gather(root, options, report) if report else gather(root, options)
    undecided = [
        w
        for w in gathered.figures.warnings
        if w.code == UNDECIDED_WARNING
        and Period.is_period_name(w.value)
        and (found := Period.parse(w.value)).year == period.year
        and found <= period
    ]
    if not undecided:
        return
    listed = "".join(f"\n  {w.message}" for w in undecided)
    raise ConfigError(
        f"{period} 期通报中有 {len(undecided)} 个单位的评价因缺少数据无法作出（W-JUDGMENT-UNDECIDED），"
        f"领导签发的通报不能带着没有作出的评价印发，未印发：{listed}\n"
        "请补上所缺的数据（bulletin check 会再次列出）；或者，如确定这些评价规则本期不适用，"
        "修改 bulletin.yml 中 judgments 的规则。然后运行 bulletin build 核对生成的通报，再印发。"
    )


def _last_serial(register: Register, year: int) -> int:
    return max((n for (y, n) in register.numbers() if y == year), default=0)


def _check_against_site(root: Path, period: str, out: Path) -> None:
    """Refuse when site/ shows a different bulletin from the one about to be issued.

    The office signs what it printed from site/; if the inputs changed since that build, the
    record would not be what was signed.
    """
    for audience in ("internal", "public"):
        shown = ProjectPaths(root).site / audience / "pdf" / period / "bulletin.pdf"
        made = out / audience / "pdf" / period / "bulletin.pdf"
        if shown.is_file() and shown.read_bytes() != made.read_bytes():
            raise ConfigError(
                f"site/{audience}/pdf/{period}/bulletin.pdf 与按当前数据生成的通报不同："
                "数据、通报框架或设置在上次 bulletin build 之后有改动。未印发。"
                "请先运行 bulletin build，核对生成的通报无误后再印发。"
            )
