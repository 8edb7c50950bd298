"""Stage 5 — search: the built articles indexed by Pagefind, in bundles of bounded size.

Pagefind keeps every page it reads in memory until it writes its index (about
350 KB per article of this site), so one index of a large site costs memory in
proportion to the site.  The current articles are therefore cut, in the order
of their addresses, into buckets of at most :data:`BUCKET` articles, and each
bucket is indexed by a Pagefind run of its own, one after the other, into its
own bundle: ``pagefind/`` (the first; it also carries the search interface),
then ``pagefind-1/``, ``pagefind-2/`` …  The search page merges them in the
reader's browser (Pagefind's ``mergeIndex``: a merged bundle adds its small
metadata file and, for a query, one chunk of its index; it loads no
WebAssembly or interface of its own).

Buckets depend on the articles alone, never on the machine or on how a build
is sharded: a shard (``guidesite build --shard``) indexes whole buckets, and a
rebuild after one edit indexes only the buckets whose pages changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from .errors import BuildError
from .pool import dies_with_this_process

BUCKET = 1000
"""Most articles one Pagefind run indexes: bounds its memory (about 350 MB) whatever the size of the site."""

BUNDLE = "pagefind"
"""Folder of the first bundle (and of the search interface) inside the site."""

MERGED_KEEP = ("pagefind-entry.json", "index", "fragment", "filter")
"""What a merged bundle needs (its ``*.pf_meta`` as well); its copies of the interface and the
WebAssembly are never fetched, and are removed."""

SEARCH_PAGES_WITHOUT_ARTICLES = "{index.html,*/index.html}"

SEARCH_IGNORES = (
    ".headerlink",
    # Furniture repeated on every article (board line, status, audience switch, disclaimer, call to
    # action, reference back-links) would match every query and bloat the index.
    ".gs-board", ".gs-meta", ".gs-audience", ".gs-about", ".gs-disclaimer", ".gs-cta",
    # Citation markers: "(HR 0.77) [2]" would reach snippets as "(HR 0.77) 2", a number that reads as
    # part of the text.  The group (brackets included), any link to a reference entry, and the
    # references' "↩" links back to the text.
    ".gs-cite", 'a[href^="#ref-"]', ".gs-backlink", 'a[href^="#cite-"]',
)
"""Selectors whose text stays out of the index (Pagefind's ``--exclude-selectors``)."""


def bundle_name(index: int) -> str:
    return BUNDLE if index == 0 else f"{BUNDLE}-{index}"


def bucket_count(articles: int) -> int:
    """How many bundles a site of ``articles`` current articles has (one, even for none)."""
    return max(1, -(-articles // BUCKET))


def html_path(markdown_path: str) -> str:
    """Where MkDocs writes a page (directory addresses): ``a/b.md`` → ``a/b/index.html``."""
    stem = markdown_path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


def buckets(article_pages: Iterable[str]) -> list[list[str]]:
    """The current articles' built pages (site-relative), sorted, in buckets of :data:`BUCKET`."""
    ordered = sorted(article_pages)
    return [ordered[start:start + BUCKET] for start in range(0, len(ordered), BUCKET)] or [[]]


def command(site_dir: Path, output: Path, *, glob: str) -> list[str]:
    """The Pagefind command line indexing the pages of ``site_dir`` that ``glob`` names into ``output``."""
    return [
        sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-path", str(output), "--glob", glob,
        *[arg for selector in SEARCH_IGNORES for arg in ("--exclude-selectors", selector)],
        "--silent",
    ]


class Indexing:
    """The site's buckets indexed one after the other, in a thread, while the caller does other work
    (the page check reads the same pages).  ``only``: the buckets to index (the others are someone
    else's: another shard's, or kept from the last build); ``None``: all."""

    def __init__(self, site_dir: Path, groups: list[list[str]], *, only: Iterable[int] | None = None) -> None:
        self.site_dir = Path(site_dir)
        self.groups = groups
        self.only = sorted(set(range(len(groups)) if only is None else only))
        self.problems: list[str] = []
        self._process: subprocess.Popen | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="search-index", daemon=True)

    def start(self) -> "Indexing":
        self._thread.start()
        return self

    def _run(self) -> None:
        for index in self.only:
            if self._stopped.is_set():
                return
            try:
                self._index(index)
            except BuildError as exc:
                self.problems += exc.messages
                return
            except Exception as exc:  # noqa: BLE001 - a thread's error must reach the build, never vanish with it
                self.problems.append(f"the search index could not be built: {type(exc).__name__}: {exc}")
                return
            if self.problems:
                return

    def _index(self, index: int) -> None:
        output = self.site_dir / bundle_name(index)
        if output.exists():
            shutil.rmtree(output)
        group = self.groups[index]
        if not group:  # a site without articles: its own pages are all there is to find
            self._pagefind(command(self.site_dir, output, glob=SEARCH_PAGES_WITHOUT_ARTICLES), output)
            return
        # Pagefind reads a folder: the bucket's pages are hard-linked into one of their own (addresses
        # are the same as in the site, since they are relative to the folder).
        with tempfile.TemporaryDirectory(prefix=".search-", dir=self.site_dir.parent) as folder:
            for page in group:
                target = Path(folder, page)
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(self.site_dir / page, target)
                except OSError:
                    shutil.copyfile(self.site_dir / page, target)
            self._pagefind(command(Path(folder), output, glob="**/*.html"), output)
        if index:
            _trim(output)

    def _pagefind(self, argv: list[str], output: Path) -> None:
        # Pagefind dies with the build, kill -9 included (`python -m pagefind` execs the binary, which
        # keeps the setting); it is started by this thread, which waits for it, as the setting needs.
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                   preexec_fn=dies_with_this_process())
        self._process = process
        if self._stopped.is_set():
            process.kill()
        stdout, stderr = process.communicate()
        if self._stopped.is_set():
            return
        if process.returncode != 0 or not (output / "pagefind-entry.json").is_file():
            detail = (stderr or stdout).strip().replace(str(self.site_dir), "site")
            raise BuildError([f"the search index could not be built: {detail or 'pagefind wrote no index'}"])

    def finish(self) -> None:
        """Wait for every bucket; a failed or missing one fails the build."""
        self._thread.join()
        missing = [bundle_name(i) for i in self.only if not (self.site_dir / bundle_name(i) / "pagefind-entry.json").is_file()]
        if missing and not self.problems:
            self.problems.append("the search index could not be built: no index written for " + ", ".join(missing))
        if self.problems:
            raise BuildError(self.problems)

    def stop(self) -> None:
        self._stopped.set()
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        self._thread.join()


def _trim(bundle: Path) -> None:
    for item in bundle.iterdir():
        if item.name in MERGED_KEEP or item.suffix == ".pf_meta":
            continue
        if item.is_dir():
            shutil.rmtree(item)
        else:
            item.unlink()


def site_buckets(site_dir: Path) -> list[list[str]]:
    """The buckets of a built site read from its pages (``guidesite serve``, which has no list of
    pages): every ``<specialty>/<id>/index.html`` marked ``data-pagefind-body``."""
    found = []
    for page in Path(site_dir).glob("*/*/index.html"):
        try:
            if b"data-pagefind-body" in page.read_bytes():
                found.append(page.relative_to(site_dir).as_posix())
        except OSError:
            continue
    return buckets(found)


def index_search(site_dir: Path) -> None:
    """Index a built site (every bucket) and wait."""
    site_dir = Path(site_dir)
    for stale in site_dir.glob(f"{BUNDLE}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    Indexing(site_dir, site_buckets(site_dir)).start().finish()
