"""Taking in a member's issued package: verified, saved unmodified into data/<period>/, received.

`take_package` is what `bulletin intake` does in a province or national project: the package
(the member's issued/<period>/ folder, or a .zip of it) is verified first; one that is refused
is not saved. A package saved by hand is verified by `check` and `build` all the same; only its
receipt time is then unknown (报送情况: 收到时间不详).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.common.config import load_config
from generator.common.errors import DataError
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.common.record import in_zone, now_in, parse_time, record_receipts, time_text
from generator.federation.package import MemberPackage, period_packages, read_package
from generator.federation.roster import read_members
from generator.rosters import codes


@dataclass
class Taken:
    """A package taken in: the member, where it was saved, when it was received."""

    package: MemberPackage
    saved: Path
    received: datetime


def take_package(
    root: Path,
    period_text: str,
    source: Path,
    received: str | None = None,
    now: datetime | None = None,
) -> Taken:
    """Verify a member's package and save it into data/<period>/ with its receipt time."""
    config = load_config(root)
    period = Period.parse(period_text)
    zone = config.zone  # the receipt is an instant, judged on the project's clock
    now = in_zone(now, zone) if now else now_in(zone)
    when = parse_time(received, now, zone) if received else now
    members = read_members(root, config.level)
    folder = ProjectPaths(root).period(period)
    source = source.resolve()
    package, problems = read_package(source, source.name, period, members.names)
    if package is not None:
        have, _ = period_packages(root, period, members.names)
        first = have.get(package.code)
        if first is not None:
            problems.append(
                codes.E_MEMBER_TWICE.problem(
                    source.name,
                    None,
                    value=source.name,
                    county=(package.code, package.name),
                    member=f"{package.name}（{package.code}）",
                    other=first.file,
                )
            )
    if problems or package is None:
        raise DataError(_refusal(problems))
    name = f"{package.code}-{package.name}"
    target = folder / (f"{name}.zip" if source.is_file() else name)
    folder.mkdir(parents=True, exist_ok=True)
    if source.is_file():
        shutil.copyfile(source, target)
    else:
        shutil.copytree(source, target)
    rel = target.relative_to(root).as_posix()
    # the member's own name of what it sent, as 报送情况 lists it (a county's file likewise)
    row = [target.name, package.code, time_text(when), source.name, package.sha256]
    record_receipts(folder, [row], now)
    package.file = rel
    return Taken(package, target, when)


def _refusal(problems: list[Problem]) -> str:
    lines = "\n".join(f"- {p.message}" for p in problems)
    return f"没有收进这个通报包：\n{lines}"
