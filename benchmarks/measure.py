"""What one contender costs: a fresh process timed and sized, then its output measured.

Each command runs in its own process, waited for with ``os.wait4`` so that the
peak resident memory is that process's own (not the largest of every child so
far, which is what ``RUSAGE_CHILDREN`` would give).  A command that works in
several processes at once is also sampled as a whole: the peak, over its run,
of the proportional memory (PSS) of the process and all its descendants.  The output is measured on
disk after the process has ended: total bytes, the largest article page, and
the bytes a reader downloads to run a first search query (over every search bundle):
estimated, and, for Pagefind, counted exactly for a few real queries by reading the index
as Pagefind's search library does (with ``cbor2``; without it, the estimate only).
"""

from __future__ import annotations

import gzip
import html
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import cbor2
except ImportError:  # the optional 'bench' dependency: without it, only the estimate
    cbor2 = None


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
    queries: list[QueryCost] | None = None
    """Real queries counted exactly (Pagefind), or None when they could not be (see ``queries_note``)."""
    queries_note: str = ""
    """Why there are no real queries: ``cbor2 not installed``, or the index could not be read."""

    @property
    def largest_query(self) -> QueryCost | None:
        """The real query that fetches the most bytes (the first of equals), if any was counted."""
        return max(self.queries, key=lambda q: q.bytes) if self.queries else None

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
    ones) and the same fragments.  Both count one chunk per bundle, as for a query of one word: a
    query of two words may load two (on 100 generated articles "side effects" fetches more than
    the pessimistic figure).  The browser test in tests/test_browser.py measures a real query.

    Besides, the :data:`QUERIES` are counted exactly (:func:`first_query_cost`) when ``cbor2`` is
    installed and the index can be read; otherwise ``queries`` is None and ``queries_note`` says why.
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
    queries, note = real_queries(site)
    return SearchCost("Pagefind", largest + shown, typical_files=typical + shown, bundles=len(bundles),
                      queries=queries, queries_note=note)


def _meta(bundle: Path) -> list[Path]:
    return sorted(bundle.glob("pagefind.*.pf_meta"))[:1]


def _size(path: Path) -> int:
    return path.stat().st_size


def _by_size(folder: Path) -> list[Path]:
    """The files of ``folder``, largest first (ties by name), or none when it does not exist."""
    files = [f for f in folder.glob("*") if f.is_file()] if folder.is_dir() else []
    return sorted(sorted(files), key=_size, reverse=True)


# --- Pagefind's index, read as its search library reads it ------------------------------
#
# Checked against Pagefind 1.5.2's own source (tag v1.5.2 of github.com/Pagefind/pagefind, formerly
# CloudCannon/pagefind): the writer's structs in pagefind/src/index/index_metadata.rs and
# index_words.rs, the reader in pagefind_web/src/metadata.rs and index.rs, the choice of chunks in
# pagefind_web/src/lib.rs (request_indexes), the matching in pagefind_web/src/search.rs
# (search_term, find_word_extensions), the query's normalisation and the fragments fetched in
# pagefind_web_js/lib/coupled_search.ts, and the default interface (pagefind_ui/default: 5 results
# per page, filters loaded when it starts, a preload on every keystroke).  Our own decoder, written
# from those layouts; tests/test_benchmarks.py checks it on an index Pagefind builds.  Checked once
# against the site's own pagefind.js run under Node on a generated site, in one bundle and in three:
# the same chunks for every query (typed letter by letter too) and the same number of results.
#
# Every .pf_meta, .pf_index, .pf_filter and .pf_fragment file is gzip; decompressed, it starts with
# the signature ``pagefind_dcd``, then CBOR (fragments: JSON).
#
#   pf_meta:  [version, pages, chunks, filters, sorts, meta_fields]
#             pages:   [[hash, word count], …] in page-number order; the hash names the page's
#                      fragment, fragment/<hash>.pf_fragment (a result's "p" is this hash)
#             chunks:  [[first word, last word, hash], …] in word order; index/<hash>.pf_index
#             filters: [[filter name, hash], …]; filter/<hash>.pf_filter
#             sorts:   [[sort key, [page number, …]], …]; meta_fields: [name, …] (new in 1.5)
#   pf_index: [[[word, pages, variants], …]] with words stemmed and sorted
#             pages:    [[page number delta, locations, meta locations], …]: page numbers are
#                       cumulative deltas; a negative location sets the weight of the ones after it,
#                       which are deltas from 0 again
#             variants: [[form with diacritics, pages], …], pages as above (from 0 again)
#
# A chunk's first and last words are cut to the shortest prefixes that still tell it from its
# neighbours (so "cervical" may sort between two chunks).  For each word of the query, lower-cased
# with punctuation removed, the library takes the word itself and its stem, and for each of the
# two loads every chunk with first <= term <= last or, if there is none, every chunk whose bounds
# cut to the term's length hold the term cut to theirs.  It then matches, in the chunks loaded,
# the words that start with the stem (or else the longest word the stem starts with); a page is a
# result if it matches every query word that matched somewhere.

PAGEFIND_SIGNATURE = b"pagefind_dcd"

QUERIES = ("bevacizumab", "paclitaxel", "cervical cancer", "side effects", "tiredness")
"""Queries a reader would type on the benchmark's generated content (benchmarks/generate.py): two
drugs (bevacizumab in one regimen, paclitaxel in several and as a single agent), a condition, and
two patient wordings (the side-effects list, a toxicity in plain words)."""


class PagefindFormatError(ValueError):
    """A Pagefind file that is not what Pagefind 1.5 writes."""


def pagefind_decode(path: Path) -> Any:
    """A ``.pf_meta``, ``.pf_index`` or ``.pf_filter`` file decoded: gzip, signature, CBOR."""
    if cbor2 is None:
        raise ImportError("cbor2 not installed")
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise PagefindFormatError(f"{path.name}: not gzip ({exc})") from None
    if not raw.startswith(PAGEFIND_SIGNATURE):
        raise PagefindFormatError(f"{path.name}: no {PAGEFIND_SIGNATURE.decode()} signature")
    try:
        return cbor2.loads(raw[len(PAGEFIND_SIGNATURE):])
    except (cbor2.CBORDecodeError, ValueError) as exc:
        raise PagefindFormatError(f"{path.name}: {exc}") from None


@dataclass(frozen=True)
class PagefindChunk:
    """One index chunk as the metadata lists it: the words from ``first`` to ``last`` (cut to prefixes)."""

    first: str
    last: str
    hash: str

    def holds(self, term: str) -> bool:
        """The strict test: the term sorts between the bounds."""
        return self.first <= term <= self.last

    def may_hold(self, term: str) -> bool:
        """The loose test, used when no chunk holds the term: bounds and term cut to the shorter of the two."""
        low, high = min(len(term), len(self.first)), min(len(term), len(self.last))
        return term[:low] >= self.first[:low] and term[:high] <= self.last[:high]


@dataclass
class PagefindMeta:
    """A bundle's ``pagefind.<lang>_<hash>.pf_meta``."""

    version: str
    pages: list[tuple[str, int]]
    """(fragment hash, word count) per page number."""
    chunks: list[PagefindChunk]
    filters: list[tuple[str, str]]
    """(filter name, filter chunk hash)."""
    sorts: dict[str, list[int]]
    meta_fields: list[str]

    def chunks_for(self, term: str, stem: str) -> list[PagefindChunk]:
        """The chunks the search library loads for one query word and its stem."""
        chosen: list[PagefindChunk] = []
        for word in dict.fromkeys((term, stem)):
            chosen += [c for c in self.chunks if c.holds(word)] or [c for c in self.chunks if c.may_hold(word)]
        return list({c.hash: c for c in chosen}.values())


def read_pagefind_meta(path: Path) -> PagefindMeta:
    data = pagefind_decode(path)
    try:
        version, pages, chunks, filters, sorts = data[:5]
        return PagefindMeta(
            str(version), [(str(h), int(n)) for h, n in pages], [PagefindChunk(str(a), str(b), str(h)) for a, b, h in chunks],
            [(str(f), str(h)) for f, h in filters], {str(k): [int(p) for p in v] for k, v in sorts},
            [str(f) for f in data[5]] if len(data) > 5 else [])
    except (TypeError, ValueError) as exc:
        raise PagefindFormatError(f"{path.name}: unexpected layout ({exc})") from None


def read_pagefind_chunk(path: Path) -> dict[str, dict[int, list[int]]]:
    """A ``.pf_index`` chunk: each (stemmed) word → {page number: word positions}, variants included."""
    data = pagefind_decode(path)
    words: dict[str, dict[int, list[int]]] = {}
    try:
        [entries] = data
        for entry in entries:
            pages = words.setdefault(str(entry[0]), {})
            for page_list in [entry[1], *(variant[1] for variant in (entry[2] if len(entry) > 2 else []))]:
                page = 0
                for packed in page_list:
                    page += int(packed[0])
                    positions, position = pages.setdefault(page, []), 0
                    for value in packed[1]:
                        if value < 0:  # a weight marker: the next position counts from 0 again
                            position = 0
                        else:
                            position += value
                            positions.append(position)
    except (TypeError, ValueError, IndexError) as exc:
        raise PagefindFormatError(f"{path.name}: unexpected layout ({exc})") from None
    return words


_DROPPED = {"Pd", "Pe", "Pf", "Pi", "Po", "Ps"}


def pagefind_terms(query: str) -> list[str]:
    """The query's words as the search library sends them on: lower case, without punctuation
    (connectors such as ``_`` are kept) or diacritics, single spaces."""
    kept = "".join(ch.lower() for ch in query if unicodedata.category(ch) not in _DROPPED)
    plain = "".join(ch for ch in unicodedata.normalize("NFD", kept) if not unicodedata.combining(ch))
    return plain.split()


def pagefind_stems(words: Iterable[str], language: str = "en") -> dict[str, str]:
    """Each word's stem as Pagefind's stemmer for ``language`` makes it.

    Pagefind stems with its own Snowball stemmer; rather than a second stemmer that might disagree,
    the installed Pagefind indexes a one-page site with the words in a row, and each word's stem
    is the index word found at its position (offline, a fraction of a second).  A word Pagefind
    could not be run for is its own stem.
    """
    words = sorted({w for w in words if w})
    if not words:
        return {}
    with tempfile.TemporaryDirectory(prefix="pagefind-stems-") as tmp:
        site = Path(tmp)
        (site / "index.html").write_text(
            f'<!doctype html><html lang="{html.escape(language)}"><head><title>stems</title></head><body>'
            f'<main data-pagefind-body><p>{html.escape(" ".join(words))}</p></main></body></html>', encoding="utf-8")
        try:
            subprocess.run([sys.executable, "-m", "pagefind", "--site", tmp, "--output-subdir", "pagefind", "--silent"],
                           check=True, capture_output=True, timeout=120)
            bundle = site / "pagefind"
            at: dict[int, list[str]] = {}
            for chunk in read_pagefind_meta(_meta(bundle)[0]).chunks:
                for stem, pages in read_pagefind_chunk(bundle / "index" / f"{chunk.hash}.pf_index").items():
                    for position in pages.get(0, []):
                        at.setdefault(position, []).append(stem)
        except (OSError, subprocess.SubprocessError, IndexError, PagefindFormatError):
            return {w: w for w in words}
    # Where a word is also cut into parts, its own stem is the longest at that position.
    return {w: max(at.get(i, [w]), key=len) for i, w in enumerate(words)}


@dataclass
class QueryCost:
    """What the browser fetches for one first query, counted from the index itself."""

    query: str
    files: list[Path]
    """The fixed files, each bundle's entry, metadata and filters, its chunks, then the fragments shown."""
    chunks: list[Path]
    """The index chunks among ``files``, every bundle's."""
    results: int
    """Pages matching the query over every bundle."""
    bytes: int = 0
    typed_files: list[Path] | None = None
    """With ``typed``: the same files plus the chunks preloaded for every prefix typed on the way."""
    typed_bytes: int | None = None

    def __post_init__(self) -> None:
        self.bytes = sum(f.stat().st_size for f in self.files)
        if self.typed_files is not None:
            self.typed_bytes = sum(f.stat().st_size for f in self.typed_files)


class PagefindSite:
    """A built site's Pagefind bundles, their metadata read once and their chunks when needed."""

    def __init__(self, site: Path) -> None:
        self.bundles = pagefind_bundles(site)
        self.primary = self.bundles[0]
        metas = [_meta(b) for b in self.bundles]
        if not all(metas):
            raise PagefindFormatError("a bundle without its .pf_meta")
        self.meta_files = [m[0] for m in metas]
        self.metas = [read_pagefind_meta(m) for m in self.meta_files]
        self._chunks: dict[Path, dict[str, dict[int, list[int]]]] = {}

    def language(self) -> str:
        """The language of the primary bundle's index (the first listed in its entry file), else English."""
        try:
            entry = json.loads((self.primary / "pagefind-entry.json").read_text(encoding="utf-8"))
            return next(iter(entry["languages"]))
        except (OSError, ValueError, KeyError, TypeError, StopIteration):
            return "en"

    def fixed_files(self) -> list[Path]:
        """Fetched once whatever the query: the primary's interface, library, worker, entry,
        WebAssembly (English when there are several) and metadata; every other bundle's entry and
        metadata; every bundle's filter chunks (the interface loads them all when it starts)."""
        wasm = sorted(self.primary.glob("wasm.*.pagefind"))
        wasm = [self.primary / "wasm.en.pagefind"] if (self.primary / "wasm.en.pagefind").is_file() else wasm[:1]
        files = [f for f in (*(self.primary / name for name in PAGEFIND_FIXED), *wasm) if f.is_file()]
        for bundle, meta, meta_file in zip(self.bundles, self.metas, self.meta_files):
            if bundle != self.primary and (bundle / "pagefind-entry.json").is_file():
                files.append(bundle / "pagefind-entry.json")
            files.append(meta_file)
            files += [f for _, h in meta.filters if (f := bundle / "filter" / f"{h}.pf_filter").is_file()]
        return list(dict.fromkeys(files))

    def words(self, chunk: Path) -> dict[str, dict[int, list[int]]]:
        if chunk not in self._chunks:
            self._chunks[chunk] = read_pagefind_chunk(chunk)
        return self._chunks[chunk]

    def chunks(self, index: int, terms: Sequence[str], stems: dict[str, str]) -> list[Path]:
        """Bundle ``index``'s chunk files a query of ``terms`` loads."""
        bundle, meta = self.bundles[index], self.metas[index]
        hashes = dict.fromkeys(c.hash for t in terms for c in meta.chunks_for(t, stems.get(t, t)))
        return [bundle / "index" / f"{h}.pf_index" for h in hashes]

    def matches(self, loaded: Sequence[Path], terms: Sequence[str], stems: dict[str, str]) -> set[int]:
        """Page numbers of one bundle that a query of ``terms`` finds in the ``loaded`` chunks."""
        words: dict[str, dict[int, list[int]]] = {}
        for chunk in loaded:
            for word, pages in self.words(chunk).items():
                words.setdefault(word, {}).update(pages)
        found: list[set[int]] = []
        for term in terms:
            stem = stems.get(term, term)
            extensions = [w for w in words if w.startswith(stem)]
            if not extensions:
                prefixes = sorted((w for w in words if stem.startswith(w)), key=lambda w: (-len(w.encode()), w))
                extensions = prefixes[:1]
            if extensions:  # a word matching nothing is left out, unless no word matches
                found.append({page for w in extensions for page in words[w]})
        return set.intersection(*found) if found else set()

    def query(self, query: str | Sequence[str], stems: dict[str, str] | None = None, *, typed: bool = False) -> QueryCost:
        """The first ``query`` (the whole text at once, as the header's search form sends it); with
        ``typed``, also typed letter by letter on the search page, which preloads the chunks of
        every prefix (the fragments are counted as for the whole query)."""
        text = query if isinstance(query, str) else " ".join(query)
        terms = pagefind_terms(text)
        prefixes = [pagefind_terms(text[:i]) for i in range(1, len(text) + 1)] if typed else []
        if stems is None:
            stems = pagefind_stems({t for ts in (terms, *prefixes) for t in ts}, self.language())
        files, chunks, typed_extra, fragments, results = self.fixed_files(), [], [], [], 0
        for index, bundle in enumerate(self.bundles):
            loaded = [f for f in self.chunks(index, terms, stems) if f.is_file()]
            chunks += loaded
            extra = [f for ts in prefixes for f in self.chunks(index, ts, stems) if f.is_file() and f not in loaded]
            typed_extra += list(dict.fromkeys(extra))
            pages = self.matches(loaded, terms, stems)
            results += len(pages)
            hashes = self.metas[index].pages
            fragments += [f for p in pages if p < len(hashes)
                          and (f := bundle / "fragment" / f"{hashes[p][0]}.pf_fragment").is_file()]
        shown = sorted(sorted(set(fragments)), key=_size, reverse=True)[:RESULTS_SHOWN]
        return QueryCost(text, files + chunks + shown, chunks, results,
                         typed_files=files + chunks + typed_extra + shown if typed else None)


def first_query_cost(site: Path, query: str | Sequence[str], *, stems: dict[str, str] | None = None,
                     typed: bool = False) -> QueryCost:
    """The bytes a reader's browser fetches for a first ``query`` (a text, or its words) on ``site``.

    Counted from the index itself: the fixed files of the primary bundle once; every bundle's
    entry file, metadata and filter chunks; in every bundle, the index chunks the query's words
    select, exactly as Pagefind's search library selects them; then the fragments of the results
    shown (:data:`RESULTS_SHOWN`).  Which results are shown depends on Pagefind's ranking (BM25
    with weights, a title bonus, merged over bundles by score), which is not reproduced here: the
    fragments counted are the largest :data:`RESULTS_SHOWN` among the pages that match the query,
    so that part is an upper bound.  Needs ``cbor2``; raises :class:`PagefindFormatError` on an
    index Pagefind 1.5 did not write.
    """
    return PagefindSite(site).query(query, stems, typed=typed)


def real_queries(site: Path, queries: Sequence[str] = QUERIES) -> tuple[list[QueryCost] | None, str]:
    """:func:`first_query_cost` of each query on ``site`` (typed letter by letter too), or None and why not."""
    if cbor2 is None:
        return None, "cbor2 not installed"
    try:
        index = PagefindSite(site)
        stems = pagefind_stems({t for q in queries for i in range(1, len(q) + 1) for t in pagefind_terms(q[:i])},
                               index.language())
        return [index.query(q, stems, typed=True) for q in queries], ""
    except (PagefindFormatError, OSError, ValueError, TypeError, KeyError, IndexError) as exc:
        return None, f"index not readable ({str(exc)[:80]})"


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
