"""``guidesite check --base REF``: what a pull request changes, and whether it may.

Compares every article with its state at the base ref and refuses moves the
editorial lifecycle does not allow; finds stale approvals; refuses an approval
by a reviewer who wrote part of the change (``Authorship``: typed e-mails,
SSH signatures by registry keys, GitHub's attribution of the pull request's
commits), and under ``attribution: provable`` any change nothing provable
attributes; and checks that the committed CODEOWNERS matches the reviewer
registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from typing import TYPE_CHECKING, Any


from ..errors import ContentError, Problem
from ..history import GitError, History, PastDocument, Revision
from ..load import RawDocument
from ..model import Article, SiteConfig
from ..model.site import Reviewer
from ..approvals import COPIED_APPROVAL, NOT_IN_REGISTRY, ApprovalState, approval_state, content_hash, eligible_reviewers, fitting_article, signature_problem
from .authorship import Authorship, GitHubCommit, authors_who_approve, unattributed
from .codeowners import CODEOWNERS_PATH, codeowners
from ..past_site import site_at
from .. import versions  # (a module: versions imports review, which imports this)
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


def analyse(pipeline: "Pipeline", base: str, *, change_authors: tuple[str, ...] = (),
            pr_commits: dict[str, GitHubCommit] | None = None) -> Analysis:
    """Everything ``check`` and ``review-report`` say about the change since ``base``.

    Approvals are judged by the site configuration as the base holds it
    (registry, keys, terms, rules): a change cannot vouch for itself.
    ``change_authors`` are GitHub logins known to have written the change (the
    pull request's author, from CI); with the writers of the commits that
    changed an article, none of them may approve it.  ``pr_commits`` is GitHub's
    attribution of the pull request's commits (``read_pr_commits``), which the
    base's rules may require (``attribution: provable``).
    """
    history = pipeline.history
    if history is None:
        raise GitError(f"expected a git repository to compare with '{base}'; {pipeline.root} is not in one")
    base_sha = history.resolve(base)
    base_date = history.commit_day(base_sha)
    validated = pipeline.validate(positions=True)
    base_site = site_at(history, base_sha)
    base_site.record_rules(versions.recorded_rules(history, within=base_sha))  # past approvals: the rules of the commit that recorded them
    before = _articles_at(history, base_sha)
    before_by_id = {old.id: old for old in before.values()}
    past = history.states_by_id("content")  # every state of every article, by id (read once; the versions below reuse it)
    problems: list[Problem] = []
    changes: list[ArticleChange] = []
    seen_paths = set()
    authorship = Authorship(history, base_sha, base_site, pr_commits)
    for article in validated.articles:
        doc = validated.sources[article.id]
        path = doc.shown
        seen_paths.add(path)
        old = previous_state(before, before_by_id, article, path, validated)
        seen_paths.add(old.path if old is not None else path)
        change = _compare(article, doc, old, base_site)
        if old is not None and old.path != path:
            change.kind = "moved"  # the same article (its id) in another file: not a deletion and an addition
        if change.content_changed and change.state is not None and change.state.current:
            change.problems += authors_who_approve(authorship, article, doc, change.state, change_authors)
            change.problems += _approvals_before_their_content(article, doc, old, change.state, base_date)
        if change.content_changed:
            change.problems += unattributed(authorship, doc)
        change.problems += _rules_this_change_raises(article, doc, change, validated.site)
        if change.kind != "unchanged":
            dated = {p.field for p in change.problems if p.field.endswith(".date")}  # one word on a date already refused
            change.problems += [p for p in history_problems(past.get(article.id, []), article, doc, change, old) if p.field not in dated]
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


def check(pipeline: "Pipeline", base: str, *, change_authors: tuple[str, ...] = (),
          pr_commits: dict[str, GitHubCommit] | None = None) -> list[Problem]:
    """Every problem with the change since ``base`` (empty when it may be merged)."""
    return analyse(pipeline, base, change_authors=change_authors, pr_commits=pr_commits).problems


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
            if signature_problem(article, approval, site) == COPIED_APPROVAL:  # signed for another article's content: not an old state of this one
                problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} of {approval.date} does not count: {COPIED_APPROVAL}"))
                continue
            if after == "retired":
                continue  # it approved the article before its retirement: said with the missing approval below
            problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} of {approval.date} is stale: the content changed after it was approved (re-approve with: guidesite approve {article.id} --reviewer {reviewer})"))
        for reviewer, why in state.not_counted.items():
            index = next(i for i, a in enumerate(article.review.approvals) if a.reviewer == reviewer)
            why = "not in the base's registry" if why == NOT_IN_REGISTRY else why  # check judges by the base's registry
            problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} does not count: {why}"))
        if after == "retired" and state.missing:
            problems.append(_unapproved_retirement(article, doc, state, site))
        elif state.missing and not state.stale:
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


def _rules_this_change_raises(article: Article, doc: RawDocument, change: ArticleChange, head_site: SiteConfig) -> list[Problem]:
    """New approvals are judged by the base's rules (a change cannot lower them); once merged, the
    approvals it records are judged by the rules it brings.  When those ask for more (or drop a
    reviewer), say so now rather than let the page read Under Review after the merge."""
    state = change.state
    carried = {a.signature for a in (change.old.review.approvals if change.old else []) if a.signature}
    if (state is None or article.review.status != "approved" or not state.rules_met
            or all(a.signature in carried for a in article.review.approvals)):
        return []
    after = approval_state(article, head_site, newest_rules=True)
    if after.rules_met:
        return []
    return [doc.problem(("review", "status"), f"expected {after.required} current approval(s) under the rules this change brings "
                                              f"(site_config/ as merged); got {len(after.current)}: the base's rules are met, but "
                                              f"after merging the page would read Under Review")]


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


def _codeowners_problems(project: Path, site: SiteConfig) -> list[Problem]:
    path = project / CODEOWNERS_PATH
    wanted = codeowners(site)
    have = path.read_text(encoding="utf-8") if path.exists() else None
    if have == wanted:
        return []
    what = "missing" if have is None else "out of date with site_config/reviewers.yaml"
    return [Problem(CODEOWNERS_PATH, 1, 1, "", f"expected CODEOWNERS generated from the reviewer registry; it is {what} (run: guidesite codeowners)")]




# -- an article's whole history, not only base and head -----------------------------------------------------------


def previous_state(before: dict[str, Before], before_by_id: dict[str, Before], article: Article, path: str, validated: Any) -> Before | None:
    """The article as the base held it: the base's file with the same ``id`` (wherever it was: a moved
    article is the same article), else the base's file at this path when its article is gone (an id
    changed in place)."""
    old = before_by_id.get(article.id)
    if old is not None:
        return old
    old = before.get(path)
    if old is not None and old.id in validated.sources:
        return None  # that file's article lives on in another file (matched there by its id)
    return old


def history_problems(states: list[Revision], article: Article, doc: RawDocument, change: ArticleChange, previous: Before | None) -> list[Problem]:
    """What the article's whole history (``states``: every committed state of its id, on every path) says of this change:
    no approval made before a retirement counts after it, however many steps it took; an approval is
    dated on or after ``review.updated`` and on or after the day its content first appeared in history;
    an approved article's next review lies within the review cycle; and a change of the version number
    alone is named as such."""
    state = change.state
    problems: list[Problem] = []
    if state is None:
        return problems
    old = previous.article if previous is not None else None
    if old is not None and not change.content_changed and old.review.version != article.review.version and previous.status == "approved":
        problems.append(doc.problem(("review", "version"), f"expected version {old.review.version}: only the version number changed, and the content is "
                                    f"the one approved as version {old.review.version} (version numbers are given by guidesite approve); "
                                    f"got {article.review.version}"))
    counted = [(i, a) for i, a in enumerate(article.review.approvals) if a.reviewer in state.current and a.content == content_hash(article)]
    if not counted:
        return problems
    if article.review.status != "retired" and change.before != "retired":  # (from a retired base: _carried_over says it)
        retired = versions.last_retirement(states)
        if retired is not None:
            for index, approval in counted:
                if retired.precedes(approval):
                    problems.append(doc.problem(("review", "approvals", index), f"approval by {approval.reviewer} of {approval.date} was given before the "
                                                f"article was retired (commit {retired.commit[:10]}); it never counts again (approve it anew)"))
    updated = article.review.updated
    seen = versions.first_seen(states, content_hash(article))
    appeared = date.fromisoformat(seen.day) if seen is not None and seen.day else None
    carried = {a.signature for a in (old.review.approvals if old is not None else []) if a.signature}
    for index, approval in counted:
        if approval.signature in carried:
            continue  # dated as it was when the change that added it was checked (content imported with its approvals keeps them)
        if updated is not None and approval.date < updated:
            problems.append(doc.problem(("review", "approvals", index, "date"), f"expected an approval dated on or after review.updated ({updated}); got {approval.date}"))
        elif appeared is not None and approval.date < appeared:
            problems.append(doc.problem(("review", "approvals", index, "date"), f"expected an approval dated on or after {appeared}, when this content first "
                                        f"appeared in history (commit {seen.commit[:10]}); got {approval.date}"))
    if article.review.status == "approved" and state.rules is not None and any(a.signature not in carried for _, a in counted):
        last = max(a.date for _, a in counted)
        limit = state.rules.review_due_by(last)
        if article.review.next_review > limit:
            problems.append(doc.problem(("review", "next_review"), f"expected the next review within {state.rules.review_cycle_months} months of the approval "
                                        f"of {last} (review_rules.review_cycle_months): on or before {limit}; got {article.review.next_review}"))
    return problems


def _unapproved_retirement(article: Article, doc: RawDocument, state: ApprovalState, site: SiteConfig) -> Problem:
    """A retirement without its own approvals: the approvals it carries are of the article before it."""
    earlier = [a for a in article.review.approvals if a.reviewer in state.stale and signature_problem(article, a, site) != COPIED_APPROVAL]
    why = ""
    if earlier:
        which = ", ".join(f"{a.reviewer} of {a.date}" for a in earlier)
        why = (f": the approval{'s' if len(earlier) > 1 else ''} by {which} approved the article before it was retired "
               f"(approve the retirement with: guidesite approve {article.id} --reviewer ID)")
    return doc.problem(("review", "status"), f"expected {state.required} approval(s) of the retirement (retiring an article is reviewed like "
                                             f"publishing it); got {len(state.current)}{why}")
