"""Doses written the way prescribers read them.

``45 mg/kg per dose twice daily (90 mg/kg/day), max 2 g per dose, for 10 days``:
the amount of each dose first (a per-day amount is divided for the reader),
then how often, the day's total in brackets, the maxima and the duration.
Nothing is rounded: a per-day amount that does not divide evenly keeps its
decimals.
"""

from __future__ import annotations

from decimal import Decimal

from ..model.dosing import DrugDose, Quantity, number_text

_TIMES = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}


def dose_text(d: DrugDose) -> str:
    how_often = d.frequency.text if d.frequency is not None else _TIMES.get(d.divided or 0, f"{d.divided} times daily")
    each, daily = d.each_dose, d.daily
    if d.frequency is not None and d.frequency.single:
        parts = [f"{_amount(each)} as a single dose"]
    elif d.per == "day" and not (_exact(each.low) and (each.high is None or _exact(each.high))):
        # A day's amount that does not divide evenly is shown as written, not as a rounded dose.
        parts = [f"{_per_day(daily)} in {number_text(d.doses_per_day)} divided doses ({how_often})"]
    else:
        parts = [f"{_amount(each)} per dose {how_often}"]
        if daily is not None and d.doses_per_day != 1:
            parts[0] += f" ({_per_day(daily)})"
    if d.max_per_dose is not None:
        parts.append(f"max {d.max_per_dose} per dose")
    if d.max_per_day is not None:
        parts.append(f"max {d.max_per_day} per day")
    if d.duration is not None:
        text = d.duration.text
        parts.append(text if text.startswith(("until", "continuous")) else f"for {text}")
    return ", ".join(parts)


def _exact(value: Decimal) -> bool:
    return value == value.quantize(Decimal("0.01"))


def _per_day(q: Quantity) -> str:
    return f"{_amount(q)}/day" if "/" in q.unit else f"{_amount(q)} a day"


def _amount(q: Quantity) -> str:
    low = _tidy(q.low)
    amount = low if q.high is None else f"{low}–{_tidy(q.high)}"
    return f"{amount} {q.unit.replace('m2', 'm²')}"


def _tidy(value: Decimal) -> str:
    return number_text(value)
