"""An annotation: what a step shows on a line of a file (in a pull request's diff) and in the
run's list of problems. Engines make them; the runner door prints them."""

from __future__ import annotations

from gitops_ci.record import Record


class Annotation(Record):
    """A problem or a note on a line of a file, as a step shows it."""

    level: str  # error | warning | notice
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    end_line: int | None = None
    title: str | None = None
