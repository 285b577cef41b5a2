"""Data problems as data: every rule violation found in the inputs, collected, never raised."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an input file, located as the user sees it in Excel.

    `row` is the 1-based row number in the sheet/CSV (header row included), or None for a problem
    about the whole file. `county` is the code of the county the row belongs to, when known, so
    problem lists can be split per county.
    """

    file: str
    row: int | None
    column: str
    code: str
    severity: Severity
    value: str
    message: str
    county: str = ""
    county_name: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class ProblemList:
    """An ordered collection of problems with the counts the CLI and pages show."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        """Problems in a stable order: file, row, column, code."""
        return sorted(
            self.items, key=lambda p: (p.county, p.file, p.row or 0, p.column, p.code, p.value)
        )
