"""What the article template reads: one view object per article page.

``ArticleView`` holds the page's state (citation numbers in order of first appearance,
back-link counters, the audiences of the section being rendered, the files written beside
the page) and is made of one mixin per concern: author text (``wording.py``), the block
templates' helpers (``block_views.py``), the reference list (``references.py``), the review
tracker (``tracker.py``) and the versions (``updates.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import addresses
from ..approvals import effective_status
from ..model import Article, SiteConfig
from ..model.article import STATUS_LABELS
from ..model.walk import citation_order
from .block_views import BlockViews
from .references import References
from .tracker import ReviewState
from .updates import VersionMarks
from .wording import Wording


class Helpers:
    """Functions every template may call."""

    def __init__(self, site: SiteConfig):
        self.site = site

    def status_label(self, status: str) -> str:
        return STATUS_LABELS[status]

    def status_of(self, article: Article) -> str:
        """The status readers see: an approval that no longer holds reads as under review."""
        return effective_status(article, self.site)

    def audience_label(self, id: str) -> str:
        return next(a.label for a in self.site.settings.audiences if a.id == id)

    def specialty_name(self, id: str) -> str:
        return self.site.specialty(id).name

    def tag_label(self, id: str) -> str:
        return next(t.label for t in self.site.tags if t.id == id)

    def article_source(self, article: Article, source: str = "") -> str:
        """The Markdown of an article's page: from the site's root, or as a link from the page at ``source``."""
        target = addresses.page_source(addresses.article_home(article))
        return addresses.relative(source, target) if source else target

    def specialty_source(self, specialty: str) -> str:
        return addresses.specialty_index(specialty)

    def grade_anchor(self, system: str, dimension: str, value: str) -> str:
        return "-".join([system, dimension] + re.findall(r"[a-z0-9]+", value.lower()))


@dataclass
class ArticleView(Wording, BlockViews, References, ReviewState, VersionMarks, Helpers):
    """Per-article state and formatting for ``article.md.j2``."""

    article: Article
    site: SiteConfig
    by_id: dict[str, Article]
    today: date
    versions: list = field(default_factory=list)
    """Approved versions of the article (``ArticleVersion``), oldest first."""
    permalink: Any = None
    """The version this page is the permanent copy of (None: the current page)."""
    up: str = "../"
    """From this page's Markdown file to the docs root."""
    pending: Any = None
    """An edit awaiting approval, held back while this page shows the last approved version."""
    site_url: str | None = None
    home: str = ""
    """Where the article lives now (``<specialty>/<id>``): an old version of a moved article links there."""
    numbers: dict[str, int] = field(init=False)
    uses: dict[str, int] = field(init=False)
    scope: list[str] = field(init=False)
    """Audiences of the section being rendered (a section may narrow them)."""

    def __post_init__(self) -> None:
        self.home = self.home or addresses.article_home(self.article)
        # Numbered as the page is first read (the default audience); the page script numbers
        # them again, the same way, for the audience a reader picks.
        self.numbers = {key: i + 1 for i, key in enumerate(citation_order(self.article, self.article.audiences[0]))}
        self.uses = {}
        self.scope = list(self.article.audiences)
        self._references = {r.key: r for r in self.article.references}
        self._numbered: dict[str, int] = {}
        self.assets: dict[str, str] = {}
        """Files the page links to, written beside it: path → text (an algorithm's diagram)."""
        self.asset_folder = self.home if self.permalink is None else addresses.permanent(self.article.id)
        """Where they are written: beside the current page, or beside a permanent copy (which a move never changes)."""

    def disclaimer(self) -> dict[str, str]:
        texts = self.site.disclaimers[self.article.disclaimer]
        return {aud: texts[aud] for aud in self.article.audiences}

    def related(self) -> list[Article]:
        return [self.by_id[i] for i in self.article.see_also if i in self.by_id]
