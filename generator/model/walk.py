"""Walk an article in reading order: every text, with its place in the file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

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
        elif loc and loc[-1] == "cite":
            for i, key in enumerate(value):
                yield loc + (i,), key


def citation_order(article: BaseModel) -> list[str]:
    """Reference keys numbered by first appearance on the page."""
    seen: dict[str, None] = {}
    for _, key in iter_citations(article):
        seen.setdefault(key, None)
    return list(seen)


def _walk(value: Any, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name == "references":
                continue  # the reference list is where citations point, not a citing text
            child = getattr(value, name)
            if name == "cite":
                yield loc + (name,), child
            else:
                yield from _walk(child, loc + (name,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, loc + (i,))
    elif isinstance(value, dict):
        yield loc, value
