"""Reading and checking article files one at a time, in a process per core on a large site.

Each file is read and checked on its own (``check_document``); what comes
back is its problems and the little the checks across
articles need (``ArticleLinks``), never the typed article: sending thousands
of models between processes would cost more than checking them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ..errors import Problem
from ..load import RawDocument, parse_document, read_article
from ..model import SiteConfig
from ..pool import process_pool, usable_cpus
from .article import ArticleLinks
from .cache import ChecksCache

PARALLEL_FROM = 200
"""Fewer article files than this are checked in this process: starting workers would cost more."""

FILES_PER_WORKER = 100
"""At least this many files for each worker process."""

Checked = tuple[str, list[Problem], ArticleLinks, str | None]
"""One file: its path as shown, its problems, its links (what others may link to), and its key in the
checks cache (None when there is no cache, or the file could not be read)."""


def check_files(root: Path, files: list[Path], site: SiteConfig | None, *, workers: int | None = None, today: date | None = None,
                cache: ChecksCache | None = None) -> Iterator[Checked]:
    """Each file checked on its own, in the order of ``files``.  With a ``cache``, the entries are looked
    up here first, and only the files without one are read as YAML and checked (in workers when there
    are many): a one-article change on a large site starts no process."""
    if cache is None:
        yield from _check_all(root, files, site, workers, today, None)
        return
    found: dict[int, Checked] = {}
    missing: list[int] = []
    for index, path in enumerate(files):
        shown, raw, _ = read_article(path, root)
        hit = cache.get(key := cache.key(shown, raw, path), shown, path) if raw is not None else None
        if hit is None:
            missing.append(index)
        else:
            found[index] = (shown, hit[0], hit[1], key)
    for index, checked in zip(missing, _check_all(root, [files[i] for i in missing], site, workers, today, cache)):
        found[index] = checked
    yield from (found[index] for index in range(len(files)))


def _check_all(root: Path, files: list[Path], site: SiteConfig | None, workers: int | None, today: date | None,
               cache: ChecksCache | None) -> Iterator[Checked]:
    if workers is None:
        workers = min(usable_cpus(), len(files) // FILES_PER_WORKER) if len(files) >= PARALLEL_FROM else 1
    if workers <= 1:
        for path in files:
            yield _check_file(root, site, today, cache, path)
        return
    chunk = max(1, min(64, len(files) // (workers * 8)))  # small chunks keep every worker busy to the end
    with process_pool(workers, initializer=_start_worker, initargs=(root, site, today, cache)) as pool:
        yield from pool.map(_check_in_worker, files, chunksize=chunk)


def _check_file(root: Path, site: SiteConfig | None, today: date | None, cache: ChecksCache | None, path: Path) -> Checked:
    from . import check_document  # the package imports this module

    shown, raw, problems = read_article(path, root)
    if raw is None:
        doc = RawDocument(path=Path(path), shown=shown, data=None)
        _, links = check_document(doc, site, problems, today)
        return shown, problems, links, None
    key = cache.key(shown, raw, path) if cache is not None else None  # (check_files looked the entry up already: it had none)
    doc, problems = parse_document(raw, Path(path), shown)
    _, links = check_document(doc, site, problems, today)
    if key is not None:
        cache.put(key, shown, problems, links)
    return shown, problems, links, key


_worker: dict = {}


def _start_worker(root: Path, site: SiteConfig | None, today: date | None, cache: ChecksCache | None) -> None:
    _worker.update(root=root, site=site, today=today, cache=cache)


def _check_in_worker(path: Path) -> Checked:
    return _check_file(_worker["root"], _worker["site"], _worker["today"], _worker["cache"], path)
