#!/usr/bin/env python3
"""Generate a complete synthetic bulletin project: the demo city or a benchmark scale.

    python benchmarks/synth.py --scale demo --out .              # the demo city of the repository
    python benchmarks/synth.py --scale city --out benchmarks/out/city

The output is deterministic: a scale always gives byte-identical files (fixed seeds, fixed XLSX
dates and zip timestamps). Files under DIR/data and DIR/content that the run did not write are
removed, so DIR holds exactly the generated project.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import hashlib
import io
import json
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

try:
    from generator.rosters import specs
except ImportError:  # run as a script from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from generator.rosters import specs
from generator.common.record import RECEIVED, RECEIVED_HEADERS  # the receipt record `intake` keeps
from generator.common.workdays import OFFICIAL

SEED = 20261031

# --- GB 32100-2015 unified social credit codes -------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
# Organisation codes are an invertible mixing of the enterprise id's base-31 digits (each digit is
# scrambled together with the lower ones), so codes never repeat yet look unrelated.
_MIX = np.random.default_rng([SEED, 0]).integers(0, 31, size=(9, 9))
_MIX_SCALE = np.random.default_rng([SEED, 0, 1]).integers(1, 31, size=9)
_MIX_OFFSET = np.random.default_rng([SEED, 0, 2]).integers(0, 31, size=9)


def uscc_check_char(body: str) -> str:
    """Return the check character of the 17 leading characters of a USCC."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """Whether a code has the USCC form and a correct check character."""
    if len(code) != 18 or any(c not in _USCC_VALUE for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def make_usccs(ids: np.ndarray, admin_digits: np.ndarray) -> np.ndarray:
    """USCCs for enterprise ids: 91 + 6-digit admin code + 9-char organisation code + check."""
    n = len(ids)
    vals = np.zeros((n, 18), dtype=np.int64)
    vals[:, 0] = 9
    vals[:, 1] = 1
    vals[:, 2:8] = admin_digits
    rest = ids.astype(np.int64).copy()
    digits = np.zeros((n, 9), dtype=np.int64)  # least significant first
    for k in range(9):
        digits[:, k] = rest % 31
        rest //= 31
    for k in range(9):
        mixed = _MIX_SCALE[k] * digits[:, k] + _MIX_OFFSET[k] + digits[:, :k] @ _MIX[k, :k]
        vals[:, 16 - k] = mixed % 31
    total = vals[:, :17] @ np.array(USCC_WEIGHTS, dtype=np.int64)
    vals[:, 17] = (31 - total % 31) % 31
    chars = np.array(list(USCC_CHARSET), dtype="<U1")[vals]
    return np.ascontiguousarray(chars).view("<U18").ravel()


# --- time axis: month index 0 is January 2025, the last period is October 2026 ----------------

START_YEAR = 2025
LAST_MONTH = 21
NEVER = 10_000
EPOCH = date(2000, 1, 1).toordinal()
_DAYS = [date.fromordinal(EPOCH + i) for i in range(date(2028, 1, 1).toordinal() - EPOCH)]
DATE_ISO = np.array([d.isoformat() for d in _DAYS])
MONTH_OF_DAY = np.array([(d.year - START_YEAR) * 12 + d.month - 1 for d in _DAYS])


def month_ym(m: int) -> tuple[int, int]:
    return START_YEAR + m // 12, m % 12 + 1


def month_first(m: int) -> date:
    y, mo = month_ym(m)
    return date(y, mo, 1)


def month_last(m: int) -> date:
    y, mo = month_ym(m)
    return date(y, mo, calendar.monthrange(y, mo)[1])


def period_name(m: int) -> str:
    y, mo = month_ym(m)
    return f"{y:04d}-{mo:02d}"


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


_MONTH_FIRST_ORD = np.array([month_first(m).toordinal() for m in range(LAST_MONTH + 1)])
_MONTH_DAYS = np.array([month_last(m).day for m in range(LAST_MONTH + 1)])


# --- scales ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """One synthetic project size (DESIGN.md, "Speed and size")."""

    name: str
    counties: int
    townships: int
    enterprises: int  # roughly the enterprises of one snapshot
    periods: int
    writeups: int  # demo: the curated schedule instead
    mixed_formats: bool  # demo-style files (CSV in several encodings, XLSX) rather than plain CSV
    chunk: int = 250_000


SCALES: dict[str, Scale] = {
    "demo": Scale("demo", 9, 110, 3000, 12, 0, True),
    "tiny": Scale("tiny", 2, 6, 500, 3, 8, True),
    "city": Scale("city", 10, 150, 100_000, 12, 40, False),
    "province": Scale("province", 137, 1800, 1_500_000, 12, 120, False),
    "nation": Scale("nation", 2800, 38000, 33_000_000, 1, 60, False),
    # For tests: the big scales' plain CSV path, streamed in several chunks.
    "tiny-plain": Scale("tiny-plain", 2, 6, 500, 2, 4, False, chunk=200),
}
PUBLIC_SCALES = ("demo", "city", "province", "nation")

BIRTH_SHARE = 0.13  # enterprises set up during the 22 simulated months
CLOSE_HAZARD = 0.0022  # monthly chance that an enterprise closes


# --- vocabulary --------------------------------------------------------------------------------

# name, share, migrant share of staff, size factor, words used in enterprise names
INDUSTRIES: tuple[tuple[str, float, float, float, tuple[str, ...]], ...] = (
    (
        "制造业",
        0.30,
        0.45,
        1.5,
        (
            "机械制造",
            "精密机械",
            "电子科技",
            "新材料",
            "纺织",
            "服饰",
            "食品",
            "包装制品",
            "汽车零部件",
            "五金制品",
            "塑胶制品",
            "家具",
            "化工",
            "医疗器械",
            "光电科技",
        ),
    ),
    ("建筑业", 0.09, 0.75, 1.6, ("建筑工程", "建设工程", "装饰工程", "市政工程", "钢结构工程")),
    ("批发和零售业", 0.17, 0.25, 0.6, ("商贸", "贸易", "百货", "超市", "医药连锁", "建材")),
    ("交通运输、仓储和邮政业", 0.07, 0.5, 1.0, ("物流", "运输", "快递", "仓储", "供应链管理")),
    ("住宿和餐饮业", 0.08, 0.55, 0.7, ("餐饮管理", "酒店管理", "大酒店", "餐饮服务")),
    (
        "信息传输、软件和信息技术服务业",
        0.05,
        0.05,
        0.8,
        ("软件科技", "信息技术", "网络科技", "数据科技"),
    ),
    (
        "租赁和商务服务业",
        0.07,
        0.3,
        0.9,
        ("物业管理", "人力资源", "企业管理咨询", "保安服务", "广告"),
    ),
    ("科学研究和技术服务业", 0.03, 0.05, 0.7, ("检测技术", "工程设计", "环保科技", "生物科技")),
    ("居民服务、修理和其他服务业", 0.04, 0.4, 0.5, ("家政服务", "汽车维修", "洗涤服务")),
    ("房地产业", 0.03, 0.1, 0.8, ("置业", "房地产开发")),
    ("农、林、牧、渔业", 0.03, 0.6, 0.7, ("农业开发", "生态农业", "养殖", "茶业")),
    ("卫生和社会工作", 0.02, 0.1, 1.2, ("医院", "养老服务", "口腔门诊")),
    ("文化、体育和娱乐业", 0.01, 0.1, 0.5, ("文化传媒", "体育发展", "影视")),
    ("电力、热力、燃气及水生产和供应业", 0.01, 0.1, 2.0, ("供水", "燃气", "新能源", "热电")),
)
INDUSTRY_NAMES = np.array([i[0] for i in INDUSTRIES])
INDUSTRY_P = np.array([i[1] for i in INDUSTRIES])
INDUSTRY_MIGRANT = np.array([i[2] for i in INDUSTRIES])
INDUSTRY_SIZE = np.array([i[3] for i in INDUSTRIES])

OWNERSHIPS = np.array(["国有", "集体", "私营", "外资", "港澳台", "其他"])
OWNERSHIP_P = np.array([0.04, 0.03, 0.80, 0.04, 0.04, 0.05])
OWNERSHIP_SIZE = np.array([2.5, 1.0, 1.0, 2.0, 1.8, 0.8])
OWNERSHIP_BONUS = np.array([2.5, 1.0, 0.0, 0.5, 0.3, 0.0])  # logit bonus of having a union

AREA_TYPES = np.array(["开发区", "工业园区", "商贸楼宇", "集贸市场", "村（社区）", "其他"])
AREA_P = np.array([0.12, 0.18, 0.12, 0.06, 0.37, 0.15])

UNION_FORMS = np.array(["单独建会", "联合建会", "区域性联合会", "行业性联合会"])
REASONS = np.array(
    ["筹建中", "企业负责人不支持", "职工人数少", "流动性大", "经营困难", "新设立企业"]
)
STATUSES = np.array(["存续", "注销", "吊销", "迁出"])

BRANDS = [
    "恒达",
    "鑫源",
    "华盛",
    "瑞丰",
    "金鼎",
    "宏远",
    "永泰",
    "德信",
    "佳和",
    "天成",
    "博远",
    "嘉禾",
    "远航",
    "新锐",
    "众合",
    "联创",
    "安泰",
    "盛世",
    "腾飞",
    "汇通",
    "兴隆",
    "广源",
    "润泽",
    "宏图",
    "卓越",
    "正阳",
    "明辉",
    "金桥",
    "银河",
    "东方",
    "九州",
    "四海",
    "百川",
    "千禧",
    "万通",
    "鼎盛",
    "昌隆",
    "富源",
    "瑞祥",
    "祥和",
    "和顺",
    "顺达",
    "立信",
    "信诚",
    "远景",
    "景昌",
    "盛达",
    "通泰",
    "泰和",
    "新源",
    "丰泽",
    "美佳",
    "禾盛",
    "益民",
    "生辉",
    "恒通",
    "恒泰",
    "恒昌",
    "鸿运",
    "鸿达",
    "鸿基",
    "锦程",
    "锦绣",
    "锦华",
    "晨光",
    "晨曦",
    "曙光",
    "蓝天",
    "绿源",
    "青松",
    "翠竹",
    "金穗",
    "丰收",
    "沃土",
    "精工",
    "匠心",
    "智联",
    "云帆",
    "星辰",
    "海纳",
    "启航",
    "晟达",
    "睿博",
    "聚力",
    "凯达",
    "旭日",
    "泓源",
    "华宇",
    "中盛",
    "永兴",
    "嘉信",
    "宏达",
    "利民",
    "长青",
    "德润",
    "荣昌",
    "万邦",
    "泰丰",
    "福瑞",
    "金诚",
    "合力",
    "同创",
    "优品",
    "安达",
    "科瑞",
    "伟业",
]

SYLLABLES = (
    "青云松岚禾桐鹭星晴明澄枫柳桂梅兰竹石泉溪湾塘岭峰川湖洲滨港源林阳安平宁兴福庆丰盛和永长新"
    "金玉银凤鹤雁桃杏荷芦菱莲蒲茶橙苇稻麦粟雾霜霞虹晓晨春秋翠碧"
)

DEMO_STEMS = [
    "柳塘",
    "桂岭",
    "石桥",
    "梅溪",
    "竹坞",
    "枫林",
    "杏坪",
    "荷塘",
    "松坡",
    "柏溪",
    "桐林",
    "槐荫",
    "芦湾",
    "菱湖",
    "莲塘",
    "蒲溪",
    "茶岭",
    "橙园",
    "兰坪",
    "苇渡",
    "稻香",
    "麦丘",
    "禾田",
    "粟岭",
    "豆坪",
    "雁鸣",
    "鹤岭",
    "鹿溪",
    "凤栖",
    "鸥汀",
    "燕归",
    "莺谷",
    "鹊桥",
    "蝶湾",
    "萤溪",
    "云岫",
    "霞湾",
    "虹溪",
    "雾岭",
    "霜林",
    "雪坪",
    "露坪",
    "星坪",
    "月湖",
    "晓岭",
    "晨溪",
    "暮云",
    "夕塘",
    "春晖",
    "夏荷",
    "秋枫",
    "冬青",
    "玉泉",
    "金沙",
    "银杏",
    "铜岭",
    "铁炉",
    "锡坪",
    "石坞",
    "砚池",
    "墨林",
    "书院",
    "琴台",
    "棋盘",
    "画溪",
    "诗岭",
    "澄溪",
    "清源",
    "碧波",
    "翠湾",
    "青石",
    "白沙",
    "红枫",
    "紫荆",
    "蓝湾",
    "东桥",
    "西岭",
    "南塘",
    "北湖",
    "上河",
    "下湾",
    "中岭",
    "前山",
    "后溪",
    "新桥",
    "古渡",
    "老街",
    "长岗",
    "大岭",
    "小溪",
    "双井",
    "三塘",
    "五里",
    "七星",
    "十里",
    "百花",
    "千松",
    "万福",
    "望湖",
    "听泉",
    "观澜",
    "临溪",
    "沿河",
    "滨江",
    "江口",
    "河湾",
    "湖畔",
    "山前",
    "岭下",
    "峰口",
    "谷园",
    "泉眼",
    "井坪",
    "桑园",
    "麻田",
    "棉湾",
    "柑林",
    "李园",
    "桃坞",
    "杨柳",
    "榕树",
    "樟坡",
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯晨欣怡子涵雨轩佳琪梓博思远婷雪梅海燕春林立新晓东振宇"

DEPARTMENTS = (
    "装配车间",
    "焊接车间",
    "机加工车间",
    "质检中心",
    "客服中心",
    "调度中心",
    "研发中心",
    "物流配送中心",
    "前厅部",
    "项目部",
    "设备维修班",
    "配电运维",
    "包装车间",
    "生产一车间",
    "生产二车间",
    "仓储部",
)
TEAM_SUFFIXES = ("班组", "一班", "二班", "三班", "突击队", "青年班组", "女子班组")


# --- units -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountyPlan:
    """How a county behaves: initial unionisation, pace, and how its targets relate to it."""

    base: float  # logit offset of having a union at the start
    hazard: float  # monthly chance that a non-unionised enterprise sets up a union
    pace2025: float  # year-end 2025 target completion the targets are set for
    pace2026: float  # schedule rate in October 2026 the targets are set for
    targets: str  # county | county+towns | towns | none


@dataclass
class Unit:
    code: str
    name: str
    level: str  # city | county | township
    level_word: str  # what units.csv says in 层级
    parent: str
    county: int  # index of the county; -1 for the city
    weight: float = 0.0  # share of the enterprises
    hazard_factor: float = 1.0
    base_shift: float = 0.0
    volunteer_required: str = ""
    plan: CountyPlan | None = None


# code, name, level word, townships, plan
DEMO_COUNTIES: tuple[tuple[str, str, str, int, CountyPlan], ...] = (
    ("990102", "明湖区", "区", 12, CountyPlan(1.4, 0.095, 1.15, 1.25, "county+towns")),
    ("990103", "星湾区", "区", 13, CountyPlan(0.8, 0.060, 1.05, 0.95, "county+towns")),
    ("990104", "晴川区", "区", 11, CountyPlan(0.7, 0.055, 1.03, 0.85, "county+towns")),
    ("990121", "云栖县", "县", 14, CountyPlan(1.1, 0.090, 1.10, 1.18, "county+towns")),
    ("990122", "松岚县", "县", 13, CountyPlan(-0.2, 0.020, 0.72, 0.47, "county+towns")),
    ("990123", "禾丰县", "县", 15, CountyPlan(0.5, 0.050, 1.02, 0.80, "towns")),
    ("990124", "桐湾县", "县", 12, CountyPlan(0.0, 0.024, 0.80, 0.52, "county+towns")),
    ("990181", "鹭洲市", "县级市", 14, CountyPlan(0.6, 0.055, 0.96, 0.90, "county+towns")),
    (
        "990171",
        "示例高新技术产业开发区",
        "县市区",
        6,
        CountyPlan(0.9, 0.065, 1.0, 1.0, "county+towns"),
    ),
)

CITY_CODE = "990000"
CITY_NAME = "示例市"


@dataclass
class World:
    """The units of a project and the per-unit arrays the simulation draws from."""

    scale: Scale
    scale_id: int
    units: list[Unit]
    counties: list[int]  # unit indexes of the counties
    county_towns: list[list[int]]  # unit indexes of each county's townships
    host: np.ndarray = field(init=False)  # units that hold enterprises
    host_p: np.ndarray = field(init=False)
    county_of: np.ndarray = field(init=False)
    codes: np.ndarray = field(init=False)
    admin_digits: np.ndarray = field(init=False)  # per county: the 6 digits inside USCCs
    hazard: np.ndarray = field(init=False)  # per unit
    base: np.ndarray = field(init=False)  # per unit

    def __post_init__(self) -> None:
        n = len(self.units)
        self.county_of = np.array([u.county for u in self.units])
        self.codes = np.array([u.code for u in self.units])
        self.host = np.array([i for i, u in enumerate(self.units) if u.weight > 0])
        w = np.array([self.units[i].weight for i in self.host])
        self.host_p = w / w.sum()
        self.admin_digits = np.array(
            [[int(c) for c in self.units[i].code[:6]] for i in self.counties], dtype=np.int64
        )
        self.hazard = np.zeros(n)
        self.base = np.zeros(n)
        for i, u in enumerate(self.units):
            if u.county >= 0:
                plan = self.plan(u.county)
                self.hazard[i] = 1.35 * plan.hazard * u.hazard_factor
                self.base[i] = plan.base - 0.35 + u.base_shift

    def plan(self, county: int) -> CountyPlan:
        plan = self.units[self.counties[county]].plan
        assert plan is not None
        return plan

    @property
    def city(self) -> Unit:
        return self.units[0]

    def county_unit(self, county: int) -> Unit:
        return self.units[self.counties[county]]


def make_world(scale: Scale) -> World:
    """Build the unit hierarchy of a scale (curated names for the demo)."""
    rng = np.random.default_rng([SEED, 1, list(SCALES).index(scale.name)])
    units = [Unit(CITY_CODE, CITY_NAME, "city", "市", "", -1)]
    counties: list[int] = []
    county_towns: list[list[int]] = []
    if scale.name == "demo":
        plans = [(code, name, word, n, plan) for code, name, word, n, plan in DEMO_COUNTIES]
        stems = iter(DEMO_STEMS)
    else:
        plans = _generated_counties(scale, rng)
        stems = iter(_generated_stems(scale.townships, rng))
    for ci, (code, name, word, n_towns, plan) in enumerate(plans):
        counties.append(len(units))
        units.append(Unit(code, name, "county", word, CITY_CODE, ci, plan=plan))
        kinds = _township_kinds(word, n_towns)
        serial = {"街道": 0, "镇": 100, "乡": 200}
        towns = []
        direct_weight = 0.0
        for kind in kinds:
            serial[kind] += 1
            tcode = f"{code}{serial[kind]:03d}"
            density = {"街道": 1.6, "镇": 1.0, "乡": 0.5}[kind] * (2.0 if word == "县市区" else 1.0)
            weight = density * float(rng.lognormal(0, 0.4))
            direct_weight += weight
            towns.append(len(units))
            units.append(
                Unit(
                    tcode,
                    f"{next(stems)}{kind}",
                    "township",
                    kind,
                    code,
                    ci,
                    weight=weight,
                    hazard_factor=float(rng.lognormal(0, 0.3)),
                    base_shift=float(rng.normal(0, 0.3)),
                )
            )
        # A few enterprises are registered to the county itself (county-run companies).
        units[counties[-1]].weight = 0.03 * direct_weight
        county_towns.append(towns)
    return World(scale, list(SCALES).index(scale.name), units, counties, county_towns)


def _township_kinds(word: str, n: int) -> list[str]:
    if word in ("区", "县市区"):
        return ["街道"] * (n - 2) + ["镇"] * 2 if word == "区" and n > 6 else ["街道"] * n
    streets = 2 if n >= 6 else 1
    villages = 2 if n >= 12 else (1 if n >= 4 else 0)
    return ["街道"] * streets + ["镇"] * (n - streets - villages) + ["乡"] * villages


def _generated_counties(
    scale: Scale, rng: np.random.Generator
) -> list[tuple[str, str, str, int, CountyPlan]]:
    c = scale.counties
    weights = rng.uniform(0.6, 1.4, c)
    counts = np.maximum(1, np.floor(weights / weights.sum() * scale.townships)).astype(int)
    i = 0
    while counts.sum() < scale.townships:
        counts[i % c] += 1
        i += 1
    while counts.sum() > scale.townships:
        j = int(np.argmax(counts))
        counts[j] -= 1
    pairs = [a + b for a in SYLLABLES for b in SYLLABLES if a != b]
    picks = rng.choice(len(pairs), size=c, replace=False)
    out = []
    for k in range(c):
        code = f"99{k + 1:02d}00" if c <= 99 else f"{900000 + k + 1}"
        word = str(rng.choice(["区", "县", "县级市"], p=[0.3, 0.55, 0.15]))
        suffix = {"区": "区", "县": "县", "县级市": "市"}[word]
        kind = k % 7
        profile = "strong" if kind == 0 else ("laggard" if kind == 1 else "average")
        if profile == "strong":
            plan = CountyPlan(1.2, 0.09, 1.12, 1.2, "county")
        elif profile == "laggard":
            plan = CountyPlan(-0.2, 0.022, 0.72, 0.48, "county")
        else:
            plan = CountyPlan(
                float(rng.uniform(0.3, 0.9)),
                float(rng.uniform(0.045, 0.065)),
                float(rng.uniform(0.9, 1.08)),
                float(rng.uniform(0.75, 1.05)),
                "county",
            )
        targets = {3: "county+towns", 4: "towns"}.get(k % 9, "county")
        if c >= 6 and k == c - 1:
            targets = "none"
        plan = CountyPlan(plan.base, plan.hazard, plan.pace2025, plan.pace2026, targets)
        out.append((code, pairs[picks[k]] + suffix, word, int(counts[k]), plan))
    return out


def _generated_stems(n: int, rng: np.random.Generator) -> list[str]:
    pairs = [a + b for a in SYLLABLES for b in SYLLABLES if a != b]
    if n <= len(pairs):
        return [pairs[i] for i in rng.choice(len(pairs), size=n, replace=False)]
    return [pairs[i] for i in rng.integers(0, len(pairs), size=n)]


# --- the enterprises ---------------------------------------------------------------------------


@dataclass
class Population:
    """The enterprises of one chunk over the whole simulated time axis (months 0..21)."""

    ids: np.ndarray
    unit: np.ndarray  # unit index
    county: np.ndarray
    birth: np.ndarray  # month set up; -1: before 2025
    close: np.ndarray  # month closed; NEVER
    close_status: np.ndarray  # index into STATUSES
    e0: np.ndarray
    growth: np.ndarray
    industry: np.ndarray
    ownership: np.ndarray
    area: np.ndarray
    form: np.ndarray
    reason: np.ndarray  # index into REASONS; -1: left empty
    union_m: np.ndarray  # month the union was set up (negative: before 2025); NEVER
    union_day: np.ndarray  # ordinal; -1
    ratio0: np.ndarray
    migrant_frac: np.ndarray
    dispatch_frac: np.ndarray
    migrant_member_factor: np.ndarray
    congress_m: np.ndarray
    wage_m: np.ndarray
    uscc: np.ndarray
    names: list[str]
    # demo only: planted data problems
    omitted: dict[int, set[int]] = field(default_factory=dict)  # month -> local indexes
    members_extra: dict[int, tuple[int, int, int]] = field(
        default_factory=dict
    )  # idx -> from, to, +n
    migrant_extra: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    # idx -> from, to: months whose ledger leaves 未建会原因 empty (filled in once listed)
    reason_gaps: dict[int, tuple[int, int]] = field(default_factory=dict)
    # drawn from their own stream (see follow_up) so that the figures above stay as they were
    dispatch_member_factor: np.ndarray = field(default_factory=lambda: np.zeros(0))
    federation: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    plan_m: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # NEVER: none
    responsible: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    female_frac: np.ndarray = field(default_factory=lambda: np.zeros(0))
    female_member_factor: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.ids)

    def employees(self, m: int) -> np.ndarray:
        return np.maximum(1, np.rint(self.e0 * np.exp(self.growth * (m + 1)))).astype(np.int64)

    def ratio(self, m: int) -> np.ndarray:
        return np.minimum(1.0, self.ratio0 + 0.0025 * (m - np.maximum(self.union_m, 0)))

    def listed(self, m: int, first: int) -> np.ndarray:
        return (self.birth <= m) & (self.close >= first)

    def active(self, m: int) -> np.ndarray:
        return (self.birth <= m) & (self.close > m)


def simulate(world: World, chunk: int, start_id: int, n: int) -> Population:
    """Draw n enterprises and their history; the same arguments always give the same result."""
    rng = np.random.default_rng([SEED, world.scale_id, 2, chunk])
    n_birth = round(n * BIRTH_SHARE)
    birth = np.full(n, -1, dtype=np.int64)
    birth[n - n_birth :] = rng.integers(0, LAST_MONTH + 1, n_birth)
    unit = world.host[rng.choice(len(world.host), size=n, p=world.host_p)]
    county = world.county_of[unit]
    industry = rng.choice(len(INDUSTRIES), size=n, p=INDUSTRY_P)
    ownership = rng.choice(len(OWNERSHIPS), size=n, p=OWNERSHIP_P)
    area = rng.choice(len(AREA_TYPES), size=n, p=AREA_P)
    size = rng.lognormal(np.log(16), 1.2, n) * INDUSTRY_SIZE[industry] * OWNERSHIP_SIZE[ownership]
    size = np.where(
        rng.random(n) < 0.002, size * rng.uniform(5, 15, n), size
    )  # a few big employers
    e0 = np.clip(np.rint(size), 3, 30_000)
    growth = rng.normal(0.001, 0.005, n)

    close = np.maximum(birth, 0) + rng.geometric(CLOSE_HAZARD, n)
    close[close > LAST_MONTH] = NEVER
    close_status = rng.choice([1, 2, 3], size=n, p=[0.7, 0.15, 0.15])

    logit = world.base[unit] + 1.1 * np.log(e0 / 25) + OWNERSHIP_BONUS[ownership]
    initially = (birth < 0) & (rng.random(n) < 1 / (1 + np.exp(-logit)))
    at_birth = (birth >= 0) & (rng.random(n) < 0.05)
    hazard = np.clip(world.hazard[unit] * np.clip((e0 / 25) ** 0.35, 0.4, 2.5), 0.001, 0.6)
    wait = rng.geometric(hazard) - 1
    start = np.maximum(birth, 0)
    back = np.minimum(rng.exponential(5 * 365, n), 17 * 365).astype(np.int64)
    old_day = date(2024, 12, 31).toordinal() - back
    union_m = np.where(
        initially, MONTH_OF_DAY[old_day - EPOCH], np.where(at_birth, birth, start + wait)
    )
    union_m[union_m > LAST_MONTH] = NEVER
    in_window = (union_m >= 0) & (union_m <= LAST_MONTH)
    mw = np.clip(union_m, 0, LAST_MONTH)
    new_day = _MONTH_FIRST_ORD[mw] + (rng.random(n) * _MONTH_DAYS[mw]).astype(np.int64)
    union_day = np.where(initially, old_day, np.where(in_window, new_day, -1))

    ratio0 = np.maximum(0.35, rng.beta(9, 1.6, n))
    migrant_frac = np.clip(INDUSTRY_MIGRANT[industry] * rng.uniform(0.3, 1.4, n), 0, 0.95)
    dispatch_frac = np.where(rng.random(n) < 0.25, rng.uniform(0.02, 0.2, n), 0.0)
    mm_factor = rng.uniform(0.85, 1.0, n)
    pc = np.where(e0 >= 100, 0.2, np.where(e0 >= 25, 0.06, 0.02))
    congress_m = union_m + rng.geometric(pc) - 1
    wage_m = union_m + rng.geometric(pc * 0.7) - 1

    small = e0 < 25
    form = np.where(
        small,
        rng.choice(4, size=n, p=[0.1, 0.4, 0.35, 0.15]),
        rng.choice(4, size=n, p=[0.9, 0.1, 0.0, 0.0]),
    )
    reason = np.where(
        small,
        rng.choice([2, 3, 0, 5], size=n, p=[0.5, 0.25, 0.15, 0.1]),
        rng.choice([0, 1, 3, 4, 5], size=n, p=[0.4, 0.25, 0.15, 0.12, 0.08]),
    )
    reason[(e0 < 15) & (rng.random(n) < 0.1)] = -1

    ids = np.arange(start_id, start_id + n, dtype=np.int64)
    county_idx = np.maximum(county, 0)
    uscc = make_usccs(ids, world.admin_digits[county_idx])
    names = _enterprise_names(
        world, rng, unit, county, industry, ownership, unique=world.scale.mixed_formats
    )
    pop = Population(
        ids, unit, county, birth, close, close_status, e0, growth, industry, ownership, area,
        form, reason, union_m, union_day, ratio0, migrant_frac, dispatch_frac, mm_factor,
        congress_m, wage_m, uscc, names,
    )  # fmt: skip
    follow_up(world, pop, chunk)
    women(world, pop, chunk)
    return pop


def women(world: World, pop: Population, chunk: int) -> None:
    """Female employees and members (女职工): a stream of their own, so nothing above changes."""
    rng = np.random.default_rng([SEED, world.scale_id, 12, chunk])
    n = len(pop)
    pop.female_frac = np.clip(rng.normal(0.42, 0.12, n), 0.05, 0.9)
    pop.female_member_factor = rng.uniform(0.85, 1.05, n)


def follow_up(world: World, pop: Population, chunk: int) -> None:
    """Agency members, federations and the four clear things (progress, who, by when).

    Drawn from a stream of their own so that every figure drawn before them is unchanged.
    """
    rng = np.random.default_rng([SEED, world.scale_id, 11, chunk])
    n = len(pop)
    pop.dispatch_member_factor = rng.uniform(0.3, 1.0, n)
    # Regional federations are the township's (of its zone, park, building or market); industry
    # federations the county's, so one federation covers enterprises of several townships.
    unit_names = np.array([u.name for u in world.units], dtype=object)
    county_names = np.array(
        [world.county_unit(c).name for c in range(len(world.counties))], dtype=object
    )
    area_word = np.where(pop.area < 4, AREA_TYPES[np.minimum(pop.area, 3)], "").astype(object)
    regional = unit_names[pop.unit] + area_word + "联合工会"
    trade = county_names[np.maximum(pop.county, 0)] + INDUSTRY_NAMES[pop.industry].astype(object)
    trade = trade + "行业联合工会"
    pop.federation = np.where(pop.form == 2, regional, np.where(pop.form == 3, trade, ""))
    # The month the union is planned for: about when it comes, a few months early for some
    # (they fall overdue), or a guess for enterprises that never set one up in the window.
    shift = rng.choice([-3, -1, 0, 0, 1], size=n)
    guess = rng.integers(0, LAST_MONTH + 4, n)
    never = pop.union_m >= NEVER
    plan = np.where(never, np.where(rng.random(n) < 0.5, guess, NEVER), pop.union_m + shift)
    plan = np.maximum(plan, 0)
    pop.plan_m = np.where((pop.union_m >= 0) | never, plan, NEVER).astype(np.int64)
    surname = np.array(list(SURNAMES), dtype=object)[rng.integers(0, len(SURNAMES), n)]
    given = np.array(list(GIVEN), dtype=object)
    name = (
        surname
        + given[rng.integers(0, len(GIVEN), n)]
        + np.where(rng.random(n) < 0.7, given[rng.integers(0, len(GIVEN), n)], "")
    )
    pop.responsible = np.where(rng.random(n) < 0.75, name, "")


PROGRESS = np.array(["未联系", "已联系", "筹备中"])


def progress_of(pop: Population, idx: np.ndarray, m: int) -> np.ndarray:
    """推进情况 at the end of month m of not-unionized enterprises (index into PROGRESS)."""
    ahead = pop.union_m[idx] - m
    planned = pop.plan_m[idx] < NEVER
    return np.where(ahead <= 1, 2, np.where((ahead <= 4) | planned, 1, 0))


def _enterprise_names(
    world: World,
    rng: np.random.Generator,
    unit: np.ndarray,
    county: np.ndarray,
    industry: np.ndarray,
    ownership: np.ndarray,
    unique: bool,
) -> list[str]:
    """Names like 云栖县恒达机械制造有限公司, built column-wise; unique ones for the demo."""
    n = len(unit)
    brand = rng.integers(0, len(BRANDS), n)
    word = rng.integers(0, 1000, n)
    form = rng.random(n)
    county_names = np.array(
        [
            CITY_NAME if u.level_word == "县市区" else u.name
            for u in (world.county_unit(c) for c in range(len(world.counties)))
        ]
    )
    town_names = np.array([u.name for u in world.units])
    brands = np.array(BRANDS)
    words = np.array([w for ind in INDUSTRIES for w in ind[4]])
    counts = np.array([len(ind[4]) for ind in INDUSTRIES])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])

    def compose(idx: np.ndarray, attempt: int) -> np.ndarray:
        b = brands[(brand[idx] + attempt * 7) % len(BRANDS)]
        ind = industry[idx]
        w = words[offsets[ind] + (word[idx] + attempt) % counts[ind]]
        own, f = ownership[idx], form[idx]
        cn, tn = county_names[county[idx]], town_names[unit[idx]]
        cases = [
            (own == 0) & (f < 0.5),
            own == 0,
            (own == 1) & (ind == 0),
            (own == 3) | (own == 4),
            f < 0.55,
            f < 0.8,
            f > 0.97,
        ]
        prefix = np.select(cases, ["示例市", cn, tn, "", cn, "示例市", "示例"], "")
        suffix = np.select(
            cases,
            [
                "集团有限公司",
                "有限责任公司",
                "厂",
                "（示例）有限公司",
                "有限公司",
                "有限公司",
                "股份有限公司",
            ],
            "（示例）有限公司",
        )
        return np.strings.add(np.strings.add(np.strings.add(prefix, b), w), suffix)

    names: list[str] = compose(np.arange(n), 0).tolist()
    for attempt in range(1, 40 if unique else 0):
        seen: set[str] = set()
        dup = []
        for i, name in enumerate(names):
            if name in seen:
                dup.append(i)
            seen.add(name)
        if not dup:
            break
        idx = np.array(dup)
        for i, name in zip(dup, compose(idx, attempt).tolist(), strict=True):
            names[i] = name
    return names


def plant_problems(pop: Population, first: int) -> None:
    """Plant the few data warnings the demo shows (no errors)."""
    whole = (pop.birth < 0) & (pop.close == NEVER)
    unionized_early = pop.union_m < first
    order = np.argsort(pop.ids)

    # Priority enterprises whose 未建会原因 is left empty for a month or a few, until the county
    # fills it in after its problem list: one from the first period, then enterprises set up
    # later, empty from their first ledger on (a few each month, as a real office sees them).
    for start, length in (
        (first, 2),
        (first + 2, 3),
        (first + 5, 3),
        (first + 8, 4),
        (first + 10, 2),
    ):
        end = min(start + length - 1, LAST_MONTH)
        born = whole if start == first else (pop.birth == start) & (pop.close == NEVER)
        size = (pop.employees(start) >= 30) & (pop.employees(end) >= 30) & (pop.e0 < 200)
        i = int(order[(born & size & (pop.union_m > end))[order]][0])
        pop.reason[i] = max(int(pop.reason[i]), 0)
        pop.reason_gaps[i] = (start, end)

    ok = whole & unionized_early & (pop.e0 >= 30) & (pop.e0 <= 200)
    picks = [int(j) for j in order[ok[order]]]
    # Members slightly above employees in one enterprise (2026-09 and 2026-10).
    pop.members_extra[picks[0]] = (LAST_MONTH - 1, LAST_MONTH, 2)
    # Migrant members above migrant workers in another (2026-03 to 2026-05).
    migr = [i for i in picks[1:] if pop.migrant_frac[i] > 0.3]
    pop.migrant_extra[migr[0]] = (14, 16, 1)
    # Enterprises left out of a snapshot (W-ENT-MISSING): one in 2026-06, two in 2026-10.
    rest = [i for i in picks[10:] if i not in pop.migrant_extra]
    if first <= 17:
        pop.omitted[17] = {rest[0]}
    pop.omitted[LAST_MONTH] = {rest[5], rest[9]}


@dataclass
class Snapshot:
    """The ledger rows of one month: enterprise indexes and their figures."""

    m: int
    idx: np.ndarray
    employees: np.ndarray
    migrant: np.ndarray
    dispatch: np.ndarray
    dispatch_members: np.ndarray
    unionized: np.ndarray
    union_day: np.ndarray
    members: np.ndarray
    migrant_members: np.ndarray
    congress: np.ndarray
    wage: np.ndarray
    status: np.ndarray
    female: np.ndarray
    female_members: np.ndarray


def snapshot(pop: Population, m: int, first: int) -> Snapshot:
    """The ledger at the end of month m."""
    keep = pop.listed(m, first)
    for i in pop.omitted.get(m, ()):
        keep[i] = False
    idx = np.flatnonzero(keep)
    emp = pop.employees(m)[idx]
    uni = pop.union_m[idx] <= m
    members = np.where(uni, np.maximum(1, np.floor(emp * pop.ratio(m)[idx])), 0).astype(np.int64)
    migrant = np.floor(emp * pop.migrant_frac[idx]).astype(np.int64)
    dispatch = np.floor(emp * pop.dispatch_frac[idx]).astype(np.int64)
    mm = np.floor(migrant * np.minimum(1.0, pop.ratio(m)[idx] * pop.migrant_member_factor[idx]))
    migrant_members = np.where(uni, mm, 0).astype(np.int64)
    dm = np.floor(dispatch * np.minimum(1.0, pop.ratio(m)[idx] * pop.dispatch_member_factor[idx]))
    dispatch_members = np.where(uni, dm, 0).astype(np.int64)
    status = np.where(pop.close[idx] <= m, pop.close_status[idx], 0)
    female = np.floor(emp * pop.female_frac[idx]).astype(np.int64)
    fm = np.floor(female * np.minimum(1.0, pop.ratio(m)[idx] * pop.female_member_factor[idx]))
    female_members = np.where(uni, fm, 0).astype(np.int64)
    position = (
        {int(v): k for k, v in enumerate(idx)} if (pop.members_extra or pop.migrant_extra) else {}
    )
    for i, (a, b, extra) in pop.members_extra.items():
        if a <= m <= b and i in position:
            members[position[i]] = emp[position[i]] + extra
    for i, (a, b, extra) in pop.migrant_extra.items():
        if a <= m <= b and i in position:
            migrant_members[position[i]] = migrant[position[i]] + extra
    return Snapshot(
        m,
        idx,
        emp,
        migrant,
        dispatch,
        dispatch_members,
        uni,
        pop.union_day[idx],
        members,
        migrant_members,
        uni & (pop.congress_m[idx] <= m),
        uni & (pop.wage_m[idx] <= m),
        status,
        female,
        female_members,
    )


# --- per-unit aggregates (targets, volunteers, tuning) ------------------------------------------

AGG_FIELDS = (
    "active",
    "unionized",
    "qualifying",
    "ytd_new",
    "members",
    "union_employees",
    "new_unions",
)


class Aggregates:
    """Per-unit monthly counts over all chunks: what the targets and volunteers are set from."""

    def __init__(self, world: World) -> None:
        self.world = world
        n = len(world.units)
        self.data = {f: np.zeros((n, LAST_MONTH + 1)) for f in AGG_FIELDS}
        # The months targets are set from (year starts and ends) and the reported periods.
        self.months = sorted({0, 10, 11, *range(first_period(world.scale), LAST_MONTH + 1)})

    def add(self, pop: Population) -> None:
        n = len(self.world.units)
        for m in self.months:
            act = pop.active(m)
            emp = pop.employees(m)
            uni = act & (pop.union_m <= m)
            year_start = (m // 12) * 12
            ytd = uni & (pop.union_m >= year_start)
            members = np.maximum(1, np.floor(emp * pop.ratio(m)))
            counts = {
                "active": act,
                "unionized": uni,
                "qualifying": act & (emp >= 25),
                "ytd_new": ytd,
                "new_unions": uni & (pop.union_m == m),
            }
            for name, mask in counts.items():
                self.data[name][:, m] += np.bincount(pop.unit[mask], minlength=n)
            self.data["members"][:, m] += np.bincount(pop.unit[uni], members[uni], minlength=n)
            self.data["union_employees"][:, m] += np.bincount(pop.unit[uni], emp[uni], minlength=n)

    def unit(self, name: str, u: int) -> np.ndarray:
        return self.data[name][u]

    def county(self, name: str, c: int) -> np.ndarray:
        """County value: its townships plus the enterprises registered to the county itself."""
        rows = [self.world.counties[c], *self.world.county_towns[c]]
        return self.data[name][rows].sum(axis=0)

    def city(self, name: str) -> np.ndarray:
        return self.data[name].sum(axis=0)


# --- writing files -----------------------------------------------------------------------------


class Output:
    """Write files under a project folder and remember them, to prune stale generated files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: set[Path] = set()

    def write(self, rel: str, data: bytes | str, encoding: str = "utf-8") -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = data.encode(encoding) if isinstance(data, str) else data
        path.write_bytes(raw)
        self.written.add(path.resolve())
        return path

    def claim(self, rel: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self.written.add(path.resolve())
        return path

    def prune(self, *folders: str) -> None:
        """Remove files under the given folders that this run did not write."""
        for folder in folders:
            base = self.root / folder
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*"), reverse=True):
                if path.is_file() and path.resolve() not in self.written:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()


@dataclass(frozen=True)
class Style:
    """How one county-made file looks: format, encoding, headers and how values are written."""

    kind: str = "csv"  # csv | xlsx | xls | ods
    encoding: str = "utf-8-sig"
    headers: str = "zh"  # zh | en | zh2 (the second Chinese alias where there is one)
    dates: str = "iso"  # iso | slash | dot | cn | compact | excel
    bools: tuple[str, str] = ("是", "否")
    thousands: bool = False
    suffix: bool = False  # 人 after head counts
    extra: bool = False  # an unknown 备注 column
    title: bool = False  # merged title row and 填报单位 line
    two_row_header: bool = False
    total: bool = False
    notes: bool = False
    numeric_codes: bool = False
    newline: str = "\n"


# The enterprise ledgers of the last twelve periods, oldest first, as counties send them.
LEDGER_STYLES = (
    Style(newline="\r\n"),
    Style("xlsx", dates="excel", title=True, total=True, notes=True),
    Style(encoding="gb18030", dates="slash", thousands=True, newline="\r\n"),
    Style(encoding="utf-8", headers="en", bools=("Y", "N")),
    Style("xlsx", dates="cn", title=True, two_row_header=True, total=True, notes=True),
    Style(dates="dot", suffix=True, extra=True, newline="\r\n"),
    Style(encoding="gb18030", headers="zh2", dates="compact", bools=("√", "×"), newline="\r\n"),
    Style("xlsx", dates="excel", numeric_codes=True),
    Style(newline="\r\n"),
    Style("xlsx", dates="excel", two_row_header=True, total=True),
    Style(encoding="gb18030", dates="slash", newline="\r\n"),
    Style("xlsx", dates="excel", title=True, two_row_header=True, total=True, notes=True),
)

HEADCOUNTS = {
    "employees",
    "migrant_workers",
    "dispatch_workers",
    "members",
    "migrant_members",
    "dispatch_members",
    "female_workers",
    "female_members",
}
LEDGER_GROUPS = (
    ("企业基本情况", ("uscc", "name", "unit", "industry", "ownership", "area_type")),
    ("职工情况", ("employees", "migrant_workers", "dispatch_workers")),
    (
        "工会组建情况",
        ("unionized", "union_date", "members", "migrant_members", "dispatch_members", "union_form"),
    ),
    ("民主管理", ("workers_congress", "wage_bargaining")),
    ("", ("not_unionized_reason",)),
    ("", ("status",)),
    ("", ("federation",)),
    ("推进建会情况", ("progress", "responsible", "planned_on")),
    ("女职工情况", ("female_workers", "female_members")),
)
FIXED_TIME = datetime(2026, 11, 3, 9, 0, 0)


def header(roster: str, column: str, style: Style) -> str:
    col = specs.ROSTERS[roster].column(column)
    if style.headers == "en":
        return col.name
    if style.headers == "zh2" and len(col.aliases) > 1:
        return col.aliases[1].replace("(", "（").replace(")", "）")
    return col.aliases[0]


def format_date(d: date, how: str) -> str:
    if how == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if how == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if how == "cn":
        return cn_date(d)
    if how == "compact":
        return d.strftime("%Y%m%d")
    return d.isoformat()


def cell_text(column: str, value: Any, style: Style) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return style.bools[0 if value else 1]
    if isinstance(value, int):
        text = f"{value:,}" if style.thousands else str(value)
        return text + "人" if style.suffix and column in HEADCOUNTS else text
    if isinstance(value, date):
        return format_date(value, "iso" if style.dates == "excel" else style.dates)
    return str(value)


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[str]], style: Style) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=style.newline)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode(style.encoding)


def roster_bytes(
    roster: str, records: Sequence[dict[str, Any]], columns: Sequence[str], style: Style
) -> bytes:
    heads = [header(roster, c, style) for c in columns]
    rows = [[cell_text(c, r.get(c), style) for c in columns] for r in records]
    return csv_bytes(heads, rows, style)


def stable_xlsx(wb: Any) -> bytes:
    """Save a workbook with fixed document dates and zip timestamps (byte-identical reruns)."""
    wb.properties.creator = "示例市总工会"
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rf"\g<1>{stamp}\2",
                    text,
                )
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
    return out.getvalue()


def ledger_xlsx(
    m: int, records: list[dict[str, Any]], columns: Sequence[str], style: Style
) -> bytes:
    """An enterprise ledger as a county sends it from Excel: title, merged header, total, notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "企业建会台账"
    ncol = len(columns)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(bold=True)
    row = 1
    y, mo = month_ym(m)
    reported = month_last(m) + timedelta(days=3)
    if style.title:
        ws.cell(1, 1, f"{y}年{mo}月企业建会台账").font = Font(bold=True, size=16)
        ws.cell(1, 1).alignment = center
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
        ws.cell(2, 1, "填报单位：示例市总工会组织部（各县市区汇总）")
        ws.cell(2, ncol - 2, f"填报日期：{cn_date(reported)}")
        row = 3
    heads = [header("enterprises", c, style) for c in columns]
    if style.two_row_header:
        col = 1
        for group, members in LEDGER_GROUPS:
            present = [c for c in members if c in columns]
            if not present:
                continue
            if group:
                ws.cell(row, col, group)
                ws.merge_cells(
                    start_row=row, start_column=col, end_row=row, end_column=col + len(present) - 1
                )
                for k in range(len(present)):
                    ws.cell(row + 1, col + k, heads[col - 1 + k])
            else:
                ws.cell(row, col, heads[col - 1])
                ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)
            col += len(present)
        for r in (row, row + 1):
            for c in range(1, ncol + 1):
                ws.cell(r, c).alignment = center
                ws.cell(r, c).font = bold
        row += 2
    else:
        for c, text in enumerate(heads, 1):
            ws.cell(row, c, text).font = bold
        row += 1
    for record in records:
        for c, column in enumerate(columns, 1):
            ws.cell(row, c, _xlsx_value(column, record.get(column), style))
        row += 1
    if style.total:
        ws.cell(row, 1, "合计").font = bold
        for c, column in enumerate(columns, 1):
            if column in HEADCOUNTS:
                ws.cell(row, c, sum(int(r.get(column) or 0) for r in records)).font = bold
        row += 1
    if style.notes:
        ws.cell(
            row,
            1,
            "注：1. 职工人数25人以上的未建会企业须填写未建会原因；2. 经营状态填写存续、注销、吊销或迁出。",
        )
        ws.cell(row + 1, 1, f"填表人：周敏　　审核人：陈立新　　填报日期：{cn_date(reported)}")
    widths = {
        "uscc": 22,
        "name": 36,
        "unit": 12,
        "industry": 20,
        "union_date": 12,
        "not_unionized_reason": 16,
    }
    for c, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(column, 10)
    return stable_xlsx(wb)


def _xlsx_value(column: str, value: Any, style: Style) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return style.bools[0 if value else 1]
    if isinstance(value, date):
        return value if style.dates == "excel" else format_date(value, style.dates)
    if column == "unit" and style.numeric_codes:
        return int(value)  # what Excel does to a code column left as "General"
    return value


LEDGER_COLUMNS = tuple(c.name for c in specs.ENTERPRISES.columns)


def ledger_records(world: World, pop: Population, snap: Snapshot) -> list[dict[str, Any]]:
    """The rows of a snapshot as Python values (None where the ledger leaves a cell empty)."""
    out = []
    for k, i in enumerate(snap.idx.tolist()):
        uni = bool(snap.unionized[k])
        reason = int(pop.reason[i])
        gap = pop.reason_gaps.get(i)
        if gap is not None and gap[0] <= snap.m <= gap[1]:
            reason = -1
        out.append(
            {
                "uscc": str(pop.uscc[i]),
                "name": pop.names[i],
                "unit": world.units[pop.unit[i]].code,
                "industry": str(INDUSTRY_NAMES[pop.industry[i]]),
                "ownership": str(OWNERSHIPS[pop.ownership[i]]),
                "area_type": str(AREA_TYPES[pop.area[i]]),
                "employees": int(snap.employees[k]),
                "migrant_workers": int(snap.migrant[k]),
                "dispatch_workers": int(snap.dispatch[k]),
                "unionized": uni,
                "union_date": date.fromordinal(int(snap.union_day[k])) if uni else None,
                "members": int(snap.members[k]) if uni else None,
                "migrant_members": int(snap.migrant_members[k]) if uni else None,
                "union_form": str(UNION_FORMS[pop.form[i]]) if uni else None,
                "workers_congress": bool(snap.congress[k]) if uni else None,
                "wage_bargaining": bool(snap.wage[k]) if uni else None,
                "not_unionized_reason": None if uni or reason < 0 else str(REASONS[reason]),
                "status": str(STATUSES[snap.status[k]]),
                "dispatch_members": int(snap.dispatch_members[k]) if uni else None,
                "female_workers": int(snap.female[k]),
                "female_members": int(snap.female_members[k]) if uni else None,
                "federation": str(pop.federation[i]) or None if uni else None,
                **_four_clear(pop, i, snap.m, uni),
            }
        )
    return out


def _four_clear(pop: Population, i: int, m: int, unionized: bool) -> dict[str, Any]:
    if unionized:
        return {"progress": None, "responsible": None, "planned_on": None}
    plan = int(pop.plan_m[i])
    return {
        "progress": str(PROGRESS[progress_of(pop, np.array([i]), m)[0]]),
        "responsible": str(pop.responsible[i]) or None,
        "planned_on": month_last(plan) if plan < NEVER else None,
    }


_REMARKS = ("已更名", "新设立", "地址变更", "职工人数已核实", "拟于下月建会")


def write_ledger_mixed(out: Output, world: World, pop: Population, m: int, style: Style) -> None:
    records = ledger_records(world, pop, snapshot(pop, m, first_period(world.scale)))
    records.sort(key=lambda r: r["unit"])  # counties send their ledgers township by township
    columns = list(LEDGER_COLUMNS)
    rel = f"data/{period_name(m)}/enterprises"
    if style.kind == "xlsx":
        out.write(rel + ".xlsx", ledger_xlsx(m, records, columns, style))
        return
    heads = [header("enterprises", c, style) for c in columns]
    rows = [[cell_text(c, r.get(c), style) for c in columns] for r in records]
    if style.extra:
        heads.append("备注")
        for k, r in enumerate(rows):
            r.append(_REMARKS[k % len(_REMARKS)] if k % 97 == 5 else "")
    out.write(rel + ".csv", csv_bytes(heads, rows, style))


# --- the demo's last period as the counties send it ----------------------------------------------


@dataclass(frozen=True)
class CountyFile:
    """One county's ledger of the demo's last period, as its office saved it."""

    name: str  # the file name the county gave it
    style: Style
    sheet: str = "企业建会台账"
    blank_rows: bool = False  # an empty row after each township's rows
    subtotals: bool = False  # a 小计 row after each township's rows
    template: bool = False  # the returned collection template, its other sheets left empty


#: Per county code: each office's own file name, program and habits (CONTRACT §1.1).
COUNTY_FILES: dict[str, CountyFile] = {
    "990102": CountyFile(
        "明湖区-填报模板（10月）.xlsx", Style("xlsx", dates="excel"), template=True
    ),
    "990103": CountyFile(
        "星湾区10月工会组建台账.xlsx",
        Style("xlsx", dates="excel", title=True, two_row_header=True, total=True, notes=True),
    ),
    "990104": CountyFile(
        "晴川区2026年10月企业建会台账.xls",
        Style("xls", dates="excel", title=True, total=True, notes=True),
        sheet="Sheet1",
    ),
    "990121": CountyFile(
        "云栖县企业建会台账（10月）.ods",
        Style("ods", dates="excel", total=True),
        sheet="台账",
        subtotals=True,
    ),
    "990122": CountyFile(
        "松岚县10月建会台账.XLSX", Style("xlsx", dates="excel", title=True, numeric_codes=True)
    ),
    "990123": CountyFile(
        "禾丰县工会组建情况统计表（2026年10月）.csv",
        Style(encoding="gb18030", dates="slash", newline="\r\n"),
    ),
    "990124": CountyFile(
        "桐湾县总工会企业建会台账2026.10.xlsx",
        Style("xlsx", dates="cn", bools=("√", "×"), total=True, notes=True),
        sheet="10月",
        blank_rows=True,
    ),
    "990181": CountyFile(
        "鹭洲市10月份台账.xlsx", Style("xlsx", headers="zh2", dates="excel", title=True, total=True)
    ),
    "990171": CountyFile("高新区10月台账.csv", Style(newline="\r\n")),
}

#: The other sheets of the collection template a county was sent, as it was sent (a returned
#: workbook does not change when the program does): title and header row of each.
TEMPLATE_SHEETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("志愿者考核", ("志愿者编号", "工作汇报次数", "考核得分", "考核等次", "所属单位代码")),
    (
        "工会工作志愿者名册",
        ("编号", "姓名", "联系电话", "派驻单位代码", "上岗日期", "离岗日期", "选聘方式"),
    ),
    (
        "工人先锋号",
        ("班组名称", "所在企业", "所属单位代码", "级别", "状态", "申报日期", "命名日期"),
    ),
    ("职工书屋", ("书屋名称", "所在单位", "所属单位代码", "级别", "建成日期", "藏书册数")),
    ("模范职工之家", ("名称", "所在单位", "所属单位代码", "级别", "建成日期")),
    ("职工驿站", ("驿站名称", "所在单位", "所属单位代码", "级别", "建成日期")),
    (
        "督查情况",
        ("督查日期", "被督查单位代码", "督查人", "发现问题", "整改期限", "整改完成日期"),
    ),
)


@dataclass
class Sheet:
    """A worksheet as rows of Python values, with its merged areas (0-based, inclusive)."""

    title: str
    rows: list[list[Any]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    bold_rows: set[int] = field(default_factory=set)


def write_ledger_by_county(out: Output, world: World, pop: Population, m: int) -> None:
    """The last period as one file per county, each as its office makes it (CONTRACT §1.1)."""
    records = ledger_records(world, pop, snapshot(pop, m, first_period(world.scale)))
    records.sort(key=lambda r: r["unit"])
    columns = list(LEDGER_COLUMNS)
    received: list[list[str]] = []
    for c in range(len(world.counties)):
        county = world.county_unit(c)
        spec = COUNTY_FILES[county.code]
        rows = [r for r in records if r["unit"][:6] == county.code]
        rel = f"data/{period_name(m)}/{spec.name}"
        kind = spec.style.kind
        if kind == "csv":
            heads = [header("enterprises", col, spec.style) for col in columns]
            cells = [[cell_text(col, r.get(col), spec.style) for col in columns] for r in rows]
            data = csv_bytes(heads, cells, spec.style)
        else:
            sheets = [county_ledger_sheet(world, m, county, rows, columns, spec)]
            if spec.template:
                sheets = [_unit_code_sheet(world, c), *sheets, *_empty_roster_sheets()]
            writer = {"xlsx": sheets_xlsx, "xls": sheets_xls, "ods": sheets_ods}[kind]
            data = writer(sheets, spec.style)
        out.write(rel, data)
        # as `bulletin intake` records a file it received: most by the 5th, one late
        when = datetime.combine(month_last(m), datetime.min.time()) + RECEIVED_AFTER.get(
            county.code, timedelta(days=3 + c % 2, hours=9 + c, minutes=7 * c)
        )
        digest = hashlib.sha256(data).hexdigest()
        received.append([spec.name, county.code, when.isoformat(sep=" "), spec.name, digest])
    table = io.StringIO()
    writer_ = csv.writer(table, lineterminator="\r\n")
    writer_.writerow(RECEIVED_HEADERS[:5])  # the record's first columns: what intake wrote then
    writer_.writerows(received)
    out.write(f"data/{period_name(m)}/{RECEIVED}", table.getvalue())


#: Counties whose ledger of the last period came in after the deadline (the 5th): 报送情况.
RECEIVED_AFTER = {"990124": timedelta(days=8, hours=16, minutes=20)}


def county_ledger_sheet(
    world: World,
    m: int,
    county: Unit,
    records: list[dict[str, Any]],
    columns: Sequence[str],
    spec: CountyFile,
) -> Sheet:
    """A county's ledger sheet: title, header, rows by township, 小计/合计 and notes as styled."""
    style = spec.style
    sheet = Sheet(spec.sheet)
    ncol = len(columns)
    y, mo = month_ym(m)
    reported = month_last(m) + timedelta(days=3)

    def line(*cells: tuple[int, Any]) -> list[Any]:
        row: list[Any] = [None] * ncol
        for c, value in cells:
            row[c] = value
        return row

    if style.title:
        sheet.rows.append(line((0, f"{county.name}{y}年{mo}月企业建会台账")))
        sheet.merges.append((0, 0, 0, ncol - 1))
        sheet.bold_rows.add(0)
        sheet.rows.append(
            line(
                (0, f"填报单位：{county.name}总工会（盖章）"),
                (ncol - 3, f"填报日期：{cn_date(reported)}"),
            )
        )
    heads = [header("enterprises", c, style) for c in columns]
    top = len(sheet.rows)
    if style.two_row_header:
        upper, lower = [None] * ncol, [None] * ncol
        col = 0
        for group, members in LEDGER_GROUPS:
            present = [c for c in members if c in columns]
            if not present:
                continue
            if group:
                upper[col] = group
                sheet.merges.append((top, col, top, col + len(present) - 1))
                lower[col : col + len(present)] = heads[col : col + len(present)]
            else:
                upper[col] = heads[col]
                sheet.merges.append((top, col, top + 1, col))
            col += len(present)
        sheet.rows += [upper, lower]
        sheet.bold_rows |= {top, top + 1}
    else:
        sheet.rows.append(heads)
        sheet.bold_rows.add(top)

    def sums(label: str, group: list[dict[str, Any]]) -> list[Any]:
        row = line((0, label))
        for c, column in enumerate(columns):
            if column in HEADCOUNTS:
                row[c] = sum(int(r.get(column) or 0) for r in group)
        return row

    names = {u.code: u.name for u in world.units}
    units = list(dict.fromkeys(r["unit"] for r in records))
    for unit in units:
        group = [r for r in records if r["unit"] == unit]
        for record in group:
            sheet.rows.append([_xlsx_value(c, record.get(c), style) for c in columns])
        if spec.subtotals:
            label = "县直小计" if unit == county.code else f"{names[unit]}小计"
            sheet.bold_rows.add(len(sheet.rows))
            sheet.rows.append(sums(label, group))
        if spec.blank_rows:
            sheet.rows.append([None] * ncol)
    if style.total:
        sheet.bold_rows.add(len(sheet.rows))
        sheet.rows.append(sums("合计", records))
    if style.notes:
        sheet.rows.append(
            line(
                (
                    0,
                    "注：职工人数25人以上的未建会企业须填写未建会原因；经营状态填写存续、注销、吊销或迁出。",
                )
            )
        )
        sheet.rows.append(
            line((0, f"填表人：{_FILLERS[county.code]}　　审核人：{_CHECKERS[county.code]}"))
        )
    return sheet


_FILLERS = {"990103": "林晓燕", "990104": "王建华", "990124": "赵丽"}
_CHECKERS = {"990103": "何志强", "990104": "刘军", "990124": "孙海涛"}


def _unit_code_sheet(world: World, c: int) -> Sheet:
    county = world.county_unit(c)
    sheet = Sheet("单位代码", [["单位代码", "单位名称"], [county.code, county.name]])
    sheet.rows += [[world.units[t].code, world.units[t].name] for t in world.county_towns[c]]
    sheet.bold_rows.add(0)
    return sheet


def _empty_roster_sheets() -> list[Sheet]:
    return [Sheet(title, [list(heads)], [], {0}) for title, heads in TEMPLATE_SHEETS]


def sheets_xlsx(sheets: Sequence[Sheet], style: Style) -> bytes:
    """Sheets as an .xlsx from Excel: bold header rows, merged areas, dates formatted."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for spec in sheets:
        ws = wb.create_sheet(spec.title)
        for r, row in enumerate(spec.rows, 1):
            for c, value in enumerate(row, 1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value)
                if r - 1 in spec.bold_rows:
                    cell.font = bold
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        for r1, c1, r2, c2 in spec.merges:
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    return stable_xlsx(wb)


def sheets_xls(sheets: Sequence[Sheet], style: Style) -> bytes:
    """Sheets as an Excel 97–2003 .xls (what WPS and older Excel save), written by xlwt."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for spec in sheets:
        ws = wb.add_sheet(spec.title)
        merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in spec.merges}
        covered = {
            (r, c)
            for r1, c1, r2, c2 in spec.merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
        }
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                fmt = bold if r in spec.bold_rows else day if isinstance(value, date) else None
                if (r, c) in merged:
                    r2, c2 = merged[(r, c)]
                    ws.write_merge(r, r2, c, c2, value, *(() if fmt is None else (fmt,)))
                elif value is not None and (r, c) not in covered:
                    ws.write(r, c, value, *(() if fmt is None else (fmt,)))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheets_ods(sheets: Sequence[Sheet], style: Style) -> bytes:
    """Sheets as an OpenDocument spreadsheet (LibreOffice, WPS), written by odfpy."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for spec in sheets:
        table = Table(name=spec.title)
        spans = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in spec.merges}
        covered = {
            (r, c)
            for r1, c1, r2, c2 in spec.merges
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
        } - set(spans)
        for r, row in enumerate(spec.rows):
            tr = TableRow()
            for c, value in enumerate(row):
                if (r, c) in covered:
                    tr.addElement(CoveredTableCell())
                    continue
                extra: dict[str, Any] = {}
                if (r, c) in spans:
                    extra = {
                        "numberrowsspanned": spans[(r, c)][0],
                        "numbercolumnsspanned": spans[(r, c)][1],
                    }
                if value is None:
                    tr.addElement(TableCell(**extra))
                    continue
                if isinstance(value, date):
                    cell = TableCell(valuetype="date", datevalue=value.isoformat(), **extra)
                elif isinstance(value, int):
                    cell = TableCell(valuetype="float", value=value, **extra)
                else:
                    cell = TableCell(valuetype="string", **extra)
                cell.addElement(
                    P(text=value.isoformat() if isinstance(value, date) else str(value))
                )
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.save(buf)
    return stable_ods(buf.getvalue())


def stable_ods(raw: bytes) -> bytes:
    """An .ods with fixed zip timestamps and document dates (byte-identical reruns)."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%S")
    meta = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"><office:meta>'
        f"<meta:creation-date>{stamp}</meta:creation-date><dc:date>{stamp}</dc:date>"
        "</office:meta></office:document-meta>"
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        names = [i.filename for i in src.infolist()]
        # The mimetype entry comes first and is stored, as OpenDocument requires.
        for name in ["mimetype", *(n for n in names if n != "mimetype")]:
            data = meta if name == "meta.xml" else src.read(name)
            fixed = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, data)
    return out.getvalue()


def ledger_text(world: World, pop: Population, snap: Snapshot) -> str:
    """The rows of a snapshot as plain CSV text, built column-wise (big scales)."""
    idx = snap.idx
    uni = snap.unionized

    def ints(values: np.ndarray, keep: np.ndarray | None = None) -> list[str]:
        s = values.astype(np.int64).astype(str)
        return (np.where(keep, s, "") if keep is not None else s).tolist()

    def flags(values: np.ndarray) -> list[str]:
        return np.where(uni, np.where(values, "是", "否"), "").tolist()

    reason = pop.reason[idx]
    cols = [
        pop.uscc[idx].tolist(),
        [pop.names[i] for i in idx.tolist()],
        world.codes[pop.unit[idx]].tolist(),
        INDUSTRY_NAMES[pop.industry[idx]].tolist(),
        OWNERSHIPS[pop.ownership[idx]].tolist(),
        AREA_TYPES[pop.area[idx]].tolist(),
        ints(snap.employees),
        ints(snap.migrant),
        ints(snap.dispatch),
        np.where(uni, "是", "否").tolist(),
        np.where(uni, DATE_ISO[np.where(uni, snap.union_day - EPOCH, 0)], "").tolist(),
        ints(snap.members, uni),
        ints(snap.migrant_members, uni),
        ints(snap.dispatch_members, uni),
        np.where(uni, UNION_FORMS[pop.form[idx]], "").tolist(),
        flags(snap.congress),
        flags(snap.wage),
        np.where(uni | (reason < 0), "", REASONS[np.maximum(reason, 0)]).tolist(),
        STATUSES[snap.status].tolist(),
        np.where(uni, pop.federation[idx], "").tolist(),
        np.where(uni, "", PROGRESS[progress_of(pop, idx, snap.m)]).tolist(),
        np.where(uni, "", pop.responsible[idx]).tolist(),
        np.where(
            uni | (pop.plan_m[idx] >= NEVER),
            "",
            PLAN_ISO[np.minimum(pop.plan_m[idx], LAST_MONTH + 3)],
        ).tolist(),
        ints(snap.female),
        ints(snap.female_members, uni),
    ]
    return "\n".join(map(",".join, zip(*cols, strict=True))) + "\n"


#: the last day of each month a union may be planned for, as ISO text (column-wise writer)
PLAN_ISO = np.array([month_last(m).isoformat() for m in range(LAST_MONTH + 4)])


def first_period(scale: Scale) -> int:
    return LAST_MONTH - scale.periods + 1


# --- static rosters ----------------------------------------------------------------------------


def write_units(out: Output, world: World, style: Style) -> None:
    records = []
    for order, u in enumerate(world.units, 1):
        records.append(
            {
                "code": u.code,
                "name": u.name,
                "level": u.level_word,
                "parent": u.parent or None,
                "order": order,
                "volunteer_required": u.volunteer_required or None,
                "short_name": _short_name(u.name),
            }
        )
    columns = ["code", "name", "level", "parent", "order", "volunteer_required", "short_name"]
    out.write(f"data/units.{style.kind}", roster_bytes("units", records, columns, style))


#: The usual short names of zone-type units (units.csv 简称), by how their full name ends.
_SHORT_NAMES = {"高新技术产业开发区": "高新区", "经济技术开发区": "经开区"}


def _short_name(name: str) -> str | None:
    """A zone's usual short name (高新区, 经开区), None for every other unit."""
    return next((short for end, short in _SHORT_NAMES.items() if name.endswith(end)), None)


def _split(total: int, shares: Sequence[float]) -> list[int]:
    """Split an integer total in proportion to shares (largest remainders)."""
    weights = np.array(shares, dtype=float)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - parts), kind="stable")[: total - int(parts.sum())]:
        parts[k] += 1
    return [int(x) for x in parts]


def _round_to(x: float, step: int) -> int:
    return max(step, round(float(x) / step) * step)


def write_targets(
    out: Output,
    world: World,
    agg: Aggregates,
    teams: list[dict[str, Any]],
    rooms: list[dict[str, Any]],
    style: Style,
) -> None:
    """Annual targets set from what each county actually does, so schedules behave as planned."""
    rng = np.random.default_rng([SEED, world.scale_id, 3])
    rows: list[dict[str, Any]] = []
    city_rows: dict[int, dict[str, Any]] = {}
    for year, m_end, elapsed in ((2025, 11, 1.0), (2026, LAST_MONTH, 10 / 12)):
        totals = {"new_unions": 0, "new_members": 0, "book_rooms": 0, "pioneer_teams": 0}
        county_rows = []
        town_rows = []
        for c in range(len(world.counties)):
            plan = world.plan(c)
            pace = plan.pace2025 if year == 2025 else plan.pace2026
            cu = world.county_unit(c)
            done = agg.county("ytd_new", c)[m_end]
            members_start = agg.county("members", c)[m_end - 11 if year == 2026 else 0]
            grown = agg.county("members", c)[m_end] - members_start
            per_year = 12 / (10 if year == 2026 else 11)
            row: dict[str, Any] = {
                "year": year,
                "unit": cu.code,
                "new_unions": max(1, round(done / elapsed / pace)),
                "new_members": _round_to(max(grown, 10) * per_year / pace, 10),
                "book_rooms": max(
                    1,
                    round(
                        _count_in_year(rooms, "opened_on", year, cu.code, world) / elapsed / pace
                    ),
                ),
                "pioneer_teams": max(
                    1,
                    round(_count_in_year(teams, "named_on", year, cu.code, world) / elapsed / pace),
                ),
            }
            if plan.targets in ("county+towns", "towns"):
                # The county's target is broken down to its townships, unevenly: some get more
                # than they will manage, some less, so townships rank and get judged too.
                towns = world.county_towns[c]
                prior = 11 if year == 2026 else 0
                shares_u = [
                    (agg.unit("ytd_new", t)[m_end] + 0.5) * float(rng.lognormal(0, 0.35))
                    for t in towns
                ]
                shares_m = [
                    max(agg.unit("members", t)[m_end] - agg.unit("members", t)[m_end - prior], 5)
                    * float(rng.lognormal(0, 0.35))
                    for t in towns
                ]
                split_u = _split(row["new_unions"], shares_u)
                split_m = _split(row["new_members"] // 5, shares_m)
                for t, n_u, n_m in zip(towns, split_u, split_m, strict=True):
                    target = max(1, n_u)
                    if year == 2025:
                        # A city sets the year's targets that most townships meet: one that did
                        # half its share or more was given what it did; those further behind
                        # keep theirs, and are the handful the year end vetoes.
                        did = int(agg.unit("ytd_new", t)[m_end])
                        target = did if target / 2 <= did < target else target
                    town_rows.append(
                        {
                            "year": year,
                            "unit": world.units[t].code,
                            "new_unions": target,
                            "new_members": max(5, 5 * n_m),
                        }
                    )
                row["new_unions"] = sum(r["new_unions"] for r in town_rows[-len(towns) :])
                row["new_members"] = sum(r["new_members"] for r in town_rows[-len(towns) :])
            for key in totals:
                totals[key] += row[key]
            if plan.targets in ("county", "county+towns"):
                county_rows.append(row)
        city_rows[year] = {
            "year": year,
            "unit": world.city.code,
            "new_unions": _round_to(totals["new_unions"] * 1.02, 10),
            "new_members": _round_to(totals["new_members"] * 1.02, 100),
            "book_rooms": totals["book_rooms"],
            "pioneer_teams": totals["pioneer_teams"],
        }
        rows.append(city_rows[year])
        rows.extend(county_rows)
        rows.extend(town_rows)
    columns = ["year", "unit", "new_unions", "new_members", "book_rooms", "pioneer_teams"]
    out.write(f"data/targets.{style.kind}", roster_bytes("targets", rows, columns, style))


def _count_in_year(
    records: list[dict[str, Any]], key: str, year: int, county_code: str, world: World
) -> int:
    last = month_last(LAST_MONTH)
    n = 0
    for r in records:
        d = r.get(key)
        if (
            d is not None
            and d.year == year
            and d <= last
            and _county_code(world, r["unit"]) == county_code
        ):
            n += 1
    return n


def _county_code(world: World, unit_code: str) -> str:
    return unit_code[:6]


def _person_name(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(list(GIVEN), size=int(rng.choice([1, 2], p=[0.3, 0.7]))))
    return str(rng.choice(list(SURNAMES))) + given


def _day_between(rng: np.random.Generator, a: date, b: date) -> date:
    return date.fromordinal(
        a.toordinal() + int(rng.integers(0, max(1, b.toordinal() - a.toordinal() + 1)))
    )


def make_volunteers(world: World, agg: Aggregates) -> list[dict[str, Any]]:
    """One volunteer per qualifying township mostly: some hired lately, a few missing, some left."""
    rng = np.random.default_rng([SEED, world.scale_id, 4])
    first = first_period(world.scale)
    window_start, window_end = month_first(first), month_last(LAST_MONTH)
    people: list[dict[str, Any]] = []

    def hire(unit: str, hired: date, left: date | None = None) -> None:
        people.append(
            {
                "id": f"ZY{len(people) + 1:04d}",
                "name": _person_name(rng),
                "phone": f"1380099{int(rng.integers(0, 10_000)):04d}",
                "unit": unit,
                "hired_on": hired,
                "left_on": left,
                "selection": str(rng.choice(["考试", "推荐", "考试", "公开招聘"])),
            }
        )

    for c in range(len(world.counties)):
        for t in world.county_towns[c]:
            u = world.units[t]
            required = agg.unit("qualifying", t)[LAST_MONTH] >= 10
            if u.volunteer_required:
                required = u.volunteer_required == "是"
            r = float(rng.random())
            if not required and r > 0.35:
                continue
            if required and r < 0.07:
                continue  # still to be hired: listed as lacking
            early = date(2023, 3, 1), window_start - timedelta(days=30)
            if required and r < 0.25:
                hire(u.code, _day_between(rng, window_start, window_end - timedelta(days=20)))
            elif required and r < 0.33:
                # The first volunteer left during the window; the post stayed empty for a while.
                left = _day_between(
                    rng, window_start + timedelta(days=20), window_end - timedelta(days=120)
                )
                hire(u.code, _day_between(rng, *early), left)
                if r < 0.30:
                    hire(u.code, left + timedelta(days=int(rng.integers(30, 100))))
            else:
                hire(u.code, _day_between(rng, *early))
                if rng.random() < 0.08:
                    hire(u.code, _day_between(rng, *early))
    return people


def write_reviews(out: Output, world: World, volunteers: list[dict[str, Any]]) -> None:
    rng = np.random.default_rng([SEED, world.scale_id, 5])
    for m in range(first_period(world.scale), LAST_MONTH + 1):
        if month_ym(m)[1] == 2:
            continue  # no review in the Spring Festival month
        end = month_last(m)
        rows = []
        for v in volunteers:
            if v["hired_on"] > end or (v["left_on"] is not None and v["left_on"] <= end):
                continue
            score = float(np.clip(rng.normal(84, 7), 55, 99))
            grade = (
                "优秀"
                if score >= 90
                else "称职"
                if score >= 75
                else "基本称职"
                if score >= 60
                else "不称职"
            )
            rows.append(
                {
                    "volunteer": v["id"],
                    "reports": int(rng.integers(1, 9)),
                    "score": f"{score:.1f}",
                    "grade": grade,
                }
            )
        style = Style(encoding="gb18030", newline="\r\n") if m % 4 == 1 else Style()
        if not world.scale.mixed_formats:
            style = Style(encoding="utf-8")
        columns = ["volunteer", "reports", "score", "grade"]
        out.write(
            f"data/{period_name(m)}/volunteer_reviews.csv",
            roster_bytes("volunteer_reviews", rows, columns, style),
        )


FINDINGS = (
    "台账更新不及时，部分企业职工人数与实际不符",
    "重点企业未明确责任人和计划建会时间",
    "工会工作志愿者未按要求到岗履职",
    "新建工会会员发展不充分，职工入会率偏低",
    "职工书屋图书更新不及时，借阅记录不全",
    "工资集体协商覆盖面不足，协议到期未续签",
)


def make_inspections(world: World) -> list[dict[str, Any]]:
    """督查: a visit to about half the counties a quarter, each with a finding and a deadline."""
    rng = np.random.default_rng([SEED, world.scale_id, 12])
    last_day = month_last(LAST_MONTH)
    rows: list[dict[str, Any]] = []
    for m in range(first_period(world.scale), LAST_MONTH + 1):
        if (LAST_MONTH - m) % 3:
            continue  # a round every quarter, the last one in the latest period
        for c in range(len(world.counties)):
            if rng.random() < 0.5:
                continue
            towns = world.county_towns[c]
            pick = int(rng.integers(0, len(towns) + 1))
            unit = world.county_unit(c) if pick == len(towns) else world.units[towns[pick]]
            day = _working_day(_day_between(rng, month_first(m), month_last(m)))
            deadline = day + timedelta(days=int(rng.choice([15, 30, 45])))
            while not OFFICIAL.is_workday(deadline):  # inspectors set a working day
                deadline += timedelta(days=1)
            luck = rng.random()
            done: date | None = None
            if luck >= 0.3:  # most are rectified, a few late
                early = luck < 0.85
                days = int(rng.integers(1, 12))
                done = deadline - timedelta(days=days) if early else deadline + timedelta(days=days)
            rows.append(
                {
                    "date": day,
                    "unit": unit.code,
                    "inspectors": "、".join(_person_name(rng) for _ in range(2)),
                    "findings": FINDINGS[int(rng.integers(0, len(FINDINGS)))],
                    "deadline": deadline,
                    "rectified_on": done if done is not None and done <= last_day else None,
                }
            )
    rows.sort(key=lambda r: (r["date"], r["unit"]))
    return rows


def _working_day(day: date) -> date:
    """The first official working day from `day` within its month, else the last before it."""
    ahead = day
    while not OFFICIAL.is_workday(ahead):
        ahead += timedelta(days=1)
    if ahead.month == day.month:
        return ahead
    while not OFFICIAL.is_workday(day):
        day -= timedelta(days=1)
    return day


def _candidates(pop: Population, min_employees: int) -> np.ndarray:
    ok = pop.active(LAST_MONTH) & (pop.union_m <= LAST_MONTH) & (pop.e0 >= min_employees)
    return np.flatnonzero(ok)


def make_pioneer_teams(world: World, pop: Population, n: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng([SEED, world.scale_id, 6])
    cands = _candidates(pop, 30)
    w = np.sqrt(pop.e0[cands])
    picks = rng.choice(cands, size=min(n, len(cands)), replace=False, p=w / w.sum())
    last = month_last(LAST_MONTH)
    rows = []
    for i in sorted(picks.tolist(), key=lambda j: int(pop.ids[j])):
        recent = rng.random() < 0.45
        reg = _day_between(
            rng, date(2024, 9, 1) if recent else date(2019, 1, 1), last - timedelta(days=15)
        )
        level = str(rng.choice(["县级", "市级", "省级", "全国"], p=[0.45, 0.33, 0.17, 0.05]))
        named: date | None = reg + timedelta(days=int(rng.integers(90, 300)))
        r = rng.random()
        status = "已命名" if r < 0.82 else ("已撤销" if r < 0.9 else "创建中")
        if named is not None and named > last:
            status, named = "创建中", None
        if status == "创建中":
            named = None
        rows.append(
            {
                "name": str(rng.choice(DEPARTMENTS)) + str(rng.choice(TEAM_SUFFIXES)),
                "enterprise": pop.names[i],
                "unit": world.units[pop.unit[i]].code,
                "level": level,
                "status": status,
                "registered_on": reg,
                "named_on": named,
            }
        )
    rows.sort(key=lambda r: (r["registered_on"], r["unit"]))
    return rows


def make_book_rooms(
    world: World, pop: Population, n: int, homes: bool = False
) -> list[dict[str, Any]]:
    rng = np.random.default_rng([SEED, world.scale_id, 7 if not homes else 8])
    cands = _candidates(pop, 50)
    picks = rng.choice(cands, size=min(n, len(cands)), replace=False)
    last = month_last(LAST_MONTH)
    books_by_level = {
        "全国示范点": (10000, 40000),
        "省级示范点": (5000, 20000),
        "市级示范点": (3000, 10000),
        "基层": (800, 5000),
    }
    rows = []
    for i in sorted(picks.tolist(), key=lambda j: int(pop.ids[j])):
        unit = world.units[pop.unit[i]]
        r = rng.random()
        host = pop.names[i]
        if not homes and r < 0.15 and unit.level == "township":
            host = f"{unit.name}总工会"
        elif not homes and r < 0.25 and unit.level == "township":
            host = f"{unit.name}新就业形态劳动者服务站"
        level = str(rng.choice(list(books_by_level), p=[0.03, 0.12, 0.25, 0.6]))
        recent = rng.random() < 0.35
        opened = _day_between(
            rng, date(2024, 12, 1) if recent else date(2016, 1, 1), last - timedelta(days=5)
        )
        lo, hi = books_by_level[level]
        row: dict[str, Any] = {
            "name": f"{host}{'职工之家' if homes else '职工书屋'}".replace(
                "总工会职工书屋", "职工书屋"
            ),
            "host": host,
            "unit": unit.code,
            "level": level,
            "opened_on": opened,
        }
        if not homes:
            row["books"] = int(rng.integers(lo, hi) // 10 * 10)
        rows.append(row)
    rows.sort(key=lambda r: (r["opened_on"], r["unit"]))
    return rows


def make_worker_stations(world: World, n: int) -> list[dict[str, Any]]:
    """职工驿站: rest stations for outdoor workers, hosted by township unions and services."""
    rng = np.random.default_rng([SEED, world.scale_id, 11])
    towns = [i for i, u in enumerate(world.units) if u.level == "township"]
    picks = rng.choice(towns, size=min(n, len(towns)), replace=False)
    last = month_last(LAST_MONTH)
    hosts = ("总工会", "环卫所", "供电所", "邮政支局", "便民服务中心")
    rows = []
    for i in sorted(picks.tolist()):
        unit = world.units[i]
        host = f"{unit.name}{hosts[int(rng.integers(len(hosts)))]}"
        level = str(rng.choice(["省级示范点", "市级示范点", "基层"], p=[0.1, 0.3, 0.6]))
        recent = rng.random() < 0.4
        opened = _day_between(
            rng, date(2025, 11, 1) if recent else date(2021, 1, 1), last - timedelta(days=3)
        )
        name = f"{host}职工驿站".replace("总工会职工驿站", "职工驿站")
        rows.append(
            {"name": name, "host": host, "unit": unit.code, "level": level, "opened_on": opened}
        )
    rows.sort(key=lambda r: (r["opened_on"], r["unit"]))
    return rows


# --- content: write-ups, bulletin frames, pages -------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A write-up pattern; fields in braces are filled from the units and rosters."""

    key: str
    category: str
    scope: str  # city | county | town | new-union | team | room
    title: str
    body: str
    audience: str = "public"
    numbers: tuple[tuple[str, int, int], ...] = ()
    ent_unionized: bool = True  # whether {ent} is an enterprise with a union or one still without


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "gig-workers",
            "union-building",
            "county",
            "{county}举办新就业形态劳动者集中入会活动",
            """{date_cn}，{county}总工会在{town}新就业形态劳动者服务站举办“工会进万家·入会暖人心”集中入会活动，快递员、外卖送餐员、网约车司机等新就业形态劳动者{n1}人现场填写入会申请，当场领取会员卡。

活动现场，工作人员向劳动者讲解了工会会员享有的各项权益，重点介绍了**职工互助保障**、法律援助和“司机之家”等服务项目，并设置了健康义诊、免费理发、手机贴膜等便民摊位。一名刚入会的外卖送餐员说：“以前觉得工会离我们很远，现在知道有困难可以找工会了。”

下一步，{county}总工会将按照“重点建、行业建、兜底建”的思路，推动平台企业、快递物流企业和劳务派遣企业依法建会，把更多新就业形态劳动者吸收到工会中来。
""",
            numbers=(("n1", 80, 160),),
        ),
        Template(
            "hundred-days",
            "union-building",
            "town",
            "{town}总工会开展企业建会“百日攻坚”行动",
            """为加快推进辖区企业工会组建工作，{town}总工会自{month_cn}起开展企业建会“百日攻坚”行动，对照全市企业建会台账逐户摸排，确保应建尽建。

行动的主要做法：

1. **建台账**：对辖区内职工人数25人以上的未建会企业逐一登记，建立“一企一档”；
2. **包到人**：班子成员和工会工作志愿者分片包保，每周上门走访；
3. **抓销号**：建会一家、销号一家，每周向{county}总工会报送进度。

截至目前，已走访企业{n1}家，新建工会组织{n2}家，发展会员{n3}人。{town}总工会负责人表示，对企业负责人不支持建会的，将会同人社、市场监管等部门联合上门宣传《中华人民共和国工会法》，推动企业依法建会。
""",
            numbers=(("n1", 30, 60), ("n2", 5, 12), ("n3", 150, 420)),
        ),
        Template(
            "inspection",
            "union-building",
            "county",
            "市总工会督导组赴{county}开展企业建会专项督导",
            """{date_cn}，市总工会组织部督导组赴{county}开展企业建会专项督导，听取{county}总工会工作汇报，随机走访了{town}等乡镇（街道）的{n1}家未建会企业。

督导发现，{county}列入销号清单的重点企业中，仍有部分企业未明确建会时间表；{ent}等企业负责人对建会存在顾虑，筹建工作进展缓慢；个别乡镇（街道）台账信息更新不及时，未建会原因填写不完整。

督导组要求：

- 对清单内企业逐户明确责任人和完成时限，**每月5日前**报送销号进展；
- 对“企业负责人不支持”的，由{county}总工会主要负责人带队上门协调；
- 台账信息要与实际一致，未建会原因不得空项。

市总工会将把督导发现的问题纳入月度通报，对整改不力的单位予以通报批评。
""",
            audience="internal",
            numbers=(("n1", 6, 12),),
            ent_unionized=False,
        ),
        Template(
            "federations",
            "union-building",
            "county",
            "{county}推进区域性、行业性工会联合会建设",
            """针对辖区小微企业多、职工流动性大、单独建会难的实际，{county}总工会依托乡镇（街道）、村（社区）和产业园区，推进区域性、行业性工会联合会建设，实现小微企业工会组织和工作有效覆盖。

今年以来，{county}新建工会联合会情况如下：

| 联合会类型 | 新建数量 | 覆盖企业（家） | 覆盖职工（人） |
|---|---:|---:|---:|
| 区域性工会联合会 | {n1} | {n2} | {n3} |
| 行业性工会联合会 | {n4} | {n5} | {n6} |

其中，{town}商贸楼宇工会联合会覆盖楼宇内小微企业{n7}家，由楼宇物业企业工会牵头，实行“一会兼管、多企受益”，联合会委员由各企业职工代表轮流担任。下一步，{county}总工会将总结推广这一做法，力争年底前实现25人以下小微企业联合建会全覆盖。
""",
            numbers=(
                ("n1", 4, 9),
                ("n2", 80, 160),
                ("n3", 1500, 3200),
                ("n4", 2, 5),
                ("n5", 40, 90),
                ("n6", 900, 2100),
                ("n7", 15, 40),
            ),
        ),
        Template(
            "new-union",
            "union-building",
            "new-union",
            "{new_ent}召开第一次会员大会成立工会",
            """{date_cn}，{new_ent}召开第一次工会会员大会，选举产生了第一届工会委员会和经费审查委员会，企业工会正式成立。{town}总工会负责同志到会祝贺并为企业工会授牌。

该企业现有职工{new_emp}人，此前一直是{town}企业建会台账中的重点企业。今年以来，{town}总工会和工会工作志愿者先后{n1}次上门走访，向企业负责人宣讲《中华人民共和国工会法》和建会对稳定职工队伍的作用，帮助企业做好建会筹备工作。目前已有{new_mem}名职工加入工会。

新当选的工会主席表示，企业工会将从职工最关心的工资待遇、劳动安全、技能提升等方面入手，依法开展工资集体协商，建立职工代表大会制度，努力把工会建成职工信赖的“职工之家”。
""",
            numbers=(("n1", 3, 8),),
        ),
        Template(
            "q4-push",
            "union-building",
            "county",
            "{county}召开企业建会工作四季度攻坚推进会",
            """{date_cn}，{county}总工会召开企业建会工作四季度攻坚推进会，通报前三季度各乡镇（街道）建会进展，部署年底前攻坚任务。

会议指出，今年以来{county_all}企业建会工作总体平稳推进，但乡镇（街道）之间进度不平衡，部分单位重点企业销号进度明显滞后于序时进度。会议要求：

- 各乡镇（街道）要对照台账，逐户梳理职工人数25人以上的未建会企业，**挂图作战、倒排工期**；
- 对已建会企业，要同步推进职工代表大会和工资集体协商制度建设，做到“建一家、规范一家”；
- 工会工作志愿者要每周至少走访两家未建会企业，并在台账中如实记录走访情况。

会上，{town}等三个乡镇（街道）作了交流发言。
""",
        ),
        Template(
            "pioneer-launch",
            "pioneer-team",
            "county",
            "{county}启动{year}年度“工人先锋号”创建活动",
            """{date_cn}，{county}总工会印发通知，在{county_all}范围内启动{year}年度“工人先锋号”创建活动，围绕重点项目建设、科技创新、安全生产和优质服务，组织动员广大职工立足岗位建功立业。

创建活动坚持“重在创建、重在过程”，分为三个阶段：

1. **申报阶段**：各企业工会结合实际确定创建班组，按时报送创建申报表；
2. **创建阶段**：创建班组围绕“学习型、创新型、安全型、服务型”目标制定创建计划，开展技能比武、合理化建议等活动；
3. **验收阶段**：年底前由{county}总工会组织考评验收，对成绩突出的班组予以命名，并择优推荐参加市级“工人先锋号”评选。

截至目前，已有{n1}个班组报名参加创建。
""",
            numbers=(("n1", 20, 60),),
        ),
        Template(
            "pioneer-named",
            "pioneer-team",
            "team",
            "{team_ent}{team}获评{team_level}“工人先锋号”",
            """近日，{team_ent}{team}被命名为{team_level}“工人先锋号”。

这个班组现有成员{n1}人，平均年龄{n2}岁。班组长介绍，班组坚持“每日一练、每周一评、每月一比”，把技能培训融入日常生产，近两年累计提出合理化建议{n3}条，被采纳{n4}条，为企业节约成本{n5}万元。班组成员中有{n6}人取得技师、高级技师资格。

{town}总工会负责人表示，将以此次命名为契机，在辖区企业中开展“学先锋、当先锋”活动，发挥“工人先锋号”的示范引领作用，带动更多班组争创一流业绩。
""",
            numbers=(
                ("n1", 12, 40),
                ("n2", 29, 38),
                ("n3", 60, 150),
                ("n4", 20, 50),
                ("n5", 40, 300),
                ("n6", 2, 9),
            ),
        ),
        Template(
            "skills-contest",
            "pioneer-team",
            "town",
            "{town}“工人先锋号”创建班组开展岗位技能比武",
            """为进一步激发职工学技术、练本领的热情，{date_cn}，{town}总工会联合{ent}工会举办“工人先锋号”创建班组岗位技能比武，来自辖区{n1}家企业的{n2}名一线职工参加比赛。

比武设置*理论知识*和*实际操作*两个环节，实际操作环节重点考核设备操作规范、质量检验和安全应急处置能力。经过激烈角逐，{n3}名职工获得“技术能手”称号，成绩将计入所在班组“工人先锋号”创建考评。

参赛职工表示，通过比武找到了差距、学到了方法，回到岗位后将把比赛中学到的好做法用到日常工作中。
""",
            numbers=(("n1", 8, 20), ("n2", 60, 150), ("n3", 6, 15)),
        ),
        Template(
            "pioneer-show",
            "pioneer-team",
            "county",
            "{county}举办“工人先锋号”创建成果展",
            """{date_cn}，{county}“工人先锋号”创建成果展在{town}职工服务中心开展，集中展示了{county_all}{n1}个创建班组在技术攻关、质量提升、安全生产等方面的创建成果。

展览分为“匠心筑梦”“创新引领”“安全守护”“服务为民”四个板块，通过图片、实物和视频，展示了一线班组的好经验、好做法。其中，{ent}的“一线工作法”、设备点检“口袋书”等创新成果吸引了众多职工驻足观看。

展览期间，还组织开展了“先锋班组长讲故事”活动，{n2}名班组长现场分享创建心得。展览将持续一周，免费向职工开放。
""",
            numbers=(("n1", 20, 45), ("n2", 5, 9)),
        ),
        Template(
            "reading-day",
            "book-room",
            "room",
            "{room}举办“书香三八”女职工读书分享会",
            """{date_cn}，{room}举办“书香三八·悦读悦美”女职工读书分享会，{n1}名女职工围绕“读书与成长”畅谈读书体会。

分享会上，大家结合自己的工作和生活，分享了《平凡的世界》《人世间》等书籍的阅读心得。一名一线女职工说：“下班后到书屋坐一坐、读读书，心里特别踏实。”活动还邀请了市图书馆的老师进行阅读指导，并向女职工赠送了图书。

{room}建于{room_year}年，现有藏书{books}册，配备电子借阅机一台，全天向职工开放。今年以来，书屋累计开展读书活动{n2}场，借阅图书{n3}人次。
""",
            numbers=(("n1", 30, 80), ("n2", 4, 12), ("n3", 300, 1500)),
        ),
        Template(
            "new-rooms",
            "book-room",
            "county",
            "{county}新建一批职工书屋",
            """今年以来，{county}总工会把职工书屋建设作为服务职工精神文化需求的重要抓手，按照“有场地、有图书、有制度、有活动”的标准，在企业、园区和新就业形态劳动者服务站新建职工书屋{n1}家，新增藏书{n2}册。

主要做法：

- **统一配送**：{county}总工会统一采购配送图书，企业工会按需“点单”；
- **流动书箱**：在建筑工地、物流园区投放流动书箱，每季度轮换一次；
- **线上阅读**：开通电子职工书屋，职工扫码即可免费阅读。

下一步，{county}总工会将开展职工书屋示范点评选，推动书屋由“建起来”向“用起来”“活起来”转变。
""",
            numbers=(("n1", 4, 9), ("n2", 8000, 30000)),
        ),
        Template(
            "workshop-books",
            "book-room",
            "town",
            "{ent}把职工书屋搬进车间",
            """“以前想看书得跑到办公楼，现在车间休息区就有书架，午休时随手就能翻上几页。”{ent}的一线职工说。

今年以来，{ent}工会在建好职工书屋的基础上，推出“职工书屋+”模式，在生产车间、职工宿舍和食堂设立{n1}个图书角，图书由书屋统一管理、定期轮换。企业工会还根据职工需求，增加了技能培训、安全生产和家庭教育类图书。

{town}总工会将把这一做法在辖区规模以上企业推广，让职工在家门口、车间里就能享受阅读服务。
""",
            numbers=(("n1", 4, 10),),
        ),
        Template(
            "room-level",
            "book-room",
            "room",
            "{room}获评{room_level}",
            """近日，{room}被命名为{room_level}。

{room}建于{room_year}年，面积{n1}平方米，现有藏书{books}册，订阅报刊{n2}种，配备电子阅读设备，实行职工自助借阅。书屋常年开展读书分享、好书推荐、亲子阅读等活动，成为职工学习交流的重要阵地。

据了解，{room}实行“工会主导、职工自管”的管理模式，由职工志愿者轮流值守，每月评选“阅读之星”，并与周边企业书屋开展图书交换。一名老职工说：“书屋离车间近，借书还书都方便，家里孩子放假也爱来这里看书。”

下一步，{room}将以此次命名为新起点，加强与公共图书馆的合作，推动图书通借通还，更好满足职工的阅读需求。
""",
            numbers=(("n1", 60, 300), ("n2", 12, 40)),
        ),
        Template(
            "volunteer-training",
            "volunteer",
            "county",
            "{county}举办工会工作志愿者岗前培训班",
            """{date_cn}，{county}总工会举办工会工作志愿者岗前培训班，新选聘的工会工作志愿者和各乡镇（街道）工会负责人共{n1}人参加培训。

培训围绕企业建会流程、会员发展与会籍管理、企业建会台账填报、《中华人民共和国工会法》基本知识等内容进行了系统讲解，并组织学员到{town}总工会现场观摩。培训结束后进行了闭卷考试，考试成绩将作为志愿者月度考核的内容之一。

按照要求，凡辖区内职工人数25人以上企业达到10家的乡镇（街道），均须配备至少1名工会工作志愿者。志愿者实行“月汇报、季考核”，考核结果与补贴发放挂钩。
""",
            numbers=(("n1", 30, 60),),
        ),
        Template(
            "volunteer-visits",
            "volunteer",
            "town",
            "工会工作志愿者走进{town}企业宣讲建会政策",
            """{month_cn}以来，派驻{town}的工会工作志愿者深入辖区企业，面对面宣讲建会政策，累计走访企业{n1}家，发放宣传资料{n2}份。

走访中，志愿者带着台账进企业，逐户核实职工人数、用工形式和建会意愿，对暂不具备单独建会条件的小微企业，引导其加入区域性工会联合会；对有建会意愿的企业，现场指导填写建会申请、推选会员代表。

{ent}负责人说：“志愿者把建会的程序讲得很清楚，我们心里有底了，准备下个月召开会员大会。”
""",
            numbers=(("n1", 18, 45), ("n2", 200, 600)),
            ent_unionized=False,
        ),
        Template(
            "volunteer-review",
            "volunteer",
            "city",
            "{month_cn}工会工作志愿者考核情况",
            """根据各县市区报送的考核结果，{month_cn}全市在岗工会工作志愿者均按要求参加了月度考核。从考核情况看，大多数志愿者能够深入企业走访、按时报送工作汇报，在重点企业建会销号中发挥了积极作用。

存在的主要问题：

1. 个别乡镇（街道）志愿者岗位空缺时间较长，尚未完成补聘；
2. 部分志愿者工作汇报内容简单，走访记录与台账信息对不上；
3. 少数志愿者对建会程序不熟悉，指导企业筹建工会不够具体。

请各县市区总工会对照考核结果，对岗位空缺的乡镇（街道）抓紧补聘，对考核为“基本称职”的志愿者进行提醒谈话。
""",
            audience="internal",
        ),
        Template(
            "one-to-one",
            "volunteer",
            "town",
            "{town}工会工作志愿者“一对一”帮扶企业建会",
            """今年以来，{town}总工会推行工会工作志愿者“一对一”帮扶机制，每名志愿者结对{n1}家职工人数25人以上的未建会企业，从宣传动员、筹备组建到选举产生工会委员会全程跟踪服务。

帮扶过程中，志愿者做到“三个一”：*一企一档*，记录企业基本情况和建会进展；*一月一访*，每月至少上门一次；*一事一办*，企业建会遇到的问题当场记录、限时答复。

目前，结对企业中已有{n2}家建立工会，{n3}家进入筹建程序。{town}总工会每月对志愿者帮扶情况进行讲评，把结对企业建会进展作为志愿者考核的重要内容，对帮扶成效明显的予以通报表扬。
""",
            numbers=(("n1", 3, 6), ("n2", 4, 9), ("n3", 2, 5)),
        ),
        Template(
            "home-story",
            "model-home",
            "town",
            "{ent}：把职工之家建成职工温馨港湾",
            """走进{ent}职工之家，职工书屋、健身房、母婴室、心理咨询室一应俱全。下班后，职工们在这里看书、锻炼、交流，“家”的氛围十分浓厚。

近年来，{ent}工会坚持“职工之家职工建、建好之家为职工”，每年召开职工代表大会审议企业重大事项，连续{n1}年开展工资集体协商，建立困难职工帮扶台账，开展“金秋助学”“夏送清凉”“冬送温暖”等活动。

企业工会主席说，下一步将以创建模范职工之家为抓手，在提升服务质量上下功夫，让职工真正感受到工会是“娘家”。
""",
            numbers=(("n1", 3, 9),),
        ),
        Template(
            "homes-named",
            "model-home",
            "city",
            "市总工会开展新一轮模范职工之家创建活动",
            """为推动基层工会规范化建设，{date_cn}，市总工会印发[《关于开展模范职工之家创建活动的通知》](https://www.example.org/notice/model-homes)，在全市基层工会中开展新一轮模范职工之家创建活动。

创建活动的主要标准：

| 创建内容 | 主要标准 |
|---|---|
| 组织健全 | 依法建会，按期换届，会员入会率达到90%以上 |
| 制度完善 | 建立职工代表大会制度，开展工资集体协商 |
| 服务到位 | 建有职工书屋、母婴室等服务阵地 |
| 职工满意 | 职工对工会工作满意率达到90%以上 |

各县市区总工会要按照“创建一批、验收一批、命名一批”的要求，做好推荐和复查工作。对已命名但工作明显下滑的，将按程序撤销称号。
""",
        ),
        Template(
            "homes-review",
            "model-home",
            "county",
            "{county}模范职工之家复查情况",
            """按照市总工会统一部署，{county}总工会于{month_cn}对{county_all}已命名的模范职工之家进行了复查，采取查阅资料、实地查看、职工座谈相结合的方式，共复查{n1}家。

复查结果显示，大部分单位能够保持创建水平，但有{n2}家单位存在职代会未按期召开、工会活动阵地被挪作他用等问题，{ent}等单位会员入会率下降较多。

{county}总工会已向有关单位下发整改通知，要求限期整改；整改不到位的，将提请撤销模范职工之家称号。同时，{county}总工会将建立模范职工之家动态管理台账，每两年复查一次，推动创建工作由“重命名”向“重管理”转变。
""",
            audience="internal",
            numbers=(("n1", 12, 30), ("n2", 2, 5)),
        ),
        Template(
            "work-conference",
            "other",
            "city",
            "市总工会召开{year}年全市工会组织建设工作会议",
            """{date_cn}，市总工会召开{year}年全市工会组织建设工作会议，总结上一年度工作，部署今年任务。各县市区总工会分管负责同志、组织部长参加会议。

会议强调，今年全市工会组织建设工作要紧紧围绕“两个普遍”目标，重点抓好以下几项工作：

1. 开展企业建会**集中攻坚**，职工人数25人以上企业做到应建尽建；
2. 实施工会工作志愿者“一乡一员”计划，符合条件的乡镇（街道）全部配备志愿者；
3. 深化“工人先锋号”创建和职工书屋建设；
4. 建立月度通报制度，对完成任务好的予以表扬，对进度滞后的通报批评，年底实行一票否决。

会议印发了[《{year}年全市工会组织建设工作要点》](https://www.example.org/notice/work-plan)，各县市区总工会递交了目标责任书。
""",
        ),
        Template(
            "summer-care",
            "other",
            "county",
            "{county}开展夏季“送清凉”慰问活动",
            """入伏以来，{county}总工会开展夏季“送清凉”慰问活动，先后深入建筑工地、物流园区、环卫站所等一线，为高温下坚守岗位的职工送去防暑降温物品。

截至目前，{county}各级工会共慰问一线职工{n1}人次，发放慰问物资价值{n2}万元。慰问组还走进{ent}，检查企业防暑降温措施落实情况，提醒企业合理调整作息时间，依法发放高温津贴。

{county}总工会还在{town}等地设立了{n3}个“工会爱心驿站”，为户外劳动者提供歇脚、饮水、充电等服务。
""",
            numbers=(("n1", 2000, 6000), ("n2", 20, 80), ("n3", 5, 15)),
        ),
        Template(
            "winter-care",
            "other",
            "county",
            "{county}开展元旦春节“送温暖”活动",
            """元旦春节期间，{county}总工会开展“送温暖”活动，走访慰问困难职工、劳动模范和坚守岗位的一线职工，把党和政府的关怀送到职工心坎上。

活动期间，{county}各级工会共走访慰问职工{n1}户，发放慰问金和慰问品价值{n2}万元。{county}总工会负责同志带队来到{town}，走进{ent}生产一线，向春节期间坚守岗位的职工送上节日祝福。

{county}总工会还组织开展了“春送岗位”招聘会、“工会送你回家过年”等活动，帮助职工就业、返乡。
""",
            numbers=(("n1", 300, 900), ("n2", 60, 200)),
        ),
        Template(
            "legal-aid",
            "other",
            "town",
            "{town}职工法律援助工作站揭牌",
            """{date_cn}，{town}职工法律援助工作站正式揭牌，这是{county}在乡镇（街道）层面设立的又一个职工法律援助站点。

工作站由{town}总工会和司法所共同建设，聘请{n1}名律师轮流值班，为职工提供劳动争议咨询、调解和法律援助服务。揭牌当天，律师现场接待职工咨询{n2}人次，内容涉及劳动合同、工资支付、工伤认定等问题。

工作站还将定期走进企业开展“法律体检”，帮助企业规范用工，从源头上预防和减少劳动争议。对符合条件的困难职工，工作站将协助其申请法律援助，做到“应援尽援”。
""",
            numbers=(("n1", 3, 6), ("n2", 10, 30)),
        ),
    )
}

# The demo's write-ups: template, month index, day, county code ("" for the city), image.
DEMO_WRITEUPS: tuple[tuple[str, int, int, str, bool], ...] = (
    ("gig-workers", 10, 16, "990102", False),
    ("volunteer-training", 10, 24, "990121", False),
    ("new-union", 11, 9, "990181", False),
    ("home-story", 11, 18, "990103", False),
    ("winter-care", 12, 20, "990123", False),
    ("volunteer-review", 12, 26, "", False),
    ("work-conference", 13, 26, "", True),
    ("pioneer-launch", 13, 27, "990121", False),
    ("reading-day", 14, 8, "990102", False),
    ("hundred-days", 14, 17, "990122", False),
    ("skills-contest", 15, 22, "990104", False),
    ("volunteer-visits", 15, 28, "990124", False),
    ("new-rooms", 16, 12, "990181", False),
    ("inspection", 16, 21, "990124", False),
    ("federations", 17, 10, "990123", False),
    ("pioneer-named", 17, 25, "990121", False),
    ("summer-care", 18, 15, "990103", True),
    ("homes-named", 18, 23, "", False),
    ("workshop-books", 19, 13, "990171", False),
    ("one-to-one", 19, 27, "990122", False),
    ("legal-aid", 20, 9, "990104", False),
    ("room-level", 20, 18, "990121", False),
    ("homes-review", 20, 25, "990123", False),
    ("q4-push", 21, 12, "990102", True),
    ("new-union", 21, 16, "990121", False),
    ("pioneer-show", 21, 23, "990181", True),
)


class Picker:
    """Choose the enterprises, teams and book rooms a write-up talks about."""

    def __init__(
        self,
        world: World,
        pop: Population,
        teams: list[dict[str, Any]],
        rooms: list[dict[str, Any]],
        rng: np.random.Generator,
    ) -> None:
        self.world = world
        self.pop = pop
        self.teams = teams
        self.rooms = rooms
        self.rng = rng
        self.code_index = {u.code: i for i, u in enumerate(world.units)}
        self.used: set[int] = set()

    def enterprise(self, unit: int, county: int, min_employees: int = 50) -> int:
        pop = self.pop
        ok = pop.active(LAST_MONTH) & (pop.union_m <= LAST_MONTH) & (pop.e0 >= min_employees)
        for mask in (ok & (pop.unit == unit), ok & (pop.county == county), ok):
            cands = [i for i in np.flatnonzero(mask).tolist() if i not in self.used]
            if cands:
                i = int(self.rng.choice(cands))
                self.used.add(i)
                return i
        return 0

    def without_union(self, unit: int, county: int, m: int) -> int:
        """A priority enterprise at month m, preferably one that sets up its union soon after."""
        pop = self.pop
        ok = pop.active(m) & (pop.union_m > m) & (pop.employees(m) >= 25)
        soon = ok & (pop.union_m <= m + 2)
        here, mine = pop.unit == unit, pop.county == county
        for mask in (soon & here, ok & here, soon & mine, ok & mine, ok):
            cands = [i for i in np.flatnonzero(mask).tolist() if i not in self.used]
            if cands:
                i = int(self.rng.choice(cands))
                self.used.add(i)
                return i
        return 0

    def new_union(self, county: int, m: int, day: date) -> int:
        pop = self.pop
        ok = pop.active(m) & (pop.union_m == m) & (pop.county == county) & (pop.employees(m) >= 30)
        ok &= pop.union_day <= day.toordinal()
        cands = [i for i in np.flatnonzero(ok).tolist() if i not in self.used]
        if not cands:
            return self.enterprise(-1, county, 30)
        i = max(cands, key=lambda j: (int(pop.e0[j]), -j))
        self.used.add(i)
        return i

    def record(
        self,
        records: list[dict[str, Any]],
        county_code: str,
        key: str,
        m: int,
        honoured: bool = False,
    ) -> dict[str, Any] | None:
        first, last = month_first(m), month_last(m)
        mine = [r for r in records if county_code in ("", r["unit"][:6])]
        if honoured:  # a write-up about an honour talks about a team or room that has one
            mine = [r for r in mine if r["level"] not in ("基层", "县级")] or mine
        dated = [r for r in mine if r.get(key) is not None and first <= r[key] <= last]
        pool = dated or [r for r in mine if r.get(key) is not None and r[key] <= last] or records
        return pool[int(self.rng.integers(0, len(pool)))] if pool else None


def render_writeup(
    t: Template, picker: Picker, county: int | None, m: int, day: int
) -> tuple[str, dict[str, Any]]:
    """Fill a template; return the unit code it belongs to and its fields."""
    world, pop, rng = picker.world, picker.pop, picker.rng
    d = date(*month_ym(m), day)
    if county is None:
        county = int(rng.integers(0, len(world.counties)))
    cu = world.county_unit(county)
    towns = world.county_towns[county]
    town = towns[int(rng.integers(0, len(towns)))]
    unit_code = world.city.code if t.scope == "city" else cu.code
    fields: dict[str, Any] = {
        "year": d.year,
        "date_cn": f"{d.month}月{d.day}日",
        "month_cn": f"{d.month}月",
    }
    if t.scope == "new-union":
        i = picker.new_union(county, m, d)
        e_unit = int(pop.unit[i])
        if world.units[e_unit].level == "township":
            town = e_unit
        emp = int(pop.employees(m)[i])
        fields |= {
            "new_ent": pop.names[i],
            "new_emp": emp,
            "new_mem": max(1, int(emp * pop.ratio(m)[i])),
        }
        unit_code = world.units[e_unit].code
    if t.scope == "team":
        team = picker.record(picker.teams, cu.code, "named_on", m)
        if team:
            fields |= {
                "team": team["name"],
                "team_ent": team["enterprise"],
                "team_level": team["level"],
            }
            unit_code = team["unit"]
    if t.scope == "room":
        room = picker.record(picker.rooms, cu.code, "opened_on", m, honoured=t.key == "room-level")
        if room:
            fields |= {
                "room": room["name"],
                "room_year": room["opened_on"].year,
                "room_level": f"{room['level'][:-3] if room['level'] != '基层' else '市级'}职工书屋示范点",
                "books": room.get("books") or 3000,
            }
            unit_code = room["unit"]
    if t.scope in ("team", "room") and unit_code in picker.code_index:
        u = picker.code_index[unit_code]
        if world.units[u].level == "township":
            town = u
    if t.scope == "town":
        unit_code = world.units[town].code
    all_word = {"区": "全区", "县": "全县", "县级市": "全市", "县市区": "全区"}[cu.level_word]
    fields |= {
        "city": CITY_NAME,
        "county": cu.name,
        "county_all": all_word,
        "town": world.units[town].name,
    }
    if t.ent_unionized:
        fields["ent"] = pop.names[picker.enterprise(town, county)]
    else:
        fields["ent"] = pop.names[picker.without_union(town, county, m)]
    for name, lo, hi in t.numbers:
        fields[name] = int(rng.integers(lo, hi + 1))
    return unit_code, fields


def yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def write_writeups(out: Output, world: World, picker: Picker) -> None:
    rng = picker.rng
    if world.scale.name == "demo":
        schedule = [
            (TEMPLATES[key], m, day, _county_index(world, code) if code else None, image)
            for key, m, day, code, image in DEMO_WRITEUPS
        ]
    else:
        keys = list(TEMPLATES)
        schedule = []
        for k in range(world.scale.writeups):
            m = LAST_MONTH - (k % world.scale.periods)
            schedule.append(
                (TEMPLATES[keys[k % len(keys)]], m, int(rng.integers(2, 28)), None, k % 7 == 0)
            )
    names: set[str] = set()
    for t, m, day, county, image in schedule:
        unit_code, fields = render_writeup(t, picker, county, m, day)
        d = date(*month_ym(m), day)
        stem = f"{d.isoformat()}-{t.key}"
        if stem in names:
            stem += f"-{unit_code}"
        names.add(stem)
        front = [
            "---",
            f"title: {yaml_str(t.title.format(**fields))}",
            f"date: {d.isoformat()}",
            f'unit: "{unit_code}"',
            f"category: {t.category}",
            f"audience: {t.audience}",
        ]
        if image:
            rel = f"img/{stem}.png"
            out.write(f"content/writeups/{rel}", photo_png(len(names)))
            front.append(f"images: [{rel}]")
        text = "\n".join([*front, "---", "", t.body.format(**fields)])
        out.write(f"content/writeups/{stem}.md", text)


def _county_index(world: World, code: str) -> int:
    for c, u in enumerate(world.counties):
        if world.units[u].code == code:
            return c
    raise KeyError(code)


def photo_png(seed: int, width: int = 240, height: int = 150) -> bytes:
    """A small placeholder picture: sky, a building, a red banner, ground (stdlib PNG)."""
    rng = np.random.default_rng([SEED, 9, seed])
    hue = rng.uniform(0.85, 1.1, 3)
    y = np.arange(height)[:, None]
    x = np.arange(width)[None, :]
    img = np.zeros((height, width, 3))
    img[...] = (np.array([150, 190, 235]) * hue)[None, None, :] * (1 - 0.3 * y / height)[..., None]
    ground = y >= height * 0.78
    img[np.broadcast_to(ground, (height, width))] = np.array([120, 150, 100]) * hue
    bx0, bx1 = int(width * rng.uniform(0.1, 0.3)), int(width * rng.uniform(0.65, 0.9))
    by0 = int(height * rng.uniform(0.2, 0.35))
    building = (x >= bx0) & (x < bx1) & (y >= by0) & (y < height * 0.78)
    img[building] = np.array([205, 200, 190])
    windows = building & ((x - bx0) % 14 < 7) & ((y - by0) % 16 > 8)
    img[windows] = np.array([90, 120, 160])
    banner = (x >= bx0 + 6) & (x < bx1 - 6) & (y >= by0 + 4) & (y < by0 + 14)
    img[banner] = np.array([200, 30, 30])
    text = banner & ((x - bx0) % 9 < 5) & ((y - by0) % 10 > 5) & ((y - by0) % 10 < 9)
    img[text] = np.array([250, 220, 120])
    raw = np.clip(img, 0, 255).astype(np.uint8)
    rows = b"".join(b"\x00" + raw[r].tobytes() for r in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# Document numbers restart every year (〔2026〕1号 …); the year is that of signed_on.
SIGNING = {
    10: ("2025-12-05", 46),
    11: ("2026-01-07", 2),
    12: ("2026-02-05", 6),
    13: ("2026-03-05", 9),
    14: ("2026-04-07", 13),
    15: ("2026-05-07", 18),
    16: ("2026-06-05", 22),
    17: ("2026-07-06", 26),
    18: ("2026-08-05", 31),
    19: ("2026-09-07", 35),
    20: ("2026-10-12", 40),
    21: ("2026-11-09", 45),  # after the last ledger arrived (桐湾县, 11-08): never before its data
}
TITLES = {
    11: "关于2025年全市企业工会组建工作情况及年度目标任务考核结果的通报",
    14: "关于2026年一季度全市企业工会组建工作情况的通报",
    17: "关于2026年上半年全市企业工会组建工作情况的通报",
    20: "关于2026年前三季度全市企业工会组建工作情况的通报",
}


def bulletin_frame(m: int) -> str:
    y, mo = month_ym(m)
    label = f"{y}年{mo}月"
    signed_text, number = SIGNING.get(m, (month_first(m + 1).replace(day=5).isoformat(), 3 * mo))
    signed = date.fromisoformat(signed_text)
    printed = signed + timedelta(days=3 if signed.weekday() == 4 else 1)
    front = ["---", f"doc_number: {number}"]
    if m in TITLES:
        front.append(f"title: {TITLES[m]}")
    front += [
        "cc: 省总工会组织部，市委组织部，市人力资源和社会保障局",
        f"signed_on: {signed.isoformat()}",
        f"printed_on: {printed.isoformat()}",
        "---",
    ]
    if mo == 12:
        preface = (
            f"{y}年，各县市区总工会认真贯彻落实全市工会组织建设工作会议部署，以“两个普遍”为目标，"
            "扎实推进企业建会集中攻坚行动，全市企业工会组建工作取得新进展。根据年度目标任务考核办法，"
            f"现将{y}年12月及全年企业工会组建工作情况和年度目标任务考核结果通报如下。"
        )
    elif mo == 1:
        preface = (
            "新年伊始，为推动全年企业建会目标任务开好局、起好步，市总工会对各县市区报送的"
            f"{label}企业建会台账进行了汇总分析。现将有关情况通报如下。"
        )
    elif mo in (3, 6, 9):
        stage = {3: "一季度", 6: "上半年", 9: "前三季度"}[mo]
        preface = (
            f"{label}是{stage}工作的收官之月。为全面掌握全市企业工会组建工作进展，市总工会对各县市区"
            f"报送的企业建会台账进行了汇总分析，并对{stage}工作进行了梳理。现将有关情况通报如下。"
        )
    else:
        preface = (
            "为全面掌握全市企业工会组建工作进展，压紧压实各县市区工作责任，根据各县市区总工会报送的"
            f"企业建会台账，市总工会对{label}全市企业工会组建工作情况进行了汇总分析。现将有关情况通报如下。"
        )
    closing = [
        "一、对照目标，查找差距。各县市区总工会要对照年度目标任务和序时进度，认真分析本地区企业建会"
        "工作中存在的问题，对进度滞后的乡镇（街道）逐一约谈、督促整改。",
        "二、聚焦重点，精准销号。要紧盯职工人数25人以上的未建会企业，逐户明确责任人和建会时限，"
        "建会一家、销号一家，推动重点企业清单动态清零。",
        "三、规范台账，确保质量。要严格按照台账模板报送数据，统一社会信用代码、职工人数、会员人数等"
        "关键信息要准确完整。每月5日前将上月企业建会台账报送市总工会组织部。",
    ]
    if mo == 12:
        closing = [
            "一、抓好考核结果运用。年度目标任务考核结果将作为评选先进县市区总工会的重要依据；"
            "被一票否决的单位，本年度不得参加工会系统评先评优。",
            "二、认真总结，谋划新年工作。各县市区总工会要全面总结本年度企业建会工作，分析未完成任务的原因，"
            "于1月20日前将年度工作总结和下一年度工作打算报送市总工会组织部。",
            "三、做好台账年度核对。要对照市场监管部门企业名录，对台账中的注销、吊销、迁出企业进行核对，"
            "确保下一年度台账底数清、情况明。",
        ]
    elif mo in (6, 7, 8):
        closing.append(
            "四、统筹做好夏季工作。在推进建会工作的同时，要做好高温天气一线职工防暑降温和“送清凉”工作，"
            "督促企业落实高温津贴等政策。"
        )
    else:
        closing.append(
            "四、严格落实整改。受到通报批评的单位，要在本通报规定的期限内整改到位，并向市总工会书面报告整改措施。"
        )
    return "\n".join([*front, "", preface, "", "<!-- closing -->", "", "\n\n".join(closing), ""])


ABOUT_PAGE = """---
title: 关于本站
---
本站是**示例市总工会**企业工会组建工作通报的发布平台，由组织部根据各县市区每月报送的企业建会台账、工会工作志愿者名册、工人先锋号和职工书屋名册汇总生成。

## 本站内容

- **通报**：每月一期，包括全市和各县市区的建会率、职工入会率、年度目标完成情况、综合排名和表扬名单；
- **工作动态**：各地企业建会、“工人先锋号”创建、职工书屋建设等工作信息；
- **县市区和乡镇（街道）**：各单位历月指标和排名变化。

## 指标口径

- 建会率 = 已建会企业数 ÷ 存续企业数；
- 职工入会率 = 会员人数 ÷ 已建会企业职工人数；
- 年度目标完成率 = 年初至今新建会企业数 ÷ 年度新建会目标；
- 序时进度完成率 = 年度目标完成率 ÷ 时间进度（如10月为10/12）。

各县市区数据以其报送的台账为准，如有疑问请联系所在县市区总工会。

> 本站所列“示例市”及其县市区、乡镇（街道）、企业和人员均为虚构，仅用于演示。

联系我们：示例市总工会组织部
"""


def guide_page() -> str:
    """填报说明: the ledger's columns as the contract names them, from the column specs."""
    lines = [
        "---",
        "title: 台账填报说明",
        "---",
        "各县市区总工会每月3日前报送上月末的企业建会台账（CSV 或 Excel 文件均可）。表头可以使用下表中的中文列名；"
        "标题行、填报单位行、合计行和表尾的“注：”“填表人：”行会被自动识别。",
        "",
        "| 列名 | 是否必填 | 填写要求 |",
        "|---|---|---|",
    ]
    notes = {
        "uscc": "18位，由市场监管部门核发；Excel 中请将该列设为“文本”格式",
        "unit": "填写企业所在乡镇（街道）的9位代码，县直企业填写县市区代码",
        "employees": "整数",
        "unionized": "填“是”或“否”",
        "union_date": "已建会企业必填，如2026-03-05",
        "members": "已建会企业必填，不应超过职工人数",
        "not_unionized_reason": "职工人数25人以上的未建会企业必填",
        "status": "存续、注销、吊销或迁出；空白视为存续",
        "dispatch_members": "已建会企业填写，不应超过劳务派遣工人数",
        "female_members": "已建会企业填写，不应超过女职工人数",
        "federation": "组建形式为区域性联合会或行业性联合会的，填写联合会全称",
        "progress": "未建会企业填写：未联系、已联系或筹备中",
        "responsible": "未建会企业填写推进建会的责任人（只在内网显示）",
        "planned_on": "未建会企业填写计划建会时间；过期未建会的列为逾期未建",
    }
    for col in specs.ENTERPRISES.columns:
        required = (
            "是"
            if col.required
            else (
                "视情况" if col.name in ("union_date", "members", "not_unionized_reason") else "否"
            )
        )
        lines.append(f"| {col.aliases[0]} | {required} | {notes.get(col.name, '')} |")
    lines += [
        "",
        "数据有误时，`bulletin check` 会列出文件、行号、列名和修改办法，请按提示改正后重新报送。",
        "",
    ]
    return "\n".join(lines)


BULLETIN_YML = """\
# 通报项目设置。修改后重新运行 bulletin check / bulletin build 即可生效。
# 以“#”开头的是说明文字；下面各项的取值就是默认值，不需要修改的可以原样保留。

organization:
  name: {org}        # 发文机关：红头和落款使用
  doc_prefix: {prefix}          # 发文字号代字：生成“{prefix}〔2026〕45号”

cadence: month                # 报告周期：month（按月）或 quarter（按季度）

# 职工人数达到此数的未建会企业列为重点企业，进入销号清单（《工会法》：25人以上建立工会委员会）
priority_min_employees: 25

# 乡镇（街道）内职工人数达到上一项人数的存续企业达到此数，即应配备工会工作志愿者
volunteer_min_enterprises: 10

# 综合得分的权重（满分100）：建会率、职工入会率、序时进度完成率，每项最多按100%计
score_weights:
  coverage_rate: 40           # 建会率
  membership_rate: 30         # 职工入会率
  schedule_rate: 30           # 序时进度完成率

# 工会工作志愿者配备期限（月-日）：每年从这一天起，应配备而未配备志愿者的乡镇（街道），
# 以及志愿者配备率不到100%的县市区，按下面 criticize 中带 after_volunteer_deadline 的规则通报批评
volunteer_deadline: 07-01

# 限期整改的工作日数：受到通报批评的单位，须在通报成文日期后这么多个工作日内（不计周六、周日）
# 整改到位并书面报告整改措施；算出的日期写在每段批评和单位报告中
rectify_days: 10

# 表扬、通报批评和一票否决的规则：满足列表中任意一条即得到该评价；一条规则中的条件须同时满足。
#   metric + below / at_least：指标低于 / 不低于某值（比率写小数，0.6 即 60%）
#   rank_at_most：排名在前几名；rank_from_bottom_at_most：排名在倒数几名
#   year_end: true：只在年末（12月或第四季度）评价
#   after_volunteer_deadline: true：只在志愿者配备期限（volunteer_deadline）之后评价
judgments:
  criticize:                  # 通报批评：序时进度完成率低于60%；过了配备期限仍缺志愿者；台账逾期或未报送
    - {{metric: schedule_rate, below: 0.6}}
    - {{metric: volunteer_coverage, below: 1.0, after_volunteer_deadline: true}}
    - {{metric: report_late, at_least: 1}}
  commend:                    # 表扬：排名前3名，且序时进度完成率达到100%
    - {{rank_at_most: 3, metric: schedule_rate, at_least: 1.0}}
  veto:                       # 一票否决：年末年度目标完成率低于100%
    - {{metric: target_completion, below: 1.0, year_end: true}}
"""


# --- the whole project -------------------------------------------------------------------------


def _chunks(total: int, size: int) -> Iterator[tuple[int, int, int]]:
    start = 0
    k = 0
    while start < total:
        n = min(size, total - start)
        yield k, start, n
        start += n
        k += 1


def generate(scale: str, out: Path) -> Path:
    """Write the project of a scale into `out` (created if needed) and return `out`."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(PUBLIC_SCALES)}")
    sc = SCALES[scale]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    writer = Output(out)
    world = make_world(sc)
    first = first_period(sc)
    months = range(first, LAST_MONTH + 1)
    if sc.name == "demo":
        _demo_overrides(world)
    agg = Aggregates(world)

    # Enterprises: the demo in one piece (mixed formats), big scales in chunks streamed to CSV.
    sample: Population | None = None
    if sc.mixed_formats:
        sample = simulate(world, 0, 0, sc.enterprises)
        if sc.name == "demo":
            plant_problems(sample, first)
        agg.add(sample)
        styles = LEDGER_STYLES[-sc.periods :]
        for m, style in zip(months, styles, strict=True):
            if sc.name == "demo" and m == LAST_MONTH:
                write_ledger_by_county(writer, world, sample, m)
            else:
                write_ledger_mixed(writer, world, sample, m, style)
    else:
        heads = ",".join(header("enterprises", c, Style()) for c in LEDGER_COLUMNS) + "\n"
        files = {
            m: writer.claim(f"data/{period_name(m)}/enterprises.csv").open(
                "w", encoding="utf-8", newline=""
            )
            for m in months
        }
        try:
            for f in files.values():
                f.write(heads)
            # About 1.7 % of the enterprises drawn closed before the first period: draw more so
            # that the last snapshot holds about the scale's number.
            for k, start, n in _chunks(round(sc.enterprises / 0.983), sc.chunk):
                pop = simulate(world, k, start, n)
                agg.add(pop)
                if sample is None:
                    sample = pop
                for m, f in files.items():
                    f.write(ledger_text(world, pop, snapshot(pop, m, first)))
        finally:
            for f in files.values():
                f.close()
    assert sample is not None

    n_teams = max(12, sc.townships * 9 // 10)
    n_rooms = max(10, sc.townships * 2 // 3)
    teams = make_pioneer_teams(world, sample, n_teams)
    rooms = make_book_rooms(world, sample, n_rooms)
    homes = make_book_rooms(world, sample, max(6, sc.townships // 3), homes=True)
    stations = make_worker_stations(world, max(6, sc.townships // 4))
    volunteers = make_volunteers(world, agg)

    mixed = sc.mixed_formats
    plain = Style(encoding="utf-8")
    write_units(writer, world, Style(newline="\r\n") if mixed else plain)
    write_targets(
        writer,
        world,
        agg,
        teams,
        rooms,
        Style(encoding="gb18030", newline="\r\n") if mixed else plain,
    )
    vol_cols = ["id", "name", "phone", "unit", "hired_on", "left_on", "selection"]
    writer.write(
        "data/volunteers.csv",
        roster_bytes(
            "volunteers",
            volunteers,
            vol_cols,
            Style(encoding="utf-8", dates="slash") if mixed else plain,
        ),
    )
    write_reviews(writer, world, volunteers)
    inspection_cols = ["date", "unit", "inspectors", "findings", "deadline", "rectified_on"]
    writer.write(
        "data/inspections.csv",
        roster_bytes("inspections", make_inspections(world), inspection_cols, plain),
    )
    team_cols = ["name", "enterprise", "unit", "level", "status", "registered_on", "named_on"]
    writer.write(
        "data/pioneer_teams.csv",
        roster_bytes(
            "pioneer_teams",
            teams,
            team_cols,
            Style(encoding="gb18030", newline="\r\n") if mixed else plain,
        ),
    )
    room_cols = ["name", "host", "unit", "level", "opened_on", "books"]
    writer.write(
        "data/book_rooms.csv",
        roster_bytes(
            "book_rooms",
            rooms,
            room_cols,
            Style(encoding="utf-8", headers="en") if mixed else plain,
        ),
    )
    home_cols = ["name", "host", "unit", "level", "opened_on"]
    home_style = Style(headers="zh2", dates="dot", newline="\r\n") if mixed else plain
    writer.write("data/model_homes.csv", roster_bytes("model_homes", homes, home_cols, home_style))
    writer.write(
        "data/worker_stations.csv", roster_bytes("worker_stations", stations, home_cols, plain)
    )

    writer.write("bulletin.yml", BULLETIN_YML.format(org="示例市总工会", prefix="示工发"))
    picker = Picker(world, sample, teams, rooms, np.random.default_rng([SEED, world.scale_id, 10]))
    write_writeups(writer, world, picker)
    for m in months:
        writer.write(f"content/bulletins/{period_name(m)}.md", bulletin_frame(m))
    writer.write("content/pages/about.md", ABOUT_PAGE)
    writer.write("content/pages/guide.md", guide_page())
    writer.prune("data", "content")
    return out


def _demo_overrides(world: World) -> None:
    """Exercise the 应配备志愿者 column: one small street must have one, one zone street need not."""
    towns = world.county_towns
    world.units[towns[0][-1]].volunteer_required = "是"
    world.units[towns[8][0]].volunteer_required = "否"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a synthetic bulletin project (the demo city or a benchmark scale)."
    )
    parser.add_argument(
        "--scale",
        choices=list(SCALES),
        default="demo",
        metavar="{" + ",".join(PUBLIC_SCALES) + "}",
        help="demo: the committed demo city; city/province/nation: the benchmark scales",
    )
    parser.add_argument("--out", type=Path, required=True, help="project folder to write")
    args = parser.parse_args(argv)
    path = generate(args.scale, args.out)
    print(f"{args.scale}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
