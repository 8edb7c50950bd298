"""One exception family for everything the pipeline refuses.

A :class:`Problem` says where (file, line, column, field path) and what
(expected, found).  Stages collect problems and raise :class:`ContentError`
once, so an author with twelve mistakes sees twelve lines in one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one file."""

    path: str
    line: int
    col: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def github(self) -> str:
        """The same problem as a GitHub Actions annotation."""
        message = f"{self.field}: {self.message}" if self.field else self.message
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::error file={self.path},line={self.line},col={self.col}::{message}"


class GuidesiteError(Exception):
    """Base of every error the generator reports to a user (exit status 1)."""


class UsageProblem(GuidesiteError):
    """The command was asked something it cannot do as given (a busy port, a bad argument): exit status 2."""


class ContentError(GuidesiteError):
    """Content or site configuration is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(f"{len(self.problems)} problem(s) found")


class BuildError(GuidesiteError):
    """MkDocs could not build the rendered site (strict mode warnings count)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("the site build failed")


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as an author would type it: relative to the project when possible."""
    path = Path(path)
    base = Path(root) if root else Path.cwd()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
