"""Markdown that the site does not render, refused with a pointer instead of shown as literal text.

Authors coming from MkDocs or GitHub write admonitions (``!!! warning``),
blockquotes, footnotes and Mermaid diagrams.  None of them is enabled for
article text (each would need a sanitizer rule and a reader-tested style), so
each would reach readers as stray characters — ``!!!``, ``[^1]``, ``&gt;`` —
next to a dose.  Each is refused here, with what to write instead.
"""

from __future__ import annotations

import re

_RULES = (
    (re.compile(r"^[ \t]{0,3}(?:!!!|\?\?\?\+?)[ \t]*[A-Za-z]", re.MULTILINE),
     "expected no admonitions ('!!! warning'): they would show as literal text; use a warning block "
     "(warning: {kind: caution, text: …}) or a recommendation"),
    (re.compile(r"^[ \t]{0,3}>", re.MULTILINE),
     "expected no blockquotes ('> …'): they would show as literal text; use a warning block for a caution, "
     "or quote within the sentence (to start with a comparison, write '≥ 30' or 'over 30')"),
    (re.compile(r"\[\^[^\]\s]+\]"),
     "expected no footnotes ('[^1]'): they would show as literal text; cite a reference with [@key], "
     "or add the point as a note"),
    (re.compile(r"^[ \t]{0,3}\*\[[^\]]+\]:", re.MULTILINE),
     "expected no abbreviation definitions ('*[CCB]: …') in the text: list abbreviations once in the article's "
     "glossary (glossary: {CCB: calcium-channel blocker}), which marks up every use on the page"),
    (re.compile(r"^[ \t]{0,3}(?:```|~~~)", re.MULTILINE),
     "expected no fenced code or diagram blocks (```mermaid …): they would show as code, not as a diagram; "
     "write the steps as a numbered list"),
)


def literal_markdown(text: str) -> list[tuple[int, str]]:
    """``(offset, message)`` for each construct of ``text`` that would reach readers as literal characters."""
    out = []
    for pattern, message in _RULES:
        if match := pattern.search(text):
            out.append((match.start(), message))
    return out
