"""Stage 2b, the judgments: veto, criticism and praise, and the Chinese reason of each (3.9)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from generator.common import formatting as fmt
from generator.common.config import Config, Rule
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.federation.words import level_words, words
from generator.figures.hierarchy import (
    Hierarchy,
)
from generator.figures.indicators import BY_NAME, RULE_METRICS
from generator.figures.score import all_unionized
from generator.rosters import codes
from generator.rosters.specs import CAMPAIGNS

JUDGMENT_COLUMNS = ("period", "code", "kind", "reason")

#: Each completion metric: (year-to-date count, target, what the target is of, unit).
COMPLETIONS: dict[str, tuple[str, str, str, str]] = {
    "target_completion": ("ytd_new_unions", "target_new_unions", "年度目标", "家"),
    "members_completion": ("ytd_new_members", "target_new_members", "新增会员目标", "人"),
    **{
        f"{c.key}_completion": (f"{c.key}_ytd_new", f"target_{c.key}", f"{c.label}目标", c.unit)
        for c in CAMPAIGNS.values()
        if c.target
    },
}
#: Each schedule metric and its completion metric (schedule = completion / elapsed).
SCHEDULE_OF: dict[str, str] = {
    "schedule_rate": "target_completion",
    "members_schedule_rate": "members_completion",
    **{f"{c.key}_schedule_rate": f"{c.key}_completion" for c in CAMPAIGNS.values() if c.target},
}
#: Each schedule metric and the target whose share is due by now (CONTRACT 3.9).
SCHEDULE_TARGETS: dict[str, str] = {m: COMPLETIONS[c][1] for m, c in SCHEDULE_OF.items()}
#: The rules a unit with nothing left to unionise is not judged by (3.9).
NEW_UNION_METRICS = ("schedule_rate", "target_completion")
#: Figures a reason may quote beside the rules' own metrics.
_CONTEXT_FACTS = (
    "report_days_late",
    "enterprises",
    "unionized",
    "new_unions",
    "coverage_rate",
    "coverage_rate_change",
    "priority_closed",
    "elapsed",
)
#: A schedule rate above this is not quoted: far ahead of schedule is said so, not as 1200 %.
SCHEDULE_QUOTED_UP_TO = 2.0


def amount_due(target: float | None, elapsed: float | None) -> int:
    """What a target asks for by now: target × elapsed, rounded half up (CONTRACT 3.9)."""
    if target is None or target != target or elapsed is None or elapsed != elapsed:
        return 0
    return int(np.floor(round(float(target) * float(elapsed), 9) + 0.5))


def fair_rule(rule: Rule, figures: Mapping[str, Any], all_done: bool) -> bool:
    """Whether a criticism or veto rule may blame the unit at all (CONTRACT 3.9).

    A schedule rule waits until at least one whole unit of the target is due; a unit with no
    enterprise left to unionise is not judged on new-union targets.
    """
    if all_done and rule.metric in NEW_UNION_METRICS:
        return False
    target = SCHEDULE_TARGETS.get(rule.metric or "")
    if target is not None:
        return amount_due(figures.get(target), figures.get("elapsed")) >= 1
    return True


@dataclass(frozen=True)
class Standing:
    """What a judgment's text needs to know of the unit besides its figures."""

    #: whom the rank is among: 各县市区, 松岚县各乡镇（街道）
    among_label: str = ""
    #: 本月 / 本季度
    period_word: str = "本期"
    #: no active enterprise left to unionise (已全部建会)
    all_unionized: bool = False
    #: the first period of the year: this period's new unions are the year's
    year_start: bool = False


def _plain(values: np.ndarray) -> list[Any]:
    """The values as Python objects, None where NaN."""
    out = values.astype(object)
    out[values != values] = None
    return list(out.tolist())


def unit_judgments(
    h: Hierarchy, periods: list[Period], f: dict[str, np.ndarray], config: Config
) -> pd.DataFrame:
    """One judgment per unit and period: veto over criticism over praise (CONTRACT 3.4, 3.9).

    Every county and township is judged; a unit left unranked (3.4) matches no rule on rank,
    and no rule on a metric it lacks. Criticism and veto rules pass `fair_rule`; a unit with a
    rectification past its deadline, or late in reporting, is not praised. A veto quotes every
    veto and criticism rule the unit matched, a criticism every criticism rule; a commendation
    says what the unit did.
    """
    rules = config.judgments
    wanted = [*RULE_METRICS, *_CONTEXT_FACTS]
    for ytd, target, _noun, _unit in COMPLETIONS.values():
        wanted += [ytd, target]
    facts = [m for m in dict.fromkeys(wanted) if m in f]
    judged = [int(i) for i in h.official if h.is_county[i] or h.is_township[i]]
    done = all_unionized(f)
    overdue = f["_overdue_rectifications"]
    rows: list[tuple[str, str, str, str]] = []
    for p, period in enumerate(periods):
        key, year_end = str(period), period.is_year_end
        after = period.end >= volunteer_deadline_of(period.year, config.volunteer_deadline)
        word = "本月" if period.cadence == "month" else "本季度"
        # Plain Python values once per period: a province has some 2 000 units to judge.
        values = {m: f[m][p, judged].tolist() for m in ("rank", "ranked_among")}
        # each unit's facts as one row of Python values (None for NaN), zipped with their names
        facts_of = list(zip(*(_plain(f[m][p, judged]) for m in facts), strict=True))
        for j, i in enumerate(judged):
            rank_value = values["rank"][j]
            r = None if rank_value != rank_value else int(rank_value)
            among_value = values["ranked_among"][j]
            among = 0 if among_value != among_value else int(among_value)
            figures = dict(zip(facts, facts_of[j], strict=True)) if facts else {}
            all_done = bool(done[p, i])

            def matching(kind: str) -> list[Rule]:
                return [
                    rule
                    for rule in rules.get(kind, ())
                    if rule.matches(figures, r, among, year_end, after)  # noqa: B023
                    and (kind == "commend" or fair_rule(rule, figures, all_done))  # noqa: B023
                ]

            criticize = matching("criticize")
            veto = matching("veto") if year_end else []
            blocked = overdue[p, i] > 0 or figures.get("report_late") == 1
            commend = [] if criticize or veto or blocked else matching("commend")[:1]
            if veto:
                kind, matched = "veto", [*veto, *criticize]
            elif criticize:
                kind, matched = "criticize", criticize
            elif commend:
                kind, matched = "commend", commend
            else:
                continue
            township = bool(h.is_township[i])
            county = h.names.get(str(h.parent[i]), "") if township else ""
            standing = Standing(
                among_label=f"{county}各乡镇（街道）" if township else "各县市区",
                period_word=word,
                all_unionized=all_done,
                year_start=period.index == 1,
            )
            reason = judgment_reason(
                kind,
                matched,
                figures,
                r,
                among,
                volunteer_deadline=config.volunteer_deadline,
                township=township,
                standing=standing,
            )
            rows.append((key, h.codes[i], kind, reason))
    frame = pd.DataFrame(rows, columns=list(JUDGMENT_COLUMNS))
    return frame.astype("string")


UNDECIDED_WARNING = "W-JUDGMENT-UNDECIDED"


def undecided_warnings(
    h: Hierarchy, periods: list[Period], f: dict[str, np.ndarray], config: Config
) -> list[Problem]:
    """Judgments the office's missing records leave undecided, as warnings for `check` (3.9).

    Nothing the office lacks is printed; it learns of it here: a unit whose members at the
    previous year's end are not in the data cannot be judged on a new-members rule. (A receipt
    not recorded, which leaves a report_late rule undecided, is the record's own problem.)
    """
    rules = config.judgments
    metrics = {r.metric for kind in ("criticize", "veto") for r in rules.get(kind, ())}
    out: list[Problem] = []
    warned_members: set[tuple[int, str]] = set()
    for p, period in enumerate(periods):
        used = sorted(m for m in metrics if m in ("members_completion", "members_schedule_rate"))
        if not used:
            continue
        missing = np.isnan(f["ytd_new_members"][p]) & ~np.isnan(f["target_new_members"][p])
        for i in np.flatnonzero(missing & (h.is_county | h.is_township)):
            code = h.codes[int(i)]
            if (period.year, code) in warned_members:
                continue
            warned_members.add((period.year, code))
            name = h.names.get(code, code)
            out.append(
                _undecided_problem(
                    h,
                    period,
                    code,
                    f"data/{period}",
                    "会员人数",
                    f"{name}（{code}）{period.year - 1}年末的会员人数不在数据中，本年新增会员无法"
                    f"计算：规则 {'、'.join(used)} 对它不起作用。请补上"
                    f"{period.previous_year_end().label}的台账。",
                )
            )
    return out


def member_year_end_warnings(
    h: Hierarchy, periods: list[Period], given: Mapping[str, np.ndarray], config: Config
) -> list[Problem]:
    """Members whose packages do not give the members they gained this year, one warning per
    member and year naming its periods (W-MEMBER-YEAR-END, CONTRACT §7).

    The level's own gain is the sum of its members' and is not stated when one lacks it, nor
    is its new-members target's completion: the office learns why here, not from a blank.
    """
    gained = given.get("ytd_new_members")
    if gained is None:
        return []
    lacking: dict[tuple[int, int], list[Period]] = {}
    members = [int(i) for i in h.official if h.parent_pos[i] >= 0]
    for p, period in enumerate(periods):
        for i in members:
            if np.isnan(gained[p, i]):
                lacking.setdefault((period.year, i), []).append(period)
    whole = level_words(config.level).own
    out: list[Problem] = []
    for (year, i), missing in lacking.items():
        code = h.codes[i]
        name = h.names.get(code, code)
        shown = _periods_said(missing)
        out.append(
            codes.W_MEMBER_YEAR_END.problem(
                f"data/{missing[-1]}/",
                None,
                value=code,
                county=(code, name),
                member=f"{name}（{code}）",
                periods=shown,
                year=year - 1,
                whole=whole,
            )
        )
    return out


def _periods_said(periods: list[Period]) -> str:
    """2026年1月; 2026年1月至2026年10月 when one after another; else each, joined with 、."""
    if len(periods) == 1:
        return periods[0].label
    if all(b.previous() == a for a, b in pairwise(periods)):
        return f"{periods[0].label}至{periods[-1].label}"
    return "、".join(p.label for p in periods)


def _undecided_problem(
    h: Hierarchy, period: Period, code: str, file: str, column: str, message: str
) -> Problem:
    county = str(h.county_of.get(code, ""))
    return Problem(
        file=file,
        row=None,
        column=column,
        code=UNDECIDED_WARNING,
        severity="warning",
        value=str(period),
        message=message,
        county=county,
        county_name=h.names.get(county, "") if county else "",
    )


def volunteer_deadline_of(year: int, month_day: tuple[int, int]) -> date:
    """The volunteer deadline of a year (02-29 falls on 02-28 in a common year)."""
    month, day = month_day
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _threshold(rule: Rule, metric: str) -> str:
    """低于60.0%: the bound of a rule, said on the metric it applies to."""
    bound = rule.below if rule.below is not None else rule.at_least
    word = "低于" if rule.below is not None else "不低于"
    return word + BY_NAME[metric].show(bound) + BY_NAME[metric].unit


def _fall(label: str, value: float, unit: str) -> str:
    """A fall said as one: 本期新增会员 −141 -> 本期会员减少141人."""
    return f"{label.replace('新增', '')}减少{fmt.integer(-value)}{unit}"


def metric_fact(metric: str, figures: Mapping[str, Any]) -> str:
    """A metric's value as a reader says it: no negative rate, no schedule over 200 %.

    已完成年度目标（12家，目标10家）; 本年会员减少141人（新增会员目标300人）; 新建会序时进度
    完成率超过200.0%; 本期会员减少20人; 建会率76.3%.
    """
    indicator = BY_NAME[metric]
    value = figures.get(metric)
    completion = SCHEDULE_OF.get(metric, metric)
    if completion in COMPLETIONS:
        ytd, target, noun, unit = COMPLETIONS[completion]
        got, goal = figures.get(ytd), figures.get(target)
        if got is not None and got < 0:
            return _fall(BY_NAME[ytd].label, got, unit) + f"（{noun}{fmt.integer(goal)}{unit}）"
        done = figures.get(completion)
        if metric == completion and done is not None and done >= 1:
            return f"已完成{noun}（{fmt.integer(got)}{unit}，目标{fmt.integer(goal)}{unit}）"
        if metric != completion and value is not None and value > SCHEDULE_QUOTED_UP_TO:
            return f"{indicator.label}超过{fmt.percent(SCHEDULE_QUOTED_UP_TO)}"
    if indicator.kind == "delta" and value is not None and value < 0:
        return _fall(indicator.label, value, indicator.unit)
    return f"{indicator.label}{indicator.show(value)}{indicator.unit}"


def _new_unions_fact(
    kind: str, figures: Mapping[str, Any], notes: Mapping[str, list[str]]
) -> list[str]:
    """The year's new unions against the target, as a reader says them; `notes` hold the
    thresholds of the new-union metrics the judgment is about, quoted on their metric."""
    ytd = figures.get("ytd_new_unions") or 0
    target = figures.get("target_new_unions")
    completion = figures.get("target_completion")
    schedule = figures.get("schedule_rate")
    if target is None:
        return [f"本年新建会{fmt.integer(ytd)}家（未下达年度目标）"]
    if target == 0:
        return [f"本年新建会{fmt.integer(ytd)}家（年度目标为0家）"]
    if completion is not None and completion >= 1:
        done = metric_fact("target_completion", figures)
        if notes.get("target_completion"):  # a rule asking for more than the target
            bounds = "，".join(notes["target_completion"])
            return [done, f"完成年度目标的{fmt.percent(completion)}（{bounds}）"]
        return [done]
    if kind == "commend":
        said = [f"本年累计新建会{fmt.integer(ytd)}家，完成年度目标的{fmt.percent(completion)}"]
        if schedule is not None and schedule > SCHEDULE_QUOTED_UP_TO:
            said.append("超过序时进度")
        elif schedule is not None and schedule >= 1:
            said.append(f"序时进度完成率{fmt.percent(schedule)}")
        return said

    def noted(text: str, metric: str) -> str:
        return f"{text}（{'，'.join(notes[metric])}）" if notes.get(metric) else text

    said = [
        "本年尚未新建会"
        if not ytd
        else f"本年新建会{fmt.integer(ytd)}家（年度目标{fmt.integer(target)}家）"
    ]
    quoted = [m for m in NEW_UNION_METRICS if m in notes]
    if "target_completion" in quoted or not quoted:
        said.append(noted(f"完成年度目标的{fmt.percent(completion)}", "target_completion"))
    # at year end the schedule is the completion: said once
    if (
        "schedule_rate" in quoted
        and ("target_completion" not in quoted or (figures.get("elapsed") or 0) < 1)
        and schedule is not None
        and schedule <= SCHEDULE_QUOTED_UP_TO
    ):
        said.append(noted(f"序时进度完成率{fmt.percent(schedule)}", "schedule_rate"))
    return said


def judgment_reason(
    kind: str,
    rule: Rule | list[Rule],
    figures: Mapping[str, Any],
    rank: int | None,
    among: int,
    *,
    volunteer_deadline: tuple[int, int] = (7, 1),
    township: bool = False,
    standing: Standing | None = None,
) -> str:
    """The Chinese reason of a judgment, quoting the numbers behind it as a reader says them.

    A commendation says what was done: 本月新建会5家、销号重点企业2家，已完成年度目标（52家，
    目标40家），建会率86.2%，较上期提高1.5个百分点，综合得分94.1分，在松岚县各乡镇（街道）中
    排名第1. A criticism or veto names each threshold on the metric it applies to:
    本年新建会3家（年度目标12家），序时进度完成率36.0%（低于60.0%）.
    """
    standing = standing or Standing()
    rules = [rule] if isinstance(rule, Rule) else list(rule)
    by_rank = any(r.rank_at_most is not None or r.rank_from_bottom_at_most for r in rules)
    ranking = ""
    if rank is not None and (kind == "commend" or by_rank):
        where = f"在{standing.among_label}中" if standing.among_label else ""
        ranking = f"综合得分{fmt.number(figures.get('score'))}分，{where}排名第{rank}"
        if any(r.rank_from_bottom_at_most is not None for r in rules):
            ranking += f"（共{among}个，倒数第{among - rank + 1}）"
    if kind == "commend":
        return _commendation(rules, figures, ranking, standing)

    month, day = volunteer_deadline
    notes: dict[str, list[str]] = {}
    said: dict[str, str] = {}
    for one in rules:
        metric = one.metric
        if metric is None:
            continue
        if metric == "score":
            bound = f"（{_threshold(one, metric)}）"
            score = f"综合得分{fmt.number(figures.get('score'))}分"
            ranking = ranking.replace(score, score + bound) if ranking else score + bound
            continue
        if metric == "report_late":
            # 报送情况 (1.1): said as what happened, not as a flag below a threshold
            late = figures.get("report_days_late")
            said[metric] = (
                f"本期{words().ledger}逾期{fmt.integer(late)}天报送"
                if late
                else f"本期{words().ledger}未按时报送（沿用上期数据）"
            )
            continue
        lacking = township and metric == "volunteer_coverage" and figures.get(metric) == 0
        if metric not in NEW_UNION_METRICS:
            said.setdefault(
                metric, "应配备工会工作志愿者而未配备" if lacking else metric_fact(metric, figures)
            )
        note = notes.setdefault(metric, [])
        if not lacking:
            note.append(_threshold(one, metric))
        if one.after_volunteer_deadline:
            note.append(f"已过{month}月{day}日配备期限")
    parts: list[str] = [ranking] if ranking else []
    about_targets = any(
        r.metric in (*NEW_UNION_METRICS, "ytd_new_unions", "score") for r in rules
    ) or (by_rank and not said)
    if about_targets:
        if standing.all_unionized:
            parts.append(f"已全部建会（{fmt.integer(figures.get('enterprises'))}家企业）")
        else:
            parts += _new_unions_fact(kind, figures, notes)
    for metric, text in said.items():
        if metric == "ytd_new_unions" and about_targets:
            continue
        bounds = "，".join(notes.get(metric, []))
        parts.append(f"{text}（{bounds}）" if bounds else text)
    return "，".join(parts)


def _commendation(
    rules: list[Rule], figures: Mapping[str, Any], ranking: str, standing: Standing
) -> str:
    """What a praised unit did, from its figures: this period's work, the year, its standing."""
    deeds = []
    new = figures.get("new_unions") or 0
    closed = figures.get("priority_closed") or 0
    if new:
        deeds.append(f"新建会{fmt.integer(new)}家")
    if closed:
        deeds.append(f"销号重点企业{fmt.integer(closed)}家")
    parts = [standing.period_word + "、".join(deeds)] if deeds else []
    if standing.all_unionized:
        parts.append(f"已全部建会（{fmt.integer(figures.get('enterprises'))}家企业）")
    else:
        said = _new_unions_fact("commend", figures, {})
        if standing.year_start and new:  # this period's are the year's: said once
            said[0] = said[0].replace(f"本年累计新建会{fmt.integer(new)}家，", "")
        parts += said
        rate, change = figures.get("coverage_rate"), figures.get("coverage_rate_change")
        if rate is not None:
            shown = f"建会率{fmt.percent(rate)}"
            parts.append(
                shown + ("，较上期" + fmt.change_phrase(change) if change and change > 0 else "")
            )
    for one in rules:
        metric = one.metric
        if metric is None or metric in ("score", "coverage_rate", *NEW_UNION_METRICS):
            continue
        parts.append(metric_fact(metric, figures))
    if ranking:
        parts.append(ranking)
    return "，".join(parts)
