"""The MkDocs build in parts: a large site is built by several processes at once.

MkDocs builds one page after another in one process, and keeps every page in
memory until the end.  Articles do not depend on each other's HTML, so a large
site is cut into parts of at most ``PART_PAGES`` pages; each part is an
ordinary strict MkDocs build of the whole docs folder in its own process and
its own output folder, in which only the part's own pages are converted and
written.  Every part still sees every file, so links between parts are checked
and rewritten exactly as in a single build, and every part carries the same
navigation.  The folders are then moved together.

What each page is in a part (``Part.role``):

* ``build`` — its own pages: converted and written (the first part also owns
  the site's top-level pages, the sitemap, the 404 page and the static files);
* ``read`` — pages read for their title and date but not converted or written:
  pages of the navigation in every part, and all other pages in the first part
  (its sitemap lists every page);
* excluded — everything else (MkDocs still resolves links to them).

A link into another part's page with an ``#anchor`` cannot be checked by the
part that holds the link; each part hands such links back, with the anchors of
its own pages, and they are checked once all parts are done, with MkDocs' own
wording.

A small site is one part, built in-process: exactly the plain MkDocs build.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from . import compat  # noqa: F401, I001  (before any mkdocs import: MkDocs, or ProperDocs in its place)
from mkdocs.commands.build import build as mkdocs_build

from . import __version__, defaults
from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import InclusionLevel

from .errors import BuildError
from .pool import fresh_process_pool, usable_cpus
from .sanitize import SanitizePlugin

PART_PAGES = 1500
"""Most pages one part converts: bounds the memory of a worker whatever the size of the site."""

SPLIT_FROM = 300
"""Below this many pages to split, the site is built in one part, in-process."""

UNWRITTEN = "guidesite-unwritten.html"
"""Template (empty) given to pages a part does not write: MkDocs skips a page whose output is empty."""


@dataclass(frozen=True)
class Part:
    """One part of a build: which pages it converts and writes."""

    index: int
    own: frozenset[str]
    """Docs-relative paths of the pages this part builds."""
    main: bool = False
    """The main part (one per site) also writes the site's own pages, the sitemap, the 404 page and
    the static files."""

    def role(self, src_uri: str, in_nav: bool) -> str | None:
        if src_uri in self.own or (self.main and "/" not in src_uri):
            return "build"
        if self.main or in_nav or "/" not in src_uri:
            return "read"
        return None


@dataclass
class PartResult:
    """What a part hands back: its problems, and what is needed to check anchors across parts."""

    problems: list[str] = field(default_factory=list)
    anchors: dict[str, set[str]] = field(default_factory=dict)
    """Anchor ids present on each page the part built."""
    links: list[tuple[str, str, str, str]] = field(default_factory=list)
    """``(page, target page, anchor, link as written)`` for anchors in pages the part did not build."""
    anchor_level: int = logging.WARNING
    """Level at which the site reports a missing anchor (``validation.anchors``)."""

    def to_json(self) -> dict[str, Any]:
        return {"problems": self.problems, "anchors": {page: sorted(ids) for page, ids in sorted(self.anchors.items())},
                "links": [list(link) for link in self.links], "anchor_level": self.anchor_level}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PartResult":
        return cls(list(data["problems"]), {page: set(ids) for page, ids in data["anchors"].items()},
                   [tuple(link) for link in data["links"]], int(data["anchor_level"]))


PAGE_COST = 4096
"""What a page costs besides its Markdown (theme template, cleaning, writing), in Markdown bytes."""


def plan(page_paths: Iterable[str], *, workers: int, part_pages: int = PART_PAGES,
         split_from: int = SPLIT_FROM, sizes: Mapping[str, int] | None = None) -> list[Part]:
    """Cut the pages below the top level into parts of near-equal work (none: build in one part).

    A page's work is its Markdown's size (``sizes``; unknown: none) plus
    :data:`PAGE_COST`; the site's top-level pages (the topics page lists every
    article) count as the first part's.
    """
    split = sorted(p for p in page_paths if "/" in p and p.endswith(".md"))
    if workers < 2 or len(split) < split_from:
        return []
    count = max(workers, math.ceil(len(split) / part_pages))
    sizes = sizes or {}
    cost = {path: PAGE_COST + sizes.get(path, 0) for path in page_paths if path.endswith(".md")}
    head = sum(c for path, c in cost.items() if "/" not in path)
    share = (head + sum(cost[path] for path in split)) / count
    chunks: list[list[str]] = [[]]
    done = head
    for path in split:
        if done >= share * len(chunks) and len(chunks) < count:
            chunks.append([])
        chunks[-1].append(path)
        done += cost[path]
    return [Part(i, frozenset(chunk), main=i == 0) for i, chunk in enumerate(chunks)]


def run(config_file: Path, docs_dir: Path, site_dir: Path, page_paths: Iterable[str], *,
        workers: int | None = None, part_pages: int = PART_PAGES, split_from: int = SPLIT_FROM,
        sizes: Mapping[str, int] | None = None, on_part: Callable[[int, int], None] | None = None, site_url: str | None = None,
        parts: list[Part] | None = None, check_anchors: bool = True) -> list[PartResult]:
    """Build ``docs_dir`` into ``site_dir`` (which must be empty), in parts when the site is large.

    ``parts`` gives the parts instead of planning them (a shard of a sharded build, or a rebuild of
    the changed pages only); ``check_anchors=False`` leaves the anchors of links between parts to
    the caller (a shard: they are checked when the shards are assembled), which gets every part's
    result.  Every part's problems are collected; any problem fails the whole build.
    """
    workers = usable_cpus() if workers is None else workers
    if parts is None:
        parts = plan(page_paths, workers=workers, part_pages=part_pages, split_from=split_from, sizes=sizes)
        if not parts:
            result = build_part(str(config_file), str(docs_dir), str(site_dir), None, site_url)
            _raise(result.problems)
            return [result]
    if len(parts) == 1:  # one part: in this process
        results = [build_part(str(config_file), str(docs_dir), str(site_dir), parts[0], site_url)]
        if on_part:
            on_part(1, 1)
        _raise(results[0].problems + (missing_anchors(results) if check_anchors else []))
        return results
    folders = [site_dir] + [site_dir.with_name(f"{site_dir.name}-part{p.index}") for p in parts[1:]]
    results: list[PartResult] = []
    try:
        # Each part in a new process that did not inherit the build's memory (pool.py).
        environment = dict(os.environ)  # as this process has it now (mkdocs.yml's !ENV, the build date, an edition)
        with fresh_process_pool(min(workers, len(parts)), preload=["guidesite.parts"]) as pool:
            futures = [pool.submit(_build_part_in_worker, environment, str(config_file), str(docs_dir), str(folder), part, site_url)
                       for part, folder in zip(parts, folders)]
            for done, future in enumerate(futures, start=1):
                results.append(future.result())
                if on_part:
                    on_part(done, len(parts))
        _raise([problem for result in results for problem in result.problems] + (missing_anchors(results) if check_anchors else []))
        for folder in folders[1:]:
            _move_into(folder, site_dir)
    finally:
        for folder in folders[1:]:
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
    return results


def missing_anchors(results: list[PartResult], *, anchors: Mapping[str, set[str]] | None = None) -> list[str]:
    """Links into a page another part built whose anchor that page does not have (MkDocs' message;
    links within a part MkDocs checked itself).  ``anchors``: of pages no part built (kept from the
    last build)."""
    present: dict[str, set[str]] = dict(anchors or {})
    for result in results:
        present.update(result.anchors)
    problems = []
    for result in results:
        if result.anchor_level < logging.WARNING:
            continue
        for page, target, anchor, link in result.links:
            if target not in result.anchors and target in present and anchor not in present[target]:
                problems.append(anchor_message(page, target, anchor, link))
    return problems


def anchor_message(page: str, target: str, anchor: str, link: str) -> str:
    return f"Doc file '{page}' contains a link '{link}', but the doc '{target}' does not contain an anchor '#{anchor}'."


def _raise(problems: list[str]) -> None:
    if problems:
        raise BuildError(list(dict.fromkeys(problems)))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _build_part_in_worker(environment: dict[str, str], *args: Any) -> PartResult:
    """A part in a fresh worker, with the build's environment of the moment (the build sets the build
    date and the edition flag just before MkDocs runs; the worker's server started earlier)."""
    os.environ.clear()
    os.environ.update(environment)
    return build_part(*args)


def build_part(config_file: str, docs_dir: str, site_dir: str, part: Part | None, site_url: str | None = None) -> PartResult:
    """One strict MkDocs build (of one part, or of everything) and what it found; ``site_url`` replaces
    mkdocs.yml's (an edition's pages point into its default alias)."""
    collector = _Collect()
    mkdocs_logger = logging.getLogger("mkdocs")
    mkdocs_logger.addHandler(collector)
    plugin = PartPlugin(part)
    try:
        config = defaults.load_config(config_file, docs_dir=docs_dir, site_dir=site_dir, strict=True, site_url=site_url)
        # The second wall (sanitize.py): page bodies cleaned as they are built.
        config.plugins["guidesite/sanitize"] = SanitizePlugin()
        config.plugins["guidesite/part"] = plugin
        mkdocs_build(config)
    except (Abort, ConfigurationError, MkDocsException) as exc:
        return PartResult([m.replace(docs_dir, "build/docs") for m in collector.messages] or [str(exc)])
    finally:
        mkdocs_logger.removeHandler(collector)
    return plugin.result


class PartPlugin(BasePlugin):
    """Makes one MkDocs build convert and write only its part's pages (see the module docstring), and
    records, for the pages it converts, their anchors and their links to anchors (``part`` None: a
    build of everything, only recorded)."""

    def __init__(self, part: Part | None) -> None:
        super().__init__()
        self.part = part
        self.roles: dict[str, str] = {}
        self.result = PartResult()
        self._pages: list[Any] = []

    def on_config(self, config: Any) -> Any:
        self.result.anchor_level = config.validation.links.anchors
        config.extra["guidesite"] = __version__  # every page names the release that built it (main.html)
        if self.part is not None and not self.part.main:
            config.theme.static_templates = set()
            config.extra_templates = []
        return config

    def on_files(self, files: Any, config: Any) -> Any:
        if self.part is None:
            return files
        for file in files:
            if file.is_documentation_page():
                role = self.part.role(file.src_uri, file.inclusion.is_in_nav())
            else:
                role = "build" if self.part.main else None
            if role is None:
                file.inclusion = InclusionLevel.EXCLUDED
            else:
                self.roles[file.src_uri] = role
        return files

    def on_page_markdown(self, markdown: str, page: Any, **_: Any) -> str:
        if self.part is None or self.roles.get(page.file.src_uri) == "build":
            self._pages.append(page)
            return markdown
        page.meta["template"] = UNWRITTEN
        return ""

    def on_page_content(self, html: str, page: Any, **_: Any) -> str:
        if self.roles.get(page.file.src_uri) == "read":
            page.present_anchor_ids = None  # not converted here: MkDocs skips anchor checks into it
        return html

    def on_env(self, env: jinja2.Environment, **_: Any) -> jinja2.Environment:
        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({UNWRITTEN: ""}), env.loader])
        return env

    def on_post_build(self, **_: Any) -> None:
        for page in self._pages:
            self.result.anchors[page.file.src_uri] = set(page.present_anchor_ids or ())
            for target, links in (page.links_to_anchors or {}).items():
                for anchor, link in links.items():
                    self.result.links.append((page.file.src_uri, target.src_uri, anchor, link))


def _move_into(folder: Path, site_dir: Path) -> None:
    """Move every file of a part's output folder into the site; two parts never write one file."""
    for root, _dirs, names in os.walk(folder):
        for name in names:
            source = Path(root, name)
            target = site_dir / source.relative_to(folder)
            if target.exists():
                raise BuildError([f"two parts of the build wrote {target.relative_to(site_dir).as_posix()}"])
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
