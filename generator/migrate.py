"""``guidesite migrate``: articles written for an older model, rewritten in today's.

Each file is changed only where the model changed (``model/upgrade.py``), with its comments, key
order and layout kept, and gains ``model: N`` under its ``id``: the diff a reviewer reads is the
migration and nothing else.  A migration changes how things are written, never what they say: a
file is written only if its signed content (``approvals.content_hash``) reads the same before and
after, so every approval still holds.  ``--check`` writes nothing and fails when a file would change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .approvals import content_hash, fitting_article
from .errors import ContentError, Problem
from .load import find_articles, load_document, parse_document
from .model.upgrade import needs_upgrade, upgrade, written_for
from .rewrite import dumped, replace_text, round_trip


@dataclass
class Migrated:
    path: str
    """As shown to the user (relative to the project)."""
    version: int
    """The model the file was written for."""
    moved: int
    """How many values the migration moved."""


def migrate(project: Path, *, check_only: bool = False) -> list[Migrated]:
    """Rewrite (or, ``check_only``, list) every article of ``content/`` written for an older model."""
    project = Path(project)
    done: list[Migrated] = []
    problems: list[Problem] = []
    for path in find_articles(project / "content"):
        doc, unreadable = load_document(path, project)
        if unreadable or not needs_upgrade(doc.data):
            continue  # validate reports a file it cannot read; a current file is left as it is
        version = written_for(doc.data)
        original = path.read_text(encoding="utf-8")
        yaml = round_trip()
        data = yaml.load(original)
        moved = upgrade(data)  # names the model too (model: N under id)
        text = dumped(yaml, data)
        problem = _meaning_kept(doc.shown, doc.data, text, path)
        if problem:
            problems.append(problem)
            continue
        if not check_only:
            replace_text(path, text, original)
        done.append(Migrated(doc.shown, version, len(moved)))
    if problems:
        raise ContentError(problems)
    return done


def _meaning_kept(shown: str, before: object, text: str, path: Path) -> Problem | None:
    """Why the rewritten text may not replace the file: it no longer reads, or it says something else."""
    after_doc, unreadable = parse_document(text.encode("utf-8"), path, shown)
    if unreadable:
        return Problem(shown, 1, 1, "", f"left unchanged: the migrated text would not read ({unreadable[0].message})")
    old, new = fitting_article(before), fitting_article(after_doc.data)
    if (old is None) != (new is None) or (old is not None and content_hash(old) != content_hash(new)):
        return Problem(shown, 1, 1, "", "left unchanged: migrating it would change what its reviewers signed; "
                                        "fix what `guidesite validate` reports first, or report this as a guidesite bug")
    return None
