"""A read YAML document: plain data with the place of every value, and the limits on what is read."""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from ..errors import Problem
from ..model.upgrade import newer_than_known, upgrade

MAX_FILE_BYTES = 512 * 1024
"""Articles are text; anything larger than this is a mistake or an attack."""

MAX_DEPTH = 32
"""Deepest nesting of mappings and lists; an article needs about a dozen levels."""

MAX_INVISIBLE_REPORTED = 20
"""Invisible characters reported one by one before the rest are counted."""

BYTE_ORDER_MARK = b"\xef\xbb\xbf"
"""UTF-8's byte-order mark: allowed at the very start of a file, and not counted as a column."""

Loc = tuple[str | int, ...]


@dataclass
class RawDocument:
    """One YAML file as plain Python data, with where each value was written."""

    path: Path
    shown: str
    """The path as printed in problems (relative to the project)."""
    data: Any
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, column) of each value, by its path in the data."""
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, column) of each mapping key, by the path of its value."""
    written: dict[Loc, str] = field(default_factory=dict)
    """How each number, boolean or null was written (``1.10``, not 1.1), for messages."""
    source: str | None = field(default=None, repr=False)
    """The text as read, so that a problem inside a long text can be shown at its own line."""

    def where(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of ``loc``, or of its nearest written ancestor."""
        loc = tuple(loc)
        if key and loc in self.key_marks:
            return self.key_marks[loc]
        while loc:
            if loc in self.marks:
                return self.marks[loc]
            loc = loc[:-1]
        return self.marks.get((), (1, 1))

    def moved(self, moves: list[tuple[Loc, Loc]]) -> None:
        """Values moved in ``data`` (an article of an older model read as today's): each is still
        reported where the author wrote it."""
        for marks in (self.marks, self.key_marks):
            for old, new in moves:
                for loc, mark in [(loc, mark) for loc, mark in marks.items() if loc[:len(old)] == old]:
                    marks.setdefault(new + loc[len(old):], mark)

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        line, col = self.where(loc, key=key)
        return Problem(self.shown, line, col, format_loc(loc), message)

    def problem_in_text(self, loc: Loc, needle: str, message: str) -> Problem:
        """A problem with ``needle``, a piece of the text at ``loc``: shown at the line where the author
        wrote it (a text folded over several lines), or at the text's start when it cannot be found."""
        line, col = self.where(loc)
        if self.source is not None:
            lines = self.source.split("\n")
            for number in range(line - 1, min(len(lines), line + 200)):
                start = lines[number].find(needle, col - 1 if number == line - 1 else 0)
                if start >= 0:
                    return Problem(self.shown, number + 1, start + 1, format_loc(loc), message)
        return Problem(self.shown, line, col, format_loc(loc), message)


def read_as_current_model(doc: RawDocument) -> list[Problem]:
    """An article's document read as today's model, in place: data written for an older model is
    brought up to date (model/upgrade.py) with every moved value still reported where the author
    wrote it; a file written for a later model is a problem, and its data is not read further."""
    too_new = newer_than_known(doc.data)
    if too_new:
        problem = doc.problem(("model",), too_new)
        doc.data = None
        return [problem]
    doc.moved(upgrade(doc.data))
    return []


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector while many documents are read or checked.

    Documents and models are trees that reference counting frees; but each full
    collection walks every object still held, so collecting while thousands of
    articles are read makes reading them quadratic (at 5,000 articles it took
    more time than the reading itself).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def format_loc(loc: Loc) -> str:
    """``('sections', 0, 'blocks')`` → ``sections[0].blocks``; an odd key is quoted: ``review['my key']``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.match(r"^[A-Za-z0-9_-]+$", part):
            out += f".{part}" if out else part
        else:
            shown = "".join(f"\\u{ord(c):04x}" if invisible_kind(c) else c for c in part).replace("'", "\\'")
            out += f"['{shown}']"
    return out


def invisible_kind(char: str) -> str | None:
    """What an invisible character is ("control", "formatting", "line separator"), or None.

    Control characters, bidirectional overrides, zero-width characters and
    line separators make a text read differently from what it says (in a
    review, in a dose); none belongs in an article.  Tab, line feed and
    carriage return are ordinary.
    """
    if char in "\t\n\r":
        return None
    category = unicodedata.category(char)
    if category == "Cc":
        return "control"
    if category == "Cf":
        return "formatting"
    if category in ("Zl", "Zp"):
        return "line separator"
    return None


def char_label(char: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``; control characters have no name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def _invisible_message(char: str, how: str = "") -> str:
    return f"expected visible text; got {char_label(char)}, an invisible {invisible_kind(char)} character{how}"
