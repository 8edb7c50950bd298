"""Tables and decision algorithms as Markdown, and the algorithm's diagram as SVG.

A table is written as HTML whose cells Markdown still reads (``md_in_html``),
so that each cell carries its column's label for the phone layout (where a row
becomes a card) and citations, links and emphasis work inside cells.

An algorithm is a numbered decision list (what screen readers and printouts
get) and a diagram drawn here, at build time, as a static SVG file: boxes for
the steps, arrows for where each leads.  No script draws anything in the
reader's browser.  The diagram's name is taken from its content, so a
permanent copy of an old version keeps its own diagram.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable
from typing import Any

from ..escaping import escape_html
from ..model.blocks import Algorithm, Step, Table, step_anchor
from .text import attr, plain, plain_summary

Inline = Callable[[dict[str, str]], str]
"""Renders a wording inside a line (one span per audience)."""


# --- tables -------------------------------------------------------------------------


def column_heading(column: Any) -> str:
    return f"{column.label} ({column.unit})" if column.unit else column.label


def table_md(table: Table, inline: Inline, cite: Callable[[list[str]], str], number: int, updated: str) -> str:
    heads = "".join(
        f'<th scope="col" markdown="span">{plain(c.label)}'
        + (f' <span class="gs-unit">({plain(c.unit)})</span>' if c.unit else "") + "</th>"
        for c in table.columns)
    lines = [
        '<figure class="gs-table" markdown>',
        f'<figcaption markdown="span">**Table {number}.** {_one_line(inline(table.caption))}{cite(table.cite)}{updated}</figcaption>',
        '<div class="gs-table__scroll" markdown>',
        '<table markdown>',
        f'<thead markdown><tr markdown>{heads}</tr></thead>',
        '<tbody markdown>',
    ]
    for row in table.rows:
        cells = []
        for i, (column, cell) in enumerate(zip(table.columns, row.cells)):
            sources = cite(row.cite) if i == len(row.cells) - 1 else ""
            cells.append(f'<td data-label="{attr(column_heading(column))}" markdown="span">{_one_line(inline(cell))}{sources}</td>')
        lines.append('<tr markdown>' + "".join(cells) + '</tr>')
    lines += ['</tbody>', '</table>', '</div>']
    if table.notes:
        lines.append("")
        lines += [f"- {_one_line(inline(note))}" for note in table.notes]
        lines.append("")
    lines.append('</figure>')
    return "\n".join(lines)


def _closed(wording: dict[str, str]) -> dict[str, str]:
    """A wording whose every text ends a sentence (another sentence follows it)."""
    return {k: v if v.rstrip().rstrip("*_").endswith((".", "!", "?")) else v.rstrip() + "." for k, v in wording.items()}


def _one_line(text: str) -> str:
    """A cell holds one line of Markdown: a paragraph break would end the cell."""
    return " ".join(str(text).split())


# --- algorithms ---------------------------------------------------------------------


def algorithm_md(algorithm: Algorithm, index: int, inline: Inline, cite: Callable[[list[str]], str], updated: str,
                 diagrams: list[tuple[str | None, bool, str]]) -> str:
    """The algorithm as a titled block: its diagram(s), then the numbered decision list.

    ``diagrams``: ``(audience, hidden, link)`` of each diagram (audience None: one for all).
    """
    titles = {s.id: s.title for s in algorithm.steps}

    def go(target: str) -> str:
        return f"[go to {plain(titles[target])}](#{step_anchor(index, target)})"

    lines = [
        '<div class="gs-algorithm" markdown>',
        "",
        f'<p class="gs-algorithm__name" markdown>**{plain(algorithm.name)}**{cite(algorithm.cite)}{updated}</p>',
        "",
    ]
    for audience, hidden, link in diagrams:
        # A Markdown image, so that MkDocs makes the link relative to the page's address.
        # Linked to itself: on a phone the diagram is small, and opens full size with a tap.
        image = f"[![Diagram of the steps of “{plain(algorithm.name)}”; the same steps are listed below as text.]({link})]({link})"
        shown = f' data-audience="{audience}"{" hidden" if hidden else ""}' if audience else ""
        lines.append(f'<p class="gs-algorithm__diagram"{shown} markdown="span">{image}</p>')
    lines.append("")
    for step in algorithm.steps:
        head = f'<span id="{step_anchor(index, step.id)}"></span>**{plain(step.title)}.**'
        if step.do:
            head += " " + _one_line(inline(step.do))
        lines.append(f"1. {head}")
        for choice in step.choices:
            then = f" Then {go(choice.go)}." if choice.go else ""
            lines.append(f"    - **If** {_one_line(inline(choice.when))}: {_one_line(inline(_closed(choice.do) if then else choice.do))}{then}")
        if step.next:
            when = f"If {_one_line(inline(step.next_when))}: " if step.next_when else "Next: "
            lines.append(f"    - {when}{go(step.next)}.")
        elif not any(c.go for c in step.choices):
            lines.append("    - End of the algorithm.")
    lines.append("")
    if algorithm.notes:  # in their own block, or Markdown would continue the numbered list
        lines += ['<div class="gs-algorithm__notes" markdown>', ""]
        lines += [f"- {_one_line(inline(note))}" for note in algorithm.notes]
        lines += ["", "</div>", ""]
    lines.append("</div>")
    return "\n".join(lines)


def diagram_name(svg: str) -> str:
    """A diagram's file name, from its content: an old version's diagram is never overwritten."""
    return f"algorithm-{hashlib.sha256(svg.encode('utf-8')).hexdigest()[:12]}.svg"


# The diagram: steps stacked top to bottom, each a box with its title, its action and its
# branches; an arrow to the next box when a step leads to the one below, and an arrow routed
# down the right-hand margin when it leads further (or back).

_WIDTH = 640
_MARGIN = 16
_LINE = 18
_CHARS = 78
_GAP = 46


def algorithm_svg(algorithm: Algorithm, words: Callable[[dict[str, str]], str]) -> str:
    """The diagram as a standalone SVG document; ``words`` gives a wording's plain text."""
    boxes: list[tuple[Step, list[tuple[str, str]], float, float]] = []  # step, lines (kind, text), top, height
    y = _MARGIN
    for step in algorithm.steps:
        lines = [("title", step.title)]
        if step.do:
            lines += [("text", t) for t in textwrap.wrap(plain_summary(words(step.do)), _CHARS)]
        for choice in step.choices:
            branch = f"• If {plain_summary(words(choice.when))}: {plain_summary(words(choice.do))}"
            lines += [("branch" if i == 0 else "more", t) for i, t in enumerate(textwrap.wrap(branch, _CHARS - 2))]
        height = 12 + _LINE * len(lines)
        boxes.append((step, lines, y, height))
        y += height + _GAP
    total = y - _GAP + _MARGIN
    rows = {step.id: (top, height) for step, _, top, height in boxes}
    order = [s.id for s in algorithm.steps]
    right = _MARGIN + _WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {right + 120} {total:.0f}" width="{right + 120}" height="{total:.0f}" '
        f'role="img" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="14">',
        f"<title>{escape_html(algorithm.name)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0 0L10 5L0 10z" fill="#374151"/></marker></defs>',
    ]
    for step, lines, top, height in boxes:
        parts.append(f'<rect x="{_MARGIN}" y="{top:.0f}" width="{_WIDTH}" height="{height:.0f}" rx="6" fill="#f8fafc" stroke="#3f51b5" stroke-width="1.5"/>')
        for i, (kind, text) in enumerate(lines):
            weight = ' font-weight="700"' if kind == "title" else ""
            indent = {"title": 0, "text": 0, "branch": 0, "more": 12}[kind]
            parts.append(f'<text x="{_MARGIN + 12 + indent}" y="{top + 6 + _LINE * (i + 1) - 4:.0f}"{weight} fill="#111827">{escape_html(text)}</text>')
    lane = 0
    for step, _, top, height in boxes:
        targets = [(step.next, "If " + plain_summary(words(step.next_when)) if step.next_when else "")] if step.next else []
        targets += [(c.go, "") for c in step.choices if c.go]
        for target, label in dict.fromkeys(targets):
            target_top, target_height = rows[target]
            if order.index(target) == order.index(step.id) + 1:
                x = _MARGIN + _WIDTH / 2
                parts.append(f'<line x1="{x:.0f}" y1="{top + height:.0f}" x2="{x:.0f}" y2="{target_top - 2:.0f}" stroke="#374151" stroke-width="1.5" marker-end="url(#arrow)"/>')
                if label:
                    parts.append(f'<text x="{x + 8:.0f}" y="{top + height + _GAP / 2 + 4:.0f}" font-size="12" fill="#374151">{escape_html(_short(label))}</text>')
            else:
                lane += 1
                x = right + 12 * lane
                start, end = top + height / 2, target_top + target_height / 2
                parts.append(f'<path d="M{right} {start:.0f}H{x}V{end:.0f}H{right + 2}" fill="none" stroke="#374151" stroke-width="1.5" marker-end="url(#arrow)"/>')
                if label:
                    parts.append(f'<text x="{x + 6}" y="{start + 4:.0f}" font-size="12" fill="#374151">{escape_html(_short(label, 14))}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _short(text: str, width: int = 72) -> str:
    return textwrap.shorten(text, width, placeholder="…")
