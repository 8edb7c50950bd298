"""The site configuration model (``site_config/``)."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, PrivateAttr, model_validator

from .fields import Rule, Slug, Strict, Text, WebUrl, _https_only


def _ssh_key(value: str) -> str:
    from ..signing import public_key_problem

    problem = public_key_problem(value)
    if problem:
        raise ValueError(problem)
    return " ".join(value.split()[:2])  # the comment is not part of the key


SshKey = Annotated[str, AfterValidator(_ssh_key)]
"""A public SSH key: ``ssh-ed25519 AAAA… [comment]``."""


class Audience(Strict):
    """A kind of reader the site writes for."""

    id: Slug
    """Key used in articles: ``clinician``."""
    label: Text
    """What the reader picks: ``Healthcare professional``."""
    plain_language: bool = False
    """Readers without clinical training: evidence badges use each grade's plain words."""


class CallToAction(Strict):
    """The follow-up block at the end of every article."""

    heading: Text
    text: Text
    link_label: Text
    link: Annotated[str, Field(pattern=r"^(https?://[^\s\\]+|mailto:[^\s\\]+|/([^/\s\\][^\s\\]*)?)$")]
    """Where the follow-up question goes: an address, a mailto: link or a site path."""


def _contact(value: str) -> str:
    if "@" in value and " " not in value.strip() and not re.fullmatch(r"[^@\s<>\"'`\\]+@[^@\s<>\"'`\\]+\.[^@\s<>\"'`\\]+", value):
        raise ValueError(f"expected an e-mail address (name@example.org) or a postal address; got '{value[:60]}'")
    return value


SiteLink = Annotated[str, Field(pattern=r"^(https?://[^\s\\<>\"'`]+|/([^/\s\\<>\"'`][^\s\\<>\"'`]*)?)$"), AfterValidator(
    lambda value: _https_only(value) if not value.startswith("/") else value)]
"""An http(s) address or a path of the site (``/editorial-policy/``)."""


class Publisher(Strict):
    """Who publishes the site: named in page metadata and, with the rest, in every page's footer."""

    name: Text
    url: WebUrl | None = None
    """The publisher's own address (the footer links its name there)."""
    contact: Annotated[Text, AfterValidator(_contact)] | None = None
    """How readers reach the publisher: an e-mail address (shown as a mailto: link) or a postal address."""
    privacy: SiteLink | None = None
    """The privacy notice: an address or a path of the site."""
    terms: SiteLink | None = None
    """The terms of use: an address or a path of the site."""
    funding: Text | None = None
    """Plain-text statement of who funds the publisher."""
    independence: Text | None = None
    """Plain-text statement of editorial independence from the funders."""

    @property
    def contact_email(self) -> str | None:
        """The contact as an e-mail address, if it is one."""
        return self.contact if self.contact and "@" in self.contact and " " not in self.contact.strip() else None

    def footer(self) -> dict[str, str]:
        """What every page's footer shows (theme/overrides/partials/footer.html), as plain strings."""
        data = self.model_dump(mode="json", exclude_none=True)
        if self.contact_email:
            data["email"] = self.contact_email
        return data


class ReviewRules(Strict):
    """How an article becomes approved."""

    since: date | None = None
    """First day these rules apply.  With several rule sets (a list), each approval is judged by the set
    in force on its date: raising a requirement does not re-judge what was approved before."""

    approvals_required: Annotated[int, Field(ge=1, le=10)] = 1
    """Current approvals, by reviewers covering the article's specialty, needed for 'approved'."""
    author_may_approve: bool = False
    """Whether an article's author may approve it."""
    review_cycle_months: Annotated[int, Field(ge=1, le=60)] = 12
    """An approved article is due for review this many months after its last approval: ``approve`` and
    ``check`` refuse an approval whose article's ``next_review`` lies later than that."""
    pending_edits: Literal["keep_approved", "publish_with_banner"] = "keep_approved"
    """While an edit of an approved article awaits approval: keep_approved shows readers the last approved
    version (with a note that an update is under review); publish_with_banner publishes the edit under
    the pending-review banner."""
    site_approvals_required: Annotated[int, Field(ge=1, le=10)] = 1
    """Signed approvals by editors needed for a change to site_config/ (rules, registry, legends, texts)."""
    attribution: Literal["typed", "provable"] = "typed"
    """How ``guidesite check`` knows who wrote a change (a reviewer may not approve what they wrote).
    Either way, a commit that changed an article is a reviewer's when git's author or committer e-mail
    is theirs, when it is SSH-signed with their key in the registry, or when GitHub attributes it to
    their account (``check --pr-commits``).  typed: nothing more (a name and e-mail typed into git
    hide who wrote it).  provable: each such commit must also be attributed by what cannot be typed
    in (signed with a key in the registry, or a signature GitHub verified), or ``check`` refuses it."""

    def review_due_by(self, approved: date) -> date:
        """The latest ``next_review`` an approval of ``approved`` allows: ``review_cycle_months`` calendar months
        later (the month's last day where it is shorter)."""
        year, month = divmod(approved.month - 1 + self.review_cycle_months, 12)
        year, month = approved.year + year, month + 1
        return date(year, month, min(approved.day, calendar.monthrange(year, month)[1]))


class Publishing(Strict):
    """How published editions are named (``guidesite publish``)."""

    edition: Annotated[str, Field(min_length=1)] = "%Y.%m.%d"
    """Edition name when none is given: a strftime pattern applied to the build date."""
    alias: Slug = "latest"
    """Alias that always points at the newest edition; the site root redirects to it."""


class Settings(Strict):
    """``site_config/site.yaml``."""

    publisher: Publisher
    """Who publishes the guidance (used in page metadata)."""
    audiences: Annotated[list[Audience], Field(min_length=1)]
    """Audiences in order; the first is the default."""
    audience_question: Text = "Which best describes you?"
    audience_explanation: Text | None = "Your choice changes how the page is worded, so that it is easiest for you to understand."
    """One line under the audience question, saying what the choice does (none: no line)."""
    """The question above the audience switch."""
    call_to_action: CallToAction
    board_blurb: Text
    """One line under the advisory board badge."""
    recent_count: Annotated[int, Field(ge=1, le=50)] = 5
    """How many recent updates the home page lists."""
    review_rules: ReviewRules | Annotated[list[ReviewRules], Field(min_length=1)] = ReviewRules()
    """Approval rules checked by ``guidesite check`` and ``guidesite approve``: one set, or a list of
    sets each with the date it applies ``since``."""
    publishing: Publishing = Publishing()
    """Edition naming for ``guidesite publish``."""
    engine: Literal["mkdocs", "zensical"] = "mkdocs"
    """What turns the Markdown into HTML: mkdocs (MkDocs with Material, the default) or zensical
    (Material's successor; experimental). ``guidesite build --engine`` overrides it."""
    ungraded_recommendations: bool = False
    """Whether a recommendation may stand without an evidence grade (its wording alone, as in NICE
    guidelines); by default every recommendation names at least one grade of grading.yaml."""

    def rules_on(self, day: date | None = None) -> ReviewRules:
        """The rule set in force on ``day`` (None: the newest)."""
        return rules_in_force(self.review_rules, day)


RuleSets = ReviewRules | list[ReviewRules]
"""``review_rules`` as site.yaml writes it: one set, or a list of sets each with its ``since``."""


def rules_in_force(review_rules: RuleSets, day: date | None = None) -> ReviewRules:
    """The set of ``review_rules`` in force on ``day`` (None: the newest)."""
    sets = sorted(review_rules if isinstance(review_rules, list) else [review_rules], key=lambda r: r.since or date.min)
    chosen = sets[0]
    for rules in sets:
        if day is None or (rules.since or date.min) <= day:
            chosen = rules
    return chosen


def signature_key(signature: str | bytes | None) -> str | None:
    """An approval's signature as history is searched for it: the armored body without its whitespace
    (however the YAML folded or indented it)."""
    if not signature:
        return None
    text = signature.decode("ascii", "replace") if isinstance(signature, bytes) else signature
    text = text.replace("-----BEGIN SSH SIGNATURE-----", "").replace("-----END SSH SIGNATURE-----", "").replace("\\n", "")
    return "".join(text.split()) or None


class Specialty(Strict):
    id: Slug
    name: Text
    description: Text


class Reviewer(Strict):
    """A member of the medical advisory board."""

    id: Slug
    name: Text
    credentials: Text
    """Degrees and roles: ``MD, gynecologic oncologist``."""
    specialties: list[Slug] = []
    """Specialties whose articles the member may approve (at least one, except for a bot)."""
    disclosures: Text
    """Conflicts of interest, or ``None declared``."""
    github: Annotated[str, Field(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")] | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    signing_key: SshKey | None = None
    """The public SSH key the member signs approvals with: ``ssh-ed25519 AAAA…`` (their ~/.ssh/id_ed25519.pub)."""
    roles: Annotated[list[Literal["reviewer", "editor", "bot"]], Field(min_length=1)] = ["reviewer"]
    """reviewer: approves articles of their specialties; editor: also approves changes to site_config/;
    bot: the publisher's key that signs approvals given as GitHub reviews (not a board member)."""
    active_from: date | None = None
    """First day on the board; approvals dated earlier do not count."""
    active_until: date | None = None
    """Last day on the board (keep the entry when a member leaves: their past approvals stay valid)."""
    example: bool = False
    """True for fictional sample reviewers; the board page marks them as examples."""

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(("specialties", "roles"), lambda r: None if r.specialties or "bot" in (r.roles or []) else "expected at least one specialty for a board member; got none"),
        Rule(("active_from", "active_until"), lambda r: f"expected active_until ({r.active_until}) on or after active_from ({r.active_from})"
             if r.active_from and r.active_until and r.active_until < r.active_from else None),
    )

    def active_on(self, day: date) -> bool:
        """Whether ``day`` falls within the member's term."""
        return (self.active_from is None or day >= self.active_from) and (self.active_until is None or day <= self.active_until)

    @property
    def is_bot(self) -> bool:
        return "bot" in self.roles


class Tag(Strict):
    id: Slug
    label: Text


class GradeMeaning(Strict):
    """One value of a grading system's field: what it means and how a page words it."""

    meaning: Text
    """The legend's one-line explanation."""
    label: Text | None = None
    """Words on the badge: ``strong recommendation``, ``category 2A`` (default: the value itself)."""
    plain: Text | None = None
    """The same in plain language, for audiences marked ``plain_language`` in site.yaml:
    ``strongly recommended``."""
    phrases: list[Text] = []
    """How a recommendation's text states this value (``we recommend``): a recommendation whose text
    uses another value's phrase and none of its own is refused."""
    also: list[Text] = []
    """Other words bodies write for this value, accepted as written and shown as this value:
    ``weak`` (the Surviving Sepsis Campaign's word for a conditional recommendation)."""

    shorthand: ClassVar[str] = "meaning"

    @model_validator(mode="before")
    @classmethod
    def _from_meaning(cls, data: Any) -> Any:
        return {cls.shorthand: data} if isinstance(data, str) else data


class GradeField(Strict):
    """One field of a grading system (GRADE's ``certainty``), with its allowed values."""

    name: Text | None = None
    """Heading in the legend: ``Certainty of evidence`` (default: the field's id)."""
    required: bool = True
    """Whether every grade of the system must give this field."""
    values: Annotated[dict[Annotated[str, Field(min_length=1, max_length=60)], GradeMeaning], Field(min_length=1)]
    """Each allowed value with its meaning, in order (strongest first)."""
    also: list[Text] = []
    """Other names bodies give this field: ``quality of evidence`` for GRADE's certainty."""

    def value_named(self, written: str) -> str | None:
        """The value ``written`` stands for (itself, or a value it is another word for), or None."""
        if written in self.values:
            return written
        folded = written.casefold()
        return next((value for value, meaning in self.values.items()
                     if value.casefold() == folded or any(word.casefold() == folded for word in meaning.also)), None)


class GradingSystem(Strict):
    """A grading system articles may cite: its fields, their values and how badges word them."""

    name: Text
    """Display name: ``NCCN Categories of Evidence and Consensus``."""
    badge: Text
    """Short name that starts every badge of the system: ``GRADE``, ``NCCN``."""
    source: Text
    """Where the definitions come from."""
    fields: Annotated[dict[Slug, GradeField], Field(min_length=1)]
    """The system's fields, in the order a badge reads them."""
    statements: dict[Annotated[str, Field(min_length=1, max_length=60)], GradeMeaning] = {}
    """Kinds of statement the body issues without a grade (``best practice statement``): a grade
    ``{system: grade, statement: best practice statement}`` gives no other field and shows as such."""

    def field_named(self, written: str) -> str | None:
        """The field ``written`` names (its id, or another name of it), or None."""
        if written in self.fields:
            return written
        folded = written.casefold()
        return next((name for name, field in self.fields.items() if any(word.casefold() == folded for word in field.also)), None)

    def statement_named(self, written: str) -> str | None:
        folded = written.casefold()
        return next((kind for kind, meaning in self.statements.items()
                     if kind.casefold() == folded or any(word.casefold() == folded for word in meaning.also)), None)

    def canonical(self, values: dict[str, str]) -> dict[str, str]:
        """A grade's fields and values as this system names them (``quality of evidence: moderate`` is
        ``certainty: moderate``; ``strength: weak`` is ``strength: conditional``); what it does not
        know is left as written (validation reports it)."""
        out = {}
        for written, value in values.items():
            name = self.field_named(written) or written
            field = self.fields.get(name)
            out[name] = (field.value_named(value) or value) if field is not None else value
        return out

    def badge_text(self, values: dict[str, str], plain: bool = False, statement: str | None = None) -> str:
        """``GRADE strong recommendation, moderate certainty`` (plain: the plain-language words); an
        ungraded statement reads as its kind (``GRADE best practice statement``)."""
        if statement is not None and self.statement_named(statement):
            meaning = self.statements[self.statement_named(statement)]
            text = (meaning.plain if plain and meaning.plain else meaning.label) or self.statement_named(statement)
            return text[:1].upper() + text[1:] if plain else f"{self.badge} {text}"
        values = self.canonical(values)
        words = []
        for name, field in self.fields.items():
            if name in values and values[name] in field.values:
                meaning = field.values[values[name]]
                words.append((meaning.plain if plain and meaning.plain else meaning.label) or values[name])
        if plain:
            text = ", ".join(words)
            return text[:1].upper() + text[1:]
        return f"{self.badge} " + ", ".join(words)


class SiteConfig(Strict):
    """Everything in ``site_config/``, validated together."""

    settings: Settings
    specialties: list[Specialty]
    reviewers: list[Reviewer]
    tags: list[Tag]
    disclaimers: dict[Slug, dict[Slug, Text]]
    """Disclaimer sets by key, each with one text per audience."""
    grading: dict[str, GradingSystem]
    editorial_policy: str
    """Markdown of the editorial policy page."""

    _recorded_rules: dict[str, RuleSets] = PrivateAttr(default_factory=dict)
    """The ``review_rules`` of site.yaml at the commit that first recorded each approval (by
    :func:`signature_key`), read from history by the versions stage (``versions.recorded_rules``)."""

    def record_rules(self, recorded: dict[str, RuleSets]) -> None:
        """Judge committed approvals by the rules of the commit that recorded them (see :meth:`rules_for`)."""
        self._recorded_rules = recorded

    def rules_for(self, approvals: list[Any]) -> ReviewRules:
        """The rules the approvals of one content are judged by: the set in force on the newest one's
        date, as the site configuration stood at the commit that recorded that approval, so that no later
        edit of site_config/ re-judges it (this configuration's for an approval not committed yet)."""
        if not approvals:
            return self.settings.rules_on()
        day = max(a.date for a in approvals)
        newest = [a for a in approvals if a.date == day]
        recorded = [self._recorded_rules.get(signature_key(a.signature) or "") for a in newest]
        # Of approvals of the same day, one not yet committed (None) is judged by this configuration.
        sets = self.settings.review_rules if any(r is None for r in recorded) else recorded[-1]
        return rules_in_force(sets, day)

    def specialty(self, id: str) -> Specialty:
        return next(s for s in self.specialties if s.id == id)

    def reviewer(self, id: str) -> Reviewer:
        return next(r for r in self.reviewers if r.id == id)

    @property
    def default_audience(self) -> str:
        return self.settings.audiences[0].id
