"""What a reviewer is asked to approve: the clinical difference between two versions of an article.

A text diff of YAML hides a dose change among re-wrapped lines; this compares
the articles as data, and names each place the way a clinician would find it
on the page — the section by its heading, the regimen by its name, the drug by
its name, the reference by its key — with the value before and after.
"""

from __future__ import annotations

from typing import Any

from ..model import Article

_LABELS = ("heading", "name", "drug", "key", "reviewer")
"""Fields that name an item of a list (so a reordered or inserted item is not a change to every later one)."""


def clinical_diff(old: Article | None, new: Article | None) -> list[str]:
    """One line per changed place: ``place: before → after`` (``added`` / ``removed`` for whole parts)."""
    before = _flatten(old.model_dump(mode="json", exclude={"review": {"approvals", "status"}}) if old else {})
    after = _flatten(new.model_dump(mode="json", exclude={"review": {"approvals", "status"}}) if new else {})
    lines = []
    for place in [p for p in before if p not in after]:
        lines.append(f"{place}: removed (was {_shown(before[place])})")
    for place, value in after.items():
        if place not in before:
            lines.append(f"{place}: added: {_shown(value)}")
        elif before[place] != value:
            lines.append(f"{place}: {_shown(before[place])} → {_shown(value)}")
    return lines


from ..model.article import BLOCK_KINDS as _KINDS


def _flatten(value: Any, place: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {} if out is None else out
    if isinstance(value, dict) and set(value) == {"value", "unit", "auc"}:  # a dose reads as written
        out[place] = f"AUC {value['auc']}" if value["auc"] is not None else f"{value['value']} {value['unit']}"
    elif isinstance(value, dict):
        for key, child in value.items():
            if child is None or child == [] or child == {}:
                continue
            _flatten(child, f"{place} › {key}" if place else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        seen: dict[str, int] = {}
        for i, item in enumerate(value):
            kind = next((k for k in _KINDS if item.get(k) is not None), None)
            if kind is not None and len([k for k in item if item[k] is not None]) == 1:
                item = item[kind]  # a block: name it by what it holds
                name = (item.get("name") or item.get("caption")) if isinstance(item, dict) else None
                name = name if isinstance(name, str) else None
                label = f"{kind} {name}" if name else f"{kind} {i + 1}"
            else:
                label = _label(item, i)
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:
                label = f"{label} ({seen[label]})"
            _flatten(item, f"{place} › {label}", out)
    else:
        out[place] = value
    return out


def _label(item: dict, index: int) -> str:
    for key in _LABELS:
        if isinstance(item.get(key), str):
            return item[key]
    if isinstance(item.get("system"), str):
        return item["system"]
    text = item.get("text")
    if isinstance(text, dict) and text:
        text = next(iter(text.values()))
    if isinstance(text, str):
        words = " ".join(text.split())
        return f"'{words[:40]}…'" if len(words) > 40 else f"'{words}'"
    return str(index + 1)


def _shown(value: Any) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return f"'{text[:200]}…'" if len(text) > 200 else f"'{text}'"
