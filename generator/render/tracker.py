"""An article page's review state: the tracker's steps, the approvals that count, the review date.

A mixin of ``ArticleView`` (``render/article.py``).
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any

from ..approvals import counted_approvals, effective_status
from ..model import Article, SiteConfig

STATUS_STEPS = (("submitted", "Submitted"), ("under_review", "Under Review"), ("approved", "Approved"))


class ReviewState:
    """Where an article page stands in review."""

    article: Article
    site: SiteConfig
    today: date


    @property
    def status(self) -> str:
        return effective_status(self.article, self.site)

    def steps(self) -> list[tuple[str, str]]:
        """``(label, state)`` for the tracker; state is done, current or todo."""
        order = [key for key, _ in STATUS_STEPS]
        status = self.status
        current = order.index(status) if status in order else -1
        return [(label, "done" if i < current else "current" if i == current else "todo") for i, (_, label) in enumerate(STATUS_STEPS)]

    @cached_property
    def _counted(self) -> list[Any]:
        return counted_approvals(self.article, self.site)

    def approvers(self) -> list[tuple[Any, Any]]:
        """Reviewers whose signed approval of this very content counts, with the approval."""
        return [(self.site.reviewer(a.reviewer), a) for a in self._counted]

    def last_reviewed(self) -> date:
        """The date of the newest approval that counts (the page's "Last reviewed")."""
        return max(a.date for a in self._counted)

    @property
    def overdue(self) -> bool:
        """Past its review date when the site was built (the page's script re-checks when read)."""
        return self.article.review.next_review < self.today
