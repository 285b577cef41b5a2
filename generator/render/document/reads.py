"""What each PDF document reads of its bulletin: the part of the model that keys its PDF.

A document made from its view is the document made from the whole bulletin (tests check it
section by section), so a PDF kept under the digest of its view is the PDF of that document:
a bulletin changed where the document does not look (an earlier period's history of another
unit, a write-up of another unit, the site's extra pages) finds its PDF without the document
being made. A view is cheap to take: every unit's report view comes from one pass over the
bulletin's records, indexed by unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from generator.common.config import Config
from generator.model.bulletin import Bulletin, Reporting
from generator.render.document.report import report_units
from generator.render.document.sections import long_open


def bulletin_view(bulletin: Bulletin, config: Config) -> Bulletin:
    """The part of `bulletin` its PDF (bulletin_document and its charts) reads.

    Not read: the history and key areas of units other than the city, the write-ups (unless the
    config lists their titles), the site's pages, the volunteers and federations (the document
    gives their counts from the units' figures), data quality and the records of corrections
    (their paragraphs are read); of the priority list only the entries it counts as open for
    six periods or more.
    """
    city = bulletin.city.code
    return replace(
        bulletin,
        history=_only(bulletin.history, [city]),
        key_areas=_only(bulletin.key_areas, [city]),
        writeups=bulletin.writeups if config.bulletin_writeups == "titles" else [],
        pages=[],
        volunteers=None,
        federations=None,
        data_quality=None,
        corrections=[],
        priority=None if bulletin.priority is None else long_open(bulletin),
    )


@dataclass
class _ByUnit:
    """Records by position, under their unit and their county."""

    records: Sequence[Any]
    unit: dict[str, list[int]] = field(default_factory=dict)
    county: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[Any] | None) -> _ByUnit:
        index = cls(list(records or ()))
        for i, record in enumerate(index.records):
            index.unit.setdefault(record.unit, []).append(i)
            index.county.setdefault(record.county, []).append(i)
        return index

    def where(self, unit: str = "", county: str = "") -> list[Any]:
        """The records of `unit` or of `county`, in their order."""
        found = set(self.unit.get(unit, ())) if unit else set()
        found.update(self.county.get(county, ()) if county else ())
        return [self.records[i] for i in sorted(found)]


def report_views(bulletin: Bulletin) -> dict[str, Bulletin]:
    """Each reported unit's part of `bulletin`: what report_document reads for that unit.

    That is the bulletin's period, dates and header, the unit, its parent, the city and (a
    county) its townships; the unit's last twelve history points, key areas, priority
    entries, volunteers, townships lacking one, inspections and write-ups, and the 报送情况
    of its county (its own, or that of a township's county whose rows were carried).
    """
    units = {u.code: u for u in bulletin.units}
    parents = {u.code: u.parent for u in bulletin.units}
    city = bulletin.city.code
    priority = _ByUnit.of(bulletin.priority)
    volunteers = _ByUnit.of(bulletin.volunteers)
    inspections = _ByUnit.of(bulletin.inspections)
    writeups = _ByUnit.of(bulletin.writeups)
    lacking: dict[str, list[str]] = {}
    for code in bulletin.townships_lacking_volunteer or ():
        for owner in {code, parents.get(code) or ""} - {""}:
            lacking.setdefault(owner, []).append(code)
    reporting = bulletin.reporting
    reported = {c.code: c for c in reporting.counties} if reporting is not None else {}
    bare = replace(
        bulletin,
        overview=[],
        units=[],
        county_ranking=[],
        township_ranking={},
        judgments={},
        history={},
        campaigns=[],
        writeups=[],
        key_areas={},
        federations=None,
        data_quality=None,
        pages=[],
        corrections=[],
        correction_notes=[],
    )
    views: dict[str, Bulletin] = {}
    for u in report_units(bulletin):
        code = u.code
        county = code if u.level == "county" else ""
        towns = bulletin.township_ranking.get(code, []) if u.level == "county" else []
        own_lacking = lacking.get(code, [])
        wanted = {code, city, u.parent or "", *towns, *own_lacking}
        county_of = [c for c in (code, u.parent or "") if c in reported]
        views[code] = replace(
            bare,
            units=[units[c] for c in units if c in wanted],
            township_ranking=_only(bulletin.township_ranking, [code] if towns else []),
            history=_only(bulletin.history, [code], last=12),
            writeups=writeups.where(code, code),
            key_areas=_only(bulletin.key_areas, [code]),
            # a county's list is every entry of the county, a township's its own
            priority=None
            if bulletin.priority is None
            else priority.where(county=code)
            if county
            else priority.where(unit=code),
            volunteers=None if bulletin.volunteers is None else volunteers.where(code, code),
            townships_lacking_volunteer=None
            if bulletin.townships_lacking_volunteer is None
            else own_lacking,
            inspections=None if bulletin.inspections is None else inspections.where(code, code),
            reporting=None
            if reporting is None
            else Reporting(
                deadline=reporting.deadline,
                deadline_text=reporting.deadline_text,
                recorded=reporting.recorded,
                counties=[reported[c] for c in county_of],
                before_deadline=reporting.before_deadline,
            ),
        )
    return views


def _only(by_code: dict[str, list[Any]], codes: list[str], last: int = 0) -> dict[str, list[Any]]:
    """The entries of `codes` (those present), the `last` items of each (0: all)."""
    return {c: by_code[c][-last:] if last else by_code[c] for c in codes if c in by_code}
