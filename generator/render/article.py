"""What the article template reads: one view object per article page.

The view holds the per-page state the Markdown needs (citation numbers in
order of first appearance, back-link counters, the audiences of the part
being rendered) and formats regimens, references and review status.
"""

from __future__ import annotations

import re
from functools import cached_property
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from .. import addresses
from ..escaping import inert_tags
from ..model import Article, Reference, SiteConfig, format_minutes
from ..model.article import MARKED_KINDS, STATUS_LABELS
from ..model.walk import citation_keys, citation_order
from ..approvals import counted_approvals, effective_status
from ..validate.markdown import ARTICLE_LINK
from .blocks import Drawn, algorithm_svg, diagram_name
from ..versions import caption_region
from .citation import citation
from .doses import dose_text
from ..model.article import WARNING_LABELS
from .text import long_date, CITED, attr, plain

STATUS_STEPS = (("submitted", "Submitted"), ("under_review", "Under Review"), ("approved", "Approved"))


class Helpers:
    """Functions every template may call."""

    def __init__(self, site: SiteConfig):
        self.site = site

    def status_label(self, status: str) -> str:
        return STATUS_LABELS[status]

    def status_of(self, article: Article) -> str:
        """The status readers see: an approval that no longer holds reads as under review."""
        return effective_status(article, self.site)

    def audience_label(self, id: str) -> str:
        return next(a.label for a in self.site.settings.audiences if a.id == id)

    def specialty_name(self, id: str) -> str:
        return self.site.specialty(id).name

    def tag_label(self, id: str) -> str:
        return next(t.label for t in self.site.tags if t.id == id)

    def article_source(self, article: Article, source: str = "") -> str:
        """The Markdown of an article's page: from the site's root, or as a link from the page at ``source``."""
        target = addresses.page_source(addresses.article_home(article))
        return addresses.relative(source, target) if source else target

    def specialty_source(self, specialty: str) -> str:
        return addresses.specialty_index(specialty)

    def grade_anchor(self, system: str, dimension: str, value: str) -> str:
        return "-".join([system, dimension] + re.findall(r"[a-z0-9]+", value.lower()))


@dataclass
class ArticleView(Helpers):
    """Per-article state and formatting for ``article.md.j2``."""

    article: Article
    site: SiteConfig
    by_id: dict[str, Article]
    today: date
    versions: list = field(default_factory=list)
    """Approved versions of the article (``ArticleVersion``), oldest first."""
    permalink: Any = None
    """The version this page is the permanent copy of (None: the current page)."""
    up: str = "../"
    """From this page's Markdown file to the docs root."""
    pending: Any = None
    """An edit awaiting approval, held back while this page shows the last approved version."""
    site_url: str | None = None
    home: str = ""
    """Where the article lives now (``<specialty>/<id>``): an old version of a moved article links there."""
    numbers: dict[str, int] = field(init=False)
    uses: dict[str, int] = field(init=False)
    scope: list[str] = field(init=False)
    """Audiences of the section being rendered (a section may narrow them)."""

    def __post_init__(self) -> None:
        self.home = self.home or addresses.article_home(self.article)
        # Numbered as the page is first read (the default audience); the page script numbers
        # them again, the same way, for the audience a reader picks.
        self.numbers = {key: i + 1 for i, key in enumerate(citation_order(self.article, self.article.audiences[0]))}
        self.uses = {}
        self.scope = list(self.article.audiences)
        self._references = {r.key: r for r in self.article.references}
        self._numbered: dict[str, int] = {}
        self.assets: dict[str, str] = {}
        """Files the page links to, written beside it: path → text (an algorithm's diagram)."""

    # Markdown text -----------------------------------------------------------------

    def md(self, text: str, shown: bool = True) -> Markup:
        """Author Markdown: HTML escaped, citations numbered and linked.

        ``shown``: whether the text is shown before the reader picks an audience.
        """
        escaped = _NUMBER_UNIT.sub("\u00a0", inert_tags(text))
        if "article:" in escaped:
            escaped = ARTICLE_LINK.sub(self._article_link, escaped)
        return Markup(CITED.sub(lambda m: self._cite_group(citation_keys(m.group(1)), shown), escaped))

    def _article_link(self, match: re.Match) -> str:
        """``[text](article:id)`` → a link to that article's page; plain text when it is not published."""
        other = self.by_id.get(match.group(2))
        return f"[{match.group(1)}]({self.link_to(other)})" if other is not None else match.group(1)

    def cite(self, keys: list[str]) -> Markup:
        return Markup(self._cite_group(keys, self._default_in_scope())) if keys else Markup("")

    def _cite_group(self, keys: list[str], shown: bool) -> str:
        # Bracketed, after a no-break space, so that a citation never reads as part of a number or
        # a unit ("50 mg/m² [3]", not "50 mg/m²³"); the bare minimum per citation, as a page may
        # hold a hundred: the page script labels each link "Reference N", describes it by the
        # entry it points to (for screen readers) and shows that entry as a tooltip.  The first
        # citation of each reference in the text shown by default carries the id its entry's
        # back-link returns to (a back-link to hidden text would lead nowhere); the script
        # numbers and links them again for the audience the reader picks.
        links = []
        for key in sorted(dict.fromkeys(keys), key=lambda k: self.numbers[k]):
            number = self.numbers[key]
            if shown and key not in self.uses:
                self.uses[key] = 1
                links.append(f'<a id="{self.citation_anchor(key)}" href="#ref-{key}">{number}</a>')
            else:
                if shown:
                    self.uses[key] += 1
                links.append(f'<a href="#ref-{key}">{number}</a>')
        return f'<span class="gs-cite">\u00a0\\[{", ".join(links)}\\]</span>'

    def citation_anchor(self, key: str) -> str:
        """Id of the first citation of a reference in the text shown, which its back-link returns to."""
        return f"cite-{key}"

    def _default_in_scope(self) -> bool:
        return self.article.audiences[0] in self.scope

    def variants(self, wording: dict[str, str]) -> list[tuple[str | None, bool, Markup]]:
        """``(audience, hidden, markdown)`` for each wording; audience None means shared."""
        if "all" in wording:
            return [(None, False, self.md(wording["all"], self._default_in_scope()))]
        default = self.article.audiences[0]
        return [(aud, aud != default, self.md(wording[aud], aud == default)) for aud in self.scope]

    def inline(self, wording: dict[str, str]) -> str:
        """A wording inside a line (list item, table cell): one span per audience."""
        out = []
        for audience, hidden, text in self.variants(wording):
            if audience is None:
                out.append(str(text))
            else:
                out.append(f'<span data-audience="{audience}"{" hidden" if hidden else ""}>{text}</span>')
        return "".join(out)

    def enter_section(self, audiences: list[str] | None) -> str:
        """Texts inside a section are worded for the section's audiences only."""
        self.scope = [a for a in self.article.audiences if not audiences or a in audiences]
        return ""

    def section_start(self, section: Any, audience: str | None, hidden: bool) -> str:
        """A section's heading, as each audience reads it, and the opening of its audience block.

        The default audience's heading is a Markdown heading: the table of contents lists it (also
        without JavaScript).  A section the default audience does not read, and another
        audience's wording of a heading, get HTML headings outside any Markdown block, which keeps
        them out of the built table of contents; the page script puts them in when a reader picks
        that audience.
        """
        readers = [a for a in self.article.audiences if not section.audiences or a in section.audiences]
        slug = _slug(section.heading)
        opening = f'<div data-audience="{audience}"{" hidden" if hidden else ""} markdown>\n\n' if audience else ""
        if self.article.audiences[0] not in readers:
            return f'<h2 id="{slug}" class="gs-heading" data-audience="{audience}" hidden>{attr(section.heading)}</h2>\n\n{opening}'
        if not section.heading_for:
            return f"{opening}## {plain(section.heading)}\n"
        plainly = [a for a in readers if a not in section.heading_for]
        out = [f'<div data-audience="{" ".join(plainly)}" markdown>', "", f"## {plain(section.heading)}", "", "</div>", ""]
        for reader, heading in section.heading_for.items():
            out += [f'<h2 id="{slug}-{reader}" class="gs-heading" data-audience="{reader}" data-gs-for="{slug}" hidden>{attr(heading)}</h2>', ""]
        return "\n".join(out) + "\n" + opening

    def section_audience(self, audiences: list[str] | None) -> tuple[str | None, bool]:
        if not audiences or set(audiences) >= set(self.article.audiences):
            return None, False
        return " ".join(audiences), self.article.audiences[0] not in audiences

    def list_audiences(self, items: list) -> list[tuple[str, bool]]:
        """``(audience, hidden)`` of each copy of a list written once per audience (``_list.md.j2``);
        empty when the list is written once, its wordings side by side in each item."""
        if len(self.scope) > 1 and all("all" not in item.text and not item.evidence for item in _items_within(items)):
            return [(audience, audience != self.article.audiences[0]) for audience in self.scope]
        return []

    def list_item(self, item: Any, audience: str | None) -> str:
        """A list item's text (one audience's wording, or every wording side by side) and its grades."""
        if audience:
            words = str(self.md(item.text[audience], shown=audience == self.article.audiences[0]))
        else:
            words = self.inline(item.text)
        return (words + self.badges(item.evidence)).strip()

    def badges(self, evidence: list) -> str:
        """Evidence grades as labelled badges linking to the legend: "GRADE strong recommendation,
        moderate certainty", and in plain words for plain-language audiences ("Strongly recommended,
        based on fairly good evidence")."""
        out = []
        plain_audiences = {a.id for a in self.site.settings.audiences if a.plain_language}
        for grade in evidence:
            system = self.site.grading[grade.system]
            values = grade.values
            target = f"{self.up}evidence-grades.md#{grade.system}"
            technical, lay = system.badge_text(values), system.badge_text(values, plain=True)
            readers = [a for a in self.scope if a != "all"]
            if lay != technical and plain_audiences & set(readers) and len(readers) > 1:
                default = self.article.audiences[0]
                words = "".join(
                    f'<span data-audience="{a}"{"" if a == default else " hidden"}>{plain(lay if a in plain_audiences else technical)}</span>'
                    for a in readers)
            else:
                words = plain(lay if readers and set(readers) <= plain_audiences else technical)
            # No tooltip repeating the legend: the badge says the grade in words and links to what each value means.
            out.append(f' <span class="gs-badge gs-badge--{grade.system}">[{words}]({target})</span>')
        return "".join(out)

    # References ----------------------------------------------------------------------

    def ordered_references(self) -> list[tuple[int, Reference, int]]:
        """``(number, reference, times cited in the text shown by default)`` in citation order."""
        return [(self.numbers[key], self._references[key], self.uses.get(key, 0)) for key in self.numbers]

    def _source(self, ref: Reference) -> tuple[str, str]:
        authors = ", ".join(ref.authors).rstrip(".")
        year = str(ref.year) if ref.year else "n.d."
        if ref.journal:
            where = year
            if ref.volume:
                where += f";{ref.volume}" + (f"({ref.issue})" if ref.issue else "")
            if ref.pages:
                where += f":{ref.pages}"
            return authors, where
        return authors, f"{ref.publisher}; {year}"

    def reference_text(self, ref: Reference) -> str:
        """The reference as Markdown (journal in italics), every part escaped; undated sources say
        "n.d." with when they were accessed, never a year they do not have."""
        authors, where = self._source(ref)
        title = f"{plain(authors)}. {plain(ref.title.rstrip('.'))}"
        extra = "".join(f" {plain(part)}." for part in (ref.code, ref.edition) if part)
        end = "" if where.endswith(".") else "."  # "n.d." already ends its sentence
        if ref.journal:
            text = f"{title}.{extra} *{plain(ref.journal)}*. {plain(where)}{end}"
        else:
            text = f"{title}.{extra} {plain(where)}{end}"
        if ref.accessed:
            text += f" Accessed {long_date(ref.accessed)}."
        for notice in ref.notices:
            kind = {"erratum": "Erratum", "retraction": "Retracted", "expression of concern": "Expression of concern"}[notice.kind]
            text += f" **{kind}{' ' + str(notice.year) if notice.year else ''}:** {plain(notice.text)}"
            if notice.doi:
                text += f" [doi:{plain(notice.doi)}](https://doi.org/{notice.doi})"
        return text

    def reference_links(self, ref: Reference) -> list[tuple[str, str]]:
        links = []
        if ref.pmid:
            links.append((f"PubMed {ref.pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"))
        if ref.pmcid:
            links.append((ref.pmcid, f"https://www.ncbi.nlm.nih.gov/pmc/articles/{ref.pmcid}/"))
        if ref.doi:
            links.append((f"doi:{plain(ref.doi)}", f"https://doi.org/{ref.doi}"))
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

    def next_number(self, kind: str) -> int:
        """The number of the next table (or other numbered block) on the page: 1, 2, …"""
        self._numbered[kind] = self._numbered.get(kind, 0) + 1
        return self._numbered[kind]

    caption_region = staticmethod(caption_region)

    def algorithm(self, algorithm: Any) -> Drawn:
        """A decision algorithm's number and diagrams (one per audience when the wordings differ),
        each written beside the page."""
        number = self.next_number("algorithm")
        drawn: dict[str, str] = {}
        for audience in self.scope:
            drawn[audience] = algorithm_svg(algorithm, lambda w, a=audience: w.get(a) or w.get("all", ""))
        default = self.article.audiences[0]
        diagrams = []
        if len(set(drawn.values())) == 1:
            svg = next(iter(drawn.values()))
            diagrams.append((None, False, self._asset(diagram_name(svg), svg)))
        else:
            for audience, svg in drawn.items():
                diagrams.append((audience, audience != default, self._asset(diagram_name(svg), svg)))
        return Drawn(algorithm, number, diagrams)

    def _asset(self, name: str, text: str) -> str:
        """A file written beside the article (``<specialty>/<id>/<name>``); the link to it from this page."""
        self.assets[f"{self.home}/{name}"] = text
        return f"{self.up}{self.home}/{name}"

    def abbreviation_title(self, meaning: str) -> str:
        """An abbreviation's expansion as Markdown's abbr definition takes it: one line, no tag."""
        return attr(" ".join(meaning.split()))

    def warning_label(self, kind: str) -> str:
        return WARNING_LABELS[kind]

    def minutes(self, minutes: int) -> str:
        return format_minutes(minutes)

    def dose_text(self, d: Any) -> str:
        """A dose as prescribers read it: "45 mg/kg per dose twice daily (90 mg/kg/day), max 2 g per dose, for 10 days"."""
        return Markup(_NUMBER_UNIT.sub("\u00a0", plain(dose_text(d))))  # plain text, and "3 g" never split across two lines

    def cycle(self, days: int | None) -> str:
        if not days:
            return ""
        weeks = f" ({days // 7} weeks)" if days % 7 == 0 else ""
        return f"Repeat every {days} days{weeks}."

    # Review ----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return effective_status(self.article, self.site)

    def steps(self) -> list[tuple[str, str]]:
        """``(label, state)`` for the tracker; state is done, current or todo."""
        order = [key for key, _ in STATUS_STEPS]
        status = self.status
        current = order.index(status) if status in order else -1
        return [(label, "done" if i < current else "current" if i == current else "todo") for i, (_, label) in enumerate(STATUS_STEPS)]

    @cached_property
    def _counted(self) -> list[Any]:
        return counted_approvals(self.article, self.site)

    def approvers(self) -> list[tuple[Any, Any]]:
        """Reviewers whose signed approval of this very content counts, with the approval."""
        return [(self.site.reviewer(a.reviewer), a) for a in self._counted]

    def last_reviewed(self) -> date:
        """The date of the newest approval that counts (the page's "Last reviewed")."""
        return max(a.date for a in self._counted)

    @property
    def overdue(self) -> bool:
        """Past its review date when the site was built (the page's script re-checks when read)."""
        return self.article.review.next_review < self.today

    def disclaimer(self) -> dict[str, str]:
        texts = self.site.disclaimers[self.article.disclaimer]
        return {aud: texts[aud] for aud in self.article.audiences}

    def related(self) -> list[Article]:
        return [self.by_id[i] for i in self.article.see_also if i in self.by_id]

    def link_to(self, other: Article) -> str:
        """Markdown-source-relative link from this page to another article."""
        return self.up + addresses.page_source(addresses.article_home(other))

    # Versions --------------------------------------------------------------------------

    @property
    def shown_version(self):
        """The approved version whose content this page shows, if any."""
        if self.permalink is not None:
            return self.permalink
        if self.versions and self.status == "approved" and self.versions[-1].article == self.article:
            return self.versions[-1]
        return None

    def updated(self, region: str) -> str:
        """When a region of the page last changed, as NICE marks it: "New in v2, 2025" or "Updated in v3, 2026",
        from every approved version up to the one shown (a region unchanged since version 1 has none)."""
        shown = self.shown_version
        if shown is None:
            return ""
        for version in reversed([v for v in self.versions if v.number <= shown.number]):
            if region in version.changed:
                word = "New" if region in version.added else "Corrected" if version.article.review.change_kind == "correction" else "Updated"
                return f'<span class="gs-updated">{word} in v{version.number}, {version.approved_on.year}</span>'
        return ""

    def recommendation_region(self, heading: str, block: Any) -> str:
        """The name of a recommendation as versions know it: ``recommendation:<heading>#<n>``."""
        section = next(s for s in self.article.sections if s.heading == heading)
        recommendations = [b for b in section.blocks if b.recommendation is not None]
        return f"recommendation:{heading}#{recommendations.index(block) + 1}"

    def update_information(self) -> list[dict[str, Any]]:
        """Per approved version after the first, newest first: its kind, date, note, and what it added,
        changed and removed (up to the version this page shows)."""
        shown = self.shown_version
        out = []
        for version in reversed([v for v in self.versions if shown is not None and 1 < v.number <= shown.number]):
            out.append({
                "number": version.number, "approved_on": version.approved_on, "note": version.summary,
                "kind": version.article.review.change_kind or "update",
                "added": [_region_label(p) for p in sorted(version.added)],
                "changed": [_region_label(p) for p in sorted(version.changed - version.added)],
                "removed": [_region_label(p) for p in sorted(version.removed)],
            })
        return out

    def citation(self) -> Any:
        """How to cite the approved version this page shows."""
        version = self.shown_version
        return citation(self.article, self.site, version.number, version.approved_on, self.site_url, self.home)

    def citation_files(self) -> str:
        """From this page's Markdown to the version's RIS file, without the extension."""
        version = self.shown_version
        return self.up + addresses.version_base(self.home, version.number)

    @property
    def superseded_by(self) -> Any:
        """For the permanent copy of an old version: the version that replaced it (None otherwise)."""
        if self.permalink is None:
            return None
        later = [v for v in self.versions if v.number > self.permalink.number]
        return later[0] if later else None

    def version_link(self, number: int) -> str:
        return self.up + addresses.page_source(addresses.version_base(self.home, number))

    def current_link(self) -> str:
        return self.up + addresses.page_source(self.home)

    def approver_names(self, version) -> str:
        return ", ".join(self.site.reviewer(r).name for r in version.approvers)


_NUMBER_UNIT = re.compile(
    r"(?<=\d)[ \t]+(?=(?:mg|mcg|µg|micrograms?|g|kg|mL|ml|L|mmol|mmHg|mEq|units?|IU|%|hours?|h|min|minutes?|days?|weeks?|months?|years?)(?![A-Za-z]))")
"""The space between a number and its unit in author text ("6.4 mg/kg/day", "500 mg"), which a line
must not break: it becomes a no-break space."""


def _slug(heading: str) -> str:
    """The id Markdown's table of contents gives a heading (so a page's anchors do not depend on who reads it)."""
    from markdown.extensions.toc import slugify

    return slugify(heading, "-")


def _items_within(items: list):
    """The items of a list and of all its sub-lists."""
    for item in items:
        yield item
        yield from _items_within(item.items)


def _region_label(region: str) -> str:
    """``section:Regimen`` → ``the section "Regimen"`` (a block by the label its kind is declared with, ``MARKED_KINDS``)."""
    if region == "summary":
        return "the bottom line"
    kind, _, name = region.partition(":")
    mark = MARKED_KINDS.get(kind)
    if mark is not None and mark.by == "position":
        heading, _, number = name.rpartition("#")
        return f'{mark.label} {number} of "{heading}"'
    return f'the {mark.label if mark else kind} "{name}"'
