"""What each field of a model holds, read once from its declaration.

Which fields hold author Markdown (a ``Wording``: its type carries ``MarkdownText``), plain
text that readers see (``Text``: ``PlainText``), a citation list (a list of ``CitationKey``),
a model or a list of models: the checks of the raw data, the messages, the partial reading
of a refused article and the walk through a typed one all ask here, so each of these facts is
written once, in the field's type.

Answers are worked out once per model (and, for places in the raw data, once per place):
validation asks for every string of thousands of files.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from .fields import CitationKey, MarkdownText, PlainText

TextKind = Literal["markdown", "plain"]

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldFacts:
    """What one field of a model holds."""

    name: str
    text: TextKind | None
    """``markdown`` for a ``Wording`` (or a list of them), ``plain`` for a ``Text`` (or a list of
    them), None for anything else (an identifier, a date, a dose: its own type checks it)."""
    citations: bool
    """A list of citation keys (``cite``): a part citing its sources besides its text."""
    item: Any
    """The type of each item, for a list field (``Section``, ``Wording``); else None."""
    models: tuple[type[BaseModel], ...]
    """Every model named in the field's type at any depth, in the order written (a list of
    evidence grades names the three systems)."""
    cites: bool = False
    """Whether a Markdown text or a citation list can be found in the field, at any depth: what
    the citation numbering walks through."""


@dataclass(frozen=True)
class _Names:
    """Field names of every model inside one model, by what they hold: raw data is read by name."""

    markdown: frozenset[str]
    plain: frozenset[str]
    citations: frozenset[str]
    bare_items: dict[str, TextKind | None]
    """List fields whose items may be written as a bare string, and the kind of text that string is."""


_facts: dict[type[BaseModel], dict[str, FieldFacts]] = {}


def fields(cls: type[BaseModel]) -> dict[str, FieldFacts]:
    """The facts of each field of ``cls``, in declaration order."""
    if cls not in _facts:
        _read(cls)
    return _facts[cls]


def models_in(root: type[BaseModel]) -> tuple[type[BaseModel], ...]:
    """``root`` and every model inside it, each once, in the order first met."""
    seen: dict[type[BaseModel], None] = {}
    todo = [root]
    while todo:
        cls = todo.pop(0)
        if cls not in seen:
            seen[cls] = None
            todo += [m for facts in fields(cls).values() for m in facts.models]
    return tuple(seen)


_citing: dict[type[BaseModel], tuple[tuple[str, bool], ...]] = {}


def citing_fields(cls: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """``(name, is a citation list)`` of each field of ``cls`` where a Markdown text or a
    citation list can be found, in declaration order (the order a reader meets them)."""
    if cls not in _citing:
        _citing[cls] = tuple((f.name, f.citations) for f in fields(cls).values() if f.cites)
    return _citing[cls]


def fields_holding(cls: type[BaseModel], wanted: tuple[type[BaseModel], ...]) -> tuple[str, ...]:
    """The fields of ``cls`` in which a model of ``wanted`` can be found, at any depth: what a walk
    looking for those models needs to go down (the rest of an article it never visits)."""
    key = (cls, wanted)
    if key not in _holding:
        _holding[key] = tuple(f.name for f in fields(cls).values() if any(_can_hold(m, wanted, set()) for m in f.models))
    return _holding[key]


def _can_hold(cls: type[BaseModel], wanted: tuple[type[BaseModel], ...], seen: set) -> bool:
    if cls in wanted:
        return True
    seen.add(cls)
    return any(_can_hold(m, wanted, seen) for f in fields(cls).values() for m in f.models if m not in seen)


_holding: dict[tuple, tuple[str, ...]] = {}


def model_of(annotation: Any) -> type[BaseModel] | None:
    """The one model a value of ``annotation`` is (``Section``, ``Review | None``,
    ``Annotated[Review, …]``); None for anything else, a list included."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        found = [m for m in map(model_of, get_args(annotation)) if m is not None]
        return found[0] if len(found) == 1 else None
    return None


def item_of(annotation: Any) -> Any:
    """The type of each item of a list ``annotation`` (``list[Section] | None`` → ``Section``); else None."""
    annotation = _unwrap(annotation)
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        found = [i for i in map(item_of, get_args(annotation)) if i is not None]
        return found[0] if len(found) == 1 else None
    return None


def model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model whose fields are written at ``loc`` (list indexes skipped); for a field that
    may hold one of several models, the first declared."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        facts = fields(model).get(part) if model is not None else None
        if facts is None:
            return None
        model = facts.models[0] if facts.models else None
    return model


@lru_cache(maxsize=16384)  # articles repeat the same places (sections[0].blocks[1].prose…): each is worked out once
def text_kind(root: type[BaseModel], loc: Loc) -> TextKind | None:
    """What a string written at ``loc`` of a ``root`` file is: ``markdown``, ``plain``, or None.

    Read from the declaration of the field at that place (a ``Notice``'s plain ``text`` is plain
    wherever a Markdown ``text`` is declared elsewhere).  Where the place is no field of the model (a
    ``prose`` written inside a list item), by the field's name, so that it is still checked as what
    its name says, in the same round as the unknown field.
    """
    declared = _declared_kind(root, loc)
    if declared is not _UNDECLARED:
        return declared
    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return None
    known = _names(root)
    last = names[-1]
    if last in known.markdown:
        return "markdown"
    if last in known.bare_items and isinstance(loc[-1], int):
        return known.bare_items[last]  # a list item written as a bare string is its text
    if len(names) >= 2 and names[-2] in known.markdown and not isinstance(loc[-1], int):
        return "markdown"  # one audience's wording
    if last in known.plain:
        return "plain"
    return None


_UNDECLARED: Any = object()


def _declared_kind(root: type[BaseModel], loc: Loc) -> Any:
    """The kind of text the model declares for the place ``loc`` (list indexes and one audience's key
    after a wording included); ``_UNDECLARED`` where the place is no field of the model, or may be one
    of several models (an evidence grade of any system)."""
    model: type[BaseModel] | None = root
    facts: FieldFacts | None = None
    rest: Loc = ()
    for i, part in enumerate(loc):
        if isinstance(part, int):
            continue
        if model is None:
            rest = loc[i:]
            break
        facts = fields(model).get(part)
        if facts is None or len(facts.models) > 1:
            return _UNDECLARED
        model = facts.models[0] if facts.models else None
    if facts is None:
        return _UNDECLARED
    if rest:  # past a field that holds no model: one audience's wording, or nothing the model knows
        return facts.text if facts.text is not None and sum(isinstance(p, str) for p in rest) == 1 else _UNDECLARED
    if model is not None and isinstance(loc[-1], int):  # a list item written as a bare string: its text
        shorthand = getattr(model, "shorthand", None)
        return fields(model)[shorthand].text if shorthand else _UNDECLARED
    if model is not None:
        return _UNDECLARED  # a string where a model is expected
    return facts.text


def citation_lists(root: type[BaseModel]) -> frozenset[str]:
    """Names of the citation-list fields inside ``root``: a string at ``(…, name, i)`` is a cited key."""
    return _names(root).citations


@lru_cache(maxsize=None)
def _names(root: type[BaseModel]) -> _Names:
    markdown: set[str] = set()
    plain: set[str] = set()
    citations: set[str] = set()
    bare_items: dict[str, TextKind | None] = {}
    for cls in models_in(root):
        for facts in fields(cls).values():
            if facts.text == "markdown":
                markdown.add(facts.name)
            elif facts.text == "plain":
                plain.add(facts.name)
            if facts.citations:
                citations.add(facts.name)
            item = model_of(facts.item)
            shorthand = getattr(item, "shorthand", None) if item is not None else None
            if shorthand:
                bare_items[facts.name] = fields(item)[shorthand].text
    return _Names(frozenset(markdown), frozenset(plain - markdown), frozenset(citations), bare_items)


def _read(root: type[BaseModel]) -> None:
    """Facts of ``root`` and of every model inside it that is not read yet."""
    new: list[type[BaseModel]] = []
    todo = [root]
    while todo:
        cls = todo.pop()
        if cls in _facts or cls in new:
            continue
        new.append(cls)
        _facts[cls] = {name: _field(name, info.annotation, info.metadata) for name, info in cls.model_fields.items()}
        todo += [m for facts in _facts[cls].values() for m in facts.models]
    # Whether a field can hold a citing text depends on the models inside it, which may hold
    # the model itself (a list item's sub-items): settle it by repeating until nothing changes.
    cites = {cls: False for cls in new}

    def can_cite(facts: FieldFacts) -> bool:
        return facts.text == "markdown" or facts.citations or any(cites.get(m, False) or _cites(m) for m in facts.models)

    changed = True
    while changed:
        changed = False
        for cls in new:
            if not cites[cls] and any(can_cite(f) for f in _facts[cls].values()):
                cites[cls] = changed = True
    for cls in new:
        _facts[cls] = {name: replace(f, cites=can_cite(f)) for name, f in _facts[cls].items()}


def _cites(cls: type[BaseModel]) -> bool:
    """Whether a model read before can hold a citing text (a model being read is not: see ``_read``)."""
    return cls in _facts and any(f.cites for f in _facts[cls].values())


def _field(name: str, annotation: Any, metadata: list) -> FieldFacts:
    if _marked(annotation, metadata, MarkdownText):
        text: TextKind | None = "markdown"
    elif _marked(annotation, metadata, PlainText):
        text = "plain"
    else:
        text = None
    item = item_of(annotation)
    return FieldFacts(name, text, item == CitationKey, item, tuple(_models_named(annotation)))


def _marked(annotation: Any, metadata: list, marker: type) -> bool:
    """Whether ``marker`` is in the field's metadata or in its type, at any depth."""
    if any(isinstance(m, marker) for m in metadata):
        return True
    inner = getattr(annotation, "__metadata__", ())
    if any(isinstance(m, marker) for m in inner):
        return True
    if marker is PlainText and any(isinstance(m, MarkdownText) for m in inner):
        return False  # a Wording's values are Text, but the field is Markdown
    return any(_marked(arg, [], marker) for arg in get_args(annotation))


def _models_named(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        out += [m for m in _models_named(arg) if m not in out]
    return out


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation
