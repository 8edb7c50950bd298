"""Stage 2 — validate: raw documents become typed objects, or every problem at once.

Per article: Markdown checks on the raw data (markdown.py), the model
(pydantic, messages.py), then what the article names in the site
configuration (article.py).  Then the articles against each other.  The
site configuration is checked first (site.py).

``validate`` keeps every typed article (the build renders them);
``check_content`` is ``guidesite validate``: it reads and checks the articles one
file at a time, on a large site in a process per core (workers.py), and
keeps only problems and what the checks across articles need.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from dataclasses import dataclass, field

from ..errors import ContentError, Problem
from ..images import PublishedImage
from ..load import Loaded, RawDocument, collection_paused, load_document, read_as_current_model
from ..model import Article, SiteConfig
from .figures import check_figures
from .article import ArticleLinks, article_links, check_article, check_collection, check_cross_links, unreadable_links
from .markdown import article_mentions, check_markdown, raw_citations
from .messages import to_model
from .partial import partial
from .site import check_site_texts, validate_site
from .text import check_text, raw_strings
from .cache import ChecksCache, usable_for
from .workers import check_files


@dataclass
class Validated:
    """The typed site: configuration and articles, each with its source file."""

    site: SiteConfig
    articles: list[Article]
    sources: dict[str, RawDocument]
    """Raw document of each article, by article id."""
    images: dict[str, dict[str, PublishedImage]] = field(default_factory=dict)
    """The images of each article's figures as they will be published (metadata stripped), by article id and file name."""


def validate(loaded: Loaded, *, today: date | None = None) -> Validated:
    """Check everything that was loaded; raise ContentError listing every problem.

    ``today`` is the build date: approvals dated after it are refused.

    When the article files were not read (``load(read_articles=False)``, as the
    build does), each is read, checked and typed in turn, and only a slim
    source (its paths, no data or positions) is kept: a large site never holds
    every raw document at once.
    """
    with collection_paused():
        problems = list(loaded.problems)
        site = _check_site(loaded, problems)
        articles: list[Article] = []
        sources: dict[str, RawDocument] = {}
        links: list[ArticleLinks] = []
        shown: list[str] = []
        images: dict[str, dict[str, PublishedImage]] = {}
        for doc in _documents(loaded, problems):
            shown.append(doc.shown)
            published: dict[str, PublishedImage] = {}
            article, found_links = check_document(doc, site, problems, today, images=published)
            links.append(found_links)
            if article is None:
                continue
            articles.append(article)
            if published:
                images.setdefault(article.id, published)
            if loaded.articles:
                sources.setdefault(article.id, doc)
            else:
                sources.setdefault(article.id, RawDocument(path=doc.path, shown=doc.shown, data=None))
        _finish(loaded, site, links, shown, problems)
    assert site is not None
    return Validated(site=site, articles=articles, sources=sources, images=images)


def _documents(loaded: Loaded, problems: list[Problem]) -> Iterator[RawDocument]:
    if loaded.articles or not loaded.files:
        yield from loaded.articles
        return
    for path in loaded.files:
        doc, found = load_document(path, loaded.root)
        problems += found
        yield doc


def check_content(loaded: Loaded, *, workers: int | None = None, today: date | None = None, cache: bool = False) -> int:
    """``guidesite validate``: raise ContentError listing every problem, or return the number of
    article files checked (of those asked for, when ``loaded.only`` is set).

    The same checks and messages as :func:`validate`, but the article files
    (``loaded.files``; load them with ``read_articles=False``) are read here, one
    at a time, and no typed article is kept.  ``workers`` processes share them
    (default: one per usable core on a large site, none on a small one).
    """
    problems = list(loaded.problems)
    site = _check_site(loaded, problems)
    links: list[ArticleLinks] = []
    shown: list[str] = []
    kept = ChecksCache(loaded.root, today) if cache and usable_for(loaded.root) else None
    keys: set[str] = set()
    for path_shown, found, article_links_, key in check_files(loaded.root, loaded.files, site, workers=workers, today=today, cache=kept):
        shown.append(path_shown)
        problems += found
        links.append(article_links_)
        if key is not None:
            keys.add(key)
    if kept is not None:
        kept.prune(keys)  # every article was checked: what no file asked for is an older file's, or another day's
    _finish(loaded, site, links, shown, problems)
    # ``guidesite validate FILE`` checks every article (for links) but speaks for the files it was given.
    return len(shown) if loaded.only is None else sum(1 for path in shown if path in loaded.only)


def check_document(doc: RawDocument, site: SiteConfig | None, problems: list[Problem], today: date | None = None,
                   *, images: dict[str, PublishedImage] | None = None) -> tuple[Article | None, ArticleLinks]:
    """One article on its own: its texts and Markdown as written, the model, and
    (when the site configuration is valid) what it names there.  Adds to ``problems``.

    Returns the typed article (None when the model refuses it) and its links for
    the checks across articles — always, so that an article with problems still
    exists for the others.  When the model refuses the file, the checks against
    the site configuration run on what could be read (``partial``), so every
    problem is reported in one round.  The images of the article's figures
    are checked as they will be published (and put in ``images``, when given).
    """
    problems += read_as_current_model(doc)
    if doc.data is None:  # load (or the model version) said why
        return None, unreadable_links(doc)
    # Text checks read the raw data, so they run even when the model refuses the file.
    strings = raw_strings(doc.data)
    problems += check_text(doc, Article, strings)
    problems += check_markdown(doc, strings)
    article = to_model(Article, doc, problems)
    readable = article
    if article is None:
        broken: list[tuple[tuple, str]] = []
        readable = partial(Article, doc.data, broken)
        problems += [doc.problem(loc, message) for loc, message in broken]
    if readable is not None and site is not None:
        problems += check_article(readable, doc, site, cited=None if article is not None else raw_citations(strings), today=today)
    problems += check_figures(doc, images)
    mentions = article_mentions(strings)
    return article, (article_links(readable, doc, mentions) if readable is not None else unreadable_links(doc))


def _check_site(loaded: Loaded, problems: list[Problem]) -> SiteConfig | None:
    site = validate_site(loaded, problems)
    problems += check_site_texts(loaded)
    return site


def _finish(loaded: Loaded, site: SiteConfig | None, links: list[ArticleLinks], article_paths: list[str], problems: list[Problem]) -> None:
    """The articles against each other; then raise if anything is wrong."""
    problems += check_collection(links)
    if site is not None and not loaded.partial:
        problems += check_cross_links(links)
    if loaded.only is not None:
        known = set(article_paths)
        # A file in an article's image folder (content/<specialty>/<id>/<image>) speaks for that article.
        owner = {path.rsplit(".", 1)[0]: path for path in known}

        def spoken_for(path: str) -> str:
            return owner.get(path.rsplit("/", 1)[0], path)

        problems[:] = [p for p in problems if spoken_for(p.path) in loaded.only or spoken_for(p.path) not in known]
    if problems:
        raise ContentError(problems)
