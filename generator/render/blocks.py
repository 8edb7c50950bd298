"""What the templates of tables and decision algorithms read, and the algorithm's diagram as SVG.

The blocks' Markdown is written by their templates (``theme/templates/blocks/``); this
prepares what they print.  An algorithm's diagram is drawn here, at build time, as a static
SVG file: boxes for the steps, arrows for where each leads.  No script draws anything in the
reader's browser.  The diagram's name is taken from its content, so a permanent copy of an
old version keeps its own diagram.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..escaping import escape_html
from ..model.blocks import Algorithm, Step, step_anchor
from .text import plain, plain_summary



# --- what the block templates read -------------------------------------------------


def column_heading(column: Any) -> str:
    """A column's label as each cell of it is labelled (cards on phones): "Dose (mg/kg)"."""
    return f"{column.label} ({column.unit})" if column.unit else column.label


def closed(wording: dict[str, str]) -> dict[str, str]:
    """A wording whose every text ends a sentence (another sentence follows it)."""
    return {k: v if v.rstrip().rstrip("*_").endswith((".", "!", "?")) else v.rstrip() + "." for k, v in wording.items()}


def one_line(text: Any) -> str:
    """A table cell or list line holds one line of Markdown: a paragraph break would end it."""
    return " ".join(str(text).split())


@dataclass
class Drawn:
    """An algorithm as its template reads it: its number on the page and its diagrams."""

    algorithm: Algorithm
    number: int
    diagrams: list[tuple[str | None, bool, str]]
    """``(audience, hidden, link)`` of each diagram (audience None: one for all)."""

    def anchor(self, step: str) -> str:
        return step_anchor(self.number, step)

    def go(self, target: str, source: str | None = None) -> str:
        """A link to another step, by its title ("repeat this step" for the step itself)."""
        if target == source:
            return "repeat this step"
        title = next(s.title for s in self.algorithm.steps if s.id == target)
        return f"[go to {plain(title)}](#{self.anchor(target)})"


def diagram_name(svg: str) -> str:
    """A diagram's file name, from its content: an old version's diagram is never overwritten."""
    return f"algorithm-{hashlib.sha256(svg.encode('utf-8')).hexdigest()[:12]}.svg"


# The diagram: steps stacked top to bottom, each a box with its title, its action, its branches and,
# for every way out that is not the box below, a line saying where it goes and when; an arrow to the
# next box when a step leads to the one below (its condition written in full in the gap, which grows
# to hold it), an arrow routed down the right-hand margin when it leads further or back, and a small
# loop on the box's right edge when a step repeats itself.  No label is ever shortened.

_WIDTH = 640
_MARGIN = 16
_LINE = 18
_CHARS = 78
_GAP = 46
_LABEL_LINE = 15
_LABEL_CHARS = 70


def algorithm_svg(algorithm: Algorithm, words: Callable[[dict[str, str]], str]) -> str:
    """The diagram as a standalone SVG document; ``words`` gives a wording's plain text."""
    titles = {s.id: s.title for s in algorithm.steps}
    order = [s.id for s in algorithm.steps]
    boxes: list[tuple[Step, list[tuple[str, str]], float, float, list[str]]] = []  # step, lines, top, height, label below
    y = _MARGIN
    for index, step in enumerate(algorithm.steps):
        lines = [("title", step.title)]
        if step.do:
            lines += [("text", t) for t in textwrap.wrap(plain_summary(words(step.do)), _CHARS)]
        for choice in step.choices:
            branch = f"• If {plain_summary(words(choice.when))}: {plain_summary(words(choice.do))}"
            if choice.go:
                branch += " ↻ repeat this step" if choice.go == step.id else f" → {titles[choice.go]}"
            lines += [("branch" if i == 0 else "more", t) for i, t in enumerate(textwrap.wrap(branch, _CHARS - 2))]
        below: list[str] = []
        if step.next:
            condition = plain_summary(words(step.next_when)) if step.next_when else ""
            if order.index(step.next) == index + 1:
                below = textwrap.wrap(f"If {condition}" if condition else "", _LABEL_CHARS) if condition else []
            else:
                where = "repeat this step" if step.next == step.id else f"go to {titles[step.next]}"
                text = f"{'↻' if step.next == step.id else '→'} {'If ' + condition + ': ' if condition else 'Then '}{where}"
                lines += [("branch" if i == 0 else "more", t) for i, t in enumerate(textwrap.wrap(text, _CHARS - 2))]
        height = 12 + _LINE * len(lines)
        boxes.append((step, lines, y, height, below))
        y += height + _GAP + _LABEL_LINE * max(0, len(below) - 1)
    total = boxes[-1][2] + boxes[-1][3] + _MARGIN
    rows = {step.id: (top, height) for step, _, top, height, _ in boxes}
    right = _MARGIN + _WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {right + 120} {total:.0f}" width="{right + 120}" height="{total:.0f}" '
        f'role="img" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="14">',
        f"<title>{escape_html(algorithm.name)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0 0L10 5L0 10z" fill="#374151"/></marker></defs>',
    ]
    for step, lines, top, height, _ in boxes:
        parts.append(f'<rect x="{_MARGIN}" y="{top:.0f}" width="{_WIDTH}" height="{height:.0f}" rx="6" fill="#f8fafc" stroke="#3f51b5" stroke-width="1.5"/>')
        for i, (kind, text) in enumerate(lines):
            weight = ' font-weight="700"' if kind == "title" else ""
            indent = {"title": 0, "text": 0, "branch": 0, "more": 12}[kind]
            parts.append(f'<text x="{_MARGIN + 12 + indent}" y="{top + 6 + _LINE * (i + 1) - 4:.0f}"{weight} fill="#111827">{escape_html(text)}</text>')
    lane = 0
    for step, _, top, height, below in boxes:
        targets = [step.next] if step.next else []
        targets += [c.go for c in step.choices if c.go]
        for target in dict.fromkeys(targets):
            target_top, target_height = rows[target]
            if target == step.id:
                first, last = top + height / 3, top + 2 * height / 3
                parts.append(f'<path d="M{right} {first:.0f}H{right + 16}V{last:.0f}H{right + 2}" fill="none" stroke="#374151" '
                             'stroke-width="1.5" marker-end="url(#arrow)"/>')
            elif order.index(target) == order.index(step.id) + 1 and target == step.next:
                x = _MARGIN + _WIDTH / 2
                parts.append(f'<line x1="{x:.0f}" y1="{top + height:.0f}" x2="{x:.0f}" y2="{target_top - 2:.0f}" stroke="#374151" stroke-width="1.5" marker-end="url(#arrow)"/>')
                for i, line in enumerate(below):
                    parts.append(f'<text x="{x + 8:.0f}" y="{top + height + 20 + _LABEL_LINE * i:.0f}" font-size="12" fill="#374151">{escape_html(line)}</text>')
            else:
                lane += 1
                x = right + 20 + 12 * lane
                start, end = top + height / 2, target_top + target_height / 2
                parts.append(f'<path d="M{right} {start:.0f}H{x}V{end:.0f}H{right + 2}" fill="none" stroke="#374151" stroke-width="1.5" marker-end="url(#arrow)"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _short(text: str, width: int = 72) -> str:
    return textwrap.shorten(text, width, placeholder="…")
