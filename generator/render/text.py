"""The two doors through which author text reaches Markdown.

:func:`plain` for fields that are plain text (names, titles, headings): Markdown
syntax and HTML are made inert.  Markdown fields go through
``ArticleView.md`` (HTML escaped, citations turned into numbered links).
Templates never print raw content.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..escaping import escape_html, inert_tags
from ..model.walk import CITATION

CITED = re.compile(r"[ \t]*" + CITATION.pattern)
"""A citation with the spaces before it, which the superscript replaces."""

NUMBER_UNIT = re.compile(
    r"(?<=\d)[ \t]+(?=(?:mg|mcg|µg|micrograms?|g|kg|mL|ml|L|mmol|mmHg|mEq|units?|IU|%|hours?|h|min|minutes?|days?|weeks?|months?|years?)(?![A-Za-z]))")
"""The space between a number and its unit in author text ("6.4 mg/kg/day", "500 mg"), which a line
must not break: it becomes a no-break space."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}#|!])")
"""Characters Markdown would read as syntax (``<`` and ``>`` are escaped as HTML first)."""


def plain(text: Any) -> str:
    """Plain text made inert in Markdown and HTML (names, titles, headings)."""
    text = escape_html(" ".join(str(text).split()), quotes=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def attr(text: Any) -> str:
    """Text safe inside a quoted HTML attribute, or between tags that Markdown leaves alone."""
    return escape_html(text)


def markdown_block(text: str) -> str:
    """Author Markdown with any HTML neutralised (validation refuses it first)."""
    return inert_tags(text)


def long_date(value: date) -> str:
    """``July 25, 2025``."""
    return f"{value:%B} {value.day}, {value.year}"


def plain_summary(markdown: str) -> str:
    """A Markdown text as one plain line: citations, emphasis and link targets removed."""
    text = CITED.sub("", markdown)
    text = re.sub(r"\]\([^)]*\)", "", text)
    text = re.sub(r"[*_`\[\]]", "", text)
    return " ".join(text.split())
