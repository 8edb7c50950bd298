"""Doses stated completely, for any drug: amount, basis, frequency, maximum, duration, route.

A chemotherapy regimen (``Regimen``) gives a dose per cycle day; everything
else a prescriber reads needs more: "45 mg/kg per dose twice daily
(90 mg/kg/day), max 2 g per dose, for 10 days".  Each part is its own field
kind with one parser; the rules of ``DrugDose`` refuse a dose that is
incomplete (given repeatedly with no frequency, per day with no division) or
inconsistent (a maximum below the dose, a unit the route cannot take).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, PositiveInt, WithJsonSchema

from .fields import CitationKey, Evidence, Minutes, Rule, Strict, Text, Wording

ROUTES = (
    "oral", "IV bolus", "IV infusion", "IM", "SC", "inhaled", "nebulised", "topical", "transdermal", "rectal",
    "vaginal", "sublingual", "buccal", "intranasal", "ophthalmic", "otic", "intravitreal", "intrathecal", "intraperitoneal",
)
Route = Literal[ROUTES]  # type: ignore[valid-type]
"""Where the drug is given, from a closed list."""

AMOUNT_UNITS = ("mg", "g", "mcg", "ng", "units", "million units", "mmol", "mEq", "mL",
                "drop", "puff", "tablet", "capsule", "sachet", "application", "patch")
"""Units an amount may have; mass, units, mmol, mEq and mL may also be per kg or per m²."""

SCALABLE = ("mg", "g", "mcg", "ng", "units", "million units", "mmol", "mEq", "mL")
"""Units that may be given per kg of body weight or per m² of body surface."""

_FORM_ROUTES = {
    "puff": {"inhaled"},
    "drop": {"ophthalmic", "otic", "intranasal", "oral"},
    "application": {"topical"},
    "patch": {"transdermal"},
    "tablet": {"oral", "sublingual", "buccal", "vaginal"},
    "capsule": {"oral", "vaginal"},
    "sachet": {"oral"},
}
"""Units that are dosage forms, and the only routes each can be given by."""

_MASS = {"ng": Decimal("0.000001"), "mcg": Decimal("0.001"), "mg": Decimal(1), "g": Decimal(1000)}
"""Mass units in mg, so that a maximum in g can be compared with a dose in mg."""

_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
_QUANTITY = re.compile(rf"^(?P<low>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<high>{_NUMBER}))?\s*(?P<unit>[A-Za-z][A-Za-z ]*?(?:/(?:kg|m2|m²))?)$")
_PLURALS = {"drops": "drop", "puffs": "puff", "tablets": "tablet", "capsules": "capsule", "sachets": "sachet",
            "applications": "application", "patches": "patch", "unit": "units", "ml": "mL", "meq": "mEq", "µg": "mcg", "ug": "mcg"}


def _unit(text: str) -> str | None:
    """The canonical unit for ``text`` (``mg/kg``, ``mcg/m2``, ``puff``), or None when it is not one we know."""
    base, _, scale = text.replace("²", "2").partition("/")
    base = _PLURALS.get(base.strip(), _PLURALS.get(base.strip().lower(), base.strip()))
    if base not in AMOUNT_UNITS or (scale and (scale not in ("kg", "m2") or base not in SCALABLE)):
        return None
    return f"{base}/{scale}" if scale else base


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"expected a number; got '{text}'") from exc
    if value <= 0:
        raise ValueError(f"expected a positive amount; got '{text}'")
    return value


def written_as_text(kind: Any, description: str) -> Any:
    """A field kind an author writes as one short text, parsed by the kind's ``parse`` (the JSON Schema
    offers editors the text form)."""
    return Annotated[kind, BeforeValidator(kind.parse), WithJsonSchema({"type": "string", "description": description})]


def number_text(value: Decimal) -> str:
    """``Decimal('45.0')`` → ``45``; ``Decimal('0.50')`` → ``0.5`` (never an exponent)."""
    text = format(value.normalize(), "f")
    return text


class Quantity(Strict):
    """An amount (one value or a range) with its unit: ``45 mg/kg``, ``80-90 mg/kg``, ``2 g``, ``1 puff``."""

    low: Decimal
    high: Decimal | None = None
    """Upper end of a range (``80-90``), else None."""
    unit: str

    @classmethod
    def parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = " ".join(value.split())
        match = _QUANTITY.match(text)
        if match is None:
            raise ValueError(f"expected an amount and a unit, such as '45 mg/kg', '80-90 mg/kg' or '2 g'; got '{text}'")
        unit = _unit(match["unit"])
        if unit is None:
            raise ValueError(f"expected a unit from {', '.join(AMOUNT_UNITS)} (mass, units, mmol, mEq and mL also per kg or per m2); "
                             f"got '{match['unit']}' in '{text}'")
        low = _decimal(match["low"])
        high = _decimal(match["high"]) if match["high"] else None
        if high is not None and high <= low:
            raise ValueError(f"expected a range from the lower to the higher amount; got '{text}'")
        return {"low": low, "high": high, "unit": unit}

    def __str__(self) -> str:
        amount = number_text(self.low) + (f"–{number_text(self.high)}" if self.high is not None else "")
        return f"{amount} {self.unit.replace('m2', 'm²')}"

    def times(self, factor: Decimal) -> "Quantity":
        return Quantity(low=self.low * factor, high=None if self.high is None else self.high * factor, unit=self.unit)

    def in_mg(self, value: Decimal) -> Decimal | None:
        """``value`` of this quantity's unit in mg, when it is a plain mass."""
        return value * _MASS[self.unit] if self.unit in _MASS else None



QuantityText = written_as_text(Quantity, "an amount (or a range a-b) and a unit: '45 mg/kg', '80-90 mg/kg/day' is written as '80-90 mg/kg' with per: day, '2 g'")


_TIMES_WORDS = {"once": 1, "twice": 2, "three times": 3, "four times": 4, "five times": 5, "six times": 6}


class Frequency(Strict):
    """How often a dose is given, as prescribers write it; ``per_day`` when that follows from it."""

    text: str
    per_day: Decimal | None = None
    """Doses in a day (``twice daily`` → 2, ``every 8 hours`` → 3); None for weekly, ranges, as needed, once."""
    single: bool = False
    """One dose only (``once``)."""

    @classmethod
    def parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = " ".join(value.split()).lower()
        if text in ("once", "single dose", "once only"):
            return {"text": "once", "single": True}
        if text in ("daily", "once daily", "once a day", "every day"):
            return {"text": "once daily", "per_day": 1}
        if text in ("at night", "at bedtime", "in the morning", "every morning", "every evening", "every night"):
            return {"text": text, "per_day": 1}
        if m := re.fullmatch(r"(once|twice|three times|four times|five times|six times|(\d+) times) (?:daily|a day)", text):
            count = int(m[2]) if m[2] else _TIMES_WORDS[m[1]]
            return {"text": f"{m[1]} daily", "per_day": count}
        if m := re.fullmatch(rf"every ({_NUMBER}) ?(?:h|hours?)", text):
            hours = _decimal(m[1])
            per_day = Decimal(24) / hours
            return {"text": f"every {number_text(hours)} hours", "per_day": per_day if per_day == per_day.to_integral_value() else None}
        if m := re.fullmatch(rf"every ({_NUMBER}) ?(?:-|–|to) ?({_NUMBER}) ?(?:h|hours?)", text):
            return {"text": f"every {number_text(_decimal(m[1]))}–{number_text(_decimal(m[2]))} hours"}
        if m := re.fullmatch(r"(?:once )?(weekly|monthly|every (\d+) (?:days|weeks|months))", text):
            return {"text": m[0]}
        if m := re.fullmatch(r"(?:as needed|when required|prn)(?: every (\d+) ?(?:h|hours?))?", text):
            return {"text": "as needed" + (f", at most every {m[1]} hours" if m[1] else "")}
        raise ValueError(
            "expected a frequency such as 'once', 'once daily', 'twice daily', '3 times daily', 'every 8 hours', "
            f"'every 4-6 hours', 'at night', 'weekly', 'every 2 weeks' or 'as needed'; got '{value}'")



FrequencyText = written_as_text(Frequency, "'once', 'once daily', 'twice daily', '3 times daily', 'every 8 hours', 'every 4-6 hours', 'at night', 'weekly', 'as needed'")


class Duration(Strict):
    """How long the drug is given: ``10 days``, ``5-7 days``, ``6 weeks``, ``until …``, ``continuous``."""

    text: str

    @classmethod
    def parse(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(f"expected a duration with its unit, such as '{value} days'; got the number {value}")
        if not isinstance(value, str):
            return value
        text = " ".join(value.split())
        if m := re.fullmatch(rf"({_NUMBER})(?: ?(?:-|–|to) ?({_NUMBER}))? (day|days|week|weeks|month|months)", text, re.IGNORECASE):
            low = number_text(_decimal(m[1]))
            span = f"{low}–{number_text(_decimal(m[2]))}" if m[2] else low
            unit = m[3].lower().rstrip("s")
            plural = "" if (span == "1") else "s"
            return {"text": f"{span} {unit}{plural}"}
        if text.lower() in ("continuous", "long term", "long-term", "ongoing"):
            return {"text": "continuous"}
        if re.match(r"(?i)until \S", text):
            return {"text": text[0].lower() + text[1:]}
        raise ValueError(f"expected a duration such as '10 days', '5-7 days', '6 weeks', 'until symptoms resolve' or 'continuous'; got '{value}'")



DurationText = written_as_text(Duration, "'10 days', '5-7 days', '6 weeks', 'until …', 'continuous'")


_BAND_UNITS = {"kg": ("weight", Decimal(1)), "months": ("age", Decimal(1)), "month": ("age", Decimal(1)),
               "years": ("age", Decimal(12)), "year": ("age", Decimal(12))}
_BAND_TEXT = re.compile(
    rf"^(?:(?P<kind>eGFR|CrCl) )?(?:(?P<low>{_NUMBER}) ?(?P<low_unit>kg|months?|years?)? ?(?:to|-|–) ?(?:under |<)? ?(?P<high>{_NUMBER})"
    rf"|under (?P<under>{_NUMBER})|<(?P<lt>{_NUMBER})|(?P<from>{_NUMBER}) ?(?P<from_unit>kg|months?|years?)? and over|≥ ?(?P<ge>{_NUMBER})) ?(?P<unit>kg|months?|years?|mL/min)?$")


class Band(Strict):
    """A band of weight, age or renal function a dose applies to, from ``low`` up to (not including) ``high``.

    Written as text: ``10 to 20 kg``, ``under 10 kg``, ``40 kg and over``, ``6 months to 2 years``,
    ``2 to 6 years``, ``eGFR 30 to 60``, ``CrCl under 30``.  Bands of one drug are checked for gaps
    and overlaps; in months for ages, mL/min (per 1.73 m² for eGFR) for renal function."""

    text: str
    kind: Literal["weight", "age", "egfr", "crcl"]
    low: Decimal
    high: Decimal | None = None
    """None: no upper end (``40 kg and over``)."""

    @classmethod
    def parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = " ".join(value.split())
        m = _BAND_TEXT.match(text)
        if m is None:
            raise ValueError("expected a band such as '10 to 20 kg', 'under 10 kg', '40 kg and over', '6 months to 2 years', "
                             f"'eGFR 30 to 60' or 'CrCl under 30'; got '{text}'")
        unit = m["unit"] or m["from_unit"]
        if m["kind"]:
            kind, scale, low_scale = m["kind"].lower(), Decimal(1), Decimal(1)
        else:
            if not unit or unit == "mL/min":
                raise ValueError(f"expected the band's unit (kg, months or years, or eGFR/CrCl before it); got '{text}'")
            kind, scale = _BAND_UNITS[unit]
            low_scale = _BAND_UNITS[m["low_unit"]][1] if m["low_unit"] else scale
            if m["low_unit"] and _BAND_UNITS[m["low_unit"]][0] != kind:
                raise ValueError(f"expected both ends of a band in the same kind of unit; got '{text}'")
        if m["high"] is not None:
            low, high = Decimal(m["low"]) * low_scale, Decimal(m["high"]) * scale
        elif m["under"] or m["lt"]:
            low, high = Decimal(0), Decimal(m["under"] or m["lt"]) * scale
        else:
            low, high = Decimal(m["from"] or m["ge"]) * scale, None
        if high is not None and high <= low:
            raise ValueError(f"expected a band from the lower to the higher end; got '{text}'")
        return {"text": text, "kind": kind, "low": low, "high": high}



BandText = written_as_text(Band, "'10 to 20 kg', 'under 10 kg', '40 kg and over', '6 months to 2 years', 'eGFR 30 to 60'")


class DrugDose(Strict):
    """One drug's dose for one group of patients, stated completely."""

    drug: Text
    """Generic drug name: ``amoxicillin``."""
    population: Text | None = None
    """Who this dose is for, in words: ``children with severe symptoms``."""
    band: BandText | None = None
    """The weight, age or renal-function band this dose is for: ``10 to 20 kg``, ``eGFR 30 to 60``
    (the bands of one drug may have no gap and no overlap)."""
    form: Text | None = None
    """Dosage form and strength, when it matters for the dose: ``oral suspension 400 mg/5 mL``."""
    dose: QuantityText
    """The amount of each dose (``per: dose``) or of the whole day (``per: day``): ``45 mg/kg``, ``80-90 mg/kg``, ``500 mg``."""
    per: Literal["dose", "day"] = "dose"
    """Whether ``dose`` is the amount of each dose or of a whole day."""
    divided: PositiveInt | None = None
    """For a per-day dose: the number of doses the day's amount is divided into."""
    frequency: FrequencyText | None = None
    """How often a dose is given: ``twice daily``, ``every 8 hours``, ``once``."""
    max_per_dose: QuantityText | None = None
    """The most in one dose: ``2 g``."""
    max_per_day: QuantityText | None = None
    """The most in a day: ``4 g``."""
    duration: DurationText | None = None
    """How long: ``10 days``, ``5-7 days``, ``until symptoms resolve``, ``continuous``."""
    route: Route
    """oral, IV bolus, IV infusion, IM, SC, inhaled, nebulised, topical, transdermal, rectal, vaginal, sublingual,
    buccal, intranasal, ophthalmic, otic, intravitreal, intrathecal or intraperitoneal."""
    infusion: Minutes | None = None
    """For an IV infusion: over how long (``30 min``, ``2 h``)."""
    note: Wording | None = None
    """A short note shown with the dose (Markdown, citations allowed)."""

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(("per", "divided", "frequency"), lambda d: _basis_problem(d)),
        Rule(("dose", "per", "divided", "frequency", "max_per_dose", "max_per_day"), lambda d: _maximum_problem(d)),
        Rule(("route", "infusion"), lambda d: f"expected infusion only for the route 'IV infusion'; the route is '{d.route}'"
             if d.infusion and d.route != "IV infusion" else None),
        Rule(("dose", "route"), lambda d: _route_problem(d)),
    )

    @property
    def doses_per_day(self) -> Decimal | None:
        if self.per == "day":
            return Decimal(self.divided) if self.divided else (self.frequency.per_day if self.frequency else None)
        return self.frequency.per_day if self.frequency else None

    @property
    def each_dose(self) -> Quantity:
        """The amount of one dose (a per-day dose divided)."""
        if self.per == "day" and self.doses_per_day:
            return self.dose.times(1 / self.doses_per_day)
        return self.dose

    @property
    def daily(self) -> Quantity | None:
        """The amount of a day, when it follows from the dose."""
        if self.per == "day":
            return self.dose
        return self.dose.times(self.frequency.per_day) if self.frequency and self.frequency.per_day else None


def _basis_problem(d: DrugDose) -> str | None:
    if d.per == "day":
        if not d.divided and not (d.frequency and d.frequency.per_day):
            return "expected divided (how many doses the day's amount is split into) or a daily frequency for a per-day dose; got neither"
        if d.divided and d.frequency and d.frequency.per_day and d.frequency.per_day != d.divided:
            return (f"expected divided ({d.divided}) to match the frequency '{d.frequency.text}' "
                    f"({number_text(d.frequency.per_day)} doses a day)")
        return None
    if d.divided:
        return "expected divided only with per: day (the dose is already per dose)"
    if d.frequency is None:
        return "expected a frequency (how often each dose is given: 'twice daily', 'every 8 hours', or 'once' for a single dose); got none"
    return None


def _maximum_problem(d: DrugDose) -> str | None:
    each, daily = d.each_dose, d.daily
    for label, cap, amount in (("max_per_dose", d.max_per_dose, each), ("max_per_day", d.max_per_day, daily)):
        if cap is None or amount is None:
            continue
        if cap.high is not None:
            return f"expected {label} as one amount; got the range '{cap}'"
        low = amount.low
        if cap.unit == amount.unit:
            if cap.low < low:
                return f"expected {label} ({cap}) at or above the {'dose' if label == 'max_per_dose' else 'daily amount'} ({amount}); it is below"
        elif cap.in_mg(cap.low) is not None and amount.in_mg(low) is not None and cap.in_mg(cap.low) < amount.in_mg(low):
            return f"expected {label} ({cap}) at or above the {'dose' if label == 'max_per_dose' else 'daily amount'} ({amount}); it is below"
        elif "/" in cap.unit and cap.unit != amount.unit:
            return f"expected {label} in the dose's unit ({amount.unit}) or as an absolute amount (such as '2 g'); got '{cap}'"
    return None


def _route_problem(d: DrugDose) -> str | None:
    base = d.dose.unit.partition("/")[0]
    routes = _FORM_ROUTES.get(base)
    if routes is not None and d.route not in routes:
        return f"expected a route a {base} can be given by ({', '.join(sorted(routes))}); got '{d.route}'"
    return None


class Dosing(Strict):
    """Doses of one or more drugs for a purpose, rendered as a table of complete doses."""

    name: Text
    """What the table is for: ``Amoxicillin for acute otitis media``."""
    evidence: list[Evidence] = []
    """Evidence grades for these doses, each naming its system."""
    cite: list[CitationKey] = []
    """Reference keys supporting the doses."""
    doses: Annotated[list[DrugDose], Field(min_length=1)]
    """One row per drug and group of patients."""
    notes: list[Wording] = []
    """Points about the doses (Markdown, citations allowed)."""

    rules: ClassVar[tuple[Rule, ...]] = (Rule(("doses",), lambda d: _band_problem(d)),)


def _band_problem(table: Dosing) -> str | None:
    """Bands of one drug, route and group of patients, by one measure, must tile: no gap, no overlap."""
    groups: dict[tuple, list[Band]] = {}
    for row in table.doses or []:
        if row is not None and row.band is not None:  # one tiling per drug, route, measure and group of patients
            groups.setdefault((row.drug, row.route, row.band.kind, row.population), []).append(row.band)
    for (drug, _route, _kind, _population), bands in groups.items():
        bands = sorted(bands, key=lambda b: b.low)
        for before, after in zip(bands, bands[1:]):
            if before.high is None or after.low < before.high:
                return f"expected the bands of {drug} not to overlap; '{before.text}' and '{after.text}' both cover part of the range"
            if after.low > before.high:
                return f"expected the bands of {drug} without a gap; between '{before.text}' and '{after.text}' no dose is given"
    return None
