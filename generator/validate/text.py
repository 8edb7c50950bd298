"""Every text as written: no HTML in page titles, no character references, bounded size.

Plain fields (headings, names) reach readers through our templates, which
escape them: ``<b>`` in a drug name shows as ``<b>``.  An article's title
also reaches MkDocs and Material, which print it unescaped in the page's
``<title>``, header, navigation and search results, so HTML in a title is
refused here rather than trusted to be escaped downstream.  Character
references (``&#x61;``, ``&lt;``) are refused in every text: they are how a
``javascript:`` link or a tag hides from a reviewer.  Very long texts, and
texts with hundreds of ``[``, are refused because Python-Markdown takes
quadratic time on them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, get_args

from pydantic import BaseModel

from ..errors import Problem
from ..load import Loc, RawDocument
from ..model.fields import MarkdownText, PlainText
from .messages import visible

PRINTED_RAW = frozenset({("title",)})
"""Article fields the theme prints without escaping (the page title)."""

MAX_TEXT_CHARS = 20_000
"""Longest text in one field; a long section is several blocks."""

MAX_BRACKETS = 200
"""Most ``[`` in one Markdown text (citations and links); Python-Markdown slows quadratically with more."""

TAG_START = re.compile(r"<(?:/?[A-Za-z]|!|\?)")
"""Where a browser would start a tag, a comment or a declaration."""

_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]{0,31};?)")


def snippet(text: str, start: int) -> str:
    """The markup starting at ``start``, up to its ``>`` (or 40 characters), for a message."""
    end = text.find(">", start, start + 40)
    return visible(text[start : end + 1] if end >= 0 else text[start : start + 40])


def character_reference(text: str) -> str | None:
    """The first HTML character reference in ``text`` that a browser would decode."""
    for match in _CHARACTER_REFERENCE.finditer(text):
        if html.unescape(match.group()) != match.group():
            return match.group()
    return None


def check_text(doc: RawDocument, model: type[BaseModel], strings: list[tuple[Loc, str]] | None = None) -> list[Problem]:
    """Plain and Markdown texts of ``doc`` (read against ``model``): HTML, character references, size.

    ``strings`` is ``raw_strings(doc.data)`` when the caller has it already."""
    out: list[Problem] = []
    for loc, text in raw_strings(doc.data) if strings is None else strings:
        kind = _kind_in(model, loc)
        if kind is None:
            continue
        out += text_problems(doc, loc, text, markdown=kind == "markdown", printed_raw=loc in PRINTED_RAW)
    return out


def text_problems(doc: RawDocument, loc: Loc, text: str, *, markdown: bool, printed_raw: bool) -> list[Problem]:
    """The checks of one text; Markdown safety itself is markdown.py's."""
    out = []
    if printed_raw and (m := TAG_START.search(text)):
        out.append(doc.problem(loc, f"expected plain text without HTML; got '{snippet(text, m.start())}'"))
    if reference := character_reference(text):
        out.append(doc.problem(loc, f"expected characters typed as themselves, not an HTML character reference; got '{reference}'"))
    if len(text) > MAX_TEXT_CHARS:
        out.append(doc.problem(loc, f"expected at most {MAX_TEXT_CHARS} characters in one text; got {len(text)} (split it into blocks)"))
    elif markdown and text.count("[") > MAX_BRACKETS:
        out.append(doc.problem(loc, f"expected at most {MAX_BRACKETS} '[' (links and citations) in one text; got {text.count('[')}"))
    return out


def raw_strings(value: Any, loc: Loc = ()) -> list[tuple[Loc, str]]:
    """Every string of the raw data with its place, in the order written."""
    if isinstance(value, str):
        return [(loc, value)]
    out: list[tuple[Loc, str]] = []
    _collect_strings(value, loc, out)
    return out


def _collect_strings(value: Any, loc: Loc, out: list[tuple[Loc, str]]) -> None:
    # A plain recursive walk: a generator per level would pass every string up through each level.
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        if isinstance(child, str):
            out.append((loc + (key,), child))
        elif isinstance(child, (dict, list)):
            _collect_strings(child, loc + (key,), out)


_ITEM_LISTS = frozenset({"list", "numbered", "items"})
"""Fields holding ListItem lists, whose items may be written as bare text."""


def field_kind(loc: Loc, markdown_names: frozenset[str], plain_names: frozenset[str]) -> str | None:
    """"markdown", "plain", or None (an identifier, a date, a dose: its own type checks it)."""
    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return None
    last = names[-1]
    if last in markdown_names:
        return "markdown"
    if last in _ITEM_LISTS and isinstance(loc[-1], int):
        return "markdown"  # a list item written as plain text is its Markdown text
    if len(names) >= 2 and names[-2] in markdown_names and not isinstance(loc[-1], int):
        return "markdown"  # one audience's wording
    if last in plain_names:
        return "plain"
    return None


@lru_cache(maxsize=16384)
def _kind_in(model: type[BaseModel], loc: Loc) -> str | None:
    # Articles repeat the same places (sections[0].blocks[1].prose…): each is worked out once.
    return field_kind(loc, *text_fields(model))


_fields_cache: dict[type, tuple[frozenset[str], frozenset[str]]] = {}


def text_fields(model: type[BaseModel]) -> tuple[frozenset[str], frozenset[str]]:
    """Names of the Markdown and of the plain-text fields of ``model`` and the models inside it."""
    if model not in _fields_cache:
        markdown: set[str] = set()
        plain: set[str] = set()
        for cls in _models_in(model, set()):
            for name, info in cls.model_fields.items():
                if _marked(info.annotation, info.metadata, MarkdownText):
                    markdown.add(name)
                elif _marked(info.annotation, info.metadata, PlainText):
                    plain.add(name)
        _fields_cache[model] = (frozenset(markdown), frozenset(plain - markdown))
    return _fields_cache[model]


def _marked(annotation: Any, metadata: list, marker: type) -> bool:
    if any(isinstance(m, marker) for m in metadata):
        return True
    if any(isinstance(m, marker) for m in getattr(annotation, "__metadata__", ())):
        return True
    if marker is PlainText and any(isinstance(m, MarkdownText) for m in getattr(annotation, "__metadata__", ())):
        return False  # a Wording's values are Text, but the field is Markdown
    return any(_marked(arg, [], marker) for arg in get_args(annotation))


def _models_in(annotation: Any, seen: set) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        yield annotation
        for info in annotation.model_fields.values():
            yield from _models_in(info.annotation, seen)
        return
    for arg in get_args(annotation):
        yield from _models_in(arg, seen)
