"""``guidesite new``: a commented article skeleton that already validates."""

from __future__ import annotations

import re
import textwrap
from string import Template
from datetime import date, timedelta
from pathlib import Path

from .errors import ContentError, Problem
from .load import load_document
from .model.article import Block
from .model.article import MODEL_VERSION
from .model.fields import RESERVED_NAMES, SLUG_PATTERN
from .model.registry import item_of, model_of
from .render import build_date

SKELETON = Template("""\
# yaml-language-server: $$schema=../../schema/article.schema.json
# $title_hint
# Every field is explained in a comment above it.  Text fields are Markdown;
# cite a reference with [@key].  Run `guidesite validate $shown` to check.
# Drafts are never published: change review.status to `submitted` when ready.

# Identifier: must equal this file's name (without .yaml).
id: $slug

# The version of guidesite's article model this file is written for (`guidesite migrate` updates it).
model: $model

# The clinical question, as a reader would ask it, ending with "?".
title: "What is the question this article answers?"

# Specialty id from site_config/specialties.yaml; must equal the folder name.
specialty: $specialty

# Tags from the closed list in site_config/tags.yaml (may be empty).
tags: []

# Audiences served; the first is the default. Any text below may be a single
# string (same for everyone) or one wording per audience, e.g.
#   summary:
#     clinician: "..."
#     patient: "..."
audiences: [clinician]

# The bottom-line answer, shown first. Cite sources like this: [@example-key].
summary: "Write the bottom-line answer here."

# The body: sections, each a heading (one text, or one per audience) and blocks.
# A block is exactly one of:
$blocks
# Evidence grades name a system of site_config/grading.yaml, e.g.
#   {system: grade, strength: strong, certainty: moderate}
#   {system: nccn, category: "2A", preference: preferred}
#   {system: nice, strength: consider}
# The README's "Writing an article" shows each block with an example.
sections:
  - heading: "First section"
    blocks:
      - prose: "Write the first section here."

# Sources. Every reference must be cited at least once in the text above.
# Give identifiers only when you have checked them: pmid, pmcid, doi, nct, url.
references: []

# Abbreviations the text uses, each marked up on the page (optional):
#   glossary: {CCB: calcium-channel blocker}

# Ids of related articles (optional).
see_also: []

# Disclaimer set from site_config/disclaimers.yaml.
disclaimer: standard

# Editorial workflow.
review:
  # draft, submitted, under_review, approved or retired.
  status: draft
  # Who wrote the article.
  author: "Your name"
  # Dates as YYYY-MM-DD: first written, last change to the medical content,
  # and when the next review is due.
  created: $today
  updated: $today
  next_review: $next_review
  # Raised by one with each approved change.
  version: 1
  # Reviewers sign off here (reviewer id from site_config/reviewers.yaml).
  approvals: []
""")
"""The skeleton; ``$blocks`` is the kinds of block as ``Block`` declares them (:func:`block_lines`)."""


def new_article(project: Path, target: str, *, today: date | None = None) -> Path:
    """Write ``content/<specialty>/<slug>.yaml``; refuse to overwrite anything."""
    parts = target.strip("/").removesuffix(".yaml").split("/")
    shown = f"content/{target}"
    if len(parts) != 2 or not all(re.match(SLUG_PATTERN, p) for p in parts):
        raise ContentError([Problem(shown, 1, 1, "", "expected <specialty>/<slug>, both lower-case words joined by hyphens, such as gynecologic-oncology/my-question")])
    specialty, slug = parts
    path = Path(project) / "content" / specialty / f"{slug}.yaml"
    shown = f"content/{specialty}/{slug}.yaml"
    known = _specialties(Path(project))
    if specialty not in known:
        listed = ", ".join(known) or "none: site_config/specialties.yaml lists no specialty"
        raise ContentError([Problem(shown, 1, 1, "", f"expected a specialty from site_config/specialties.yaml ({listed}); got '{specialty}' (add it there first)")])
    if slug in RESERVED_NAMES:
        raise ContentError([Problem(shown, 1, 1, "", f"expected an id that is not one of the site's own pages or folders ({', '.join(sorted(RESERVED_NAMES))}); got '{slug}'")])
    if path.exists():
        raise ContentError([Problem(shown, 1, 1, "", "expected a new article; this file already exists and was left untouched")])
    today = today or build_date()
    text = SKELETON.substitute(
        blocks=block_lines(),
        title_hint=f"Article {specialty}/{slug}",
        shown=shown,
        slug=slug,
        specialty=specialty,
        model=MODEL_VERSION,
        today=today.isoformat(),
        next_review=(today + timedelta(days=365)).isoformat(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _specialties(project: Path) -> list[str]:
    """The specialty ids of the site configuration, as written (the file is checked by validate)."""
    doc, problems = load_document(project / "site_config" / "specialties.yaml", project)
    if problems:
        raise ContentError(problems)
    entries = doc.data if isinstance(doc.data, list) else []
    return [e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]


def block_lines() -> str:
    """The kinds of block as comment lines, from their declaration in :class:`Block`: each kind, what it
    is (its docstring) and the fields it is written with."""
    lines = []
    for kind, info in Block.model_fields.items():
        lines.append(f"#   {kind}: {info.description}")
        shape = _shape(info.annotation)
        if shape:
            lines += textwrap.wrap(shape, 92, initial_indent="#       ", subsequent_indent="#         ")
    return "\n".join(lines)


def _shape(annotation: object, depth: int = 0) -> str:
    """``{name, cite, steps: [{id, title, …}]}``: a model's fields, and those of the models in it one level down."""
    item = item_of(annotation)
    if item is not None:
        inner = _shape(item, depth)
        return f"[{inner}]" if inner else ""
    model = model_of(annotation)
    if model is None or depth > 1 or model.model_config.get("extra") == "allow":  # a grade's fields are the site's
        return ""
    parts = []
    for name, info in model.model_fields.items():
        inner = _shape(info.annotation, depth + 1)
        parts.append(f"{name}: {inner}" if inner else name)
    written = "{" + ", ".join(parts) + "}"
    shorthand = getattr(model, "shorthand", None)  # an item may be written as its one field alone
    return f"{shorthand} or {written}" if shorthand else written
