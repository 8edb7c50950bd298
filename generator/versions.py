"""Citable article versions, read from the git history of each article file.

Every approved version of an article (``review.version`` with approvals that
pin its content) stays readable at ``/<specialty>/<id>/v<N>/``.  Nothing is
copied by hand: the versions are whatever the history of ``content/`` on the
current branch holds, plus the working tree.  Each version knows which
sections and regimens changed since the previous approved version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import ContentError, Problem
from .history import History, PastDocument, parse_revision
from .load import collection_paused
from .model import Article, SiteConfig
from .review.approvals import approval_state, content_hash
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
    """Parts new or changed since the previous approved version (names as in :func:`parts_of`)."""
    added: frozenset[str] = frozenset()
    """Parts this version added."""
    removed: frozenset[str] = frozenset()
    """Parts this version removed."""

    @property
    def summary(self) -> str | None:
        return self.article.review.changes


def article_versions(history: History | None, validated: Validated, moves: dict[str, list[str]] | None = None) -> dict[str, list[ArticleVersion]]:
    """Approved versions of every article, oldest first, by article id.

    ``moves``, when given, is filled with the specialties each article was
    published under before it moved to its current folder (its old addresses).

    A past state that was approved but no longer fits the article model (or
    can no longer be read) is a problem: its permanent copy would otherwise
    vanish from the site without a word.  Raises ContentError listing them all.
    """
    with collection_paused():  # thousands of content hashes: see load.collection_paused
        problems: list[Problem] = []
        out = _article_versions(history, validated, problems, moves)
    if problems:
        raise ContentError(problems)
    return out


def _article_versions(history: History | None, validated: Validated, problems: list[Problem],
                      moves: dict[str, list[str]] | None = None) -> dict[str, list[ArticleVersion]]:
    revisions = history.revisions("content") if history is not None else {}
    out: dict[str, list[ArticleVersion]] = {}
    for article in validated.articles:
        candidates: dict[int, tuple[Article, str | None]] = {}
        for revision in revisions.get(validated.sources[article.id].shown, []):
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
                changed=changed_parts(previous, version_article) if previous else frozenset(),
                added=added_parts(previous, version_article) if previous else frozenset(),
                removed=removed_parts(previous, version_article) if previous else frozenset(),
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


def table_part(table: Any) -> str:
    """A table's name as versions know it: ``table:<caption>`` (its first wording)."""
    return "table:" + " ".join(next(iter(table.caption.values()), "").split())


def parts_of(article: Article) -> dict[str, Any]:
    """What a reader can see change, by name: ``summary``, ``section:<heading>``, ``regimen:<name>``,
    ``dosing:<name>``, ``algorithm:<name>``, ``table:<caption>``, ``recommendation:<heading>#<n>`` (the n-th recommendation of that section)."""
    parts: dict[str, Any] = {"summary": article.summary}
    for section in article.sections:
        parts[f"section:{section.heading}"] = section
        count = 0
        for block in section.blocks:
            for kind in ("regimen", "dosing", "algorithm"):
                table = getattr(block, kind)
                if table is not None:
                    parts[f"{kind}:{table.name}"] = table
            if block.table is not None:
                parts[table_part(block.table)] = block.table
            if block.recommendation is not None:
                count += 1
                parts[f"recommendation:{section.heading}#{count}"] = block.recommendation
    return parts


def changed_parts(old: Article, new: Article) -> frozenset[str]:
    """Parts new or changed between two versions (compared as data, not text)."""
    before, after = parts_of(old), parts_of(new)
    return frozenset(name for name, value in after.items() if before.get(name) != value)


def added_parts(old: Article, new: Article) -> frozenset[str]:
    before = parts_of(old)
    return frozenset(name for name in parts_of(new) if name not in before)


def removed_parts(old: Article, new: Article) -> frozenset[str]:
    after = parts_of(new)
    return frozenset(name for name in parts_of(old) if name not in after)


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
