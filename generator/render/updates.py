"""An article page's versions: the version it shows, update marks, update information, how to cite it.

A mixin of ``ArticleView`` (``render/article.py``).
"""

from __future__ import annotations

from typing import Any

from .. import addresses
from ..model import Article, SiteConfig
from ..model.article import MARKED_KINDS
from .citation import citation


class VersionMarks:
    """The approved versions behind an article page."""

    article: Article
    site: SiteConfig
    versions: list
    permalink: Any
    site_url: str | None
    home: str
    up: str
    status: str


    @property
    def shown_version(self):
        """The approved version whose content this page shows, if any."""
        if self.permalink is not None:
            return self.permalink
        if self.versions and self.status == "approved" and self.versions[-1].article == self.article:
            return self.versions[-1]
        return None

    def updated(self, region: str) -> str:
        """When a region of the page last changed, as NICE marks it: "New in v2, 2025" or "Updated in v3, 2026",
        from every approved version up to the one shown (a region unchanged since version 1 has none)."""
        shown = self.shown_version
        if shown is None:
            return ""
        for version in reversed([v for v in self.versions if v.number <= shown.number]):
            if region in version.changed:
                word = "New" if region in version.added else "Corrected" if version.article.review.change_kind == "correction" else "Updated"
                return f'<span class="gs-updated">{word} in v{version.number}, {version.approved_on.year}</span>'
        return ""

    def recommendation_region(self, heading: str, block: Any) -> str:
        """The name of a recommendation as versions know it: ``recommendation:<heading>#<n>``."""
        section = next(s for s in self.article.sections if s.label == heading)
        recommendations = [b for b in section.blocks if b.recommendation is not None]
        return f"recommendation:{heading}#{recommendations.index(block) + 1}"

    def update_information(self) -> list[dict[str, Any]]:
        """Per approved version after the first, newest first: its kind, date, note, and what it added,
        changed and removed (up to the version this page shows)."""
        shown = self.shown_version
        out = []
        for version in reversed([v for v in self.versions if shown is not None and 1 < v.number <= shown.number]):
            out.append({
                "number": version.number, "approved_on": version.approved_on, "note": version.summary,
                "kind": version.article.review.change_kind or "update",
                "added": [_region_label(p) for p in sorted(version.added)],
                "changed": [_region_label(p) for p in sorted(version.changed - version.added)],
                "removed": [_region_label(p) for p in sorted(version.removed)],
            })
        return out

    def citation(self) -> Any:
        """How to cite the approved version this page shows."""
        version = self.shown_version
        return citation(self.article, self.site, version.number, version.approved_on, self.site_url)

    def citation_files(self) -> str:
        """From this page's Markdown to the version's RIS file, without the extension."""
        version = self.shown_version
        return self.up + addresses.version_base(self.article.id, version.number)

    @property
    def superseded_by(self) -> Any:
        """For the permanent copy of an old version: the version that replaced it (None otherwise)."""
        if self.permalink is None:
            return None
        later = [v for v in self.versions if v.number > self.permalink.number]
        return later[0] if later else None

    def version_link(self, number: int) -> str:
        return self.up + addresses.page_source(addresses.version_base(self.article.id, number))

    def current_link(self) -> str:
        """The article's current page; from a permanent copy, through the permanent address (a move
        of the article never changes the copy)."""
        return self.up + addresses.page_source(addresses.permanent(self.article.id) if self.permalink is not None else self.home)

    def approver_names(self, version) -> str:
        return ", ".join(self.site.reviewer(r).name for r in version.approvers)


def _region_label(region: str) -> str:
    """``section:Regimen`` → ``the section "Regimen"`` (a block by the label its kind is declared with, ``MARKED_KINDS``)."""
    if region == "summary":
        return "the bottom line"
    kind, _, name = region.partition(":")
    mark = MARKED_KINDS.get(kind)
    if mark is not None and mark.by == "position":
        heading, _, number = name.rpartition("#")
        return f'{mark.label} {number} of "{heading}"'
    return f'the {mark.label if mark else kind} "{name}"'
