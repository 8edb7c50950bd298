"""An article page's reference list: each reference as Markdown, with its identifiers as links.

A mixin of ``ArticleView`` (``render/article.py``).
"""

from __future__ import annotations

from ..model import Reference
from .text import long_date, plain


class References:
    """The numbered reference list of an article page."""

    numbers: dict[str, int]
    uses: dict[str, int]
    _references: dict[str, Reference]


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
