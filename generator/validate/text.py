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
from typing import Any

from pydantic import BaseModel

from ..errors import Problem
from ..load import Loc, RawDocument
from ..model.registry import text_kind
from ..model.walk import walk
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
        kind = text_kind(model, loc)
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
    out: list[tuple[Loc, str]] = []

    def enter(place: Loc, node: Any) -> bool:
        if isinstance(node, str):
            out.append((place, node))
        return isinstance(node, (dict, list))

    walk(value, enter, loc)
    return out
