"""Stage 4 — build: rendered Markdown becomes a strict MkDocs + Material site.

The pages are written to a fresh staging folder and built into a fresh
temporary site folder.  Only when MkDocs has finished without a warning do the
two replace ``build/docs`` and ``site/``; a failed or interrupted build leaves
the last good output exactly as it was.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import defaults
from .engines import build_with, zensical_theme_dirs
from .errors import BuildError
from . import reuse, search
from .parts import Part
from .pool import release_memory, usable_cpus
from .render import Page
from .sanitize import check_site
from .swap import replace_atomically

if TYPE_CHECKING:
    from .shards import Shard

log = logging.getLogger(__name__)

STAGING = Path("build") / "docs"
"""Where the rendered Markdown of the last good build is kept (git-ignored)."""


@dataclass
class BuildReport:
    """What a build did, for the command line to say."""

    markdown_written: int = 0
    """Markdown files of the staging folder that were new or changed (0: nothing to regenerate)."""
    unchanged: bool = False
    """Nothing changed since the last good build: MkDocs did not run and nothing was written."""
    pages_kept: int = 0
    """Pages whose HTML was kept from the last good build (their Markdown and the shared context did not change)."""


def build(
    pages: list[Page],
    project: Path,
    *,
    site_dir: Path,
    config_file: Path | None = None,
    source_date_epoch: int | None = None,
    staging_dir: Path | None = None,
    report: BuildReport | None = None,
    on_stage: Callable[[str], None] | None = None,
    theme_dirs: list[str] | None = None,
    site_url: str | None = None,
    editions: bool = False,
    engine: str = "mkdocs",
    release: bool = False,
    shard: "Shard | None" = None,
) -> Path:
    """Write ``pages``, build them strictly with the engine (MkDocs, or Zensical: engines.py), finish
    and check the output, then swap into place.

    ``source_date_epoch`` dates what MkDocs stamps with the build time (sitemap,
    its gzip header) unless ``SOURCE_DATE_EPOCH`` is already set, so two builds
    of the same content give the same bytes.  The staging folder keeps the
    Markdown of the last good build: only pages whose text changed are written
    there, and when nothing changed at all (pages, mkdocs.yml, theme) the build
    is skipped and nothing is written.  ``theme_dirs`` are the engine's
    template folders (read from mkdocs.yml when not given), whose templates the
    page check must know.  ``editions``: the site is built to be published as one edition among
    others (``guidesite publish``), so its pages carry Material's version selector, which reads
    ``versions.json`` from the folder above the site; any other build leaves it out and requests
    nothing of the kind.  ``shard`` builds one shard of the site into ``site_dir`` (shards.py).  ``release`` empties ``pages`` once they are written: a large site's Markdown
    is not kept in memory while the engine and search run.
    """
    report = report if report is not None else BuildReport()
    stage = on_stage or (lambda _: None)
    project = Path(project).resolve()
    config_file = Path(config_file or project / "mkdocs.yml")
    site_dir = Path(site_dir).resolve()
    staging = Path(staging_dir) if staging_dir else project / STAGING
    staging.parent.mkdir(parents=True, exist_ok=True)
    site_dir.parent.mkdir(parents=True, exist_ok=True)

    with _build_lock(staging.parent):
        # What a killed build left is removed first, before this build may find nothing to do.
        _remove_leftovers(staging.parent, ".docs-")
        _remove_leftovers(site_dir.parent, f".{site_dir.name}-")
        _remove_leftovers(site_dir.parent, ".search-")
        if shard is not None:
            if engine != "mkdocs":
                raise BuildError([f"a sharded build uses MkDocs; the site's engine is {engine}"])
            return _build_shard(pages, site_dir, config_file, source_date_epoch, staging, stage, site_url, shard, release)
        return _build(pages, project, site_dir, config_file, source_date_epoch, staging, report, stage, theme_dirs, site_url, editions,
                      engine, release)


@contextmanager
def _build_lock(folder: Path):
    """One build of a project at a time: a second is refused with a clear message, not left to
    collide with the first's temporary folders."""
    import fcntl

    descriptor = os.open(folder, os.O_RDONLY)  # the lock is taken on the folder itself: nothing is written
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError([f"another build of this project is running (it holds {folder}); "
                              "wait for it to finish, then build again"]) from None
        yield
    finally:
        os.close(descriptor)


def _build(pages: list[Page], project: Path, site_dir: Path, config_file: Path, source_date_epoch: int | None, staging: Path,
           report: BuildReport, stage: Callable[[str], None], theme_dirs: list[str] | None, site_url: str | None,
           editions: bool = False, engine: str = "mkdocs", release: bool = False) -> Path:
    # What every page shares (reuse.py), then the pages themselves: what this build is made from.
    current = reuse.context(config_file, site_url=site_url, editions=editions, engine=engine, epoch=source_date_epoch,
                            paths=[page.path for page in pages], titles=reuse.nav_titles(pages, config_file), tools=_tool_versions())
    fingerprint = _fingerprint(pages, current, site_dir)
    stamp = staging / STAMP
    # The last good build is trusted only if it was made here: a change that commits a site and its
    # stamp or record (build/ and site/ are git-ignored, but can be forced in) gets a full build.
    trusted = not reuse.tracked(project, staging, site_dir)
    if trusted and (site_dir / "index.html").is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == fingerprint:
        report.unchanged = True
        log.info("nothing changed since the last build of %s", site_dir)
        return site_dir

    with _scratch(pages, staging, site_dir) as (new_docs, new_site):
        stage(f"writing {len(pages)} Markdown pages")
        changed, paths, sizes, searchable = _write(pages, new_docs, staging, release)
        # One edit: the pages whose Markdown and shared context did not change are kept (reuse.py).
        record = reuse.Record.read(staging) if engine == "mkdocs" and trusted else None
        kept = reuse.kept_pages(record, current, site_dir, paths, changed)
        report.pages_kept = len(kept)
        building = time.perf_counter()
        if kept:
            own = frozenset(path for path in paths if path.endswith(".md") and path not in kept)
            planned = [Part(0, own, main=True)]
            stage(f"building {len(own):,} changed or site pages with MkDocs ({len(kept):,} kept from the last build)")
        else:
            planned = None
            stage(f"building {len(paths):,} pages with {'Zensical' if engine == 'zensical' else 'MkDocs'}")
        with _epoch(source_date_epoch), editions_build(editions):
            results = build_with(engine, config_file, new_docs, new_site, paths, sizes=sizes, parts=planned,
                                 on_part=lambda done, count: stage(parts_progress(done, count, len(paths), time.perf_counter() - building)),
                                 site_url=site_url, editions=editions)
        built = [page.relative_to(new_site).as_posix() for page in new_site.rglob("*.html")] if kept else None
        rebuilt = {page for result in results for page in result.anchors}
        problems, anchors, links = reuse.check_links(record if kept else None, results, rebuilt)
        if kept and problems:
            raise BuildError(problems)
        reuse.link_kept(site_dir, new_site, kept)
        if engine == "zensical":
            theme_dirs = zensical_theme_dirs(config_file)
        elif theme_dirs is None:
            theme_dirs = list(defaults.load_config(config_file, docs_dir=str(new_docs)).theme.dirs)
        stage("checking the built pages while indexing search")
        # The two only read the pages: they run side by side.
        groups = search.buckets(search.html_path(p) for p in searchable)
        indexing = search.Indexing(new_site, groups, only=reuse.kept_bundles(record, site_dir, new_site, groups, kept)).start()
        try:
            hazards = check_site(new_site, theme_dirs, urlsplit(site_url).path or "/" if site_url else "/", only=built)
        except BaseException:
            indexing.stop()
            raise
        if hazards:
            indexing.stop()
            raise BuildError([f"unsafe markup in the built page {hazard}" for hazard in hazards])
        indexing.finish()
        stage(f"replacing {site_dir.name}/")
        # From the swap on, the last good build is gone: until this build has fully succeeded nothing
        # may pass for up to date (a build that fails after the swap must not be skipped next time).
        stamp.unlink(missing_ok=True)
        replace_atomically(site_dir, new_site)
        (staging / reuse.RECORD).unlink(missing_ok=True)
        report.markdown_written = _keep_pages(paths, new_docs, staging, changed)
        if engine == "mkdocs":
            reuse.new_record(current, site_dir, paths, groups, anchors, links).write(staging)
        stamp.write_text(fingerprint, encoding="utf-8")  # last: a build cut short before this rebuilds next time
    log.info("built %d pages into %s (%d Markdown files regenerated)", len(paths), site_dir, report.markdown_written)
    return site_dir


def _build_shard(pages: list[Page], site_dir: Path, config_file: Path, source_date_epoch: int | None, staging: Path,
                 stage: Callable[[str], None], site_url: str | None, shard: "Shard", release: bool) -> Path:
    """One shard of the site into ``site_dir``, with the manifest ``guidesite assemble`` reads (shards.py)."""
    from . import parts, shards

    # What the shard was built from, the same on every machine building the same commit.
    current = reuse.context(config_file, site_url=site_url, editions=False, engine="mkdocs", epoch=source_date_epoch,
                            paths=[page.path for page in pages], titles=reuse.nav_titles(pages, config_file), tools=_tool_versions())
    digest = _fingerprint(pages, current, Path("shard"))
    with _scratch(pages, staging, site_dir) as (new_docs, new_site):
        stage(f"writing {len(pages)} Markdown pages")
        _, paths, sizes, searchable = _write(pages, new_docs, staging, release)
        groups = search.buckets(search.html_path(path) for path in searchable)
        own = shards.own_pages(paths, groups, shard)
        planned = shards.shard_parts(own, shard, workers=usable_cpus(), sizes=sizes)
        count = sum(1 for path in own if path.endswith(".md"))
        stage(f"building shard {shard}: {count:,} of {len(paths):,} pages with MkDocs")
        building = time.perf_counter()
        with _epoch(source_date_epoch), editions_build(False):
            results = parts.run(config_file, new_docs, new_site, paths, sizes=sizes, site_url=site_url, parts=planned, check_anchors=False,
                                on_part=lambda done, total: stage(parts_progress(done, total, count, time.perf_counter() - building)))
        mine = shards.bucket_range(shard, len(groups))
        stage(f"indexing search bundles {mine.start + 1}–{mine.stop} of {len(groups)}" if mine else "no search bundle in this shard")
        search.Indexing(new_site, groups, only=mine).start().finish()
        shards.write_manifest(new_site, shard, digest, len(groups), results)
        stage(f"replacing {site_dir.name}/")
        replace_atomically(site_dir, new_site)
    return site_dir


@contextmanager
def _scratch(pages: list[Page], staging: Path, site_dir: Path) -> Iterator[tuple[Path, Path]]:
    """Fresh folders for a build's Markdown and site beside the kept ones (removed afterwards,
    whatever happens), once the pages are known to have an address each."""
    duplicates = _repeated_paths(pages)
    if duplicates:
        raise BuildError([f"two pages would be written to {path}; each page needs its own address" for path in duplicates])
    new_docs = Path(tempfile.mkdtemp(prefix=".docs-", dir=staging.parent))
    new_site = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-", dir=site_dir.parent))
    try:
        yield new_docs, new_site
    finally:
        for leftover in (new_docs, new_site):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)


def _write(pages: list[Page], docs: Path, staging: Path, release: bool) -> tuple[list[str], list[str], dict[str, int], list[str]]:
    """Write the pages into ``docs``; the paths that changed since the last good build, every path, the
    pages' sizes and the current articles' paths.  ``release``: the pages are emptied afterwards."""
    changed = write_pages(pages, docs, previous=staging if staging.is_dir() else None)
    paths = [page.path for page in pages]
    sizes = {page.path: len(page.data) for page in pages}
    searchable = [page.path for page in pages if page.searchable]
    if release:
        pages.clear()
        release_memory()
    return changed, paths, sizes, searchable


def parts_progress(done: int, count: int, pages: int, seconds: float) -> str:
    """``building: 1 of 2 parts done (16,000 of 32,000 pages, 76 pages/s, about 3 min left)``: what a person
    waiting on a large build can plan with (parts hold about as many pages each)."""
    built = round(pages * done / count) if count else pages
    text = f"building: {done} of {count} parts done ({built:,} of {pages:,} pages"
    if built and seconds > 0 and done < count:
        rate = built / seconds
        left = (pages - built) / rate
        text += f", {rate:,.0f} pages/s, about {_duration(left)} left"
    return text + ")"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


STAMP = ".guidesite-build"
"""File in the staging folder naming what the last good build was made from."""


def _fingerprint(pages: list[Page], context: str, site_dir: Path) -> str:
    """What a build is made from: the context every page shares (reuse.context: configuration, theme,
    our code, tools, address, date), where it is built, and each page's Markdown."""
    digest = hashlib.sha256(context.encode("ascii") + b"\0" + str(site_dir).encode("utf-8") + b"\0")
    for page in sorted(pages, key=lambda p: p.path):
        digest.update(page.path.encode("utf-8") + b"\0" + page.data + b"\0")
    return digest.hexdigest() + "\n"


def _tool_versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("guidesite", "mkdocs", "mkdocs-material", "pagefind", "nh3"):
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}=?")
    return ",".join(found)


def sync_pages(pages: list[Page], staging: Path) -> int:
    """Make the staging folder hold exactly ``pages``, writing only what changed."""
    staging.mkdir(parents=True, exist_ok=True)
    wanted = {page.path for page in pages}
    written = 0
    for page in pages:
        target = staging / page.path
        if not _same(target, page.data):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.data)
            written += 1
    _remove_stale(staging, wanted)
    return written


def _remove_stale(staging: Path, wanted: set[str]) -> None:
    for stale in sorted(staging.rglob("*"), reverse=True):
        relative = stale.relative_to(staging).as_posix()
        if stale.is_file() and relative not in (STAMP, reuse.RECORD) and relative not in wanted:
            stale.unlink()
        elif stale.is_dir() and not any(stale.iterdir()):
            stale.rmdir()


def _remove_leftovers(folder: Path, prefix: str) -> None:
    """Temporary folders of an earlier build that was killed before it could clean up."""
    for leftover in folder.glob(prefix + "*"):
        if leftover.is_dir() and not leftover.name.endswith(f"-old-{os.getpid()}"):
            shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def _epoch(seconds: int | None):
    if seconds is None or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(seconds)
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


EDITIONS_VARIABLE = "GUIDESITE_EDITIONS"
"""Set to ``1`` while a site is built as an edition: the site's hooks (theme/hooks.py) keep mkdocs.yml's
``extra.version`` (Material's version selector, which fetches ``../versions.json``) only then."""


@contextmanager
def editions_build(editions: bool):
    """Tell MkDocs' configuration hook, in this process and the build's worker processes, whether the
    site is built as an edition."""
    before = os.environ.get(EDITIONS_VARIABLE)
    if editions:
        os.environ[EDITIONS_VARIABLE] = "1"
    else:
        os.environ.pop(EDITIONS_VARIABLE, None)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(EDITIONS_VARIABLE, None)
        else:
            os.environ[EDITIONS_VARIABLE] = before


def write_pages(pages: list[Page], docs_dir: Path, *, previous: Path | None = None) -> list[str]:
    """Write each page below ``docs_dir`` (which must be ours to write); the paths of those that changed.

    A page whose text is the same as in the ``previous`` folder (the last good
    build's Markdown) is hard-linked from there rather than written again.
    """
    root = Path(docs_dir).resolve()
    made: set[Path] = set()
    changed = []
    for page in pages:
        relative = PurePosixPath(page.path)
        if relative.is_absolute() or not relative.parts or ".." in relative.parts:
            raise BuildError([f"refusing to write outside the docs folder: {page.path}"])
        target = root.joinpath(*relative.parts)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if previous is not None and _same(previous / page.path, page.data):
            try:
                os.link(previous / page.path, target)
            except OSError:  # a file system without hard links: a copy, still unchanged
                target.write_bytes(page.data)
            continue
        target.write_bytes(page.data)
        changed.append(page.path)
    return changed


def _repeated_paths(pages: list[Page]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for page in pages:
        if page.path in seen and page.path not in repeated:
            repeated.append(page.path)
        seen.add(page.path)
    return repeated


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _keep_pages(paths: list[str], built_from: Path, staging: Path, changed: list[str]) -> int:
    """Make the staging folder hold the Markdown just built: changed pages are moved in from the
    build's folder (unchanged ones are already there), pages that are gone are removed."""
    staging.mkdir(parents=True, exist_ok=True)
    for path in changed:
        target = staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(built_from / path, target)
    _remove_stale(staging, set(paths))
    return len(changed)

