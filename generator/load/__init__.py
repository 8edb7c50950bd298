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
``content/<specialty>/<id>.yaml``; an article's images (its figures) in the
folder beside it, ``content/<specialty>/<id>/``, which holds nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from .document import (BYTE_ORDER_MARK, MAX_DEPTH, MAX_FILE_BYTES, MAX_INVISIBLE_REPORTED, Loc, RawDocument, char_label,
                       collection_paused, format_loc, invisible_kind, read_as_current_model)
from .files import (ARTICLE_SUFFIXES, file_kind, find_articles, layout_problems, read_regular_file, _link_on_the_way, _NotRegular,
                    _shown, _special_entries, _top_folder, _walk_content)
from .syntax import explain_syntax_error
from .yaml_reader import _invisible_characters, load_document, parse_document, read_article

__all__ = [
    "ARTICLE_SUFFIXES", "BYTE_ORDER_MARK", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_INVISIBLE_REPORTED", "POLICY_FILE", "SITE_FILES",
    "Loaded", "Loc", "RawDocument", "char_label", "collection_paused", "explain_syntax_error", "file_kind", "find_articles",
    "format_loc", "invisible_kind", "layout_problems", "load", "load_document", "parse_document", "read_article", "read_as_current_model",
    "read_regular_file",
]

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
