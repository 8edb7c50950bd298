"""Stage 3 — render: typed articles become Markdown pages through Jinja templates.

Everything an author wrote passes through one of two doors before it reaches
Markdown: :func:`_markdown` for fields that allow Markdown (HTML escaped,
citations turned into numbered links) and :func:`_plain` for fields that are
plain text (Markdown syntax escaped too).  Templates never see raw content.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .model import Article, Reference, SiteConfig, format_minutes
from .model.walk import CITATION, citation_keys, citation_order
from .validate import Validated

STATUS_STEPS = (("submitted", "Submitted"), ("under_review", "Under Review"), ("approved", "Approved"))
STATUS_LABELS = {"draft": "Draft", "submitted": "Submitted", "under_review": "Under Review", "approved": "Approved", "retired": "Retired"}


@dataclass
class Page:
    """One Markdown file of the staging docs folder."""

    path: str
    """Path inside the docs folder: ``gynecologic-oncology/slug.md``."""
    text: str


def render(validated: Validated, templates_dir: Path, *, drafts: bool = False) -> list[Page]:
    """Every page of the site as Markdown, in a stable order."""
    env = _environment(templates_dir)
    site = validated.site
    articles = [a for a in validated.articles if drafts or a.review.status != "draft"]
    articles.sort(key=lambda a: (a.specialty, a.id))
    by_id = {a.id: a for a in articles}
    pages: list[Page] = []
    for article in articles:
        context = _ArticleContext(article, site, by_id)
        text = env.get_template("article.md.j2").render(
            article=article,
            site=site,
            page=context,
            front_matter=_front_matter(title=article.title, description=_summary_text(article, site)),
        )
        pages.append(Page(f"{article.specialty}/{article.id}.md", text))
    recent = sorted(articles, key=lambda a: (a.review.updated, a.id), reverse=True)[: site.settings.recent_count]
    for specialty in site.specialties:
        listed = [a for a in articles if a.specialty == specialty.id]
        text = env.get_template("specialty.md.j2").render(
            specialty=specialty, articles=listed, site=site, helpers=_Helpers(site),
            front_matter=_front_matter(title=specialty.name, description=specialty.description),
        )
        pages.append(Page(f"{specialty.id}/index.md", text))
    common = {"site": site, "helpers": _Helpers(site)}
    pages.append(Page("index.md", env.get_template("home.md.j2").render(
        articles=articles, recent=recent, front_matter=_front_matter(title="Home"), **common)))
    pages.append(Page("advisory-board.md", env.get_template("board.md.j2").render(
        front_matter=_front_matter(title="Medical Advisory Board"), **common)))
    pages.append(Page("editorial-policy.md", env.get_template("policy.md.j2").render(
        policy=_markdown_block(site.editorial_policy), front_matter=_front_matter(title="Editorial policy"), **common)))
    pages.append(Page("evidence-grades.md", env.get_template("grades.md.j2").render(
        front_matter=_front_matter(title="Evidence grades"), **common)))
    return pages


def _environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plain"] = _plain
    env.filters["long_date"] = _long_date
    env.filters["attr"] = _attr
    return env


def _front_matter(**fields: Any) -> str:
    body = yaml.safe_dump({k: v for k, v in fields.items() if v}, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{body}---\n"


# --- the two doors ------------------------------------------------------------------

_CITED = re.compile(r"[ \t]*" + CITATION.pattern)
"""A citation with the spaces before it, which the superscript replaces."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|!])")


def _plain(text: Any) -> str:
    """Plain text made inert in Markdown and HTML (names, titles, headings)."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;")
    return _MARKDOWN_SPECIAL.sub(lambda m: "&lt;" if m[1] == "<" else "&gt;" if m[1] == ">" else "\\" + m[1], text)


def _attr(text: Any) -> str:
    """Text safe inside a double-quoted HTML attribute."""
    return str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _markdown_block(text: str) -> str:
    """Author Markdown with any HTML neutralised (validation refuses it first)."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _summary_text(article: Article, site: SiteConfig) -> str:
    wording = article.summary
    text = wording.get("all") or wording.get(article.audiences[0]) or ""
    text = _CITED.sub("", text)
    text = re.sub(r"[*_`\[\]]|\(https?://[^)]*\)", "", text)
    return " ".join(text.split())


class _Helpers:
    """Functions every template may call."""

    def __init__(self, site: SiteConfig):
        self.site = site

    def status_label(self, status: str) -> str:
        return STATUS_LABELS[status]

    def reviewer(self, id: str):
        return self.site.reviewer(id)

    def audience_label(self, id: str) -> str:
        return next(a.label for a in self.site.settings.audiences if a.id == id)

    def specialty_name(self, id: str) -> str:
        return self.site.specialty(id).name

    def tag_label(self, id: str) -> str:
        return next(t.label for t in self.site.tags if t.id == id)

    def grade_anchor(self, system: str, dimension: str, value: str) -> str:
        return "-".join([system, dimension] + re.findall(r"[a-z0-9]+", value.lower()))

    def json(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)


@dataclass
class _ArticleContext(_Helpers):
    """Per-article state: citation numbers and back-link counters."""

    article: Article
    site: SiteConfig
    by_id: dict[str, Article]
    numbers: dict[str, int] = field(init=False)
    uses: dict[str, int] = field(init=False)
    scope: list[str] = field(init=False)
    """Audiences of the part being rendered (a section may narrow them)."""

    def __post_init__(self) -> None:
        self.numbers = {key: i + 1 for i, key in enumerate(citation_order(self.article))}
        self.uses = {}
        self.scope = list(self.article.audiences)

    up = "../"
    """From an article's Markdown file to the docs root."""

    # Markdown text -----------------------------------------------------------------

    def list_md(self, items: list, numbered: bool = False) -> str:
        return _list_markdown(self, items, numbered)

    def inline(self, wording: dict[str, str]) -> str:
        return _inline_variants(self, wording)

    def badges(self, evidence: list) -> str:
        return _badges(self, evidence)

    def md(self, text: str) -> Markup:
        """Author Markdown: HTML escaped, citations numbered and linked."""
        escaped = text.replace("<", "&lt;").replace(">", "&gt;")
        return Markup(_CITED.sub(lambda m: self._cite_group(citation_keys(m.group(1))), escaped))

    def cite(self, keys: list[str]) -> Markup:
        return Markup(self._cite_group(keys)) if keys else Markup("")

    def _cite_group(self, keys: list[str]) -> str:
        links = []
        for key in sorted(dict.fromkeys(keys), key=lambda k: self.numbers[k]):
            self.uses[key] = self.uses.get(key, 0) + 1
            number = self.numbers[key]
            links.append(f'<a id="cite-{key}-{self.uses[key]}" href="#ref-{key}" class="gs-cite__link" aria-label="Reference {number}">{number}</a>')
        return f'<sup class="gs-cite">{", ".join(links)}</sup>'

    def variants(self, wording: dict[str, str]) -> list[tuple[str | None, bool, Markup]]:
        """``(audience, hidden, markdown)`` for each wording; audience None means shared."""
        if "all" in wording:
            return [(None, False, self.md(wording["all"]))]
        default = self.article.audiences[0]
        return [(aud, aud != default, self.md(wording[aud])) for aud in self.scope]

    def enter_section(self, audiences: list[str] | None) -> str:
        """Texts inside a section are worded for the section's audiences only."""
        self.scope = [a for a in self.article.audiences if not audiences or a in audiences]
        return ""

    def section_audience(self, audiences: list[str] | None) -> tuple[str | None, bool]:
        if not audiences or set(audiences) >= set(self.article.audiences):
            return None, False
        return " ".join(audiences), self.article.audiences[0] not in audiences

    # References ----------------------------------------------------------------------

    def ordered_references(self) -> list[tuple[int, Reference, int]]:
        """``(number, reference, times cited)`` in citation order."""
        by_key = {r.key: r for r in self.article.references}
        return [(self.numbers[key], by_key[key], self.uses.get(key, 0)) for key in self.numbers]

    def reference_text(self, ref: Reference) -> str:
        authors = ", ".join(_plain(a) for a in ref.authors).rstrip(".")
        parts = [f"{authors}. {_plain(ref.title.rstrip('.'))}."]
        if ref.journal:
            where = f"*{_plain(ref.journal)}*. {ref.year}"
            if ref.volume:
                where += f";{_plain(ref.volume)}"
                if ref.issue:
                    where += f"({_plain(ref.issue)})"
            if ref.pages:
                where += f":{_plain(ref.pages)}"
            parts.append(where + ".")
        else:
            parts.append(f"{_plain(ref.publisher)}; {ref.year}.")
        return " ".join(parts)

    def reference_links(self, ref: Reference) -> list[tuple[str, str]]:
        links = []
        if ref.pmid:
            links.append((f"PubMed {ref.pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"))
        if ref.pmcid:
            links.append((ref.pmcid, f"https://www.ncbi.nlm.nih.gov/pmc/articles/{ref.pmcid}/"))
        if ref.doi:
            links.append((f"doi:{_plain(ref.doi)}", f"https://doi.org/{ref.doi}"))
        if ref.nct:
            links.append((f"ClinicalTrials.gov {ref.nct}", f"https://clinicaltrials.gov/study/{ref.nct}"))
        if ref.url:
            links.append(("Source", ref.url))
        return links

    # Regimens --------------------------------------------------------------------------

    def days(self, days: list[int]) -> str:
        runs: list[list[int]] = []
        for day in sorted(set(days)):
            if runs and day == runs[-1][-1] + 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        text = ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
        return ("Day " if len(days) == 1 else "Days ") + text

    def infusion(self, minutes: int | None) -> str:
        return f"over {format_minutes(minutes)}" if minutes else "—"

    def cycle(self, days: int | None) -> str:
        if not days:
            return ""
        weeks = f" ({days // 7} weeks)" if days % 7 == 0 else ""
        return f"Repeat every {days} days{weeks}."

    # Review ----------------------------------------------------------------------------

    def steps(self) -> list[tuple[str, str]]:
        """``(label, state)`` for the tracker; state is done, current or todo."""
        order = [key for key, _ in STATUS_STEPS]
        status = self.article.review.status
        current = order.index(status) if status in order else -1
        out = []
        for i, (_, label) in enumerate(STATUS_STEPS):
            state = "done" if i < current else "current" if i == current else "todo"
            if status == "approved" and i == current:
                state = "current"
            out.append((label, state))
        return out

    def approvers(self) -> list[tuple[Any, date]]:
        return [(self.site.reviewer(a.reviewer), a.date) for a in self.article.review.approvals]

    def disclaimer(self) -> dict[str, str]:
        texts = self.site.disclaimers[self.article.disclaimer]
        return {aud: texts[aud] for aud in self.article.audiences}

    def related(self) -> list[Article]:
        return [self.by_id[i] for i in self.article.see_also if i in self.by_id]

    def link_to(self, other: Article) -> str:
        """Markdown-source-relative link from this article to another."""
        if other.specialty == self.article.specialty:
            return f"{other.id}.md"
        return f"../{other.specialty}/{other.id}.md"


def _indent(text: str, depth: int) -> str:
    pad = "    " * depth
    return text.replace("\n", "\n" + pad)


def _inline_variants(page: _ArticleContext, wording: dict[str, str]) -> str:
    out = []
    for audience, hidden, text in page.variants(wording):
        if audience is None:
            out.append(str(text))
        else:
            out.append(f'<span class="gs-variant" data-audience="{audience}"{" hidden" if hidden else ""}>{text}</span>')
    return "".join(out)


def _list_markdown(page: _ArticleContext, items: list, numbered: bool, depth: int = 0) -> str:
    lines = []
    for item in items:
        marker = "1." if numbered else "-"
        text = _inline_variants(page, item.text) + page.badges(item.evidence)
        lines.append("    " * depth + f"{marker} " + _indent(text.strip(), depth + 1))
        if item.items:
            lines.append(_list_markdown(page, item.items, False, depth + 1))
    return "\n".join(lines)


def _badges(page: _ArticleContext, evidence: list) -> str:
    out = []
    for grade in evidence:
        legend = page.site.grading[grade.system]
        meaning = "; ".join(
            f"{dimension} {getattr(grade, dimension)}: {legend.dimensions[dimension][getattr(grade, dimension)]}"
            for dimension in legend.dimensions
            if getattr(grade, dimension, None) is not None
        )
        target = f"{page.up}evidence-grades.md#{grade.system}"
        out.append(f' <span class="gs-badge gs-badge--{grade.system}" title="{_attr(meaning)}">[{_plain(grade.label())}]({target})</span>')
    return "".join(out)

