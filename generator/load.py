"""Stage 1 — load: YAML files become plain data plus the position of every value.

The YAML is read with a deliberately small resolver (the YAML 1.2 core
schema): ``yes``/``no``/``on``/``off`` stay text, dates stay text until the
model parses them, numbers with a leading zero stay text, and only
``true``/``false`` are booleans.  Duplicate keys, anchors and aliases, tags,
deep nesting, several documents in one file, non-UTF-8 bytes and invisible
characters are refused with a located problem instead of being guessed at (a
UTF-8 byte-order mark at the very start is allowed, as YAML allows it).  A
syntax error is explained in an author's words: what was expected, what was
found, where.

Everything under ``content/``, ``site_config/`` and ``theme/`` must be a
regular file or folder: a symbolic link could make the build read (and print,
and publish) a file from anywhere, and a named pipe or device would hang it.
Such entries are refused by their own name, found from directory entries
(``lstat``), and never opened.  Content files must be at
``content/<specialty>/<id>.yaml``.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, display_path

MAX_FILE_BYTES = 512 * 1024
"""Articles are text; anything larger than this is a mistake or an attack."""

MAX_DEPTH = 32
"""Deepest nesting of mappings and lists; an article needs about a dozen levels."""

MAX_INVISIBLE_REPORTED = 20
"""Invisible characters reported one by one before the rest are counted."""

BYTE_ORDER_MARK = b"\xef\xbb\xbf"
"""UTF-8's byte-order mark: allowed at the very start of a file, and not counted as a column."""

Loc = tuple[str | int, ...]


@dataclass
class RawDocument:
    """One YAML file as plain Python data, with where each value was written."""

    path: Path
    shown: str
    """The path as printed in problems (relative to the project)."""
    data: Any
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, column) of each value, by its path in the data."""
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, column) of each mapping key, by the path of its value."""
    written: dict[Loc, str] = field(default_factory=dict)
    """How each number, boolean or null was written (``1.10``, not 1.1), for messages."""

    def where(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of ``loc``, or of its nearest written ancestor."""
        loc = tuple(loc)
        if key and loc in self.key_marks:
            return self.key_marks[loc]
        while loc:
            if loc in self.marks:
                return self.marks[loc]
            loc = loc[:-1]
        return self.marks.get((), (1, 1))

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        line, col = self.where(loc, key=key)
        return Problem(self.shown, line, col, format_loc(loc), message)


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector while many documents are read or checked.

    Documents and models are trees that reference counting frees; but each full
    collection walks every object still held, so collecting while thousands of
    articles are read makes reading them quadratic (at 5,000 articles it took
    more time than the reading itself).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def format_loc(loc: Loc) -> str:
    """``('sections', 0, 'blocks')`` → ``sections[0].blocks``; an odd key is quoted: ``review['my key']``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.match(r"^[A-Za-z0-9_-]+$", part):
            out += f".{part}" if out else part
        else:
            shown = "".join(f"\\u{ord(c):04x}" if invisible_kind(c) else c for c in part).replace("'", "\\'")
            out += f"['{shown}']"
    return out


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


def invisible_kind(char: str) -> str | None:
    """What an invisible character is ("control", "formatting", "line separator"), or None.

    Control characters, bidirectional overrides, zero-width characters and
    line separators make a text read differently from what it says (in a
    review, in a dose); none belongs in an article.  Tab, line feed and
    carriage return are ordinary.
    """
    if char in "\t\n\r":
        return None
    category = unicodedata.category(char)
    if category == "Cc":
        return "control"
    if category == "Cf":
        return "formatting"
    if category in ("Zl", "Zp"):
        return "line separator"
    return None


def char_label(char: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``; control characters have no name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def _invisible_message(char: str, how: str = "") -> str:
    return f"expected visible text; got {char_label(char)}, an invisible {invisible_kind(char)} character{how}"


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
    shown = _shown(path, root)
    doc = RawDocument(path=Path(path), shown=shown, data=None)
    try:
        raw = read_regular_file(Path(path), MAX_FILE_BYTES)
    except _NotRegular as exc:  # never opened: a link could point anywhere, a pipe would hang
        return doc, [Problem(shown, 1, 1, "", f"expected a regular file; {shown} is {exc.kind}")]
    except _TooLarge as exc:  # never read
        return doc, [Problem(shown, 1, 1, "", f"expected a file of at most {MAX_FILE_BYTES // 1024} KiB, got {exc.size // 1024} KiB")]
    except OSError as exc:
        return doc, [Problem(shown, 1, 1, "", f"cannot read the file: {exc.strerror or exc}")]
    return parse_document(raw, Path(path), shown)


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


# --- YAML syntax errors, in an author's words ---------------------------------------------------
#
# PyYAML says "expected <block end>, but found '<block mapping start>'"; an author needs "this
# line is indented differently from the lines around it".  The careful reading stops at the
# error with the tokens it had read; from those, the open collections and the text itself, each
# error is named as what was expected and what was found, at the place to fix.  Only files that
# fail to parse come here: the fast reading of good files is untouched.

_CLOSING = {'"': "write \\\" for a \" inside the text, or quote it with ' instead", "'": "write '' for a ' inside the text, or quote it with \" instead"}
_LEAD = re.compile(r"( *)((?:-(?: +|$))*)")
_DASH = re.compile(r"- *")
_KEY_START = re.compile(r"""(?:"[^"\n]*"|'[^'\n]*'|[^\s#'"\[\]{},][^#\n]*?) *:(?:[ \t]|$)""")
_TOKEN_WORDS = {
    "<block end>": "the end of the indented block",
    "<block mapping start>": "'key: value'",
    "<block sequence start>": "a list item",
    "<document start>": "'---'",
    "<document end>": "'...'",
    "<stream end>": "the end of the file",
    "<scalar>": "text",
}


def explain_syntax_error(text: str, error: yaml.MarkedYAMLError, tokens: list[yaml.Token] = ()) -> tuple[str, int, int]:
    """``(message, line, column)`` for a YAML syntax error: what was expected, what was found, where to look."""
    try:
        found = _explain(text, error, list(tokens))
    except Exception:  # noqa: BLE001 - an explanation must never hide the error it explains
        found = None
    return found or _generic(text, error)


def _explain(text: str, error: yaml.MarkedYAMLError, tokens: list[yaml.Token]) -> tuple[str, int, int] | None:
    problem, context = error.problem or "", error.context or ""
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return None
    lines = text.splitlines()  # as YAML counts them: "\r\n" is one break
    line = lines[mark.line] if mark.line < len(lines) else ""
    before = line[: mark.column]
    opening = error.context_mark

    def at(message: str, where: yaml.Mark = mark) -> tuple[str, int, int]:
        return message, where.line + 1, where.column + 1

    if "quoted scalar" in context and opening is not None and problem.startswith("found unexpected"):
        quote = text[opening.index]
        got = "the end of the file" if "end of stream" in problem else f"a '---' line on line {mark.line + 1}"
        return at(f"a quoted text starting at line {opening.line + 1} is never closed: expected a closing {quote}; got {got} (close the quote; {_CLOSING[quote]})", opening)
    if "double-quoted scalar" in context:
        backslash = text.rfind("\\", 0, mark.index + 1)
        where = _mark_at(text, backslash) if backslash >= 0 else mark
        return at(f"expected an escape such as \\n, \\\" or \\\\ after the backslash in double-quoted text; got '{text[where.index: mark.index + 1]}' (write a backslash as \\\\, or put the text in single quotes)", where)
    if problem.startswith("found character '\\t'"):
        if not before.strip(" \t-"):
            return at("tabs cannot indent YAML; use spaces: expected spaces at the start of this line; got a tab")
        return at("expected a space; got a tab, which YAML does not accept here (use spaces)")
    if problem.startswith("found character"):
        char = text[mark.index] if mark.index < len(text) else ""
        return at(f"expected a value; got text starting with '{char}', which YAML reserves (put the text in quotes)")

    previous = _token_before(tokens, mark, skip_plain=isinstance(error, yaml.scanner.ScannerError))
    if isinstance(previous, yaml.ScalarToken) and previous.style in _CLOSING and previous.end_mark.line == mark.line:
        quote, start = previous.style, previous.start_mark
        if start.line < mark.line and _swallows_lines(text, previous):
            return at(f"a quoted text starting at line {start.line + 1} is never closed: expected a closing {quote} on line {start.line + 1}; "
                      f"got text running on to the {quote} on line {mark.line + 1} (close the quote; {_CLOSING[quote]})", start)
        return at(f"expected the end of the value after the closing {quote} (column {previous.end_mark.column}); "
                  f"got more text: '{_snippet(text, mark.index)}' ({_CLOSING[quote]})")

    if context in ("while parsing a flow sequence", "while parsing a flow mapping") and opening is not None and problem.startswith("expected ','"):
        bracket = text[opening.index]
        closer, kind = ("]", "list") if bracket == "[" else ("}", "mapping")
        got = problem.rsplit("but got ", 1)[-1].strip("'")
        if got == "<stream end>":
            return at(f"a '{bracket}' opened at line {opening.line + 1} is never closed: expected '{closer}'; got the end of the file", opening)
        if mark.line > opening.line and got in (":", "?", "-") and not re.search(r"[,\[\]{}]", before):
            return at(f"a '{bracket}' opened at line {opening.line + 1} is never closed: expected '{closer}' before line {mark.line + 1}; "
                      f"got '{line.strip()[:40]}' there", opening)
        hint = " (put text containing ': ' in quotes)" if got == ":" else ""
        return at(f"expected ',' or '{closer}' between the items of the {kind} opened at line {opening.line + 1}, column {opening.column + 1}; "
                  f"got {_found(text, mark)}{hint}")

    if "expected <block end>" in problem:
        found = problem.rsplit("but found ", 1)[-1].strip("'")
        first = _LEAD.fullmatch(before) is not None
        if first and isinstance(previous, yaml.ScalarToken) and previous.style in ("|", ">") and not _line_levels(line):
            indent = _block_indent(lines, previous.start_mark.line)
            if indent is not None and mark.column < indent:
                return at(f"this line is indented less than the text of the '{previous.style}' on line {previous.start_mark.line + 1}: "
                          f"expected {_spaces(indent)}, like line {previous.start_mark.line + 2}; got {_spaces(mark.column)} (check its spaces)")
        if found in ("]", "}"):
            opener = "[" if found == "]" else "{"
            return at(f"expected no '{found}' here, as no '{opener}' is open; got '{found}' (put the text in quotes if the bracket belongs to it)")
        if first:
            levels = _levels_above(lines, mark.line)
            same = [level for level in levels if level[0] == mark.column]
            if not same:
                return at(_indentation(levels, mark.column))
            _, sibling, dash = same[0]
            if not dash and found in ("-", "<block sequence start>"):
                return at(f"expected 'key: value' at this indentation, like line {sibling}; got a list item: '{_snippet(text, mark.index)}' (indent a list under its key)")
            if dash and found in ("?", "<block mapping start>", "<scalar>"):
                return at(f"expected a list item ('- ') at this indentation, like line {sibling}; got '{_snippet(text, mark.index)}' (indent a key under its list item, past the '- ')")
        if isinstance(previous, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and previous.end_mark.line == mark.line:
            closer = text[previous.start_mark.index]
            return at(f"expected the end of the value after the closing '{closer}' (column {previous.end_mark.column}); got more text: '{_snippet(text, mark.index)}' (put the whole value in quotes if it is text)")
        if found == ":":
            return at(f"expected a key before ':'; got '{_snippet(text, mark.index)}' (write the key before the ':', or put the text in quotes)")
        if found == ",":
            return at(f"expected a value or the end of the line; got '{_snippet(text, mark.index)}', but ',' only separates the items of a [list] or a {{mapping}} (put the text in quotes)")
        return at(f"expected a line that lines up with the lines above it; got '{_snippet(text, mark.index)}' (check the indentation of this line and of the line above it)")

    if problem == "mapping values are not allowed here":
        value = _LEAD.sub("", before, count=1)
        key = re.match(r"(.*?) *:[ \t]", value)
        if key:
            name = key.group(1).strip()[:40]
            return at(f"the value of '{name}' contains ': ', which YAML reads as the start of another key: expected one ': ' on this line, after '{name}'; got another ': ' here (put the whole value in quotes)")
        if len(value) > 1024:
            return at(f"expected a key of at most 1024 characters before ': '; got {len(value)} (make a long text the value of a key, in quotes)")
        indent = len(line) - len(line.lstrip(" "))
        levels = _levels_above(lines, mark.line)
        if all(level[0] != indent for level in levels):
            return _indentation(levels, indent, " (if this line continues the text above, put that text in quotes: it contains ': ')"), mark.line + 1, indent + 1
        above = _line_above(lines, mark.line)
        return (f"the text of line {above + 1} has no ': ', yet this line, which continues it, has one: expected 'key: value' on line {above + 1}; "
                f"got '{_snippet(text, mark.index - len(value))}' here (add the ':' on line {above + 1}, or put the text in quotes)"), mark.line + 1, indent + 1
    if problem == "sequence entries are not allowed here":
        value = _LEAD.sub("", before, count=1).strip()
        if value:
            return at(f"expected a value after '{value[:40]}' on this line, or a list on the lines below it; got a list item: '{_snippet(text, mark.index)}' "
                      "(start a list on the next line, indented; put text starting with '- ' in quotes)")
        return at(_indentation(_levels_above(lines, mark.line), mark.column))
    if problem == "mapping keys are not allowed here":
        return at(f"expected a value; got '{_snippet(text, mark.index)}', where '? ' would start a complex key (put the text in quotes)")
    if problem == "could not find expected ':'" and opening is not None:
        rest = lines[opening.line][opening.column:] if opening.line < len(lines) else ""
        levels = [level for level in _levels_above(lines, opening.line) if level[0] == opening.column]
        like = f", like line {levels[0][1]}" if levels else ""
        if levels and levels[0][2]:
            return at(f"expected a list item ('- ') on this line{like}; got '{_snippet(text, opening.index)}' (add the '- ', or indent the line if it continues the text above)", opening)
        hint = "put a space after the ':'" if re.search(r":[^\s]", rest) else "add ': ' after the key; if this line continues the text above, indent it more or put that text in quotes"
        return at(f"expected 'key: value' on this line{like}; got '{_snippet(text, opening.index)}', with no ': ' ({hint})", opening)
    if opening is not None and ("an alias" in context or "an anchor" in context):
        sign, name = ("*", "alias") if "alias" in context else ("&", "anchor")
        return at(f"expected a value; got text starting with '{sign}', which YAML reads as an {name} (put the text in quotes)", opening)
    if opening is not None and "tag" in context or "tag handle" in problem:
        where = opening or mark
        return at("expected a value; got text starting with '!', which YAML reads as a tag (put the text in quotes)", where)
    if opening is not None and "block scalar" in context:
        sign = text[opening.index]
        return at(f"expected a line break after '{sign}' (the text goes on the lines below it, indented); got '{_snippet(text, opening.index)}' "
                  f"(put text starting with '{sign}' in quotes)", opening)
    if "directive" in context or "directive" in problem or "<document start>" in problem:
        percent = re.search(r"(?m)^%", text)
        if percent and percent.start() <= mark.index:
            where = _mark_at(text, percent.start())
            return at(f"expected '---' after a line starting with '%', which YAML reads as a directive; got '{_snippet(text, percent.start())}' "
                      "(put text starting with '%' in quotes, or remove the line)", where)
        ended = re.search(r"(?m)^\.\.\.", text)
        if ended and ended.start() <= mark.index:
            return at(f"expected nothing after '...' on line {text.count(chr(10), 0, ended.start()) + 1}, the end of the document; got '{_snippet(text, mark.index)}' (remove the '...' line)")
        first = next((index for index, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), None)
        if first is not None and first < mark.line:
            indent = len(lines[first]) - len(lines[first].lstrip(" "))
            if indent > mark.column:  # the first key is indented more than the keys after it
                return (f"this line is indented more than the lines after it (line {mark.line + 1}): expected {_spaces(mark.column)}; "
                        f"got {_spaces(indent)} (check its spaces)"), first + 1, indent + 1
        return None
    if "expected the node content" in problem:
        found = problem.rsplit("but found ", 1)[-1].strip("'")
        hint = " (put the text in quotes if the bracket belongs to it)" if found in ("]", "}") else ""
        return at(f"expected a value; got {_found(text, mark)}{hint}")
    return None


def _generic(text: str, error: yaml.YAMLError) -> tuple[str, int, int]:
    """Any other error: PyYAML's expectation with its token names in words."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    match = re.match(r"expected (.+?), but (?:found|got) (.+)$", problem)
    if match:
        expected = match.group(1)
        for token, words in _TOKEN_WORDS.items():
            expected = expected.replace(f"'{token}'", words).replace(token, words)
        got = _found(text, mark) if mark else match.group(2)
        return f"expected {expected}; got {got}", line, col
    return f"expected YAML that reads as one mapping; got text it cannot read ({problem})", line, col


def _token_before(tokens: list[yaml.Token], mark: yaml.Mark, *, skip_plain: bool) -> yaml.Token | None:
    """The last token read before ``mark``; with ``skip_plain``, the one before a plain text ending there on its line."""
    before = [t for t in tokens if t.start_mark.index < mark.index and t.end_mark.index <= mark.index
              and not isinstance(t, (yaml.KeyToken, yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.BlockEndToken))]
    if skip_plain and before and isinstance(before[-1], yaml.ScalarToken) and before[-1].plain and before[-1].start_mark.line == mark.line:
        before.pop()
    return before[-1] if before else None


def _swallows_lines(text: str, token: yaml.Token) -> bool:
    """Whether a quoted text spanning lines holds lines that look like YAML (a ``key:`` or a ``- ``): then its quote was never closed."""
    inside = text[token.start_mark.index: token.end_mark.index].splitlines()[1:]
    return any(_line_levels(line) for line in inside)


def _line_levels(line: str) -> list[int]:
    """Columns where a ``key:`` line or a list item opens content (its indentation, then after each ``- ``); [] for other lines."""
    line = line.rstrip("\r")
    lead = _LEAD.match(line)
    rest = line[lead.end():]
    dashes = lead.group(2)
    if not dashes and not _KEY_START.match(rest):
        return []
    column = len(lead.group(1))
    levels = [column]
    for dash in _DASH.findall(dashes):
        column += len(dash)
        levels.append(column)
    if not rest or rest.startswith("#"):
        levels.pop()
    return levels


def _levels_above(lines: list[str], before: int) -> list[tuple[int, int, bool]]:
    """``(column, line, is a list item)`` of each block open just above line ``before`` (0-based), innermost first."""
    out: list[tuple[int, int, bool]] = []
    limit: int | None = None
    for index in range(min(before, len(lines)) - 1, -1, -1):
        levels = _line_levels(lines[index])
        for position, column in reversed(list(enumerate(levels))):
            if limit is None or column < limit:
                dash = position < len(levels) - 1 or (levels and lines[index][column:column + 1] == "-")
                out.append((column, index + 1, bool(dash)))
                limit = column
        if limit == 0:
            break
    return out


def _indentation(levels: list[tuple[int, int, bool]], found: int, hint: str = "") -> str:
    if not levels:
        return f"this line is indented differently from the lines around it (check its spaces): expected no spaces; got {_spaces(found)}{hint}"
    column, line, _ = min(levels, key=lambda level: (abs(level[0] - found), -level[0]))
    return f"this line is indented differently from the lines around it (check its spaces): expected {_spaces(column)}, like line {line}; got {_spaces(found)}{hint}"


def _block_indent(lines: list[str], start: int) -> int | None:
    """Indentation of a ``|`` or ``>`` text: that of its first non-blank line."""
    for line in lines[start + 1:]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return None


def _line_above(lines: list[str], index: int) -> int:
    """The nearest line above ``index`` with something other than a comment."""
    for above in range(index - 1, -1, -1):
        stripped = lines[above].strip()
        if stripped and not stripped.startswith("#"):
            return above
    return max(index - 1, 0)


def _spaces(count: int) -> str:
    return "no spaces" if count == 0 else "1 space" if count == 1 else f"{count} spaces"


def _mark_at(text: str, index: int) -> yaml.Mark:
    line = text.count("\n", 0, index)
    return yaml.Mark("", index, line, index - (text.rfind("\n", 0, index) + 1), None, None)


def _snippet(text: str, index: int, limit: int = 40) -> str:
    """The rest of the line from ``index``, shortened."""
    end = text.find("\n", index)
    shown = text[index: len(text) if end < 0 else end].rstrip()
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _found(text: str, mark: yaml.Mark) -> str:
    if mark.index >= len(text.rstrip()):
        return "the end of the file"
    shown = _snippet(text, mark.index)
    return f"'{shown}'" if shown else "the end of the line"


SITE_FILES = ("site", "specialties", "reviewers", "tags", "disclaimers", "grading")
"""The YAML files of ``site_config/``, each ``<name>.yaml``."""

POLICY_FILE = "editorial-policy.md"


@dataclass
class Loaded:
    """Everything read from disk, before any validation."""

    root: Path
    site: dict[str, RawDocument]
    policy: str
    articles: list[RawDocument]
    problems: list[Problem]
    only: set[str] | None = None
    """When set, report article problems only for these shown paths."""
    partial: bool = False
    """Only some articles were read: links to articles outside them are not errors."""
    files: list[Path] = field(default_factory=list)
    """The article files, in the order read (``articles`` holds them read, unless ``read_articles=False``)."""


ARTICLE_SUFFIXES = (".yaml", ".yml")

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""The model's slug pattern (file and folder names become URLs)."""


def find_articles(content_dir: Path) -> list[Path]:
    """Every regular ``*.yaml`` file below ``content_dir``, in a stable order.

    Symbolic links are neither followed nor read, nor are named pipes or
    devices: :func:`layout_problems` reports them.
    """
    return sorted(_walk_content(content_dir, content_dir)[1])


def layout_problems(root: Path, content_dir: Path) -> list[Problem]:
    """Files and folders of ``content/`` that are not ``<specialty>/<id>.yaml``.

    Names become URLs and output paths, so each must be a lower-case slug; a
    symbolic link could make the build read (and print) a file from anywhere,
    and a named pipe would hang it; an article at the wrong depth or with an
    upper-case extension would be left out or misfiled without a word.
    """
    return _walk_content(root, content_dir)[0]


def _walk_content(root: Path, content_dir: Path) -> tuple[list[Problem], list[Path]]:
    """``(problems of the layout, regular article files)`` of ``content_dir``, from directory entries alone.

    Each entry's type comes with the folder listing (``scandir``), so telling a
    link or a pipe from a file costs no extra system call and opens nothing.
    """
    problems: list[Problem] = []
    files: list[Path] = []

    def visit(folder: Path, depth: int) -> None:  # depth: of the entries of this folder
        try:
            folders, others = _entries(folder)
        except FileNotFoundError:
            return
        except OSError as exc:
            problems.append(Problem(_shown(folder, root), 1, 1, "", f"expected a folder that can be read; got an error: {exc.strerror or exc}"))
            return
        for entry in folders + others:
            path = Path(entry.path)
            name = entry.name
            if entry.is_symlink():
                message = "expected a regular file or folder; got a symbolic link (content must not point outside content/)"
            elif entry in folders:
                if depth != 1 or _SLUG.match(name):
                    continue
                message = f"expected a specialty folder named in lower-case words joined by hyphens; got '{name}'"
            elif not entry.is_file(follow_symlinks=False):
                message = f"expected a regular file or folder; got {_entry_kind(entry)}"
            elif path.suffix.lower() in ARTICLE_SUFFIXES and path.suffix not in ARTICLE_SUFFIXES:
                message = f"expected the extension .yaml; got '{path.suffix}' (the article would be left out)"
            elif path.suffix in ARTICLE_SUFFIXES:
                files.append(path)
                if depth != 2:
                    message = f"expected content/<specialty>/<id>.yaml; got a file {depth - 1} folder(s) below content/"
                elif not _SLUG.match(path.stem):
                    message = f"expected a file name of lower-case words joined by hyphens, such as 'cervical-cancer.yaml'; got '{name}'"
                else:
                    continue
            else:
                continue
            problems.append(Problem(_shown(path, root), 1, 1, "", message))
        for entry in folders:
            visit(Path(entry.path), depth + 1)

    visit(Path(content_dir), 1)
    return problems, files


def _entries(folder: Path) -> tuple[list[os.DirEntry], list[os.DirEntry]]:
    """The real folders and every other entry of ``folder``, each by name; a link to a folder is an "other"."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    folders = [entry for entry in entries if entry.is_dir(follow_symlinks=False)]
    return folders, [entry for entry in entries if not entry.is_dir(follow_symlinks=False)]


def _entry_kind(entry: os.DirEntry) -> str:
    if entry.is_symlink():
        return "a symbolic link"
    try:
        return file_kind(entry.stat(follow_symlinks=False).st_mode) or "a regular file"
    except OSError:
        return "not a regular file"


def file_kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (from ``lstat``); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _special_entries(root: Path, folder: Path, expected: str) -> list[Problem]:
    """A problem for each symbolic link or special file (pipe, device, socket) anywhere below ``folder``.

    Links are reported, not followed, whether they point inside the project or
    not: what MkDocs and Jinja read from ``theme/`` must be the project's own files.
    """
    out: list[Problem] = []
    try:
        folders, others = _entries(folder)
    except FileNotFoundError:
        return out
    except OSError as exc:
        return [Problem(_shown(folder, root), 1, 1, "", f"expected a folder that can be read; got an error: {exc.strerror or exc}")]
    for entry in others:
        if not entry.is_file(follow_symlinks=False):
            shown = _shown(Path(entry.path), root)
            out.append(Problem(shown, 1, 1, "", f"{expected}; {shown} is {_entry_kind(entry)}"))
    for entry in folders:
        out += _special_entries(root, Path(entry.path), expected)
    return out


def _top_folder(root: Path, folder: Path) -> Problem | None:
    """A problem when one of the project's folders is itself a link or a special file (a missing one is for others to report)."""
    try:
        kind = file_kind(os.lstat(folder).st_mode)
    except OSError:
        return None
    if kind == "a folder":
        return None
    shown = _shown(folder, root)
    return Problem(shown, 1, 1, "", f"expected a folder; {shown} is {kind or 'a regular file'}")


def _link_on_the_way(root: Path, path: Path) -> Path | None:
    """The first symbolic link on the way from the project folder down to ``path`` (``path`` included)."""
    try:
        relative = Path(path).absolute().relative_to(Path(root).absolute())
    except ValueError:
        return Path(path) if Path(path).is_symlink() else None
    current = Path(root).absolute()
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


class _NotRegular(Exception):
    def __init__(self, kind: str):
        self.kind = kind


class _TooLarge(Exception):
    def __init__(self, size: int):
        self.size = size


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
"""Even if a file is swapped for a link or a pipe after it was checked, opening it neither follows nor waits."""


def read_regular_file(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file; a symbolic link, pipe, device or folder raises ``_NotRegular`` unopened.

    ``lstat`` decides before anything is opened; the open refuses links
    (``O_NOFOLLOW``) and does not wait on a pipe (``O_NONBLOCK``), and what was
    opened is checked again, so no byte of a link's target is ever read.
    """
    kind = file_kind(os.lstat(path).st_mode)
    if kind:
        raise _NotRegular(kind)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise _NotRegular("a symbolic link") from None
        raise
    with open(fd, "rb", buffering=0) as file:
        info = os.fstat(fd)
        kind = file_kind(info.st_mode)
        if kind:
            raise _NotRegular(kind)
        if limit is not None and info.st_size > limit:
            raise _TooLarge(info.st_size)
        return file.readall()


def _shown(path: Path, root: Path | None) -> str:
    """Like display_path, without following a symbolic link to where it points."""
    path = Path(path)
    try:
        return path.absolute().relative_to(Path(root or Path.cwd()).absolute()).as_posix()
    except ValueError:
        pass
    # Reached through a different spelling of the project folder: resolve the folder, never the file itself.
    parent = display_path(path.parent, root)
    return path.name if parent == "." else f"{parent}/{path.name}"


def load(root: Path, paths: list[Path] | None = None, *, only_paths: bool = False, read_articles: bool = True) -> Loaded:
    """Read site_config/ and every article (plus ``paths``, when given).

    With ``only_paths`` just ``paths`` are read (a preview of a few articles at
    any site size); checks that need the whole collection are then the caller's
    to skip (``Loaded.partial``).  With ``read_articles=False`` the article
    files are only listed (``Loaded.files``), for a caller that reads and checks
    them one at a time (``validate.check_content``).

    Every command starts here, so ``theme/`` (read by MkDocs and Jinja, not by
    this module) is checked here too: a symbolic link or special file anywhere
    in content/, site_config/ or theme/ stops the run before anything reads it.
    """
    root = Path(root)
    problems: list[Problem] = []
    site: dict[str, RawDocument] = {}
    config_dir = root / "site_config"
    content_dir = root / "content"
    top = {folder: _top_folder(root, folder) for folder in (config_dir, content_dir, root / "theme")}
    problems += [problem for problem in top.values() if problem]
    if top[root / "theme"] is None:
        problems += _special_entries(root, root / "theme", "expected a regular file or folder")

    policy = ""
    if top[config_dir] is None:
        special = _special_entries(root, config_dir, "expected a regular file")
        problems += special
        refused = {problem.path for problem in special}
        for name in SITE_FILES:
            path = config_dir / f"{name}.yaml"
            if _shown(path, root) in refused:
                continue
            if not os.path.lexists(path):
                problems.append(Problem(_shown(path, root), 1, 1, "", "expected this site configuration file; it is missing"))
                continue
            doc, found = load_document(path, root)
            problems += found
            site[name] = doc
        policy_path = config_dir / POLICY_FILE
        shown = _shown(policy_path, root)
        if shown not in refused:
            try:
                raw = read_regular_file(policy_path)
                policy = raw[len(BYTE_ORDER_MARK):].decode("utf-8") if raw.startswith(BYTE_ORDER_MARK) else raw.decode("utf-8")
                problems += _invisible_characters(policy, shown)
            except _NotRegular as exc:
                problems.append(Problem(shown, 1, 1, "", f"expected a regular file; {shown} is {exc.kind}"))
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(Problem(shown, 1, 1, "", f"expected the editorial policy as UTF-8 Markdown; {exc}"))
                policy = ""

    files: list[Path] = []
    if not only_paths and top[content_dir] is None:
        layout, found_files = _walk_content(root, content_dir)
        problems += layout
        files = sorted(p for p in found_files if len(p.relative_to(content_dir).parts) == 2)
    only = None
    if paths:
        wanted: list[Path] = []
        content_root = content_dir.resolve()
        for path in map(Path, paths):
            link = _link_on_the_way(root, path)
            if not path.absolute().resolve().is_relative_to(content_root):
                problems.append(Problem(_shown(path, root), 1, 1, "", f"expected an article file or folder inside {_shown(content_dir, root)}/ of the project; "
                                        f"this is outside it (paths are read from the current folder: {Path.cwd()})"))
            elif link is not None:
                problems.append(Problem(_shown(link, root), 1, 1, "", "expected a regular file or folder; got a symbolic link (content must not point outside content/)"))
            elif path.is_dir():
                wanted += find_articles(path)
            else:
                wanted.append(path)
        resolved = {p.resolve() for p in files}
        files += [p for p in wanted if p.resolve() not in resolved]
        only = {_shown(p, root) for p in wanted}
    articles = []
    with collection_paused():
        for path in files if read_articles else ():
            doc, found = load_document(path, root)
            problems += found
            articles.append(doc)
    return Loaded(root=root, site=site, policy=policy, articles=articles, problems=problems, only=only, partial=only_paths, files=files)
