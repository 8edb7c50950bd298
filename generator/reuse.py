"""One edit, seconds: what of the last good build a new build may keep.

A page's HTML depends on its own Markdown and on what every page shares: the
engine's configuration, the theme, the tools (our own code included), the
address of the site, the set of page addresses (links resolve against it) and
the titles of the pages of the navigation.  When all of that (the *context*)
is what the last good build was made from, a page whose Markdown did not
change is kept: its HTML is hard-linked from the last site instead of built
again.  MkDocs then converts only the changed pages (and the site's own pages,
the sitemap and the static files, as the main part of any build does), the
page check reads only what was built, and Pagefind indexes only the search
buckets holding a changed page (search.py); the other bundles are kept too.

What is kept must still be what the last build wrote: its size and
modification time are recorded with the build (a page edited by hand in
``site/`` is built again).  Links with an ``#anchor`` are recorded too, so a
kept page that links into a changed one is checked against the changed page's
new anchors, as a full build would.  Anything else — another context, a large
share of pages changed, no record — is a full build.  The result is byte for
byte the full build's (tested).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec
import yaml

from . import __version__, defaults, search
from .parts import PartResult, anchor_message

RECORD = ".guidesite-record.json"
"""In the staging folder: what the last good build was made from and wrote."""

LARGE_SHARE = 0.25
"""More changed pages than this share of the site (and than :data:`FEW`): a full build, in parts on
every core, is about as fast."""

FEW = 100
"""So many changed pages are always rebuilt alone, whatever the size of the site."""

CODE = Path(__file__).resolve().parent
"""Our own code: a change to it (the sanitizer, the page template helpers) changes every page."""


def context(config_file: Path, *, site_url: str | None, editions: bool, engine: str, epoch: int | None, paths: list[str],
            titles: list[str], tools: str) -> str:
    """The digest of what every page's HTML depends on besides its own Markdown (module docstring)."""
    digest = hashlib.sha256()
    for part in (tools, site_url or "", "editions" if editions else "", engine, str(epoch), os.environ.get("SOURCE_DATE_EPOCH", "")):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(config_file.read_bytes() if config_file.is_file() else b"")
    # The settings MkDocs builds with: guidesite's defaults under mkdocs.yml, and the file its INHERIT names.
    digest.update(b"\0" + defaults.SETTINGS.read_bytes() + b"\0" + repr(_settings(config_file)).encode("utf-8"))
    for folder in (config_file.parent / "theme", CODE, *([defaults.THEME] if defaults.THEME.parent != CODE else [])):  # the wheel's is in CODE
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
    for item in sorted(paths) + ["--"] + titles:
        digest.update(item.encode("utf-8") + b"\0")
    return digest.hexdigest()


def nav_titles(pages: list[Any], config_file: Path) -> list[str]:
    """The front-matter titles of the pages MkDocs puts in the navigation: every page that the
    settings' ``not_in_nav`` (mkdocs.yml's, else guidesite's) does not leave out, matched as MkDocs matches it."""
    leave_out = _not_in_nav(config_file)
    titles = []
    for page in sorted(pages, key=lambda p: p.path):
        if not page.path.endswith(".md") or (leave_out is not None and leave_out.match_file(page.path)):
            continue
        head = page.data[:2048]
        title = next((line for line in head.split(b"\n")[1:40] if line.startswith(b"title:")), b"")
        titles.append(page.path + "\0" + title.decode("utf-8", "replace"))
    return titles


class _AnyTag(yaml.SafeLoader):
    """Reads the settings whatever tags they use (``!ENV``, ``!!python/name``: each read as None)."""


_AnyTag.add_multi_constructor("", lambda loader, suffix, node: None)


def _settings(config_file: Path) -> dict[str, Any] | None:
    """The settings MkDocs builds with (mkdocs.yml over guidesite's defaults: defaults.settings), as
    plain data; None when they cannot be read (the build then says why)."""
    from mkdocs.exceptions import MkDocsException

    try:
        return defaults.settings(config_file, _AnyTag)
    except (OSError, UnicodeDecodeError, MkDocsException):
        return None


def _not_in_nav(config_file: Path) -> pathspec.GitIgnoreSpec | None:
    """The settings' ``not_in_nav`` (gitignore patterns, as MkDocs reads them); None when there is none
    or the settings cannot be read (every page then counts as in the navigation, which only makes reuse rarer)."""
    patterns = (_settings(config_file) or {}).get("not_in_nav")
    return pathspec.GitIgnoreSpec.from_lines(patterns.splitlines()) if isinstance(patterns, str) else None


@dataclass
class Record:
    """What the last good build was made from (``context``) and what it wrote."""

    context: str
    pages: dict[str, list[int]] = field(default_factory=dict)
    """Docs path of each page below the top level → size and modification time of its HTML."""
    bundles: dict[str, list[int]] = field(default_factory=dict)
    """Search bundle → size and modification time of its ``pagefind-entry.json``."""
    anchors: dict[str, list[str]] = field(default_factory=dict)
    links: list[list[str]] = field(default_factory=list)
    """``[page, target, anchor, link as written]`` of every link to an anchor."""

    @classmethod
    def read(cls, staging: Path) -> "Record | None":
        try:
            data = json.loads((staging / RECORD).read_text(encoding="utf-8"))
            return cls(str(data["context"]), dict(data["pages"]), dict(data["bundles"]), dict(data["anchors"]), list(data["links"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, staging: Path) -> None:
        data = {"context": self.context, "pages": self.pages, "bundles": self.bundles, "anchors": self.anchors, "links": self.links,
                "guidesite": __version__}  # the release that built it
        (staging / RECORD).write_text(json.dumps(data, separators=(",", ":"), sort_keys=True), encoding="utf-8")


def _stat(path: Path) -> list[int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns]


def tracked(project: Path, *folders: Path) -> bool:
    """Whether git tracks any file in ``folders`` (a change can commit a site and a record that
    would pass for the last good build: then nothing of them is trusted)."""
    inside = [str(folder) for folder in folders if Path(folder).resolve().is_relative_to(project)]
    if not inside:
        return False
    try:
        repository = subprocess.run(["git", "-C", str(project), "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=60)
        if repository.returncode != 0:
            return False  # not in a repository: nothing can have been committed
        listed = subprocess.run(["git", "-C", str(project), "ls-files", "--", *inside], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return False  # no git on this machine: nothing was checked out with it
    except (OSError, subprocess.SubprocessError):
        return True
    return listed.returncode != 0 or bool(listed.stdout.strip())


def kept_pages(record: Record | None, current: str, site_dir: Path, paths: list[str], changed: list[str]) -> dict[str, str]:
    """Docs path → HTML path of the pages kept from the last build (empty: build everything)."""
    pages = [path for path in paths if path.endswith(".md") and "/" in path]
    if record is None or record.context != current or not (site_dir / "index.html").is_file():
        return {}
    if len(changed) > max(FEW, LARGE_SHARE * len(pages)):
        return {}
    touched = set(changed)
    kept = {}
    for path in pages:
        html = search.html_path(path)
        if path not in touched and path in record.pages and _stat(site_dir / html) == record.pages[path]:
            kept[path] = html
    return kept


def link_kept(site_dir: Path, new_site: Path, kept: dict[str, str]) -> None:
    """Hard-link (or copy) the kept pages' HTML from the last site into the new one."""
    for html in kept.values():
        target = new_site / html
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site_dir / html, target)
        except OSError:
            shutil.copy2(site_dir / html, target)


def kept_bundles(record: Record | None, site_dir: Path, new_site: Path, groups: list[list[str]], kept: dict[str, str]) -> set[int]:
    """Keep, in the new site, the search bundles whose pages are all kept; the buckets left to index."""
    if not kept or record is None:
        return set(range(len(groups)))
    unchanged = set(kept.values())
    todo = set()
    for index, group in enumerate(groups):
        name = search.bundle_name(index)
        old = site_dir / name
        if not group or not all(page in unchanged for page in group) or _stat(old / "pagefind-entry.json") != record.bundles.get(name):
            todo.add(index)
            continue
        shutil.copytree(old, new_site / name, copy_function=_link_or_copy)
    return todo


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def check_links(record: Record | None, results: list[PartResult], rebuilt: set[str]) -> tuple[list[str], dict[str, list[str]], list[list[str]]]:
    """Links to anchors that a change broke, across kept and rebuilt pages (MkDocs' message), and the
    site's anchors and links as they now stand."""
    anchors = {page: ids for page, ids in (record.anchors.items() if record else ()) if page not in rebuilt}
    links = [link for link in (record.links if record else ()) if link[0] not in rebuilt]
    level_checked = all(result.anchor_level >= logging.WARNING for result in results)
    for result in results:
        anchors.update({page: sorted(ids) for page, ids in result.anchors.items()})
        links += [list(link) for link in result.links]
    problems = []
    if level_checked:
        present = {page: set(ids) for page, ids in anchors.items()}
        for page, target, anchor, link in links:
            if (page in rebuilt or target in rebuilt) and target in present and anchor not in present[target]:
                problems.append(anchor_message(page, target, anchor, link))
    return list(dict.fromkeys(problems)), anchors, links


def new_record(current: str, site_dir: Path, paths: list[str], groups: list[list[str]], anchors: dict[str, list[str]],
               links: list[list[str]]) -> Record:
    """The record of the build just swapped into ``site_dir``."""
    pages = {}
    for path in paths:
        if path.endswith(".md") and "/" in path:
            info = _stat(site_dir / search.html_path(path))
            if info is not None:
                pages[path] = info
    bundles = {}
    for index in range(len(groups)):
        info = _stat(site_dir / search.bundle_name(index) / "pagefind-entry.json")
        if info is not None:
            bundles[search.bundle_name(index)] = info
    return Record(current, pages, bundles, anchors, links)
