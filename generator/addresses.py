"""Every address the site gives, in one place.

A published address is a promise: a clinician cites a version's address in a paper or a protocol.
So no other module formats a path of the site: pages, permanent versions, RIS and BibTeX files,
feed entries, listings and the redirects of moved articles all ask here, and a change of scheme is
made here and only here.

Addresses are relative to the site's root.  An article's *home* is ``<specialty>/<id>``: its page
is built from ``<home>.md`` and served at ``<home>/``, and moves with the article.  What a citation
gives never moves: the article's *permanent address* ``articles/<id>/`` (a page that leads to its
home, wherever that is) and version N's permanent copy at ``articles/<id>/v<N>/``, with its RIS and
BibTeX files beside it.  No specialty, edition or alias is part of them.
"""

from __future__ import annotations

import posixpath

FEED = "feed.xml"
"""The Atom feed of the whole site, at its root (each specialty has its own in its folder)."""

REDIRECTS = "_redirects"
"""The redirect rules hosts such as Netlify and Cloudflare Pages read."""

ARTICLES = "articles"
"""The folder of the addresses that never change (no specialty or article may take its name)."""


def home(specialty: str, article_id: str) -> str:
    """Where an article filed under ``specialty`` lives: ``<specialty>/<id>``."""
    return f"{specialty}/{article_id}"


def article_home(article) -> str:
    """Where an article lives now."""
    return home(article.specialty, article.id)


def page_source(base: str) -> str:
    """The Markdown a page at ``base`` is built from."""
    return f"{base}.md"


def page_url(base: str) -> str:
    """The address readers use for the page at ``base``."""
    return f"{base}/"


def permanent(article_id: str) -> str:
    """The address of an article that no move changes: a page leading to its home."""
    return f"{ARTICLES}/{article_id}"


def version_base(article_id: str, number: int) -> str:
    """The permanent copy of version ``number`` of an article: ``articles/<id>/v<N>``."""
    return f"{permanent(article_id)}/v{number}"


def version_file(article_id: str, number: int, extension: str) -> str:
    """A file of version ``number`` beside its page: ``ris`` or ``bib`` (what citation managers import)."""
    return f"{version_base(article_id, number)}.{extension}"


def specialty_index(specialty: str) -> str:
    return f"{specialty}/index.md"


def specialty_feed(specialty: str) -> str:
    return f"{specialty}/{FEED}"


def relative(source: str, target: str) -> str:
    """A link from the Markdown at ``source`` to ``target`` (both from the site's root), as MkDocs resolves it."""
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def absolute(site_url: str, path: str) -> str:
    """``path`` on the site at ``site_url``."""
    return f"{site_url.rstrip('/')}/{path}"
