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

from .fields import CitationKey, Evidence, Minutes, PlainWording, Rule, Strict, Text, Wording
from .measures import MINUTES_IN, NUMBER, TIMES, UNIT_LIST, UNITS, Band, convertible, in_base, read_unit, unit_of

ROUTES = (
    "oral", "IV", "IV bolus", "IV infusion", "IM", "SC", "SC infusion", "inhaled", "nebulised", "topical", "transdermal", "rectal",
    "vaginal", "sublingual", "buccal", "intranasal", "ophthalmic", "otic", "intravitreal", "intrathecal", "intraperitoneal",
)
Route = Literal[ROUTES]  # type: ignore[valid-type]
"""Where the drug is given, from a closed list."""

RATE_ROUTES = ("IV infusion", "SC infusion", "intrathecal")
"""Routes a continuous rate can be given by."""

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

_NUMBER = NUMBER
_RANGE = rf"(?P<low>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<high>{_NUMBER}))?"
_QUANTITY = re.compile(rf"^{_RANGE}\s*(?P<unit>[^\d\s/][^/]*?(?:/\s*[^/\s]+)?)$")
_RATE = re.compile(rf"^{_RANGE}\s*(?P<unit>[^\d\s/][^/]*?(?:/\s*(?:kg|m2|m²))?)\s*(?:/|per\s)\s*(?P<time>min|mins|minute|minutes|h|hr|hrs|hour|hours)$")
_CONCENTRATION = re.compile(rf"^(?P<amount>{_NUMBER})\s*(?P<unit>[^\d\s/][^/]*?)\s*(?:in\s*(?P<volume>{_NUMBER})\s*(?P<volume_unit>mL|ml|L|l)|/\s*(?P<per>mL|ml|L|l))$")


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


def _amounts(match: re.Match) -> tuple[Decimal, Decimal | None, str]:
    low = _decimal(match["low"])
    high = _decimal(match["high"]) if match["high"] else None
    if high is not None and high <= low:
        raise ValueError(f"expected a range from the lower to the higher amount; got '{match.string}'")
    return low, high, match["unit"].strip()


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
        if _RATE.match(text):
            raise ValueError(f"expected the amount of one dose; '{text}' is a rate: write it as rate: '{text}' (a continuous infusion, "
                             "with route: IV infusion), never as a dose")
        if _CONCENTRATION.match(text) and read_unit(_CONCENTRATION.match(text)["unit"])[0]:
            raise ValueError(f"expected the amount of one dose; '{text}' is a concentration: write it as concentration: '{text}'")
        match = _QUANTITY.match(text)
        if match is None:
            raise ValueError(f"expected an amount and a unit, such as '45 mg/kg', '80-90 mg/kg', '2 g' or '1 L' (units: {UNIT_LIST}); got '{text}'")
        low, high, written = _amounts(match)
        unit, problem = read_unit(written)
        if unit is None:
            raise ValueError(f"{problem}; got '{written}' in '{text}'")
        return {"low": low, "high": high, "unit": unit}

    def __str__(self) -> str:
        amount = number_text(self.low) + (f"–{number_text(self.high)}" if self.high is not None else "")
        return f"{amount} {self.unit.replace('m2', 'm²')}"

    def times(self, factor: Decimal) -> "Quantity":
        return Quantity(low=self.low * factor, high=None if self.high is None else self.high * factor, unit=self.unit)

    def comparable(self, other: "Quantity") -> bool:
        return convertible(self.unit, other.unit)

    def below(self, other: "Quantity") -> bool:
        """Whether this (one amount) is less than the lower end of ``other``, in a unit both convert to."""
        return in_base(self.low, self.unit) < in_base(other.low, other.unit)



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
        if text in ("continuous", "continuously", "continuous infusion", "infusion") or re.fullmatch(rf"every ({_NUMBER}) ?(?:min|mins|minutes?)|every (?:1 ?(?:h|hours?)|hour)|hourly", text):
            raise ValueError(f"expected how often a separate dose is given, every 2 hours or less often; '{value}' is a continuous infusion "
                             "or a repeated bolus: write a rate (rate: '0.1 units/kg/hour', route: IV infusion) or repeat: "
                             "{times: 1, after: 5 min} for a bolus that may be given again")
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
    """How long the drug is given: ``24 hours``, ``10 days``, ``5-7 days``, ``6 weeks``, ``until …``, ``long-term``, ``lifelong``, ``continuous``."""

    text: str

    @classmethod
    def parse(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(f"expected a duration with its unit, such as '{value} days'; got the number {value}")
        if not isinstance(value, str):
            return value
        text = " ".join(value.split())
        if m := re.fullmatch(rf"({_NUMBER})(?: ?(?:-|–|to) ?({_NUMBER}))? (hour|hours|day|days|week|weeks|month|months)", text, re.IGNORECASE):
            low = number_text(_decimal(m[1]))
            span = f"{low}–{number_text(_decimal(m[2]))}" if m[2] else low
            unit = m[3].lower().rstrip("s")
            plural = "" if (span == "1") else "s"
            return {"text": f"{span} {unit}{plural}"}
        if text.lower() in ("continuous", "long term", "long-term", "ongoing", "lifelong", "indefinitely"):
            return {"text": text.lower().replace("long term", "long-term")}
        if re.match(r"(?i)until \S", text):
            return {"text": text[0].lower() + text[1:]}
        raise ValueError(f"expected a duration such as '24 hours', '10 days', '5-7 days', '6 weeks', 'until symptoms resolve', "
                         f"'long-term', 'lifelong' or 'continuous'; got '{value}'")



DurationText = written_as_text(Duration, "'24 hours', '10 days', '5-7 days', '6 weeks', 'until …', 'long-term', 'lifelong', 'continuous'")


BandText = written_as_text(Band, "a band of one measurement: '10 to 20 kg', 'under 10 kg', '40 kg and over', '6 months to 2 years', "
                                 "'CrCl 15 to 29', 'serum potassium under 3.5 mmol/L', 'aPTT ratio 1.5 to 2.5'")


class Rate(Strict):
    """An amount per unit of time, perhaps per kg: ``0.1 units/kg/hour``, ``0.05-0.15 mcg/kg/min``, ``125 mL/hour``."""

    low: Decimal
    high: Decimal | None = None
    unit: str
    """The amount's unit (``units/kg``, ``mcg/kg``, ``mL``)."""
    per: Literal["min", "hour"]

    @classmethod
    def parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = " ".join(value.split())
        match = _RATE.match(text)
        if match is None:
            raise ValueError(f"expected a rate: an amount (or a range), its unit, perhaps per kg, and per minute or per hour, such as "
                             f"'0.1 units/kg/hour', '0.05-0.15 mcg/kg/min' or '125 mL/hour' (units: {UNIT_LIST}); got '{text}'")
        low, high, written = _amounts(match)
        unit, problem = read_unit(written)
        if unit is None:
            raise ValueError(f"{problem}; got '{written}' in '{text}'")
        if unit_of(unit).kind not in ("mass", "volume", "substance", "equivalents", "activity"):
            raise ValueError(f"expected a rate of a mass, volume, mmol, mEq or units; got '{unit}' in '{text}'")
        return {"low": low, "high": high, "unit": unit, "per": TIMES[match["time"]]}

    def __str__(self) -> str:
        amount = number_text(self.low) + (f"–{number_text(self.high)}" if self.high is not None else "")
        return f"{amount} {self.unit.replace('m2', 'm²')}/{'min' if self.per == 'min' else 'hour'}"

    @property
    def per_kg(self) -> bool:
        return self.unit.endswith("/kg")

    def per_hour(self, value: Decimal) -> Decimal:
        """``value`` of this rate's amount, per hour."""
        return value * 60 / MINUTES_IN[self.per]

    def comparable(self, other: "Rate") -> bool:
        return convertible(self.unit, other.unit)

    def in_base_per_hour(self, value: Decimal) -> Decimal:
        return in_base(self.per_hour(value), self.unit)


RateText = written_as_text(Rate, "a rate: '0.1 units/kg/hour', '0.05-0.15 mcg/kg/min', '125 mL/hour'")


class Concentration(Strict):
    """How much drug is in each mL of what is infused: ``4 mg in 50 mL``, ``40 mmol/L``, ``1 mg/mL``."""

    text: str
    amount: Decimal
    unit: str
    """The drug's unit (``mg``, ``mmol``, ``units``)."""
    per_ml: Decimal
    """Amount of drug in one mL."""

    @classmethod
    def parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = " ".join(value.split())
        match = _CONCENTRATION.match(text)
        if match is None:
            raise ValueError(f"expected a concentration: an amount in a volume ('4 mg in 50 mL', '1 g in 1 L') or per mL or L "
                             f"('1 mg/mL', '40 mmol/L'); got '{text}'")
        amount = _decimal(match["amount"])
        unit, problem = read_unit(match["unit"])
        if unit is None or "/" in unit:
            raise ValueError(f"{problem or 'expected an absolute amount'}; got '{match['unit']}' in '{text}'")
        volume_unit = (match["volume_unit"] or match["per"]).lower()
        volume = _decimal(match["volume"]) if match["volume"] else Decimal(1)
        millilitres = volume * (1000 if volume_unit == "l" else 1)
        return {"text": text, "amount": amount, "unit": unit, "per_ml": amount / millilitres}


ConcentrationText = written_as_text(Concentration, "'4 mg in 50 mL', '1 g in 1 L', '1 mg/mL', '40 mmol/L'")


class Titration(Strict):
    """How a rate is changed to reach a target: by how much, how often at most, to what, up to what."""

    step: RateText
    """By how much each change is: ``0.05 mcg/kg/min``."""
    every: Minutes
    """How long at least between changes: ``15 min``."""
    target: BandText
    """The measurement to keep within: ``MAP 65 mmHg or above``, ``blood glucose 10 to 14 mmol/L``."""
    max: RateText | None = None
    """The highest rate: ``1 mcg/kg/min``."""
    at_max: Text | None = None
    """What to do when the maximum does not reach the target: ``add vasopressin``."""


class Phase(Strict):
    """One step of a sequence given in order: a loading dose then a maintenance rate, bag 1 then bag 2."""

    name: Text | None = None
    """What the step is called: ``loading``, ``maintenance``, ``bag 1``, ``day 1``."""
    dose: QuantityText | None = None
    """An amount given once in this step (or per dose, with ``frequency``): ``80 units/kg``, ``1 L``, ``30 mL/kg``."""
    at_least: bool = False
    """The dose is the least to give (``at least 30 mL/kg``)."""
    over: Minutes | None = None
    """Over how long the dose is given: ``1 h``."""
    within: Minutes | None = None
    """The time by which the dose is given: ``3 h`` (``within 3 hours``)."""
    frequency: FrequencyText | None = None
    """For a dose repeated during this step: ``once daily``."""
    rate: RateText | None = None
    """A continuous rate in this step: ``18 units/kg/hour``."""
    duration: DurationText | None = None
    """How long this step lasts: ``4 days``, ``24 hours``."""
    route: Route | None = None
    """Where this step is given, when not the row's route: ``IV bolus`` for a loading dose before an infusion."""

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(("dose", "rate"), lambda p: None if (p.dose is None) != (p.rate is None) else
             "expected a dose or a rate in each step of a sequence; got " + ("both" if p.dose else "neither")),
        Rule(("rate", "over", "within", "at_least", "frequency"), lambda p: next(
            (f"expected {name} only with a dose (a rate runs for its duration)" for name in ("over", "within", "at_least", "frequency")
             if p.rate is not None and getattr(p, name)), None)),
    )


class Repeat(Strict):
    """A dose that may be given again: how many more times, after how long, on what sign."""

    times: PositiveInt | None = None
    """How many more doses at most: ``1`` (left out where the source sets no limit)."""
    after: Minutes | None = None
    """After how long: ``5 min`` (left out where the source gives no interval)."""
    when: Text | None = None
    """On what sign: ``seizures continue``, ``no improvement``."""


class Criteria(Strict):
    """Several conditions a dose applies on: ``at least 2 of`` age, weight and serum creatinine bands."""

    at_least: PositiveInt
    """How many of the conditions must hold: ``2``."""
    of: Annotated[list[BandText], Field(min_length=2)]
    """The conditions: ``age 80 years or over``, ``weight 60 kg or less``, ``serum creatinine 133 µmol/L or more``."""

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(("at_least", "of"), lambda c: f"expected at_least ({c.at_least}) to be at most the number of conditions ({len(c.of)})"
             if c.of and c.at_least > len(c.of) else None),
    )


class Adjustment(Strict):
    """What to do to a running rate in one band of a measurement (a nomogram's row)."""

    bolus: QuantityText | None = None
    """A dose given at once first: ``80 units/kg``."""
    stop: Minutes | None = None
    """Stop the infusion for this long first: ``1 h``."""
    change: Literal["increase", "decrease", "no change"]
    """What to do to the rate."""
    by: RateText | None = None
    """By how much: ``4 units/kg/hour`` (not with ``no change``)."""

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(("change", "by"), lambda a: "expected by (how much) to increase or decrease the rate; got none"
             if a.change != "no change" and a.by is None else
             "expected no by with 'no change'" if a.change == "no change" and a.by is not None else None),
    )


ADVICE = ("no dose", "not recommended", "contraindicated")


class DrugDose(Strict):
    """One drug for one group of patients, stated completely: a dose, a rate, a sequence of steps, a change
    to a running rate, or advice that no dose is given."""

    drug: Text
    """Generic drug name: ``amoxicillin``."""
    population: PlainWording | None = None
    """Who this row is for, in words (one text, or one per audience): ``children with severe symptoms``."""
    band: BandText | None = None
    """The band of one measurement this row is for: ``10 to 20 kg``, ``CrCl 15 to 29``, ``serum potassium
    under 3.5 mmol/L`` (the bands of one drug, route and measurement may have no gap and no overlap)."""
    criteria: Criteria | None = None
    """Conditions this row applies on: ``{at_least: 2, of: [age 80 years or over, weight 60 kg or less, …]}``."""
    form: Text | None = None
    """Dosage form and strength, when it matters for the dose: ``oral suspension 400 mg/5 mL``."""
    dose: QuantityText | None = None
    """The amount of each dose (``per: dose``) or of the whole day (``per: day``): ``45 mg/kg``, ``80-90 mg/kg``, ``500 mg``."""
    per: Literal["dose", "day"] = "dose"
    """Whether ``dose`` is the amount of each dose or of a whole day."""
    divided: PositiveInt | None = None
    """For a per-day dose: the number of doses the day's amount is divided into."""
    frequency: FrequencyText | None = None
    """How often a dose is given: ``twice daily``, ``every 8 hours``, ``once``."""
    repeat: Repeat | None = None
    """A single dose that may be given again: ``{times: 1, after: 5 min, when: no improvement}``."""
    max_per_dose: QuantityText | None = None
    """The most in one dose: ``2 g``."""
    max_per_day: QuantityText | None = None
    """The most in a day: ``4 g``."""
    rate: RateText | None = None
    """A continuous infusion's rate: ``0.1 units/kg/hour``, ``0.05-0.15 mcg/kg/min``, ``125 mL/hour`` (route: IV infusion)."""
    concentration: ConcentrationText | None = None
    """What the infusion or injection holds: ``4 mg in 50 mL``, ``1 mg/mL``; with it the page gives a rate in
    mL/hour and a dose in mL."""
    ml_per_hour_for: list[Annotated[Decimal, Field(gt=0, le=400)]] = []
    """For a rate per kg with a concentration: the body weights (kg) the page gives the mL/hour for: ``[50, 70, 90]``."""
    titrate: Titration | None = None
    """How the rate is changed to reach a target."""
    phases: Annotated[list[Phase], Field(min_length=2)] | None = None
    """Steps given in order (a loading dose then a rate; bag 1, bag 2, …)."""
    adjust: Adjustment | None = None
    """A change to a running rate (a nomogram's row, with ``band``)."""
    advice: Literal[ADVICE] | None = None  # type: ignore[valid-type]
    """No dose for this group: ``no dose``, ``not recommended`` or ``contraindicated`` (with ``reason``)."""
    reason: Text | None = None
    """Why no dose is given: ``no data below CrCl 15 mL/min``."""
    duration: DurationText | None = None
    """How long: ``10 days``, ``5-7 days``, ``until symptoms resolve``, ``long-term``, ``24 hours``."""
    route: Route
    """oral, IV (where the source does not say bolus or infusion), IV bolus, IV infusion, IM, SC, SC infusion, inhaled, nebulised, topical, transdermal, rectal, vaginal,
    sublingual, buccal, intranasal, ophthalmic, otic, intravitreal, intrathecal or intraperitoneal."""
    infusion: Minutes | None = None
    """For an IV infusion of a dose: over how long (``30 min``, ``2 h``)."""
    note: Wording | None = None
    """A short note shown with the dose (Markdown, citations allowed)."""

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(("dose", "rate", "phases", "adjust", "advice"), lambda d: _kind_problem(d)),
        Rule(("per", "divided", "frequency"), lambda d: _basis_problem(d) if d.kind == "dose" else None),
        Rule(("dose", "per", "divided", "frequency", "max_per_dose", "max_per_day"), lambda d: _maximum_problem(d) if d.kind == "dose" else None),
        Rule(("route", "infusion"), lambda d: f"expected infusion only for the route 'IV infusion'; the route is '{d.route}'"
             if d.infusion and d.route != "IV infusion" else None),
        Rule(("dose", "route"), lambda d: _route_problem(d)),
        Rule(("rate", "route", "concentration", "ml_per_hour_for", "titrate", "phases"), lambda d: _rate_problem(d)),
        Rule(("advice", "reason"), lambda d: "expected a reason with advice (why no dose is given); got none"
             if d.advice and not d.reason else "expected reason only with advice" if d.reason and not d.advice else None),
        Rule(("repeat", "frequency"), lambda d: "expected repeat only for a single dose (frequency: once)"
             if d.repeat and not (d.frequency and d.frequency.single) else None),
        Rule(("adjust", "band"), lambda d: "expected the band of the measurement an adjustment is for (band: 'aPTT ratio under 1.2')"
             if d.adjust and d.band is None else None),
    )

    @property
    def kind(self) -> str:
        """``dose``, ``rate``, ``phases``, ``adjust`` or ``advice``: what the row states."""
        return next((name for name in ("dose", "rate", "phases", "adjust", "advice") if getattr(self, name) is not None), "dose")

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

    def ml_per_hour(self, weight: Decimal | None = None) -> tuple[Decimal, Decimal | None] | None:
        """The rate in mL/hour of the concentration (at ``weight`` kg for a rate per kg), or None."""
        if self.rate is None or self.concentration is None:
            return None
        volume = unit_of(self.rate.unit).kind == "volume"  # a rate in mL is already a volume rate (base: mL)
        factor = (weight or Decimal(1)) / (Decimal(1) if volume else in_base(self.concentration.per_ml, self.concentration.unit))
        ends = [self.rate.in_base_per_hour(v) * factor for v in (self.rate.low, self.rate.high) if v is not None]
        return ends[0], (ends[1] if len(ends) > 1 else None)

    def drug_per_hour(self) -> tuple[tuple[Decimal, Decimal | None], str] | None:
        """For a rate in mL of a stated concentration: the drug's own rate per hour (per kg when the rate
        is), in the unit of the concentration's kind that reads best (``5–10 mcg/kg/hour``), or None."""
        if self.rate is None or self.concentration is None or unit_of(self.rate.unit).kind != "volume":
            return None
        ends = [self.rate.in_base_per_hour(v) * self.concentration.per_ml for v in (self.rate.low, self.rate.high) if v is not None]
        kind = unit_of(self.concentration.unit)
        base = [e * kind.factor for e in ends]  # in the kind's base unit
        choices = sorted((u for u in UNITS if u.kind == kind.kind), key=lambda u: u.factor, reverse=True)
        unit = next((u for u in choices if base[0] / u.factor >= 1), choices[-1])
        shown = [b / unit.factor for b in base]
        return (shown[0], shown[1] if len(shown) > 1 else None), unit.name + ("/kg" if self.rate.per_kg else "")


_ROW_KINDS = ("dose", "rate", "phases", "adjust", "advice")


def _kind_problem(d: DrugDose) -> str | None:
    given = [name for name in _ROW_KINDS if getattr(d, name) is not None]
    if len(given) == 1:
        return None
    if not given:
        return ("expected what the row states: dose (a dose), rate (a continuous infusion), phases (steps in order), "
                "adjust (a change to a running rate) or advice (no dose, not recommended, contraindicated); got none")
    return f"expected one of dose, rate, phases, adjust or advice in a row; got {' and '.join(given)} (write each in a row of its own)"


def _basis_problem(d: DrugDose) -> str | None:
    if d.dose is None:
        return None
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
    if d.dose is None:
        return None
    each, daily = d.each_dose, d.daily
    for label, cap, amount in (("max_per_dose", d.max_per_dose, each), ("max_per_day", d.max_per_day, daily)):
        if cap is None or amount is None:
            continue
        if cap.high is not None:
            return f"expected {label} as one amount; got the range '{cap}'"
        if cap.comparable(amount):
            if cap.below(amount):
                return f"expected {label} ({cap}) at or above the {'dose' if label == 'max_per_dose' else 'daily amount'} ({amount}); it is below"
        elif "/" in cap.unit:
            return f"expected {label} in the dose's unit ({amount.unit}) or as an absolute amount (such as '2 g'); got '{cap}'"
    return None


def _route_problem(d: DrugDose) -> str | None:
    if d.dose is None:
        return None
    base = d.dose.unit.partition("/")[0]
    routes = _FORM_ROUTES.get(base)
    if routes is not None and d.route not in routes:
        return f"expected a route a {base} can be given by ({', '.join(sorted(routes))}); got '{d.route}'"
    return None


def _rate_problem(d: DrugDose) -> str | None:
    for index, phase in enumerate(d.phases or []):
        if phase.rate is not None and (phase.route or d.route) not in RATE_ROUTES:
            return (f"expected a route a continuous rate is given by ({', '.join(RATE_ROUTES)}) for step {index + 1}; "
                    f"got '{phase.route or d.route}'")
    if d.dose is not None and d.concentration is not None:
        if unit_of(d.dose.unit).kind != unit_of(d.concentration.unit).kind:
            return f"expected a concentration of the dose's kind of amount ({d.dose.unit}); got '{d.concentration.text}'"
    if d.rate is None:
        if d.titrate is not None:
            return "expected titrate only with a rate (a continuous infusion)"
        return "expected ml_per_hour_for only with a rate per kg and a concentration" if d.ml_per_hour_for else None
    if d.route not in RATE_ROUTES:
        return f"expected a route a continuous rate is given by ({', '.join(RATE_ROUTES)}); got '{d.route}'"
    if d.frequency is not None or d.per != "dose" or d.divided:
        return "expected no frequency, per or divided with a rate: a continuous infusion runs until its duration ends or it is stopped"
    if d.concentration is not None and unit_of(d.rate.unit).kind not in ("volume", unit_of(d.concentration.unit).kind):
        return f"expected a concentration of the rate's kind of amount ({d.rate.unit}); got '{d.concentration.text}'"
    if d.ml_per_hour_for and not (d.rate.per_kg and d.concentration is not None):
        return "expected ml_per_hour_for only with a rate per kg and a concentration"
    t = d.titrate
    if t is not None:
        for name, value in (("step", t.step), ("max", t.max)):
            if value is not None and not value.comparable(d.rate):
                return f"expected titrate.{name} in the rate's unit ({d.rate.unit}/{d.rate.per}); got '{value}'"
        if t.max is not None and t.max.in_base_per_hour(t.max.low) < d.rate.in_base_per_hour(d.rate.high or d.rate.low):
            return f"expected titrate.max ({t.max}) at or above the starting rate ({d.rate}); it is below"
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


def band_problems(table: Dosing) -> list[tuple[int, str]]:
    """``(row, message)`` where the bands of one drug, route and measurement do not tile, whatever the
    rows' population text: no gap, no overlap (validate/article.py reports each at its row's band)."""
    out: list[tuple[int, str]] = []
    groups: dict[tuple, list[tuple[int, Band]]] = {}
    for index, row in enumerate(table.doses or []):
        if row is not None and row.band is not None:
            groups.setdefault((row.drug, row.route, row.band.group), []).append((index, row.band))
    for (drug, route, _group), bands in groups.items():
        bands = sorted(bands, key=lambda pair: (pair[1].low is not None, pair[1].low or 0))
        for (_, before), (index, after) in zip(bands, bands[1:]):
            found = after.covers_after(before)
            if found == "overlap":
                out.append((index, f"expected the bands of {drug} ({route}) not to overlap; '{before.text}' and '{after.text}' both cover part of the range"))
            elif found == "gap":
                out.append((index, f"expected the bands of {drug} ({route}) without a gap; between '{before.text}' and '{after.text}' "
                                   "no row says what to give (a row with advice: no dose says so)"))
    return out
