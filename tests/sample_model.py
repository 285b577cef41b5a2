"""A small hand-made Bulletin for renderer tests that should not run the whole pipeline."""

from __future__ import annotations

from generator.model.bulletin import (
    Bulletin,
    CampaignRecord,
    DataQuality,
    DocumentHeader,
    HistoryPoint,
    Judgment,
    PriorityEntry,
    UnitFigures,
    VolunteerRecord,
    WriteUp,
)

PERIODS = ["2026-08", "2026-09", "2026-10"]


def _unit(
    code: str, name: str, level: str, parent: str | None, order: int, **kw: object
) -> UnitFigures:
    u = UnitFigures(code=code, name=name, level=level, parent=parent, order=order)
    for key, value in kw.items():
        setattr(u, key, value)
    return u


def sample_units() -> list[UnitFigures]:
    """City 990000, counties 990100 (strong) and 990200 (laggard), two townships each."""
    common = {"elapsed": 10 / 12}
    return [
        _unit(
            "990000",
            "示例市",
            "city",
            None,
            1,
            enterprises=400,
            unionized=300,
            coverage_rate=0.75,
            employees=20000,
            members=15300,
            membership_rate=0.9,
            new_unions=12,
            ytd_new_unions=90,
            new_members=310,
            target_new_unions=100,
            target_completion=0.9,
            schedule_rate=1.08,
            priority_open=40,
            priority_closed=6,
            priority_added=2,
            volunteer_coverage=0.75,
            volunteer_required_townships=4,
            volunteer_covered_townships=3,
            pioneer_teams=3,
            book_rooms=2,
            books=5000,
            coverage_rate_change=0.012,
            coverage_rate_yoy_change=0.08,
            membership_rate_change=0.003,
            **common,
        ),
        _unit(
            "990100",
            "青川区",
            "county",
            "990000",
            2,
            enterprises=250,
            unionized=210,
            coverage_rate=0.84,
            employees=13000,
            members=10500,
            membership_rate=0.92,
            new_unions=9,
            ytd_new_unions=70,
            new_members=200,
            target_new_unions=60,
            target_completion=70 / 60,
            schedule_rate=1.4,
            priority_open=15,
            priority_closed=5,
            priority_added=1,
            score=96.6,
            rank=1,
            ranked_among=2,
            rank_change=0,
            volunteer_coverage=1.0,
            judgments=[
                Judgment("commend", "本年新建会70家，完成年度目标的116.7%，序时进度完成率140.0%")
            ],
            coverage_rate_change=0.015,
            **common,
        ),
        _unit(
            "990101001",
            "青川区东城街道",
            "township",
            "990100",
            3,
            enterprises=150,
            unionized=130,
            coverage_rate=130 / 150,
            employees=8000,
            members=6600,
            membership_rate=0.9,
            score=95.0,
            rank=1,
            ranked_among=2,
            rank_change=1,
            volunteer_required=True,
            volunteers_active=1,
            **common,
        ),
        _unit(
            "990101002",
            "青川区西湖镇",
            "township",
            "990100",
            4,
            enterprises=100,
            unionized=80,
            coverage_rate=0.8,
            employees=5000,
            members=3900,
            membership_rate=0.9,
            score=90.0,
            rank=2,
            ranked_among=2,
            rank_change=-1,
            volunteer_required=True,
            volunteers_active=1,
            **common,
        ),
        _unit(
            "990200",
            "云溪县",
            "county",
            "990000",
            5,
            enterprises=150,
            unionized=90,
            coverage_rate=0.6,
            employees=7000,
            members=4800,
            membership_rate=0.8,
            new_unions=3,
            ytd_new_unions=20,
            new_members=110,
            target_new_unions=40,
            target_completion=0.5,
            schedule_rate=0.6 * 0.5 / 0.5,
            priority_open=25,
            priority_closed=1,
            priority_added=1,
            score=54.0,
            rank=2,
            ranked_among=2,
            rank_change=0,
            volunteer_coverage=0.5,
            judgments=[
                Judgment("criticize", "本年新建会20家，仅完成年度目标的50.0%，序时进度完成率60.0%")
            ],
            **common,
        ),
        _unit(
            "990201001",
            "云溪县城关镇",
            "township",
            "990200",
            6,
            enterprises=90,
            unionized=60,
            coverage_rate=60 / 90,
            employees=4000,
            members=3000,
            membership_rate=0.82,
            score=60.0,
            rank=1,
            ranked_among=2,
            volunteer_required=True,
            volunteers_active=1,
            **common,
        ),
        _unit(
            "990201002",
            "云溪县白石乡",
            "township",
            "990200",
            7,
            enterprises=60,
            unionized=30,
            coverage_rate=0.5,
            employees=3000,
            members=1800,
            membership_rate=0.75,
            score=50.0,
            rank=2,
            ranked_among=2,
            volunteer_required=True,
            volunteers_active=0,
            **common,
        ),
    ]


def sample_bulletin(audience: str = "internal", marker: str = "") -> Bulletin:
    """A complete small bulletin; `marker` is planted in every internal-only field."""
    units = sample_units()
    internal = audience == "internal"
    if not internal:
        for u in units:
            u.judgments = [j for j in u.judgments if j.kind == "commend"]
    history = {
        u.code: [
            HistoryPoint(
                p,
                (u.coverage_rate or 0) - 0.01 * (2 - i),
                u.membership_rate,
                u.unionized - 2 * (2 - i),
                u.enterprises,
                u.score,
                u.rank,
            )
            for i, p in enumerate(PERIODS)
        ]
        for u in units
    }
    writeups = [
        WriteUp(
            "2026-10-qingchuan-pioneer",
            "青川区开展“工人先锋号”创建活动",
            "2026-10-12",
            "990100",
            "青川区",
            "990100",
            "pioneer-team",
            "工人先锋号",
            "public",
            [],
            "青川区总工会组织**12家**企业班组参加创建。\n\n- 开展技能比武\n- 评选岗位能手\n",
        ),
    ]
    if internal:
        writeups.append(
            WriteUp(
                "2026-10-yunxi-internal",
                f"云溪县建会工作督导情况{marker}",
                "2026-10-20",
                "990200",
                "云溪县",
                "990200",
                "union-building",
                "企业建会",
                "internal",
                [],
                f"督导发现问题。{marker}\n",
            )
        )
    return Bulletin(
        period="2026-10",
        period_label="2026年10月",
        audience=audience,  # type: ignore[arg-type]
        organization="示例市总工会",
        document=DocumentHeader(
            organization="示例市总工会",
            doc_prefix="示工发",
            doc_number=45,
            doc_code="示工发〔2026〕45号",
            title="关于2026年10月全市企业工会组建工作情况的通报",
            recipients="各县市区总工会，市直各产业工会",
            cc="市委组织部，省总工会组织部",
            signed_on="2026-11-05",
            signed_on_text="2026年11月5日",
            printed_on="2026-11-06",
            printed_on_text="2026年11月6日",
            printed_by="示例市总工会办公室",
            preface="为推动全市企业普遍建会，现将10月份工作情况通报如下。",
            closing="一、加大工作力度。各县市区要对照目标任务，倒排工期。\n\n二、加强数据报送。",
        ),
        overview=[
            "全市共有企业400家，已建会300家，建会率75.0%，较上月提高1.2个百分点。",
            "全市职工20000人，会员15300人，职工入会率90.0%。",
        ],
        units=units,
        county_ranking=["990100", "990200"],
        township_ranking={
            "990100": ["990101001", "990101002"],
            "990200": ["990201001", "990201002"],
        },
        judgments={
            "commend": ["990100"],
            **({"criticize": ["990200"], "veto": []} if internal else {}),
        },
        history=history,
        campaigns=[
            CampaignRecord(
                "pioneer_teams",
                "数控车间甲班",
                "青川区恒达机械有限公司",
                "990101001",
                "青川区东城街道",
                "990100",
                "市级",
                "已命名",
                "2026-10-08",
                True,
            ),
            CampaignRecord(
                "book_rooms",
                "恒达职工书屋",
                "青川区恒达机械有限公司",
                "990101001",
                "青川区东城街道",
                "990100",
                "市级示范点",
                "",
                "2025-06-01",
                False,
                2500,
            ),
        ],
        writeups=writeups,
        priority=[
            PriorityEntry(
                "91990100MA00000001",
                f"云溪县白石矿业有限公司{marker}",
                "990201002",
                "云溪县白石乡",
                "990200",
                120,
                f"企业负责人不支持{marker}",
                "open",
                True,
            ),
        ]
        if internal
        else None,
        volunteers=[
            VolunteerRecord(
                "V001",
                f"张三{marker}",
                "138****1234",
                "990201001",
                "云溪县城关镇",
                "990200",
                "2025-03-01",
                "考试",
                4,
                92.0,
                "优秀",
            ),
        ]
        if internal
        else None,
        townships_lacking_volunteer=["990201002"] if internal else None,
        # records (Shows.records) are carried by the internal model only, empty or not
        federations=[] if internal else None,
        inspections=[] if internal else None,
        data_quality=DataQuality(
            errors=0,
            warnings=3,
            by_county=[{"county": "990200", "name": "云溪县", "errors": 0, "warnings": 3}],
            by_code=[{"code": "W-ENT-MISSING", "severity": "warning", "count": 3}],
        )
        if internal
        else None,
        periods=PERIODS,
    )
