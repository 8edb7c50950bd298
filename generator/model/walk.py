"""Walk an article in reading order: every text, with its place in the file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, get_args, get_origin

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


def _walk(value: Any, loc: Loc) -> list[tuple[Loc, Any]]:
    """Every wording (a dict) and ``cite`` list below ``value``, in page order."""
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
        for name in _field_names(type(value)):
            child = getattr(value, name)
            if isinstance(child, dict) or name == "cite":
                out.append((loc + (name,), child))
            elif isinstance(child, (BaseModel, list)):
                _collect(child, loc + (name,), out)
    else:
        for i, child in enumerate(value):
            if isinstance(child, dict):
                out.append((loc + (i,), child))
            elif isinstance(child, (BaseModel, list)):
                _collect(child, loc + (i,), out)


_fields: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` that can hold a text or a ``cite`` list, in declaration order
    (a dose or a date cannot; the reference list is where citations point, not a citing text)."""
    if _fields.get(cls) is None:
        _fields[cls] = None  # being answered (ListItem holds ListItems)
        _fields[cls] = tuple(
            name for name, info in cls.model_fields.items()
            if name != "references" and (name == "cite" or _may_hold_text(info.annotation))
        )
    return _fields[cls]


def _may_hold_text(annotation: Any) -> bool:
    if annotation is Any:
        return True
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return (annotation in _fields and _fields[annotation] is None) or bool(_field_names(annotation))
        return issubclass(annotation, dict)
    return get_origin(annotation) is dict or any(_may_hold_text(arg) for arg in get_args(annotation))
