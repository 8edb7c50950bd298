"""What is new: the approved updates (new articles, new versions with their change summary,
approved retirements), newest first, as an Atom feed and as the site's "What's new" page.

Both read :func:`approved_updates`, so "new" means one thing: approved, by approval date.  Dates come
from the content (approval dates), never from the clock, so the feed of a commit is the same
whenever it is built.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import addresses
from .approvals import counted_approvals
from .model import SiteConfig
from .validate import Validated

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50


@dataclass(frozen=True)
class Update:
    """One approved update."""

    approved_on: date
    article: Any
    """The article as it is now (for its address)."""
    version: Any | None
    """The approved version (None: the approved retirement of ``article``)."""

    @property
    def title(self) -> str:
        """The title as approved, never an unreviewed edit's."""
        return self.version.article.title if self.version is not None else self.article.title

    @property
    def kind(self) -> str:
        if self.version is None:
            return "retired"
        return "new article" if self.version.number == 1 else f"version {self.version.number}"

    @property
    def note(self) -> str:
        if self.version is None:
            return self.article.review.retired_reason or ""
        return self.version.summary or ""

    @property
    def address(self) -> str:
        """Where it is read, at an address no move changes: the version's permanent copy, or the
        retired article's permanent address (the feed entry's id is made from it)."""
        return addresses.page_url(self._base)

    @property
    def source(self) -> str:
        """The Markdown of that page (what a site page links to)."""
        return addresses.page_source(self._base)

    @property
    def _base(self) -> str:
        if self.version is None:
            return addresses.permanent(self.article.id)
        return addresses.version_base(self.article.id, self.version.number)


def approved_updates(validated: Validated, versions: dict[str, list], *, specialty: str | None = None, limit: int = MAX_ENTRIES) -> list[Update]:
    """Every approved version and approved retirement (of one ``specialty``, when given), newest first."""
    entries = []
    for article in validated.articles:
        if specialty is not None and article.specialty != specialty:
            continue
        for version in versions.get(article.id, []):
            entries.append(Update(version.approved_on, article, version))
        if article.review.status == "retired":
            approvals = counted_approvals(article, validated.site)
            if approvals:
                entries.append(Update(max(a.date for a in approvals), article, None))
    entries.sort(key=lambda e: (e.approved_on, e.article.id, e.version.number if e.version else 1_000_000), reverse=True)
    return entries[:limit]


def atom_feed(validated: Validated, versions: dict[str, list], *, site_url: str, title: str, fallback: date,
              specialty: str | None = None, path: str = addresses.FEED) -> str:
    """The feed as XML text (of one ``specialty``, when given); ``fallback`` dates an empty feed.

    Entries: every approved version (new article, new version, with its change note) and every
    approved retirement (with its reason)."""
    base = site_url.rstrip("/") + "/"
    updates = approved_updates(validated, versions, specialty=specialty)

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", title)
    _text(feed, "id", base + path)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=base + path)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=base)
    _text(feed, "updated", _stamp(updates[0].approved_on if updates else fallback))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", _publisher(validated.site))
    for update in updates:
        url = base + update.address
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "title", f"{update.title} ({update.kind})")  # as approved, never an unreviewed edit
        _text(entry, "id", url + ("#retired" if update.version is None else ""))
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=url)
        _text(entry, "updated", _stamp(update.approved_on))
        if update.version is None:  # an approved retirement
            summary = f"Retired. {update.note}".strip()
        else:
            summary = update.note or ("New article, approved." if update.version.number == 1 else f"Version {update.version.number}, approved.")
        _text(entry, "summary", summary)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = text


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _publisher(site: SiteConfig) -> str:
    return site.settings.publisher.name
