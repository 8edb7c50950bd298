"""The article model: the schema, the validator and the object templates read.

Fields are declared in the order a reader meets them on the page; the
citation numbering walks them in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, PositiveInt, StringConstraints, WithJsonSchema, model_validator

from .blocks import Algorithm, Figure, Table
from .dosing import Dosing
from .fields import (
    CONTENT_HASH_PATTERN,
    QUESTION_PATTERN,
    CitationKey,
    Doi,
    Dose,
    Evidence,
    PlainWording,
    Minutes,
    Nct,
    NumberLike,
    Pmcid,
    Pmid,
    Rule,
    SIGNATURE_PATTERN,
    Slug,
    Strict,
    Text,
    WebUrl,
    Wording,
    _described,
)

ABBREVIATION_PATTERN = _described(r"^[A-Za-z][A-Za-z0-9]*(?:[-/&][A-Za-z0-9]+)*$",
                                  "an abbreviation of letters and digits, such as 'MRSA' or 'ACE' (no spaces)")
Abbreviation = Annotated[str, StringConstraints(pattern=ABBREVIATION_PATTERN, max_length=16)]
"""An abbreviation as it is written in the text: ``MRSA``, ``eGFR``."""

Status = Literal["draft", "submitted", "under_review", "approved", "retired"]
"""Where the article is in editorial review."""

STATUS_LABELS = {"draft": "Draft", "submitted": "Submitted", "under_review": "Under Review", "approved": "Approved", "retired": "Retired"}
"""How each status is shown to readers and reviewers."""


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, (int, str)) and not isinstance(value, bool) else value


class Component(Strict):
    """One drug of a regimen with its dose and schedule."""

    drug: Text
    """Generic drug name, lower case unless a proper noun: ``cisplatin``."""
    dose: Dose
    """``50 mg/m2``, ``15 mg/kg`` or ``AUC 5`` (target AUC for carboplatin)."""
    route: Literal["IV", "oral", "SC", "IM", "intraperitoneal"] = "IV"
    """Route of administration."""
    days: Annotated[
        list[PositiveInt],
        BeforeValidator(_one_or_many),
        Field(min_length=1),
        WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1}]}),
    ]
    """Day or days of the cycle on which it is given: ``1`` or ``[1, 8]``."""
    infusion: Minutes | None = None
    """Infusion time: ``24 h``, ``3 h``, ``30 min``."""
    note: Wording | None = None
    """A short note shown beside the drug."""


class Regimen(Strict):
    """A treatment regimen, rendered as a table of its components."""

    name: Text
    """Regimen name as clinicians say it: ``Paclitaxel-cisplatin-bevacizumab``."""
    evidence: list[Evidence] = []
    """Evidence grades for this regimen, each naming its system."""
    cite: list[CitationKey] = []
    """Reference keys supporting the regimen as a whole."""
    components: Annotated[list[Component], Field(min_length=1)]
    """The drugs, in the order they are given."""
    cycle_days: PositiveInt | None = None
    """Length of one cycle in days (21 = every 3 weeks)."""
    notes: list[Wording] = []
    """Points about the regimen (Markdown, citations allowed)."""

    rules: ClassVar[tuple[Rule, ...]] = (Rule(("components", "cycle_days"), lambda r: _days_within_cycle(r)),)


def _days_within_cycle(regimen: "Regimen") -> str | None:
    if regimen.cycle_days:
        for component in regimen.components or []:
            late = [d for d in (component.days or []) if d > regimen.cycle_days] if component is not None else []
            if late:
                return f"expected days within the {regimen.cycle_days}-day cycle; {component.drug} is given on day {late[0]}"
    return None


class ListItem(Strict):
    """A bullet: text, optional evidence grades and optional sub-bullets."""

    text: Wording
    """Markdown text with ``[@key]`` citations."""
    evidence: list[Evidence] = []
    """Evidence grades attached to this point."""
    items: list["ListItem"] = []
    """Nested bullets."""

    shorthand: ClassVar[str] = "text"

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {cls.shorthand: data} if isinstance(data, str) else data


class Recommendation(Strict):
    """A graded recommendation, shown as a callout with its evidence badges."""

    text: Wording
    """The recommendation (Markdown, citations allowed)."""
    evidence: list[Evidence] = []
    """Its evidence grades, each naming a system of site_config/grading.yaml (at least one, unless
    site.yaml allows ungraded recommendations)."""


class Warning(Strict):
    """A safety warning shown as a callout in every audience: a boxed warning, a contraindication or a caution."""

    kind: Literal["boxed", "contraindication", "caution"]
    """boxed (the label's boxed warning), contraindication, or caution."""
    text: Wording
    """The warning (Markdown, citations allowed); give a ``patient:`` wording in plain language."""


WARNING_LABELS = {"boxed": "Boxed warning", "contraindication": "Contraindication", "caution": "Caution"}
"""How each kind of warning is headed on the page."""


ItemList = Annotated[list[ListItem], Field(min_length=1)]

KeyPoints = Annotated[list[Wording], Field(min_length=1, max_length=7)]
"""One to seven short points (a field of Block is named ``list``, so the type is declared here)."""


@dataclass(frozen=True)
class Marked:
    """How readers see a kind of block change between versions ("Updated in v2" beside it, the change
    list of a version): ``label`` names it ("the dosing table …"), ``by`` tells one from another — its
    ``name``, its ``caption``, or its ``position`` among the blocks of its kind in its section.

    A kind of block is declared once, as a field of :class:`Block` (its model, its docstring, and this
    mark when readers are told of its changes); its markup is ``theme/templates/blocks/<kind>.md.j2``.
    The kinds, their dispatch, the update marks' regions and labels and the clinical diff's names are
    derived from that declaration."""

    label: str
    by: Literal["name", "caption", "position"] = "name"


class Block(Strict):
    """One block of a section: exactly one of the kinds below (each field is a kind)."""

    prose: Wording | None = None
    """A paragraph or more of Markdown."""
    list: ItemList | None = None
    """A bulleted list."""
    numbered: ItemList | None = None
    """A numbered list."""
    regimen: Annotated[Regimen | None, Marked("regimen")] = None
    """A treatment regimen."""
    recommendation: Annotated[Recommendation | None, Marked("recommendation", "position")] = None
    """A graded recommendation."""
    dosing: Annotated[Dosing | None, Marked("dosing table")] = None
    """Complete doses of any drug (amount, basis, frequency, maximum, duration, route), as a table."""
    warning: Warning | None = None
    """A boxed warning, contraindication or caution, as a callout."""
    key_points: KeyPoints | None = None
    """Up to seven key points, shown as a boxed list (Markdown, citations allowed)."""
    table: Annotated[Table | None, Marked("table", "caption")] = None
    """A table with a caption, columns (with units), rows (each with its citations) and notes."""
    figure: Figure | None = None
    """An image stored with the article, with alt text, caption, source and licence."""
    algorithm: Annotated[Algorithm | None, Marked("algorithm")] = None
    """A decision algorithm (condition → action → next step), as a numbered list and a diagram."""

    @model_validator(mode="before")
    @classmethod
    def _exactly_one(cls, data: Any) -> Any:
        if isinstance(data, dict):
            empty = [k for k in BLOCK_KINDS if k in data and data[k] is None]
            if empty:  # "- regimen:" with nothing under it
                raise ValueError(f"expected the content of the {empty[0]} block under '{empty[0]}:'; got nothing")
            kinds = [k for k in BLOCK_KINDS if k in data]
            if len(kinds) > 1:
                raise ValueError(f"expected exactly one of {', '.join(BLOCK_KINDS)} in a block; got {', '.join(kinds)}")
            if not kinds and not (set(data) - set(BLOCK_KINDS)):
                raise ValueError(f"expected one of {', '.join(BLOCK_KINDS)}; got an empty block")
        return data

    @property
    def kind(self) -> str:
        return next(k for k in BLOCK_KINDS if getattr(self, k) is not None)


BLOCK_KINDS = tuple(Block.model_fields)
"""Every kind of block, in the order the model declares them (a block's fields are its kinds and nothing else)."""

MARKED_KINDS: dict[str, Marked] = {
    name: mark for name, info in Block.model_fields.items() for mark in info.metadata if isinstance(mark, Marked)}
"""The kinds of block whose changes readers are shown, with how (from their declaration in :class:`Block`)."""


class Section(Strict):
    """A titled part of the answer."""

    heading: PlainWording
    """Section heading (an ``h2`` and an anchor): one text for every reader, or one per audience
    that reads the section (``{clinician: Second-line therapy, patient: If the cancer grows again}``)."""
    audiences: list[Slug] | None = None
    """Show this section only to these audiences (default: every audience of the article)."""
    blocks: Annotated[list[Block], Field(min_length=1)]
    """The content, in order."""

    @property
    def label(self) -> str:
        """The heading as the section's first reader reads it: what names the section in update marks,
        the clinical diff and its anchor (the article keeps each heading in the order of its audiences)."""
        return next(iter(self.heading.values()))


class Notice(Strict):
    """An erratum, retraction or expression of concern about a cited source."""

    kind: Literal["erratum", "retraction", "expression of concern"]
    """What was published about the source."""
    text: Text
    """What it says, in a sentence: ``Corrects the dosing table (amoxicillin-clavulanate).``"""
    year: Annotated[int, Field(ge=1800, le=2100)] | None = None
    """Year of the notice."""
    doi: Doi | None = None
    """The notice's own DOI."""


class Reference(Strict):
    """A source the article cites as ``[@key]``."""

    key: CitationKey
    """The key used in citations."""
    authors: Annotated[list[Text], Field(min_length=1)]
    """Authors as ``Surname AB``; end with ``et al.`` when the list is cut."""
    title: Text
    """Title of the work."""
    journal: Text | None = None
    """Journal (abbreviated as in PubMed) — or give publisher."""
    publisher: Text | None = None
    """Publisher, for labels, guidelines and books."""
    year: Annotated[int, Field(ge=1800, le=2100)] | None = None
    """Year of publication; leave it out for an undated document (a web page) and give ``accessed``."""
    accessed: date | None = None
    """When an undated or changing web source was read (YYYY-MM-DD): shown as "accessed …"."""
    code: Text | None = None
    """A guideline's or label's own code: ``NG136``."""
    edition: Text | None = None
    """Version or edition of a guideline or label: ``updated 2023``, ``version 2.2024``."""
    volume: NumberLike | None = None
    """Journal volume."""
    issue: NumberLike | None = None
    """Journal issue."""
    pages: NumberLike | None = None
    """Pages or article number: ``734-743``."""
    pmid: Pmid | None = None
    """PubMed identifier (digits)."""
    pmcid: Pmcid | None = None
    """PubMed Central identifier (``PMC…``)."""
    doi: Doi | None = None
    """DOI, without ``https://doi.org/``."""
    nct: Nct | None = None
    """ClinicalTrials.gov number (``NCT`` and 8 digits)."""
    url: WebUrl | None = None
    """Web address, for sources with no identifier."""
    notices: list[Notice] = []
    """Errata, retractions and expressions of concern published about this source, shown with it."""

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(("journal", "publisher"), lambda r: None if r.journal or r.publisher else "expected a journal or a publisher; got neither"),
        Rule(("year", "accessed"), lambda r: None if r.year or r.accessed
             else "expected a year of publication, or (for an undated document) the date it was accessed; got neither"),
    )


class Approval(Strict):
    """A reviewer's sign-off."""

    reviewer: Slug
    """Reviewer id from site_config/reviewers.yaml."""
    date: date
    """Date of approval (YYYY-MM-DD)."""
    content: Annotated[str, Field(pattern=CONTENT_HASH_PATTERN)] | None = None
    """Hash of everything the reviewer vouches for (the content and the review block, except the
    status, the version and the approvals), written by ``guidesite approve``.  When any of it
    changes afterwards, the approval is stale."""
    coi: Text | None = None
    """The reviewer's declaration of conflicts of interest for this article (``none`` allowed), shown beside their name."""
    signature: Annotated[str, Field(pattern=SIGNATURE_PATTERN)] | None = None
    """The reviewer's SSH signature (SSHSIG, namespace ``guidesite-approval@v1``) of the approval statement:
    article, version, content hash, reviewer, date, declaration.  Without one that verifies against the
    registry's key, the approval counts nowhere."""
    signed_by: Slug | None = None
    """For an approval given as a GitHub pull-request review: id of the registry's bot entry whose key signed it."""
    github_review: WebUrl | None = None
    """For an approval given as a GitHub pull-request review: the review's address."""


class Review(Strict):
    """Editorial workflow metadata."""

    status: Status
    """draft, submitted, under_review, approved or retired."""
    author: Text
    """Who wrote the article."""
    created: date
    """Date first written (YYYY-MM-DD)."""
    updated: date
    """Date of the last change to the medical content (shown as 'Last updated')."""
    next_review: date
    """Date by which the article must be reviewed again."""
    literature_through: date | None = None
    """The date the literature search behind this version covers (shown as "Literature reviewed through")."""
    version: PositiveInt = 1
    """Content version, raised with each approved change."""
    changes: Text | None = None
    """What changed in this version, in a sentence or two (shown in the version list and the feed)."""
    change_kind: Literal["update", "correction"] | None = None
    """Whether this version is an update (new evidence or advice; the default) or a correction (an error put right)."""
    approvals: list[Approval] = []
    """Sign-offs by reviewers of the registry."""
    replaced_by: Slug | None = None
    """For a retired article: id of the article that replaces it."""
    retired_reason: Text | None = None
    """For a retired article: why it was retired, shown to readers (retiring is reviewed like publishing)."""

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(("created", "updated", "next_review"), lambda r: _dates_in_order(r)),
        Rule(("updated", "literature_through"), lambda r: f"expected literature_through ({r.literature_through}) on or before updated ({r.updated})"
             if r.literature_through and r.updated and r.literature_through > r.updated else None),
    )


def _dates_in_order(review: "Review") -> str | None:
    if review.created and review.updated and review.updated < review.created:
        return f"expected updated ({review.updated}) on or after created ({review.created})"
    if review.updated and review.next_review and review.next_review <= review.updated:
        return f"expected next_review ({review.next_review}) after updated ({review.updated})"
    return None


MODEL_VERSION = 2
"""The version of the article model this guidesite reads.  A file names the version it is written for
(``model: 2``); one without it is read as model 1.  Older files are read through
``model/upgrade.py`` and rewritten by ``guidesite migrate``; the CHANGELOG says what each version changed."""


class Article(Strict):
    """A clinical question and its answer.  File: ``content/<specialty>/<id>.yaml``."""

    id: Slug
    """Kebab-case identifier; equals the file name without ``.yaml``."""
    model: Literal[2] = MODEL_VERSION
    """The version of guidesite's article model the file is written for (``guidesite new`` and
    ``guidesite migrate`` write it; a file without it is read as model 1)."""
    title: Annotated[Text, Field(pattern=QUESTION_PATTERN)]
    """The clinical question, ending with a question mark."""
    specialty: Slug
    """Specialty id from site_config/specialties.yaml; equals the folder name."""
    tags: list[Slug] = []
    """Tags from site_config/tags.yaml."""
    audiences: Annotated[list[Slug], Field(min_length=1)] = ["clinician"]
    """Audiences served, first is the default (site_config/site.yaml lists them)."""
    summary: Wording
    """The bottom-line answer, shown first."""
    sections: Annotated[list[Section], Field(min_length=1)]
    """The body of the answer."""
    references: list[Reference] = []
    """Sources, each cited at least once."""
    glossary: dict[Abbreviation, Text] = {}
    """Abbreviations the article uses and what they stand for (``MRSA: methicillin-resistant
    Staphylococcus aureus``): every use on the page is marked up as an abbreviation with its
    expansion, and the page lists them."""
    see_also: list[Slug] = []
    """Ids of related articles."""
    disclaimer: Slug = "standard"
    """Disclaimer set from site_config/disclaimers.yaml."""
    review: Review
    """Editorial workflow metadata."""

    @model_validator(mode="before")
    @classmethod
    def _headings_in_audience_order(cls, data: Any) -> Any:
        """Each section's per-audience heading in the order of the article's audiences, so the first
        is always the first reader's (``Section.label``) however the author ordered them."""
        if not isinstance(data, dict) or not isinstance(data.get("audiences", ["clinician"]), list) or not isinstance(data.get("sections"), list):
            return data
        order = {a: i for i, a in enumerate(data.get("audiences", ["clinician"])) if isinstance(a, str)}
        sections = []
        for section in data["sections"]:
            heading = section.get("heading") if isinstance(section, dict) else None
            if isinstance(heading, dict) and len(heading) > 1:
                section = {**section, "heading": dict(sorted(heading.items(), key=lambda kv: order.get(kv[0], len(order))))}
            sections.append(section)
        return {**data, "sections": sections}
