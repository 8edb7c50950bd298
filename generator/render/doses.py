"""Doses written the way prescribers and nurses read them.

``45 mg/kg per dose twice daily (90 mg/kg/day), max 2 g per dose, for 10 days``: the amount of each
dose first (a per-day amount is divided for the reader), then how often, the day's total in
brackets, the maxima and the duration.  A rate reads as a continuous infusion (never as doses, and
never with a daily total), with its volume rate when the concentration is given; a titration as one
sentence a nurse can follow; steps in their order; a nomogram's row as what to do to the rate.
Nothing is rounded but a volume rate, to 0.1 mL/hour, said so ("about").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..model.dosing import Adjustment, DrugDose, Phase, Quantity, Rate, number_text
from ..model.fields import format_minutes
from ..model.measures import in_base

_TIMES = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}
_JOIN = "\u2060–\u2060"
"""The dash of a range, held to both its numbers (a phone never breaks "0.05–0.1" after the dash)."""
_OPEN = ("until", "continuous", "long-term", "lifelong", "ongoing", "indefinitely")
"""Durations read as they are written (no "for")."""


def dose_text(d: DrugDose) -> str:
    """What one row of a dosing table states, in one line."""
    kind = d.kind
    if kind == "advice":
        return f"{d.advice[0].upper()}{d.advice[1:]}: {d.reason}"
    if kind == "adjust":
        return adjustment_text(d.adjust)
    if kind == "phases":
        return "; then ".join(phase_text(phase, d.route) for phase in d.phases)
    parts = rate_parts(d) if kind == "rate" else intermittent_parts(d)
    if d.duration is not None:
        parts.append(_duration(d.duration.text))
    return ", ".join(parts)


def intermittent_parts(d: DrugDose) -> list[str]:
    how_often = d.frequency.text if d.frequency is not None else _TIMES.get(d.divided or 0, f"{d.divided} times daily")
    each, daily = d.each_dose, d.daily
    if d.frequency is not None and d.frequency.single:
        parts = [f"{_amount(each)}{_volume_of(each, d)} as a single dose"]
    elif d.per == "day" and not (_exact(each.low) and (each.high is None or _exact(each.high))):
        # A day's amount that does not divide evenly is shown as written, not as a rounded dose.
        parts = [f"{_per_day(daily)} in {number_text(d.doses_per_day)} divided doses ({how_often})"]
    else:
        parts = [f"{_amount(each)}{_volume_of(each, d)} per dose {how_often}"]
        if daily is not None and d.doses_per_day != 1:
            parts[0] += f" ({_per_day(daily)})"
    if d.max_per_dose is not None:
        parts.append(f"max {_amount(d.max_per_dose)} per dose")
    if d.max_per_day is not None:
        parts.append(f"max {_amount(d.max_per_day)} per day")
    if d.repeat is not None:
        times = {None: "", 1: " once", 2: " twice"}.get(d.repeat.times, f" up to {d.repeat.times} times")
        parts.append(f"may be repeated{times}"
                     + (f" after {format_minutes(d.repeat.after)}" if d.repeat.after else "")
                     + (f" if {d.repeat.when}" if d.repeat.when else ""))
    return parts


def rate_parts(d: DrugDose) -> list[str]:
    parts = [f"{rate(d.rate)} as a continuous infusion"]
    if d.concentration is not None:
        volumes = [(None, d.ml_per_hour())] if not d.rate.per_kg else [(w, d.ml_per_hour(w)) for w in d.ml_per_hour_for]
        shown = [f"{_volume(v)}{f' at {number_text(w)} kg' if w is not None else ''}" for w, v in volumes]
        drug = d.drug_per_hour()
        if drug is not None:  # the rate is in mL: say what it gives of the drug
            (low, high), unit = drug
            shown.insert(0, f"{_tidy(low)}{f'{_JOIN}{_tidy(high)}' if high is not None else ''} {unit}/hour")
        parts[0] += f" (of {d.concentration.text}" + (f": {', '.join(shown)}" if shown else "") + ")"
    t = d.titrate
    if t is not None:
        parts.append(f"adjust by {rate(t.step)} at most every {format_minutes(t.every)} to keep {t.target.text}"
                     + (f", up to {rate(t.max)}" if t.max is not None else "")
                     + (f" (at the maximum: {t.at_max})" if t.at_max else ""))
    return parts


def phase_text(p: Phase, route: str) -> str:
    label = f"{p.name}: " if p.name else ""
    where = f" {p.route}" if p.route and p.route != route else ""
    if p.rate is not None:
        text = f"{rate(p.rate)}{where} as a continuous infusion"
    else:
        text = ("at least " if p.at_least else "") + _amount(p.dose) + where
        if p.over:
            text += f" over {format_minutes(p.over)}"
        if p.within:
            text += f" within {format_minutes(p.within)}"
        if p.frequency is not None and not p.frequency.single:
            text += f" {p.frequency.text}"
    if p.duration is not None:
        text += f", {_duration(p.duration.text)}"
    return label + text


def adjustment_text(a: Adjustment) -> str:
    steps = []
    if a.bolus is not None:
        steps.append(f"give {_amount(a.bolus)} as a bolus")
    if a.stop is not None:
        steps.append(f"stop the infusion for {format_minutes(a.stop)}")
    steps.append("keep the rate" if a.change == "no change" else f"{a.change} the rate by {rate(a.by)}")
    text = ", then ".join(steps)
    return text[0].upper() + text[1:]


def rate(r: Rate) -> str:
    amount = number_text(r.low) + (f"{_JOIN}{number_text(r.high)}" if r.high is not None else "")
    return f"{amount} {r.unit.replace('m2', 'm²')}/{r.per}"


def _volume_of(q: Quantity, d: DrugDose) -> str:
    """`` (0.15 mL of 1 mg/mL)``: a dose's volume of the stated concentration (per kg for a dose per kg)."""
    c = d.concentration
    if c is None:
        return ""
    per_ml = in_base(c.per_ml, c.unit)
    ends = [in_base(v, q.unit.partition("/")[0]) / per_ml for v in (q.low, q.high) if v is not None]
    scale = f"/{q.unit.partition('/')[2].replace('m2', 'm²')}" if "/" in q.unit else ""
    shown = [_hundredth(v) for v in ends]
    about = "about " if any(v != v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for v in ends) else ""
    return f" ({about}{_JOIN.join(shown)} mL{scale} of {c.text})"


def _hundredth(value: Decimal) -> str:
    return number_text(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _volume(ends: tuple[Decimal, Decimal | None]) -> str:
    low, high = ends
    shown = [_tenth(v) for v in (low, high) if v is not None]
    about = "about " if any(v != v.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) for v in (low, high) if v is not None) else ""
    return about + _JOIN.join(shown) + " mL/hour"


def _tidy(value: Decimal) -> str:
    """A derived amount to three significant figures at most (exact values keep every digit they have)."""
    rounded = Decimal(f"{value:.3g}")
    return ("about " if rounded != value else "") + number_text(rounded)


def _tenth(value: Decimal) -> str:
    return number_text(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _duration(text: str) -> str:
    return text if text.startswith(_OPEN) else f"for {text}"


def _exact(value: Decimal) -> bool:
    return value == value.quantize(Decimal("0.01"))


def _per_day(q: Quantity) -> str:
    return f"{_amount(q)}/day" if "/" in q.unit else f"{_amount(q)} a day"


def _amount(q: Quantity) -> str:
    low = number_text(q.low)
    amount = low if q.high is None else f"{low}{_JOIN}{number_text(q.high)}"
    return f"{amount} {q.unit.replace('m2', 'm²')}"
