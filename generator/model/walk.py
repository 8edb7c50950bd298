"""Walk an article in reading order: every text, with its place in the file."""

from __future__ import annotations

import re
from collections.abc import Iterator
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


def _walk(value: Any, loc: Loc) -> list[tuple[Loc, Any]]:
    """Every wording (a dict) and citation list below ``value``, in page order."""
    out: list[tuple[Loc, Any]] = []
    if isinstance(value, dict):
        out.append((loc, value))
    elif isinstance(value, (BaseModel, list)):
        _collect(value, loc, out)
    return out


def _collect(value: Any, loc: Loc, out: list[tuple[Loc, Any]]) -> None:
    # A plain recursive walk (a generator per level would pass every text up through
    # each level) into just the fields that can hold a text.
    if isinstance(value, BaseModel):
        for name, citation_list in citing_fields(type(value)):
            child = getattr(value, name)
            if isinstance(child, dict) or citation_list:
                out.append((loc + (name,), child))
            elif isinstance(child, (BaseModel, list)):
                _collect(child, loc + (name,), out)
    else:
        for i, child in enumerate(value):
            if isinstance(child, dict):
                out.append((loc + (i,), child))
            elif isinstance(child, (BaseModel, list)):
                _collect(child, loc + (i,), out)
