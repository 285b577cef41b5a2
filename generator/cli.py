"""The `bulletin` command line: each command loads the project and calls the library."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator import __version__
from generator.errors import BulletinError

PROJECT = click.argument(
    "project",
    required=False,
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bulletin", message="%(prog)s %(version)s")
def cli() -> None:
    """bulletin：把工会组建台账和工作动态生成为通报（网站、公文 PDF、单位报告）。

    \b
    常用流程：
      bulletin check            检查本期数据，列出要各县市区改正的问题
      bulletin build            生成内网、外网网站和全部 PDF
    """


def main() -> None:
    """Run the CLI; print BulletinError messages in Chinese instead of tracebacks."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已取消。", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except BulletinError as exc:
        click.secho(f"错误：{exc}", fg="red", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("已中断：之前的输出保持不变。", err=True)
        sys.exit(130)
