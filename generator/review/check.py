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

from pydantic import ValidationError

from ..errors import Problem
from ..load import RawDocument, load
from ..model import Article, SiteConfig
from ..model.site import Reviewer
from ..validate import validate
from .approvals import ApprovalState, approval_state, content_hash, eligible_reviewers
from .codeowners import CODEOWNERS_PATH, codeowners
from .history import Commit, commits_touching, data_at, files_at, resolve

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


def analyse(project: Path, base: str, *, provenance: bool = True) -> Analysis:
    """Everything ``check`` and ``review-report`` say about the change since ``base``."""
    project = Path(project).resolve()
    base_sha = resolve(project, base)
    validated = validate(load(project))
    before = _articles_at(project, base_sha)
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
            change.problems += _provenance(project, article, doc, old, validated.site, base_sha)
        changes.append(change)
        problems += change.problems
    for path, old in sorted(before.items()):
        if path in seen_paths or old is None:
            continue
        change = ArticleChange(path, old.id, old.title, "removed", old.review.status, None, True, None)
        if old.review.status == "approved":
            change.problems.append(Problem(path, 1, 1, "", "expected an approved article to be retired (review.status: retired), not deleted; readers and citations point to it"))
        changes.append(change)
        problems += change.problems
    problems += _codeowners_problems(project, validated.site)
    return Analysis(base=base, changes=changes, problems=problems)


def check(project: Path, base: str, *, provenance: bool = True) -> list[Problem]:
    """Every problem with the change since ``base`` (empty when it may be merged)."""
    return analyse(project, base, provenance=provenance).problems


def _articles_at(project: Path, ref: str) -> dict[str, Article | None]:
    """Articles at ``ref`` by path; None where the old file no longer parses under today's model."""
    out: dict[str, Article | None] = {}
    for path in files_at(project, ref, "content"):
        data = data_at(project, ref, path)
        try:
            out[path] = None if data is None else Article.model_validate(data)
        except ValidationError:
            out[path] = None
    return out


def _compare(article: Article, doc: RawDocument, old: Article | None, site: SiteConfig) -> ArticleChange:
    after = article.review.status
    before = old.review.status if old else None
    changed = old is None or content_hash(old) != content_hash(article)
    kind = "added" if old is None else ("changed" if changed or old != article else "unchanged")
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
        if old is not None and before == "approved" and changed and not state.stale and article.review.version <= old.review.version:
            problems.append(doc.problem(("review", "version"), f"expected the version raised above {old.review.version} for a change to approved content; got {article.review.version}"))
    return change


_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[^@]+)@users\.noreply\.github\.com$", re.IGNORECASE)


def identity_matches(commit: Commit, reviewer: Reviewer) -> bool:
    """Whether a commit's author is the reviewer the registry describes."""
    email = commit.author_email.strip().casefold()
    if reviewer.email and email == reviewer.email.casefold():
        return True
    match = _NOREPLY.match(email)
    return bool(reviewer.github and match and match["login"].casefold() == reviewer.github.casefold())


def _provenance(project: Path, article: Article, doc: RawDocument, old: Article | None, site: SiteConfig, base: str) -> list[Problem]:
    """Each approval added since ``base`` must come from a commit by its reviewer."""
    previous = {(a.reviewer, a.content) for a in (old.review.approvals if old else [])}
    added = [(i, a) for i, a in enumerate(article.review.approvals) if (a.reviewer, a.content) not in previous]
    if not added:
        return []
    reviewers = {r.id: r for r in site.reviewers}
    commits = commits_touching(project, doc.shown, since=base)
    problems = []
    for index, approval in added:
        reviewer = reviewers.get(approval.reviewer)
        if reviewer is None:
            continue  # reported by validation
        commit = _introducing_commit(project, doc.shown, commits, approval.reviewer, approval.content)
        where = ("review", "approvals", index)
        if commit is None:
            problems.append(doc.problem(where, f"approval by {approval.reviewer} is not in any commit since the base; commit it as the reviewer"))
        elif not identity_matches(commit, reviewer):
            known = " or ".join(x for x in (f"e-mail {reviewer.email}" if reviewer.email else "", f"GitHub {reviewer.github}" if reviewer.github else "") if x)
            problems.append(doc.problem(where, f"approval by {approval.reviewer} was committed by {commit.author_name} <{commit.author_email}> in {commit.sha[:10]}, not by the reviewer ({known or 'no identity registered'})"))
    return problems


def _introducing_commit(project: Path, path: str, commits: list[Commit], reviewer: str, digest: str | None) -> Commit | None:
    for commit in commits:
        data = data_at(project, commit.sha, path)
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


