"""What one contender costs: a fresh process timed and sized, then its output measured.

Each command runs in its own process, waited for with ``os.wait4`` so that the
peak resident memory is that process's own (not the largest of every child so
far, which is what ``RUSAGE_CHILDREN`` would give).  A command that works in
several processes at once is also sampled as a whole: the peak, over its run,
of the proportional memory (PSS) of the process and all its descendants.  The output is measured on
disk after the process has ended: total bytes, the largest article page, and
the bytes a reader downloads to run a first search query (over every search bundle).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Run:
    """How a command went: wall time, peak memory and exit status."""

    wall: float
    """Seconds from start to exit."""
    peak_rss: int
    """Peak resident set size of the process, in bytes (of its largest process, if it has children)."""
    peak_tree: int | None = None
    """Peak of the summed PSS of the process and its descendants, in bytes (sampled; Linux only)."""
    returncode: int = 0
    log: Path = Path()
    """Its standard output and error."""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def last_line(self) -> str:
        """The last non-blank line of the log: usually the reason a run failed."""
        try:
            lines = [line.strip() for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines()]
        except OSError:
            return ""
        return next((line for line in reversed(lines) if line), "")


def run_process(argv: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> Run:
    """Run ``argv`` to completion in a fresh process; its output goes to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        sampler = _TreeMemory(process.pid)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            sampler.stop()
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports kilobytes, macOS bytes.  On Linux a child's maxrss starts from its parent's
    # high-water mark (the address space it was forked from), so when this runs inside a large
    # process (the test suite) rusage reports the parent; the sampled largest process does not.
    peak = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    if sampler.largest:
        peak = sampler.largest
    return Run(wall=wall, peak_rss=peak, peak_tree=sampler.peak, returncode=process.returncode, log=log)


class _TreeMemory:
    """Samples, every ``interval`` seconds, the summed PSS of a process and its descendants.

    PSS shares each page among the processes that map it, so forked workers are
    not counted twice for what they share with their parent.
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval = pid, interval
        self.peak: int | None = None
        self.largest: int | None = None
        """The largest single process seen (PSS)."""
        if not Path(f"/proc/{pid}/smaps_rollup").exists():
            return
        self.peak = self.largest = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            sizes = [_pss(pid) for pid in _tree(self.pid)]
            self.peak = max(self.peak or 0, sum(sizes))
            self.largest = max([self.largest or 0, *sizes])

    def stop(self) -> None:
        if self.peak is not None:
            self._done.set()
            self._thread.join()


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


# --- the output -------------------------------------------------------------------

@dataclass
class SearchCost:
    """What a reader's browser fetches to answer a first search query, measured when made."""

    method: str
    files: list[Path]
    bytes: int = 0
    gzip_bytes: int = 0
    """The same files compressed as a server would send them (gzip level 6)."""
    typical_files: list[Path] | None = None
    """For a chunked index, the files of a typical query (median-size chunks) instead of the worst one."""
    typical_bytes: int | None = None
    bundles: int | None = None
    """How many search bundles the query touches, for a method that has several (Pagefind)."""

    def __post_init__(self) -> None:
        self.bytes = sum(f.stat().st_size for f in self.files)
        self.gzip_bytes = sum(len(gzip.compress(f.read_bytes(), compresslevel=6)) for f in self.files)
        if self.typical_files is not None:
            self.typical_bytes = sum(f.stat().st_size for f in self.typical_files)


def material_search(site: Path) -> SearchCost | None:
    """Material for MkDocs' lunr search: the whole index plus the search worker.

    For the English-only site the worker loads no lunr language files.
    """
    index = site / "search" / "search_index.json"
    if not index.is_file():
        return None
    return SearchCost("Material lunr", [index, *sorted((site / "assets" / "javascripts" / "workers").glob("search.*.js"))])


def zensical_search(site: Path) -> SearchCost | None:
    """Zensical's search: one ``search.json`` plus its search worker."""
    index = site / "search.json"
    if not index.is_file():
        return None
    return SearchCost("Zensical", [index, *sorted((site / "assets" / "javascripts" / "workers").glob("search.*.js"))])


PAGEFIND_FIXED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js", "pagefind-worker.js", "pagefind-entry.json")
"""The primary bundle's files every first query loads once: the UI, the search library and its worker, the entry file."""

RESULTS_SHOWN = 5
"""Results whose fragments a first query fetches."""


def pagefind_bundles(site: Path) -> list[Path]:
    """The site's Pagefind bundles: the primary ``pagefind/``, then ``pagefind-1/``, ``pagefind-2/``, … in number order."""
    merged = [d for d in site.glob("pagefind-*") if d.is_dir() and d.name.removeprefix("pagefind-").isdigit()]
    return [site / "pagefind", *sorted(merged, key=lambda d: int(d.name.removeprefix("pagefind-")))]


def pagefind_search(site: Path) -> SearchCost | None:
    """Pagefind's chunked index, in one bundle or several merged in the browser (``mergeIndex``).

    A first query loads, once, the primary bundle's UI, search library, worker, entry file, one
    WebAssembly file (English, when there are several) and its metadata; then, from every bundle
    (the primary too), its entry file, its metadata and the index chunk holding the query's word
    (a merged bundle reuses the primary's WebAssembly and UI); then the fragments of the results
    shown.  The pessimistic figure takes each bundle's largest chunk and the largest fragments of
    all bundles; the typical one each bundle's median-size chunk (the smaller of the two middle
    ones) and the same fragments.  The browser test in tests/test_browser.py measures a real query.
    """
    bundles = pagefind_bundles(site)
    primary = bundles[0]
    if not (primary / "pagefind.js").is_file():
        return None
    wasm = sorted(primary.glob("wasm.*.pagefind"))
    wasm = [primary / "wasm.en.pagefind"] if (primary / "wasm.en.pagefind").is_file() else wasm[:1]
    fixed = [f for f in (*(primary / name for name in PAGEFIND_FIXED), *wasm, *_meta(primary)) if f.is_file()]
    largest, typical = list(fixed), list(fixed)
    fragments: list[Path] = []
    for bundle in bundles:
        if bundle is not primary:
            each = [f for f in (bundle / "pagefind-entry.json", *_meta(bundle)) if f.is_file()]
            largest += each
            typical += each
        chunks = _by_size(bundle / "index")
        if chunks:
            largest.append(chunks[0])
            typical.append(chunks[len(chunks) // 2])  # largest first: the median, or the smaller middle one
        fragments += _by_size(bundle / "fragment")
    shown = sorted(fragments, key=_size, reverse=True)[:RESULTS_SHOWN]
    return SearchCost("Pagefind", largest + shown, typical_files=typical + shown, bundles=len(bundles))


def _meta(bundle: Path) -> list[Path]:
    return sorted(bundle.glob("pagefind.*.pf_meta"))[:1]


def _size(path: Path) -> int:
    return path.stat().st_size


def _by_size(folder: Path) -> list[Path]:
    """The files of ``folder``, largest first (ties by name), or none when it does not exist."""
    files = [f for f in folder.glob("*") if f.is_file()] if folder.is_dir() else []
    return sorted(sorted(files), key=_size, reverse=True)


SEARCH_METHODS: tuple[Callable[[Path], SearchCost | None], ...] = (pagefind_search, material_search, zensical_search)
"""Ways a built site may do search, tried in order; the first that recognises the site counts.
A new search method (a server-side search, say) is one more function here."""


def first_search(site: Path) -> SearchCost | None:
    """The files a first search query fetches, or None for a site without search."""
    for method in SEARCH_METHODS:
        if cost := method(site):
            return cost
    return None


@dataclass
class Output:
    """What a contender wrote."""

    total_bytes: int
    files: int
    largest_page: int | None = None
    """Bytes of the largest article page (HTML), or None when no article page was found."""
    largest_page_path: str | None = None
    article_pages_found: int = 0
    search: SearchCost | None = None
    extra: dict[str, str] = field(default_factory=dict)


def measure_output(site: Path, article_pages: Iterable[str]) -> Output:
    """Total size of ``site`` and of its largest article page (``article_pages`` relative to it)."""
    total, files = _tree_size(site)
    largest, largest_path, found = None, None, 0
    for relative in article_pages:
        try:
            size = (site / relative).stat().st_size
        except FileNotFoundError:
            continue
        found += 1
        if largest is None or size > largest:
            largest, largest_path = size, relative
    return Output(total, files, largest, largest_path, found, first_search(site))


def _tree_size(root: Path) -> tuple[int, int]:
    total = files = 0
    stack = [str(root)]
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except FileNotFoundError:
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
                    files += 1
    return total, files
