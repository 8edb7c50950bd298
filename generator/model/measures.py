"""What doses and conditions are measured in, declared once: the units an amount may have, and the
measurements a band, a criterion or a titration target may be about.

Every parser of the dosing model reads its units here, and every message that lists units or
measurements lists these tables, so a unit added here is accepted, converted and named everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .fields import Strict

NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"


# -- units of an amount ------------------------------------------------------------------------

@dataclass(frozen=True)
class Unit:
    name: str
    """How the page writes it: ``mg``, ``mL``, ``units``."""
    kind: str
    """What it measures; amounts of one kind convert into each other (``mass``, ``volume``); a dosage
    form (``tablet``) is a kind of its own."""
    factor: Decimal
    """How many of the kind's base unit one of it is (mass in mg, volume in mL)."""
    spellings: tuple[str, ...] = ()
    """Other ways authors write it (compared without case)."""
    scalable: bool = True
    """Whether it may be given per kg of body weight or per m² of body surface."""


UNITS: tuple[Unit, ...] = (
    Unit("ng", "mass", Decimal("0.000001"), ("nanogram", "nanograms")),
    Unit("mcg", "mass", Decimal("0.001"), ("µg", "μg", "ug", "microgram", "micrograms")),
    Unit("mg", "mass", Decimal(1), ("milligram", "milligrams")),
    Unit("g", "mass", Decimal(1000), ("gram", "grams")),
    Unit("mL", "volume", Decimal(1), ("ml", "millilitre", "millilitres", "milliliter", "milliliters")),
    Unit("L", "volume", Decimal(1000), ("l", "litre", "litres", "liter", "liters")),
    Unit("mmol", "substance", Decimal(1), ("millimole", "millimoles")),
    Unit("mEq", "equivalents", Decimal(1), ("meq", "milliequivalent", "milliequivalents")),
    Unit("mg PE", "phenytoin equivalents", Decimal(1), ("mg phenytoin equivalents", "mgPE")),
    Unit("units", "activity", Decimal(1), ("unit", "international units", "international unit", "IU")),
    Unit("million units", "activity", Decimal(1000000), ("million international units", "MU")),
    Unit("drop", "drop", Decimal(1), ("drops",), scalable=False),
    Unit("puff", "puff", Decimal(1), ("puffs",), scalable=False),
    Unit("tablet", "tablet", Decimal(1), ("tablets",), scalable=False),
    Unit("capsule", "capsule", Decimal(1), ("capsules",), scalable=False),
    Unit("sachet", "sachet", Decimal(1), ("sachets",), scalable=False),
    Unit("application", "application", Decimal(1), ("applications",), scalable=False),
    Unit("patch", "patch", Decimal(1), ("patches",), scalable=False),
)
"""Every unit an amount may have."""

_BY_SPELLING = {spelling.casefold(): unit for unit in UNITS for spelling in (unit.name, *unit.spellings)}
_EXACT = {unit.name: unit for unit in UNITS}

UNIT_LIST = ", ".join(unit.name for unit in UNITS)
"""The units, as messages list them."""

TIMES = {"min": "min", "mins": "min", "minute": "min", "minutes": "min", "h": "hour", "hr": "hour", "hrs": "hour",
         "hour": "hour", "hours": "hour"}
"""How the time of a rate is written, and how it is read (``per minute``, ``per hour``)."""

MINUTES_IN = {"min": Decimal(1), "hour": Decimal(60)}


def unit_named(text: str) -> Unit | None:
    """The unit written as ``text`` (``mg``, ``micrograms``, ``IU``), or None."""
    text = " ".join(text.split())
    return _EXACT.get(text) or _BY_SPELLING.get(text.casefold())


def unit_of(name: str) -> Unit:
    """The declared unit a parsed amount carries (``mg`` of ``mg/kg``)."""
    return _EXACT[name.partition("/")[0]]


def read_unit(text: str) -> tuple[str | None, str]:
    """``(canonical unit, what is wrong)`` for an amount's unit, optionally per kg or per m²: ``mg/kg``,
    ``micrograms/kg`` → ``mcg/kg``.  The unit is None with a reason when it is not one of ours."""
    base, _, scale = text.replace("²", "2").partition("/")
    unit = unit_named(base)
    if unit is None:
        return None, f"expected a unit from {UNIT_LIST} (mass, volume, mmol, mEq and units also per kg or per m2)"
    scale = scale.strip()
    if scale and scale not in ("kg", "m2"):
        return None, f"expected a unit per kg or per m2 at most; got '/{scale}'"
    if scale and not unit.scalable:
        return None, f"expected a dosage form ({unit.name}) as a count, not per kg or per m2"
    return (f"{unit.name}/{scale}" if scale else unit.name), ""


def convertible(a: str, b: str) -> bool:
    """Whether amounts in units ``a`` and ``b`` (each perhaps per kg) can be compared."""
    (base_a, _, scale_a), (base_b, _, scale_b) = a.partition("/"), b.partition("/")
    return scale_a == scale_b and unit_of(base_a).kind == unit_of(base_b).kind


def in_base(value: Decimal, unit: str) -> Decimal:
    """``value`` of ``unit`` in its kind's base unit (mg, mL, mmol, units)."""
    return value * unit_of(unit).factor


# -- measurements a band, a criterion or a target is about ----------------------------------------

@dataclass(frozen=True)
class Measurement:
    name: str
    """As the page names it: ``serum potassium``."""
    units: dict[str, Decimal]
    """The units it is written in, each with its factor to the first; empty for a ratio."""
    aliases: tuple[str, ...] = ()
    convertible: bool = True
    """Whether the units convert exactly (kg; months and years), else bands are compared within one unit."""


MEASUREMENTS: tuple[Measurement, ...] = (
    Measurement("weight", {"kg": Decimal(1)}, ("body weight",)),
    Measurement("age", {"months": Decimal(1), "month": Decimal(1), "years": Decimal(12), "year": Decimal(12)}),
    Measurement("eGFR", {"mL/min/1.73 m²": Decimal(1), "mL/min/1.73 m2": Decimal(1), "mL/min/1.73m²": Decimal(1), "mL/min/1.73m2": Decimal(1), "mL/min": Decimal(1)}),
    Measurement("CrCl", {"mL/min": Decimal(1)}, ("creatinine clearance",)),
    Measurement("serum creatinine", {"µmol/L": Decimal(1), "umol/L": Decimal(1), "mg/dL": Decimal(1)}, ("creatinine",), convertible=False),
    Measurement("serum potassium", {"mmol/L": Decimal(1), "mEq/L": Decimal(1)}, ("potassium", "K+", "serum K+")),
    Measurement("blood glucose", {"mmol/L": Decimal(1), "mg/dL": Decimal(1)}, ("glucose", "capillary glucose", "capillary blood glucose"), convertible=False),
    Measurement("aPTT ratio", {}, ("APTT ratio", "aPTR")),
    Measurement("aPTT", {"seconds": Decimal(1), "s": Decimal(1)}, ("APTT",)),
    Measurement("INR", {}),
    Measurement("MAP", {"mmHg": Decimal(1)}, ("mean arterial pressure",)),
    Measurement("systolic blood pressure", {"mmHg": Decimal(1)}, ("SBP", "systolic BP")),
    Measurement("heart rate", {"beats/min": Decimal(1), "bpm": Decimal(1)}),
    Measurement("serum lactate", {"mmol/L": Decimal(1)}, ("lactate",)),
    Measurement("pH", {}),
    Measurement("serum bicarbonate", {"mmol/L": Decimal(1)}, ("bicarbonate",)),
    Measurement("blood ketones", {"mmol/L": Decimal(1)}, ("ketones", "capillary ketones")),
    Measurement("platelet count", {"×10⁹/L": Decimal(1), "x10^9/L": Decimal(1), "x 10^9/L": Decimal(1)}, ("platelets",)),
)
"""Every measurement a dose may depend on.  A band written with no measurement is of weight or age,
told by its unit (``10 to 20 kg``, ``6 months to 2 years``)."""

MEASUREMENT_LIST = ", ".join(m.name for m in MEASUREMENTS)

_MEASURE_NAMES = sorted(((alias, m) for m in MEASUREMENTS for alias in (m.name, *m.aliases)), key=lambda pair: -len(pair[0]))
_UNIT_NAMES = sorted({unit for m in MEASUREMENTS for unit in m.units}, key=len, reverse=True)
_UNIT = "|".join(re.escape(u) for u in _UNIT_NAMES)

_BELOW = r"(?:under|below|less than|<)"
_AT_MOST = r"(?:or less|or below|or under|and under|and below|or lower)"
_AT_MOST_BEFORE = r"(?:up to|at most|≤|<=)"
_AT_LEAST = r"(?:and over|or over|or more|or above|and above|or higher|and older|or older)"
_AT_LEAST_BEFORE = r"(?:at least|≥|>=)"
_ABOVE = r"(?:over|above|more than|greater than|>)"

_N = rf"(?P<{{0}}>{NUMBER})\s?(?P<{{0}}_unit>{_UNIT}|[A-Za-zµμ%][^\s]*)?"
_FORMS = [
    ("range", re.compile(rf"^{_N.format('low')}\s?(?:to|-|–)\s?{_N.format('high')}$")),
    ("below", re.compile(rf"^{_BELOW}\s?{_N.format('high')}$")),
    ("at_most", re.compile(rf"^{_N.format('high')}\s{_AT_MOST}$")),
    ("at_most", re.compile(rf"^{_AT_MOST_BEFORE}\s?{_N.format('high')}$")),
    ("at_least", re.compile(rf"^{_N.format('low')}\s{_AT_LEAST}$")),
    ("at_least", re.compile(rf"^{_AT_LEAST_BEFORE}\s?{_N.format('low')}$")),
    ("above", re.compile(rf"^{_ABOVE}\s?{_N.format('low')}$")),
]


class Band(Strict):
    """A band of one measurement a dose (or a criterion, or a titration target) is for, written as
    clinicians write it: ``10 to 20 kg``, ``under 10 kg``, ``40 kg and over``, ``6 months to 2 years``,
    ``CrCl 15 to 29``, ``CrCl 30 mL/min and over``, ``serum potassium under 3.5 mmol/L``,
    ``aPTT ratio 1.5 to 2.5``, ``MAP 65 mmHg or above``, ``weight 60 kg or less``.

    Both ends of ``A to B`` belong to the band; where two bands of one drug meet (``10 to 20 kg`` and
    ``20 to 30 kg``) the shared end belongs to the upper one, and bands written in whole numbers (or
    tenths) that follow each other (``15 to 29``, ``30 and over``) leave no gap.  Ages are held in
    months."""

    text: str
    """As the page shows it (the measurement's unit added where the author left it out)."""
    measure: str
    """The measurement's name (``weight``, ``age``, ``serum potassium``)."""
    unit: str = ""
    """The unit its ends are held in (months for ages; empty for a ratio)."""
    low: Decimal | None = None
    high: Decimal | None = None
    low_included: bool = True
    high_included: bool = True
    step: Decimal = Decimal(1)
    """The precision its ends are written to (1 for ``15 to 29``, 0.1 for ``3.5 to 5.0``)."""

    @classmethod
    def parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = " ".join(value.split())
        measure, rest = _measure_in(text)
        for form, pattern in _FORMS:
            m = pattern.match(rest)
            if m:
                return _band(text, measure, form, m)
        raise ValueError(
            "expected a band such as '10 to 20 kg', 'under 10 kg', '40 kg and over', '6 months to 2 years', 'CrCl 15 to 29', "
            f"'serum potassium under 3.5 mmol/L' or 'MAP 65 mmHg or above' (measurements: {MEASUREMENT_LIST}); got '{text}'")

    def covers_after(self, before: "Band") -> str:
        """``gap``, ``overlap`` or ``""`` for this band following ``before`` (sorted by lower end)."""
        if before.high is None:
            return "overlap"
        low = self.low if self.low is not None else Decimal(0)
        if low < before.high:
            return "overlap"
        if low == before.high:
            return "overlap" if (before.high_included and self.low_included and before._explicit_high and self._explicit_low) else ""
        step = max(before.step, self.step)
        if before.high_included and self.low_included and low - before.high <= step:
            return ""
        return "gap"

    @property
    def _explicit_high(self) -> bool:
        return bool(re.search(rf"{_AT_MOST}|{_AT_MOST_BEFORE}", self.text))

    @property
    def _explicit_low(self) -> bool:
        return bool(re.search(rf"{_AT_LEAST}|{_AT_LEAST_BEFORE}", self.text))

    @property
    def group(self) -> tuple[str, str]:
        """Bands are compared within one measurement (and one unit, where units do not convert)."""
        measurement = _named(self.measure)
        return (self.measure, "" if measurement is None or measurement.convertible else self.unit)


def _named(name: str) -> Measurement | None:
    return next((m for m in MEASUREMENTS if m.name == name), None)


def _measure_in(text: str) -> tuple[Measurement | None, str]:
    for alias, measurement in _MEASURE_NAMES:
        if text.casefold().startswith(alias.casefold() + " ") or text.casefold().startswith(alias.casefold() + "≥") \
                or text.casefold().startswith(alias.casefold() + "<") or text.casefold().startswith(alias.casefold() + ">"):
            return measurement, text[len(alias):].strip()
    return None, text


def _decimals(number: str) -> int:
    return len(number.partition(".")[2])


def _band(text: str, measure: Measurement | None, form: str, m: re.Match) -> dict:
    groups = m.groupdict()
    written = [u for u in (groups.get("low_unit"), groups.get("high_unit")) if u]
    if measure is None:
        if not written:
            raise ValueError(f"expected the band's unit (kg, months or years) or its measurement before it ({MEASUREMENT_LIST}); got '{text}'")
        measure = next((x for x in MEASUREMENTS if x.name in ("weight", "age") and written[-1] in x.units), None)
        if measure is None:
            raise ValueError(f"expected a band such as '10 to 20 kg' or 'CrCl 15 to 29': one with no measurement before it is of weight "
                             f"(kg) or age (months, years), others name theirs ({MEASUREMENT_LIST}); got '{text}'")
    for unit in written:
        if unit not in measure.units:
            known = ", ".join(measure.units) or "no unit (a ratio)"
            raise ValueError(f"expected {measure.name} in {known}; got '{unit}' in '{text}'")
    unit = written[-1] if written else next(iter(measure.units), "")
    scale = measure.units.get(unit, Decimal(1))
    low_scale = measure.units.get(groups.get("low_unit") or unit, scale)
    low = Decimal(groups["low"]) * low_scale if groups.get("low") else None
    high = Decimal(groups["high"]) * scale if groups.get("high") else None
    numbers = [n for n in (groups.get("low"), groups.get("high")) if n]
    step = Decimal(1).scaleb(-max(_decimals(n) for n in numbers)) * (low_scale if form in ("at_least", "above") else scale)
    if form in ("below", "at_most") and measure.name in ("weight", "age"):
        low = Decimal(0)
    if low is not None and high is not None and high <= low:
        raise ValueError(f"expected a band from the lower to the higher end; got '{text}'")
    shown = text if written or not measure.units else f"{text} {unit}"
    held = "months" if measure.name == "age" else unit
    return {"text": shown, "measure": measure.name, "unit": held, "low": low, "high": high,
            "low_included": form != "above", "high_included": form != "below", "step": step}
