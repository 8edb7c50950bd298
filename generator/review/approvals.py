"""Approvals pinned to content: a hash of what the reviewer read, and the rules.

The hash covers everything a reader sees except the editorial workflow
block itself (``review``), in a canonical form: keys sorted, and whitespace
inside each text folded the way Markdown folds it, so re-wrapping a paragraph
or switching YAML quoting styles does not change it — but editing one dose
does.
"""

from __future__ import annotations

import hashlib
import json
import weakref
import re
from dataclasses import dataclass, field
from typing import Any

from ..model import Article, SiteConfig
from ..model.site import Reviewer



_FOLDABLE = re.compile(r"[^\S ]|  |^ | $")
"""A string without these (any whitespace but a single inner space) is already folded."""


def _fold(value: Any) -> Any:
    if isinstance(value, str):
        if not _FOLDABLE.search(value):
            return value
        paragraphs = re.split(r"\n[ \t]*\n\s*", value.strip())
        return "\n\n".join(" ".join(p.split()) for p in paragraphs)
    if isinstance(value, list):
        return [_fold(v) for v in value]
    if isinstance(value, dict):
        return {k: _fold(v) for k, v in value.items()}
    return value


def canonical_content(article: Article) -> str:
    """The reviewable content as canonical JSON (what the hash is taken of)."""
    data = article.model_dump(mode="json", exclude={"review"})
    return json.dumps(_fold(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_hashes: dict[int, tuple[weakref.ref, str]] = {}
"""Hash of each article object alive (articles are immutable), keyed by id; an entry goes when
its article does, so the cache neither keeps articles in memory nor outlives their ids."""


def content_hash(article: Article) -> str:
    """``sha256:<hex>`` of the reviewable content."""
    key = id(article)
    cached = _hashes.get(key)
    if cached is not None and cached[0]() is article:
        return cached[1]
    digest = "sha256:" + hashlib.sha256(canonical_content(article).encode("utf-8")).hexdigest()
    _hashes[key] = (weakref.ref(article, lambda _, key=key: _hashes.pop(key, None)), digest)
    return digest


def is_author(article: Article, reviewer: Reviewer) -> bool:
    """Whether the article's author is this reviewer (by id, name, GitHub handle or e-mail)."""
    author = article.review.author.strip().casefold()
    names = {reviewer.id, reviewer.name, reviewer.github or "", reviewer.email or ""}
    return author in {n.casefold() for n in names if n}


@dataclass
class ApprovalState:
    """Where an article stands against the approval rules."""

    current: list[str] = field(default_factory=list)
    """Reviewer ids whose approval matches the content and counts under the rules."""
    stale: list[str] = field(default_factory=list)
    """Reviewer ids whose approval was of other content (or carries no hash)."""
    not_counted: dict[str, str] = field(default_factory=dict)
    """Reviewer id → why the approval does not count (self-approval, specialty)."""
    required: int = 1

    @property
    def rules_met(self) -> bool:
        return len(self.current) >= self.required

    @property
    def missing(self) -> int:
        return max(0, self.required - len(self.current))


def approval_state(article: Article, site: SiteConfig) -> ApprovalState:
    """Which approvals are current and whether the rules are met."""
    rules = site.settings.review_rules
    state = ApprovalState(required=rules.approvals_required)
    digest = content_hash(article)
    reviewers = {r.id: r for r in site.reviewers}
    for approval in article.review.approvals:
        reviewer = reviewers.get(approval.reviewer)
        if reviewer is None:
            state.not_counted[approval.reviewer] = "not in the reviewer registry"
        elif article.specialty not in reviewer.specialties:
            state.not_counted[approval.reviewer] = f"does not cover {article.specialty}"
        elif not rules.author_may_approve and is_author(article, reviewer):
            state.not_counted[approval.reviewer] = "is the article's author"
        elif approval.content != digest:
            state.stale.append(approval.reviewer)
        elif approval.reviewer not in state.current:
            state.current.append(approval.reviewer)
    return state


def effective_status(article: Article, site: SiteConfig) -> str:
    """The status a reader is shown: an approval that no longer holds is shown as under review."""
    status = article.review.status
    if status == "approved" and not approval_state(article, site).rules_met:
        return "under_review"
    return status


def eligible_reviewers(article: Article, site: SiteConfig) -> list[Reviewer]:
    """Reviewers who may approve this article under the rules."""
    rules = site.settings.review_rules
    return [
        r for r in site.reviewers
        if article.specialty in r.specialties and (rules.author_may_approve or not is_author(article, r))
    ]
