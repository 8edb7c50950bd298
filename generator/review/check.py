"""``guidesite check --base REF``: what a pull request changes, and whether it may.

Compares every article with its state at the base ref and refuses moves the
editorial lifecycle does not allow; finds stale approvals; checks that each
approval added since the base was committed by the reviewer it names; and
that the committed CODEOWNERS matches the reviewer registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import Problem
from ..history import Commit, GitError, History, PastDocument
from ..load import RawDocument
from ..model import Article, SiteConfig
from ..model.site import Reviewer
from .approvals import ApprovalState, approval_state, content_hash, eligible_reviewers
from .codeowners import CODEOWNERS_PATH, codeowners

if TYPE_CHECKING:
    from ..pipeline import Pipeline

ALLOWED_MOVES = {
    None: {"draft", "submitted", "under_review", "approved"},
    "draft": {"draft", "submitted", "under_review"},
    "submitted": {"draft", "submitted", "under_review", "approved"},
    "under_review": {"draft", "submitted", "under_review", "approved"},
    "approved": {"approved", "submitted", "under_review", "retired"},
    "retired": {"retired", "submitted", "under_review"},
}
"""Status at the base ref → statuses allowed at the head (None: a new article)."""


@dataclass
class ArticleChange:
    """One article as this change leaves it."""

    path: str
    id: str
    title: str
    kind: str
    """added, changed, unchanged or removed."""
    before: str | None
    after: str | None
    content_changed: bool
    state: ApprovalState | None
    eligible: list[Reviewer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Analysis:
    base: str
    changes: list[ArticleChange]
    problems: list[Problem]


@dataclass(frozen=True)
class Before:
    """An article as the base ref holds it.

    A file that no longer fits today's model (a model change, a migration in
    this very change) is not "new": its status, id and title are read from
    the raw data, so the lifecycle rules still apply, and its content counts
    as changed.
    """

    path: str
    status: str | None
    id: str
    title: str
    version: int | None
    article: Article | None
    """The typed article, when it still fits the model."""


def analyse(pipeline: "Pipeline", base: str, *, provenance: bool = True) -> Analysis:
    """Everything ``check`` and ``review-report`` say about the change since ``base``."""
    history = pipeline.history
    if history is None:
        raise GitError(f"expected a git repository to compare with '{base}'; {pipeline.root} is not in one")
    base_sha = history.resolve(base)
    validated = pipeline.validate()
    before = _articles_at(history, base_sha)
    problems: list[Problem] = []
    changes: list[ArticleChange] = []
    seen_paths = set()
    for article in validated.articles:
        doc = validated.sources[article.id]
        path = doc.shown
        seen_paths.add(path)
        old = before.get(path)
        change = _compare(article, doc, old, validated.site)
        if provenance:
            change.problems += _provenance(history, article, doc, old, validated.site, base_sha)
        changes.append(change)
        problems += change.problems
    for path, old in sorted(before.items()):
        if path in seen_paths:
            continue
        change = ArticleChange(path, old.id, old.title, "removed", old.status, None, True, None)
        if old.status == "approved":
            change.problems.append(Problem(path, 1, 1, "", "expected an approved article to be retired (review.status: retired), not deleted; readers and citations point to it"))
        changes.append(change)
        problems += change.problems
    problems += _codeowners_problems(pipeline.root, validated.site)
    return Analysis(base=base, changes=changes, problems=problems)


def check(pipeline: "Pipeline", base: str, *, provenance: bool = True) -> list[Problem]:
    """Every problem with the change since ``base`` (empty when it may be merged)."""
    return analyse(pipeline, base, provenance=provenance).problems


def _articles_at(history: History, ref: str) -> dict[str, Before]:
    """Articles at ``ref`` by path, typed where they still fit the model."""
    return {path: _before(past) for path, past in history.documents_at(ref, "content").items()}


def _before(past: PastDocument) -> Before:
    data = past.data if isinstance(past.data, dict) else {}
    review = data.get("review") if isinstance(data.get("review"), dict) else {}
    status = review.get("status") if isinstance(review.get("status"), str) else None
    try:
        article = Article.model_validate(data) if past.data is not None else None
    except ValidationError:
        article = None
    if article is not None:
        return Before(past.path, article.review.status, article.id, article.title, article.review.version, article)
    version = review.get("version", 1)
    version = version if isinstance(version, int) and not isinstance(version, bool) else None
    return Before(past.path, status, _text(data.get("id"), Path(past.path).stem), _text(data.get("title"), past.path), version, None)


def _text(value: Any, fallback: str) -> str:
    return value if isinstance(value, str) and value else fallback


def _compare(article: Article, doc: RawDocument, previous: Before | None, site: SiteConfig) -> ArticleChange:
    after = article.review.status
    before = previous.status if previous else None
    old = previous.article if previous else None
    changed = old is None or content_hash(old) != content_hash(article)
    kind = "added" if previous is None else ("changed" if changed or old != article else "unchanged")
    state = approval_state(article, site)
    change = ArticleChange(doc.shown, article.id, article.title, kind, before, after, changed, state, eligible_reviewers(article, site))
    problems = change.problems
    status_at = ("review", "status")

    if after not in ALLOWED_MOVES[before]:
        what = "a new article" if before is None else f"'{before}'"
        hint = {
            ("draft", "approved"): "; submit it for review first (status: submitted)",
            ("retired", "approved"): "; a retired article comes back through review (status: submitted)",
        }.get((before, after), "")
        problems.append(doc.problem(status_at, f"expected a status reachable from {what} ({', '.join(sorted(ALLOWED_MOVES[before]))}); got '{after}'{hint}"))
    if after == "approved":
        for reviewer in state.stale:
            approval = next(a for a in article.review.approvals if a.reviewer == reviewer)
            index = article.review.approvals.index(approval)
            problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} of {approval.date} is stale: the content changed after it was approved (re-approve with: guidesite approve {article.id} --reviewer {reviewer})"))
        for reviewer, why in state.not_counted.items():
            index = next(i for i, a in enumerate(article.review.approvals) if a.reviewer == reviewer)
            problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} does not count: {why}"))
        if state.missing and not state.stale:
            problems.append(doc.problem(status_at, f"expected {state.required} current approval(s) for 'approved'; got {len(state.current)}"))
        old_version = previous.version if previous else None
        if previous is not None and before == "approved" and changed and not state.stale and old_version is not None and article.review.version <= old_version:
            problems.append(doc.problem(("review", "version"), f"expected the version raised above {old_version} for a change to approved content; got {article.review.version}"))
    return change


_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[^@]+)@users\.noreply\.github\.com$", re.IGNORECASE)


def identity_matches(commit: Commit, reviewer: Reviewer) -> bool:
    """Whether a commit's author is the reviewer the registry describes."""
    email = commit.author_email.strip().casefold()
    if reviewer.email and email == reviewer.email.casefold():
        return True
    match = _NOREPLY.match(email)
    return bool(reviewer.github and match and match["login"].casefold() == reviewer.github.casefold())


def _provenance(history: History, article: Article, doc: RawDocument, previous: Before | None, site: SiteConfig, base: str) -> list[Problem]:
    """Each approval added since ``base`` must come from a commit by its reviewer."""
    old = previous.article if previous else None
    earlier = {(a.reviewer, a.content) for a in (old.review.approvals if old else [])}
    added = [(i, a) for i, a in enumerate(article.review.approvals) if (a.reviewer, a.content) not in earlier]
    if not added:
        return []
    reviewers = {r.id: r for r in site.reviewers}
    commits = history.commits_touching(doc.shown, since=base)
    states = [p.data for p in (history.documents_at_commits(doc.shown, [c.sha for c in commits]))]
    problems = []
    for index, approval in added:
        reviewer = reviewers.get(approval.reviewer)
        if reviewer is None:
            continue  # reported by validation
        commit = _introducing_commit(commits, states, approval.reviewer, approval.content)
        where = ("review", "approvals", index)
        if commit is None:
            problems.append(doc.problem(where, f"approval by {approval.reviewer} is not in any commit since the base; commit it as the reviewer"))
        elif not identity_matches(commit, reviewer):
            known = " or ".join(x for x in (f"e-mail {reviewer.email}" if reviewer.email else "", f"GitHub {reviewer.github}" if reviewer.github else "") if x)
            problems.append(doc.problem(where, f"approval by {approval.reviewer} was committed by {commit.author_name} <{commit.author_email}> in {commit.sha[:10]}, not by the reviewer ({known or 'no identity registered'})"))
    return problems


def _introducing_commit(commits: list[Commit], states: list[Any], reviewer: str, digest: str | None) -> Commit | None:
    for commit, data in zip(commits, states):
        review = data.get("review") if isinstance(data, dict) else None
        approvals = review.get("approvals") if isinstance(review, dict) else None
        if isinstance(approvals, list) and any(
            isinstance(a, dict) and a.get("reviewer") == reviewer and a.get("content") == digest for a in approvals
        ):
            return commit
    return None


def _codeowners_problems(project: Path, site: SiteConfig) -> list[Problem]:
    path = project / CODEOWNERS_PATH
    wanted = codeowners(site)
    have = path.read_text(encoding="utf-8") if path.exists() else None
    if have == wanted:
        return []
    what = "missing" if have is None else "out of date with site_config/reviewers.yaml"
    return [Problem(CODEOWNERS_PATH, 1, 1, "", f"expected CODEOWNERS generated from the reviewer registry; it is {what} (run: guidesite codeowners)")]


