"""What every command of the `bulletin` command line shares: its group and errors told in
Chinese, the project argument, option helpers and the period option."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import click

from generator.common.errors import BulletinError, ConfigError, os_error_message, write_crash_log
from generator.common.periods import Period


def _project_folder(ctx: click.Context, _param: click.Parameter, value: Path) -> Path:
    """The project folder; a period typed where the folder goes (bulletin check 2026-10, as
    intake takes it) is said to be one, with what to type instead."""
    if value.exists():
        return value
    try:
        Period.parse(str(value))
    except ValueError:
        return value
    command = f"bulletin {ctx.info_name}"
    named = [p for p in ctx.command.params if p.name == "period"]
    if named and isinstance(named[0], click.Argument):
        how = f"报告期只写一次，如 {command} {value}"
    elif named:
        how = f"只{_VERB.get(ctx.info_name or '', '处理')}这一期请写 {command} --period {value}"
    else:
        how = f"{command} 不用写报告期"
    raise click.UsageError(
        f"“{value}”是报告期，不是项目目录：{how}。项目目录不写时就是当前目录。", ctx
    )


_VERB = {"check": "检查", "build": "生成"}

PROJECT = click.argument(
    "project",
    required=False,
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    callback=_project_folder,
)


def choice(flag: str, choices: list[str], default: str, help: str) -> Any:
    """An option taking one of `choices`, its default shown in --help."""
    return click.option(
        flag, type=click.Choice(choices), default=default, show_default=True, help=help
    )


def unknown_outcome_options(command: Any) -> Any:
    """--resend-unknown and --confirm-unknown: what to do with a message whose outcome a crash
    left unknown (send and send-problems alike)."""
    command = click.option(
        "--confirm-unknown",
        is_flag=True,
        help="查明结果不明的邮件确实已经发出后，记为已发送（不再提示，也不重发）。",
    )(command)
    return click.option(
        "--resend-unknown",
        is_flag=True,
        help="重发结果不明的邮件（先按列出的 Message-ID 在邮件服务器上查明确实没有发出）。",
    )(command)


class BulletinCommand(click.Command):
    """A command whose command-line mistakes know the command (for the pointer to its help)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = self._files_named_like_options(args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            exc.ctx = exc.ctx or ctx
            raise

    def _files_named_like_options(self, args: list[str]) -> list[str]:
        """A county's file named -甲县台账.xlsx is a file, not an option: an argument that
        starts with "-", is no option of the command and names an existing file is passed
        as ./-甲县台账.xlsx (the same file), so the office need not know about "--"."""
        options = {o for p in self.params for o in (*p.opts, *p.secondary_opts)}
        out: list[str] = []
        for i, arg in enumerate(args):
            if arg == "--":  # everything after it is an argument already
                return out + args[i:]
            named = arg.split("=", 1)[0]
            if arg.startswith("-") and named not in options and Path(arg).is_file():
                arg = f"./{arg}"
            out.append(arg)
        return out


class BulletinGroup(click.Group):
    """A command group that prints BulletinError messages in Chinese instead of tracebacks."""

    command_class = BulletinCommand

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _chinese(exc) from None

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a mistake on the command line, told in Chinese
            raise _chinese(exc) from None
        except BulletinError as exc:
            _exit_if_disk_full(ctx, exc)
            click.secho(f"错误：{exc}", fg="red", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("已中断：之前的输出保持不变。", err=True)
            ctx.exit(130)
        except OSError as exc:  # the disk, a path or a port, not a bug: say which and why
            _exit_if_disk_full(ctx, exc)
            click.secho(f"错误：{os_error_message(exc)}", fg="red", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug, not bad data: keep the details for the maintainers
            _exit_if_disk_full(ctx, exc)
            log = write_crash_log()
            click.secho(
                f"程序内部错误（不是数据问题）：{type(exc).__name__}: {exc}\n"
                f"详细信息已写入 {log}，请把该文件发给维护人员。",
                fg="red",
                err=True,
            )
            ctx.exit(70)


def _disk_full(exc: BaseException) -> bool:
    """Whether a full disk is behind `exc`, however deep the libraries wrapped it."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError) and item.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(item, str | tuple | list):
            text = item if isinstance(item, str) else ""
            if "No space left on device" in text or "Disk quota exceeded" in text:
                return True
            if not isinstance(item, str):
                todo.extend(item)  # shutil.Error carries a list of (source, target, reason)
            continue
        if isinstance(item, BaseException):
            todo.extend(item.args)
            todo.extend(x for x in (item.__cause__, item.__context__) if x is not None)
    return False


def _exit_if_disk_full(ctx: click.Context, exc: BaseException) -> None:
    if _disk_full(exc):
        click.secho(
            "错误：磁盘空间不足，本次没有完成，原有的输出保持不变。请清理磁盘空间"
            "（项目下的 .bulletin-cache/ 可以随时删除）后重试。",
            fg="red",
            err=True,
        )
        ctx.exit(1)


def _chinese(exc: click.UsageError) -> click.UsageError:
    from generator.common.usage import ChineseUsageError

    if isinstance(exc, (ChineseUsageError, click.exceptions.NoArgsIsHelpError)):
        return exc  # already in Chinese, or the help itself
    return ChineseUsageError(exc)


def period_option(text: str | None) -> Period | None:
    """The period an option names, or a ConfigError saying what is wrong with it."""
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
