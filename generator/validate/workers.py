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
from ..load import load_document
from ..model import SiteConfig
from ..pool import process_pool, usable_cpus
from .article import ArticleLinks

PARALLEL_FROM = 200
"""Fewer article files than this are checked in this process: starting workers would cost more."""

FILES_PER_WORKER = 100
"""At least this many files for each worker process."""

Checked = tuple[str, list[Problem], ArticleLinks]
"""One file: its path as shown, its problems, and its links (what others may link to)."""


def check_files(root: Path, files: list[Path], site: SiteConfig | None, *, workers: int | None = None, today: date | None = None) -> Iterator[Checked]:
    """Each file checked on its own, in the order of ``files``."""
    if workers is None:
        workers = min(usable_cpus(), len(files) // FILES_PER_WORKER) if len(files) >= PARALLEL_FROM else 1
    if workers <= 1:
        for path in files:
            yield _check_file(root, site, today, path)
        return
    chunk = max(1, min(64, len(files) // (workers * 8)))  # small chunks keep every worker busy to the end
    with process_pool(workers, initializer=_start_worker, initargs=(root, site, today)) as pool:
        yield from pool.map(_check_in_worker, files, chunksize=chunk)


def _check_file(root: Path, site: SiteConfig | None, today: date | None, path: Path) -> Checked:
    from . import check_document  # the package imports this module

    doc, problems = load_document(path, root)
    _, links = check_document(doc, site, problems, today)
    return doc.shown, problems, links


_worker: dict = {}


def _start_worker(root: Path, site: SiteConfig | None, today: date | None) -> None:
    _worker.update(root=root, site=site, today=today)


def _check_in_worker(path: Path) -> Checked:
    return _check_file(_worker["root"], _worker["site"], _worker["today"], path)
