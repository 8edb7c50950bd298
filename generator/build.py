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
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

from .errors import BuildError
from .render import Page
from .sanitize import SanitizePlugin, check_site

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
) -> Path:
    """Write ``pages``, build them strictly with MkDocs, then swap into place.

    ``source_date_epoch`` dates what MkDocs stamps with the build time (sitemap,
    its gzip header) unless ``SOURCE_DATE_EPOCH`` is already set, so two builds
    of the same content give the same bytes.  The staging folder keeps the
    Markdown of the last good build: only pages whose text changed are written
    there, and when nothing changed at all (pages, mkdocs.yml, theme) the build
    is skipped and nothing is written.
    """
    report = report if report is not None else BuildReport()
    stage = on_stage or (lambda _: None)
    project = Path(project).resolve()
    config_file = Path(config_file or project / "mkdocs.yml")
    site_dir = Path(site_dir).resolve()
    staging = Path(staging_dir) if staging_dir else project / STAGING
    staging.parent.mkdir(parents=True, exist_ok=True)
    site_dir.parent.mkdir(parents=True, exist_ok=True)

    fingerprint = _fingerprint(pages, config_file, site_dir, source_date_epoch)
    stamp = staging / STAMP
    if (site_dir / "index.html").is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == fingerprint:
        report.unchanged = True
        log.info("nothing changed since the last build of %s", site_dir)
        return site_dir

    _remove_leftovers(staging.parent, ".docs-")
    _remove_leftovers(site_dir.parent, f".{site_dir.name}-")
    new_docs = Path(tempfile.mkdtemp(prefix=".docs-", dir=staging.parent))
    new_site = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-", dir=site_dir.parent))
    try:
        write_pages(pages, new_docs)
        stage(f"building {len(pages)} pages with MkDocs")
        with _epoch(source_date_epoch):
            _run_mkdocs(config_file, new_docs, new_site)
        stage("indexing search")
        index_search(new_site)
        stage(f"replacing {site_dir.name}/")
        replace_atomically(site_dir, new_site)
        report.markdown_written = sync_pages(pages, staging)
        stamp.write_text(fingerprint, encoding="utf-8")  # last: a build cut short before this rebuilds next time
    finally:
        for leftover in (new_docs, new_site):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    log.info("built %d pages into %s (%d Markdown files regenerated)", len(pages), site_dir, report.markdown_written)
    return site_dir


STAMP = ".guidesite-build"
"""File in the staging folder naming what the last good build was made from."""


def _fingerprint(pages: list[Page], config_file: Path, site_dir: Path, epoch: int | None) -> str:
    digest = hashlib.sha256()
    for part in (str(site_dir), str(epoch), os.environ.get("SOURCE_DATE_EPOCH", ""), _tool_versions()):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(config_file.read_bytes() if config_file.is_file() else b"")
    theme = config_file.parent / "theme" / "overrides"
    for path in sorted(theme.rglob("*")) if theme.is_dir() else []:
        if path.is_file():
            digest.update(path.relative_to(theme).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
    for page in sorted(pages, key=lambda p: p.path):
        digest.update(page.path.encode("utf-8") + b"\0" + page.text.encode("utf-8") + b"\0")
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
        data = page.text.encode("utf-8")
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written += 1
    for stale in sorted(staging.rglob("*"), reverse=True):
        relative = stale.relative_to(staging).as_posix()
        if stale.is_file() and relative != STAMP and relative not in wanted:
            stale.unlink()
        elif stale.is_dir() and not any(stale.iterdir()):
            stale.rmdir()
    return written


def site_url(project: Path, config_file: Path | None = None) -> str | None:
    """``site_url`` from mkdocs.yml, if set."""
    import yaml

    path = Path(config_file or Path(project) / "mkdocs.yml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    value = data.get("site_url") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


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


def write_pages(pages: list[Page], docs_dir: Path) -> None:
    """Write each page below ``docs_dir`` (which must be ours to write)."""
    root = Path(docs_dir).resolve()
    for page in pages:
        target = (root / page.path).resolve()
        if root not in target.parents:
            raise BuildError([f"refusing to write outside the docs folder: {page.path}"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.text, encoding="utf-8")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _run_mkdocs(config_file: Path, docs_dir: Path, site_dir: Path) -> None:
    collector = _Collect()
    mkdocs_logger = logging.getLogger("mkdocs")
    mkdocs_logger.addHandler(collector)
    try:
        config = load_config(str(config_file), docs_dir=str(docs_dir), site_dir=str(site_dir), strict=True)
        # The second wall (sanitize.py): page bodies cleaned as they are built, then every page checked.
        config.plugins["guidesite/sanitize"] = SanitizePlugin()
        mkdocs_build(config)
    except (Abort, ConfigurationError, MkDocsException) as exc:
        messages = [m.replace(str(docs_dir), "build/docs") for m in collector.messages]
        raise BuildError(messages or [str(exc)]) from exc
    finally:
        mkdocs_logger.removeHandler(collector)
    hazards = check_site(site_dir, config.theme.dirs)
    if hazards:
        raise BuildError([f"unsafe markup in the built page {hazard}" for hazard in hazards])


SEARCH_BUNDLE = "pagefind"
"""Folder of the search index inside the site."""


def index_search(site_dir: Path) -> None:
    """Index the built pages with Pagefind (a static, chunked index: a query fetches only the
    chunks it needs, so the first search stays small whatever the size of the site).

    Only content marked ``data-pagefind-body`` is indexed: current articles and the site's own
    pages, not the permanent copies of old versions.
    """
    command = [
        sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir", SEARCH_BUNDLE,
        # Furniture repeated on every article (status, audience switch, disclaimer, call to action)
        # would match every query and bloat the index.
        *[arg for selector in (".headerlink", ".gs-backlinks", ".gs-meta", ".gs-audience", ".gs-disclaimer", ".gs-cta")
          for arg in ("--exclude-selectors", selector)],
        "--silent",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not (site_dir / SEARCH_BUNDLE / "pagefind.js").is_file():
        detail = (result.stderr or result.stdout).strip().replace(str(site_dir), "site")
        raise BuildError([f"the search index could not be built: {detail or 'pagefind wrote no index'}"])


def replace_atomically(target: Path, fresh: Path) -> None:
    """Put ``fresh`` where ``target`` is, keeping the old one until the last moment."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.replace(target, old)
    os.replace(fresh, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
