"""``guidesite check --base REF``: what a pull request changes, and whether it may.

Compares every article with its state at the base ref and refuses moves the
editorial lifecycle does not allow; finds stale approvals; checks that each
approval added since the base was committed by the reviewer it names; and
that the committed CODEOWNERS matches the reviewer registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from typing import TYPE_CHECKING, Any


from ..errors import ContentError, Problem
from ..history import Commit, GitError, History, PastDocument
from ..load import RawDocument
from ..model import Article, SiteConfig
from ..model.site import Reviewer
from .approvals import ApprovalState, approval_state, content_hash, eligible_reviewers, fitting_article
from .codeowners import CODEOWNERS_PATH, codeowners
from ..past_site import site_at
from .governed import GovernedChange, check_governed_change

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
    old: Article | None = None
    """The article at the base (None: new, or no longer fits the model)."""
    new: Article | None = None


@dataclass
class Analysis:
    base: str
    changes: list[ArticleChange]
    problems: list[Problem]
    governed: GovernedChange


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

    @property
    def retired_on(self) -> date | None:
        """For a retired article: the date its retirement was approved (its newest approval)."""
        if self.status != "retired" or self.article is None or not self.article.review.approvals:
            return None
        return max(a.date for a in self.article.review.approvals)


def analyse(pipeline: "Pipeline", base: str, *, change_authors: tuple[str, ...] = ()) -> Analysis:
    """Everything ``check`` and ``review-report`` say about the change since ``base``.

    Approvals are judged by the site configuration as the base holds it
    (registry, keys, terms, rules): a change cannot vouch for itself.
    ``change_authors`` are GitHub logins known to have written the change (the
    pull request's author, from CI); with the git authors of the commits that
    changed an article, none of them may approve it.
    """
    history = pipeline.history
    if history is None:
        raise GitError(f"expected a git repository to compare with '{base}'; {pipeline.root} is not in one")
    base_sha = history.resolve(base)
    base_date = date.fromisoformat(history.git("show", "-s", "--format=%cs", base_sha).decode().strip())
    validated = pipeline.validate(positions=True)
    base_site = site_at(history, base_sha)
    before = _articles_at(history, base_sha)
    problems: list[Problem] = []
    changes: list[ArticleChange] = []
    seen_paths = set()
    for article in validated.articles:
        doc = validated.sources[article.id]
        path = doc.shown
        seen_paths.add(path)
        old = before.get(path)
        change = _compare(article, doc, old, base_site)
        if change.content_changed and change.state is not None and change.state.current:
            change.problems += _authors_who_approve(history, article, doc, base_sha, base_site, change.state, change_authors)
            change.problems += _approvals_before_their_content(article, doc, old, change.state, base_date)
        changes.append(change)
        problems += change.problems
    for path, old in sorted(before.items()):
        if path in seen_paths:
            continue
        change = ArticleChange(path, old.id, old.title, "removed", old.status, None, True, None, old=old.article)
        if old.status == "approved":
            change.problems.append(Problem(path, 1, 1, "", "expected an approved article to be retired (review.status: retired), not deleted; readers and citations point to it"))
        elif old.status == "retired":
            change.problems.append(Problem(path, 1, 1, "", "expected a retired article to stay (it says it is retired, and why); readers and citations point to it"))
        changes.append(change)
        problems += change.problems
    try:  # permanent copies: no version number may be approved again with other content
        pipeline.versions(validated)
    except ContentError as exc:
        problems += exc.problems
    governed = check_governed_change(pipeline.root, history, base_sha, base_site, pipeline.today)
    problems += governed.problems
    problems += _codeowners_problems(pipeline.root, validated.site)
    return Analysis(base=base, changes=changes, problems=problems, governed=governed)


def check(pipeline: "Pipeline", base: str, *, change_authors: tuple[str, ...] = ()) -> list[Problem]:
    """Every problem with the change since ``base`` (empty when it may be merged)."""
    return analyse(pipeline, base, change_authors=change_authors).problems


def _articles_at(history: History, ref: str) -> dict[str, Before]:
    """Articles at ``ref`` by path, typed where they still fit the model."""
    return {path: _before(past) for path, past in history.documents_at(ref, "content").items()}


def _before(past: PastDocument) -> Before:
    data = past.data if isinstance(past.data, dict) else {}
    review = data.get("review") if isinstance(data.get("review"), dict) else {}
    status = review.get("status") if isinstance(review.get("status"), str) else None
    article = fitting_article(past.data)
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
    carried = {a.signature for a in (old.review.approvals if old else []) if a.signature}
    state = approval_state(article, site, newest_rules=any(a.signature not in carried for a in article.review.approvals))
    change = ArticleChange(doc.shown, article.id, article.title, kind, before, after, changed, state, eligible_reviewers(article, site), old=old, new=article)
    problems = change.problems
    status_at = ("review", "status")

    if after not in ALLOWED_MOVES[before]:
        what = "a new article" if before is None else f"'{before}'"
        hint = {
            ("draft", "approved"): "; submit it for review first (status: submitted)",
            ("retired", "approved"): "; a retired article comes back through review (status: submitted)",
        }.get((before, after), "")
        problems.append(doc.problem(status_at, f"expected a status reachable from {what} ({', '.join(sorted(ALLOWED_MOVES[before]))}); got '{after}'{hint}"))
    signed_off = after == "approved" or (after == "retired" and before != "retired")
    if after == "retired" and before != "retired" and not article.review.retired_reason:
        problems.append(doc.problem(status_at, "expected review.retired_reason (shown to readers) when retiring an article; got none"))
    if signed_off:
        for reviewer in state.stale:
            approval = next(a for a in article.review.approvals if a.reviewer == reviewer)
            index = article.review.approvals.index(approval)
            problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} of {approval.date} is stale: the content changed after it was approved (re-approve with: guidesite approve {article.id} --reviewer {reviewer})"))
        for reviewer, why in state.not_counted.items():
            index = next(i for i, a in enumerate(article.review.approvals) if a.reviewer == reviewer)
            problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} does not count: {why}"))
        if state.missing and not state.stale:
            problems.append(doc.problem(status_at, f"expected {state.required} current approval(s) for '{after}'; got {len(state.current)}"
                                        + (" (retiring an article is reviewed like publishing it)" if after == "retired" else "")))
        if before == "retired" and after == "approved":
            problems += _carried_over(article, doc, previous, state)
        old_version = previous.version if previous else None
        if (after == "approved" and old is not None and changed and old_version is not None and article.review.version > old_version
                and article.review.changes == old.review.changes):  # a retirement's note is its retired_reason
            problems.append(doc.problem(("review", "changes"), f"expected a change note for version {article.review.version} saying what changed; "
                                        f"got {'none' if not article.review.changes else 'the note of version ' + str(old_version)}"))
        if previous is not None and before == "approved" and changed and not state.stale and old_version is not None and article.review.version <= old_version:
            problems.append(doc.problem(("review", "version"), f"expected the version raised above {old_version} for a change to approved content; got {article.review.version}"))
    return change


def _carried_over(article: Article, doc: RawDocument, previous: Before, state: ApprovalState) -> list[Problem]:
    """A retired article comes back only through approvals made for its return: none carried over."""
    earlier = {a.signature for a in (previous.article.review.approvals if previous.article else []) if a.signature}
    problems = []
    for index, approval in enumerate(article.review.approvals):
        if approval.reviewer in state.current and (approval.signature in earlier or (previous.retired_on is not None and approval.date <= previous.retired_on)):
            problems.append(doc.problem(("review", "approvals", index), f"approval by {approval.reviewer} of {approval.date} was given before the article was retired; it never counts again (approve it anew)"))
    return problems


_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[^@]+)@users\.noreply\.github\.com$", re.IGNORECASE)


def identity_matches(commit: Commit, reviewer: Reviewer) -> bool:
    """Whether a commit's author is the reviewer the registry describes."""
    email = commit.author_email.strip().casefold()
    if reviewer.email and email == reviewer.email.casefold():
        return True
    match = _NOREPLY.match(email)
    return bool(reviewer.github and match and match["login"].casefold() == reviewer.github.casefold())


def _authors_who_approve(history: History, article: Article, doc: RawDocument, base: str, site: SiteConfig,
                         state: ApprovalState, change_authors: tuple[str, ...]) -> list[Problem]:
    """Counted approvals by someone who wrote part of the change (unless the rules allow it).

    The authors are the git authors of the commits since the base that changed
    what reviewers vouch for (a commit that only adds approvals writes nothing),
    and the logins CI names (the pull request's author).
    """
    if state.author_may_approve:
        return []
    commits = history.commits_touching(doc.shown, since=base)
    states = history.documents_at_commits(doc.shown, [base] + [c.sha for c in commits])
    hashes = [_vouched(past.data) for past in states]
    writers = [commit for commit, previous, now in zip(commits, hashes, hashes[1:]) if now is None or now != previous]
    reviewers = {r.id: r for r in site.reviewers}
    problems = []
    for index, approval in enumerate(article.review.approvals):
        reviewer = reviewers.get(approval.reviewer)
        if approval.reviewer not in state.current or reviewer is None:
            continue
        wrote = next((c for c in writers if identity_matches(c, reviewer)), None)
        if wrote is not None:
            why = f"{approval.reviewer} wrote part of this change (commit {wrote.sha[:10]} by {wrote.author_name} <{wrote.author_email}>)"
        elif reviewer.github and reviewer.github.casefold() in {login.casefold() for login in change_authors}:
            why = f"{approval.reviewer} opened this change (GitHub {reviewer.github})"
        else:
            continue
        problems.append(doc.problem(("review", "approvals", index), f"approval by {approval.reviewer} does not count: {why}; another reviewer must approve"))
    return problems


def _approvals_before_their_content(article: Article, doc: RawDocument, previous: Before | None, state: ApprovalState, base_date: date) -> list[Problem]:
    """A new approval of content this change wrote cannot be dated before the base it was written on
    (the date main recorded, which the change cannot set): a back-dated approval would slip into an
    old rule set or a term that has ended."""
    carried = {a.signature for a in (previous.article.review.approvals if previous and previous.article else []) if a.signature}
    problems = []
    for index, approval in enumerate(article.review.approvals):
        if approval.reviewer in state.current and approval.signature not in carried and approval.date < base_date:
            problems.append(doc.problem(("review", "approvals", index, "date"),
                                        f"expected an approval dated on or after {base_date} (the base this content was written on); got {approval.date}"))
    return problems


def _vouched(data: Any) -> str | None:
    article = fitting_article(data)
    return content_hash(article) if article is not None else None


def _codeowners_problems(project: Path, site: SiteConfig) -> list[Problem]:
    path = project / CODEOWNERS_PATH
    wanted = codeowners(site)
    have = path.read_text(encoding="utf-8") if path.exists() else None
    if have == wanted:
        return []
    what = "missing" if have is None else "out of date with site_config/reviewers.yaml"
    return [Problem(CODEOWNERS_PATH, 1, 1, "", f"expected CODEOWNERS generated from the reviewer registry; it is {what} (run: guidesite codeowners)")]


