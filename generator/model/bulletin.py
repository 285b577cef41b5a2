"""Stage 3: the bulletin model, one `Bulletin` per (period, audience).

Plain dataclasses that serialise to `bulletin.json` (CONTRACT §4) and that every renderer reads.
Audience filtering happens here and only here: the public model is built without internal
records, so no template can leak what it was never given.

Rates are fractions, stored unrounded (0.7634 means 76.3%); changes of rates are fractions too
(0.012 is shown as 1.2个百分点). Dates are ISO strings. Missing values are None (null in JSON).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import orjson

from generator.figures.indicators import INDICATORS
from generator.model import content

Audience = Literal["public", "internal"]
JudgmentKind = Literal["commend", "criticize", "veto"]


@dataclass(frozen=True)
class Shows:
    """What one audience's outputs show (CONTRACT §4): the one place audiences are decided.

    `assemble` builds each audience's model by it (what it does not show is never put in), the
    build writes the files it names, and the templates and documents test it, never the
    audience's name. Priority counts (priority_open/closed/added/left: how many enterprises of
    25 or more employees still have no union, and how many were ticked off) are public figures
    like every other count of §3: bulletin.json, the PDF bulletin and the pages of both sites show
    them. The enterprises behind them (the 销号清单) are records, and internal; so are the four
    clear things' counts (priority_overdue/stalled: measured against the office's working plan,
    CONTRACT 3.8). Renderers show what the model carries and never test an audience again for
    a figure: a figure its audience is not shown is null (`indicators.Indicator.shown_if`).
    """

    #: judgment kinds shown (the public model: praise only)
    judgments: tuple[str, ...] = ("commend", "criticize", "veto")
    #: enterprise- and person-level records: the priority list, volunteers, townships lacking one
    records: bool = True
    #: write-ups whose front matter says `audience: internal`
    internal_writeups: bool = True
    #: priority counts per unit (see above)
    priority_counts: bool = True
    #: counts of data problems, the 数据质量 pages and problems.csv|.xlsx
    data_quality: bool = True
    #: indicators.csv|.xlsx: every unit's figures the audience is shown (`indicators.shown`),
    #: the same columns its bulletin.json carries values in
    indicator_tables: bool = True
    #: one PDF report per county and township, and the packets for the units (dist/)
    unit_reports: bool = True
    #: the 内部资料 mark on documents and （内网） in the site's name
    internal_mark: bool = True
    #: the signed original: its 文号, room for the seal and 版记; otherwise the document is the
    #: 公开版, with its own closing (the frame's `<!-- public closing -->`, else the closing
    #: without what only the original says: criticism, veto, rectification)
    signed_original: bool = True
    #: 报送情况 in full: the files each county's rows came from and when each was received.
    #: Which counties reported on time, late (and by how many days) or not at all is a fair
    #: public statement of an official bulletin and shown to every audience; the office's file
    #: names and receipt times are not.
    reporting_files: bool = True
    #: the office's user guide (使用指南): how the office runs its month, what each problem
    #: code means; the office's own work, not the public's
    user_guide: bool = True


#: The intranet is shown everything; the public what is not internal (CONTRACT §4).
SHOWS: dict[str, Shows] = {
    "internal": Shows(),
    "public": Shows(
        judgments=("commend",),
        records=False,
        internal_writeups=False,
        data_quality=False,
        unit_reports=False,
        internal_mark=False,
        signed_original=False,
        reporting_files=False,
        user_guide=False,
    ),
}

CATEGORY_LABELS = content.CATEGORY_LABELS
LEVEL_LABELS = {"city": "市", "county": "县市区", "township": "乡镇（街道）"}
JUDGMENT_LABELS = {"commend": "表扬", "criticize": "通报批评", "veto": "一票否决"}


@dataclass
class Judgment:
    """A commendation, criticism or veto of one unit, with the reason quoting its numbers."""

    kind: JudgmentKind
    reason: str


def _with_figures(cls: type) -> type:
    """Add a field for every declared figure (generator.figures.indicators) to the class."""
    for indicator in INDICATORS:
        cls.__annotations__[indicator.name] = indicator.annotation
        setattr(cls, indicator.name, indicator.default)
    return cls


@dataclass
@_with_figures
class UnitFigures:
    """Every CONTRACT §3 figure of one unit in one period, under the contract's names.

    The figures are the fields declared in `generator.figures.indicators.INDICATORS` (an int, float or
    bool, None when not computable); the fields written here are the unit's identity.
    """

    code: str
    name: str
    level: str  # city | county | township
    parent: str | None
    order: int
    judgments: list[Judgment] = field(default_factory=list)
    short_name: str = ""  # the unit's usual short name (units.csv 简称), for search

    if TYPE_CHECKING:  # the figure fields, typed by their declarations

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


@dataclass
class HistoryPoint:
    """One unit's headline figures in one period (for trend charts and rank history)."""

    period: str
    coverage_rate: float | None
    membership_rate: float | None
    unionized: int
    enterprises: int
    score: float | None
    rank: int | None


@dataclass
class DocumentHeader:
    """The official-document fields of the period's frame (content/bulletins/<period>.md)."""

    organization: str
    doc_prefix: str
    doc_number: int | None
    doc_code: str  # 示工发〔2026〕45号
    title: str
    recipients: str  # 主送
    cc: str  # 抄送
    signed_on: str | None  # ISO date
    signed_on_text: str  # 2026年11月5日
    printed_on: str | None
    printed_on_text: str
    printed_by: str  # 印发机关
    preface: str  # Markdown
    closing: str  # Markdown
    #: 限期整改: rectify_days working days after signed_on (CONTRACT 3.9); None while unsigned
    rectify_by: str | None = None
    rectify_by_text: str = ""  # 2026年11月19日
    rectify_days: int = 10


@dataclass
class PriorityEntry:
    """One enterprise of the tick-off list (internal)."""

    uscc: str
    name: str
    unit: str
    unit_name: str
    county: str
    employees: int
    reason: str  # 未建会原因 as written, "" when missing
    state: Literal["open", "closed", "left"]
    added: bool = False  # open and not priority in the previous period
    left_reason: str = ""  # 注销 / 吊销 / 迁出 / 未报送 (missing from the snapshot)
    # the four clear things (3.8)
    progress: str = ""  # 未联系 / 已联系 / 筹备中
    responsible: str = ""  # 责任人 (a person: internal)
    planned_on: str = ""  # 计划建会时间, ISO
    open_periods: int = 1  # periods open in a row, this one included
    overdue: bool = False  # 逾期未建
    stalled: bool = False  # 久拖未建


@dataclass
class GroupRow:
    """One category of a unit's key-area breakdown (3.7): counts only, public."""

    dimension: str  # area_type | ownership | industry | union_form
    category: str
    enterprises: int
    unionized: int
    non_unionized: int
    employees: int
    coverage_rate: float | None
    federations: int = 0  # union_form rows: distinct named federations


@dataclass
class FederationRecord:
    """A regional or industry federation named in the ledger and what it covers (internal)."""

    name: str
    form: str  # 区域性联合会 / 行业性联合会
    unit: str
    unit_name: str
    county: str
    enterprises: int
    employees: int


@dataclass
class InspectionRecord:
    """An inspection visit (督查) and its rectification (internal: names and findings)."""

    date: str
    unit: str
    unit_name: str
    county: str
    inspectors: str
    findings: str
    deadline: str | None
    rectified_on: str | None
    held: bool  # dated in the period
    overdue: bool  # deadline passed by the period's end, not rectified by then


@dataclass
class VolunteerRecord:
    """A volunteer active at the end of the period (internal; phone always masked)."""

    id: str
    name: str
    phone: str  # masked 138****1234
    unit: str
    unit_name: str
    county: str
    hired_on: str
    selection: str
    reports: int | None = None
    review_score: float | None = None
    grade: str = ""


@dataclass
class CampaignRecord:
    """An entry of a campaign roster (public: these are public honours)."""

    kind: str  # the campaign's key (generator.rosters.specs.CAMPAIGNS)
    name: str
    host: str  # enterprise or host unit
    unit: str
    unit_name: str
    county: str
    level: str
    status: str
    date: str | None  # named_on / opened_on
    new: bool = False  # named/opened in the period
    books: int | None = None


@dataclass
class WriteUp:
    """A write-up (工作动态) of the period."""

    slug: str
    title: str
    date: str
    unit: str
    unit_name: str
    county: str
    category: str
    category_label: str
    audience: Audience
    images: list[str]  # paths relative to content/
    body: str  # Markdown, untrusted


@dataclass
class Page:
    """An extra page of the sites (content/pages): published to every audience."""

    slug: str
    title: str
    body: str  # Markdown, untrusted


@dataclass
class DataQuality:
    """Counts of data problems of the period (internal)."""

    errors: int = 0
    warnings: int = 0
    by_county: list[dict[str, Any]] = field(
        default_factory=list
    )  # {county, name, errors, warnings}
    by_code: list[dict[str, Any]] = field(default_factory=list)  # {code, severity, count}


@dataclass
class Correction:
    """A figure of an issued bulletin that the data now give differently (CONTRACT §4.1)."""

    period: str  # the issued period
    period_label: str
    doc_code: str  # its 发文字号
    unit: str
    unit_name: str
    figure: str  # the figure's name (section 3)
    label: str  # its Chinese label
    issued: str  # as printed in the issued bulletin (or its last correction)
    corrected: str  # as the data now give it


@dataclass
class ReceivedFile:
    """A file a county's rows came from, and when `bulletin intake` filed it (internal)."""

    file: str  # its name as the county sent it, （已被替换） after it when a later one replaced it
    received_at: str | None  # ISO date and time; None when not recorded


@dataclass
class CountyReporting:
    """报送情况 of one county in the period (CONTRACT 1.1)."""

    code: str
    name: str
    #: on_time | late | carried (rows of an earlier period used) | unknown (time not recorded)
    #: | pending (no file yet, before the deadline); not_reported only where the period has
    #: errors (E-COUNTY-NOT-REPORTED)
    state: str
    #: 按时报送 / 逾期N天 / 未按时报送（沿用上期数据）/ 尚未报送（未到截止日期）/ 收到时间不详,
    #: then ，更正N次 and ，与上期相同（已确认） where they apply
    status: str
    days_late: int | None = None  # late: days after the deadline; on time: 0
    carried_from: str | None = None  # the period whose rows were used
    #: the first submission's arrival, which decides lateness (internal: Shows.reporting_files)
    received_at: str | None = None
    files: list[ReceivedFile] = field(default_factory=list)  # internal: Shows.reporting_files
    #: the verdict: late, or not reported once the deadline has passed
    late: bool = False
    #: how many files came after the first (corrections, resends; their times are in files)
    corrections: int = 0
    #: the earlier period the county's ledger repeats, as the office confirmed (else None)
    unchanged_from: str | None = None


@dataclass
class Reporting:
    """报送情况 of the period: each county against the deadline (CONTRACT 1.1)."""

    deadline: str  # ISO date: report_deadline of the month after the period
    deadline_text: str  # 2026年11月5日
    #: whether receipt times were recorded (by `bulletin intake`) for the period at all;
    #: without them nobody can say who was late, and the bulletin says so
    recorded: bool
    counties: list[CountyReporting]  # official order
    #: the deadline had not passed on the bulletin's date: the counties may still report
    before_deadline: bool = False


#: The Bulletin fields that hold records (Shows.records): None where the audience is not shown them.
RECORDS = ("priority", "volunteers", "townships_lacking_volunteer", "federations", "inspections")


@dataclass
class Bulletin:
    """Everything the renderers need for one period and audience."""

    period: str
    period_label: str  # 2026年10月
    audience: Audience
    organization: str
    document: DocumentHeader
    overview: list[str]  # generated overview sentences
    units: list[UnitFigures]  # every unit, official order: city, then each county and its townships
    county_ranking: list[str]  # county codes in ranking display order
    township_ranking: dict[str, list[str]]  # county code -> township codes in ranking order
    judgments: dict[str, list[str]]  # kind -> unit codes (public: commend only)
    history: dict[str, list[HistoryPoint]]  # unit code -> periods up to this one (oldest first)
    campaigns: list[CampaignRecord]
    writeups: list[WriteUp]
    # Enterprise- and person-level records (Shows.records): None in a model whose audience is
    # not shown them, so that a renderer shows a part (its heading, "none found") only where
    # the model carries it; [] is carried and empty.
    priority: list[PriorityEntry] | None = None
    volunteers: list[VolunteerRecord] | None = None
    townships_lacking_volunteer: list[str] | None = None
    #: unit code -> its key-area breakdowns (3.7), counts only
    key_areas: dict[str, list[GroupRow]] = field(default_factory=dict)
    federations: list[FederationRecord] | None = None
    inspections: list[InspectionRecord] | None = None
    data_quality: DataQuality | None = None  # internal only
    periods: list[str] = field(default_factory=list)  # every period of the project, oldest first
    pages: list[Page] = field(default_factory=list)  # content/pages, in file-name order
    #: figures of issued bulletins corrected in this one (更正说明), and the paragraphs saying so
    corrections: list[Correction] = field(default_factory=list)
    correction_notes: list[str] = field(default_factory=list)
    #: this bulletin was issued and its figures have since been corrected (数据已更正) ...
    corrected: bool = False
    #: ... in the bulletin of this period (None: not yet, the next bulletin will)
    corrected_in: str | None = None
    corrected_in_label: str = ""  # 2026年11月
    #: 报送情况 (None for a project without counties)
    reporting: Reporting | None = None

    @property
    def shows(self) -> Shows:
        """What this bulletin's audience is shown (SHOWS)."""
        return SHOWS[self.audience]

    def unit(self, code: str) -> UnitFigures:
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(code)

    def reporting_of(self, code: str) -> CountyReporting | None:
        """报送情况 of a county; of a township, its county's when that county's rows were
        carried (the township's figures are then last period's too)."""
        if self.reporting is None:
            return None
        found = {c.code: c for c in self.reporting.counties}
        if code in found:
            return found[code]
        try:
            parent = self.unit(code).parent
        except KeyError:
            return None
        county = found.get(parent or "")
        return county if county is not None and county.state == "carried" else None

    @property
    def city(self) -> UnitFigures:
        return next(u for u in self.units if u.level == "city")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        """Serialise deterministically (sorted keys, UTF-8, two-space indent)."""
        # orjson walks the records in C; each record is handed over as the dict of its fields
        # (orjson writes a dataclass's fields in declaration order, a dict's keys sorted), so
        # the file does not depend on the order figures are declared in. One pass: a third of
        # the time of dumping, loading and dumping again with the keys sorted.
        option = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2
        return orjson.dumps(self, default=_fields, option=option).decode()


def _fields(record: Any) -> dict[str, Any]:
    """A record of the model as the dict of its fields, for orjson (Bulletin.to_json)."""
    declared = getattr(type(record), "__dataclass_fields__", None)
    if declared is None:
        raise TypeError(f"not a record of the model: {type(record)!r}")
    values: dict[str, Any] = record.__dict__
    if values.keys() != declared.keys():  # an attribute beside its fields: the fields alone
        values = {name: getattr(record, name) for name in declared}
    if type(record) is Bulletin:
        values = dict(values)
        for name in RECORDS:  # records not carried are written as none, the file's one shape
            if values[name] is None:
                values[name] = []
    return values
