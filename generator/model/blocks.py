"""Blocks beyond text and doses: tables, figures and decision algorithms.

Each is structured so that it can be checked (a table row with a cell
missing, an algorithm step that leads nowhere, a figure without alt text)
rather than written as Markdown the site would print literally.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, StringConstraints, model_validator

from .fields import CitationKey, Rule, Slug, Strict, Text, Wording, _described

# --- tables -------------------------------------------------------------------------


class Column(Strict):
    """A table column: its heading and, for measured values, their unit."""

    label: Text
    """Column heading: ``Clinic blood pressure``."""
    unit: Annotated[Text, StringConstraints(max_length=30)] | None = None
    """Unit of every value in the column, shown in the heading: ``mmHg``, ``mg/kg/day``."""

    shorthand: ClassVar[str] = "label"

    @model_validator(mode="before")
    @classmethod
    def _from_label(cls, data: Any) -> Any:
        return {cls.shorthand: data} if isinstance(data, str) else data


class Row(Strict):
    """A table row: one cell per column, and the sources of the row."""

    cells: Annotated[list[Wording], Field(min_length=1)]
    """The cells, in column order (Markdown; write ``—`` for a cell that is deliberately empty)."""
    cite: list[CitationKey] = []
    """Reference keys supporting this row."""

    shorthand: ClassVar[str] = "cells"
    """A row written as a bare list is its cells."""

    @model_validator(mode="before")
    @classmethod
    def _from_cells(cls, data: Any) -> Any:
        return {cls.shorthand: data} if isinstance(data, list) else data


class Table(Strict):
    """A table with a caption, columns with units, rows with their own citations, and notes."""

    caption: Wording
    """What the table shows: ``Blood pressure targets by age`` (Markdown, citations allowed; per audience if needed)."""
    columns: Annotated[list[Column], Field(min_length=1, max_length=8)]
    """Column headings (a string, or ``{label, unit}``)."""
    rows: Annotated[list[Row], Field(min_length=1)]
    """The rows (a list of cells, or ``{cells, cite}``)."""
    cite: list[CitationKey] = []
    """Reference keys supporting the table as a whole."""
    notes: list[Wording] = []
    """Notes under the table (Markdown, citations allowed)."""

    rules: ClassVar[tuple[Rule, ...]] = (Rule(("columns", "rows"), lambda t: _rows_complete(t)),)


def _rows_complete(table: Table) -> str | None:
    if not table.columns:
        return None
    labels = ", ".join(c.label for c in table.columns if c is not None)
    for i, row in enumerate(table.rows or []):
        if row is not None and row.cells is not None and len(row.cells) != len(table.columns):
            return (f"expected {len(table.columns)} cells in every row (one per column: {labels}); "
                    f"row {i + 1} has {len(row.cells)}")
    return None


# --- figures ------------------------------------------------------------------------

IMAGE_NAME_PATTERN = _described(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.(?:png|jpg|jpeg|webp)$",
                                "an image file name of lower-case words joined by hyphens, ending .png, .jpg, .jpeg or .webp")


IMAGE_DIGEST_PATTERN = _described(r"^sha256:[0-9a-f]{64}$", "the image's digest as 'guidesite validate' prints it (sha256: and 64 hex digits)")


class Figure(Strict):
    """An image stored with the article (``content/<specialty>/<id>/<image>``), with alt text,
    a caption and where it comes from."""

    image: Annotated[str, Field(pattern=IMAGE_NAME_PATTERN)]
    """File name in the article's folder ``content/<specialty>/<id>/``: PNG, JPEG or WebP."""
    digest: Annotated[str, Field(pattern=IMAGE_DIGEST_PATTERN)] | None = None
    """``sha256:`` and the hex SHA-256 of the image file, as ``guidesite validate`` prints it: the
    approval covers the image's bytes through it, so a replaced image is refused until the digest is
    updated, and then needs approving again."""
    alt: Annotated[Text, StringConstraints(min_length=10, max_length=500)]
    """What the image shows, for readers who cannot see it (not the caption again)."""
    caption: Wording
    """The caption under the image (Markdown, citations allowed)."""
    source: Text
    """Where the image comes from: ``Drawn by the editors from NICE NG136``."""
    licence: Text
    """Its licence or permission: ``CC BY 4.0``, ``© Example Publisher, used with permission``."""
    cite: list[CitationKey] = []
    """Reference keys the figure is based on."""


# --- algorithms ---------------------------------------------------------------------


class Choice(Strict):
    """One branch of a step: who it is for, what to do, and where to go next."""

    when: Wording
    """The condition: ``Type 2 diabetes, or aged under 55``."""
    do: Wording
    """The action for them: ``Offer an ACE inhibitor or an ARB``."""
    go: Slug | None = None
    """Id of the step that follows this branch (none: the step's ``next``, or the end); the step's own id
    repeats it (``recheck every hour``)."""


class Step(Strict):
    """One step of a decision algorithm."""

    id: Slug
    """Identifier used by ``go`` and ``next``: ``step-2``."""
    title: Text
    """Short title: ``Step 2``."""
    do: Wording | None = None
    """What to do at this step, for everyone who reaches it."""
    choices: list[Choice] = []
    """Branches by condition, in order."""
    next: Slug | None = None
    """Id of the step that follows (none: the algorithm ends here); the step's own id repeats it, with
    ``next_when`` saying when."""
    next_when: Wording | None = None
    """When to move on to ``next``: ``Blood pressure not controlled``."""

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(("do", "choices"), lambda s: None if s.do or s.choices else "expected what to do at this step: do, choices, or both; got neither"),
        Rule(("next", "next_when"), lambda s: "expected next (the step to move on to) with next_when; got next_when alone"
             if s.next_when and not s.next else None),
    )


class Algorithm(Strict):
    """A decision algorithm: steps of condition → action → next step, shown as a numbered
    decision list and as a diagram drawn when the site is built."""

    name: Text
    """What the algorithm decides: ``Choosing antihypertensive drugs, steps 1 to 4``."""
    cite: list[CitationKey] = []
    """Reference keys the algorithm comes from."""
    steps: Annotated[list[Step], Field(min_length=2, max_length=20)]
    """The steps; the first is where readers start."""
    notes: list[Wording] = []
    """Notes under the algorithm."""

    rules: ClassVar[tuple[Rule, ...]] = (Rule(("steps",), lambda a: _steps_connected(a)),)


def _steps_connected(algorithm: Algorithm) -> str | None:
    """Ids unique, every target a step of this algorithm, a step that repeats itself says when, every step reachable."""
    steps = [s for s in algorithm.steps or [] if s is not None and s.id is not None]
    ids = [s.id for s in steps]
    for i, step_id in enumerate(ids):
        if step_id in ids[:i]:
            return f"expected each step id once; '{step_id}' is used again by step {i + 1}"
    edges: dict[str, list[str]] = {}
    for step in steps:
        targets = [step.next] + [c.go for c in step.choices or [] if c is not None]
        for target in (t for t in targets if t):
            if target not in ids:
                return f"expected go and next to name a step of this algorithm ({', '.join(ids)}); step '{step.id}' names '{target}'"
            if target == step.id and target == step.next and not step.next_when:
                return (f"expected next_when (when to repeat it: 'glucose still above target') for a step that repeats itself; "
                        f"step '{step.id}' leads to itself unconditionally")
            edges.setdefault(step.id, []).append(target)
    reached, todo = {ids[0]} if ids else set(), ids[:1]
    while todo:
        for target in edges.get(todo.pop(), []):
            if target not in reached:
                reached.add(target)
                todo.append(target)
    unreached = [i for i in ids if i not in reached]
    if unreached:
        return f"expected every step to be reached from the first; nothing leads to '{unreached[0]}'"
    return None


def step_anchor(algorithm_index: int, step_id: str) -> str:
    """The id of a step on the page: ``algorithm-1-step-2``."""
    return f"algorithm-{algorithm_index}-{step_id}"

