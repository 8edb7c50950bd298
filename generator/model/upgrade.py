"""Articles written for an older version of the model, read as today's.

Each version of the article model after the first has one step here: how a file written for the
version before says the same thing in this one.  A step changes only how a thing is written, never
what it says, so what a reviewer signed is the same before and after (``approvals.canonical_content``
keeps its form for each step; tests/test_migrate.py holds a signed project of model 1 to it).

The steps work on any mapping (plain data when a file is read, ruamel's commented mappings when
``guidesite migrate`` rewrites it, keeping comments and layout) and say where each value they
moved now lives, so that a problem found in the upgraded data is still reported at the line the
author wrote.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from .article import MODEL_VERSION

Loc = tuple[str | int, ...]
Moves = list[tuple[Loc, Loc]]
"""``(where it was written, where it is now)`` for each value a step moved."""


def written_for(data: Any) -> int | str | None:
    """The model version a file's data names (``model: 2``): 1 when it names none; None when it is
    not a version number or the data is not a mapping (the model then reports what is wrong)."""
    if not isinstance(data, MutableMapping):
        return None
    if "model" not in data:
        return 1
    version = data["model"]
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def newer_than_known(data: Any) -> str | None:
    """Why this guidesite cannot read a file written for a later model (None when it can)."""
    version = written_for(data)
    if isinstance(version, int) and version > MODEL_VERSION:
        return (f"expected an article of guidesite's model {MODEL_VERSION} or older; this file is written for model {version}, "
                f"which a later guidesite reads: upgrade guidesite (the version your repository pins) before this file")
    return None


def upgrade(data: Any) -> Moves:
    """Bring an article's data, in place, from the version it names to today's; where values moved.

    Data of a newer model, or naming no usable version, is left as it is (the model says why)."""
    version = written_for(data)
    if not isinstance(version, int) or version < 1 or version >= MODEL_VERSION:
        return []
    moves: Moves = []
    for step in STEPS[version - 1:]:
        moves += step(data)
    _name_the_model(data)
    return moves


def _name_the_model(data: MutableMapping) -> None:
    """``model: N`` on upgraded data, so it is never upgraded twice; in a file (a commented mapping)
    right under ``id``, where ``guidesite new`` writes it."""
    if "model" in data or not hasattr(data, "insert"):
        data["model"] = MODEL_VERSION
        return
    keys = list(data)
    data.insert(keys.index("id") + 1 if "id" in keys else 0, "model", MODEL_VERSION)


def needs_upgrade(data: Any) -> bool:
    """Whether ``guidesite migrate`` would rewrite this file."""
    version = written_for(data)
    return isinstance(version, int) and version < MODEL_VERSION


def _headings_per_audience(data: MutableMapping) -> Moves:
    """Model 1 → 2: a section's heading for other audiences (``heading_for: {patient: …}`` beside
    ``heading``) is written as the heading itself, one wording per reader, like every other text
    written per audience (``heading: {clinician: …, patient: …}``).  A reader model 1 gave the
    first reader's heading (by not naming them in ``heading_for``) is given it by name."""
    moves: Moves = []
    audiences = data.get("audiences", ["clinician"])
    sections = data.get("sections")
    if not isinstance(audiences, list) or not isinstance(sections, list):
        return moves
    for i, section in enumerate(sections):
        if not isinstance(section, MutableMapping) or "heading_for" not in section:
            continue
        others = section["heading_for"]
        heading = section.get("heading")
        if not isinstance(others, MutableMapping) or not others or not isinstance(heading, str):
            if isinstance(others, MutableMapping) and not others:
                del section["heading_for"]
            continue  # nothing to move, or nothing the model would have read: the model says what is wrong
        shown = section.get("audiences") if isinstance(section.get("audiences"), list) else None
        readers = [a for a in audiences if isinstance(a, str) and (not shown or a in shown)] or [audiences[0]]
        if readers[0] in others:
            continue  # two headings for the first reader: the model refuses heading_for where it is written
        # The heading_for mapping itself becomes the heading, so what is written inside it (its style,
        # its comments) stays; the first reader's heading goes first, and a reader model 1 gave the
        # first reader's heading (by not naming them) is given it by name.
        wording = others
        _put_first(wording, readers[0], heading)
        moves.append((("sections", i, "heading"), ("sections", i, "heading", readers[0])))
        for audience in list(wording)[1:]:
            moves.append((("sections", i, "heading_for", audience), ("sections", i, "heading", audience)))
        for reader in readers[1:]:
            if reader not in wording:
                wording[reader] = heading
                moves.append((("sections", i, "heading"), ("sections", i, "heading", reader)))
        _keep_line_comments(section)
        del section["heading_for"]
        section["heading"] = wording  # keeps the key's place
    return moves


def _put_first(mapping: MutableMapping, key: str, value: Any) -> None:
    if hasattr(mapping, "insert"):  # a commented mapping keeps its place for everything else
        mapping.insert(0, key, value)
        return
    rest = dict(mapping)
    mapping.clear()
    mapping[key] = value
    mapping.update(rest)


def _keep_line_comments(section: Any) -> None:
    """A comment written at the end of ``heading_for``'s line (``heading_for: {…}  # for patients``)
    moves to the end of the heading's first line, after any comment already there (in a commented
    mapping; plain data has no comments)."""
    notes = getattr(getattr(section, "ca", None), "items", None)
    found = notes.pop("heading_for", None) if notes is not None else None
    if not found or len(found) < 3 or found[2] is None:
        return
    mine = notes.get("heading")
    if mine and len(mine) > 2 and mine[2] is not None:
        mine[2].value = mine[2].value.rstrip("\n") + "  " + found[2].value.lstrip()
    else:
        notes["heading"] = [None, None, found[2], None]


STEPS: list[Callable[[MutableMapping], Moves]] = [_headings_per_audience]
"""``STEPS[n - 1]`` brings data of model ``n`` to model ``n + 1``."""

assert len(STEPS) == MODEL_VERSION - 1, "each model version after the first needs its step"
