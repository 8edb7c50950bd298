"""Stage 1 — load: YAML files become plain data plus the position of every value.

The YAML is read with a deliberately small resolver (the YAML 1.2 core
schema): ``yes``/``no``/``on``/``off`` stay text, dates stay text until the
model parses them, numbers with a leading zero stay text, and only
``true``/``false`` are booleans.  Duplicate keys, anchors and aliases, tags,
deep nesting, several documents in one file, byte-order marks, non-UTF-8
bytes and invisible characters are refused with a located problem instead of
being guessed at.  Content files must be regular files at
``content/<specialty>/<id>.yaml``: a symbolic link could make the build read a
file from anywhere.
"""

from __future__ import annotations

import gc
import os
import re
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
    shown = display_path(path, root)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return RawDocument(path=Path(path), shown=shown, data=None), [Problem(shown, 1, 1, "", f"cannot read the file: {exc.strerror or exc}")]
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
    if raw.startswith(b"\xef\xbb\xbf"):
        return fail("expected UTF-8 without a byte-order mark, got a byte-order mark; save the file as plain UTF-8")
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
    except yaml.composer.ComposerError as exc:
        if "single document" in f"{exc.context} {exc.problem}":
            mark = exc.problem_mark
            return fail("expected one YAML document, got several (remove the '---' separator)", mark.line + 1, mark.column + 1)
        return fail(_yaml_message(exc), *_yaml_mark(exc))
    except yaml.YAMLError as exc:
        return fail(_yaml_message(exc), *_yaml_mark(exc))

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


def _yaml_mark(exc: yaml.YAMLError) -> tuple[int, int]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def _yaml_message(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    text = f"invalid YAML: {problem}"
    if context:
        started = f" that starts on line {context_mark.line + 1}" if context_mark else ""
        text += f" ({context.replace('while parsing', 'in')}{started})"
    if "found '<scalar>'" in problem or "found unexpected end" in problem or "quoted scalar" in str(context):
        text += "; check for an unclosed quote or a missing ':' above this point"
    if "\\t" in problem or "tab" in problem:
        text += "; indent with spaces, not tabs"
    return text


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

    Symbolic links are neither followed nor read: :func:`layout_problems`
    reports them.
    """
    found = []
    for folder, _dirs, names in os.walk(content_dir):
        for name in names:
            path = Path(folder) / name
            if path.suffix in ARTICLE_SUFFIXES and not path.is_symlink() and path.is_file():
                found.append(path)
    return sorted(found)


def layout_problems(root: Path, content_dir: Path) -> list[Problem]:
    """Files and folders of ``content/`` that are not ``<specialty>/<id>.yaml``.

    Names become URLs and output paths, so each must be a lower-case slug; a
    symbolic link could make the build read (and print) a file from anywhere;
    an article at the wrong depth or with an upper-case extension would be
    left out or misfiled without a word.
    """
    out: list[Problem] = []
    for folder, dirs, names in os.walk(content_dir):
        dirs.sort()
        depth = len(Path(folder).relative_to(content_dir).parts) + 1  # of the entries of this folder
        for name in dirs + sorted(names):
            path = Path(folder, name)
            if os.path.islink(path):
                message = "expected a regular file or folder; got a symbolic link (content must not point outside content/)"
            elif name in dirs:
                if depth != 1 or _SLUG.match(name):
                    continue
                message = f"expected a specialty folder named in lower-case words joined by hyphens; got '{name}'"
            elif path.suffix.lower() in ARTICLE_SUFFIXES and path.suffix not in ARTICLE_SUFFIXES:
                message = f"expected the extension .yaml; got '{path.suffix}' (the article would be left out)"
            elif path.suffix in ARTICLE_SUFFIXES and depth != 2:
                message = f"expected content/<specialty>/<id>.yaml; got a file {depth - 1} folder(s) below content/"
            elif path.suffix in ARTICLE_SUFFIXES and not _SLUG.match(path.stem):
                message = f"expected a file name of lower-case words joined by hyphens, such as 'cervical-cancer.yaml'; got '{name}'"
            else:
                continue
            out.append(Problem(_shown(path, root), 1, 1, "", message))
    return out


def _shown(path: Path, root: Path) -> str:
    """Like display_path, without following a symbolic link to where it points."""
    try:
        return Path(path).absolute().relative_to(Path(root).absolute()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def load(root: Path, paths: list[Path] | None = None, *, only_paths: bool = False, read_articles: bool = True) -> Loaded:
    """Read site_config/ and every article (plus ``paths``, when given).

    With ``only_paths`` just ``paths`` are read (a preview of a few articles at
    any site size); checks that need the whole collection are then the caller's
    to skip (``Loaded.partial``).  With ``read_articles=False`` the article
    files are only listed (``Loaded.files``), for a caller that reads and checks
    them one at a time (``validate.check_content``).
    """
    root = Path(root)
    problems: list[Problem] = []
    site: dict[str, RawDocument] = {}
    for name in SITE_FILES:
        path = root / "site_config" / f"{name}.yaml"
        if not path.exists():
            problems.append(Problem(display_path(path, root), 1, 1, "", "expected this site configuration file; it is missing"))
            continue
        doc, found = load_document(path, root)
        problems += found
        site[name] = doc
    policy_path = root / "site_config" / POLICY_FILE
    try:
        policy = policy_path.read_text(encoding="utf-8")
        problems += _invisible_characters(policy, display_path(policy_path, root))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(display_path(policy_path, root), 1, 1, "", f"expected the editorial policy as UTF-8 Markdown; {exc}"))
        policy = ""

    content_dir = root / "content"
    if only_paths:
        files = []
    else:
        problems += layout_problems(root, content_dir)
        files = [p for p in find_articles(content_dir) if len(p.relative_to(content_dir).parts) == 2]
    only = None
    if paths:
        wanted: list[Path] = []
        for path in map(Path, paths):
            if path.is_symlink():
                problems.append(Problem(_shown(path, root), 1, 1, "", "expected a regular file or folder; got a symbolic link (content must not point outside content/)"))
            elif path.is_dir():
                wanted += find_articles(path)
            else:
                wanted.append(path)
        resolved = {p.resolve() for p in files}
        files += [p for p in wanted if p.resolve() not in resolved]
        only = {display_path(p, root) for p in wanted}
    articles = []
    with collection_paused():
        for path in files if read_articles else ():
            doc, found = load_document(path, root)
            problems += found
            articles.append(doc)
    return Loaded(root=root, site=site, policy=policy, articles=articles, problems=problems, only=only, partial=only_paths, files=files)
