"""What an article page's block templates ask (``theme/templates/blocks/``): list items, evidence
badges, table and algorithm numbers, regimen schedules, doses.

A mixin of ``ArticleView`` (``render/article.py``).  Templates write the blocks' markup; this
prepares what they print.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ..model import Article, SiteConfig, format_minutes
from ..model.article import WARNING_LABELS
from ..versions import caption_region
from .blocks import Drawn, algorithm_svg, diagram_name
from .doses import dose_text
from .text import NUMBER_UNIT, attr, plain


class BlockViews:
    """Helpers of the block templates."""

    article: Article
    site: SiteConfig
    scope: list[str]
    home: str
    up: str
    assets: dict[str, str]
    asset_folder: str
    _numbered: dict[str, int]

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
            technical, lay = system.badge_text(values, statement=grade.statement), system.badge_text(values, plain=True, statement=grade.statement)
            if grade.population:
                technical, lay = f"{technical} (for {grade.population})", f"{lay} (for {grade.population})"
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
        folder = self.asset_folder
        self.assets[f"{folder}/{name}"] = text
        return f"{self.up}{folder}/{name}"

    def abbreviation_title(self, meaning: str) -> str:
        """An abbreviation's expansion as Markdown's abbr definition takes it: one line, no tag."""
        return attr(" ".join(meaning.split()))

    def warning_label(self, kind: str) -> str:
        return WARNING_LABELS[kind]

    def minutes(self, minutes: int) -> str:
        return format_minutes(minutes)

    def dose_text(self, d: Any) -> str:
        """A dose as prescribers read it: "45 mg/kg per dose twice daily (90 mg/kg/day), max 2 g per dose, for 10 days"."""
        return Markup(NUMBER_UNIT.sub("\u00a0", plain(dose_text(d))))  # plain text, and "3 g" never split across two lines

    def dose_for(self, d: Any) -> str:
        """Who a dosing row is for: its band, its criteria and its population (worded per audience), or a dash."""
        parts = []
        if d.band is not None:
            parts.append(plain(d.band.text))
        if d.criteria is not None:
            parts.append(f"if at least {d.criteria.at_least} of: " + "; ".join(plain(band.text) for band in d.criteria.of))
        if d.population:
            parts.append(self.inline_plain(d.population))
        return Markup(NUMBER_UNIT.sub("\u00a0", "; ".join(parts)) if parts else "—")

    def cycle(self, days: int | None) -> str:
        if not days:
            return ""
        weeks = f" ({days // 7} weeks)" if days % 7 == 0 else ""
        return f"Repeat every {days} days{weeks}."


def _items_within(items: list):
    """The items of a list and of all its sub-lists."""
    for item in items:
        yield item
        yield from _items_within(item.items)
