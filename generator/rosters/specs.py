"""The one table of column specs that drives reading, aliasing and validation (CONTRACT §2).

`CAMPAIGNS` is the registry of campaign rosters (工人先锋号, 职工书屋, …). Every later stage
loops over it: the figures (`indicators` declares each campaign's counts from its entry), the
model's campaign records, the site's campaign pages, the PDF bulletin, the collection templates
and `bulletin init`. Adding a campaign is its `Roster` here, its `Campaign` entry in
`CAMPAIGNS`, and its sheet in the demo's collection template (which `bulletin templates` makes
from the roster); its key (the roster name) is its one spelling: figure names, record kinds and
page names (`worker_stations` -> `campaigns/worker-stations.html`) derive from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column kinds. Values of each kind are normalised by generator.rosters.values.
TEXT = "text"
INT = "int"  # integer >= 0
NUMBER = "number"
RATE = "rate"
BOOL = "bool"
DATE = "date"
ENUM = "enum"


@dataclass(frozen=True)
class Column:
    """One roster column: canonical name, Chinese aliases, kind and basic rules."""

    name: str
    aliases: tuple[str, ...]
    kind: str
    required: bool = False
    label: str = ""  # the Chinese name used in messages and templates (first alias by default)
    choices: tuple[str, ...] = ()  # for ENUM: canonical values
    synonyms: dict[str, str] = field(default_factory=dict)  # for ENUM: written value -> canonical
    minimum: float | None = None
    maximum: float | None = None
    unique: bool = False

    @property
    def title(self) -> str:
        return self.label or self.aliases[0]


@dataclass(frozen=True)
class Roster:
    """One roster file: base name in data/ (or data/<period>/), Chinese title and its columns."""

    name: str
    title: str
    columns: tuple[Column, ...]
    per_period: bool = False
    optional: bool = False
    rows_required: bool = False  # a file with a header and no data row is an error

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


LEVEL_SYNONYMS = {
    "city": "city",
    "市": "city",
    "地市": "city",
    "county": "county",
    "县": "county",
    "区": "county",
    "市辖区": "county",
    "县级市": "county",
    "县市区": "county",
    "县(市、区)": "county",
    "township": "township",
    "乡": "township",
    "镇": "township",
    "乡镇": "township",
    "街道": "township",
    "乡镇街道": "township",
    "乡镇(街道)": "township",
}

UNITS = Roster(
    "units",
    "单位名册",
    (
        Column("code", ("单位代码",), TEXT, required=True, unique=True),
        Column("name", ("单位名称",), TEXT, required=True),
        Column(
            "level",
            ("层级",),
            ENUM,
            required=True,
            choices=("city", "county", "township"),
            synonyms=LEVEL_SYNONYMS,
        ),
        Column("parent", ("上级单位代码",), TEXT),
        Column("order", ("排序",), INT),
        Column("volunteer_required", ("应配备志愿者",), BOOL),
        # where `bulletin send` mails the unit's packet; several separated by ; (CONTRACT §4.1)
        Column("email", ("邮箱", "电子邮箱", "电子邮件"), TEXT),
        # the usual short name (高新区), findable in the sites' search; optional
        Column("short_name", ("简称",), TEXT),
    ),
)

ENTERPRISE_STATUS = ("存续", "注销", "吊销", "迁出")
PROGRESS = ("未联系", "已联系", "筹备中")
#: The listed values of the ledger's category columns (CONTRACT 3.7), in their official order.
#: A value is matched without spaces and with either form of brackets; one that is none of
#: these is a warning, and counted under 其他 where the list has it.
AREA_TYPES = ("开发区", "工业园区", "商贸楼宇", "集贸市场", "村(社区)", "其他")
OWNERSHIPS = ("国有", "集体", "私营", "外资", "港澳台", "其他")
UNION_FORMS = ("单独建会", "联合建会", "区域性联合会", "行业性联合会")
LISTED_VALUES = {"area_type": AREA_TYPES, "ownership": OWNERSHIPS, "union_form": UNION_FORMS}

ENTERPRISES = Roster(
    "enterprises",
    "企业建会台账",
    (
        Column("uscc", ("统一社会信用代码",), TEXT, required=True, unique=True),
        Column("name", ("企业名称",), TEXT, required=True),
        Column("unit", ("所属单位代码", "所属乡镇(街道)代码"), TEXT, required=True),
        Column("industry", ("行业",), TEXT),
        Column("ownership", ("经济类型",), TEXT),
        Column("area_type", ("所在区域类型",), TEXT),
        Column("employees", ("职工人数",), INT, required=True, minimum=0),
        Column("migrant_workers", ("农民工人数",), INT, minimum=0),
        Column("dispatch_workers", ("劳务派遣工人数",), INT, minimum=0),
        Column("unionized", ("是否建会",), BOOL, required=True),
        Column("union_date", ("建会日期",), DATE),
        Column("members", ("会员人数",), INT, minimum=0),
        Column("migrant_members", ("农民工会员人数",), INT, minimum=0),
        Column("dispatch_members", ("劳务派遣工会员人数",), INT, minimum=0),
        Column("union_form", ("组建形式",), TEXT),
        Column("workers_congress", ("是否建立职代会",), BOOL),
        Column("wage_bargaining", ("是否开展工资集体协商",), BOOL),
        Column("not_unionized_reason", ("未建会原因",), TEXT),
        Column(
            "status",
            ("经营状态",),
            ENUM,
            choices=ENTERPRISE_STATUS,
            synonyms={
                "在营": "存续",
                "开业": "存续",
                "正常": "存续",
                "已注销": "注销",
                "已吊销": "吊销",
                "已迁出": "迁出",
            },
        ),
        # Optional columns added later keep their place at the end of the ledger.
        Column("federation", ("所属联合会", "联合会名称"), TEXT),
        # The four clear things (CONTRACT 3.8): progress, who is responsible, by when.
        Column(
            "progress",
            ("推进情况",),
            ENUM,
            choices=PROGRESS,
            synonyms={
                "未对接": "未联系",
                "已对接": "已联系",
                "正在筹建": "筹备中",
                "筹建中": "筹备中",
            },
        ),
        Column("responsible", ("责任人",), TEXT),
        Column("planned_on", ("计划建会时间", "计划建会日期"), DATE),
        Column("female_workers", ("女职工人数",), INT, minimum=0),
        Column("female_members", ("女职工会员人数",), INT, minimum=0),
    ),
    per_period=True,
    rows_required=True,
)

TARGETS = Roster(
    "targets",
    "年度目标任务",
    (
        Column("year", ("年度",), INT, required=True, minimum=2000, maximum=2100),
        Column("unit", ("单位代码",), TEXT, required=True),
        Column("new_unions", ("新建会目标",), INT, minimum=0),
        Column("new_members", ("新增会员目标",), INT, minimum=0),
        Column("book_rooms", ("职工书屋目标",), INT, minimum=0),
        Column("pioneer_teams", ("工人先锋号目标",), INT, minimum=0),
    ),
)

VOLUNTEERS = Roster(
    "volunteers",
    "工会工作志愿者名册",
    (
        # Unique within its county (checked with the volunteer rules), not across the city.
        Column("id", ("编号",), TEXT, required=True),
        Column("name", ("姓名",), TEXT, required=True),
        Column("phone", ("联系电话",), TEXT),
        Column("unit", ("派驻单位代码",), TEXT, required=True),
        Column("hired_on", ("上岗日期",), DATE, required=True),
        Column("left_on", ("离岗日期",), DATE),
        Column("selection", ("选聘方式",), TEXT),
    ),
)

VOLUNTEER_REVIEWS = Roster(
    "volunteer_reviews",
    "志愿者考核",
    (
        Column("volunteer", ("志愿者编号",), TEXT, required=True),
        Column("reports", ("工作汇报次数",), INT, minimum=0),
        Column("score", ("考核得分",), NUMBER, minimum=0, maximum=100),
        Column("grade", ("考核等次",), ENUM, choices=("优秀", "称职", "基本称职", "不称职")),
        # The county whose volunteer is meant (编号 restart at 001 in every county): a county or
        # township code. Optional: the 志愿者考核 sheet of a county's returned workbook is that
        # county's; a file of several counties needs it where a 编号 is used in two of them.
        Column("unit", ("所属单位代码", "县市区代码"), TEXT),
    ),
    per_period=True,
    optional=True,
)

PIONEER_TEAMS = Roster(
    "pioneer_teams",
    "工人先锋号",
    (
        Column("name", ("班组名称",), TEXT, required=True),
        Column("enterprise", ("所在企业",), TEXT, required=True),
        Column("unit", ("所属单位代码",), TEXT, required=True),
        Column(
            "level",
            ("级别",),
            ENUM,
            required=True,
            choices=("全国", "省级", "市级", "县级"),
            synonyms={"国家级": "全国", "省": "省级", "市": "市级", "县": "县级"},
        ),
        Column("status", ("状态",), ENUM, required=True, choices=("创建中", "已命名", "已撤销")),
        Column("registered_on", ("申报日期",), DATE, required=True),
        Column("named_on", ("命名日期",), DATE),
    ),
)

_BOOK_LEVELS = ("全国示范点", "省级示范点", "市级示范点", "基层")


def _places(name: tuple[str, ...], opened: tuple[str, ...] = ("建成日期",)) -> tuple[Column, ...]:
    """The columns of a roster of places: book rooms, model homes, worker stations."""
    return (
        Column("name", name, TEXT, required=True),
        Column("host", ("所在单位",), TEXT, required=True),
        Column("unit", ("所属单位代码",), TEXT, required=True),
        Column("level", ("级别",), ENUM, required=True, choices=_BOOK_LEVELS),
        Column("opened_on", opened, DATE, required=True),
    )


BOOK_ROOMS = Roster(
    "book_rooms",
    "职工书屋",
    (*_places(("书屋名称",)), Column("books", ("藏书册数",), INT, minimum=0)),
)

MODEL_HOMES = Roster(
    "model_homes",
    "模范职工之家",
    _places(("名称", "职工之家名称"), opened=("建成日期", "命名日期")),
    optional=True,
)

WORKER_STATIONS = Roster(
    "worker_stations", "职工驿站", _places(("驿站名称", "名称")), optional=True
)

INSPECTIONS = Roster(
    "inspections",
    "督查情况",
    (
        Column("date", ("督查日期",), DATE, required=True),
        Column("unit", ("被督查单位代码", "单位代码"), TEXT, required=True),
        Column("inspectors", ("督查人", "督查组成员"), TEXT),
        Column("findings", ("发现问题",), TEXT),
        Column("deadline", ("整改期限",), DATE),
        Column("rectified_on", ("整改完成日期",), DATE),
    ),
    optional=True,
)


@dataclass(frozen=True)
class Campaign:
    """A campaign roster and what is counted of it (CONTRACT §3.5).

    An entry is counted from its `date` on (named_on, opened_on), if its `counted` column has
    the counted value (pioneer teams: status 已命名); it is listed from `listed_from` on.
    """

    roster: Roster
    label: str  # 工人先锋号
    unit: str  # 个 / 家: what one entry is counted in
    category: str  # the write-up category about it (CONTRACT §6)
    date: str  # the column from which an entry counts
    new_word: str = "新建"  # 本期新建职工书屋 / 本期新命名工人先锋号
    counted_label: str = ""  # the count's label: 已命名工人先锋号 (default: the label)
    listed_from: str = ""  # the column from which an entry is listed (default: date)
    #: (column, counted value, shown before the entry counts): ("status", "已命名", "创建中")
    counted: tuple[str, str, str] | None = None
    target: str | None = None  # its column in targets.csv: followed like new_unions (3.2)
    #: integer columns summed per unit: (column, figure label, unit)
    sums: tuple[tuple[str, str, str], ...] = ()
    host: str = "host"  # the column naming the enterprise or unit that hosts an entry
    #: columns that identify an entry within the roster (the same twice is a warning)
    identity: tuple[str, ...] = ("name", "unit")

    @property
    def key(self) -> str:
        """Its one name: roster, figures (`<key>`, `<key>_new` …), records' kind."""
        return self.roster.name

    @property
    def slug(self) -> str:
        """Its page name on the sites (campaigns/<slug>.html)."""
        return self.key.replace("_", "-")

    @property
    def levels(self) -> tuple[str, ...]:
        return self.roster.column("level").choices

    @property
    def date_title(self) -> str:
        return self.roster.column(self.date).title


CAMPAIGNS: dict[str, Campaign] = {
    c.key: c
    for c in (
        Campaign(
            PIONEER_TEAMS,
            "工人先锋号",
            "个",
            "pioneer-team",
            date="named_on",
            new_word="新命名",
            counted_label="已命名工人先锋号",
            listed_from="registered_on",
            counted=("status", "已命名", "创建中"),
            target="pioneer_teams",
            host="enterprise",
            identity=("name", "enterprise"),
        ),
        Campaign(
            BOOK_ROOMS,
            "职工书屋",
            "家",
            "book-room",
            date="opened_on",
            target="book_rooms",
            sums=(("books", "藏书（册）", "册"),),
        ),
        Campaign(MODEL_HOMES, "模范职工之家", "家", "model-home", date="opened_on"),
        Campaign(WORKER_STATIONS, "职工驿站", "个", "worker-station", date="opened_on"),
    )
}

ROSTERS: dict[str, Roster] = {
    r.name: r
    for r in (
        UNITS,
        ENTERPRISES,
        TARGETS,
        VOLUNTEERS,
        VOLUNTEER_REVIEWS,
        *(c.roster for c in CAMPAIGNS.values()),
        INSPECTIONS,
    )
}
