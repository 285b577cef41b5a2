"""The words a project uses for itself and for the units it ranks, by level (bulletin.yml `level`).

A city speaks of 全市 and its 县市区; a province of 全省 and its 市（州）; the national federation of
全国 and its 省（区、市）. Every output that names the level or its members reads this table, so
that a province's bulletin, reports, sites and packets never speak as a city.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

#: Where volunteers are posted, at every level: the townships of the cities' counties.
TOWNSHIPS = "乡镇（街道）"


@dataclass(frozen=True)
class LevelWords:
    """How one level names itself, its members and what they send."""

    name: str  # 市: what the level's own unit is (a unit page's, a table's 层级)
    own: str  # 全市: the level's own total
    members: str  # 县市区: the units it ranks (column headings, counts: 3个县市区)
    member_unions: str  # 各县（市、区）总工会: 主送 when the frame names none
    #: the members' own members (乡镇（街道）), None when the level's roster stops at its members:
    #: a province is built from its cities' totals, so it has no townships to name
    sub: str | None
    sent: str  # 企业建会台账: what a member sends each period
    ledger: str  # 台账: the same, short (本期台账逾期3天报送)

    @property
    def each(self) -> str:
        """各县市区: all the members."""
        return "各" + self.members

    @property
    def has_lists(self) -> bool:
        """Whether the level holds its units' enterprise lists (a province: its members' counts
        only, the lists stay with each city)."""
        return self.sub is not None

    def label(self, unit_level: str) -> str:
        """What a unit of the roster's `unit_level` (city, county, township) is called here."""
        return {"city": self.name, "county": self.members}.get(unit_level) or self.sub or unit_level

    def volunteers_said(self, required: str, covered: str, coverage: str) -> str:
        """Say the volunteer coverage (the counts as written, without the stop). A level that
        holds its townships counts its own; one whose roster stops at its members (a province)
        counts the townships its members hold, and says so: it has none of its own."""
        if self.sub is not None:
            return (
                f"{self.own}应配备工会工作志愿者的{self.sub}{required}个，"
                f"已配备{covered}个，覆盖率{coverage}"
            )
        return (
            f"{self.each}所辖{TOWNSHIPS}中应配备工会工作志愿者的{required}个，"
            f"已配备{covered}个，{self.own}覆盖率{coverage}"
        )

    def placeholders(self) -> dict[str, str]:
        """The $words a wording.yml phrase may use."""
        return {
            "own": self.own,
            "members": self.members,
            "each_member": self.each,
            "sub": self.sub or "",
            "sent": self.sent,
            "ledger": self.ledger,
        }


LEVEL_WORDS: dict[str, LevelWords] = {
    "city": LevelWords(
        "市", "全市", "县市区", "各县（市、区）总工会", TOWNSHIPS, "企业建会台账", "台账"
    ),
    "province": LevelWords(
        "省", "全省", "市（州）", "各市（州）总工会", None, "已印发的通报数据", "通报数据"
    ),
    "national": LevelWords(
        "全国", "全国", "省（区、市）", "各省（区、市）总工会", None, "已印发的通报数据", "通报数据"
    ),
}


def level_words(level: str) -> LevelWords:
    """The words of a project's level (city when it says none)."""
    return LEVEL_WORDS.get(level, LEVEL_WORDS["city"])


#: The level the outputs being made speak for: set by each output's entry point (bulletin and
#: report documents, charts, sites) from bulletin.yml, read where a phrase names the level.
_SPEAKING: ContextVar[LevelWords] = ContextVar("level_words", default=LEVEL_WORDS["city"])


def speak_as(level: str) -> LevelWords:
    """Make the outputs made from here on speak for `level`; its words."""
    words = level_words(level)
    _SPEAKING.set(words)
    return words


def words() -> LevelWords:
    """The words of the level the outputs being made speak for."""
    return _SPEAKING.get()


def heading(text: str) -> str:
    """A table heading in the level's words: a city's 县市区 column names the level's members."""
    return words().members if text == "县市区" else text
