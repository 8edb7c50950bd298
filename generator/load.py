"""Stage 1 — load: YAML files become plain data plus the position of every value.

The YAML is read with a deliberately small resolver (the YAML 1.2 core
schema): ``yes``/``no``/``on``/``off`` stay text, dates stay text until the
model parses them, and only ``true``/``false`` are booleans.  Duplicate keys,
anchors and aliases, several documents in one file, byte-order marks and
non-UTF-8 bytes are refused with a located problem instead of being guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, display_path

MAX_FILE_BYTES = 512 * 1024
"""Articles are text; anything larger than this is a mistake or an attack."""

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


def format_loc(loc: Loc) -> str:
    """``('sections', 0, 'blocks')`` → ``sections[0].blocks``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark | None, message: str):
        self.mark = mark
        self.message = message


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer refuses anchors and aliases."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, f"YAML aliases are not allowed (found *{event.anchor}); write the value out in full")
        if getattr(event, "anchor", None):
            raise _Refused(event.start_mark, f"YAML anchors are not allowed (found &{event.anchor}); write the value out in full")
        return super().compose_node(parent, index)


_NULL = re.compile(r"^(?:~|null|Null|NULL)?$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")


def _scalar(node: yaml.ScalarNode) -> Any:
    if node.style is not None:  # quoted or block scalar: always text
        return node.value
    value = node.value
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node: yaml.Node, loc: Loc, doc: RawDocument, problems: list[Problem]) -> Any:
    doc.marks[loc] = _mark(node)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
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
    doc = RawDocument(path=Path(path), shown=shown, data=None)
    problems: list[Problem] = []

    def fail(message: str, line: int = 1, col: int = 1) -> tuple[RawDocument, list[Problem]]:
        problems.append(Problem(shown, line, col, "", message))
        return doc, problems

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return fail(f"cannot read the file: {exc.strerror or exc}")
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

    loader = _Loader(text)
    try:
        node = loader.get_single_node()
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
    finally:
        loader.dispose()

    if node is None:
        return fail("expected a YAML mapping, got an empty document")
    doc.data = _convert(node, (), doc, problems)
    return doc, problems


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


def find_articles(content_dir: Path) -> list[Path]:
    """Every ``content/<specialty>/<slug>.yaml``, in a stable order."""
    if not content_dir.is_dir():
        return []
    return sorted(p for p in content_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load(root: Path, paths: list[Path] | None = None) -> Loaded:
    """Read site_config/ and every article (plus ``paths``, when given)."""
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
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(display_path(policy_path, root), 1, 1, "", f"expected the editorial policy as UTF-8 Markdown; {exc}"))
        policy = ""

    files = find_articles(root / "content")
    only = None
    if paths:
        wanted: list[Path] = []
        for path in map(Path, paths):
            wanted += find_articles(path) if path.is_dir() else [path]
        resolved = {p.resolve() for p in files}
        files += [p for p in wanted if p.resolve() not in resolved]
        only = {display_path(p, root) for p in wanted}
    articles = []
    for path in files:
        doc, found = load_document(path, root)
        problems += found
        articles.append(doc)
    return Loaded(root=root, site=site, policy=policy, articles=articles, problems=problems, only=only)
