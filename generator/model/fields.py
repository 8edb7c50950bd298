"""Field kinds of the article model, one class or type per kind.

Each kind knows how to turn what an author writes into a typed value and how
to refuse anything else with a message that says what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from ..site_pages import page_names

PATTERN_DESCRIPTIONS: dict[str, str] = {}
"""What each identifier pattern below expects, as a message says it to authors:
``expected <description>; got …`` (a pattern without one is shown as a regular expression)."""


def _described(pattern: str, description: str) -> str:
    """``pattern``, with ``description`` recorded as what it expects."""
    PATTERN_DESCRIPTIONS[pattern] = description
    return pattern


SLUG_PATTERN = _described(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "lower-case words joined by hyphens, such as 'cervical-cancer'")
KEY_PATTERN = _described(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", "a key of lower-case letters and digits joined by '-' or '_', such as 'tewari-2014'")
PMID_PATTERN = _described(r"^[1-9][0-9]{0,8}$", "a PMID of 1 to 9 digits, such as 24552320")
PMCID_PATTERN = _described(r"^PMC[0-9]{4,9}$", "a PMCID such as PMC4010094")
DOI_PATTERN = _described(r"^10\.[0-9]{4,9}/[^\s]+$", "a DOI such as 10.1056/NEJMoa1309748 (no https://doi.org/ prefix)")
NCT_PATTERN = _described(r"^NCT[0-9]{8}$", "an NCT number: NCT and 8 digits")
QUESTION_PATTERN = _described(r"\?$", "a question ending with '?'")
SIGNATURE_PATTERN = _described(r"^-----BEGIN SSH SIGNATURE-----\n[A-Za-z0-9+/=\n]+\n-----END SSH SIGNATURE-----$",
                              "an SSH signature as written by 'guidesite approve' (-----BEGIN SSH SIGNATURE----- … -----END SSH SIGNATURE-----)")
CONTENT_HASH_PATTERN = _described(r"^sha256:[0-9a-f]{64}$", "a content hash as written by 'guidesite approve' (sha256: and 64 hex digits)")

RESERVED_NAMES = page_names()
"""Names of the site's own pages and folders (the pages ``site_pages.py`` declares; Material and
Pagefind add ``assets/``, ``pagefind/``; publishing adds ``versions.json`` and aliases).  A specialty
or an article with one of these ids would take its address."""


@dataclass(frozen=True)
class Rule:
    """A check across several fields of one model (``updated`` before ``next_review``).

    Declared apart from pydantic's validators so that it can also run on what
    could be read of a refused model (validate/partial.py): there it runs only
    when none of the fields it ``reads`` was refused, so it never reports a
    consequence of another problem.
    """

    reads: tuple[str, ...]
    check: Callable[[Any], str | None]
    """The problem's message, or None; on a partial model, a field not given is its default."""


class Strict(BaseModel):
    """Base for every model: unknown fields are errors, values are immutable, rules hold."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True, defer_build=True)

    rules: ClassVar[tuple[Rule, ...]] = ()
    """Checks across fields, run after the fields are valid."""

    shorthand: ClassVar[str | None] = None
    """The field that a bare string written where this model is expected stands for (a list
    item written as text is its ``text``); None when the model is always written as a mapping."""

    @model_validator(mode="after")
    def _rules_hold(self) -> Any:
        for rule in type(self).rules:
            found = rule.check(self)
            if found:
                raise ValueError(found)
        return self


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
"""Lower-case kebab-case identifier used in URLs: ``recurrent-cervical-cancer``."""

CitationKey = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=60)]
"""Key of a reference, cited in text as ``[@key]``: ``gog240-2014``."""


class PlainText:
    """Marker in a field's type: the field holds plain text that readers see.

    Validation reads these texts as written (validate/text.py): no character
    references, and no HTML in the page title, which the theme prints unescaped.
    """


Text = Annotated[str, StringConstraints(min_length=1), PlainText()]
"""Non-empty text (Markdown allowed where the field says so)."""


def _number_to_text(value: Any) -> Any:
    # Volumes, issues and identifiers are often written as bare numbers.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


NumberLike = Annotated[
    str,
    BeforeValidator(_number_to_text),
    StringConstraints(min_length=1),
    PlainText(),
    WithJsonSchema({"type": ["string", "integer"]}),
]
"""Text that authors may write as a bare whole number (volume 370, issue 8)."""

Pmid = Annotated[
    str,
    BeforeValidator(_number_to_text),
    StringConstraints(pattern=PMID_PATTERN),
    WithJsonSchema({"type": ["string", "integer"], "description": "PubMed identifier: digits only"}),
]
"""PubMed identifier: 1–9 digits, e.g. ``24552320``."""

Pmcid = Annotated[str, StringConstraints(pattern=PMCID_PATTERN)]
"""PubMed Central identifier, e.g. ``PMC4010094``."""

_LINK_BREAKERS = re.compile(r"[\s<>\"`\\]")
"""Characters that end or escape a Markdown link target, or open an HTML tag."""


def _balanced(value: str) -> bool:
    depth = 0
    for char in value:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _link_safe(what: str):
    """A value that becomes part of a link: nothing that could end the link or start markup."""

    def check(value: str) -> str:
        if _LINK_BREAKERS.search(value) or not _balanced(value):
            raise ValueError(
                f"expected {what} without spaces, quotes, angle brackets or backslashes, and with balanced "
                f"parentheses (percent-encode the rest, e.g. < as %3C); got '{value[:60]}'"
            )
        return value

    return AfterValidator(check)


Doi = Annotated[str, StringConstraints(pattern=DOI_PATTERN), _link_safe("a DOI")]
"""Digital Object Identifier without the resolver, e.g. ``10.1056/NEJMoa1309748``."""

Nct = Annotated[str, StringConstraints(pattern=NCT_PATTERN)]
"""ClinicalTrials.gov registration number, e.g. ``NCT00803062``."""


def _https_only(value: str) -> str:
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
        raise ValueError(f"expected an http:// or https:// address; got '{value[:60]}'")
    if user_info(value):
        raise ValueError(f"expected an address without a user name before the host (a phishing pattern: the host is what follows '@'); got '{value[:60]}'")
    return value


def user_info(url: str) -> str | None:
    """The ``user[:password]@`` part of an address's authority, if any: ``https://nih.gov@evil.example/``
    leads to evil.example while reading as nih.gov."""
    authority = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)", url)
    if authority and "@" in authority.group(1):
        return authority.group(1).rpartition("@")[0]
    return None


WebUrl = Annotated[str, AfterValidator(_https_only), _link_safe("an address")]
"""An http(s) address."""


class MarkdownText:
    """Marker in a field's type: the field holds author Markdown (``Wording``)."""


def _wording(value: Any) -> Any:
    if isinstance(value, str):
        return {"all": value}
    if isinstance(value, dict) and value:
        if "all" in value and len(value) > 1:
            others = ", ".join(str(k) for k in value if k != "all")
            raise ValueError(f"expected one text for every audience (all) or one wording per audience; got all beside {others} (all would replace them)")
        return value
    raise ValueError(f"expected text, or a mapping of audience to text; got {describe(value)}")


def _per_audience_schema(what: str) -> WithJsonSchema:
    """What editors are offered for a text worded per audience: one string, or a mapping of audience to its text."""
    return WithJsonSchema({
        "description": f"{what} for every audience, or a mapping of audience to its own wording",
        "oneOf": [
            {"type": "string", "minLength": 1},
            {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}, "minProperties": 1},
        ],
    })


Wording = Annotated[dict[str, Text], MarkdownText(), BeforeValidator(_wording), _per_audience_schema("Markdown text")]
"""Markdown with ``[@key]`` citations: one text for every audience (``all``),
or one wording per audience key (``clinician: …``, ``patient: …``)."""

PlainWording = Annotated[dict[str, Text], BeforeValidator(_wording), _per_audience_schema("Plain text")]
"""Plain text (a heading, a population) for every audience (``all``), or one wording per audience
(``{clinician: Second-line therapy, patient: If the cancer grows again}``), written like a ``Wording``."""


def describe(value: Any) -> str:
    """How a found value is named in messages: kind and value."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float, Decimal)):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"'{shown}'"
    if isinstance(value, (date,)):
        return f"date {value.isoformat()}"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, dict):
        return "a mapping" + (f" with keys {', '.join(map(str, list(value)[:5]))}" if value else " with no keys")
    return type(value).__name__


# --- doses -----------------------------------------------------------------

DoseUnit = Literal["mg/m2", "mg/kg", "mg", "g/m2", "g", "mcg/m2", "mcg/kg", "mcg", "units/m2", "units/kg", "units"]
"""Closed list of dose units.  Carboplatin's target AUC is not a unit: write ``AUC 5``."""

_UNIT_ALIASES = {"mg/m²": "mg/m2", "g/m²": "g/m2", "mcg/m²": "mcg/m2", "µg": "mcg", "µg/kg": "mcg/kg", "µg/m2": "mcg/m2"}
_DOSE_TEXT = re.compile(r"^(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>\S+)$")
_AUC_TEXT = re.compile(r"^AUC\s*(?P<auc>\d+(?:\.\d+)?)$", re.IGNORECASE)
UNIT_LIST = ", ".join(DoseUnit.__args__)


def _decimal(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


PositiveAmount = Annotated[Decimal, BeforeValidator(_decimal), Field(gt=0, allow_inf_nan=False)]


class Dose(Strict):
    """A dose: an amount with a unit (``50 mg/m2``) or a carboplatin target AUC (``AUC 5``).

    Written either as text, ``dose: 50 mg/m2`` / ``dose: AUC 5``, or as a
    mapping, ``dose: {value: 50, unit: mg/m2}`` / ``dose: {auc: 5}``.
    """

    value: PositiveAmount | None = None
    """The amount, a positive number."""
    unit: DoseUnit | None = None
    """Unit of the amount, from the closed list."""
    auc: PositiveAmount | None = None
    """Target area under the curve (mg/mL·min), used instead of value and unit."""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            text = data.strip()
            if m := _AUC_TEXT.match(text):
                return {"auc": m["auc"]}
            if m := _DOSE_TEXT.match(text):
                unit = _UNIT_ALIASES.get(m["unit"], m["unit"])
                if unit not in DoseUnit.__args__:
                    raise ValueError(f"expected a unit from {UNIT_LIST} (or 'AUC <number>'); got '{m['unit']}' in '{text}'")
                return {"value": m["value"], "unit": unit}
            raise ValueError(f"expected '<number> <unit>' with a unit from {UNIT_LIST}, or 'AUC <number>'; got '{text}'")
        if isinstance(data, dict) and isinstance(data.get("unit"), str):
            data = {**data, "unit": _UNIT_ALIASES.get(data["unit"], data["unit"])}
        return data

    @model_validator(mode="after")
    def _one_form(self) -> "Dose":
        amount = self.value is not None or self.unit is not None
        if amount and self.auc is not None:
            raise ValueError("expected either value and unit, or auc; got both")
        if not amount and self.auc is None:
            raise ValueError("expected value and unit, or auc; got neither")
        if amount and (self.value is None or self.unit is None):
            raise ValueError("expected both value and unit")
        return self

    def __str__(self) -> str:
        if self.auc is not None:
            return f"AUC {_plain(self.auc)}"
        unit = (self.unit or "").replace("m2", "m²")
        return f"{_plain(self.value)} {unit}"


def _plain(number: Decimal | None) -> str:
    text = format(number, "f") if number is not None else ""
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- durations --------------------------------------------------------------

_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>h|hr|hrs|hours?|min|mins|minutes?)$", re.IGNORECASE)


def _duration(value: Any) -> Any:
    if isinstance(value, str) and (m := _DURATION.match(value.strip())):
        n = Decimal(m["n"])
        minutes = n * 60 if m["unit"].lower().startswith("h") else n
        return int(minutes) if minutes == int(minutes) else value
    if isinstance(value, str):
        raise ValueError(f"expected a duration such as '3 h' or '30 min'; got '{value}'")
    raise ValueError(f"expected a duration such as '3 h' or '30 min'; got {describe(value)}")


Minutes = Annotated[
    int,
    BeforeValidator(_duration),
    Field(gt=0),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?\s*(h|hours?|min|minutes?)$", "description": "Duration, e.g. '3 h' or '30 min'"}),
]
"""Infusion time written as ``3 h`` or ``30 min``; held as minutes."""


def format_minutes(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{minutes} min"


# --- evidence grades ----------------------------------------------------------

def _grade_value(value: Any) -> Any:
    """An NCCN category written as a number (``1``) is the text ``"1"``."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


GradeValue = Annotated[str, BeforeValidator(_grade_value), StringConstraints(min_length=1, max_length=60)]
"""One value of a grading system's field: ``moderate``, ``2A``, ``offer``."""


class Evidence(BaseModel):
    """An evidence grade: ``system`` names a grading system of ``site_config/grading.yaml``;
    every other field is one of that system's fields, set to one of its values
    (``{system: grade, strength: strong, certainty: moderate}``).

    The systems, their fields and their values are configuration, not code: the
    checks against ``grading.yaml`` run with the other checks against the site
    (validate/article.py), and badges are worded from it.
    """

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True)
    __pydantic_extra__: dict[str, GradeValue]

    system: Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
    """The grading system's id in site_config/grading.yaml: ``grade``, ``nccn``, ``esmo``, ``nice``…"""
    statement: GradeValue | None = None
    """An ungraded statement of the system instead of a grade: ``best practice statement``."""
    population: Annotated[str, StringConstraints(min_length=1, max_length=120), PlainText()] | None = None
    """Whom this grade is for, when one recommendation is graded for several groups: ``adults``."""

    rules: ClassVar[tuple[Rule, ...]] = ()
    shorthand: ClassVar[str | None] = None

    @property
    def values(self) -> dict[str, str]:
        """Field → value, as written (every field but ``system``)."""
        return dict(self.__pydantic_extra__ or {})
