"""``guidesite approve ARTICLE --reviewer ID``: record a sign-off pinned to the content.

The reviewer never computes a hash by hand: this writes the approval (who,
when, which content) into the article's ``review.approvals``, drops
approvals of earlier content, and moves the status to approved once the
rules are met.  The file is edited in place with its comments and layout
kept (ruamel.yaml round trip); only the review block changes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import ContentError, GuidesiteError, Problem
from ..model import Approval
from .approvals import approval_state, content_hash, is_author


class ApprovalRefused(GuidesiteError):
    """The reviewer may not approve this article."""


if TYPE_CHECKING:
    from ..pipeline import Pipeline


@dataclass
class Approved:
    path: Path
    status: str
    version: int
    current: list[str]
    dropped: list[str]
    missing: int


def approve(pipeline: "Pipeline", article_id: str, reviewer_id: str, *, on: date) -> Approved:
    """Write ``reviewer_id``'s approval of the article's current content."""
    validated = pipeline.validate()
    article = next((a for a in validated.articles if a.id == article_id), None)
    if article is None:
        raise ApprovalRefused(f"no article with id '{article_id}' in content/")
    site = validated.site
    reviewer = next((r for r in site.reviewers if r.id == reviewer_id), None)
    if reviewer is None:
        raise ApprovalRefused(f"'{reviewer_id}' is not in site_config/reviewers.yaml")
    if article.specialty not in reviewer.specialties:
        raise ApprovalRefused(f"{reviewer_id} covers {', '.join(reviewer.specialties)}, not {article.specialty}")
    if not site.settings.review_rules.author_may_approve and is_author(article, reviewer):
        raise ApprovalRefused(f"{reviewer_id} is the author of {article_id} and may not approve it")
    if article.review.status in ("draft", "retired"):
        raise ApprovalRefused(f"{article_id} is {article.review.status}; set review.status to submitted before approval")

    digest = content_hash(article)
    kept = [a for a in article.review.approvals if a.content == digest and a.reviewer != reviewer_id]
    dropped = [a.reviewer for a in article.review.approvals if a.content != digest]
    approvals = [*kept, Approval(reviewer=reviewer_id, date=on, content=digest)]
    new_review = article.review.model_copy(update={"approvals": approvals})
    state = approval_state(article.model_copy(update={"review": new_review}), site)
    version = article.review.version
    if state.rules_met:
        status = "approved"
        if any(a.content is not None and a.content != digest for a in article.review.approvals):
            version += 1  # an approved change to content that had been approved before
    else:
        status = "under_review"

    path = validated.sources[article_id].path
    original = _rewrite(path, approvals=[(a.reviewer, a.date, a.content) for a in approvals], status=status, version=version)
    try:
        pipeline.validate([path])
    except ContentError as exc:  # never leave a file we broke
        path.write_text(original, encoding="utf-8")
        shown = validated.sources[article_id].shown
        raise ContentError([Problem(shown, 1, 1, "", "approve produced an invalid file; the original was put back")] + exc.problems) from exc
    return Approved(path, status, version, state.current, dropped, state.missing)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _rewrite(path: Path, *, approvals: list[tuple[str, date, str | None]], status: str, version: int) -> str:
    """Rewrite the review block; returns the file's previous text."""
    original = path.read_text(encoding="utf-8")
    yaml = _yaml()
    data = yaml.load(original)
    review = data["review"]
    review["status"] = status
    if "version" in review or version != 1:
        review["version"] = version
    records = CommentedSeq()
    for reviewer, when, digest in approvals:
        record = CommentedMap()
        record["reviewer"] = reviewer
        record["date"] = when
        record["content"] = digest
        records.append(record)
    records.fa.set_block_style()
    review["approvals"] = records
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    temporary = path.with_name(f".{path.name}.approve")
    temporary.write_text(text, encoding="utf-8")
    try:
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
        path.write_text(original, encoding="utf-8")
        raise
    return original
