"""One article against the site configuration, and the articles against each other."""

from __future__ import annotations

import json
import re
from datetime import date
import unicodedata
from dataclasses import dataclass

from ..errors import Problem
from ..load import RawDocument
from ..model.dosing import band_problems
from ..model import Article, SiteConfig
from ..model.fields import RESERVED_NAMES, SLUG_PATTERN
from ..model.walk import iter_citations, iter_texts
from .grades import check_grades


def check_article(article: Article, doc: RawDocument, site: SiteConfig, cited: set[str] | None = None, today: date | None = None) -> list[Problem]:
    """What the article names in the site configuration, and its parts against each other.

    ``article`` may be partial (see ``partial.py``): a part the model refused is
    None and skipped here, its own problem already reported.  ``cited`` is every
    key the file cites as written (from ``check_markdown``); without it the
    citations are read from the article.
    """
    out: list[Problem] = []
    stem = doc.path.stem
    folder = doc.path.parent.name
    if article.id is not None:
        # A file or folder name that is not a slug is reported by load; comparing with it would only repeat that.
        if article.id != stem and re.match(SLUG_PATTERN, stem):
            out.append(doc.problem(("id",), f"expected the file name '{stem}'; got '{article.id}'"))
        if article.id in RESERVED_NAMES:
            out.append(doc.problem(("id",), f"expected an id that is not one of the site's own pages or folders ({', '.join(sorted(RESERVED_NAMES))}); got '{article.id}'"))
    specialties = {s.id for s in site.specialties}
    if article.specialty is None:
        pass
    elif article.specialty not in specialties:
        out.append(doc.problem(("specialty",), f"expected a specialty from site_config/specialties.yaml ({', '.join(sorted(specialties))}); got '{article.specialty}'"))
    elif article.specialty != folder and re.match(SLUG_PATTERN, folder):
        out.append(doc.problem(("specialty",), f"expected the folder name '{folder}' (content/<specialty>/<id>.yaml); got '{article.specialty}'"))
    tags = {t.id for t in site.tags}
    for i, tag in enumerate(article.tags or []):
        if tag is None:
            continue
        if tag not in tags:
            out.append(doc.problem(("tags", i), f"expected a tag from site_config/tags.yaml; got '{tag}'"))
        elif tag in article.tags[:i]:
            out.append(doc.problem(("tags", i), f"expected each tag once; got '{tag}' again"))
    site_audiences = [a.id for a in site.settings.audiences]
    audiences = article.audiences if article.audiences is not None and None not in article.audiences else None
    for i, audience in enumerate(audiences or []):
        if audience not in site_audiences:
            out.append(doc.problem(("audiences", i), f"expected an audience from site_config/site.yaml ({', '.join(site_audiences)}); got '{audience}'"))
    if audiences is not None and len(set(audiences)) != len(audiences):
        out.append(doc.problem(("audiences",), "expected each audience once; got a repeat"))
    if audiences is not None:
        # Wordings are checked against the audiences the site has; an unknown one is reported above, once.
        known = [a for a in audiences if a in site_audiences]
        out += _check_wordings(article, doc, known)
        for i, section in enumerate(article.sections or []):
            for j, audience in enumerate((section.audiences if section is not None else None) or []):
                if audience is not None and audience not in audiences:
                    out.append(doc.problem(("sections", i, "audiences", j), f"expected one of the article's audiences ({', '.join(audiences)}); got '{audience}'"))
            readers = [a for a in audiences if section is not None and (not section.audiences or a in section.audiences)]
            out += _plain_wording_problems(getattr(section, "heading", None), readers, doc, ("sections", i, "heading"), "heading")
    out += _check_citations(article, doc, cited)
    out += _check_dosing(article, doc, [a for a in audiences if a in site_audiences] if audiences is not None else None)
    out += check_grades(article, doc, site)
    out += _check_glossary(article, doc)
    if article.disclaimer is not None and article.disclaimer not in site.disclaimers:
        out.append(doc.problem(("disclaimer",), f"expected a disclaimer set from site_config/disclaimers.yaml ({', '.join(sorted(site.disclaimers))}); got '{article.disclaimer}'"))
    if article.review is not None:
        out += _check_review(article, doc, site, today)
    return out


def _check_dosing(article: Article, doc: RawDocument, audiences: list[str] | None) -> list[Problem]:
    """Each dosing table's bands tile per drug, route and measurement (a gap or overlap is shown at the row
    that meets it), and a population worded per audience has a wording for each reader of the section."""
    out = []
    for i, section in enumerate(article.sections or []):
        readers = _audiences_at(article, ("sections", i), audiences or [])
        for j, block in enumerate(getattr(section, "blocks", None) or []):
            table = getattr(block, "dosing", None)
            if table is None or not table.doses:
                continue
            at = ("sections", i, "blocks", j, "dosing", "doses")
            out += [doc.problem(at + (row, "band"), message) for row, message in band_problems(table)]
            for row, dose in enumerate(table.doses):
                out += _plain_wording_problems(getattr(dose, "population", None), readers, doc, at + (row, "population"), "population")
    return out


def _plain_wording_problems(wording: dict | None, readers: list[str], doc: RawDocument, loc: tuple, what: str) -> list[Problem]:
    """A plain text worded per audience (a heading, a population): one wording for each reader, and no other."""
    if not wording or "all" in wording or not readers:
        return []
    out = [doc.problem(loc + (audience,), f"expected a {what} for one of the audiences who read this section ({', '.join(readers)}); got '{audience}'", key=True)
           for audience in wording if audience not in readers]
    missing = [a for a in readers if a not in wording]
    if missing:
        out.append(doc.problem(loc, f"expected a {what} for every audience who reads this section; missing {', '.join(missing)}"))
    return out


def _check_glossary(article: Article, doc: RawDocument) -> list[Problem]:
    """Every abbreviation of the glossary is used on the page (an unused one is a leftover or a typo)."""
    if not article.glossary:
        return []
    shown = json.dumps(article.model_dump(mode="json", exclude={"glossary", "review", "references", "id", "see_also"}), ensure_ascii=False)
    out = []
    for term in article.glossary:
        if not re.search(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", shown):
            out.append(doc.problem(("glossary", term), f"expected '{term}' to be used in the article (as written, same case); it is not", key=True))
    return out


def _check_wordings(article: Article, doc: RawDocument, audiences: list[str]) -> list[Problem]:
    out = []
    raw_texts: dict[tuple, set[str]] = {}
    for loc, audience, _ in iter_texts(article):
        if audience == "all":
            continue
        parent = loc[:-1]
        raw_texts.setdefault(parent, set()).add(audience)
        served = _audiences_at(article, loc, audiences)
        if audience not in served:
            out.append(doc.problem(loc, f"expected a wording for one of the audiences who see this text ({', '.join(served)}); got '{audience}'", key=True))
    for parent, given in raw_texts.items():
        missing = [a for a in _audiences_at(article, parent, audiences) if a not in given]
        if missing:
            out.append(doc.problem(parent, f"expected a wording for every audience of the article; missing {', '.join(missing)}"))
    return out


def _audiences_at(article: Article, loc: tuple, audiences: list[str]) -> list[str]:
    """Who reads the text at ``loc``: the section's audiences, else the article's (those the site has)."""
    if len(loc) >= 2 and loc[0] == "sections" and isinstance(loc[1], int) and article.sections and loc[1] < len(article.sections):
        section = article.sections[loc[1]].audiences if article.sections[loc[1]] is not None else None
        if section:
            return [a for a in audiences if a in section]
    return list(audiences)


def _check_citations(article: Article, doc: RawDocument, cited: set[str] | None) -> list[Problem]:
    """Every reference key unique, and every reference cited."""
    out = []
    keys: dict[str, int] = {}
    for i, ref in enumerate(article.references or []):
        key = ref.key if ref is not None else None
        if key is None:
            continue
        if key in keys:
            out.append(doc.problem(("references", i, "key"), f"expected a unique reference key; '{key}' is also reference {keys[key] + 1}"))
        keys.setdefault(key, i)
    if cited is None:
        cited = {key for _, key in iter_citations(article)}
    for key, i in keys.items():
        if key not in cited:
            out.append(doc.problem(("references", i, "key"), f"expected every reference to be cited; '{key}' is never cited (cite it as [@{key}] or remove it)"))
    return out


def _check_review(article: Article, doc: RawDocument, site: SiteConfig, today: date | None) -> list[Problem]:
    out = []
    review = article.review
    reviewers = {r.id for r in site.reviewers}
    for i, approval in enumerate(review.approvals or []):
        if approval is None:
            continue
        if approval.reviewer is None:
            pass
        elif approval.reviewer not in reviewers:
            out.append(doc.problem(("review", "approvals", i, "reviewer"), f"expected a reviewer id from site_config/reviewers.yaml; got '{approval.reviewer}'"))
        # An approval by a reviewer who does not cover the specialty (an article moved to another) is
        # not an error in the file: it counts for nothing, and check and the page say so.
        if approval.date is not None and today is not None and approval.date > today:
            out.append(doc.problem(("review", "approvals", i, "date"), f"expected a date on or before the build date ({today}); got {approval.date}"))
        if approval.date is not None and review.created is not None and approval.date < review.created:
            out.append(doc.problem(("review", "approvals", i, "date"), f"expected a date on or after created ({review.created}); got {approval.date}"))
    if review.status == "approved" and review.approvals is not None and not review.approvals:
        out.append(doc.problem(("review", "status"), "expected at least one approval for status 'approved'; got none"))
    if review.replaced_by and review.status is not None and review.status != "retired":
        out.append(doc.problem(("review", "replaced_by"), f"expected replaced_by only on a retired article; status is '{review.status}'"))
    return out


@dataclass(frozen=True)
class ArticleLinks:
    """What the checks across articles need of one valid article: small enough to
    send from a worker process (see ``validate.check``)."""

    id: str
    status: str
    see_also: tuple[str, ...]
    replaced_by: str | None
    source: RawDocument
    """The article's file, with the positions of just the fields checked here."""
    mentions: tuple[tuple[tuple, str], ...] = ()
    """Links to other articles in its texts: ``(loc, id)``."""


def article_links(article: Article, doc: RawDocument, mentions: list[tuple[tuple, str]] = ()) -> ArticleLinks:
    """What the checks across articles need of an article (valid, or partly read)."""
    see_also = tuple(other for other in (article.see_also or []) if other is not None)
    replaced_by = article.review.replaced_by if article.review is not None else None
    status = (article.review.status if article.review is not None else None) or ""
    locs = [("id",), ("review", "replaced_by")] + [("see_also", i) for i in range(len(article.see_also or []))] + [loc for loc, _ in mentions]
    source = RawDocument(path=doc.path, shown=doc.shown, data=None, marks={loc: doc.where(loc) for loc in locs})
    return ArticleLinks(article.id or doc.path.stem, status, see_also, replaced_by, source, tuple(mentions))


def unreadable_links(doc: RawDocument) -> ArticleLinks:
    """A file that could not be read at all still holds the article its name says (no cascades)."""
    return ArticleLinks(doc.path.stem, "", (), None, RawDocument(path=doc.path, shown=doc.shown, data=None))


def check_collection(articles: list[ArticleLinks]) -> list[Problem]:
    out = []
    first_of: dict[str, RawDocument] = {}
    for article in articles:
        doc = article.source
        folded = unicodedata.normalize("NFKC", article.id).casefold()
        if folded in first_of:
            out.append(doc.problem(("id",), f"expected a unique id; '{article.id}' is also the id of {first_of[folded].shown}"))
            continue
        first_of[folded] = doc
    return out


def check_cross_links(articles: list[ArticleLinks]) -> list[Problem]:
    """Links between articles: to existing articles, not to themselves, once each.

    Related articles may link to each other (a cycle is fine: each page lists
    the other).  A replacement must not itself be retired, so that following
    "replaced by" always ends at a live article and never loops.
    """
    out = []
    by_id = {a.id: a for a in articles}
    sources: dict[str, RawDocument] = {}
    for article in articles:
        sources.setdefault(article.id, article.source)
    for article in articles:
        doc = sources[article.id]
        for loc, other in article.mentions:
            if other == article.id:
                out.append(doc.problem(loc, f"expected a link to another article; got a link to the article itself (article:{other})"))
            elif other not in by_id:
                out.append(doc.problem(loc, f"expected a link to an existing article (article:<id>); got 'article:{other}'"))
        for i, other in enumerate(article.see_also):
            if other == article.id:
                out.append(doc.problem(("see_also", i), "expected another article; got the article itself"))
            elif other not in by_id:
                out.append(doc.problem(("see_also", i), f"expected the id of an existing article; got '{other}'"))
            elif other in article.see_also[:i]:
                out.append(doc.problem(("see_also", i), f"expected each related article once; got '{other}' again"))
        replaced_by = article.replaced_by
        if replaced_by == article.id:
            out.append(doc.problem(("review", "replaced_by"), "expected another article; got the article itself"))
        elif replaced_by and replaced_by not in by_id:
            out.append(doc.problem(("review", "replaced_by"), f"expected the id of an existing article; got '{replaced_by}'"))
        elif replaced_by and by_id[replaced_by].status == "retired":
            out.append(doc.problem(("review", "replaced_by"), f"expected an article that is not retired; '{replaced_by}' is retired too"))
    return out
