"""bulletin.yml: the project settings, typed, with defaults from CONTRACT §5.

Every mistake is a ConfigError whose message names the key and its line in bulletin.yml.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.common.errors import ConfigError
from generator.common.paths import CONFIG_FILE as CONFIG_FILE  # its old home, for imports of it
from generator.common.paths import ProjectPaths
from generator.common.safe_yaml import Document, YamlError
from generator.common.workdays import WorkCalendar
from generator.figures.indicators import RULE_METRICS

#: What a project ranks (bulletin.yml `level`): a city its counties from their ledgers; a
#: province or the national federation its members from their issued bulletins (CONTRACT §7)
LEVELS = ("city", "province", "national")

SCORE_COMPONENTS = ("coverage_rate", "membership_rate", "schedule_rate")
JUDGMENT_KINDS = ("commend", "criticize", "veto")
RULE_KEYS = (
    "metric",
    "below",
    "at_least",
    "rank_at_most",
    "rank_from_bottom_at_most",
    "year_end",
    "after_volunteer_deadline",
)

DEFAULT_WEIGHTS = {"coverage_rate": 40.0, "membership_rate": 30.0, "schedule_rate": 30.0}
DEFAULT_JUDGMENTS: dict[str, list[dict[str, Any]]] = {
    "criticize": [
        {"metric": "schedule_rate", "below": 0.6},
        # CONTRACT 3.5: from volunteer_deadline on, a required township without a volunteer
        # (its coverage is 0) and a county with coverage below 1 are criticised.
        {"metric": "volunteer_coverage", "below": 1.0, "after_volunteer_deadline": True},
        # CONTRACT 1.1: a county that reported after report_deadline, or not at all (its rows
        # carried from an earlier period), as the 报送情况 shows it.
        {"metric": "report_late", "at_least": 1},
    ],
    "commend": [{"rank_at_most": 3, "metric": "schedule_rate", "at_least": 1.0}],
    "veto": [{"metric": "target_completion", "below": 1.0, "year_end": True}],
}


@dataclass(frozen=True)
class Rule:
    """One judgment rule: every condition given must hold for the rule to match."""

    metric: str | None = None
    below: float | None = None
    at_least: float | None = None
    rank_at_most: int | None = None
    rank_from_bottom_at_most: int | None = None
    year_end: bool = False
    after_volunteer_deadline: bool = False

    def matches(
        self,
        figures: dict[str, Any],
        rank: int | None,
        ranked_count: int,
        is_year_end: bool,
        after_volunteer_deadline: bool = False,
    ) -> bool:
        """Whether a unit with these figures and rank matches; a null metric never matches."""
        if self.year_end and not is_year_end:
            return False
        if self.after_volunteer_deadline and not after_volunteer_deadline:
            return False
        if self.metric is not None:
            value = figures.get(self.metric)
            if value is None or value != value:  # None or NaN
                return False
            if self.below is not None and not value < self.below:
                return False
            if self.at_least is not None and not value >= self.at_least:
                return False
        if self.rank_at_most is not None and (rank is None or rank > self.rank_at_most):
            return False
        bottom = self.rank_from_bottom_at_most
        return bottom is None or (rank is not None and ranked_count - rank + 1 <= bottom)


@dataclass(frozen=True)
class Organization:
    name: str = "示例市总工会"
    doc_prefix: str = "示工发"
    printer: str = ""  # 印发机关 in the 版记; defaults to the organisation's 办公室

    @property
    def printed_by(self) -> str:
        return self.printer or f"{self.name}办公室"


def default_judgments() -> dict[str, tuple[Rule, ...]]:
    """The contract's default rules (DEFAULT_JUDGMENTS) as Rules."""
    return {kind: tuple(Rule(**raw) for raw in raws) for kind, raws in DEFAULT_JUDGMENTS.items()}


class _Located:
    """A YAML mapping converted to Python with the line of every key path (generator.common.safe_yaml)."""

    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        try:
            doc = Document(text)
        except YamlError as exc:
            raise ConfigError(f"{path.name} {exc}") from None
        self.lines: dict[tuple[Any, ...], int] = doc.lines
        self.data = doc.data if doc.data is not None else {}

    def error(self, key_path: tuple[Any, ...], message: str) -> ConfigError:
        line = self.lines.get(key_path)
        name = ".".join(str(k) for k in key_path)
        where = f"第{line}行" if line else ""
        return ConfigError(f"{self.path.name} {where}“{name}”：{message}")


#: Reads a key's value as written (never missing: a missing key keeps the field's default).
Parse = Callable[[_Located, str, Any], Any]


def option(
    default: Any, comment: str, parse: Parse, factory: Callable[[], Any] | None = None
) -> Any:
    """Declare a bulletin.yml key: its default, its Chinese comment in `init`'s bulletin.yml
    (CONFIG_COMMENTS) and how its value is read and checked."""
    meta = {"comment": comment, "parse": parse}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _choice(*choices: str | None, said: str) -> Parse:
    """One of `choices`; `said` explains them in the error (应为 …)."""

    def parse(doc: _Located, key: str, raw: Any) -> Any:
        if raw not in choices:
            raise doc.error((key,), f"{said}，而不是“{raw}”")
        return raw

    return parse


def _whole(low: int, high: int | None, said: str) -> Parse:
    """A whole number from `low` to `high` (no bound: None)."""

    def parse(doc: _Located, key: str, raw: Any) -> int:
        if (
            isinstance(raw, bool)
            or not isinstance(raw, int)
            or raw < low
            or (high is not None and raw > high)
        ):
            raise doc.error((key,), f"{said}，而不是“{raw}”")
        return raw

    return parse


def _text(doc: _Located, key: str, raw: Any) -> str:
    return str(raw or "")


#: The office's time zone unless bulletin.yml names another: deadlines in China are Beijing time.
DEFAULT_TIMEZONE = "Asia/Shanghai"


def _zone(doc: _Located, key: str, raw: Any) -> str:
    """An IANA time zone name (Asia/Shanghai, Asia/Urumqi, …)."""
    name = str(raw or "").strip()
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise doc.error(
            (key,), f"应为时区名称，例如 {DEFAULT_TIMEZONE}（北京时间），而不是“{raw}”"
        ) from None
    return name


@dataclass(frozen=True)
class Config:
    """Project settings: one declaration per bulletin.yml key (`option`), nothing else to edit."""

    root: Path
    organization: Organization = option(
        None,
        "发文机关（name，红头和落款使用）、发文字号代字（doc_prefix）、版记中的印发机关（printer）",
        lambda d, k, r: _parse_organization(d, r),
        Organization,
    )
    cadence: str = option(
        "month", "报告周期：month（按月）| quarter（按季度）",
        _choice("month", "quarter", said="应为 month（按月）或 quarter（按季度）"),
    )  # fmt: skip
    #: the legal threshold for a union committee (CONTRACT 3.3)
    priority_min_employees: int = option(
        25, "职工人数达到此数的未建会企业为重点企业（销号清单）", _whole(0, None, "应为非负整数")
    )
    volunteer_min_enterprises: int = option(
        10, "乡镇（街道）有这么多家重点规模企业时应配备志愿者", _whole(0, None, "应为非负整数")
    )
    score_weights: dict[str, float] = option(
        None, "综合得分权重（合计 100），每项最多按 100% 计",
        lambda d, k, r: _parse_weights(d, r), lambda: dict(DEFAULT_WEIGHTS),
    )  # fmt: skip
    judgments: dict[str, tuple[Rule, ...]] = option(
        None,
        "表扬、通报批评和一票否决的规则。每类是一个规则列表，单位满足其中任意一条即得到该评价；\n"
        "一条规则中写的各个条件必须同时满足。县市区在全市各县市区中排名和评价；乡镇（街道）在\n"
        "所属县市区内排名和评价（rank_at_most 等说的是在本县市区乡镇（街道）中的名次）。\n"
        "没有排名的单位（缺少年度目标等）不按含名次的规则评价，也不按它缺少的指标评价。",
        lambda d, k, r: _parse_judgments(d, r),
        default_judgments,
    )
    pdf_standard: str | None = option(
        None, "生成 PDF/A-2b 归档格式的通报", _choice(None, "a-2b", said="只支持 a-2b（PDF/A-2b）")
    )
    site_title: str = option("", "网站标题（默认由发文机关生成）", _text)
    #: the office's mail server for `bulletin send` (CONTRACT §4.1)
    mail: MailSettings | None = option(
        None,
        "发送分发文件（bulletin send）使用的本单位邮件服务器。单位的邮箱填在 data/units.csv 的“邮箱”列。\n"
        "密码不写在本文件中：运行前设置环境变量 BULLETIN_SMTP_PASSWORD，或在发送时按提示输入。\n"
        "security：starttls（端口一般为 587）、ssl（一般为 465），none 只用于本单位内网的邮件服务器；\n"
        "不填 username 表示服务器不需要登录。去掉下面各行开头的“# ”即可启用。",
        lambda d, k, r: _parse_mail(d, r),
    )
    #: the office's mailbox for `bulletin fetch` (IMAP)
    mailbox: MailboxSettings | None = option(
        None,
        "各县市区报来台账的收件邮箱（bulletin fetch 从这里取回附件，以邮件到达的时间登记收到时间）。\n"
        "密码不写在本文件中：运行前设置环境变量 BULLETIN_IMAP_PASSWORD，或在取件时按提示输入。\n"
        "security：ssl（端口一般为 993）、starttls（一般为 143），none 只用于本单位内网的邮件服务器；\n"
        "folder 是县市区来信所在的邮件夹（默认 INBOX）。去掉下面各行开头的“# ”即可启用。",
        lambda d, k, r: _parse_mailbox(d, r),
    )
    unreported: str = option(
        "error", "某县市区本期没有报送台账：error（作为错误）| previous（沿用上期数据）",
        _choice("error", "previous", said="应为 error（未报送的县市区是错误）或 previous（沿用上期数据）"),
    )  # fmt: skip
    report_deadline: int = option(
        5,
        "各县市区在报告期次月几号前报送台账：以 bulletin intake 记录的收到时间为准，\n"
        "逾期或未报送的列入通报的“报送情况”，并按下面 report_late 的规则通报批评",
        _whole(1, 28, "应为 1 到 28 之间的日期（几号）"),
    )  # fmt: skip
    bulletin_writeups: str = option(
        "none", "通报 PDF 是否列出本期工作动态：none（不列，默认）| titles（列出标题）",
        _choice("none", "titles", said="应为 none（通报中不列工作动态）或 titles（列出工作动态标题）"),
    )  # fmt: skip
    volunteer_deadline: tuple[int, int] = option(
        (7, 1),
        "工会工作志愿者配备期限（月-日）：每年从这一天起，应配备而未配备志愿者的乡镇（街道）\n"
        "和志愿者覆盖率不到100%的县市区，按下面带 after_volunteer_deadline 的规则通报批评",
        lambda d, k, r: _month_day(d, k, r),
    )
    rectify_days: int = option(
        10,
        "受到通报批评的单位限期整改的工作日数：从通报成文日期（signed_on）起算，\n"
        "跳过周六、周日和法定节假日（调休上班日照常计算），算出的日期写在每段批评和单位报告中",
        _whole(1, 60, "应为 1 到 60 之间的工作日天数（通报成文后几个工作日内整改）"),
    )  # fmt: skip
    #: the office's additions to China's official calendar (common/workdays.py)
    holidays: tuple[date, ...] = option(
        (),
        "另外放假的日期（列表，如 [2027-01-01, 2027-02-08]）：国务院尚未公布放假安排的年份，\n"
        "或本地的节假日。已公布的法定节假日和调休由程序自带，不必填写",
        lambda d, k, r: _dates(d, k, r),
    )
    workdays: tuple[date, ...] = option(
        (),
        "另外上班的日期（列表，如 [2027-02-06]）：调休上班的周六、周日，只在程序不知道时填写",
        lambda d, k, r: _dates(d, k, r),
    )
    #: a province or national project ranks its members (the cities or provinces of
    #: units.csv) from their issued bulletins (CONTRACT §7)
    level: str = option(
        "city",
        "本项目是哪一级：city（市，由县市区台账生成）| province（省）| national（全国）：\n"
        "省、全国的项目由各成员印发的通报包汇总，data/units.csv 列出本级和各成员",
        _choice(*LEVELS, said="应为 city（市，由县市区台账生成）、province（省，由各市印发的通报生成）"
                "或 national（全国，由各省印发的通报生成）"),
    )  # fmt: skip

    timezone: str = option(
        DEFAULT_TIMEZONE,
        "本单位所在时区：收到时间、报送截止日期和逾期天数都按这个时区的钟点计算和显示，\n"
        "与电脑本身的时区设置无关（默认 Asia/Shanghai，即北京时间）",
        _zone,
    )

    @property
    def calendar(self) -> WorkCalendar:
        """Official working days with this project's `holidays` and `workdays`."""
        return WorkCalendar(frozenset(self.holidays), frozenset(self.workdays))

    @property
    def zone(self) -> ZoneInfo:
        """The project's time zone (CONTRACT 1.2): every receipt is judged and shown in it."""
        return ZoneInfo(self.timezone)

    @property
    def data_dir(self) -> Path:
        return ProjectPaths(self.root).data

    @property
    def content_dir(self) -> Path:
        return ProjectPaths(self.root).content


#: Every bulletin.yml key, in declaration order.
OPTIONS: dict[str, Field[Any]] = {f.name: f for f in fields(Config) if "parse" in f.metadata}
_TOP_KEYS = tuple(OPTIONS)
#: The Chinese comment of every key (`init`'s bulletin.yml says each of them).
CONFIG_COMMENTS: dict[str, str] = {k: f.metadata["comment"] for k, f in OPTIONS.items()}
_COMMENT_COLUMN = 32


def _width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def init_line(key: str, value: object = None, commented: bool = False) -> str:
    """A key of `init`'s bulletin.yml with its declared comment beside it: `key: value  # …`
    (`commented`: written as `# key: value`, for the office to enable). The value is the
    declared default unless given."""
    shown = OPTIONS[key].default if value is None else value
    head = f"{'# ' if commented else ''}{key}: {shown}"
    pad = max(_COMMENT_COLUMN - _width(head), 3)
    first, *rest = CONFIG_COMMENTS[key].split("\n")
    lines = [f"{head}{' ' * pad}# {first}"]
    lines += [f"{'#'.ljust(_COMMENT_COLUMN)}# {more}" for more in rest]
    return "\n".join(lines)


def init_comment(key: str) -> str:
    """A key's declared comment as comment lines above it in `init`'s bulletin.yml."""
    return "\n".join(f"# {line}" for line in CONFIG_COMMENTS[key].split("\n"))


def load_config(root: Path) -> Config:
    """Read `root/bulletin.yml` (missing keys take the contract's defaults)."""
    path = ProjectPaths(root).config
    if not path.is_file():
        raise ConfigError(
            f"在 {root} 中找不到 {CONFIG_FILE}：这不是一个通报项目目录。"
            "请进入项目目录再运行，或用 bulletin init 目录名 新建项目。"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{CONFIG_FILE} 不是 UTF-8 编码：请用 UTF-8 保存后重试。") from exc
    return parse_config(text, root, path)


def parse_config(text: str, root: Path, path: Path | None = None) -> Config:
    """Parse bulletin.yml text into a Config: each key given is read by its declaration."""
    doc = _Located(text, path or ProjectPaths(root).config)
    data = doc.data
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_FILE} 的内容应是“键: 值”的设置列表。")
    for key in data:
        if key not in OPTIONS:
            raise doc.error((key,), f"不认识的设置项。可用的有：{'、'.join(OPTIONS)}")
    given = {key: OPTIONS[key].metadata["parse"](doc, key, raw) for key, raw in data.items()}
    return Config(root=root, **given)


def _parse_organization(doc: _Located, raw: Any) -> Organization:
    org_raw = raw or {}
    if not isinstance(org_raw, dict):
        raise doc.error(("organization",), "应包含 name（发文机关）和 doc_prefix（发文字号代字）")
    for key in org_raw:
        if key not in ("name", "doc_prefix", "printer"):
            raise doc.error(
                ("organization", key), "不认识的设置项（可用：name、doc_prefix、printer）"
            )
    return Organization(
        name=str(org_raw.get("name") or Organization.name),
        doc_prefix=str(org_raw.get("doc_prefix") or Organization.doc_prefix),
        printer=str(org_raw.get("printer") or ""),
    )


def _parse_weights(doc: _Located, weights_raw: Any) -> dict[str, float]:
    if not isinstance(weights_raw, dict) or not weights_raw:
        raise doc.error(("score_weights",), "应为 指标: 权重 的列表")
    weights: dict[str, float] = {}
    for key, value in weights_raw.items():
        if key not in SCORE_COMPONENTS:
            raise doc.error(
                ("score_weights", key), f"不能计分的指标。可用的有：{'、'.join(SCORE_COMPONENTS)}"
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise doc.error(("score_weights", key), f"权重应为非负数，而不是“{value}”")
        weights[key] = float(value)
    if abs(sum(weights.values()) - 100) > 1e-9:
        total = f"{sum(weights.values()):g}"
        raise doc.error(("score_weights",), f"各项权重之和应为 100，现在是 {total}")
    return weights


def _parse_judgments(doc: _Located, judgments_raw: Any) -> dict[str, tuple[Rule, ...]]:
    if not isinstance(judgments_raw, dict):
        raise doc.error(("judgments",), "应包含 commend、criticize、veto 三类规则")
    judgments: dict[str, tuple[Rule, ...]] = {}
    for kind in JUDGMENT_KINDS:
        rules_raw = judgments_raw.get(kind, DEFAULT_JUDGMENTS[kind])
        if rules_raw is None:
            rules_raw = []
        if not isinstance(rules_raw, list):
            raise doc.error(
                ("judgments", kind), "应为规则列表，例如 [{metric: schedule_rate, below: 0.6}]"
            )
        judgments[kind] = tuple(
            _parse_rule(doc, ("judgments", kind, i), raw) for i, raw in enumerate(rules_raw)
        )
    for kind in judgments_raw:
        if kind not in JUDGMENT_KINDS:
            raise doc.error(
                ("judgments", kind), "不认识的评价类别（可用：commend、criticize、veto）"
            )
    return judgments


def _month_day(doc: _Located, key: str, raw: Any) -> tuple[int, int]:
    """A month-day setting such as 07-01 (also 7-1, 7月1日); default 07-01."""
    if raw is None:
        return (7, 1)
    found = re.fullmatch(r"\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?\s*", str(raw))
    if found:
        month, day = int(found.group(1)), int(found.group(2))
        try:
            date(2024, month, day)  # a leap year: 02-29 is a valid deadline
        except ValueError:
            pass
        else:
            return (month, day)
    raise doc.error((key,), f"应为“月-日”，例如 07-01（7月1日），而不是“{raw}”")


def _dates(doc: _Located, key: str, raw: Any) -> tuple[date, ...]:
    """A list of dates such as [2027-01-01, 2027-02-08] (YAML reads them as dates)."""
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        try:
            day = item if isinstance(item, date) else date.fromisoformat(str(item).strip())
        except ValueError:
            raise doc.error(
                (key,), f"应为日期的列表，例如 [2027-01-01, 2027-02-08]，而不是“{item}”"
            ) from None
        out.append(day)
    return tuple(sorted(set(out)))


def _parse_rule(doc: _Located, path: tuple[Any, ...], raw: Any) -> Rule:
    if not isinstance(raw, dict) or not raw:
        raise doc.error(path, "每条规则应是条件的组合，例如 {metric: schedule_rate, below: 0.6}")
    for key in raw:
        if key not in RULE_KEYS:
            raise doc.error((*path, key), f"不认识的规则条件。可用的有：{'、'.join(RULE_KEYS)}")
    metric = raw.get("metric")
    if metric is not None and metric not in RULE_METRICS:
        raise doc.error(
            (*path, "metric"), f"不认识的指标“{metric}”。可用的有：{'、'.join(RULE_METRICS)}"
        )
    has_bound = "below" in raw or "at_least" in raw
    if metric is not None and not has_bound:
        raise doc.error(
            (*path, "metric"), "指定了指标，还应给出 below（低于）或 at_least（不低于）"
        )
    if metric is None and has_bound:
        raise doc.error(path, "给出了 below/at_least，还应指定 metric（指标）")

    def number(key: str) -> float | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise doc.error((*path, key), f"应为数字，而不是“{value}”")
        return float(value)

    def rank(key: str) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise doc.error((*path, key), f"应为正整数名次，而不是“{value}”")
        return value

    year_end = raw.get("year_end", False)
    if not isinstance(year_end, bool):
        raise doc.error((*path, "year_end"), "应为 true 或 false")
    after_deadline = raw.get("after_volunteer_deadline", False)
    if not isinstance(after_deadline, bool):
        raise doc.error((*path, "after_volunteer_deadline"), "应为 true 或 false")
    return Rule(
        metric=metric,
        below=number("below"),
        at_least=number("at_least"),
        rank_at_most=rank("rank_at_most"),
        rank_from_bottom_at_most=rank("rank_from_bottom_at_most"),
        year_end=year_end,
        after_volunteer_deadline=after_deadline,
    )


MAIL_KEYS = ("host", "port", "security", "username", "from")
MAIL_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class MailSettings:
    """`mail:` in bulletin.yml: the office's SMTP server. The password is never in a file."""

    host: str
    port: int
    #: starttls | ssl | none (none: only for a server on the office's own network)
    security: str
    #: the sender address (From)
    sender: str
    #: the login name; "" means no login
    username: str = ""


def _parse_mail(doc: _Located, raw: Any) -> MailSettings | None:
    if raw is None:
        return None
    example = "例如 {host: smtp.example.gov.cn, port: 587, security: starttls, username: zzb, from: zzb@example.gov.cn}"
    if not isinstance(raw, dict):
        raise doc.error(("mail",), f"应为邮件服务器设置，{example}")
    for key in raw:
        if key not in MAIL_KEYS:
            hint = "（密码不能写在文件中，请用环境变量 BULLETIN_SMTP_PASSWORD 或运行时输入）"
            raise doc.error(
                ("mail", key),
                f"不认识的设置项（可用：{'、'.join(MAIL_KEYS)}）"
                + (hint if "pass" in str(key).lower() else ""),
            )
    for key in ("host", "from"):
        if not raw.get(key):
            raise doc.error(("mail",), f"缺少 {key}，{example}")
    security = str(raw.get("security", "starttls")).lower()
    if security not in MAIL_SECURITY:
        raise doc.error(("mail", "security"), f"应为 starttls、ssl 或 none，而不是“{security}”")
    default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
    port = raw.get("port", default_port)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise doc.error(("mail", "port"), f"应为 1–65535 的端口号，而不是“{port}”")
    sender = str(raw["from"]).strip()
    if "@" not in sender:
        raise doc.error(("mail", "from"), f"应为发件邮箱地址，而不是“{sender}”")
    return MailSettings(
        host=str(raw["host"]).strip(),
        port=port,
        security=security,
        sender=sender,
        username=str(raw.get("username") or "").strip(),
    )


MAILBOX_KEYS = ("host", "port", "security", "username", "folder")


@dataclass(frozen=True)
class MailboxSettings:
    """`mailbox:` in bulletin.yml: the office's IMAP mailbox. The password is never in a file."""

    host: str
    port: int
    #: ssl | starttls | none (none: only for a server on the office's own network)
    security: str
    username: str
    #: the folder the counties' mail arrives in
    folder: str = "INBOX"


def _parse_mailbox(doc: _Located, raw: Any) -> MailboxSettings | None:
    if raw is None:
        return None
    example = (
        "例如 {host: imap.example.gov.cn, port: 993, security: ssl, username: zzb@example.gov.cn}"
    )
    if not isinstance(raw, dict):
        raise doc.error(("mailbox",), f"应为收件邮箱设置，{example}")
    for key in raw:
        if key not in MAILBOX_KEYS:
            hint = "（密码不能写在文件中，请用环境变量 BULLETIN_IMAP_PASSWORD 或运行时输入）"
            raise doc.error(
                ("mailbox", key),
                f"不认识的设置项（可用：{'、'.join(MAILBOX_KEYS)}）"
                + (hint if "pass" in str(key).lower() else ""),
            )
    for key in ("host", "username"):
        if not str(raw.get(key) or "").strip():
            raise doc.error(("mailbox",), f"缺少 {key}，{example}")
    security = str(raw.get("security", "ssl")).lower()
    if security not in MAIL_SECURITY:
        raise doc.error(("mailbox", "security"), f"应为 ssl、starttls 或 none，而不是“{security}”")
    port = raw.get("port", 993 if security == "ssl" else 143)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise doc.error(("mailbox", "port"), f"应为 1–65535 的端口号，而不是“{port}”")
    return MailboxSettings(
        host=str(raw["host"]).strip(),
        port=port,
        security=security,
        username=str(raw["username"]).strip(),
        folder=str(raw.get("folder") or "INBOX").strip() or "INBOX",
    )
