"""Stage 2b, the score and rank of each county and township (CONTRACT §3.4)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from generator.common.config import Config
from generator.common.periods import Period
from generator.common.problems import Problem
from generator.federation.words import words
from generator.figures.hierarchy import (
    Hierarchy,
    shifted,
)
from generator.figures.indicators import BY_NAME

SCORE_WARNING = "W-SCORE-NULL"


def _half_up_cents(score: np.ndarray) -> np.ndarray:
    """Scores in hundredths, rounded half up (equal to 2 decimals means equal here)."""
    return np.floor(np.round(score * 100, 6) + 0.5)


def all_unionized(f: Mapping[str, np.ndarray]) -> np.ndarray:
    """Units with active enterprises and none of them left to unionise (已全部建会, 3.9)."""
    enterprises, unionized = f["enterprises"], f["unionized"]
    return np.asarray((enterprises > 0) & (unionized >= enterprises))


def _score_groups(h: Hierarchy) -> list[np.ndarray]:
    """The units scored together: the city alone, the counties, each county's townships."""
    groups = [np.flatnonzero(~(h.is_county | h.is_township)), np.flatnonzero(h.is_county)]
    townships = np.flatnonzero(h.is_township)
    for parent in dict.fromkeys(h.parent[townships].tolist()):
        groups.append(townships[h.parent[townships] == parent])
    return [g for g in groups if len(g)]


def score_units(
    h: Hierarchy, periods: list[Period], f: dict[str, np.ndarray], config: Config
) -> list[Problem]:
    """score = Σ weight × min(component, 1) within each ranking group (CONTRACT §3.4).

    A component null for every unit of a group is left out for that group and the score
    scaled to 100 over the remaining weights; a unit with a null component that others of its
    group have gets no score (and so no rank: 未排名), with a warning.
    """
    score = np.full((len(periods), h.n), np.nan)
    warnings: list[Problem] = []
    warned_targets: set[tuple[int, str]] = set()
    weights = list(config.score_weights.items())
    groups = _score_groups(h)
    # 3.9: a unit with nothing left to unionise has met its schedule, whatever its target
    done = all_unionized(f)
    for p, period in enumerate(periods):
        for group in groups:
            present = {c: ~np.isnan(f[c][p, group]) for c, _w in weights}
            used = [(c, w) for c, w in weights if present[c].any()]
            total = sum(w for _c, w in used)
            if not used or total <= 0:
                continue
            met = {c: done[p, group] if c == "schedule_rate" else False for c, _w in weights}
            complete = np.logical_and.reduce([present[c] | met[c] for c, _w in used])
            values = sum(
                w * np.where(met[c], 1.0, np.minimum(np.nan_to_num(f[c][p, group]), 1.0))
                for c, w in used
            )
            score[p, group[complete]] = np.asarray(values)[complete] * (100.0 / total)
            for component, _w in weights:
                for j in np.flatnonzero(~(present[component] | met[component])):
                    i, code = int(group[j]), h.codes[int(group[j])]
                    if component == "schedule_rate":
                        if (period.year, code) in warned_targets:
                            continue  # one warning per unit and year: targets are per year
                        warned_targets.add((period.year, code))
                    left_out = not present[component].any()
                    warnings.append(_score_warning(h, period, code, component, f, p, i, left_out))
    f["score"] = score
    return warnings


def _score_warning(
    h: Hierarchy,
    period: Period,
    code: str,
    component: str,
    f: dict[str, np.ndarray],
    p: int,
    i: int,
    left_out: bool = False,
) -> Problem:
    name = h.names.get(code, code)
    label = BY_NAME[component].label
    if component == "schedule_rate":
        file, column = "data/targets.csv", "新建会目标"
        target = f["target_new_unions"][p, i]
        why = (
            f"{period.year}年度新建会目标为0"
            if target == 0
            else f"没有{period.year}年度新建会目标"
            + ("" if h.is_township[i] else "（其下级单位也都没有）")
        )
        fix = "请在 data/targets.csv 中补充该单位的新建会目标。"
        if not words().has_lists:  # a province's targets are those its members' packages state
            file = f"data/{period}/"
            fix = (
                f"本级的目标来自{words().each}报来的通报数据：请{name}在其 data/targets.csv 中"
                f"补充{period.year}年度新建会目标，重新印发后再报来。"
            )
        value = str(period.year)
    else:
        # the period's ledgers, whichever files of the folder they came in
        file, column, value = f"data/{period}/", "所属单位代码", code
        why = (
            f"{period.label}没有存续企业"
            if component == "coverage_rate"
            else f"{period.label}没有已建会存续企业的职工人数"
        )
        fix = (
            "请核对本期台账中该单位的企业是否漏报。"
            if words().has_lists
            else f"请核对{name}报来的本期通报数据。"
        )
    effect = (
        "同组各单位都没有此项，综合得分不计此项，按其余指标折算为百分制"
        if left_out
        else "本期不参加排名（未排名）"
    )
    county = str(h.county_of.get(code, ""))
    return Problem(
        file=file,
        row=None,
        column=column,
        code=SCORE_WARNING,
        severity="warning",
        value=value,
        message=f"{name}（{code}）{why}，{label}无法计算，{effect}。{fix}",
        county=county,
        county_name=h.names.get(county, "") if county else "",
    )


def competition_rank(scores: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank scores within each group, highest first; equal to 2 decimals share (1, 2, 2, 4).

    Returns each score's rank and the size of its group.
    """
    frame = pd.DataFrame({"group": groups, "cents": _half_up_cents(np.asarray(scores))})
    grouped = frame.groupby("group", sort=False)["cents"]
    rank = grouped.rank(method="min", ascending=False).to_numpy(dtype=np.float64)
    among = grouped.transform("size").to_numpy(dtype=np.float64)
    return rank, among


def rank_units(h: Hierarchy, prev: np.ndarray, f: dict[str, np.ndarray]) -> None:
    """Counties among counties, townships within their county, in every period."""
    n_p = f["score"].shape[0]
    rank = np.full((n_p, h.n), np.nan)
    among = np.full((n_p, h.n), np.nan)
    ranked = np.flatnonzero(h.is_county | h.is_township)
    if n_p and len(ranked):
        group = np.where(h.is_county, "county", h.parent)[ranked]
        periods = np.repeat(np.arange(n_p), len(ranked)).astype(str)
        keys = np.char.add(np.char.add(periods, "/"), np.tile(group, n_p).astype(str))
        scores = f["score"][:, ranked].ravel()
        scored = ~np.isnan(scores)  # a unit without a score is not ranked (未排名)
        r, a = competition_rank(scores[scored], keys[scored])
        flat_rank = np.full(scores.shape, np.nan)
        flat_among = np.full(scores.shape, np.nan)
        flat_rank[scored], flat_among[scored] = r, a
        rank[:, ranked] = flat_rank.reshape(n_p, len(ranked))
        among[:, ranked] = flat_among.reshape(n_p, len(ranked))
    f["rank"] = rank
    f["ranked_among"] = among
    f["rank_change"] = shifted(rank, prev) - rank
