"""YAML bytes to plain data and positions, with the refusals (aliases, tags, depth, duplicates, invisible
characters) and a fast event reading for ordinary files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem
from .document import (BYTE_ORDER_MARK, MAX_DEPTH, MAX_FILE_BYTES, MAX_INVISIBLE_REPORTED, Loc, RawDocument, _invisible_message,
                       format_loc, invisible_kind)
from .syntax import _generic, explain_syntax_error
from .files import read_regular_file, _shown, _NotRegular, _TooLarge

class _Refused(Exception):
    def __init__(self, mark: yaml.Mark | None, message: str):
        self.mark = mark
        self.message = message


class _RefusingComposer(yaml.composer.Composer):
    """A composer that refuses anchors, aliases, tags and deep nesting.

    Refusing at the first anchor keeps an alias bomb ("billion laughs") from
    being expanded at all; the depth limit keeps ``[[[[…`` from exhausting
    Python's stack.
    """

    _depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, f"YAML aliases are not allowed (found *{event.anchor}); write the value out in full")
        if getattr(event, "anchor", None):
            raise _Refused(event.start_mark, f"YAML anchors are not allowed (found &{event.anchor}); write the value out in full")
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
            raise _Refused(event.start_mark, f"YAML tags are not allowed (found {shown}); write a plain value")
        if self._depth >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"expected at most {MAX_DEPTH} levels of nesting; got more (check the brackets and indentation)")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _RefusingComposer, yaml.resolver.Resolver):
    """Pure-Python reading: slower, and the source of our tested error messages."""

    def __init__(self, stream: str):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _RefusingComposer.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.taken: list[yaml.Token] = []
        """The last tokens the parser took: what a syntax error came after."""

    def get_token(self):  # noqa: ANN201 - PyYAML signature
        token = yaml.scanner.Scanner.get_token(self)
        self.taken.append(token)
        if len(self.taken) > 8:
            del self.taken[0]
        return token


class _Unreadable(Exception):
    """A YAML syntax error of the careful reading, with the tokens read just before it."""

    def __init__(self, error: yaml.MarkedYAMLError, tokens: list[yaml.Token]):
        self.error = error
        self.tokens = tokens


if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser as _CParser


    class _FastLoader(_CParser, _RefusingComposer, yaml.resolver.Resolver):
        """libyaml's scanner and parser under our composer: the same nodes and refusals, several times faster."""

        def __init__(self, stream: str):
            _CParser.__init__(self, stream)
            _RefusingComposer.__init__(self)
            yaml.resolver.Resolver.__init__(self)

        # CParser composes in C; ours must run so that anchors, tags and depth are refused.
        get_single_node = yaml.composer.Composer.get_single_node
        compose_document = yaml.composer.Composer.compose_document
        compose_node = _RefusingComposer.compose_node
        compose_scalar_node = yaml.composer.Composer.compose_scalar_node
        compose_sequence_node = yaml.composer.Composer.compose_sequence_node
        compose_mapping_node = yaml.composer.Composer.compose_mapping_node

else:  # pragma: no cover - PyYAML without libyaml
    _FastLoader = None
    _CParser = None


class _Careful(Exception):
    """The document needs the careful reading: something in it is refused, reported or unusual."""


def _read_events(text: str) -> tuple[Any, dict, dict, dict] | None:
    """``(data, marks, key_marks, written)`` straight from libyaml's events, or None.

    Most files are plain mappings, lists and scalars; for those this builds the
    same data and marks as composing nodes and converting them, in about half
    the time (no node objects, no resolver, one pass).  Anything else (an
    anchor, alias, tag, complex or duplicate key, an escaped invisible
    character, deep nesting, several documents, a null or empty document, a
    syntax error) returns None: the careful reading below then reports it with
    the messages the tests pin.
    """
    if _CParser is None:
        return None
    scalar, mapping_start = yaml.ScalarEvent, yaml.MappingStartEvent
    mapping_end, sequence_end, document_end = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.DocumentEndEvent
    marks: dict[Loc, tuple[int, int]] = {}
    key_marks: dict[Loc, tuple[int, int]] = {}
    written: dict[Loc, str] = {}
    root: Any = None
    container: Any = None  # the open mapping or list (None: at the top)
    loc: Loc = ()  # its place
    key: Loc | None = None  # in a mapping, the place of the key awaiting its value
    enclosing: list[tuple[Any, Loc, Loc | None]] = []
    parser = _CParser(text)
    get = parser.get_event
    try:
        if type(get()) is not yaml.StreamStartEvent or type(get()) is not yaml.DocumentStartEvent:
            return None
        while True:
            event = get()
            kind = type(event)
            if kind is mapping_end or kind is sequence_end:
                container, loc, key = enclosing.pop()
                continue
            if kind is document_end:
                break
            # Every other event here is a node (an alias has an anchor, so .tag is not reached).
            if event.anchor is not None or event.tag is not None:
                raise _Careful
            mark = event.start_mark
            if key is not None:  # the value of a mapping's key: its place is the key's
                here = key
            elif type(container) is dict:  # a key
                if kind is not scalar or event.value in container:
                    raise _Careful
                key = loc + (event.value,)
                key_marks[key] = (mark.line + 1, mark.column + 1)
                continue
            elif container is None:
                here = ()
            else:
                here = loc + (len(container),)
            marks[here] = (mark.line + 1, mark.column + 1)
            if kind is scalar:
                value = event.value
                if not event.style:
                    value = _scalar_value(value)
                    if type(value) is not str:
                        if value is None and container is None:
                            raise _Careful  # a null document: the careful reading names it
                        written[here] = event.value
                elif event.style == '"' and _NOT_PLAIN_ASCII.search(value) and any(invisible_kind(c) for c in value):
                    raise _Careful
            elif len(enclosing) >= MAX_DEPTH - 2:
                raise _Careful  # near the nesting limit: the careful reading decides
            else:
                value = {} if kind is mapping_start else []
            if key is not None:
                container[key[-1]] = value
                key = None
            elif container is None:
                root = value
            else:
                container.append(value)
            if kind is not scalar:
                enclosing.append((container, loc, key))
                container, loc, key = value, here, None
        if type(get()) is not yaml.StreamEndEvent:
            return None
    except (_Careful, yaml.YAMLError):
        return None
    finally:
        parser.dispose()
    return root, marks, key_marks, written


def _compose(text: str):
    """The document's node tree; libyaml first, pure Python again for any error (its messages are ours)."""
    if _FastLoader is not None:
        fast = _FastLoader(text)
        try:
            return fast.get_single_node()
        except (yaml.YAMLError, _Refused):
            pass
        finally:
            fast.dispose()
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _Unreadable(exc, loader.taken + list(loader.tokens)) from exc
    finally:
        loader.dispose()


_NULL = re.compile(r"^(?:~|null|Null|NULL)?$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]")
"""``024552320`` is an identifier, not the number 24552320: it stays text."""
_MAY_NOT_BE_TEXT = frozenset("~nNtTfF+-.0123456789")
"""First characters of a null, a boolean or a number; a plain scalar starting otherwise is text."""


def _scalar(node: yaml.ScalarNode) -> Any:
    if node.style:  # quoted or block scalar (libyaml marks plain ones "", PyYAML None): always text
        return node.value
    return _scalar_value(node.value)


def _scalar_value(value: str) -> Any:
    """A plain scalar under the YAML 1.2 core schema (see the module's docstring)."""
    if value and value[0] not in _MAY_NOT_BE_TEXT:
        return value  # most plain scalars are words
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _LEADING_ZERO.match(value):
        return value
    try:
        if _INT.match(value):
            return int(value)
        if _FLOAT.match(value):
            return float(value)
    except ValueError:  # more digits than Python converts: not a number anyone meant
        return value
    return value


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node: yaml.Node, loc: Loc, doc: RawDocument, problems: list[Problem]) -> Any:
    doc.marks[loc] = _mark(node)
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(node)
        if not isinstance(value, str):
            doc.written[loc] = node.value
        elif node.style == '"':
            # The raw file was checked already; an escape such as "\u202e" can still make one.
            hidden = next((c for c in value if invisible_kind(c)), None)
            if hidden:
                problems.append(doc.problem(loc, _invisible_message(hidden, " (written as an escape)")))
        return value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, loc + (i,), doc, problems) for i, item in enumerate(node.value)]
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            line, col = _mark(key_node)
            problems.append(Problem(doc.shown, line, col, format_loc(loc), "expected a plain text key, got a complex key"))
            continue
        key = key_node.value
        child = loc + (key,)
        if key in result:
            line, col = _mark(key_node)
            first = doc.key_marks[child][0]
            problems.append(Problem(doc.shown, line, col, format_loc(child), f"duplicate key '{key}' (first written on line {first}); keep one"))
            continue
        doc.key_marks[child] = _mark(key_node)
        result[key] = _convert(value_node, child, doc, problems)
    return result


def load_document(path: Path, root: Path | None = None) -> tuple[RawDocument, list[Problem]]:
    """Read one YAML file; never raises for bad content, returns its problems."""
    shown, raw, problems = read_article(path, root)
    if raw is None:
        return RawDocument(path=Path(path), shown=shown, data=None), problems
    return parse_document(raw, Path(path), shown)


def read_article(path: Path, root: Path | None = None) -> tuple[str, bytes | None, list[Problem]]:
    """``(shown, bytes, problems)`` of one file, read as every YAML file is (a regular file, within the
    size limit); bytes None when it may not or cannot be read, and the problems say why."""
    shown = _shown(path, root)
    try:
        return shown, read_regular_file(path, MAX_FILE_BYTES), []
    except _NotRegular as exc:  # never opened: a link could point anywhere, a pipe would hang
        return shown, None, [Problem(shown, 1, 1, "", f"expected a regular file; {shown} is {exc.kind}")]
    except _TooLarge as exc:  # never read
        return shown, None, [Problem(shown, 1, 1, "", f"expected a file of at most {MAX_FILE_BYTES // 1024} KiB, got {exc.size // 1024} KiB")]
    except OSError as exc:
        return shown, None, [Problem(shown, 1, 1, "", f"cannot read the file: {exc.strerror or exc}")]


def parse_document(raw: bytes, path: Path, shown: str) -> tuple[RawDocument, list[Problem]]:
    """Read YAML bytes (a file, or a file as it was at a git commit) with every check of ``load_document``."""
    doc = RawDocument(path=Path(path), shown=shown, data=None)
    problems: list[Problem] = []

    def fail(message: str, line: int = 1, col: int = 1) -> tuple[RawDocument, list[Problem]]:
        problems.append(Problem(shown, line, col, "", message))
        return doc, problems

    if len(raw) > MAX_FILE_BYTES:
        return fail(f"expected a file of at most {MAX_FILE_BYTES // 1024} KiB, got {len(raw) // 1024} KiB")
    if raw.startswith(BYTE_ORDER_MARK):
        # YAML allows one at the start and Windows editors write it; editors do not count
        # it as a column, so neither do positions here.  Anywhere else it is refused as invisible.
        raw = raw[len(BYTE_ORDER_MARK):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return fail(f"expected UTF-8 text, got the byte 0x{raw[exc.start]:02x}", line, col)
    if not text.strip():
        return fail("expected a YAML mapping, got an empty file")
    hidden = _invisible_characters(text, shown)
    if hidden:
        problems += hidden
        return doc, problems

    doc.source = text
    fast = _read_events(text)
    if fast is not None:
        doc.data, doc.marks, doc.key_marks, doc.written = fast
        return doc, problems
    try:
        node = _compose(text)
    except _Refused as exc:
        line, col = (exc.mark.line + 1, exc.mark.column + 1) if exc.mark else (1, 1)
        return fail(exc.message, line, col)
    except _Unreadable as exc:
        error = exc.error
        if isinstance(error, yaml.composer.ComposerError) and "single document" in f"{error.context} {error.problem}":
            mark = error.problem_mark
            return fail("expected one YAML document, got several (remove the '---' separator)", mark.line + 1, mark.column + 1)
        return fail(*explain_syntax_error(text, error, exc.tokens))
    except yaml.reader.ReaderError as exc:  # U+FFFE or U+FFFF: not invisible, yet not allowed in YAML
        start = min(max(exc.position, 0), len(text))
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        return fail(f"expected text YAML accepts; got U+{exc.character:04X}, a character YAML does not allow", line, col)
    except yaml.YAMLError as exc:
        return fail(*_generic(text, exc))

    if node is None:
        return fail("expected a YAML mapping, got an empty document")
    doc.data = _convert(node, (), doc, problems)
    if doc.data is None:  # "~" or "null": nothing to validate, and nothing may pass unnoticed
        return fail(f"expected a YAML mapping, got null ('{node.value}')", *_mark(node))
    return doc, problems


def _invisible_characters(text: str, shown: str) -> list[Problem]:
    """Every invisible character of the file, comments included (a reviewer reads those too)."""
    out: list[Problem] = []
    found = 0
    for match in _NOT_PLAIN_ASCII.finditer(text):
        char = match.group()
        if not invisible_kind(char):
            continue
        found += 1
        if found <= MAX_INVISIBLE_REPORTED:
            start = match.start()
            line = text.count("\n", 0, start) + 1
            col = start - (text.rfind("\n", 0, start) + 1) + 1
            out.append(Problem(shown, line, col, "", _invisible_message(char)))
    if found > MAX_INVISIBLE_REPORTED:
        out.append(Problem(shown, 1, 1, "", f"expected visible text; got {found - MAX_INVISIBLE_REPORTED} more invisible characters"))
    return out


_NOT_PLAIN_ASCII = re.compile(r"[^\t\n\r\x20-\x7e]")
"""Candidates for the invisible-character check: most article text is plain ASCII."""
