"""The article model as a JSON Schema (draft-07) for editors.

The VS Code YAML extension (and most editors through it) reads draft-07 and
then checks articles as authors type, with each field's docstring as its
hover text.  The schema is derived from the model, never written by hand;
``schema/article.schema.json`` is committed and a test keeps it in sync.
"""

from __future__ import annotations

import json
from typing import Any

from .article import Article
from .registry import fields, models_in

SCHEMA_PATH = "schema/article.schema.json"

_DOSE_TEXT = r"^(\d+(\.\d+)?\s*(mg/m2|mg/m²|mg/kg|mg|g/m2|g|mcg/m2|mcg/kg|mcg|units/m2|units/kg|units)|AUC\s*\d+(\.\d+)?)$"


def article_schema(grading: dict[str, Any] | None = None) -> dict[str, Any]:
    """The draft-07 JSON Schema of an article file; with the site's grading systems
    (``SiteConfig.grading``), evidence grades are checked against them too."""
    schema = Article.model_json_schema(ref_template="#/definitions/{model}")
    definitions = schema.pop("$defs", {})
    # Shorthands the model accepts before validation: a dose as text, a list item as text.
    definitions["Dose"] = {"anyOf": [{"type": "string", "pattern": _DOSE_TEXT, "description": "e.g. 50 mg/m2, 15 mg/kg, AUC 5"}, definitions["Dose"]]}
    for model in models_in(Article):
        name = getattr(model, "shorthand", None)
        if name:  # a list item written as its text (or a table row as its list of cells)
            bare = {"type": "array", "minItems": 1} if fields(model)[name].item is not None else {"type": "string", "minLength": 1}
            definitions[model.__name__] = {"anyOf": [bare, definitions[model.__name__]]}
    # A block is exactly one kind: one property (the model refuses two; so does an editor now).
    definitions["Block"].update({"minProperties": 1, "maxProperties": 1})
    if grading:
        definitions["Evidence"] = {
            "description": definitions["Evidence"].get("description", ""),
            "oneOf": [_system_schema(system_id, system) for system_id, system in grading.items()],
        }
    _strip_unknown_keywords(schema)
    _strip_unknown_keywords(definitions)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://guidesite.invalid/schema/article.schema.json",
        **schema,
        "definitions": definitions,
    }


def _system_schema(system_id: str, system: Any) -> dict[str, Any]:
    """One grading system of grading.yaml as the shape of a grade."""
    properties: dict[str, Any] = {"system": {"const": system_id, "description": system.name}}
    for name, field in system.fields.items():
        values: list[Any] = list(field.values)
        values += [int(v) for v in field.values if v.isdigit()]  # NCCN's 1 may be written unquoted
        properties[name] = {"enum": values, "description": field.name or name}
    required = ["system"] + [name for name, field in system.fields.items() if field.required]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def schema_text(grading: dict[str, Any] | None = None) -> str:
    """The schema as the committed file holds it."""
    return json.dumps(article_schema(grading), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


_BOUNDS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}


def _strip_unknown_keywords(node: Any, *, names: bool = False) -> None:
    """Drop or translate keywords draft-07 does not know (pydantic's OpenAPI-style extras).

    ``names`` is true for a ``properties`` mapping, whose keys are field names, not keywords.
    """
    if isinstance(node, dict):
        if not names:
            node.pop("discriminator", None)
            for key, keyword in _BOUNDS.items():
                if key in node:
                    node[keyword] = node.pop(key)
        for key, value in node.items():
            _strip_unknown_keywords(value, names=(key in ("properties", "definitions") and not names))
    elif isinstance(node, list):
        for value in node:
            _strip_unknown_keywords(value)
