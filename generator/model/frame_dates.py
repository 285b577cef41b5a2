"""The dates a frame's 成文日期 sets, checked against China's official working days."""

from __future__ import annotations

import re
from pathlib import Path

from generator.common import formatting as fmt
from generator.common.config import Config
from generator.common.paths import ProjectPaths
from generator.common.problems import Problem
from generator.model.content import Frame
from generator.rosters.codes import W_CALENDAR_UNKNOWN, W_SIGNED_HOLIDAY, W_SIGNED_WEEKEND

_SIGNED_LINE = re.compile(r"\s*signed_on\s*:")


def frame_date_problems(root: Path, frames: dict[str, Frame], config: Config) -> list[Problem]:
    """Warn on a 成文日期 that is not a working day (a weekend that is no 调休 working day, a
    public holiday) and on a rectification deadline counted through a year whose holidays are
    unknown. An issued period is a record: nothing to act on."""
    paths = ProjectPaths(root)
    calendar = config.calendar
    problems: list[Problem] = []
    for period in sorted(frames):
        signed = frames[period].signed_on
        if signed is None or (paths.issued / period).is_dir():
            continue
        value = signed.isoformat()
        found: list[tuple[str, str]] = []  # (code, message)
        if not calendar.is_workday(signed):
            holiday = calendar.holiday_name(signed)
            if holiday is not None:
                found.append(
                    (
                        W_SIGNED_HOLIDAY.name,
                        W_SIGNED_HOLIDAY.template.format(value=value, holiday=holiday),
                    )
                )
            elif signed.weekday() >= 5:
                weekday = "六" if signed.weekday() == 5 else "日"
                found.append(
                    (
                        W_SIGNED_WEEKEND.name,
                        W_SIGNED_WEEKEND.template.format(value=value, weekday=weekday),
                    )
                )
        deadline = calendar.after(signed, config.rectify_days)
        years = calendar.uncovered_years(signed, deadline)
        if years:
            message = W_CALENDAR_UNKNOWN.template.format(
                value=value,
                deadline=fmt.chinese_date(deadline),
                years="、".join(str(y) for y in years),
            )
            found.append((W_CALENDAR_UNKNOWN.name, message))
        path = paths.frame(period)
        problems += [
            Problem(
                file=path.relative_to(root).as_posix(),
                row=_signed_line(path),
                column="signed_on",
                code=code,
                severity="warning",
                value=value,
                message=message,
            )
            for code, message in found
        ]
    return problems


def _signed_line(path: Path) -> int | None:
    """The line of `signed_on:` in the frame's front matter."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((i for i, line in enumerate(lines, 1) if _SIGNED_LINE.match(line)), None)
