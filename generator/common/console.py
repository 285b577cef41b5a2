"""Terminal output shared by the commands: progress bars and summaries (rich)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from generator.common.paths import ISSUED_DIR
from generator.common.register import summarise_changes

if TYPE_CHECKING:
    from generator.build import BuildResult

console = Console(stderr=True, highlight=False)

STAGE_LABELS = {
    "rosters": "读取台账",
    "figures": "计算指标",
    "model": "组织通报",
    "files": "数据文件",
    "pdf": "PDF",
    "site": "网站",
}


class BuildProgress:
    """One progress bar per stage, driven by the build's (stage, done, total) reports."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> BuildProgress:
        self.progress.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.progress.__exit__(exc_type, exc, tb)

    def report(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def print_build_summary(result: BuildResult, root: Path | None = None) -> None:
    """The closing summary of a build: what was written and how long each stage took."""
    if result.unchanged:
        console.print(
            f"数据、内容、模板和配置自上次生成以来都没有变化，{result.out} 保持不变"
            "（要全部重新生成，请加 --force）。"
        )
        return
    table = Table(title="生成完成", show_header=False)
    table.add_row("输出目录", str(result.out))
    periods = result.periods
    table.add_row(
        "报告期", f"{len(periods)} 期（{periods[0]} 至 {periods[-1]}）" if periods else "无"
    )
    cached = len(periods) - result.snapshots_read
    if cached > 0:
        table.add_row("台账", f"读取 {result.snapshots_read} 期，其余 {cached} 期未变、取自缓存")
    table.add_row("网页", str(result.pages))
    table.add_row("PDF", str(result.pdfs))
    table.add_row("数据文件", str(result.files))
    table.add_row("数据警告", f"{result.warnings}（详见内网“数据质量”页或 bulletin check）")
    timing = "，".join(f"{STAGE_LABELS.get(k, k)} {v:.1f} 秒" for k, v in result.timings.items())
    table.add_row("用时", timing)
    if result.pdfs and root is not None:
        from generator.render.fonts import fangsong_advice, resolve_fonts

        advice = fangsong_advice(resolve_fonts(root))
        if advice:
            table.add_row("字体", advice)
    console.print(table)
    print_issued_changes(result.issued_changed, _issued_changes_list(result, root))


def _issued_changes_list(result: BuildResult, root: Path | None) -> str:
    """Where a build put every W-ISSUED-CHANGED: the internal data-quality page and the
    problems file of each issued period changed (from the project folder when inside it)."""
    out = result.out
    if root is not None and out.resolve().is_relative_to(root.resolve()):
        out = out.resolve().relative_to(root.resolve())
    periods = _unique_periods(result.issued_changed)
    files = "、".join(f"{out.as_posix()}/internal/data/{p}/problems.xlsx" for p in periods)
    return f"内网“数据质量”页和 {files}"


def _unique_periods(changed: list[Any]) -> list[str]:
    prefix = f"{ISSUED_DIR}/"
    return list(dict.fromkeys(p.file.removeprefix(prefix) for p in changed))


def print_issued_changes(
    changed: list[Any], full_list: str, out: Console | None = None, lead: str = "注意："
) -> None:
    """W-ISSUED-CHANGED summed up, a line per county: issued bulletins never change, but users
    must know what the data now say differently; every item is in `full_list` (where it is)."""
    if not changed:
        return
    out = out or console
    bulletin, where, lines = summarise_changes(changed)
    out.print(
        f"[yellow]{escape(lead)}已印发的{escape(bulletin)}中有 {len(changed)} 处数字按现在的数据有变化"
        f"（W-ISSUED-CHANGED）。印发的文件保持不变；{escape(where or '更正说明见下一期通报')}。[/]"
    )
    for line in lines:
        out.print(f"  {escape(line)}", highlight=False)
    out.print(f"  逐项的单位、指标、印发时和现在的数值见{escape(full_list)}。", highlight=False)
