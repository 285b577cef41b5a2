"""The commands that issue a period's bulletin and mail it out: issue, send and send-problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from generator.cli_common import PROJECT, BulletinCommand, unknown_outcome_options
from generator.common.errors import ConfigError


@click.command(cls=BulletinCommand)
@click.argument("period", metavar="PERIOD")
@PROJECT
def issue(period: str, project: Path) -> None:
    """印发一期通报：把这一期生成的通报、单位报告和分发文件存档到 issued/，此后不再改变。

    先按当前数据重新生成这一期。以下情况不印发：有数据错误；通报框架没有填写成文日期
    signed_on 或发文序号 doc_number；成文日期早于报送截止日或本期最后收到台账的日期；
    发文字号重复；有单位的评价因缺少数据无法作出（W-JUDGMENT-UNDECIDED，例如缺少上年末的
    会员人数）。成文日期是周六、周日时提示核对。然后把内网和外网通报 PDF、各单位报告、
    分发文件包复制到 issued/<报告期>/，并在 issued/register.csv 中登记发文字号、日期和每个文件的 sha256。以后每次生成都原样发布这些文件；
    数据如有更正，在下一期通报中附“更正说明”。

    \b
    示例：
      bulletin issue 2026-10
    """
    from generator.common.console import BuildProgress
    from generator.office.issue import issue_period

    with BuildProgress() as progress:
        result = issue_period(project, period, report=progress.report)
    click.echo(f"已印发 {result.period} 期通报（{result.doc_code}），存档于 {result.folder}：")
    click.echo(f"  共 {len(result.files)} 个文件，已登记在 issued/register.csv。")
    for warning in result.warnings:
        click.secho(f"注意：{warning}", fg="yellow")
    click.echo(f"下一步：bulletin send {result.period}（先预览收件单位，确认后加 --yes 发送）。")


@click.command(cls=BulletinCommand)
@click.argument("period", metavar="PERIOD")
@PROJECT
@click.option("--yes", is_flag=True, help="确认发送（不加时只列出将发给谁、哪些文件，不发送）。")
@unknown_outcome_options
@click.pass_context
def send(
    ctx: click.Context,
    period: str,
    project: Path,
    yes: bool,
    resend_unknown: bool,
    confirm_unknown: bool,
) -> None:
    """用邮件把已印发一期的分发文件发给各单位（本单位报告和未建会重点企业清单，县市区另附通报）。

    收件地址是 data/units.csv 的“邮箱”列（一个单位可填几个，用分号隔开）；邮件服务器在
    bulletin.yml 的 mail 中设置，密码取自环境变量 BULLETIN_SMTP_PASSWORD，没有时提示输入。
    不加 --yes 时只预览。每个邮箱的发送结果记录在 issued/<报告期>/sent.csv：已收下这些文件的
    邮箱不再重发，被拒收的邮箱在下次运行时重发。发送中途被中断（断电、强行结束）时，
    服务器是否已收下那封邮件无从得知：下次运行会列出它的 Message-ID，不自动重发；
    请信息中心按 Message-ID 查明：确实没有发出的，加 --resend-unknown 重发；已经发出的，
    加 --confirm-unknown 记为已发送。

    \b
    示例：
      bulletin send 2026-10                     预览：列出每个单位的邮箱和附件
      bulletin send 2026-10 --yes               发送
      bulletin send 2026-10 --yes --resend-unknown   查明没有发出后，重发结果不明的邮件
      bulletin send 2026-10 --confirm-unknown        查明已经发出后，记为已发送
    """
    from generator.office.send import NO_ADDRESS, SENT_OK, plan_send, record_confirmed
    from generator.office.send import send as run_send

    plan = _plan(plan_send, record_confirmed, project, period, resend_unknown, confirm_unknown)
    todo = plan.to_send()
    label = f"{plan.period} 期通报（{plan.doc_code}）"
    for packet in todo:
        click.echo(f"{packet.code} {packet.shown_name} → {'; '.join(packet.addresses)}")
        if packet.note:
            click.echo(f"    （{packet.note}）")
        for _path, name, _digest in packet.attachments:
            click.echo(f"    {name}")
    skipped = [p for p in plan.packets if p.skip]
    no_address = [p for p in skipped if p.skip == NO_ADDRESS]
    if skipped and len(no_address) == len(plan.packets):
        # one line, not a line per unit: the roster has no addresses at all yet
        click.echo(
            f"单位名册中还没有任何单位填写邮箱：请在 data/units.csv 中增加“邮箱”列，填写各单位"
            f"接收文件的邮箱，再运行 bulletin send {plan.period} 预览。"
        )
    elif skipped:
        click.echo(f"不发送的单位（{len(skipped)} 个）：")
        for packet in skipped:
            click.echo(f"  {packet.code} {packet.shown_name}：{packet.skip}")
    _tell_unknown(plan)
    if not yes:
        then = (
            f"核对无误后运行 bulletin send {plan.period} --yes 发送。"
            if todo
            else "没有可以发送的单位，不需要运行 --yes。"
        )
        click.echo(f"以上为预览：{label}将发给 {len(todo)} 个单位，没有发送任何邮件。{then}")
        return
    if not todo:
        click.echo(f"{label}没有需要发送的单位。")
        if plan.unknown():
            ctx.exit(1)
        return

    run_send(project, plan, password=_ask_password)
    sent = [p for p in todo if p.result == SENT_OK]
    failed = [p for p in todo if p.result.startswith("失败")]
    partly = [p for p in failed if SENT_OK in p.outcomes.values()]
    some = f"（其中 {len(partly)} 个单位的部分邮箱已收到）" if partly else ""
    click.echo(
        f"{label}：已发送 {len(sent)} 个单位，失败 {len(failed)} 个{some}。记录见 {plan.log}。"
    )
    for packet in failed:
        click.secho(f"  {packet.code} {packet.shown_name}：{packet.result}", fg="red", err=True)
    if failed:
        click.echo(
            f"失败的邮箱在下次运行 bulletin send {plan.period} --yes 时会重新发送"
            "（已收下的邮箱不会再收到）。",
            err=True,
        )
    after = plan_send(project, period)  # what this run left unknown, with its Message-IDs
    _tell_unknown(after)
    if failed or after.unknown():
        ctx.exit(1)


def _tell_unknown(plan: Any, command: str = "send") -> None:
    """List the messages whose outcome is unknown, with what to look up and what to do."""
    unknown = plan.unknown()
    if not unknown:
        return
    click.secho(
        f"结果不明的邮件（{sum(len(p.unknown) for p in unknown)} 封）：上次发送在服务器答复前中断，"
        "不知道对方是否已收到，本次不重发：",
        fg="yellow",
    )
    for packet in unknown:
        for item in packet.unknown:
            click.echo(
                f"  {packet.code} {packet.shown_name} → {item.address}"
                f"（{item.time}，Message-ID：{item.message_id}）"
            )
    click.echo(
        "请信息中心在邮件服务器的发送记录中按 Message-ID 查找：已经发出的，运行 "
        f"bulletin {command} {plan.period} --confirm-unknown 记为已发送；确实没有发出的，运行 "
        f"bulletin {command} {plan.period} --yes --resend-unknown 重发。"
    )


@click.command("send-problems", cls=BulletinCommand)
@click.argument("period", metavar="PERIOD")
@PROJECT
@click.option("--yes", is_flag=True, help="确认发送（不加时只列出将发给谁、哪份清单，不发送）。")
@unknown_outcome_options
@click.pass_context
def send_problems_command(
    ctx: click.Context,
    period: str,
    project: Path,
    yes: bool,
    resend_unknown: bool,
    confirm_unknown: bool,
) -> None:
    """用邮件把本期的问题清单发给有问题的县市区，请其改正后重报。

    \b
    先按现在的数据重新写出问题清单 problems/<报告期>/<代码>-<名称>-问题清单.xlsx，
    再把每个有问题的县市区的清单发到 data/units.csv“邮箱”列的地址；没有问题的县市区不发。
    邮件服务器和密码同 bulletin send（bulletin.yml 的 mail，环境变量 BULLETIN_SMTP_PASSWORD）。
    不加 --yes 时只预览。每个邮箱的发送结果记录在 problems/<报告期>/sent.csv：
    已收下内容相同清单的邮箱不再重发，县市区重报后清单有变化才再发；尚未报送的县市区不发
    （请直接催报）。发送中途被中断时，同 bulletin send：列出结果不明邮件的 Message-ID，
    不自动重发；查明后加 --resend-unknown 重发，或加 --confirm-unknown 记为已发送。
    只用于市级项目：省、全国项目（level: province 或 national）的成员报来的是印发的通报，
    其问题在 bulletin intake 收取时指出。

    \b
    示例：
      bulletin send-problems 2026-10           预览：列出哪些县市区有问题、发到哪个邮箱
      bulletin send-problems 2026-10 --yes     发送
      bulletin send-problems 2026-10 --confirm-unknown   查明已经发出后，记为已发送
    """
    from generator.office.send import SENT_OK
    from generator.office.send_problems import plan_problems, record_confirmed, send_problems

    plan = _plan(plan_problems, record_confirmed, project, period, resend_unknown, confirm_unknown)
    todo = plan.to_send()
    for packet in todo:
        errors, warnings = plan.counts.get(packet.code, (0, 0))
        click.echo(
            f"{packet.code} {packet.name}（错误 {errors} 个，警告 {warnings} 个）→ "
            f"{'; '.join(packet.addresses)}"
        )
        for name in packet.file_names:
            click.echo(f"    {name}")
    skipped = [p for p in plan.packets if p.skip]
    if skipped:
        click.echo(f"不发送的县市区（{len(skipped)} 个）：")
        for packet in skipped:
            click.echo(f"  {packet.code} {packet.name}：{packet.skip}")
    _tell_unknown(plan, "send-problems")
    if not plan.packets:
        click.echo(f"{plan.period} 期没有县市区有问题，不需要发送问题清单。")
        return
    if not yes:
        click.echo(
            f"以上为预览：{plan.period} 期问题清单将发给 {len(todo)} 个县市区，没有发送任何邮件。"
            f"核对无误后运行 bulletin send-problems {plan.period} --yes 发送。"
        )
        return
    if not todo:
        click.echo(f"{plan.period} 期没有需要发送的问题清单。")
        if plan.unknown():
            ctx.exit(1)
        return

    send_problems(project, plan, password=_ask_password)
    sent = [p for p in todo if p.result == SENT_OK]
    failed = [p for p in todo if p.result and p.result != SENT_OK]
    click.echo(
        f"{plan.period} 期问题清单：已发送 {len(sent)} 个县市区，失败 {len(failed)} 个。"
        f"记录见 {plan.log}。"
    )
    for packet in failed:
        click.secho(f"  {packet.code} {packet.name}：{packet.result}", fg="red", err=True)
    if failed:
        click.echo(
            f"失败的县市区在下次运行 bulletin send-problems {plan.period} --yes 时会重新发送。",
            err=True,
        )
    after = plan_problems(project, period)  # what this run left unknown, with its Message-IDs
    _tell_unknown(after, "send-problems")
    if failed or after.unknown():
        ctx.exit(1)


#: The commands of this module, as generator.cli adds them to `bulletin`.
COMMANDS = (issue, send, send_problems_command)


def _plan(
    plan_of: Callable[..., Any],
    record_confirmed: Callable[[Path, Any], int],
    project: Path,
    period: str,
    resend_unknown: bool,
    confirm_unknown: bool,
) -> Any:
    """What a send will do (`send`, `send-problems`), the mails of unknown outcome recorded as
    sent first when --confirm-unknown says they went out."""
    if resend_unknown and confirm_unknown:
        raise ConfigError(
            "--resend-unknown 和 --confirm-unknown 只能选一个：先按 Message-ID 查明。"
        )
    plan = plan_of(project, period, resend_unknown)
    if confirm_unknown:
        count = record_confirmed(project, plan)
        click.echo(
            f"已把 {count} 封结果不明的邮件记为已发送（记录见 {plan.log}），不会再重发。"
            if count
            else "没有结果不明的邮件。"
        )
        plan = plan_of(project, period)
    return plan


def _ask_password() -> str:
    """The mail server's password, asked at the terminal when the environment does not give it."""
    from generator.office.send import PASSWORD_VARIABLE

    return str(
        click.prompt(f"邮件服务器密码（也可设置环境变量 {PASSWORD_VARIABLE}）", hide_input=True)
    )
