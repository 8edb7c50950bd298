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
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..feed import FEED_PATH, atom_feed
from ..validate import Validated
from .article import ArticleView, Helpers
from .jsonld import medical_web_page
from .text import attr, long_date, markdown_block, plain, plain_summary

__all__ = ["Page", "build_date", "content_epoch", "render"]


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

    __slots__ = ("path", "data")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        """Path inside the docs folder: ``gynecologic-oncology/slug.md``."""
        self.data = text.encode("utf-8")

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Page) and (self.path, self.data) == (other.path, other.data)

    def __repr__(self) -> str:
        return f"Page({self.path!r}, <{len(self.data)} bytes>)"


def render(
    validated: Validated,
    templates_dir: Path,
    *,
    today: date,
    drafts: bool = False,
    site_url: str | None = None,
    versions: dict[str, list] | None = None,
) -> list[Page]:
    """Every page of the site as Markdown, in a stable order.

    ``today`` decides which articles are past their review date; pass the
    build's date (``SOURCE_DATE_EPOCH`` when set) so that builds repeat.
    ``versions`` (from ``versions.article_versions``) adds a permanent page
    per approved version and the "updated in vN" marks.
    """
    versions = versions or {}
    env = _environment(templates_dir)
    site = validated.site
    articles = sorted((a for a in validated.articles if drafts or a.review.status != "draft"), key=lambda a: (a.specialty, a.id))
    by_id = {a.id: a for a in articles}
    helpers = Helpers(site)
    pages: list[Page] = []

    for article in articles:
        history = versions.get(article.id, [])
        base = f"{article.specialty}/{article.id}"
        url = f"{site_url.rstrip('/')}/{base}/" if site_url else None
        view = ArticleView(article, site, by_id, today, versions=history)
        pages.append(_article_page(env, f"{base}.md", view, helpers, url))
        for version in history:
            view = ArticleView(version.article, site, by_id, today, versions=history, permalink=version, up="../../")
            pages.append(_article_page(env, f"{base}/v{version.number}.md", view, helpers, url and f"{url}v{version.number}/"))

    for specialty in site.specialties:
        listed = [a for a in articles if a.specialty == specialty.id]
        pages.append(_page(env, "specialty.md.j2", f"{specialty.id}/index.md", specialty.name, helpers, site,
                           description=specialty.description, specialty=specialty, articles=listed))

    recent = sorted(articles, key=lambda a: (a.review.updated, a.id), reverse=True)[: site.settings.recent_count]
    tagged = {tag.id: [a for a in articles if tag.id in a.tags] for tag in site.tags}
    pages.append(_page(env, "home.md.j2", "index.md", "Home", helpers, site, articles=articles, recent=recent))
    pages.append(_page(env, "tags.md.j2", "tags.md", "Topics", helpers, site, tagged=tagged))
    pages.append(_page(env, "board.md.j2", "advisory-board.md", "Medical Advisory Board", helpers, site))
    pages.append(_page(env, "policy.md.j2", "editorial-policy.md", "Editorial policy", helpers, site,
                       policy=markdown_block(site.editorial_policy)))
    pages.append(_page(env, "grades.md.j2", "evidence-grades.md", "Evidence grades", helpers, site))
    pages.append(Page("search.md", env.get_template("search.md.j2").render(
        front_matter=_front_matter(title="Search", search=False), helpers=helpers, site=site)))
    if site_url:
        latest = max((a.review.updated for a in articles), default=today)
        feed = atom_feed(validated, versions, site_url=site_url, title=site.settings.publisher.name, fallback=latest)
        pages.append(Page(FEED_PATH, feed))
    return pages


def content_epoch(validated: Validated) -> int:
    """Seconds since the epoch of the newest content date: the default SOURCE_DATE_EPOCH of a build."""
    latest = max((a.review.updated for a in validated.articles), default=date(2000, 1, 1))
    return int(datetime(latest.year, latest.month, latest.day, tzinfo=timezone.utc).timestamp())


def _article_page(env: Environment, path: str, view: ArticleView, helpers: Helpers, url: str | None) -> Page:
    article = view.article
    jsonld = medical_web_page(article, view.site, url=url, citation_order=list(view.numbers))
    title = article.title if view.permalink is None else f"{article.title} (version {view.permalink.number})"
    # A permanent copy of an old version is not offered by search; the current article is.
    searchable = None if view.permalink is None else False
    description = plain_summary(article.summary.get("all") or article.summary[article.audiences[0]])
    text = env.get_template("article.md.j2").render(
        article=article,
        site=view.site,
        page=view,
        helpers=helpers,
        front_matter=_front_matter(title=title, description=description, jsonld=jsonld,
                                   lastmod=article.review.updated.isoformat(), search=searchable),
    )
    return Page(path, text)


def _page(env: Environment, template: str, path: str, title: str, helpers: Helpers, site: Any, *, description: str | None = None, **context: Any) -> Page:
    text = env.get_template(template).render(
        front_matter=_front_matter(title=title, description=description), helpers=helpers, site=site, **context
    )
    return Page(path, text)


def _environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
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
    return env


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's safe dumper when PyYAML has it (same output, several times faster)."""


def _front_matter(**fields: Any) -> str:
    data = {k: v for k, v in fields.items() if v is not None and v != ""}
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{body}---\n"
