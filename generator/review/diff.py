"""What a reviewer is asked to approve: the clinical difference between two versions of an article.

A text diff of YAML hides a dose change among re-wrapped lines; this compares
the articles as data, and names each place the way a clinician would find it
on the page — the section by its heading, the regimen by its name, the drug by
its name, the reference by its key — with the value before and after.
"""

from __future__ import annotations

from typing import Any

from ..model import Article
from ..model.article import BLOCK_KINDS
from ..model.walk import Loc, walk

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


def _flatten(dump: Any) -> dict[str, Any]:
    """Every value of an article's dump by its place as a clinician names it (``Treatment ›
    regimen Carboplatin–paclitaxel › components › Carboplatin › dose``)."""
    out: dict[str, Any] = {}
    names: dict[Loc, str | None] = {}  # a list item's place → its name (None: left out of the place)

    def place(loc: Loc) -> str:
        shown = (names.get(loc[:k], str(loc[k - 1])) for k in range(1, len(loc) + 1))
        return " › ".join(name for name in shown if name is not None)

    def enter(loc: Loc, node: Any) -> bool:
        if loc and loc not in names and (node is None or node == [] or node == {}):
            return False  # an empty field is no value (an item of a list is always named)
        if isinstance(node, dict) and set(node) == {"value", "unit", "auc"}:  # a dose reads as written
            out[place(loc)] = f"AUC {node['auc']}" if node["auc"] is not None else f"{node['value']} {node['unit']}"
            return False
        if isinstance(node, dict):
            return True
        if isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
            names.update(_item_names(node, loc))
            return True
        out[place(loc)] = node
        return False

    walk(dump, enter)
    return out


def _item_names(items: list[dict], loc: Loc) -> dict[Loc, str | None]:
    """The name of each item of a list, so that an inserted or reordered item is not a change to
    every later one; a block is named by what it holds (its kind's key is left out of the place)."""
    names: dict[Loc, str | None] = {}
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        kind = next((k for k in BLOCK_KINDS if item.get(k) is not None), None)
        if kind is not None and len([k for k in item if item[k] is not None]) == 1:
            inner = item[kind]
            name = (inner.get("name") or inner.get("caption")) if isinstance(inner, dict) else None
            label = f"{kind} {name}" if isinstance(name, str) and name else f"{kind} {i + 1}"
            names[loc + (i, kind)] = None
        else:
            label = _label(item, i)
        seen[label] = seen.get(label, 0) + 1
        names[loc + (i,)] = label if seen[label] == 1 else f"{label} ({seen[label]})"
    return names


def _label(item: dict, index: int) -> str:
    for key in _LABELS:
        value = item.get(key)
        if isinstance(value, dict) and value:  # a heading worded per audience: named by its first reader's
            value = next(iter(value.values()))
        if isinstance(value, str):
            return value
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
