"""Stage 3 — render: typed articles become Markdown pages through Jinja templates.

One page per article (``<specialty>/<id>.md``, built to ``/<specialty>/<id>/``),
one per specialty, and the home, tags, advisory board, editorial policy and
evidence-grade legend pages.  Templates live in ``theme/templates`` and run
with ``StrictUndefined``; author text reaches them only through ``text.py``'s
doors and the article view.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .. import addresses
from ..feed import approved_updates, atom_feed
from ..images import PublishedImage
from ..model import Article
from ..validate import Validated
from ..pool import CAN_FORK, process_pool, usable_cpus
from ..approvals import content_hash, effective_status
from .article import ArticleView, Helpers
from .blocks import closed, column_heading, one_line
from .citation import bibtex, meta_tags, ris
from .figures import FigureImages
from .jsonld import medical_web_page, script_json
from ..sanitize import escape_attribute, escape_title
from ..search import bucket_count
from ..site_pages import SITE_PAGES, navigation
from .text import attr, long_date, markdown_block, plain, plain_summary

__all__ = ["Page", "build_date", "content_date", "content_epoch", "render"]


def build_date(environ: Mapping[str, str] = os.environ) -> date:
    """The date a build speaks for: ``SOURCE_DATE_EPOCH`` when set (repeatable builds), else today (UTC)."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    return datetime.now(tz=timezone.utc).date()


class Page:
    """One Markdown file of the staging docs folder.

    The text is kept as UTF-8 bytes, as it is written: a large site holds
    thousands of pages, and one dash or arrow makes Python keep a whole page
    at two bytes a character.
    """

    __slots__ = ("path", "data", "searchable")

    def __init__(self, path: str, text: str, *, searchable: bool = False) -> None:
        self.path = path
        """Path inside the docs folder: ``gynecologic-oncology/slug.md``."""
        self.data = text.encode("utf-8")
        self.searchable = searchable
        """A current article's page: what search indexes (search.py)."""

    @classmethod
    def file(cls, path: str, data: bytes) -> "Page":
        """A file published as it is, beside the pages (a figure's image): ``text`` does not apply."""
        page = cls.__new__(cls)
        page.path, page.data, page.searchable = path, bytes(data), False
        return page

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Page) and (self.path, self.data) == (other.path, other.data)

    def __repr__(self) -> str:
        return f"Page({self.path!r}, <{len(self.data)} bytes>)"


def render(
    validated: Validated,
    templates_dir: Path | list[Path],
    *,
    today: date,
    drafts: bool = False,
    site_url: str | None = None,
    versions: dict[str, list] | None = None,
    moves: dict[str, list[str]] | None = None,
    version_images: dict[tuple[str, int], dict[str, PublishedImage]] | None = None,
) -> list[Page]:
    """Every page of the site as Markdown, in a stable order, and the images of their figures.

    ``today`` decides which articles are past their review date; pass the
    build's date (``SOURCE_DATE_EPOCH`` when set) so that builds repeat.
    ``versions`` (from ``versions.article_versions``) adds a permanent page
    per approved version and the "updated in vN" marks; ``version_images``
    are the figures' images of each version, by ``(article id, number)``
    (a version's page shows the images it was approved with).
    """
    versions = versions or {}
    env = _environment(templates_dir)
    site = validated.site
    articles, pending = _served(validated.articles, versions, site, drafts=drafts)
    by_id = {a.id: a for a in articles}
    helpers = Helpers(site)
    pages: list[Page] = []

    job = _ArticleJob(env, site, by_id, today, versions, helpers, site_url, pending, validated.images, version_images or {})
    pages += _render_articles(job, articles)

    pages += _moved_pages(env, articles, moves or {}, helpers, site)

    for specialty in site.specialties:
        listed = [a for a in articles if a.specialty == specialty.id]
        pages.append(_page(env, "specialty.md.j2", addresses.specialty_index(specialty.id), specialty.name, helpers, site,
                           description=specialty.description, specialty=specialty, articles=listed))

    context = site_page_context(validated, articles, versions, site, today, feed=bool(site_url))
    for declared in SITE_PAGES:  # the site's own pages, as generator/site_pages.py declares them
        pages.append(_page(env, declared.template, declared.source, declared.title, helpers, site, search=declared.search, **context))
    if site_url:
        latest = max((a.review.updated for a in articles), default=today)
        feed = atom_feed(validated, versions, site_url=site_url, title=site.settings.publisher.name, fallback=latest)
        pages.append(Page(addresses.FEED, feed))
        for specialty in site.specialties:  # one feed per specialty, for readers who follow one field
            path = addresses.specialty_feed(specialty.id)
            pages.append(Page(path, atom_feed(validated, versions, site_url=site_url, title=f"{site.settings.publisher.name}: {specialty.name}",
                                              fallback=latest, specialty=specialty.id, path=path)))
    return pages


@dataclass(frozen=True)
class _ArticleJob:
    """What rendering one article needs (shared, read-only, by every article)."""

    env: Environment
    site: Any
    by_id: dict[str, Article]
    today: date
    versions: dict[str, list]
    helpers: Helpers
    site_url: str | None
    pending: dict[str, Article]
    """Edits awaiting approval, by article id, whose page shows the last approved version instead."""
    images: dict[str, dict[str, PublishedImage]]
    """The figures' images of the articles as they are, by article id and file name."""
    version_images: dict[tuple[str, int], dict[str, PublishedImage]]
    """The figures' images of each approved version, by ``(article id, number)``."""

    def pages(self, article: Article) -> list[Page]:
        """The article's page (at its home, ``<specialty>/<id>/``), its permanent address
        (``articles/<id>/``, leading there) and one permanent copy per approved version
        (``articles/<id>/v<N>/``), each with its figures' images in the page's own folder."""
        history = self.versions.get(article.id, [])
        base = addresses.article_home(article)
        url = addresses.absolute(self.site_url, addresses.page_url(base)) if self.site_url else None
        view = ArticleView(article, self.site, self.by_id, self.today, versions=history, pending=self.pending.get(article.id),
                           site_url=self.site_url)
        # An edit held back shows the last approved version: with that version's images, not the edit's.
        figures = self._images(article.id, history[-1] if article.id in self.pending else None)
        out = [_article_page(self.env, addresses.page_source(base), view, self.helpers, url, figures)]
        out += figures.pages(base)
        out.append(_leading_page(self.env, addresses.permanent(article.id), base, article, "permanent.md.j2", self.helpers, self.site))
        assets = dict(view.assets)
        for version in history:
            view = ArticleView(version.article, self.site, self.by_id, self.today, versions=history, permalink=version, up="../../",
                               site_url=self.site_url, home=base)
            figures = self._images(article.id, version)
            here = addresses.version_base(article.id, version.number)
            out.append(_article_page(self.env, addresses.page_source(here), view, self.helpers,
                                     url and addresses.absolute(self.site_url, addresses.page_url(here)), figures))
            out += figures.pages(here)
            assets.update(view.assets)  # named by content: a version's diagram is shared or its own
            cite = view.citation()
            out.append(Page(addresses.version_file(article.id, version.number, "ris"), ris(cite)))
            out.append(Page(addresses.version_file(article.id, version.number, "bib"), bibtex(cite)))
        out += [Page(path, text) for path, text in sorted(assets.items())]
        return out

    def _images(self, article_id: str, version: Any = None) -> FigureImages:
        if version is None:
            return FigureImages(self.images.get(article_id, {}))
        return FigureImages(self.version_images.get((article_id, version.number), {}), f"version {version.number}")


def _moved_pages(env: Environment, articles: list[Article], moves: dict[str, list[str]], helpers: Helpers, site: Any) -> list[Page]:
    """Old homes of moved articles: a page that sends readers to the new one (a refresh, noindex,
    canonical to it) where nothing else lives now, and the ``_redirects`` file (Netlify, Cloudflare
    Pages) with a real redirect for each, and for each article's permanent address.  Permanent copies
    of versions never move (``articles/<id>/v<N>/``)."""
    taken = {addresses.article_home(a) for a in articles}
    pages: list[Page] = []
    rules: list[str] = []
    for article in articles:
        home = addresses.article_home(article)
        for old in moves.get(article.id, []):
            before = addresses.home(old, article.id)
            if before in taken:
                continue
            pages.append(_leading_page(env, before, home, article, "moved.md.j2", helpers, site, title=f"Moved: {article.title}"))
            rules.append(f"/{addresses.page_url(before)} /{addresses.page_url(home)} 301")
    # The permanent address leads to wherever the article lives now: a temporary redirect, as that may change.
    rules += [f"/{addresses.page_url(addresses.permanent(a.id))} /{addresses.page_url(addresses.article_home(a))} 302" for a in articles]
    if rules:
        pages.append(Page(addresses.REDIRECTS, "\n".join(rules) + "\n"))
    return pages


def _leading_page(env: Environment, here: str, target: str, article: Article, template: str, helpers: Helpers, site: Any,
                  title: str | None = None) -> Page:
    """A page at ``here`` that sends readers on to the page at ``target`` (both bases from the site's root)."""
    link = addresses.relative(addresses.page_source(here), addresses.page_source(target))
    refresh = "../" * (here.count("/") + 1) + addresses.page_url(target)  # from the address it is served at
    text = env.get_template(template).render(
        front_matter=_front_matter(title=title or article.title, search=False, noindex=True, canonical=addresses.page_url(target), redirect=refresh),
        article=article, link=link, helpers=helpers, site=site)
    return Page(addresses.page_source(here), text, searchable=False)


def _served(articles: list[Article], versions: dict[str, list], site: Any, *, drafts: bool) -> tuple[list[Article], dict[str, Article]]:
    """What readers are shown of each article, and the edits held back.

    An edit of an article that was approved before is not published until it
    is approved in turn (``review_rules.pending_edits: keep_approved``, the
    default): the page keeps showing the last approved version, with a note
    that an update is under review.  An article never approved is published
    as it is, under the pending-review banner.
    """
    keep_approved = site.settings.rules_on().pending_edits == "keep_approved"
    served: list[Article] = []
    pending: dict[str, Article] = {}
    for article in articles:
        history = versions.get(article.id, [])
        held = (keep_approved and history and article.review.status != "retired"
                and effective_status(article, site) != "approved" and history[-1].article != article)
        if held:
            served.append(history[-1].article)
            if content_hash(history[-1].article) != content_hash(article):  # a new version number alone is no update
                pending[article.id] = article
        elif drafts or article.review.status != "draft":
            served.append(article)
    return sorted(served, key=lambda a: (a.specialty, a.id)), pending


PARALLEL_FROM = 200
"""Fewer articles than this are rendered in this process: starting workers would cost more."""

SLICE = 50
"""Articles a render worker renders and sends back at a time."""

PARALLEL_UP_TO = 7500
"""Above this many articles the render stays in one process.  A forked worker writes to every typed
article it reads (reference counts), so each page of memory it touches is copied: together the
workers hold a second copy of the typed articles (about 70 KB an article), which at 20,000 articles
is 1.3 GB more at the build's peak.  Up to here the copy costs under 512 MB and the workers save
time; beyond, one process is slower by about a tenth of the build and keeps memory bounded."""

_work: tuple[_ArticleJob, list[Article]] | None = None
"""What a forked worker renders from (inherited from the parent, never sent)."""


def _render_articles(job: _ArticleJob, articles: list[Article]) -> list[Page]:
    """Every article's pages, in order; on a large site split between a forked process per core.

    Articles are independent once validated: the workers render slices of
    :data:`SLICE` articles in turn and send back only the pages' bytes, so no
    worker holds (and pickles) the pages of a large share of the site at once.
    """
    global _work
    workers = min(usable_cpus(), len(articles) // (PARALLEL_FROM // 2)) if PARALLEL_FROM <= len(articles) <= PARALLEL_UP_TO else 1
    if workers <= 1 or not CAN_FORK:  # workers inherit the job by forking
        return [page for article in articles for page in job.pages(article)]
    starts = range(0, len(articles), SLICE)
    _work = (job, articles)
    try:
        pages: list[Page] = []
        with process_pool(workers) as pool:
            for chunk in pool.map(_render_slice, starts, [SLICE] * len(starts)):
                pages += chunk
        return pages
    finally:
        _work = None


def _render_slice(start: int, size: int) -> list[Page]:
    assert _work is not None, "a render worker must be forked from render()"
    job, articles = _work
    return [page for article in articles[start:start + size] for page in job.pages(article)]


def content_date(validated: Validated) -> date:
    """The newest date the content carries (an update or an approval): what a build speaks for
    unless ``SOURCE_DATE_EPOCH`` says otherwise, so that the same commit gives the same pages any day."""
    dates = [a.review.updated for a in validated.articles]
    dates += [approval.date for a in validated.articles for approval in a.review.approvals]
    return max(dates, default=date(2000, 1, 1))


def content_epoch(validated: Validated) -> int:
    """Seconds since the epoch of the newest content date: the default SOURCE_DATE_EPOCH of a build."""
    latest = content_date(validated)
    return int(datetime(latest.year, latest.month, latest.day, tzinfo=timezone.utc).timestamp())


def _article_page(env: Environment, path: str, view: ArticleView, helpers: Helpers, url: str | None, figures: FigureImages) -> Page:
    article = view.article
    jsonld = medical_web_page(article, view.site, url=url, citation_order=list(view.numbers))
    title = article.title if view.permalink is None else f"{article.title} (version {view.permalink.number})"
    # A permanent copy of a version is for citation: search, sitemaps and search engines are pointed
    # at the current article instead (no search index, noindex, canonical link to the current page).
    searchable = None if view.permalink is None else False
    canonical = None if view.permalink is None else f"{view.home}/"
    description = plain_summary(article.summary.get("all") or article.summary[article.audiences[0]])
    text = env.get_template("article.md.j2").render(
        article=article,
        site=view.site,
        page=view,
        helpers=helpers,
        figures=figures,
        front_matter=_front_matter(title=title, description=description, jsonld=script_json(jsonld),
                                   lastmod=article.review.updated.isoformat(), search=searchable,
                                   canonical=canonical, noindex=True if canonical else None,
                                   citation=meta_tags(view.citation()) if view.shown_version else None),
    )
    return Page(path, text, searchable=view.permalink is None)


def _page(env: Environment, template: str, path: str, title: str, helpers: Helpers, site: Any, *, description: str | None = None,
          search: bool = True, **context: Any) -> Page:
    text = env.get_template(template).render(
        front_matter=_front_matter(title=title, description=description, search=None if search else False), helpers=helpers, site=site, **context
    )
    return Page(path, text)


def site_page_context(validated: Validated, articles: list[Article], versions: dict[str, list], site: Any, today: date, *,
                      feed: bool) -> dict[str, Any]:
    """What every site page's template may use: the articles readers are shown (``articles``), the most
    recently updated (``recent``), by topic (``tagged``), the approved updates newest first (``updates``,
    as the feed has them), the editorial policy as Markdown (``policy``), the number of search bundles
    (``bundles``), the build's date (``today``), the feed's address (``feed``; None without a site_url)
    and the navigation (``navigation``, carried by the home page's front matter to the theme)."""
    return {
        "articles": articles,
        "recent": sorted(articles, key=lambda a: (a.review.updated, a.id), reverse=True)[: site.settings.recent_count],
        "tagged": {tag.id: [a for a in articles if tag.id in a.tags] for tag in site.tags},
        "updates": approved_updates(validated, versions),
        "policy": markdown_block(site.editorial_policy),
        "bundles": bucket_count(len(articles)),
        "today": today,
        "feed": addresses.FEED if feed else None,
        "navigation": navigation(),
    }


def _environment(templates_dir: Path | list[Path]) -> Environment:
    """Templates looked for in ``templates_dir`` (a folder, or folders in order: the project's, then guidesite's)."""
    folders = templates_dir if isinstance(templates_dir, list) else [templates_dir]
    env = Environment(
        loader=FileSystemLoader([str(folder) for folder in folders]),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plain"] = plain
    env.filters["long_date"] = long_date
    env.filters["attr"] = attr
    env.filters["plain_summary"] = plain_summary
    env.filters["one_line"] = one_line
    env.globals["column_heading"] = column_heading
    env.globals["closed"] = closed
    return env


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's safe dumper when PyYAML has it (same output, several times faster)."""


def _front_matter(**fields: Any) -> str:
    data = {k: v for k, v in fields.items() if v is not None and v != ""}
    if isinstance(data.get("title"), str):
        # Escaped here, whatever the engine: the theme prints titles as HTML in some places (the page's
        # <title>, header, navigation, search results).  Only tags are made inert, so escaping again
        # (MkDocs' sanitizer plugin does) changes nothing.
        data["title"] = escape_title(data["title"])
    if isinstance(data.get("description"), str):
        data["description"] = escape_attribute(data["description"])  # printed inside content="…"
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{body}---\n"
