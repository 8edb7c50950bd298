"""An article page's author text as Markdown: wordings per audience, citations numbered and linked.

A mixin of ``ArticleView`` (``render/article.py``), which holds the page's state: the citation
numbers in order of first appearance, the back-link counters and the audiences of the section
being rendered.  The only markup written here is the inline markup inside author text: citation
links, one span per audience, a section's heading per audience.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from .. import addresses
from ..escaping import inert_tags
from ..model import Article, SiteConfig
from ..model.walk import citation_keys
from ..validate.markdown import ARTICLE_LINK
from .text import CITED, NUMBER_UNIT, attr, plain


class Wording:
    """Author Markdown on an article page."""

    article: Article
    site: SiteConfig
    by_id: dict[str, Article]
    up: str
    numbers: dict[str, int]
    uses: dict[str, int]
    scope: list[str]


    def md(self, text: str, shown: bool = True) -> Markup:
        """Author Markdown: HTML escaped, citations numbered and linked.

        ``shown``: whether the text is shown before the reader picks an audience.
        """
        escaped = NUMBER_UNIT.sub("\u00a0", inert_tags(text))
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

    def inline_plain(self, wording: dict[str, str]) -> str:
        """A plain wording inside a line (a dosing row's population): as written, one span per audience."""
        if "all" in wording:
            return plain(wording["all"])
        default = self.article.audiences[0]
        return "".join(f'<span data-audience="{aud}"{" hidden" if aud != default else ""}>{plain(wording[aud])}</span>'
                       for aud in self.scope if aud in wording)

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
        label = section.label  # the first reader's heading
        slug = _slug(label)
        opening = f'<div data-audience="{audience}"{" hidden" if hidden else ""} markdown>\n\n' if audience else ""
        if self.article.audiences[0] not in readers:
            return f'<h2 id="{slug}" class="gs-heading" data-audience="{audience}" hidden>{attr(label)}</h2>\n\n{opening}'
        own = {reader: text for reader, text in section.heading.items() if reader in readers[1:] and text != label}
        if not own:
            return f"{opening}## {plain(label)}\n"
        plainly = [a for a in readers if a not in own]
        out = [f'<div data-audience="{" ".join(plainly)}" markdown>', "", f"## {plain(label)}", "", "</div>", ""]
        for reader, heading in own.items():
            out += [f'<h2 id="{slug}-{reader}" class="gs-heading" data-audience="{reader}" data-gs-for="{slug}" hidden>{attr(heading)}</h2>', ""]
        return "\n".join(out) + "\n" + opening

    def section_audience(self, audiences: list[str] | None) -> tuple[str | None, bool]:
        if not audiences or set(audiences) >= set(self.article.audiences):
            return None, False
        return " ".join(audiences), self.article.audiences[0] not in audiences


    def link_to(self, other: Article) -> str:
        """Markdown-source-relative link from this page to another article; from a permanent copy,
        to its permanent address (a move of the other article never changes the copy)."""
        if getattr(self, "permalink", None) is not None:
            return self.up + addresses.page_source(addresses.permanent(other.id))
        return self.up + addresses.page_source(addresses.article_home(other))


def _slug(heading: str) -> str:
    """The id Markdown's table of contents gives a heading (so a page's anchors do not depend on who reads it)."""
    from markdown.extensions.toc import slugify

    return slugify(heading, "-")
