"""How to cite an approved version: the sentence on the page, Highwire ``citation_*`` meta tags for
scholarly indexers (Google Scholar, Zotero), and RIS and BibTeX files to download.

Only approved versions are citable, and each citation points at the version's permanent copy
(``/<specialty>/<id>/v<N>/``), which never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import addresses
from ..model import Article, SiteConfig


@dataclass(frozen=True)
class Citation:
    title: str
    author: str
    publisher: str
    version: int
    approved_on: date
    url: str | None
    """The permanent copy's address (None when the site has no site_url)."""
    path: str
    """The permanent copy's folder inside the site: ``<specialty>/<id>/v<N>/``."""

    @property
    def key(self) -> str:
        return f"{self.path.split('/')[1]}-v{self.version}"


def citation(article: Article, site: SiteConfig, version: int, approved_on: date, site_url: str | None) -> Citation:
    """How to cite an approved version: at its permanent address, which no move, edition or alias changes."""
    path = addresses.page_url(addresses.version_base(article.id, version))
    url = addresses.absolute(site_url, path) if site_url else None
    return Citation(article.title, article.review.author, site.settings.publisher.name, version, approved_on, url, path)


def meta_tags(c: Citation) -> dict[str, str]:
    """Highwire Press tags, as Google Scholar reads them.

    ``citation_title`` is the article's title exactly as its ``<h1>`` shows it, as Scholar's inclusion
    guidelines ask: the version is not added to it. Highwire has no tag for a version; the page says
    which version it is, and the RIS (``ET``) and BibTeX (``version``) files carry it in their own field."""
    tags = {
        "citation_title": c.title,
        "citation_author": c.author,
        "citation_publisher": c.publisher,
        "citation_publication_date": c.approved_on.strftime("%Y/%m/%d"),
    }
    if c.url:
        tags["citation_public_url"] = c.url
    return tags


def ris(c: Citation) -> str:
    lines = ["TY  - ELEC", f"TI  - {c.title}", f"AU  - {c.author}", f"PB  - {c.publisher}", f"ET  - Version {c.version}",
             f"PY  - {c.approved_on.year}", f"DA  - {c.approved_on.strftime('%Y/%m/%d')}"]
    if c.url:
        lines.append(f"UR  - {c.url}")
    return "\r\n".join(lines + ["ER  - ", ""])


def bibtex(c: Citation) -> str:
    def braced(text: str) -> str:
        return "{" + "".join("\\" + ch if ch in "{}%&$#_" else ch for ch in text) + "}"

    fields = [("title", braced(c.title)), ("author", "{" + braced(c.author) + "}"), ("publisher", braced(c.publisher)),
              ("version", braced(str(c.version))), ("year", braced(str(c.approved_on.year))), ("date", braced(c.approved_on.isoformat()))]
    if c.url:
        fields.append(("url", braced(c.url)))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@online{{{c.key},\n{body}\n}}\n"
