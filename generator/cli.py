"""The `bulletin` command line: each command loads the project and calls the library."""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import Any

import click

from generator import __version__
from generator.common.errors import BulletinError, ConfigError, os_error_message, write_crash_log
from generator.common.paths import ProjectPaths
from generator.common.periods import Period

#: The only imports of the project's own modules made inside functions (importer: imported),
#: so that `bulletin --help` and a build with nothing changed start without pandas, pyarrow,
#: matplotlib or typst. Every command of the CLI imports what it runs when it runs; a build
#: imports the reading, figures and rendering stages only when it has one to redo; the build
#: summary reads the fonts only when PDFs were made (one more below). Anywhere else a function-local import of
#: the project is a hidden import circle (tests/test_structure.py checks both).
LAZY_IMPORTS: dict[str, tuple[str, ...]] = {
    "generator.cli": ("*",),
    "generator.build": (
        "generator.model.assemble",  # pandas: a build with nothing changed never imports it
        "generator.federation.gather",
        "generator.figures.reduce",
        "generator.render.fonts",
        "generator.render.dist",
        "generator.render.files",
        "generator.render.pdf",
        "generator.render.site",
        "generator.rosters.load",
        "generator.office.templates",
    ),
    "generator.common.console": ("generator.render.fonts",),
    # Not for speed: at module level it changes what mypy infers of MkDocs' patched classes.
    "generator.render.page_cache": ("generator.common.cache",),
}

PROJECT = click.argument(
    "project",
    required=False,
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
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
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            exc.ctx = exc.ctx or ctx
            raise


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


@click.group(cls=BulletinGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bulletin", message="%(prog)s %(version)s")
def cli() -> None:
    """bulletin：把工会组建台账和工作动态生成为通报（网站、公文 PDF、单位报告）。

    \b
    常用流程：
      bulletin new-period 2026-11    建立新一期的数据目录和通报框架
      bulletin intake 2026-11 文件…  收进各县市区报来的台账（原样存放，不用合并）并检查
      bulletin check                 检查本期数据，列出要各县市区改正的问题
      bulletin build                 生成内网、外网网站和全部 PDF
      bulletin serve                 在本机浏览生成的网站
    """


def main() -> None:
    """Entry point of the `bulletin` command."""
    from generator.common.interrupt import install

    install()  # Ctrl-C stops the command once, not once per worker process
    cli(prog_name="bulletin")


@cli.command()
@PROJECT
@click.option("--period", "-p", metavar="2026-10", help="生成到这一期为止（默认：最新一期）。")
@choice(
    "--audience",
    ["public", "internal", "all"],
    "all",
    "只生成外网（public）、内网（internal）或全部。",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录（默认：项目下的 site/）。",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="并行进程数（默认：按 CPU 核数和要生成的文件数自动决定）。",
)
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
    from generator.common.console import BuildProgress, print_build_summary

    options = BuildOptions(
        period=_period_option(period), audience=audience, out=out, jobs=jobs, force=force
    )
    with BuildProgress() as progress:
        result = run_build(project, options, progress.report)
    print_build_summary(result, project)


def _period_option(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


@cli.command()
@PROJECT
@click.option("--period", "-p", metavar="2026-10", help="只检查这一期（默认：全部报告期）。")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="问题清单输出目录（默认：项目下的 problems/）。",
)
@click.pass_context
def check(ctx: click.Context, project: Path, period: str | None, out: Path | None) -> None:
    """检查数据：列出每处错误和警告所在的文件、行号、列和内容，并写出问题清单。

    问题清单写成 problems.csv 和 problems.xlsx（全部问题，每个县市区一张表），并按报告期给每个县市区
    写一份 problems/<报告期>/<单位代码>-<名称>-问题清单.xlsx（该县市区自己的文件名和行号，附企业名称
    和统一社会信用代码，可直接发回改正；单位名册、目标任务等市里自己的文件的问题在“全市”清单中）。

    有错误时退出码为 1，没有错误时为 0。

    \b
    示例：
      bulletin check                         检查当前项目的全部报告期
      bulletin check 示例市 --period 2026-10  只检查 2026年10月
    """
    from rich.console import Console

    from generator.common.config import load_config
    from generator.common.publish import settle
    from generator.common.register import unregistered_problems
    from generator.federation.words import speak_as
    from generator.render.files import write_county_lists, write_problems
    from generator.rosters.load import check_project
    from generator.rosters.report import print_check_report

    settle(project)  # a build killed half-way through its swap is finished or undone
    config = load_config(project)
    speak_as(config.level)  # the tables name its members: 县市区, 市（州）…
    if config.level != "city":  # a province or national project: its members' packages (§7)
        from generator.federation.gather import check_level

        result = check_level(project, config, _period_option(period))
    else:
        result = check_project(project, _period_option(period))
    result.problems.extend(unregistered_problems(project))  # the record before the figures
    if not result.errors:  # figures exist only for data without errors
        from generator.build import check_warnings

        result.problems.extend(check_warnings(project, _period_option(period)))
    folder = out or ProjectPaths(project).problems
    written = write_problems(result.problems.items, folder)
    written += write_county_lists(
        result.problems.items,
        [str(p) for p in result.periods],
        result.counties,
        result.records,
        folder,
        sources=result.sources,
    )
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    print_check_report(result, written, console)
    if result.errors:
        ctx.exit(1)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--organization", default="某市总工会", show_default=True, help="发文机关名称。")
@click.option("--doc-prefix", default="某工发", show_default=True, help="发文字号代字。")
@choice("--cadence", ["month", "quarter"], "month", "报告周期：按月或按季度。")
def init(directory: Path, organization: str, doc_prefix: str, cadence: str) -> None:
    """新建一个空的通报项目：设置文件、名册模板和内容目录。

    \b
    示例：
      bulletin init 青山市 --organization 青山市总工会 --doc-prefix 青工发
    """
    from generator.office.scaffold import init_project

    result = init_project(directory, organization, doc_prefix, cadence)
    click.echo(f"已新建项目 {result.root}，包含：")
    for path in result.files:
        click.echo(f"  {path.relative_to(result.root)}")
    click.echo(
        "下一步：\n"
        "  1. 在 data/units.csv 中填写单位名册（市、县市区、乡镇街道），以及目标、志愿者等名册"
        "（每一列的填法见使用指南“输入文件”：程序目录下的 docs/inputs.md，生成后也在内网网站上）；\n"
        f"  2. bulletin new-period 2026-10 {directory}     建立本期数据目录和通报框架；\n"
        f"  3. bulletin templates {directory}              生成发给各县市区的填报模板；\n"
        f"  4. bulletin check {directory}，改正问题后 bulletin build {directory}。"
    )


@cli.command()
@click.argument("period", metavar="PERIOD")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
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
    "默认为现在（会打印出来，请核对）。",
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
    不写则按收取的此刻登记。是否逾期只看该县市区本期的第一份台账；之后报来的更正、重报
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

    parsed = _period_option(period)
    assert parsed is not None
    if load_config(project).level != "city":  # members' issued packages (CONTRACT §7)
        from generator.federation.intake import take_package

        for source in files:
            taken = take_package(project, str(parsed), source, received=received)
            click.echo(
                f"已收取 {taken.package.name}（{taken.package.code}）{parsed} 期印发的通报"
                f"（{taken.package.doc_code}），存为 {taken.package.file}，"
                f"收到时间 {taken.received:%Y-%m-%d %H:%M}"
            )
        return
    folders = [f.name for f in files if f.is_dir()]
    if folders:
        raise click.UsageError(f"{'、'.join(folders)} 是目录：请给出县市区报来的台账文件。")
    result = run_intake(
        project, parsed, list(files), received=received, county=county, mode=mode or AUTO
    )
    if result.issued is not None:
        doc_code, issued_at = result.issued
        click.secho(
            f"注意：{parsed} 期通报已于 {issued_at:%Y-%m-%d} 印发（{doc_code}），本次收取的是对已印发"
            "通报的更正：印发的通报和报送情况不变；数字如有变化，列入下一期通报的“更正说明”。",
            fg="yellow",
        )
    if result.received is not None and any(item.stored for item in result.filed):
        how = (
            "按 --received 登记"
            if received
            else "没有指定 --received，按现在的时间登记；如不是实际收到的时间，请用 "
            f'bulletin received {parsed} 县市区 "YYYY-MM-DD HH:MM" 更正'
        )
        click.echo(f"收到时间：{result.received:%Y-%m-%d %H:%M}（{how}）")
        if result.early:
            click.secho(
                f"注意：收到时间早于报告期的最后一天（{parsed.end:%Y-%m-%d}），台账应是期末的数字；"
                "如是提前报送，期末前有变化的请县市区重报。",
                fg="yellow",
            )
    for item in result.filed:
        if item.refused:
            click.echo(f"未收取 {item.source.name}：{item.refused}")
            continue
        if item.same_as:
            click.echo(f"未重复收取 {item.source.name}：与本期已收取的 {item.same_as} 内容完全相同")
            continue
        if item.several:
            names = "、".join(
                f"{n} {rows} 行"
                for (_, n), (_, rows) in zip(item.counties, item.several, strict=True)
            )
            click.echo(f"已收取 {item.source.name}（{item.rows} 行：{names}）→ {item.stored}")
            click.echo(
                "  这是含多个县市区的文件（没有一个县市区占四分之三以上的行），作为市里汇总的文件"
                "收取，每行计入其单位所在的县市区；如是某县市区报来的，请加 --county 重新收取"
            )
        else:
            names = "、".join(name for _, name in item.counties)
            click.echo(f"已收取 {item.source.name}（{names}，{item.rows} 行）→ {item.stored}")
        for note in item.notes:
            click.echo(f"  {note}")
        strays = [
            p for p in result.problems if p.code == "E-UNIT-OTHER-COUNTY" and p.file == item.stored
        ]
        for p in strays:
            click.echo(f"  第 {p.row} 行：{p.message}")
        for note in item.rosters:
            click.echo(f"  {note}")
    for line in result.lines:
        click.echo(
            f"{line.name}：{'、'.join(Path(f).name for f in line.files) or '无文件'}，"
            f"{line.rows} 行，错误 {line.errors} 个，警告 {line.warnings} 个"
        )
    others = [
        p
        for p in result.problems
        if p.is_error and p.county not in {line.code for line in result.lines}
    ]
    if others:
        click.echo(f"本期其他县市区和全市另有 {len(others)} 个错误（运行 bulletin check 查看）。")
    if result.lists:
        click.echo(
            f"问题清单在 {ProjectPaths(project).problems_of(parsed)}/ 下（每个县市区一份）。"
        )
    if any(item.refused for item in result.filed) or any(line.errors for line in result.lines):
        sys.exit(1)


@cli.command()
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

    \b
    示例：
      export BULLETIN_IMAP_PASSWORD='邮箱密码'
      bulletin fetch 2026-10              收取 10 月的台账（2026-10-31 至 2026-11-30 到达的邮件）
      bulletin fetch 2026-10 示例市       在“示例市”项目目录中收取
      bulletin fetch 2026-10 --move-to 已收    收取后把已收取的邮件移到“已收”邮件夹
    """
    from generator.office.mailbox import ARRIVED_BY, PASSWORD_VARIABLE
    from generator.office.mailbox import fetch as run_fetch

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


@cli.command()
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
    的报送情况。已印发的报告期不能更正（印发的报送情况以印发时为准）。时间写到分钟，整个时间加引号。

    \b
    示例：
      bulletin received 2026-10 宁阳县 "2026-11-04 18:30"
      bulletin received 2026-10 370921 "2026-11-05 09:12" --file 370921-宁阳县.xlsx
    """
    from generator.office.decisions import correct_receipt

    result = correct_receipt(project, period, county, when, file)
    for line in result.lines:
        click.echo(line)


@cli.command()
@click.argument("period", metavar="PERIOD")
@click.argument("county", metavar="COUNTY")
@PROJECT
def carry(period: str, county: str, project: Path) -> None:
    """决定一个县市区本期沿用上期台账数据（该县市区本期没有报送时）。

    \b
    只对这一个县市区、这一期有效：通报的报送情况写“未按时报送（沿用上期数据）”（截止日期前写
    “尚未报送”），不报送的县市区不再是 E-COUNTY-NOT-REPORTED 错误。之后收到该县市区的台账时，
    照常用 bulletin intake 收取，收取的台账优先。COUNTY 写县市区名称或单位代码。

    \b
    示例：
      bulletin carry 2026-10 宁阳县
      bulletin carry 2026-10 370921 示例市      （示例市：项目目录）
    """
    from generator.office.decisions import carry as record_carry

    for line in record_carry(project, period, county).lines:
        click.echo(line)


@cli.command("confirm-unchanged")
@click.argument("period", metavar="PERIOD")
@click.argument("county", metavar="COUNTY")
@PROJECT
def confirm_unchanged(period: str, county: str, project: Path) -> None:
    """确认一个县市区本期的台账与以前某一期完全相同是对的（E-LEDGER-STALE）。

    \b
    台账与以前某期的完全相同（同样的企业、同样的数字），多半是把旧台账又报了一次，bulletin
    check 报 E-LEDGER-STALE 错误。向该县市区核实确实没有变化后，用本命令确认：只对这一个县市区、
    这一期有效，通报的报送情况注明“与上期相同（已确认）”。COUNTY 写县市区名称或单位代码。

    \b
    示例：
      bulletin confirm-unchanged 2026-11 宁阳县
    """
    from generator.office.decisions import confirm_unchanged as record_confirm

    for line in record_confirm(project, period, county).lines:
        click.echo(line)


@cli.command("new-period")
@click.argument("period", metavar="PERIOD")
@PROJECT
@click.option("--force", is_flag=True, help="覆盖已有的通报框架。")
def new_period_command(period: str, project: Path, force: bool) -> None:
    """建立新一期的数据目录和通报框架（主送、抄送、前言和要求沿用上一期）。

    发文序号（doc_number）和成文日期（signed_on）留空，并在框架中注明该填什么
    （例如本年下一个序号、报送截止日）：领导签发后填写，填好之前 bulletin issue 不会印发。

    \b
    示例：
      bulletin new-period 2026-11
      bulletin new-period 2026-Q4 我的项目
    """
    from generator.common.config import load_config
    from generator.federation.words import level_words
    from generator.office.scaffold import new_period

    result = new_period(project, period, force)
    click.echo(f"已建立数据目录 {result.folder}")
    based = f"（沿用 {result.based_on} 期的设置）" if result.based_on else ""
    click.echo(
        f"已建立通报框架 {result.frame}{based}：请修改前言；发文序号（doc_number）和成文日期"
        "（signed_on）留空，领导签发后按文件中的说明填写，填好之前不能印发。"
    )
    if result.skipped:
        click.secho(
            f"注意：跳过了 {'、'.join(result.skipped)}（共 {len(result.skipped)} 期），"
            "这几期没有数据目录和通报框架。如不是有意跳过，请先建立这几期。",
            fg="yellow",
        )
    level = load_config(project).level
    if level != "city":  # its members send their issued bulletins, not ledgers (CONTRACT §7)
        click.echo(
            f"{level_words(level).each}印发后报来的 issued/{period}/ 文件夹（或其 zip）用 "
            f"bulletin intake {period} 文件夹… 收进 {result.folder}。"
        )
        return
    click.echo(
        f"各县市区用邮件报来的台账用 bulletin fetch {period} 从收件邮箱收取；其他途径报来的"
        f"工作簿用 bulletin intake {period} 文件… 收进 {result.folder}（或原样放进该目录，不用合并）。"
    )


@cli.command()
@click.argument("period", metavar="PERIOD")
@PROJECT
def issue(period: str, project: Path) -> None:
    """印发一期通报：把这一期生成的通报、单位报告和分发文件存档到 issued/，此后不再改变。

    先按当前数据重新生成这一期。以下情况不印发：有数据错误；通报框架没有填写成文日期
    signed_on 或发文序号 doc_number；成文日期早于报送截止日或本期最后收到台账的日期；
    发文字号重复。成文日期是周六、周日时提示核对。然后把内网和外网通报 PDF、各单位报告、
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


@cli.command()
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
    from generator.office.send import PASSWORD_VARIABLE, SENT_OK, plan_send, record_confirmed
    from generator.office.send import send as run_send

    if resend_unknown and confirm_unknown:
        raise ConfigError(
            "--resend-unknown 和 --confirm-unknown 只能选一个：先按 Message-ID 查明。"
        )
    plan = plan_send(project, period, resend_unknown)
    if confirm_unknown:
        count = record_confirmed(project, plan)
        click.echo(
            f"已把 {count} 封结果不明的邮件记为已发送（记录见 {plan.log}），不会再重发。"
            if count
            else "没有结果不明的邮件。"
        )
        plan = plan_send(project, period)
    todo = plan.to_send()
    label = f"{plan.period} 期通报（{plan.doc_code}）"
    for packet in todo:
        click.echo(f"{packet.code} {packet.shown_name} → {'; '.join(packet.addresses)}")
        if packet.note:
            click.echo(f"    （{packet.note}）")
        for _path, name, _digest in packet.attachments:
            click.echo(f"    {name}")
    skipped = [p for p in plan.packets if p.skip]
    if skipped:
        click.echo(f"不发送的单位（{len(skipped)} 个）：")
        for packet in skipped:
            click.echo(f"  {packet.code} {packet.shown_name}：{packet.skip}")
    _tell_unknown(plan)
    if not yes:
        click.echo(
            f"以上为预览：{label}将发给 {len(todo)} 个单位，没有发送任何邮件。"
            f"核对无误后运行 bulletin send {plan.period} --yes 发送。"
        )
        return
    if not todo:
        click.echo(f"{label}没有需要发送的单位。")
        if plan.unknown():
            ctx.exit(1)
        return

    def prompt() -> str:
        return str(
            click.prompt(f"邮件服务器密码（也可设置环境变量 {PASSWORD_VARIABLE}）", hide_input=True)
        )

    run_send(project, plan, password=prompt)
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


@cli.command("send-problems")
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

    \b
    示例：
      bulletin send-problems 2026-10           预览：列出哪些县市区有问题、发到哪个邮箱
      bulletin send-problems 2026-10 --yes     发送
      bulletin send-problems 2026-10 --confirm-unknown   查明已经发出后，记为已发送
    """
    from generator.office.send import PASSWORD_VARIABLE, SENT_OK
    from generator.office.send_problems import plan_problems, record_confirmed, send_problems

    if resend_unknown and confirm_unknown:
        raise ConfigError(
            "--resend-unknown 和 --confirm-unknown 只能选一个：先按 Message-ID 查明。"
        )
    plan = plan_problems(project, period, resend_unknown)
    if confirm_unknown:
        count = record_confirmed(project, plan)
        click.echo(
            f"已把 {count} 封结果不明的邮件记为已发送（记录见 {plan.log}），不会再重发。"
            if count
            else "没有结果不明的邮件。"
        )
        plan = plan_problems(project, period)
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

    def prompt() -> str:
        return str(
            click.prompt(f"邮件服务器密码（也可设置环境变量 {PASSWORD_VARIABLE}）", hide_input=True)
        )

    send_problems(project, plan, password=prompt)
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


@cli.command()
@PROJECT
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="模板输出目录（默认：项目下的 templates/）。",
)
def templates(project: Path, out: Path | None) -> None:
    """生成发给各县市区的 Excel 填报模板（每县一份，已填好本县的乡镇街道）。

    模板带中文表头、下拉选项，统一社会信用代码列为文本格式，Excel 不会把它变成 9.13701E+17。

    \b
    示例：
      bulletin templates --out 填报模板
    """
    from generator.office.scaffold import write_collection_templates

    target = out or project / "templates"
    written = write_collection_templates(project, target)
    click.echo(f"已生成 {len(written)} 份填报模板，位于 {target}：")
    for path in written:
        click.echo(f"  {path.name}")


@cli.command()
@PROJECT
@choice(
    "--audience", ["internal", "public"], "internal", "浏览内网（internal）还是外网（public）网站。"
)
@click.option("--port", default=8000, show_default=True, help="端口（只在本机 127.0.0.1 上提供）。")
@click.option("--period", "-p", metavar="2026-10", help="生成到这一期为止（默认：最新一期）。")
def serve(project: Path, audience: str, port: int, period: str | None) -> None:
    """生成并在本机浏览网站；修改数据、稿件、模板或设置后自动重新生成并刷新页面。

    按 Ctrl-C 退出。

    \b
    示例：
      bulletin serve                     然后在浏览器打开 http://127.0.0.1:8000/
      bulletin serve --audience public --port 8001
    """
    from generator.build import BuildOptions
    from generator.build import build as run_build
    from generator.common.config import load_config
    from generator.common.console import BuildProgress, print_build_summary
    from generator.office.serve import check_port, make_server

    options = BuildOptions(period=_period_option(period))
    load_config(project)  # not a project: say so before anything else
    check_port(port)
    try:
        with BuildProgress() as progress:
            result = run_build(project, options, progress.report)
        print_build_summary(result, project)
    except BulletinError as exc:
        if not (ProjectPaths(project).site / audience / "index.html").is_file():
            raise
        # Show the last good output while the user fixes the data; saving rebuilds it.
        click.secho(f"错误：{exc}", fg="red", err=True)
        click.echo("仍显示上次生成的网站；改正后保存，会自动重新生成。", err=True)
    server = make_server(project, options, audience, port, click.echo)
    click.echo(f"网站已在 http://127.0.0.1:{port}/ 提供（按 Ctrl-C 退出）。")
    try:
        server.serve()
    except KeyboardInterrupt:
        click.echo("已停止。")
    finally:
        server.shutdown()


@cli.command()
@PROJECT
def doctor(project: Path) -> None:
    """检查本机环境：软件版本、各类字体实际使用的字体、浏览器、写入权限，并说明如何补齐。

    \b
    示例：
      bulletin doctor
    """
    from rich.table import Table

    from generator.common.console import console
    from generator.office.doctor import run_checks

    checks = run_checks(project)
    table = Table(title="bulletin 环境检查", show_lines=False)
    for header in ("项目", "状态", "详情", "处理办法"):
        table.add_column(header, overflow="fold")
    for check in checks:
        status = (
            "[green]正常[/]"
            if check.ok
            else ("[red]缺少[/]" if check.required else "[yellow]可选[/]")
        )
        table.add_row(check.topic, status, check.detail, "" if check.ok else check.fix)
    console.print(table)
    if any("替代" in c.detail for c in checks):
        click.echo(
            "提示：未安装公文字体时使用 Noto CJK 替代。如需标准公文字体，请把方正小标宋简体、"
            "仿宋_GB2312、楷体_GB2312、黑体的字体文件放进项目的 fonts/ 目录。",
            err=True,
        )
    missing = [c for c in checks if not c.ok and c.required]
    if missing:
        click.echo(f"有 {len(missing)} 项必需条件未满足，请按“处理办法”一栏补齐。", err=True)
        raise SystemExit(1)
    click.echo("环境正常，可以生成通报。", err=True)
