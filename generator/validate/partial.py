"""What can still be read of an article the model refused.

When a file has a problem anywhere, the model gives no article at all; yet
an author with twelve mistakes should see twelve lines in one run, not the
model's share first and the checks against the site configuration and the
other articles in later rounds.  :func:`partial` builds the article from the
parts that are valid on their own: each field is validated by itself, and a
refused model inside it is rebuilt the same way, so one bad dose loses only
that dose.  What could not be read is ``None`` — a list keeps its length, so
places (``sections[2]``) stay the places the author wrote.

A partial article is only ever *checked*, never rendered: the checks skip
what is ``None``, and the model's own message already names each refused part.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ValidationError, create_model

from ..model.fields import Strict
from ..model.registry import item_of, model_of


Found = list[tuple[tuple, str]]
"""``(loc, message)`` of each model rule (``Strict.rules``) broken in what could be read."""


def partial(cls: type[BaseModel], data: Any, found: Found | None = None, loc: tuple = ()) -> Any:
    """``cls`` built from what in ``data`` is valid; None when ``data`` is not even a mapping.

    The rules across fields of each rebuilt model are checked on what was read
    (into ``found``), skipping any rule that reads a refused field: the model
    never got as far as checking them.
    """
    if not isinstance(data, dict):
        return None
    values: dict[str, Any] = {}
    refused: set[str] = set()
    for name, info in cls.model_fields.items():
        if name not in data:
            values[name] = None if info.is_required() else info.get_default(call_default_factory=True)
            continue
        try:
            values[name] = getattr(_field_model(cls, name).model_validate({name: data[name]}), name)
        except ValidationError:
            refused.add(name)
            values[name] = _partial_value(info.annotation, data[name], found, loc + (name,))
    if cls.model_config.get("extra") == "allow":  # an evidence grade: its fields are not declared
        for name, value in data.items():
            if name not in cls.model_fields and isinstance(value, (str, int)) and not isinstance(value, bool):
                values[name] = str(value)
    made = cls.model_construct(**values)
    if found is not None:
        for rule in getattr(cls, "rules", ()):
            if not refused.intersection(rule.reads):
                message = rule.check(made)
                if message:
                    found.append((loc, message))
    return made


def _partial_value(annotation: Any, raw: Any, found: Found | None, loc: tuple) -> Any:
    """The readable part of a refused value: a model rebuilt field by field, a list item by item."""
    model = model_of(annotation)
    if model is not None and isinstance(raw, dict):
        return partial(model, raw, found, loc)
    item = item_of(annotation)
    if item is not None and isinstance(raw, list):
        return [_item(item, value, found, loc + (i,)) for i, value in enumerate(raw)]
    return None


def _item(annotation: Any, raw: Any, found: Found | None, loc: tuple) -> Any:
    try:
        return _adapter(annotation).model_validate({"value": raw}).value
    except ValidationError:
        return _partial_value(annotation, raw, found, loc)


_field_models: dict[tuple[type, str], type[BaseModel]] = {}
_adapters: dict[Any, type[BaseModel]] = {}


def _field_model(cls: type[BaseModel], name: str) -> type[BaseModel]:
    """A model of the one field ``name`` of ``cls``, with its constraints and the project's config."""
    key = (cls, name)
    if key not in _field_models:
        info = cls.model_fields[name]
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        _field_models[key] = create_model(f"_{cls.__name__}_{name}", __base__=Strict, **{name: (annotation, ...)})
    return _field_models[key]


def _adapter(annotation: Any) -> type[BaseModel]:
    """A model holding one value of ``annotation`` (a list item), with the project's config."""
    key = repr(annotation)
    if key not in _adapters:
        _adapters[key] = create_model("_item", __base__=Strict, value=(annotation, ...))
    return _adapters[key]
