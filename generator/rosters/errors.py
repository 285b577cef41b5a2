"""The roster stage's one exception: a file that cannot be read at all."""

from __future__ import annotations

from generator.common.problems import Problem


class ReadError(Exception):
    """A file that cannot be read at all; carries the Problem to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem
