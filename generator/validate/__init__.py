"""Stage 2 — validate: raw documents become typed objects, or every problem at once.

Per article: Markdown checks on the raw data (markdown.py), the model
(pydantic, messages.py), then what the article names in the site
configuration (article.py).  Then the articles against each other.  The
site configuration is checked first (site.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ContentError
from ..load import Loaded, RawDocument
from ..model import Article, SiteConfig
from .article import check_article, check_collection, check_cross_links
from .markdown import check_markdown
from .messages import to_model
from .site import check_site_texts, validate_site
from .text import check_text


@dataclass
class Validated:
    """The typed site: configuration and articles, each with its source file."""

    site: SiteConfig
    articles: list[Article]
    sources: dict[str, RawDocument]
    """Raw document of each article, by article id."""


def validate(loaded: Loaded) -> Validated:
    """Check everything that was loaded; raise ContentError listing every problem."""
    problems = list(loaded.problems)
    site = validate_site(loaded, problems)
    problems += check_site_texts(loaded)
    articles: list[Article] = []
    sources: dict[str, RawDocument] = {}
    pairs: list[tuple[Article, RawDocument]] = []
    for doc in loaded.articles:
        if doc.data is None:
            continue  # already reported by load
        # Text checks read the raw data, so they run even when the model refuses the file.
        problems += check_text(doc, Article)
        problems += check_markdown(doc)
        article = to_model(Article, doc, problems)
        if article is None:
            continue
        if site is not None:
            problems += check_article(article, doc, site)
        articles.append(article)
        pairs.append((article, doc))
        sources.setdefault(article.id, doc)
    problems += check_collection(pairs)
    if site is not None and not loaded.partial:
        problems += check_cross_links(articles, sources)
    if loaded.only is not None:
        article_paths = {d.shown for d in loaded.articles}
        problems = [p for p in problems if p.path in loaded.only or p.path not in article_paths]
    if problems:
        raise ContentError(problems)
    assert site is not None
    return Validated(site=site, articles=articles, sources=sources)
