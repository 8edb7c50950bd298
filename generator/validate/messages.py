"""Pydantic's errors as located, plain-language problems: expected …, got …."""

from __future__ import annotations

import difflib
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem
from ..load import RawDocument, char_label, invisible_kind
from ..model.fields import PATTERN_DESCRIPTIONS, describe
from ..model.registry import fields, model_at


def to_model(cls: type[BaseModel], doc: RawDocument, problems: list[Problem]) -> Any:
    try:
        return cls.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            raw = tuple(err["loc"])
            on_key = raw[-1:] == ("[key]",)  # a refused mapping key (a glossary term): point at the key itself
            loc = written_loc(doc.data, raw[:-1] if on_key else raw)
            problems.append(doc.problem(loc, message(err, cls, loc, doc.written.get(loc)), key=on_key or err["type"] == "extra_forbidden"))
        return None


def visible(text: str) -> str:
    """Text for a message, with invisible characters spelled out (``\\u202e``).

    A quoted value must not reorder or hide the rest of the line in a
    terminal or a pull-request annotation.
    """
    return "".join(f"\\u{ord(c):04x}" if invisible_kind(c) else c for c in text)


def found_value(value: Any, written: str | None = None) -> str:
    """How a found value is named: numbers and booleans as the author wrote them (``1.10``, not 1.1)."""
    if written is not None and isinstance(value, bool):
        return f"true/false ({written})"
    if written is not None and isinstance(value, (int, float, Decimal)):
        return f"number {written}"
    return visible(describe(value))


def _lookalike(value: Any) -> str:
    """For an identifier that fails its pattern: name the first character that is not plain ASCII."""
    if isinstance(value, str):
        odd = next((c for c in value if not c.isascii()), None)
        if odd:
            return f"; '{visible(odd)}' is {char_label(odd)}, not plain ASCII"
    return ""


def written_loc(data: Any, loc: tuple) -> tuple:
    """Drop the parts of a pydantic loc the author never wrote (union tags, 'all')."""
    out: list = []
    current = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, dict) and part in current:
            out.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            out.append(part)
            current = current[part]
        elif last and part != "all":
            out.append(part)
    return tuple(out)


def message(err: dict, cls: type[BaseModel], loc: tuple, written: str | None = None) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    found = found_value(err.get("input"), written)
    if kind == "missing":
        return "expected this required field; it is missing"
    if kind == "extra_forbidden":
        allowed = _fields_at(cls, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        tip = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown field{tip}; expected one of {', '.join(allowed)}"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected')}; got {found}"
    if kind == "string_pattern_mismatch":
        return f"expected {PATTERN_DESCRIPTIONS.get(ctx.get('pattern'), 'text matching ' + str(ctx.get('pattern')))}; got {found}{_lookalike(err.get('input'))}"
    if kind == "string_type":
        tip = " (put it in quotes to keep it as text)" if isinstance(err.get("input"), (int, float, bool)) else ""
        return f"expected text; got {found}{tip}"
    if kind == "string_too_short":
        return "expected text; got an empty value"
    if kind == "string_too_long":
        return f"expected at most {ctx.get('max_length')} characters; got {len(str(err.get('input')))}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number; got {found}"
    if kind == "int_parsing_size":
        return f"expected a whole number; got {found}, which is too long to be one"
    if kind in ("decimal_type", "decimal_parsing", "float_type", "float_parsing"):
        return f"expected a number; got {found}"
    if kind == "finite_number":
        return f"expected a finite number; got {found}"
    if kind.startswith("date"):
        return f"expected a date as YYYY-MM-DD; got {found}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false; got {found}"
    if kind == "list_type":
        return f"expected a list; got {found}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of fields; got {found}"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length')} item(s); got {ctx.get('actual_length')}"
    if kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
        bound = {"greater_than": "greater than", "greater_than_equal": "at least", "less_than_equal": "at most", "less_than": "less than"}[kind]
        limit = next(iter(ctx.values()), "?")
        return f"expected a number {bound} {limit}; got {found}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg']}; got {found}"


def _fields_at(cls: type[BaseModel], loc: tuple) -> list[str]:
    """Names of the fields of the model found at ``loc`` inside ``cls``."""
    model = model_at(cls, loc)
    return list(fields(model)) if model is not None else []
