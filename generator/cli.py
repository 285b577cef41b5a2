"""The `bulletin` command line: each command loads the project and calls the library.

The commands of the month's record (intake, fetch, received, carry, confirm-unchanged) are in
generator/cli_record.py, those of issuing and mailing (issue, send, send-problems) in
generator/cli_issue.py, what all commands share in generator/cli_common.py; the others are here.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from generator import __version__, cli_issue, cli_record
from generator.cli_common import PROJECT, BulletinGroup, choice, period_option
from generator.common.errors import BulletinError
from generator.common.paths import ProjectPaths

#: The only imports of the project's own modules made inside functions (importer: imported),
#: so that `bulletin --help` and a build with nothing changed start without pandas, pyarrow,
#: matplotlib or typst. Every command of the CLI (here, in cli_record and in cli_issue) imports
#: what it runs when it runs, and a command-line mistake loads the Chinese usage text; a build
#: imports the reading, figures and rendering stages only when it has one to redo; the build
#: summary reads the fonts only when PDFs were made (one more below). Anywhere else a function-local import of
#: the project is a hidden import circle (tests/test_structure.py checks both).
LAZY_IMPORTS: dict[str, tuple[str, ...]] = {
    "generator.cli": ("*",),
    "generator.cli_record": ("*",),
    "generator.cli_issue": ("*",),
    "generator.cli_common": ("generator.common.usage",),
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

    \b
    以上按市级项目说。省、全国项目（bulletin.yml 中 level: province 或 national）汇总的是
    各市（州）、各省（区、市）印发的通报：说明中的“县市区”指这些成员，收取的是它们的
    issued/<报告期>/ 文件夹或其 zip（见 bulletin intake --help）；fetch、send-problems、
    carry 和 confirm-unchanged 只用于市级项目。
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
        period=period_option(period), audience=audience, out=out, jobs=jobs, force=force
    )
    with BuildProgress() as progress:
        result = run_build(project, options, progress.report)
    print_build_summary(result, project)
    _say_next(project, result.periods[-1] if result.periods else None)


def _say_next(project: Path, period: str | None) -> None:
    """After a build: what the office does next with the latest period (review, sign, issue);
    nothing once it is issued."""
    from generator.common.paths import ProjectPaths
    from generator.common.register import read_register
    from generator.model.content import read_frame

    if period is None or period in read_register(project).periods():
        return
    frame = read_frame(project, period)
    if frame is None or frame.signed_on is None or frame.doc_number is None:
        path = ProjectPaths(project).frame(period).relative_to(project).as_posix()
        click.echo(
            f"下一步：用 bulletin serve 核对网站和 {period} 期通报；领导签发后，在 {path} 中填写"
            f"发文序号 doc_number 和成文日期 signed_on，再运行 bulletin build，"
            f"核对后运行 bulletin issue {period} 印发。"
        )
    else:
        click.echo(f"下一步：核对 {period} 期通报无误后，运行 bulletin issue {period} 印发存档。")


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
    from generator.common.console import print_issued_changes
    from generator.common.problems import ProblemList
    from generator.common.publish import settle
    from generator.common.register import ISSUED_CHANGED, unregistered_problems
    from generator.federation.words import speak_as
    from generator.render.files import write_county_lists, write_problems
    from generator.rosters.load import check_project
    from generator.rosters.report import print_check_report

    settle(project)  # a build killed half-way through its swap is finished or undone
    config = load_config(project)
    speak_as(config.level)  # the tables name its members: 县市区, 市（州）…
    if config.level != "city":  # a province or national project: its members' packages (§7)
        from generator.federation.gather import check_level

        result = check_level(project, config, period_option(period))
    else:
        result = check_project(project, period_option(period))
    result.problems.extend(unregistered_problems(project))  # the record before the figures
    if not result.errors:  # figures exist only for data without errors
        from generator.build import check_warnings

        result.problems.extend(check_warnings(project, period_option(period)))
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
    # figures of issued bulletins that the data now give differently: not the counties' data
    # problems, and often dozens for a few enterprises; summed up a line per county below
    changed = [p for p in result.problems.items if p.code == ISSUED_CHANGED]
    shown = result.problems.items
    if changed:
        shown = [p for p in shown if p.code != ISSUED_CHANGED]
    print_check_report(replace(result, problems=ProblemList(shown)), written, console)
    lists = [path for path in written if path.name == "problems.xlsx"]
    where = "、".join(cli_record.relative_to(project, path) for path in lists) or "问题清单"
    print_issued_changes(changed, f"问题清单 {where}", console, "另有（不计入上面的警告数）：")
    if result.errors:
        ctx.exit(1)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--organization", default=None, help="发文机关名称（默认：某市总工会，省级为某省总工会）。"
)
@click.option("--doc-prefix", default=None, help="发文字号代字（默认：某工发，省级为某省工发）。")
@choice("--cadence", ["month", "quarter"], "month", "报告周期：按月或按季度。")
@choice(
    "--level",
    ["city", "province", "national"],
    "city",
    "本项目是哪一级：city（市，收县市区的台账）、province（省）或 national（全国）"
    "（收各成员印发的通报包）。",
)
def init(
    directory: Path, organization: str | None, doc_prefix: str | None, cadence: str, level: str
) -> None:
    """新建一个空的通报项目：设置文件、名册模板和内容目录。

    \b
    示例：
      bulletin init 青山市 --organization 青山市总工会 --doc-prefix 青工发
      bulletin init 江南省通报 --level province --organization 江南省总工会 --doc-prefix 江工发
    """
    from generator.federation.words import level_words
    from generator.office.scaffold import init_project
    from generator.render.guide import DEFAULT_ORGANIZATION

    named, prefix = DEFAULT_ORGANIZATION.get(level, DEFAULT_ORGANIZATION["province"])
    result = init_project(directory, organization or named, doc_prefix or prefix, cadence, level)
    click.echo(f"已新建项目 {result.root}，包含：")
    for path in result.files:
        click.echo(f"  {path.relative_to(result.root)}")
    if organization is None or doc_prefix is None:  # issue refuses the examples (a record)
        click.echo(
            f"发文机关和发文字号代字暂为示例“{organization or named}”“{doc_prefix or prefix}”："
            "请在 bulletin.yml 的 organization 中改为本单位的名称和代字，改好之前不能印发。"
        )
    if level != "city":  # its members send their issued packages (CONTRACT §7)
        words = level_words(level)
        click.echo(
            "下一步：\n"
            f"  1. 在 data/units.csv 中填写成员名册：第一行是本级（层级填“{words.name}”，"
            f"上级单位代码不填），其余每行是一个{words.members}（上级单位代码填本级的代码）"
            "（填法见使用指南“每月的工作”，生成后在内网网站上）；\n"
            f"  2. bulletin new-period 2026-10 {directory}     建立本期目录和通报框架；\n"
            f"  3. {words.each}印发本期通报后，把报来的 issued/2026-10 文件夹（或 zip）用 "
            f'bulletin intake 2026-10 文件夹 --received "收到时间" 收取；\n'
            f"  4. bulletin check {directory}，没有错误后 bulletin build {directory}。"
        )
        return
    click.echo(
        "下一步：\n"
        "  1. 在 data/units.csv 中填写单位名册（市、县市区、乡镇街道），以及目标、志愿者等名册"
        "（每一列的填法见使用指南“输入文件”：程序目录下的 docs/inputs.md，生成后也在内网网站上）；\n"
        f"  2. bulletin new-period 2026-10 {directory}     建立本期数据目录和通报框架；\n"
        f"  3. bulletin templates {directory}              生成发给各县市区的填报模板；\n"
        f"  4. bulletin check {directory}，改正问题后 bulletin build {directory}。"
    )


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

    options = BuildOptions(period=period_option(period))
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


for _command in (*cli_record.COMMANDS, *cli_issue.COMMANDS):
    cli.add_command(_command)
