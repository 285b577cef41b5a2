"""The terminal report of `bulletin check`: counts per file and county, then the problems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from generator.common.problems import Problem
from generator.federation.words import words
from generator.rosters.filing import shown_file
from generator.rosters.load import CheckResult

#: Problems listed in the terminal; the written files hold all of them.
SHOWN_PROBLEMS = 40


def _counts(
    problems: Sequence[Problem], key: str, sources: dict[str, str]
) -> list[tuple[str, int, int]]:
    errors: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    for p in problems:
        name = (
            shown_file(p.file, sources)
            if key == "file"
            else (p.county_name or p.county or words().own)
        )
        (errors if p.is_error else warnings)[name] += 1
    names = sorted(set(errors) | set(warnings))
    return [(n, errors[n], warnings[n]) for n in names]


def print_check_report(
    result: CheckResult, written: Sequence[Path], console: Console, limit: int = SHOWN_PROBLEMS
) -> None:
    """Print the summary tables, the first `limit` problems (errors first) and where all are."""
    problems = result.problems.sorted()
    periods = result.periods
    if len(periods) > 1:
        scope = f"{periods[0]} 至 {periods[-1]}，共 {len(periods)} 期"
    else:
        scope = str(periods[0]) if periods else "没有报告期目录"
    n_err, n_warn = len(result.errors), len(result.warnings)
    if not problems:
        console.print(f"[green]检查完成（{scope}）：没有发现问题。[/]")
    for title, key in (("按文件", "file"), ("按" + words().members, "county")):
        rows = _counts(problems, key, result.sources)
        if not rows:
            continue
        table = Table(title=f"问题统计（{title}）", title_justify="left")
        table.add_column("文件" if key == "file" else words().members, overflow="fold")
        table.add_column("错误", justify="right")
        table.add_column("警告", justify="right")
        for name, e, w in rows:
            table.add_row(name, f"[red]{e}[/]" if e else "0", str(w))
        table.add_row("[bold]合计[/]", f"[bold]{n_err}[/]", f"[bold]{n_warn}[/]")
        console.print(table)

    if result.reporting:
        first = result.reporting[0]
        table = Table(
            title=f"报送情况（{periods[-1]}，截止 {first.deadline_date.month}月{first.deadline_date.day}日）",
            title_justify="left",
        )
        for header in (words().members, "文件", "收到时间", "情况"):
            table.add_column(header, overflow="fold")
        for item in result.reporting:
            when = f"{item.received_time:%m-%d %H:%M}" if item.received else ""
            status = f"[red]{item.status}[/]" if item.late else item.status
            table.add_row(item.name, "、".join(item.files), when, status)
        console.print(table)

    by_place = sorted(problems, key=lambda p: (p.file, p.row or 0, p.column, p.code))
    ordered = [p for p in by_place if p.is_error] + [p for p in by_place if not p.is_error]
    if ordered:
        table = Table(title="问题明细（先错误后警告）", title_justify="left", show_lines=False)
        for header in ("级别", "文件", "行", "列", "内容", "说明"):
            table.add_column(header, overflow="fold")
        for p in ordered[:limit]:
            level = "[red]错误[/]" if p.is_error else "[yellow]警告[/]"
            table.add_row(
                level,
                shown_file(p.file, result.sources),
                "" if p.row is None else str(p.row),
                p.column,
                p.value,
                p.message,
            )
        console.print(table)
        if len(ordered) > limit:
            console.print(f"另有 {len(ordered) - limit} 条问题未在此列出，完整清单见下面的文件。")
    if written:
        console.print(f"问题清单（按{words().members}分表，可直接发给{words().each}）已写入：")
        for path in written:
            console.print(f"  {path}")
    if n_err:
        console.print(
            f"[red]共 {n_err} 个错误、{n_warn} 个警告（{scope}）。"
            "有错误时 bulletin build 不会生成任何输出：请按清单改正后重新检查。[/]"
        )
    elif problems:
        console.print(
            f"[green]没有错误[/]，共 {n_warn} 个警告（{scope}）：可以生成通报，建议核实警告。"
        )
