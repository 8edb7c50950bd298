"""Citable article versions, read from the git history of each article file.

Every approved version of an article (``review.version`` with approvals that
pin its content) stays readable at ``/<specialty>/<id>/v<N>/``.  Nothing is
copied by hand: the versions are whatever the history of ``content/`` on the
current branch holds, plus the working tree.  Each version knows which
sections and regimens changed since the previous approved version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ContentError, Problem
from .history import History, PastDocument, Revision, parse_revision
from .load import collection_paused
from .model import Article, SiteConfig
from .model.article import MARKED_KINDS
from .model.site import RuleSets, signature_key
from .approvals import approval_state, content_hash, fitting_article
from .validate import Validated
from .validate.messages import to_model


@dataclass(frozen=True)
class ArticleVersion:
    """One approved version of an article."""

    number: int
    article: Article
    approved_on: date
    approvers: tuple[str, ...]
    """Ids of the reviewers whose approval of this content counts."""
    commit: str | None
    """The last commit holding this version (None: only in the working tree)."""
    changed: frozenset[str]
    """Regions of the page new or changed since the previous approved version (names as in :func:`regions_of`)."""
    added: frozenset[str] = frozenset()
    """Parts this version added."""
    removed: frozenset[str] = frozenset()
    """Parts this version removed."""

    @property
    def summary(self) -> str | None:
        return self.article.review.changes


def article_versions(history: History | None, validated: Validated, moves: dict[str, list[str]] | None = None, *,
                     judged_by: str | None = None) -> dict[str, list[ArticleVersion]]:
    """Approved versions of every article, oldest first, by article id.

    An article is its ``id``: every state any file held under that id, in
    any folder, is its history, whatever git's rename detection says (a file
    deleted and added again, or moved, keeps its versions and their numbers).
    Each approval is judged by the rules of the commit that recorded it (set
    on ``validated.site``: see :func:`recorded_rules`); with ``judged_by`` (a
    pull request's build), only commits of that ref's history vouch for rules.

    ``moves``, when given, is filled with the specialties each article was
    published under before it moved to its current folder (its old addresses).

    A past state that was approved but no longer fits the article model (or
    can no longer be read) is a problem: its permanent copy would otherwise
    vanish from the site without a word.  Raises ContentError listing them all.
    """
    with collection_paused():  # thousands of content hashes: see load.collection_paused
        problems: list[Problem] = []
        if history is not None:
            validated.site.record_rules(recorded_rules(history, within=judged_by))
        out = _article_versions(history, validated, problems, moves)
    if problems:
        raise ContentError(problems)
    return out


def _article_versions(history: History | None, validated: Validated, problems: list[Problem],
                      moves: dict[str, list[str]] | None = None) -> dict[str, list[ArticleVersion]]:
    states = history.states_by_id("content") if history is not None else {}
    out: dict[str, list[ArticleVersion]] = {}
    for article in validated.articles:
        candidates: dict[int, tuple[Article, str | None]] = {}
        for revision in states.get(article.id, []):
            folder = revision.path.split("/")[-2] if revision.path.count("/") >= 2 else None
            if moves is not None and folder and folder != article.specialty and b"status: draft" not in revision.data:
                if folder not in moves.setdefault(article.id, []):
                    moves[article.id].append(folder)  # it was published at /<folder>/<id>/
            if b"approved" not in revision.data:
                continue  # most past states were never approved: not worth reading
            old = _past_article(parse_revision(revision), problems)
            if old is not None and old.id == article.id and _approved(old, validated.site):
                _keep(candidates, old, revision.commit, validated.sources[article.id].shown, problems)
        if _approved(article, validated.site):
            _keep(candidates, article, None, validated.sources[article.id].shown, problems)
        versions: list[ArticleVersion] = []
        previous: Article | None = None
        for number in sorted(candidates):
            version_article, commit = candidates[number]
            state = approval_state(version_article, validated.site)
            dates = [a.date for a in version_article.review.approvals if a.reviewer in state.current]
            versions.append(ArticleVersion(
                number=number,
                article=version_article,
                approved_on=max(dates),
                approvers=tuple(state.current),
                commit=commit,
                changed=changed_regions(previous, version_article) if previous else frozenset(),
                added=added_regions(previous, version_article) if previous else frozenset(),
                removed=removed_regions(previous, version_article) if previous else frozenset(),
            ))
            previous = version_article
        out[article.id] = versions
    return out


def _keep(candidates: dict[int, tuple[Article, str | None]], article: Article, commit: str | None, shown: str, problems: list[Problem]) -> None:
    """Record an approved state under its version number.  A permanent copy never changes: the same
    number approved again with other content is a problem, and the first content keeps the number."""
    number = article.review.version
    known = candidates.get(number)
    if known is None or content_hash(known[0]) == content_hash(article):
        # The first approval of this content, or a later state of the same content (another approval).
        candidates[number] = (article, commit if commit is not None or known is None else known[1])
        return
    where = f"commit {commit[:10]}" if commit else "the working tree"
    first = f"commit {known[1][:10]}" if known[1] else "the working tree"
    problems.append(Problem(shown, 1, 1, "review.version",
                            f"expected version {number} to keep the content approved as version {number} in {first}; {where} approves other "
                            f"content under the same number (a permanent copy never changes: other content is a new version)"))


def caption_region(table: Any, kind: str = "table") -> str:
    """A block named by its caption, as versions know it: ``table:<caption>`` (its first wording)."""
    return f"{kind}:" + " ".join(next(iter(table.caption.values()), "").split())


def regions_of(article: Article) -> dict[str, Any]:
    """What a reader can see change, by name: ``summary``, ``section:<heading>``, and each block of a kind
    marked in the model (``MARKED_KINDS``) as ``<kind>:<name>`` (``regimen:<name>``, ``dosing:<name>``,
    ``algorithm:<name>``), ``<kind>:<caption>`` (``table:<caption>``) or ``<kind>:<heading>#<n>`` (the n-th
    recommendation of that section)."""
    regions: dict[str, Any] = {"summary": article.summary}
    for section in article.sections:
        regions[f"section:{section.label}"] = section
        counts: dict[str, int] = {}
        for block in section.blocks:
            mark = MARKED_KINDS.get(block.kind)
            if mark is None:
                continue
            value = getattr(block, block.kind)
            if mark.by == "name":
                regions[f"{block.kind}:{value.name}"] = value
            elif mark.by == "caption":
                regions[caption_region(value, block.kind)] = value
            else:
                counts[block.kind] = counts.get(block.kind, 0) + 1
                regions[f"{block.kind}:{section.label}#{counts[block.kind]}"] = value
    return regions


def changed_regions(old: Article, new: Article) -> frozenset[str]:
    """Parts new or changed between two versions (compared as data, not text)."""
    before, after = regions_of(old), regions_of(new)
    return frozenset(name for name, value in after.items() if before.get(name) != value)


def added_regions(old: Article, new: Article) -> frozenset[str]:
    before = regions_of(old)
    return frozenset(name for name in regions_of(new) if name not in before)


def removed_regions(old: Article, new: Article) -> frozenset[str]:
    after = regions_of(new)
    return frozenset(name for name in regions_of(old) if name not in after)


def _approved(article: Article, site: SiteConfig) -> bool:
    return article.review.status == "approved" and approval_state(article, site).rules_met


def _past_article(past: PastDocument, problems: list[Problem]) -> Article | None:
    """The article a past approved state held; a problem (naming its commit) when it cannot be read."""
    review = past.data.get("review") if isinstance(past.data, dict) else None
    if past.data is not None and not (isinstance(review, dict) and review.get("status") == "approved"):
        return None  # "approved" appeared in some text, not as the status
    found: list[Problem] = list(past.problems)
    article = to_model(Article, past.doc, found) if past.data is not None else None
    for problem in found:
        problems.append(Problem(problem.path, problem.line, problem.col, problem.field,
                                f"the approved state at commit {past.commit[:10]} no longer fits the article model, so its permanent "
                                f"copy cannot be published: {problem.message} (the model must keep reading what was approved)"))
    return article


# -- what history says of an article and its approvals ---------------------------------------------------

SITE_SETTINGS = "site_config/site.yaml"
"""Where the review rules are written."""

_SIGNATURE = re.compile(rb"-----BEGIN SSH SIGNATURE-----(.*?)-----END SSH SIGNATURE-----", re.S)


def recorded_rules(history: History, *, within: str | None = None) -> dict[str, RuleSets]:
    """The ``review_rules`` each committed approval is judged by, by :func:`signature_key`: site.yaml's at
    the first commit (parents before children) whose content held the approval's signature.

    ``within`` (a ref): only commits of its history count (a pull request's own commits never set the
    rules its approvals are judged by).  An approval whose commit's rules cannot be read is left out
    (judged by the working tree's rules, as one not yet committed).  One pass over the states
    :meth:`History.states` already read; site.yaml read once per distinct blob, its rules parsed once.
    """
    allowed = history.ancestors(history.resolve(within, option="--judge-by")) if within else None
    first: dict[str, str] = {}
    seen_blobs: set[str] = set()
    for revision in history.states("content"):
        if revision.blob in seen_blobs or (allowed is not None and revision.commit not in allowed):
            continue
        seen_blobs.add(revision.blob)  # the same bytes hold the same signatures: the first commit holding them wins
        if b"SSH SIGNATURE" not in revision.data:
            continue
        for body in _SIGNATURE.findall(revision.data):
            key = signature_key(body)
            if key is not None:
                first.setdefault(key, revision.commit)
    rules = rules_at(history, list(dict.fromkeys(first.values())))
    return {key: rules[commit] for key, commit in first.items() if rules.get(commit) is not None}


def rules_at(history: History, commits: list[str]) -> dict[str, RuleSets | None]:
    """site.yaml's ``review_rules`` at each commit (None where it cannot be read under today's model).
    Cached by blob for the run: a pure function of what the commit holds."""
    from pydantic import TypeAdapter, ValidationError

    from .load import parse_document

    raws = history.file_at_commits(SITE_SETTINGS, commits)
    out: dict[str, RuleSets | None] = {}
    for commit, raw in raws.items():
        key = ("review_rules", hashlib.sha256(raw).hexdigest() if raw is not None else None)
        if key not in history.memo:
            value: RuleSets | None = None
            if raw is not None:
                doc, found = parse_document(raw, Path(SITE_SETTINGS), SITE_SETTINGS)
                if not found and isinstance(doc.data, dict):
                    try:
                        value = TypeAdapter(RuleSets).validate_python(doc.data.get("review_rules", {}))
                    except ValidationError:
                        value = None
            history.memo[key] = value
        out[commit] = history.memo[key]
    return out


def article_states(history: History | None, article_id: str) -> list[Revision]:
    """Every committed state of the article ``article_id`` (any file, any folder), oldest first."""
    return history.states_by_id("content").get(article_id, []) if history is not None else []


def first_seen(states: list[Revision], digest: str) -> Revision | None:
    """The first of an article's committed ``states`` (:func:`article_states`) whose reviewable content hashes to ``digest``."""
    hashes: dict[str, str | None] = {}
    for revision in states:
        if revision.blob not in hashes:
            article = fitting_article(parse_revision(revision).data)
            hashes[revision.blob] = content_hash(article) if article is not None else None
        if hashes[revision.blob] == digest:
            return revision
    return None


@dataclass(frozen=True)
class Retirement:
    """The last time history saw an article retired."""

    commit: str
    on: date | None
    """The date its retirement was approved (its newest approval), if any."""
    signatures: frozenset[str]
    """Every approval (:func:`signature_key`) any state of the article held up to and including it."""

    def precedes(self, approval: Any) -> bool:
        """Whether ``approval`` was given before this retirement (held by a state up to it, or dated on or
        before its approval): it never counts again once the article is back."""
        return signature_key(approval.signature) in self.signatures or (self.on is not None and approval.date <= self.on)


def last_retirement(states: list[Revision]) -> Retirement | None:
    """The last retired state of an article's committed ``states`` (:func:`article_states`), with every
    approval made before it (which never counts again once the article comes back)."""
    last: tuple[int, Article | None] | None = None
    for index, revision in enumerate(states):
        if b"retired" not in revision.data:
            continue
        data = parse_revision(revision).data
        review = data.get("review") if isinstance(data, dict) else None
        if isinstance(review, dict) and review.get("status") == "retired":
            last = (index, fitting_article(data))
    if last is None:
        return None
    index, article = last
    signatures = {key for revision in states[:index + 1] for body in _SIGNATURE.findall(revision.data) if (key := signature_key(body))}
    on = max((a.date for a in article.review.approvals), default=None) if article is not None else None
    return Retirement(states[index].commit, on, frozenset(signatures))
