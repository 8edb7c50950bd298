"""Citable article versions, read from the git history of each article file.

Every approved version of an article (``review.version`` with approvals that
pin its content) stays readable at ``/<specialty>/<id>/v<N>/``.  Nothing is
copied by hand: the versions are whatever the history of ``content/`` on the
current branch holds, plus the working tree.  Each version knows which
sections and regimens changed since the previous approved version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from .load import collection_paused
from .model import Article, SiteConfig
from .review.approvals import approval_state, content_hash
from .review.history import history_of, is_repository, parse_at
from .validate import Validated

log = logging.getLogger(__name__)


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
    """Parts changed since the previous approved version: ``summary``, ``section:<heading>``, ``regimen:<name>``."""

    @property
    def summary(self) -> str | None:
        return self.article.review.changes


def article_versions(project: Path, validated: Validated) -> dict[str, list[ArticleVersion]]:
    """Approved versions of every article, oldest first, by article id."""
    with collection_paused():  # thousands of content hashes: see load.collection_paused
        return _article_versions(Path(project), validated)


def _article_versions(project: Path, validated: Validated) -> dict[str, list[ArticleVersion]]:
    history = history_of(project, "content") if is_repository(project) else {}
    out: dict[str, list[ArticleVersion]] = {}
    for article in validated.articles:
        candidates: dict[int, tuple[Article, str | None]] = {}
        for sha, raw in history.get(validated.sources[article.id].shown, []):
            if b"approved" not in raw:
                continue  # most past states were never approved: not worth reading
            old = _article(parse_at(raw, validated.sources[article.id].shown))
            if old is not None and old.id == article.id and _approved(old, validated.site):
                candidates[old.review.version] = (old, sha)
        if _approved(article, validated.site):
            known = candidates.get(article.review.version)
            same = known is not None and content_hash(known[0]) == content_hash(article)
            candidates[article.review.version] = (article, known[1] if same else None)
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
            ))
            previous = version_article
        out[article.id] = versions
    return out


def changed_parts(old: Article, new: Article) -> frozenset[str]:
    """What a reader would see as changed between two versions (compared as data, not text)."""
    changed: set[str] = set()
    if old.summary != new.summary:
        changed.add("summary")
    old_sections = {s.heading: s for s in old.sections}
    for section in new.sections:
        before = old_sections.get(section.heading)
        if before is None or before != section:
            changed.add(f"section:{section.heading}")
    old_regimens = {b.regimen.name: b.regimen for s in old.sections for b in s.blocks if b.regimen}
    for section in new.sections:
        for block in section.blocks:
            if block.regimen and old_regimens.get(block.regimen.name) != block.regimen:
                changed.add(f"regimen:{block.regimen.name}")
    return frozenset(changed)


def _approved(article: Article, site: SiteConfig) -> bool:
    return article.review.status == "approved" and approval_state(article, site).rules_met


def _article(data) -> Article | None:
    if data is None:
        return None
    try:
        return Article.model_validate(data)
    except ValidationError:
        log.info("skipping a past version that no longer fits the model")
        return None
