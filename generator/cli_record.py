"""The commands that take the counties' files in and keep the month's record: intake, fetch,
received, carry and confirm-unchanged."""

from __future__ import annotations

import sys
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli_common import PROJECT, BulletinCommand, period_option
from generator.common.paths import ProjectPaths
from generator.common.periods import Period

if TYPE_CHECKING:
    from generator.common.problems import Problem
    from generator.office.intake import Filed, IntakeResult


@click.command(cls=BulletinCommand)
@click.argument("period", metavar="PERIOD")
@click.argument("files", nargs=-1, required=False, type=click.Path(path_type=Path))
@click.option(
    "--project",
    "-C",
    "project",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="项目目录（默认：当前目录）。",
)
@click.option(
    "--received",
    metavar='"YYYY-MM-DD HH:MM"',
    help="文件实际收到的时间（邮件的发送时间、送达光盘上的日期），决定是否按时报送。"
    "按北京时间（bulletin.yml 的 timezone）理解；从邮件复制的带时区的时间"
    "（如 -0800）照原样写，会换算。默认为现在（会打印出来，请核对）。",
)
@click.option(
    "--county",
    metavar="代码或名称",
    help="这些文件是哪个县市区的（默认：按多数行的单位代码认定）。",
)
@click.option(
    "--add",
    "mode",
    flag_value="add",
    help="保留该县市区本期已有的文件，新文件一并计入（分几个文件报送）。",
)
@click.option(
    "--replace",
    "mode",
    flag_value="replace",
    help="该县市区本期已有的文件全部移到 .replaced/，只用新文件（重报）。",
)
def intake(
    period: str,
    files: tuple[Path, ...],
    project: Path,
    received: str | None,
    county: str | None,
    mode: str | None,
) -> None:
    """收取各县市区报来的台账文件：按单位代码认出县市区，原样存入本期目录并检查。

    \b
    存放：每个文件原样存为 data/<报告期>/<县市区代码>-<名称>.<扩展名>，
    同一县市区的第二个文件为 <代码>-<名称>-2.<扩展名>，依此类推；
    县市区自己的文件名记在收取记录中，问题清单里也写它。

    \b
    县市区：四分之三以上的行是哪个县市区的单位，文件就是哪个县市区的（或用 --county 指定），
    其中别的县市区单位的行是错误 E-UNIT-OTHER-COUNTY，不计入任何县市区；
    行分散在几个县市区的，作为市里汇总的文件收取。

    \b
    重报与分文件报送：同一县市区本期已有文件时，新文件与它有相同的乡镇（街道），是重报，
    原文件移到 data/<报告期>/.replaced/（不会删除）；乡镇（街道）不同，两个文件一并计入。
    --add（一并计入）/ --replace（全部替换）可指定。

    \b
    然后记下收到的时间（用于通报的“报送情况”），检查本期数据，为每个县市区写出问题清单
    problems/<报告期>/<代码>-<名称>-问题清单.xlsx，并逐个县市区列出收到的文件、行数、
    错误数和警告数。有错误时退出码为 1。

    \b
    收到时间决定县市区是否按时报送：请用 --received 写明文件实际收到的时间（邮件的发送时间），
    不写则按收取的此刻登记。时间按北京时间（bulletin.yml 的 timezone），与电脑设置的时区
    无关；邮件上带时区的时间（如 "Thu, 05 Nov 2026 16:30:00 -0800"）可原样粘贴，自动换算。
    是否逾期只看该县市区本期的第一份台账；之后报来的更正、重报
    照收，在报送情况中列为“更正N次”，不算逾期。登记错了用 bulletin received 更正。
    已印发的报告期收取的文件是对已印发通报的更正：印发的通报和报送情况不变，数字的变化
    列入下一期通报的“更正说明”。

    \b
    示例：
      bulletin intake 2026-10 ~/下载/宁阳县10月台账.xlsx --received "2026-11-04 18:30"
      bulletin intake 2026-10 ~/下载/东平县.xls ~/下载/肥城市.xlsx --received "2026-11-05 09:12"
      bulletin intake 2026-10 青山区-北片.xlsx --county 青山区 --add --received "2026-11-05 10:00"
      bulletin intake 2026-10 *.xlsx -C 示例市          （收到时间按现在登记）

    \b
    省、全国（bulletin.yml 中 level: province 或 national）的项目收取的是各成员印发的通报包：
    成员的 issued/<报告期>/ 整个目录或其 .zip，核对印发登记的 sha256 后原样存入本期目录。
      bulletin intake 2026-10 ~/下载/甲市-2026-10.zip --received "2026-11-04 10:00"
    """
    from generator.common.config import load_config
    from generator.office.intake import AUTO
    from generator.office.intake import intake as run_intake

    received = typed_time(received)
    if not files:  # `bulletin intake 甲县台账.xlsx`: the period left out, the file taken for it
        last = f"{date.today().replace(day=1) - timedelta(days=1):%Y-%m}"
        if Path(period).exists():
            raise click.UsageError(
                f"缺少报告期：第一个参数应是报告期，然后是文件，例如 bulletin intake {last} {period}"
            )
        raise click.UsageError(
            f"缺少文件：请在报告期后写县市区报来的台账文件，例如 bulletin intake {period} 甲县台账.xlsx"
        )
    parsed = period_option(period)
    assert parsed is not None
    if load_config(project).level != "city":  # members' issued packages (CONTRACT §7)
        _take_packages(project, parsed, files, received)
        return
    folders = [f for f in files if f.is_dir()]
    if folders:
        raise click.UsageError(
            f"{'、'.join(f.name for f in folders)} 是目录：请给出县市区报来的台账文件；要收取目录中"
            f"的全部文件，在目录名后加 /*，例如 bulletin intake {period} {folders[0]}/*（到达时间不同的文件"
            "请分几次收取，各写各的 --received）。"
        )
    result = run_intake(
        project, parsed, list(files), received=received, county=county, mode=mode or AUTO
    )
    _say_correction(result)
    _say_received(result, given=received)
    for item in result.filed:
        _say_filed(item, result.problems, result.period)
    _say_counties(project, result)
    if any(item.refused for item in result.filed) or any(line.errors for line in result.lines):
        sys.exit(1)


def typed_time(text: str | None) -> str | None:
    """A time as typed with a Chinese input method (2026-12-04　18：30, full-width digits, colon
    and space) in the ASCII the receipt parser reads; None stays None."""
    return None if text is None else unicodedata.normalize("NFKC", text).strip()


def _take_packages(
    project: Path, period: Period, sources: tuple[Path, ...], received: str | None
) -> None:
    """Take in the members' issued packages of a province or national project, one line each."""
    from generator.federation.intake import take_package

    for source in sources:
        taken = take_package(project, str(period), source, received=received)
        click.echo(
            f"已收取 {taken.package.name}（{taken.package.code}）{period} 期印发的通报"
            f"（{taken.package.doc_code}），存为 {taken.package.file}，"
            f"收到时间 {taken.received:%Y-%m-%d %H:%M}"
        )


def _say_correction(result: IntakeResult) -> None:
    """Say that files taken into an issued period correct its bulletin, which stays as issued
    (nothing to say when no file was taken: a copy of one already there, or refused)."""
    if result.issued is None or not any(item.stored for item in result.filed):
        return
    doc_code, issued_at = result.issued
    click.secho(
        f"注意：{result.period} 期通报已于 {issued_at:%Y-%m-%d} 印发（{doc_code}），本次收取的是对已印发"
        "通报的更正：印发的通报和报送情况不变；数字如有变化，列入下一期通报的“更正说明”"
        "（bulletin check 列出变化的数字，bulletin build 把说明写进下一期的通报）。",
        fg="yellow",
    )


def _say_received(result: IntakeResult, given: str | None) -> None:
    """Print the arrival time recorded, how it was found, and a note when it is before the
    period's end."""
    from generator.common.record import DEFAULT_ZONE, names_offset, zone_label

    if result.received is None or not any(item.stored for item in result.filed):
        return
    period = result.period
    names = list(dict.fromkeys(n for item in result.filed if item.stored for _, n in item.counties))
    county = names[0] if len(names) == 1 else "县市区"
    how = (
        "按 --received 登记"
        if given
        else "没有指定 --received，按现在的时间登记；如不是实际收到的时间，请用 "
        f'bulletin received {period} {county} "YYYY-MM-DD HH:MM" 更正'
    )
    if given and names_offset(given):  # typed with the sender's offset: say it was converted
        how += f"，已换算为{zone_label(result.received.tzinfo or DEFAULT_ZONE)}"
    click.echo(f"收到时间：{result.received:%Y-%m-%d %H:%M}（{how}）")
    if result.early:
        click.secho(
            f"注意：收到时间早于报告期的最后一天（{period.end:%Y-%m-%d}），台账应是期末的数字；"
            "如是提前报送，期末前有变化的请县市区重报。",
            fg="yellow",
        )


def _say_filed(item: Filed, problems: list[Problem], period: Period) -> None:
    """Print what became of one file: refused, a copy of one taken, or stored (with its notes,
    its rows of other counties and its roster sheets)."""
    from generator.office.names import other_month

    if item.refused:
        click.echo(f"未收取 {item.source.name}：{item.refused}")
        return
    if item.same_as:
        click.echo(f"未重复收取 {item.source.name}：与本期已收取的 {item.same_as} 内容完全相同")
        return
    if item.several:
        names = "、".join(
            f"{n} {rows} 行" for (_, n), (_, rows) in zip(item.counties, item.several, strict=True)
        )
        click.echo(f"已收取 {item.source.name}（{item.rows} 行：{names}）→ {item.stored}")
        click.echo(
            "  这是含多个县市区的文件（没有一个县市区占四分之三以上的行），作为市里汇总的文件"
            "收取，每行计入其单位所在的县市区；如是某县市区报来的，请加 --county 重新收取"
        )
    else:
        names = "、".join(name for _, name in item.counties)
        click.echo(f"已收取 {item.source.name}（{names}，{item.rows} 行）→ {item.stored}")
    named = other_month(item.source.name, period)
    if named:
        click.secho(
            f"  注意：文件名写的是{named}，收进的是 {period} 期：请核对是不是报错了月份"
            f"（是以前的台账的，请县市区报来 {period} 期的台账，收到后再 intake，会替换这个文件）",
            fg="yellow",
        )
    for note in item.notes:
        click.echo(f"  {note}")
    strays = [p for p in problems if p.code == "E-UNIT-OTHER-COUNTY" and p.file == item.stored]
    for p in strays:
        click.echo(f"  第 {p.row} 行：{p.message}")
    for note in item.rosters:
        click.echo(f"  {note}")


#: errors of a county printed by intake; the rest are in its problem list
SHOWN_ERRORS = 3
#: errors that follow from others (a 合计 row against the rows above it): printed after them
_CONSEQUENCES = frozenset({"E-TOTAL-MISMATCH"})


def _say_errors(project: Path, result: IntakeResult, code: str, name: str) -> None:
    """Print the first errors of a county just taken in, so that the office sees what to ask
    the county for; the rest are in its problem list."""
    from generator.rosters.codes import W_COUNTY_SHRANK

    # rows of another county are printed under their file already (_say_filed)
    errors = [
        p
        for p in result.problems
        if p.is_error and p.county == code and p.code != "E-UNIT-OTHER-COUNTY"
    ]
    # in the order of the rows, as the county reads its file; a total that does not add up
    # is most often the consequence of a wrong row above it: last
    errors.sort(key=lambda p: (p.code in _CONSEQUENCES, p.file, p.row or 0))
    # named as the county sent it: the name the office saw in the mail
    sent_as = {item.stored: item.source.name for item in result.filed if item.stored}
    for p in errors[:SHOWN_ERRORS]:
        name = sent_as.get(p.file, Path(p.file).name)
        where = f"{name} 第 {p.row} 行" if p.row else name
        click.echo(f"  错误（{where}）：{p.message}")
    if len(errors) > SHOWN_ERRORS:
        lists = [f for f in result.lists if f.name.startswith(f"{code}-")]
        shown = ProjectPaths(project).problems_of(result.period)
        where = relative_to(project, lists[0]) if lists else f"{shown}/"
        click.echo(f"  另有 {len(errors) - SHOWN_ERRORS} 个错误，全部错误见问题清单 {where}")
    # a county's ledger much shorter than last period's: often a part of it still to come, which
    # explains the many warnings of enterprises missing
    for p in result.problems:
        if p.code == W_COUNTY_SHRANK.name and p.county == code:
            click.echo(f"  注意：{p.message}")


def relative_to(project: Path, path: Path) -> str:
    """A path as the office reads it: from the project folder, when it is inside it."""
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return str(path)


def _say_counties(project: Path, result: IntakeResult) -> None:
    """Print a line per county taken in, the errors of the others, and where the lists are."""
    for line in result.lines:
        click.echo(
            f"{line.name}：{'、'.join(Path(f).name for f in line.files) or '无文件'}，"
            f"{line.rows} 行，错误 {line.errors} 个，警告 {line.warnings} 个"
        )
        if line.code in result.reporting and result.issued is None:
            click.echo(f"  报送情况：{result.reporting[line.code]}")
        _say_errors(project, result, line.code, line.name)
    from generator.rosters.codes import E_COUNTY_NOT_REPORTED

    taken = {line.code for line in result.lines}
    # a copy of a county's file already there names that county too (stored as 代码-名称.xlsx):
    # its errors are not "other counties'"
    taken |= {item.same_as.split("-", 1)[0] for item in result.filed if item.same_as}
    others = [p for p in result.problems if p.is_error and p.county not in taken]
    # a county that has not sent its ledger yet is no error of the files just taken in
    waiting = [p.county_name or p.value for p in others if p.code == E_COUNTY_NOT_REPORTED.name]
    others = [p for p in others if p.code != E_COUNTY_NOT_REPORTED.name]
    if waiting and result.issued is None:
        click.echo(f"本期还没有收到台账的县市区：{'、'.join(waiting)}。")
    if others:
        # nothing taken in this time (a refused file, a copy): no "other" county to speak of
        where = "本期其他县市区和全市另有" if taken else "本期已收的台账和全市的文件中有"
        click.echo(f"{where} {len(others)} 个错误（运行 bulletin check 查看）。")
    if result.lists:
        click.echo(
            f"问题清单在 {ProjectPaths(project).problems_of(result.period)}/ 下（每个县市区一份）。"
        )
    wrong = [line.name for line in result.lines if line.errors]
    if wrong and result.issued is None:
        click.echo(
            f"下一步：把问题清单发回{'、'.join(wrong)}（bulletin send-problems {result.period}），"
            "改好的台账报来后再用 bulletin intake 收取（重报的文件会替换原来的）。"
        )


@click.command(cls=BulletinCommand)
@click.argument("period", metavar="PERIOD")
@PROJECT
@click.option(
    "--move-to",
    metavar="邮件夹",
    help="收取后把本期已收取的邮件移到服务器上的这个邮件夹（例如 已收；没有时新建）。"
    "不加时服务器上的邮件保持不动。",
)
@click.pass_context
def fetch(ctx: click.Context, period: str, project: Path, move_to: str | None) -> None:
    """从单位收件邮箱收取本期各县市区发来的台账，以邮件到达的时间登记收到时间。

    \b
    邮箱在 bulletin.yml 的 mailbox 中设置（host、port、security、username、folder），
    密码取自环境变量 BULLETIN_IMAP_PASSWORD，没有时提示输入（不写在任何文件中）。
    只读取邮箱：服务器上的邮件不会被删除、移动或标为已读（除非加 --move-to）。

    \b
    收取哪些邮件：从本期最后一天起，到下一期最后一天止（不含当天）到达的邮件，
    发件地址是 data/units.csv“邮箱”列中某个单位的邮箱；其他地址发来的邮件只列出，不收取。
    邮件中的表格附件（.xlsx、.xls、.ods、.csv，也包括转发邮件里的和 zip 压缩包里的）
    原样保存在 inbox/<报告期>/ 下，再像 bulletin intake 一样收入本期；
    收到时间取邮件到达本单位邮件服务器的时间（最上面一条 Received），
    没有时取邮件的 Date，再没有时取服务器的收件时间。
    每封邮件只收取一次（记在 data/<报告期>/.fetched.csv），再次运行只收新邮件。
    只用于市级项目：省、全国项目（level: province 或 national）用 bulletin intake 收取
    各成员印发的通报。

    \b
    示例：
      export BULLETIN_IMAP_PASSWORD='邮箱密码'
      bulletin fetch 2026-10              收取 10 月的台账（2026-10-31 至 2026-11-30 到达的邮件）
      bulletin fetch 2026-10 示例市       在“示例市”项目目录中收取
      bulletin fetch 2026-10 --move-to 已收    收取后把已收取的邮件移到“已收”邮件夹
    """
    from generator.office.imap import PASSWORD_VARIABLE
    from generator.office.mailbox import fetch as run_fetch
    from generator.office.mime import ARRIVED_BY

    def prompt() -> str:
        return str(
            click.prompt(f"收件邮箱密码（也可设置环境变量 {PASSWORD_VARIABLE}）", hide_input=True)
        )

    result = run_fetch(project, period, password=prompt, move_to=move_to)
    start, end = result.window
    click.echo(
        f"{result.period} 期的收取范围：{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}（不含）"
        "到达的邮件。"
    )
    failed = False
    for mail in result.taken:
        click.echo(f"邮件 {mail.label()}")
        click.echo(f"  收到时间 {mail.arrived:%Y-%m-%d %H:%M}，取自{ARRIVED_BY[mail.arrived_by]}")
        for note in mail.notes:
            click.echo(f"  {note}")
        if not mail.files:
            click.echo("  邮件中没有可收取的表格附件，未收取任何文件")
        for line in mail.lines:
            click.echo(f"  {line}")
        failed = failed or mail.result == "failed"
    if not result.taken:
        click.echo("没有新的台账邮件。")
    if result.already:
        click.echo(f"另有 {result.already} 封邮件此前已经收取，不再重复收取。")
    for mail, other in result.elsewhere:
        click.echo(f"邮件 {mail.label()} 已收入 {other} 期，不再收入本期。")
    if result.unknown:
        click.echo(f"发件地址不在单位名册中的邮件（未收取，共 {len(result.unknown)} 封）：")
        for mail in result.unknown:
            click.echo(f"  {mail.label()}")
        click.echo(
            "  如是县市区的新邮箱，请填入 data/units.csv 的“邮箱”列，再运行 "
            f"bulletin fetch {result.period}。"
        )
    for _code, name, files, rows, errors, warnings, state in result.counties:
        shown = "、".join(Path(f).name for f in files) or "无文件"
        click.echo(f"{name}：{shown}，{rows} 行，错误 {errors} 个，警告 {warnings} 个；{state}")
    if result.lists:
        click.echo(
            f"问题清单在 {ProjectPaths(project).problems_of(result.period)}/ 下（每个县市区一份）。"
        )
    if any(county[4] or county[5] for county in result.counties):
        click.echo(
            f"下一步：bulletin send-problems {result.period} 预览，核对后加 --yes "
            "把问题清单发回有问题的县市区。"
        )
    if result.moved:
        click.echo(result.moved)
    if failed or any(county[4] for county in result.counties):
        ctx.exit(1)


@click.command(cls=BulletinCommand)
@click.argument("period", metavar="PERIOD")
@click.argument("county", metavar="COUNTY")
@click.argument("when", metavar='"YYYY-MM-DD HH:MM"')
@click.option(
    "--file",
    "file",
    metavar="文件名",
    help="更正这个文件的收到时间（默认：该县市区本期的第一份）。",
)
@PROJECT
def received(period: str, county: str, when: str, file: str | None, project: Path) -> None:
    """更正（或补登）一个县市区本期台账的收到时间。

    \b
    COUNTY 写县市区名称或单位代码。默认更正该县市区本期第一份台账的收到时间（是否逾期只看
    第一份）；--file 指定其他文件。直接放进报告期目录、没有经过 bulletin intake 的文件没有收到时间
    （bulletin check 报 W-RECEIPT-MISSING），用本命令补登。原记录不改，更正另记一条；打印更正前后
    的报送情况。已印发的报告期不能更正（印发的报送情况以印发时为准）。时间写到分钟，整个时间加引号，
    按北京时间（bulletin.yml 的 timezone）；也可写明时区，如 "2026-11-05 16:30 -0800"。

    \b
    省、全国项目（bulletin.yml 中 level: province 或 national）：COUNTY 写市（州）或
    省（区、市）的名称或单位代码，更正的是它印发的通报（收取的文件夹或 zip）的收到时间。

    \b
    示例：
      bulletin received 2026-10 宁阳县 "2026-11-04 18:30"
      bulletin received 2026-10 370921 "2026-11-05 09:12" --file 370921-宁阳县.xlsx
    """
    from generator.office.decisions import correct_receipt

    result = correct_receipt(project, period, county, typed_time(when) or when, file)
    for line in result.lines:
        click.echo(line)


@click.command(cls=BulletinCommand)
@click.argument("period", metavar="PERIOD")
@click.argument("county", metavar="COUNTY")
@PROJECT
def carry(period: str, county: str, project: Path) -> None:
    """决定一个县市区本期沿用上期台账数据（该县市区本期没有报送时）。

    \b
    只对这一个县市区、这一期有效：通报的报送情况写“未按时报送（沿用上期数据）”（截止日期前写
    “尚未报送”），不报送的县市区不再是 E-COUNTY-NOT-REPORTED 错误。之后收到该县市区的台账时，
    照常用 bulletin intake 收取，收取的台账优先。COUNTY 写县市区名称或单位代码。
    只用于市级项目：省、全国项目（level: province 或 national）的成员报来的是印发的通报，
    不沿用上期数据。

    \b
    示例：
      bulletin carry 2026-10 宁阳县
      bulletin carry 2026-10 370921 示例市      （示例市：项目目录）
    """
    from generator.office.decisions import carry as record_carry

    for line in record_carry(project, period, county).lines:
        click.echo(line)


@click.command("confirm-unchanged", cls=BulletinCommand)
@click.argument("period", metavar="PERIOD")
@click.argument("county", metavar="COUNTY")
@PROJECT
def confirm_unchanged(period: str, county: str, project: Path) -> None:
    """确认一个县市区本期的台账与以前某一期完全相同是对的（E-LEDGER-STALE）。

    \b
    台账与以前某期的完全相同（同样的企业、同样的数字），多半是把旧台账又报了一次，bulletin
    check 报 E-LEDGER-STALE 错误。向该县市区核实确实没有变化后，用本命令确认：只对这一个县市区、
    这一期有效，通报的报送情况注明“与上期相同（已确认）”。COUNTY 写县市区名称或单位代码。
    只用于市级项目：省、全国项目（level: province 或 national）的成员报来的是印发的通报，
    不与往期台账比较。

    \b
    示例：
      bulletin confirm-unchanged 2026-11 宁阳县
    """
    from generator.office.decisions import confirm_unchanged as record_confirm

    for line in record_confirm(project, period, county).lines:
        click.echo(line)


#: The commands of this module, as generator.cli adds them to `bulletin`.
COMMANDS = (intake, fetch, received, carry, confirm_unchanged)
