"""The one walk over an article, its raw data or its dump: every node with its place, in the order written.

``walk`` is what every pass over the model uses (citation numbering here, the text checks of
raw data, the evidence-grade checks, the clinical diff); each pass says which nodes it keeps
and where it stops, not how to go down a model, a list or a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pydantic import BaseModel

from .registry import citing_fields

CITATION = re.compile(r"\[(@[^\[\]]*)\]")
"""Pandoc-style citation: ``[@key]`` or ``[@a; @b]``."""

Loc = tuple[str | int, ...]


def citation_keys(group: str) -> list[str]:
    """``'@a; @b'`` → ``['a', 'b']`` (whatever follows each ``@``, stripped)."""
    return [part.strip().lstrip("@").strip() for part in group.split(";")]


def iter_texts(article: BaseModel) -> Iterator[tuple[Loc, str, str]]:
    """Yield ``(loc, audience, text)`` for every Markdown text, in page order.

    ``audience`` is ``all`` for text shared by every audience.
    """
    for loc, value in _walk(article, ()):
        if isinstance(value, dict):
            for audience, text in value.items():
                yield (loc if audience == "all" else loc + (audience,)), audience, text


def iter_citations(article: BaseModel) -> Iterator[tuple[Loc, str]]:
    """Yield ``(loc, key)`` for every citation, in page order."""
    for loc, value in _walk(article, ()):
        if isinstance(value, dict):
            for audience, text in value.items():
                for match in CITATION.finditer(text):
                    for key in citation_keys(match.group(1)):
                        yield (loc if audience == "all" else loc + (audience,)), key
        else:  # a citation list
            for i, key in enumerate(value or ()):
                yield loc + (i,), key


def citation_order(article: BaseModel, audience: str | None = None) -> list[str]:
    """Reference keys numbered by first appearance on the page.

    With ``audience``, by first appearance in what that audience reads (the page as built,
    before a reader picks another): keys cited only in other audiences' wordings or sections
    follow, in their own order of appearance.
    """
    seen: dict[str, None] = {}
    later: dict[str, None] = {}
    sections = getattr(article, "sections", None) or []
    for loc, value in _walk(article, ()):
        section = sections[loc[1]] if audience and len(loc) > 1 and loc[0] == "sections" else None
        in_view = audience is None or section is None or not section.audiences or audience in section.audiences
        if isinstance(value, dict):
            for reader, text in value.items():
                target = seen if in_view and (audience is None or reader in ("all", audience)) else later
                for match in CITATION.finditer(text):
                    for key in citation_keys(match.group(1)):
                        target.setdefault(key, None)
        else:
            for key in value or ():
                (seen if in_view else later).setdefault(key, None)
    return list(seen) + [key for key in later if key not in seen]


def every_field(cls: type[BaseModel]) -> Iterable[str]:
    return cls.model_fields


def walk(value: Any, enter: Callable[[Loc, Any], bool], loc: Loc = (),
         fields: Callable[[type[BaseModel]], Iterable[str]] = every_field) -> None:
    """Call ``enter(loc, node)`` for ``value`` and, where it returns True, for each node below it:
    a model's fields (those ``fields`` names, in declaration order), a mapping's entries, a
    list's items.  ``loc`` is the node's place, the way problems name it."""
    if enter(loc, value):
        _below(value, enter, loc, fields)


def _below(value: Any, enter: Callable[[Loc, Any], bool], loc: Loc,
           fields: Callable[[type[BaseModel]], Iterable[str]]) -> None:
    # A plain recursive walk: a generator per level would pass every node up through each level.
    if isinstance(value, dict):
        children: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    elif isinstance(value, BaseModel):
        held = value.__dict__
        children = [(name, held.get(name)) for name in fields(type(value))]
    else:
        return
    for key, child in children:
        place = loc + (key,)
        if enter(place, child):
            _below(child, enter, place, fields)


_citing: dict[type[BaseModel], tuple[str, ...]] = {}


def _citing_names(cls: type[BaseModel]) -> Iterable[str]:
    if cls not in _citing:
        _citing[cls] = tuple(name for name, _ in citing_fields(cls))
    return _citing[cls]


def _walk(value: Any, loc: Loc) -> list[tuple[Loc, Any]]:
    """Every wording (a dict) and non-empty citation list below ``value``, in page order."""
    out: list[tuple[Loc, Any]] = []

    def enter(place: Loc, node: Any) -> bool:
        # In a validated model a wording is a mapping (audience → text) and a citation list a
        # list of keys; only the fields that can hold either are entered (``citing_fields``).
        if isinstance(node, dict) or (isinstance(node, list) and node and isinstance(node[0], str)):
            out.append((place, node))
            return False
        return isinstance(node, (BaseModel, list))

    walk(value, enter, loc, _citing_names)
    return out
