"""The `bulletin` command line: each command loads the project and calls the library."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator import __version__
from generator.errors import BulletinError, ConfigError
from generator.periods import Period

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


@cli.command()
@PROJECT
@click.option("--period", "-p", metavar="2026-10", help="生成到这一期为止（默认：最新一期）。")
@click.option(
    "--audience",
    type=click.Choice(["public", "internal", "all"]),
    default="all",
    show_default=True,
    help="只生成外网（public）、内网（internal）或全部。",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录（默认：项目下的 site/）。",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="并行进程数（默认：CPU 核数）。")
@click.option("--force", is_flag=True, help="忽略缓存，全部重新生成。")
def build(
    project: Path,
    period: str | None,
    audience: str,
    out: Path | None,
    jobs: int | None,
    force: bool,
) -> None:
    """生成网站、通报 PDF、单位报告和分发文件。

    先读取并检查全部数据；有错误时不生成任何输出，原有的 site/ 保持不变。

    \b
    示例：
      bulletin build                    在当前项目目录生成全部输出
      bulletin build 示例市 --period 2026-10 --audience internal
    """
    from generator.build import BuildOptions
    from generator.build import build as run_build
    from generator.console import BuildProgress, print_build_summary

    options = BuildOptions(
        period=_period_option(period), audience=audience, out=out, jobs=jobs, force=force
    )
    with BuildProgress() as progress:
        result = run_build(project, options, progress.report)
    print_build_summary(result)


def _period_option(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
