"""The city bulletin's sections on the office's records: 督查情况, 报送情况, 工作动态, 更正说明
and the frame's closing.
"""

from __future__ import annotations

from generator.common import formatting as fmt
from generator.common.config import Config
from generator.common.record import PARTIAL, REPLACED_MARK, STALE_MARK
from generator.model.bulletin import Bulletin, CountyReporting, InspectionRecord, ReceivedFile
from generator.render.document.nodes import (
    Column,
    Section,
    chinese_number,
    column_table,
    frame_blocks,
    lead_par,
    par,
)
from generator.render.document.ranking import full_name
from generator.render.document.wording import Wording
from generator.render.mdtree import Node

_n = fmt.integer


def inspection_section(bulletin: Bulletin) -> Section | None:
    """督查情况 (internal): the period's inspections and rectifications past their deadline."""
    if not bulletin.inspections:
        return None
    held = [i for i in bulletin.inspections if i.held]
    overdue = [i for i in bulletin.inspections if i.overdue]
    # A count of none is said in words (本期未开展督查), never as 开展督查0次.
    said = f"本期开展督查{_n(len(held))}次" if held else "本期未开展督查"
    if overdue:
        said += f"，整改逾期未完成的问题{_n(len(overdue))}个"
    blocks: list[Node] = [par(said + "。")]
    for k, i in enumerate(held, 1):
        name = _inspected(bulletin, i)
        due = f"，整改期限{fmt.chinese_date(i.deadline)}" if i.deadline else ""
        blocks.append(
            lead_par(
                f"（{chinese_number(k)}）{name}（{fmt.chinese_date(i.date)}）。",
                f"发现问题：{i.findings or '无'}{due}。",
            )
        )
    if overdue:
        names = "；".join(
            f"{_inspected(bulletin, i)}（{i.findings or '督查问题'}，期限{fmt.chinese_date(i.deadline)}）"
            for i in overdue
        )
        blocks.append(par(f"逾期未整改：{names}。请相关单位立即整改到位。"))
    return "督查情况", blocks


def _received_text(when: str | None) -> str:
    """2026-11-04 09:30:00 -> 11月4日 09:30; "" when not recorded."""
    if not when:
        return ""
    day, _, clock = when.partition(" ")
    return fmt.chinese_date(day)[5:] + (f" {clock[:5]}" if clock else "")


def _status(c: CountyReporting) -> str:
    """A county's 报送情况 in a table: "—" where the office recorded no receipt (3.9)."""
    return "—" if c.state == "unknown" else c.status


_REPORTING_BY_COUNTY: list[Column[CountyReporting]] = [
    Column("县市区", lambda c: c.name),
    Column("报送情况", _status),
]

#: A county's file name longer than this is shortened in the table (a signed page's column)
_FILE_WIDTH = 30
#: what 报送情况 may add after a file's name (record.STALE_MARK, record.REPLACED_MARK)
_FILE_MARKS = {STALE_MARK, REPLACED_MARK.strip("（）")}


def _file_cell(shown: str) -> str:
    """A county's file as the table prints it: a name longer than _FILE_WIDTH shortened in the
    middle with … (its start and its extension kept), the record's marks kept whole; the record
    and the site keep the name in full."""
    name, mark = shown, ""
    if shown.endswith("）") and "（" in shown:
        i = shown.rindex("（")
        if set(shown[i + 1 : -1].split("，")) <= _FILE_MARKS:
            name, mark = shown[:i], shown[i:]
    if len(name) <= _FILE_WIDTH:
        return shown
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 and len(name) - dot <= 8 else ""
    room = _FILE_WIDTH - 1 - len(ext)
    tail = min(6, room // 3)
    stem = name[: len(name) - len(ext)]
    return f"{stem[: room - tail]}…{stem[len(stem) - tail :]}{ext}{mark}"


#: With the files and receipt times (Shows.reporting_files): one row per file, the county and
#: its status once beside all its files (what the status says is the county's, not each file's:
#: a replaced file, or a repeat of an earlier period's ledger, was not 按时报送).
_REPORTING_FILES: list[Column[tuple[CountyReporting, ReceivedFile | None]]] = [
    Column("县市区", lambda r: r[0].name),
    Column("文件", lambda r: _file_cell(r[1].file) if r[1] else "—"),
    Column("收到时间", lambda r: _received_text(r[1].received_at) if r[1] else "—"),
    Column("报送情况", lambda r: _status(r[0])),
]
#: The columns of _REPORTING_FILES that are the county's: one cell spanning its file rows.
_COUNTY_COLUMNS = (0, 3)


def reporting_section(bulletin: Bulletin, say: Wording) -> Section | None:
    """报送情况 (CONTRACT 1.1): who reported on time, late or not at all, against the deadline;
    the internal bulletin also names each county's files and when each was received."""
    reporting = bulletin.reporting
    if reporting is None or not reporting.counties:
        return None
    counties = reporting.counties

    def names(state: str) -> str:
        return "、".join(c.name for c in counties if c.state == state)

    text = say("reporting_deadline", deadline=reporting.deadline_text)
    parts: list[str] = []
    carried = [c for c in counties if c.state == "carried"]
    received = sum(c.state in ("on_time", "unknown") for c in counties)
    if reporting.before_deadline and received == len(counties):
        # every county in before the deadline: nothing is still open, no count of the whole
        text += say("reporting_all_received")
    elif reporting.before_deadline:
        # no verdict before the deadline: who has reported, who may still
        text += say("reporting_before_deadline")
        if received:
            parts.append(say("reporting_received", count=received))
        # a county that has sent part of its townships has not "not reported"
        partial = [
            c.name for c in counties if c.state == "pending" and c.status.startswith(PARTIAL)
        ]
        waiting = [c.name for c in counties if c.state == "pending" and c.name not in partial]
        if waiting:
            parts.append(say("reporting_pending", names="、".join(waiting)))
        if partial:
            parts.append(say("reporting_partial", names="、".join(partial)))
        if carried:
            names_carried = "、".join(c.name for c in carried)
            parts.append(say("reporting_carried_pending", names=names_carried))
        carried = []
    # A county whose receipt was not recorded is the office's gap, not the county's: the
    # document draws no conclusion on it (bulletin check asks the office to record it, 3.9).
    elif reporting.recorded and all(c.state == "on_time" for c in counties):
        text += say("reporting_all_on_time")
    elif reporting.recorded:
        on_time = sum(c.state == "on_time" for c in counties)
        if on_time:
            parts.append(say("reporting_on_time", count=on_time))
        late = [c for c in counties if c.state == "late"]
        if late:
            shown = "、".join(f"{c.name}（逾期{c.days_late}天）" for c in late)
            parts.append(say("reporting_late", names=shown))
    elif received == len(counties):
        # no receipt recorded: when each came is not known, that each came is
        text += say("reporting_all_received")
    if carried:
        parts.append(say("reporting_carried", names="、".join(c.name for c in carried)))
    if parts:
        text += "；".join(parts) + "。"
    blocks: list[Node] = [par(text)]
    if not reporting.recorded and not carried:
        # nothing the document could say of any county: a table of "—" is no statement
        return "报送情况", blocks
    if bulletin.shows.reporting_files:
        rows: list[tuple[CountyReporting, ReceivedFile | None]] = []
        spans: list[list[int]] = []  # per row and column: rows spanned, 0 where covered
        for c in counties:
            files: list[ReceivedFile | None] = list(c.files) or [None]
            rows.extend((c, f) for f in files)
            for i in range(len(files)):
                county = len(files) if i == 0 else 0
                spans.append([county if k in _COUNTY_COLUMNS else 1 for k in range(4)])
        node = column_table(_REPORTING_FILES, rows, size=0.8)
        # a covered cell is left empty: a template that does not merge shows each status once
        node["rows"] = [
            [cell if n else "" for cell, n in zip(row, span, strict=True)]
            for row, span in zip(node["rows"], spans, strict=True)
        ]
        node["rowspans"] = spans
        blocks.append(node)
    elif reporting.recorded or carried:
        blocks.append(column_table(_REPORTING_BY_COUNTY, counties))
    return "报送情况", blocks


def _inspected(bulletin: Bulletin, i: InspectionRecord) -> str:
    """The inspected unit as the bulletin names units elsewhere: 松岚县银杏镇 (its county first),
    its name as recorded where the unit is no longer in the roster; never its code."""
    codes = {u.code for u in bulletin.units}
    if i.unit in codes:
        return full_name(bulletin, bulletin.unit(i.unit))
    name = i.unit_name or i.unit
    county = bulletin.unit(i.county).name if i.county in codes and i.county != i.unit else ""
    return name if name.startswith(county) else county + name


def writeup_section(bulletin: Bulletin, config: Config) -> Section | None:
    """工作动态: by default none (the site carries the news); `bulletin_writeups: titles` lists
    the period's write-ups by title, unit and date."""
    if config.bulletin_writeups != "titles" or not bulletin.writeups:
        return None
    return "工作动态", [
        par(f"{i}. {w.title}（{w.unit_name}，{fmt.chinese_date(w.date)}）")
        for i, w in enumerate(bulletin.writeups, 1)
    ]


def correction_section(bulletin: Bulletin) -> Section | None:
    """更正说明: figures of issued bulletins that the data now give differently (CONTRACT §4.1)."""
    if not bulletin.correction_notes:
        return None
    return "更正说明", [par(note) for note in bulletin.correction_notes]


def closing_section(bulletin: Bulletin) -> Section | None:
    """下一步工作要求: the frame's closing, its items demoted to （一）（二）…"""
    closing = frame_blocks(bulletin.document.closing, demote=True)
    return ("下一步工作要求", closing) if closing else None
