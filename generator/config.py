"""bulletin.yml: the project settings, typed, with defaults from CONTRACT §5.

Every mistake is a ConfigError whose message names the key and its line in bulletin.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from generator.errors import ConfigError
from generator.indicators import RULE_METRICS
from generator.paths import CONFIG_FILE as CONFIG_FILE  # its old home, for imports of it
from generator.paths import ProjectPaths
from generator.safe_yaml import Document, YamlError

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


@dataclass(frozen=True)
class Config:
    """Project settings; one attribute per bulletin.yml key."""

    root: Path
    organization: Organization = field(default_factory=Organization)
    #: month | quarter
    cadence: str = "month"
    #: employees from which a non-unionised enterprise is a priority (legal threshold: 25)
    priority_min_employees: int = 25
    #: qualifying enterprises from which a township requires a volunteer
    volunteer_min_enterprises: int = 10
    score_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    judgments: dict[str, tuple[Rule, ...]] = field(default_factory=dict)
    #: month and day of each year from which townships must have a volunteer (CONTRACT 3.5)
    volunteer_deadline: tuple[int, int] = (7, 1)
    #: None or "a-2b"
    pdf_standard: str | None = None
    #: site title shown in the header of both sites
    site_title: str = ""
    #: the office's mail server for `bulletin send` (CONTRACT §4.1); None when not set
    mail: MailSettings | None = None
    #: the office's mailbox for `bulletin fetch` (IMAP); None when not set
    mailbox: MailboxSettings | None = None
    #: error | previous: what a county without rows in a period is (CONTRACT 1.1)
    unreported: str = "error"
    #: the day of the month after a period by which counties report
    report_deadline: int = 5
    #: none | titles: whether the PDF bulletin lists the period's write-ups (工作动态) by title
    bulletin_writeups: str = "none"
    #: working days after signed_on by which a criticised unit rectifies (限期整改, CONTRACT 3.9)
    rectify_days: int = 10
    #: city | province | national: a province or national project ranks its members (the
    #: cities or provinces of units.csv) from their issued bulletins (CONTRACT §7)
    level: str = "city"

    @property
    def data_dir(self) -> Path:
        return ProjectPaths(self.root).data

    @property
    def content_dir(self) -> Path:
        return ProjectPaths(self.root).content


class _Located:
    """A YAML mapping converted to Python with the line of every key path (generator.safe_yaml)."""

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


_TOP_KEYS = (
    "organization",
    "cadence",
    "priority_min_employees",
    "volunteer_min_enterprises",
    "score_weights",
    "judgments",
    "pdf_standard",
    "site_title",
    "mail",
    "mailbox",
    "unreported",
    "report_deadline",
    "bulletin_writeups",
    "volunteer_deadline",
    "rectify_days",
    "level",
)


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
    """Parse bulletin.yml text into a Config."""
    doc = _Located(text, path or ProjectPaths(root).config)
    data = doc.data
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_FILE} 的内容应是“键: 值”的设置列表。")
    for key in data:
        if key not in _TOP_KEYS:
            raise doc.error((key,), f"不认识的设置项。可用的有：{'、'.join(_TOP_KEYS)}")

    org_raw = data.get("organization") or {}
    if not isinstance(org_raw, dict):
        raise doc.error(("organization",), "应包含 name（发文机关）和 doc_prefix（发文字号代字）")
    for key in org_raw:
        if key not in ("name", "doc_prefix", "printer"):
            raise doc.error(
                ("organization", key), "不认识的设置项（可用：name、doc_prefix、printer）"
            )
    organization = Organization(
        name=str(org_raw.get("name") or Organization.name),
        doc_prefix=str(org_raw.get("doc_prefix") or Organization.doc_prefix),
        printer=str(org_raw.get("printer") or ""),
    )

    cadence = data.get("cadence", "month")
    if cadence not in ("month", "quarter"):
        raise doc.error(("cadence",), f"应为 month（按月）或 quarter（按季度），而不是“{cadence}”")

    def positive_int(key: str, default: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise doc.error((key,), f"应为非负整数，而不是“{value}”")
        return value

    weights_raw = data.get("score_weights", DEFAULT_WEIGHTS)
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

    judgments_raw = data.get("judgments", DEFAULT_JUDGMENTS)
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

    pdf_standard = data.get("pdf_standard")
    if pdf_standard not in (None, "a-2b"):
        raise doc.error(("pdf_standard",), f"只支持 a-2b（PDF/A-2b），而不是“{pdf_standard}”")

    unreported = data.get("unreported", "error")
    if unreported not in ("error", "previous"):
        raise doc.error(
            ("unreported",),
            f"应为 error（未报送的县市区是错误）或 previous（沿用上期数据），而不是“{unreported}”",
        )
    report_deadline = data.get("report_deadline", 5)
    if (
        isinstance(report_deadline, bool)
        or not isinstance(report_deadline, int)
        or not (1 <= report_deadline <= 28)
    ):
        raise doc.error(
            ("report_deadline",), f"应为 1 到 28 之间的日期（几号），而不是“{report_deadline}”"
        )

    rectify_days = data.get("rectify_days", 10)
    if (
        isinstance(rectify_days, bool)
        or not isinstance(rectify_days, int)
        or not (1 <= rectify_days <= 60)
    ):
        raise doc.error(
            ("rectify_days",),
            f"应为 1 到 60 之间的工作日天数（通报成文后几个工作日内整改），而不是“{rectify_days}”",
        )

    writeups = data.get("bulletin_writeups", "none")
    if writeups not in ("none", "titles"):
        raise doc.error(
            ("bulletin_writeups",),
            f"应为 none（通报中不列工作动态）或 titles（列出工作动态标题），而不是“{writeups}”",
        )

    level = data.get("level", "city")
    if level not in LEVELS:
        raise doc.error(
            ("level",),
            f"应为 city（市，由县市区台账生成）、province（省，由各市印发的通报生成）"
            f"或 national（全国，由各省印发的通报生成），而不是“{level}”",
        )

    return Config(
        volunteer_deadline=_month_day(doc, "volunteer_deadline", data.get("volunteer_deadline")),
        root=root,
        organization=organization,
        cadence=str(cadence),
        priority_min_employees=positive_int("priority_min_employees", 25),
        volunteer_min_enterprises=positive_int("volunteer_min_enterprises", 10),
        score_weights=weights,
        judgments=judgments,
        pdf_standard=pdf_standard,
        site_title=str(data.get("site_title") or ""),
        mail=_parse_mail(doc, data.get("mail")),
        mailbox=_parse_mailbox(doc, data.get("mailbox")),
        unreported=str(unreported),
        report_deadline=report_deadline,
        bulletin_writeups=str(writeups),
        rectify_days=rectify_days,
        level=str(level),
    )


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
