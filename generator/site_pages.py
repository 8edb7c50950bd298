"""The site's own pages (beside the articles), declared once.

Each page is declared here with its address, its template, its title, whether search indexes it,
and where the site's navigation links to it.  Rendering writes every declared page; the names are
reserved (no specialty or article may take their address); the header's and the footer's links are
derived from here (the home page carries them to the theme in its front matter, as it carries the
publisher).  Adding a page is one declaration and its template in ``theme/templates/``; a template
may use the context every site page gets (``render.site_page_context``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SitePage:
    name: str
    """Its address, ``<name>/`` (``""``: the home page, at the root)."""
    template: str
    title: str
    header: int | None = None
    """Its place among the header's links (None: not there)."""
    header_label: str | None = None
    """The header link's words, when not the title."""
    footer: int | None = None
    """Its place among the footer's links (None: not there)."""
    footer_label: str | None = None
    search: bool = True
    """False: the page's front matter keeps it out of search (``search: false``)."""
    fragment: str = ""
    """A place in the page the header links to (``#specialties``)."""

    @property
    def source(self) -> str:
        """The Markdown it is built from."""
        return f"{self.name}.md" if self.name else "index.md"

    @property
    def url(self) -> str:
        return f"{self.name}/" if self.name else ""


SITE_PAGES = (
    SitePage("", "home.md.j2", "Home", header=1, header_label="Specialties", fragment="#specialties"),
    SitePage("tags", "tags.md.j2", "Topics", header=2),
    SitePage("advisory-board", "board.md.j2", "Medical Advisory Board", header=4, header_label="Advisory board",
             footer=2, footer_label="Advisory board"),
    SitePage("editorial-policy", "policy.md.j2", "Editorial policy", header=5, footer=1),
    SitePage("evidence-grades", "grades.md.j2", "Evidence grades", footer=3),
    SitePage("whats-new", "whats-new.md.j2", "What's new", footer=4),
    SitePage("search", "search.md.j2", "Search", header=3, search=False),
)

OTHER_NAMES = frozenset({
    "index", "topics", "board", "feed", "sitemap", "404", "assets", "pagefind", "versions", "latest", "stylesheets", "javascripts",
    "articles", "_redirects",
})
"""Other names the site's own files and folders take (the feed, the sitemap, Material's and Pagefind's
folders, publishing's ``versions.json`` and aliases, the permanent addresses' ``articles/``) or that
readers would take for a site page."""


def page_names() -> frozenset[str]:
    """Every name an article or a specialty may not take: it would take a page's or a folder's address."""
    return frozenset(p.name for p in SITE_PAGES if p.name) | OTHER_NAMES


def navigation() -> dict[str, list[list[str]]]:
    """The header's and the footer's links, in order: ``[address, words, fragment]`` each."""
    def links(place: str) -> list[list[str]]:
        placed = sorted((getattr(p, place), p) for p in SITE_PAGES if getattr(p, place) is not None)
        return [[p.url, getattr(p, f"{place}_label") or p.title, p.fragment] for _, p in placed]

    return {"header": links("header"), "footer": links("footer")}
