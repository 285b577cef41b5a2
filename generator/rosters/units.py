"""The unit roster as one tree: levels, names, parents, counties and the official order.

Every stage that needs to know about units asks a `UnitTree`: the roster checks (a reference's
county, a unit's level), the figures (`figures.Hierarchy` lays it out as arrays for roll-ups)
and the model (names, counties, the official order of tables).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


@dataclass
class UnitTree:
    """Each unit code's level, name, parent, county and listing order, in roster order."""

    level: dict[str, str] = field(default_factory=dict)
    name: dict[str, str] = field(default_factory=dict)
    county: dict[str, str] = field(default_factory=dict)  # unit code -> county code ('' for city)
    parent: dict[str, str | None] = field(default_factory=dict)
    order: dict[str, float] = field(default_factory=dict)  # the official order (file order)
    short: dict[str, str] = field(default_factory=dict)  # unit code -> 简称 (only those given)

    @classmethod
    def from_frame(cls, units: pd.DataFrame) -> UnitTree:
        """The tree of a unit roster frame; a duplicate code keeps its first row (an error)."""
        tree = cls()
        columns = [units[c].tolist() for c in ("code", "name", "level", "parent")]
        orders = units["order"].tolist() if "order" in units else [None] * len(units)
        shorts = units["short_name"].tolist() if "short_name" in units else [None] * len(units)
        for position, (code, name, level, parent, order, short) in enumerate(
            zip(*columns, orders, shorts, strict=True)
        ):
            code = _text(code)
            if not code or code in tree.level:
                continue
            level, parent = _text(level), _text(parent) or None
            tree.level[code] = level
            tree.name[code] = _text(name)
            if _text(short).strip():
                tree.short[code] = _text(short).strip()
            tree.parent[code] = parent
            if level == "county":
                tree.county[code] = code
            elif level == "township" and parent is not None:
                tree.county[code] = parent
            else:
                tree.county[code] = ""
            number = None if order is None or order is pd.NA else float(order)
            tree.order[code] = position + 1 if number is None or math.isnan(number) else number
        return tree

    @property
    def codes(self) -> list[str]:
        """Every code, in roster order."""
        return list(self.level)

    def name_of(self, code: str) -> str:
        """The unit's name; the code itself for a code not in the roster."""
        return self.name.get(code, code)

    def county_code(self, unit: str | None) -> str:
        """The county of a unit (itself for a county), '' for the city or an unknown code."""
        return self.county.get(unit, "") if unit else ""

    def county_of(self, unit: str | None) -> tuple[str, str]:
        """(county code, county name) of a unit, ('', '') for the city or an unknown code."""
        county = self.county_code(unit)
        return (county, self.name.get(county, "")) if county else ("", "")

    @cached_property
    def _by_order(self) -> list[str]:
        position = {code: i for i, code in enumerate(self.level)}
        return sorted(self.level, key=lambda c: (self.order[c], position[c]))

    @cached_property
    def city(self) -> str:
        return next((c for c in self._by_order if self.level[c] == "city"), "")

    @cached_property
    def counties(self) -> list[str]:
        """The counties, in official order."""
        return [c for c in self._by_order if self.level[c] == "county"]

    @cached_property
    def townships(self) -> dict[str, list[str]]:
        """Each county's townships, in official order."""
        out: dict[str, list[str]] = {c: [] for c in self.counties}
        for code in self._by_order:
            parent = self.parent[code]
            if self.level[code] == "township" and parent in out:
                out[parent].append(code)
        return out

    @cached_property
    def official(self) -> list[str]:
        """The city, then each county followed by its townships; any other unit after them."""
        out = [c for c in self._by_order if self.level[c] == "city"]
        for county in self.counties:
            out.append(county)
            out.extend(self.townships[county])
        placed = set(out)
        out.extend(c for c in self._by_order if c not in placed)
        return out
