"""Stage 3, assembly: the `Bulletin` of one (period, audience) from rosters, figures and content.

What each audience is shown is decided once, in `model.SHOWS`; the bulletin of an audience is
assembled with only that (the public one without criticisms, vetoes, enterprise- and
person-level records, internal write-ups and data-quality counts), so no renderer can leak what
it was never given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from generator.common import formatting as fmt
from generator.common.config import Config
from generator.common.periods import Period, working_days_after
from generator.common.problems import Problem
from generator.federation.words import level_words
from generator.figures.columns import LEDGER_COLUMNS
from generator.figures.indicators import BY_NAME, INDICATORS, campaigns_said, label, shown
from generator.figures.inspections import held_in, overdue_at
from generator.figures.key_areas import UNFILLED, display_order
from generator.figures.reduce import SCHEDULE_QUOTED_UP_TO
from generator.model.bulletin import (
    CATEGORY_LABELS,
    SHOWS,
    Audience,
    Bulletin,
    CampaignRecord,
    CountyReporting,
    DataQuality,
    DocumentHeader,
    FederationRecord,
    GroupRow,
    HistoryPoint,
    InspectionRecord,
    Judgment,
    Page,
    PriorityEntry,
    ReceivedFile,
    Reporting,
    UnitFigures,
    VolunteerRecord,
    WriteUp,
)
from generator.model.content import Content, Frame, public_text, public_title
from generator.rosters.specs import CAMPAIGNS
from generator.rosters.units import UnitTree

if TYPE_CHECKING:
    from generator.figures.reduce import Figures
    from generator.rosters.load import ProjectData

_FIGURE_FIELDS = [i.name for i in INDICATORS]


def plain(value: Any) -> Any:
    """A pandas/numpy scalar as a JSON-ready Python value (NA/NaN/NaT -> None, dates ISO)."""
    if value is None:
        return None
    kind = type(value)
    if kind is str or kind is int or kind is bool:  # most values: what pandas already boxed
        return value
    if kind is float:
        return None if value != value else value  # NaN is not equal to itself
    if isinstance(value, list | tuple | dict | set):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts keyed by column name, each value as plain() gives it."""
    names = list(frame.columns)
    columns = plain_columns(frame, names)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


#: Values plain() returns as they are (checked by exact type: a numpy scalar is not one).
_PLAIN = frozenset({str, int, bool})


def plain_columns(frame: pd.DataFrame, names: Sequence[str]) -> list[list[Any]]:
    """Each named column's values as plain() gives them, None throughout for a column the frame
    lacks: what records() and plain() give value by value, a column at a time (to_dict boxes
    every value of every row in Python: most of the assembly of a city's priority lists)."""
    out = []
    for name in names:
        if name not in frame.columns:
            out.append([None] * len(frame))
            continue
        values = frame[name].to_numpy(dtype=object).tolist()  # NA, NaN, NaT: None by plain()
        out.append([v if v is None or type(v) in _PLAIN else plain(v) for v in values])
    return out


def _text(value: Any) -> str:
    """text() of a value plain() already gave."""
    return "" if value is None else str(value)


def text(value: Any) -> str:
    value = plain(value)
    return "" if value is None else str(value)


def default_title(period: Period, level: str = "city") -> str:
    return f"关于{period.label}{level_words(level).own}企业工会组建工作情况的通报"


#: Endings of county-level names that are not a 县, 市 or 区 of the administrative map.
_ZONE_ENDINGS = (
    "开发区",
    "园区",
    "新区",
    "试验区",
    "示范区",
    "管理区",
    "管委会",
    "合作区",
    "保税区",
)


def default_recipients(counties: list[str]) -> str:
    """主送 from the ranked county-level units: 各县（市、区）总工会, each zone by name.

    A zone (开发区, 园区 …) is not covered by 各县（市、区）: it is named, 示例高新技术产业开发区工会.
    """
    kinds = []
    zones = []
    for name in counties:
        if name.endswith(_ZONE_ENDINGS) or not name.endswith(("县", "市", "区")):
            zones.append(f"{name}工会")
        elif name[-1] not in kinds:
            kinds.append(name[-1])
    kinds.sort(key="县市区".index)
    parts = []
    if kinds:
        parts.append(
            f"各{kinds[0]}（{'、'.join(kinds[1:])}）总工会"
            if len(kinds) > 1
            else f"各{kinds[0]}总工会"
        )
    return "，".join([*parts, *zones])


def document_header(
    config: Config,
    period: Period,
    frame: Frame | None,
    audience: Audience = "internal",
    counties: list[str] | None = None,
) -> DocumentHeader:
    """The document fields of the period: the frame's, or sensible defaults.

    The public version (公开版) has its own closing: the frame's `<!-- public closing -->`
    part, else the closing (and preface) without what only the signed original says.
    """
    frame = frame or Frame(period=str(period))
    original = SHOWS[audience].signed_original
    org = config.organization
    signed = frame.signed_on
    printed = frame.printed_on or signed  # printed the day it is signed unless the frame says
    year = signed.year if signed else period.end.year
    number = "" if frame.doc_number is None else str(frame.doc_number)
    rectify = working_days_after(signed, config.rectify_days, config.calendar) if signed else None
    return DocumentHeader(
        organization=org.name,
        doc_prefix=org.doc_prefix,
        doc_number=frame.doc_number,
        doc_code=f"{org.doc_prefix}〔{year}〕{number}号",
        title=(frame.title or default_title(period, config.level))
        if original
        else public_title(frame.title or default_title(period, config.level)),
        recipients=frame.recipients
        or (
            default_recipients(counties or [])
            if config.level == "city"
            else level_words(config.level).member_unions
        ),
        cc=frame.cc,
        signed_on=signed.isoformat() if signed else None,
        signed_on_text=fmt.chinese_date(signed),
        printed_on=printed.isoformat() if printed else None,
        printed_on_text=fmt.chinese_date(printed),
        printed_by=org.printed_by,
        rectify_by=rectify.isoformat() if rectify else None,
        rectify_by_text=fmt.chinese_date(rectify),
        rectify_days=config.rectify_days,
        preface=frame.preface if original else public_title(public_text(frame.preface)),
        closing=frame.closing
        if original
        else (
            frame.public_closing if frame.public_closing is not None else public_text(frame.closing)
        ),
    )


def unit_figures(index: UnitTree, row: dict[str, Any] | None, code: str) -> UnitFigures:
    unit = UnitFigures(
        code=code,
        name=index.name[code],
        level=index.level[code],
        parent=index.parent[code],
        order=int(index.order[code]),
        short_name=index.short.get(code, ""),
    )
    if row is not None:
        for name in _FIGURE_FIELDS:
            if name in row:
                value = plain(row[name])
                if value is not None:  # a null keeps the field's default (None, or 0 for counts)
                    setattr(unit, name, value)
    return unit


def overview_sentences(
    city: UnitFigures,
    period: Period,
    has_previous: bool,
    priority_min_employees: int = 25,
    level: str = "city",
) -> list[str]:
    """The generated overview paragraph, one sentence per topic, quoting the city's numbers."""
    words = level_words(level)
    pct, n, own = fmt.percent, fmt.integer, words.own
    month_word = "上月" if period.cadence == "month" else "上季度"
    s1 = (
        f"截至{period.label}底，{own}共有企业{n(city.enterprises)}家，已建会{n(city.unionized)}家，"
        f"{label('coverage_rate')}{pct(city.coverage_rate)}"
    )
    if has_previous and city.coverage_rate_change is not None:
        s1 += f"，较{month_word}{fmt.change_phrase(city.coverage_rate_change)}"
    if city.coverage_rate_yoy_change is not None:
        s1 += f"，较去年同期{fmt.change_phrase(city.coverage_rate_yoy_change)}"
    sentences = [s1 + "。"]
    s2 = (
        f"{own}企业职工{n(city.employees)}人，会员{n(city.members)}人，"
        # membership_rate is over the employees of unionised enterprises (3.1): said so, or the
        # rate reads as members over all employees and does not add up
        f"已建会企业{label('membership_rate')}{pct(city.membership_rate)}"
    )
    if city.migrant_membership_rate is not None:
        s2 += f"，{label('migrant_membership_rate')}{pct(city.migrant_membership_rate)}"
    sentences.append(s2 + "。")
    s3 = f"{period.label_ytd}，{own}新建工会{n(city.ytd_new_unions)}家"
    # numbers as a reader says them (3.9): a target met is 已完成, a rate over 200 % unquoted
    if city.target_new_unions and (city.target_completion or 0) >= 1:
        s3 += f"，已完成年度目标（目标{n(city.target_new_unions)}家）"
    elif city.target_new_unions:
        s3 += f"，完成年度目标{n(city.target_new_unions)}家的{pct(city.target_completion)}，"
        schedule = city.schedule_rate
        s3 += (
            "超过序时进度"
            if schedule is not None and schedule > SCHEDULE_QUOTED_UP_TO
            else f"序时进度完成率{pct(schedule)}"
        )
    # in the year's first period the year so far is the period: its count is not said twice
    if period.index != 1:
        s3 += f"；本{'月' if period.cadence == 'month' else '季度'}新建工会{n(city.new_unions)}家"
    if city.new_members is not None:
        verb = "新增" if city.new_members >= 0 else "减少"
        s3 += f"{'，' if period.index != 1 else '；'}会员{verb}{n(abs(city.new_members))}人"
    sentences.append(s3 + "。")
    if city.priority_open is not None:  # None: the audience is not shown priority counts
        s4 = f"职工{n(priority_min_employees)}人以上{label('priority_open')}尚有{n(city.priority_open)}家"
        if has_previous:
            s4 += f"，{label('priority_closed')}{n(city.priority_closed)}家、新增{n(city.priority_added)}家"
            if city.priority_left:
                # the count moves by these too: say so, or the numbers do not add up
                s4 += f"，{BY_NAME['priority_left'].heading}{n(city.priority_left)}家"
        sentences.append(s4 + "。")
    if city.volunteer_required_townships:
        said = words.volunteers_said(
            n(city.volunteer_required_townships),
            n(city.volunteer_covered_townships),
            pct(city.volunteer_coverage),
        )
        sentences.append(said + "。")
    if said := campaigns_said(city):
        sentences.append(f"{own}{said}。")
    return sentences


def _ranking(units: dict[str, UnitFigures], codes: list[str]) -> list[str]:
    """Codes in ranking display order: by rank, then official order; unranked last."""
    return sorted(
        codes,
        key=lambda c: (units[c].rank is None, units[c].rank or 0, units[c].order),
    )


def assemble(
    data: ProjectData,
    figures: Figures,
    content: Content,
    period: Period,
    periods: list[Period],
    audience: Audience,
    reviews: pd.DataFrame | None = None,
    problems: list[Problem] | None = None,
    inspections: pd.DataFrame | None = None,
    reporting: Sequence[Any] | None = None,
) -> Bulletin:
    """Assemble the Bulletin of one period for one audience: only what SHOWS gives it."""
    shows = SHOWS[audience]
    config = data.config
    index = data.unit_index
    key = str(period)
    indicators: pd.DataFrame = figures.indicators
    current = indicators[indicators.index.get_level_values("period") == key].reset_index()
    names = [name for name in _FIGURE_FIELDS if name in current.columns]
    rows = {
        str(code): dict(zip(names, values, strict=True))
        for code, *values in zip(
            current["code"].tolist(), *plain_columns(current, names), strict=True
        )
    }
    by_code = {code: unit_figures(index, rows.get(code), code) for code in index.official}
    # Which townships must have a volunteer, beside each one's count of volunteers, is the list
    # of those lacking one (CONTRACT §3.5: a record): a figure the audience is not shown is null.
    hidden = [i.name for i in INDICATORS if not shown(i, shows)]
    for unit in by_code.values():
        for name in hidden:
            setattr(unit, name, None)

    judged = figures.judgments
    judged = judged[judged["period"] == key] if len(judged) else judged
    kinds: dict[str, list[str]] = {"commend": [], "criticize": [], "veto": []}
    for record in records(judged):
        kind, code = str(record["kind"]), str(record["code"])
        if kind not in shows.judgments:
            continue
        if code in by_code:
            by_code[code].judgments.append(Judgment(kind, str(record["reason"])))  # type: ignore[arg-type]
            kinds.setdefault(kind, []).append(code)
    kinds = {k: v for k, v in kinds.items() if k in shows.judgments}
    for kind, codes in kinds.items():
        kinds[kind] = _ranking(by_code, codes)

    history = unit_history(indicators, index, periods, period)
    previous_key = str(period.previous())
    has_previous = previous_key in {str(p) for p in periods}

    bulletin = Bulletin(
        period=key,
        period_label=period.label,
        audience=audience,
        organization=config.organization.name,
        document=document_header(
            config,
            period,
            content.frames.get(key),
            audience,
            [by_code[c].name for c in index.counties],
        ),
        overview=overview_sentences(
            by_code[index.city], period, has_previous, config.priority_min_employees, config.level
        )
        if index.city
        else [],
        units=list(by_code.values()),
        county_ranking=_ranking(by_code, index.counties),
        township_ranking={c: _ranking(by_code, t) for c, t in index.townships.items()},
        judgments=kinds,
        history=history,
        campaigns=_campaigns(index, period, data.campaigns),
        writeups=period_writeups(index, content, period, shows.internal_writeups),
        periods=[str(p) for p in periods],
        pages=pages(content),
        key_areas=_shared_key_areas(figures, index, key),
    )
    if shows.records:
        bulletin.federations = _federations(index, getattr(figures, "federations", {}).get(key))
        inspections = data.inspections if inspections is None else inspections
        bulletin.inspections = _inspections(index, inspections, period)
        bulletin.priority = _priority(index, figures.ledgers.get(key))
        bulletin.volunteers = _volunteers(index, period, data.volunteers, reviews)
        bulletin.townships_lacking_volunteer = list(figures.lacking_volunteer.get(key, []))
    if shows.data_quality:
        bulletin.data_quality = _data_quality(index, problems or [], config.level)
    if reporting:
        bulletin.reporting = _reporting(reporting, shows.reporting_files)
    return bulletin


def _reporting(items: Sequence[Any], files: bool) -> Reporting:
    """报送情况 from each county's record.CountyReport; file names and receipt times only if
    the audience is shown them."""
    deadline = str(items[0].deadline)
    counties = []
    for item in items:
        county = CountyReporting(
            code=item.code,
            name=item.name,
            state=str(item.state),
            # a county's corrections are the office's record: the public is told the verdict
            status=item.status
            if files
            else item.status.replace(f"，更正{len(item.corrections)}次", ""),
            days_late=item.days_late,
            carried_from=item.carried_from or None,
            late=item.late,
            corrections=len(item.corrections) if files else 0,
            unchanged_from=item.unchanged_from or None,
        )
        if files:
            county.received_at = item.received or None
            county.files = [
                ReceivedFile(name, when or None)
                for name, when in zip(item.files, item.received_at, strict=True)
            ]
        counties.append(county)
    return Reporting(
        deadline=deadline,
        deadline_text=fmt.chinese_date(deadline),
        recorded=any(item.received for item in items),
        counties=counties,
        before_deadline=any(item.before_deadline for item in items),
    )


def pages(content: Content) -> list[Page]:
    """The extra pages, as read (and decoded) once by the content stage."""
    return [Page(slug=p.slug, title=p.title, body=p.body) for p in content.pages]


def unit_history(
    indicators: pd.DataFrame, index: UnitTree, periods: list[Period], upto: Period
) -> dict[str, list[HistoryPoint]]:
    """Each unit's headline figures in the periods up to `upto`, oldest first."""
    keys = [str(p) for p in periods if p <= upto]
    columns = [f.name for f in fields(HistoryPoint) if f.name != "period"]
    wanted = indicators.loc[indicators.index.get_level_values("period").isin(keys), columns]
    wanted = wanted.reset_index()
    out: dict[str, list[HistoryPoint]] = {code: [] for code in index.official}
    points = zip(
        [str(p) for p in wanted["period"].tolist()],
        [str(c) for c in wanted["code"].tolist()],
        *plain_columns(wanted, columns),
        strict=True,
    )
    for period, code, *values in sorted(points, key=lambda p: p[0]):
        if code not in out:
            continue
        point = dict(zip(columns, values, strict=True))
        out[code].append(
            HistoryPoint(
                period=period,
                coverage_rate=point["coverage_rate"],
                membership_rate=point["membership_rate"],
                unionized=int(point["unionized"] or 0),
                enterprises=int(point["enterprises"] or 0),
                score=point["score"],
                rank=point["rank"],
            )
        )
    return out


def _in_period(value: Any, period: Period) -> bool:
    day = plain(value)
    return bool(day) and str(period.start) <= str(day) <= str(period.end)


def _on_or_before(value: Any, period: Period) -> bool:
    day = plain(value)
    return bool(day) and str(day) <= str(period.end)


def _campaigns(
    index: UnitTree, period: Period, frames: Mapping[str, pd.DataFrame]
) -> list[CampaignRecord]:
    """Campaign entries as they stood at the end of the period (public honours)."""
    out: list[CampaignRecord] = []
    for key, campaign in CAMPAIGNS.items():
        frame = frames.get(key)
        for r in records(frame) if frame is not None else []:
            if not _on_or_before(r.get(campaign.listed_from or campaign.date), period):
                continue
            day = plain(r.get(campaign.date))
            status, counted = "", True
            if campaign.counted is not None:
                column, value, pending = campaign.counted
                status = text(r.get(column))
                if status == value and not _on_or_before(day, period):
                    status = pending  # counted after the period's end: still pending then
                counted = status == value
            unit = text(r.get("unit"))
            out.append(
                CampaignRecord(
                    kind=key,
                    name=text(r.get("name")),
                    host=text(r.get(campaign.host)),
                    unit=unit,
                    unit_name=index.name_of(unit),
                    county=index.county_code(unit),
                    level=text(r.get("level")),
                    status=status,
                    date=day if counted else plain(r.get(campaign.listed_from)),
                    new=counted and _in_period(day, period),
                    books=plain(r.get("books")) if "books" in r else None,
                )
            )
    order = {code: i for i, code in enumerate(index.official)}
    out.sort(key=lambda c: (c.kind, order.get(c.unit, 1 << 30), c.date or "", c.name))
    return out


def period_writeups(
    index: UnitTree, content: Content, period: Period, internal: bool
) -> list[WriteUp]:
    """The period's write-ups as the bulletin carries them (internal ones where `internal`)."""
    out = []
    for w in content.writeups_of(period):
        if w.audience == "internal" and not internal:
            continue
        out.append(
            WriteUp(
                slug=w.slug,
                title=w.title,
                date=w.date.isoformat(),
                unit=w.unit,
                unit_name=index.name_of(w.unit),
                county=index.county_code(w.unit),
                category=w.category,
                category_label=CATEGORY_LABELS.get(w.category, "其他"),
                audience="internal" if w.audience == "internal" else "public",
                images=list(w.images),
                body=w.body,
            )
        )
    return out


#: The priority ledger's columns a PriorityEntry is made of (a column missing: its default).
_PRIORITY_COLUMNS = LEDGER_COLUMNS


def _priority(index: UnitTree, ledger: pd.DataFrame | None) -> list[PriorityEntry]:
    if ledger is None or not len(ledger):
        return []
    order = {code: i for i, code in enumerate(index.official)}
    columns = plain_columns(ledger, _PRIORITY_COLUMNS)
    out = []
    for values in zip(*columns, strict=True):
        r = dict(zip(_PRIORITY_COLUMNS, values, strict=True))
        unit = _text(r["unit"])
        out.append(
            PriorityEntry(
                uscc=_text(r["uscc"]),
                name=_text(r["name"]),
                unit=unit,
                unit_name=index.name_of(unit),
                county=_text(r["county"]) or index.county_code(unit),
                employees=int(r["employees"] or 0),
                reason=_text(r["reason"]),
                state=_text(r["state"]),  # type: ignore[arg-type]
                added=bool(r["added"] or False),
                left_reason=_text(r["left_reason"]),
                progress=_text(r["progress"]),
                responsible=_text(r["responsible"]),
                planned_on=_text(r["planned_on"]),
                open_periods=int(r["open_periods"] or 1),
                overdue=bool(r["overdue"] or False),
                stalled=bool(r["stalled"] or False),
            )
        )
    state_order = {"open": 0, "closed": 1, "left": 2}
    out.sort(
        key=lambda e: (
            state_order.get(e.state, 3),
            order.get(e.unit, 1 << 30),
            -e.employees,
            e.uscc,
        )
    )
    return out


def _volunteers(
    index: UnitTree, period: Period, volunteers: pd.DataFrame, reviews: pd.DataFrame | None
) -> list[VolunteerRecord]:
    # 编号 are unique within a county only: a review is its county's volunteer's.
    review_by_id: dict[tuple[str, str], dict[str, Any]] = {}
    if reviews is not None and len(reviews):
        review_by_id = {(text(r.get("county")), text(r["volunteer"])): r for r in records(reviews)}
    order = {code: i for i, code in enumerate(index.official)}
    out = []
    for r in records(volunteers):
        hired = plain(r.get("hired_on"))
        left = plain(r.get("left_on"))
        if not hired or str(hired) > str(period.end) or (left and str(left) <= str(period.end)):
            continue
        unit = text(r.get("unit"))
        review = review_by_id.get((index.county_code(unit), text(r.get("id"))), {})
        out.append(
            VolunteerRecord(
                id=text(r.get("id")),
                name=text(r.get("name")),
                phone=fmt.mask_phone(text(r.get("phone"))),
                unit=unit,
                unit_name=index.name_of(unit),
                county=index.county_code(unit),
                hired_on=str(hired),
                selection=text(r.get("selection")),
                reports=plain(review.get("reports")),
                review_score=plain(review.get("score")),
                grade=text(review.get("grade")),
            )
        )
    out.sort(key=lambda v: (order.get(v.unit, 1 << 30), v.id))
    return out


def _data_quality(index: UnitTree, problems: list[Problem], level: str = "city") -> DataQuality:
    per_county: dict[str, Counter[str]] = {}
    codes: Counter[tuple[str, str]] = Counter()
    for p in problems:
        per_county.setdefault(p.county, Counter())[p.severity] += 1
        codes[(p.code, p.severity)] += 1
    order = {code: i for i, code in enumerate(index.official)}
    by_county = [
        {
            "county": county,
            "name": index.name_of(county)
            if county
            else f"{level_words(level).own}（不分{level_words(level).members}）",
            "errors": counts["error"],
            "warnings": counts["warning"],
        }
        for county, counts in sorted(per_county.items(), key=lambda kv: order.get(kv[0], -1))
    ]
    by_code = [
        {"code": code, "severity": severity, "count": count}
        for (code, severity), count in sorted(codes.items())
    ]
    return DataQuality(
        errors=sum(1 for p in problems if p.severity == "error"),
        warnings=sum(1 for p in problems if p.severity == "warning"),
        by_county=by_county,
        by_code=by_code,
    )


def _shared_key_areas(figures: Any, index: UnitTree, key: str) -> dict[str, list[GroupRow]]:
    """The key-area rows of a period, made once for both audiences (they are the same)."""
    made: dict[str, dict[str, list[GroupRow]]] = figures.__dict__.setdefault("_group_rows", {})
    if key not in made:
        made[key] = _key_areas(index, getattr(figures, "key_areas", {}).get(key))
    return made[key]


def _key_areas(index: UnitTree, frame: pd.DataFrame | None) -> dict[str, list[GroupRow]]:
    """Each unit's breakdowns in display order (3.7): counts, rates and federation numbers."""

    out: dict[str, list[GroupRow]] = {code: [] for code in index.official}
    if frame is None or not len(frame):
        return out
    shown = display_order(frame)
    texts = [shown[c].astype(str).tolist() for c in ("code", "dimension", "category")]
    counts = [
        shown[c].to_numpy(dtype=np.int64).tolist()
        for c in ("enterprises", "unionized", "non_unionized", "employees")
    ]
    rates = [None if v != v else v for v in shown["coverage_rate"].to_numpy(float).tolist()]
    federations = shown["federations"].to_numpy(dtype=np.int64).tolist()
    for code, dimension, category, e, u, n, w, rate, fed in zip(
        *texts, *counts, rates, federations, strict=True
    ):
        rows = out.get(code)
        if rows is not None:
            rows.append(GroupRow(dimension, category, e, u, n, w, rate, fed))
    return out


def _federations(index: UnitTree, frame: pd.DataFrame | None) -> list[FederationRecord]:
    """The named federations of each unit, largest first within official order (internal)."""

    if frame is None or not len(frame):
        return []
    order = {code: i for i, code in enumerate(index.official)}
    out = [
        FederationRecord(
            name=text(r["federation"]),
            form=text(r["form"]),
            unit=text(r["code"]),
            unit_name=index.name_of(text(r["code"])),
            county=index.county_code(text(r["code"])),
            enterprises=int(r["enterprises"]),
            employees=int(r["employees"]),
        )
        for r in records(frame)
        if text(r["federation"]) != UNFILLED
    ]
    out.sort(key=lambda f: (order.get(f.unit, 1 << 30), f.form, -f.employees, f.name))
    return out


def _inspections(
    index: UnitTree, inspections: pd.DataFrame, period: Period
) -> list[InspectionRecord]:
    """The period's inspections and the rectifications past their deadline (internal)."""

    held = held_in(inspections, period)
    overdue = overdue_at(inspections, period)
    keys = {(text(r["date"]), text(r["unit"]), text(r["findings"])) for r in records(overdue)}
    seen: set[tuple[str, str, str]] = set()
    out = []
    for r in [*records(held), *records(overdue)]:
        ident = (text(r["date"]), text(r["unit"]), text(r["findings"]))
        if ident in seen:
            continue
        seen.add(ident)
        unit = text(r["unit"])
        out.append(
            InspectionRecord(
                date=text(r["date"]),
                unit=unit,
                unit_name=index.name_of(unit),
                county=index.county_code(unit),
                inspectors=text(r.get("inspectors")),
                findings=text(r.get("findings")),
                deadline=plain(r.get("deadline")),
                rectified_on=plain(r.get("rectified_on")),
                held=_in_period(r["date"], period),
                overdue=ident in keys,
            )
        )
    return out
