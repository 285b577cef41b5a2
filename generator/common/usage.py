"""Command-line mistakes (a wrong option, a missing argument, a bad value) told in Chinese.

click words these in English; the CLI raises `ChineseUsageError` instead, built from the
structured parts of click's exception (which option, which choices), not from its wording.
"""

from __future__ import annotations

import re
from typing import IO, Any

import click


def _hint(exc: click.UsageError) -> str:
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None)
    if param is not None and hint is None:
        hint = param.get_error_hint(exc.ctx) if exc.ctx is not None else param.name
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(str(h) for h in hint)
    return str(hint or "参数").replace("'", "").strip("[]")


def _bad_value(exc: click.BadParameter) -> str:
    kind: Any = exc.param.type if exc.param is not None else None
    if isinstance(kind, click.Choice):
        return "只能是 " + "、".join(str(c) for c in kind.choices)
    if isinstance(kind, click.IntRange):
        low = f"，不小于 {kind.min}" if kind.min is not None else ""
        high = f"，不大于 {kind.max}" if kind.max is not None else ""
        return f"应为整数{low}{high}"
    if kind is click.INT or isinstance(kind, type(click.INT)):
        return "应为整数"
    if isinstance(kind, click.Path):
        if "is a file" in exc.message:
            return "应为文件夹，这里给的是一个文件"
        if "does not exist" in exc.message:
            return "该路径不存在"
    return exc.message


def usage_message(exc: click.UsageError) -> str:
    """What was wrong on the command line, in Chinese."""
    if isinstance(exc, click.NoSuchOption):
        text = f"没有 {exc.option_name} 这个选项"
        if exc.possibilities:
            text += f"（是不是 {'、'.join(sorted(exc.possibilities))}？）"
        return text
    if isinstance(exc, click.MissingParameter):
        kind = exc.param.param_type_name if exc.param is not None else exc.param_type
        return f"缺少{'参数' if kind == 'argument' else '选项'} {_hint(exc)}"
    if isinstance(exc, click.BadParameter):
        return f"{_hint(exc)} 的值不对：{_bad_value(exc)}"
    if isinstance(exc, click.BadOptionUsage):
        if "requires an argument" in exc.message:
            return f"选项 {exc.option_name} 后面要写一个值"
        if "does not take a value" in exc.message:
            return f"选项 {exc.option_name} 后面不用写值"
        return f"选项 {exc.option_name} 的用法不对：{exc.message}"
    if match := re.match(r"No such command '(.+)'", exc.message):
        text = f"没有 {match[1]} 这个命令"
        group = exc.ctx.command if exc.ctx is not None else None
        if isinstance(group, click.Group) and exc.ctx is not None:
            text += f"（可用的命令：{'、'.join(group.list_commands(exc.ctx))}）"
        return text
    if match := re.match(r"Got unexpected extra arguments? \((.+)\)", exc.message):
        return f"多余的参数：{match[1]}"
    return f"命令行有误：{exc.message}"


class ChineseUsageError(click.UsageError):
    """A click usage error shown in Chinese, with where to find the command's help."""

    def __init__(self, original: click.UsageError) -> None:
        super().__init__(usage_message(original), original.ctx)

    def show(self, file: IO[Any] | None = None) -> None:
        command = self.ctx.command_path if self.ctx is not None else "bulletin"
        click.secho(f"错误：{self.message}", fg="red", err=True, file=file)
        click.echo(f"用法和示例：{command} --help", err=True, file=file)
