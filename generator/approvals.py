"""Approvals pinned to content and signed: a hash of what the reviewer vouches for, and the rules.

Below the review workflow (``review/``) and the stages that show approvals (versions, the feed,
rendering, validation), which all read it.

The hash covers everything a reader sees and the review block (author, dates,
change note, replacement) — all but what the workflow itself writes: the
status, the version and the approvals.  It is taken of a canonical form: keys
sorted, and whitespace inside each text folded the way Markdown folds it, so
re-wrapping a paragraph or switching YAML quoting styles does not change it —
but editing one dose, or pushing ``next_review`` back, does.

Each approval is a signed statement (``statement``): article, version,
content hash, reviewer, date and declaration of interests, signed with the
reviewer's SSH key from the registry (``generator/signing.py``).  An approval
whose signature does not verify counts nowhere.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .model import Approval, Article, SiteConfig
from .model.site import Reviewer, ReviewRules
from .model.upgrade import needs_upgrade, upgrade
from .signing import made_with, verify


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
        # An empty list or mapping says no more than a field left out: dropping them keeps the hash
        # of every signed article when the model gains an optional list (a new field must not unsign).
        return {k: _fold(v) for k, v in value.items() if v != [] and v != {}}
    return value


WORKFLOW_FIELDS = frozenset({"status", "version", "approvals"})
"""Fields of the review block that the workflow writes, so no reviewer vouches for them."""


def canonical_content(article: Article) -> str:
    """What a reviewer vouches for as canonical JSON (what the hash is taken of)."""
    # Fields left empty (None, [], {}) are left out, so that a new optional field in the model does
    # not change the hash of every article already signed (tests/test_approvals.py keeps the sample's).
    # The form is model 1's wherever a later model only writes the same thing another way
    # (model/upgrade.py), so upgrading guidesite or migrating a file never unsigns it.
    data = article.model_dump(mode="json", exclude={"model": True, "review": set(WORKFLOW_FIELDS)}, exclude_none=True)
    for section in data["sections"]:
        section.update(_heading_as_model_1(section.pop("heading")))
    return json.dumps(_fold(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _heading_as_model_1(heading: dict[str, str]) -> dict[str, Any]:
    """A section's heading as model 1 wrote it: the first reader's text, and the others' where they differ."""
    (first, text), *others = heading.items()
    return {"heading": text, "heading_for": {reader: other for reader, other in others if other != text}}


def statement(article_id: str, version: int, approval: Approval) -> str:
    """The text a reviewer signs: one approval of one version of one article, nothing else."""
    lines = [
        "guidesite approval v1",
        f"article: {article_id}",
        f"version: {version}",
        f"content: {approval.content or ''}",
        f"reviewer: {approval.reviewer}",
        f"date: {approval.date.isoformat()}",
        f"coi: {' '.join((approval.coi or '').split())}",
        f"github-review: {approval.github_review or ''}",
    ]
    return "\n".join(lines) + "\n"


def signature_problem(article: Article, approval: Approval, site: SiteConfig) -> str | None:
    """Why ``approval``'s signature does not hold (None: it verifies against the registry's key)."""
    if not approval.signature:
        return "it is not signed (approve with: guidesite approve ARTICLE --reviewer ID --key ~/.ssh/id_ed25519)"
    reviewers = {r.id: r for r in site.reviewers}
    if approval.signed_by:
        bot = reviewers.get(approval.signed_by)
        if bot is None or not bot.is_bot:
            return f"it is signed by '{approval.signed_by}', which is not a bot entry of the registry"
        if not approval.github_review:
            return "a bot-signed approval must cite the GitHub review it records (github_review)"
        key = bot.signing_key
    else:
        key = reviewers[approval.reviewer].signing_key if approval.reviewer in reviewers else None
    if not key:
        return "the registry holds no signing key to check it against"
    if not _verifies(statement(article.id, article.review.version, approval), approval.signature, key):
        if not made_with(approval.signature, key):
            return "its signature does not verify against the registry's key (it was made with another key: a forged approval)"
        version = next((v for v in range(1, article.review.version + 2) if v != article.review.version
                        and _verifies(statement(article.id, v, approval), approval.signature, key)), None)
        same_content = approval.content == content_hash(article)
        if version is not None and not same_content:  # this article's own approval of an earlier state
            return f"it was signed for version {version} of this article, whose content has changed since"
        if version is not None or not same_content:  # this content at another version, or another article's content
            return COPIED_APPROVAL
        return "its signature does not verify against the registry's key: the record was altered after it was signed"
    return None


COPIED_APPROVAL = "it was signed for other content (another article or version): a copied approval"
"""Why a record signed with the reviewer's own key counts nowhere here: its statement names another article,
or this content at another version (``check`` says so rather than calling it stale)."""


@lru_cache(maxsize=65536)
def _verifies(text: str, signature: str, key: str) -> bool:
    return verify(text, signature, key)


_hashes: dict[int, tuple[weakref.ref, str]] = {}
"""Hash of each article object alive (articles are immutable), keyed by id; an entry goes when
its article does, so the cache neither keeps articles in memory nor outlives their ids."""


def fitting_article(data: Any) -> Article | None:
    """The article a file's data holds (a past state, another branch), or None where it does not fit today's model."""
    from pydantic import ValidationError

    if needs_upgrade(data):  # written for an older model: read as today's (a copy: the caller's data stays as read)
        data = copy.deepcopy(data)
        upgrade(data)
    try:
        return Article.model_validate(data) if isinstance(data, dict) else None
    except ValidationError:
        return None


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
    author_may_approve: bool = False
    """Under the rules the approvals are judged by."""
    rules: ReviewRules | None = None
    """The rules the approvals are judged by."""

    @property
    def rules_met(self) -> bool:
        return len(self.current) >= self.required

    @property
    def missing(self) -> int:
        return max(0, self.required - len(self.current))


NOT_IN_REGISTRY = "not in the reviewer registry"
"""Why an approval by an id the registry lacks counts nowhere (``check``, which judges by the base's
registry, says "not in the base's registry": a reviewer the change adds is not yet one)."""


def approval_state(article: Article, site: SiteConfig, *, newest_rules: bool = False) -> ApprovalState:
    """Which approvals are current and whether the rules are met.

    Approvals are judged by the rules in force when the content was (last)
    approved, as the site configuration stood at the commit that recorded
    that approval (``SiteConfig.rules_for``): a later change of rules, dated
    or edited in place, applies to approvals made after it and does not
    re-judge the past.  ``check`` judges approvals new in a change by
    the newest rules (``newest_rules``), whatever date they carry.
    """
    digest = content_hash(article)
    # The rules of the newest approval's day, as site.yaml stood at the commit that recorded it (a later
    # edit of site_config/ does not re-judge it); check judges approvals new in a change by the newest.
    rules = site.settings.rules_on() if newest_rules else site.rules_for([a for a in article.review.approvals if a.content == digest])
    state = ApprovalState(required=rules.approvals_required, author_may_approve=rules.author_may_approve, rules=rules)
    reviewers = {r.id: r for r in site.reviewers}
    people: dict[str, str] = {}  # one person, one approval: registry identities shared by two ids count once
    for approval in article.review.approvals:
        reviewer = reviewers.get(approval.reviewer)
        if reviewer is None:
            state.not_counted[approval.reviewer] = NOT_IN_REGISTRY
        elif reviewer.is_bot:
            state.not_counted[approval.reviewer] = "is the publisher's bot, not a reviewer"
        elif article.specialty not in reviewer.specialties:
            state.not_counted[approval.reviewer] = f"does not cover {article.specialty}"
        elif not rules.author_may_approve and is_author(article, reviewer):
            state.not_counted[approval.reviewer] = "is the article's author"
        elif not reviewer.active_on(approval.date):
            state.not_counted[approval.reviewer] = f"was not on the board on {approval.date} ({_term(reviewer)})"
        elif approval.content != digest:
            state.stale.append(approval.reviewer)
        elif (why := signature_problem(article, approval, site)) is not None:
            state.not_counted[approval.reviewer] = why
        elif (same := people.get(_person(reviewer))) is not None and same != approval.reviewer:
            state.not_counted[approval.reviewer] = f"is the same person as {same} (same e-mail, GitHub account or key)"
        elif approval.reviewer not in state.current:
            state.current.append(approval.reviewer)
            people[_person(reviewer)] = approval.reviewer
    return state


def _term(reviewer: Reviewer) -> str:
    start = reviewer.active_from.isoformat() if reviewer.active_from else "the start"
    end = reviewer.active_until.isoformat() if reviewer.active_until else "now"
    return f"member from {start} to {end}"


def _person(reviewer: Reviewer) -> str:
    """One key per person (the registry refuses shared identities; this keeps an old file honest too)."""
    return (reviewer.signing_key or reviewer.email or reviewer.github or reviewer.id).casefold()


def counted_approvals(article: Article, site: SiteConfig) -> list[Approval]:
    """The approvals that count for the article as it is, in the order written."""
    current = set(approval_state(article, site).current)
    return [a for a in article.review.approvals if a.reviewer in current]


def effective_status(article: Article, site: SiteConfig) -> str:
    """The status a reader is shown: an approval that no longer holds is shown as under review."""
    status = article.review.status
    if status == "approved" and not approval_state(article, site).rules_met:
        return "under_review"
    return status


def eligible_reviewers(article: Article, site: SiteConfig) -> list[Reviewer]:
    """Reviewers who may approve this article under the rules."""
    rules = site.settings.rules_on()
    return [
        r for r in site.reviewers
        if not r.is_bot and article.specialty in r.specialties and (rules.author_may_approve or not is_author(article, r))
    ]
