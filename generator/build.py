"""Stage 4 — build: rendered Markdown becomes a strict MkDocs + Material site.

The pages are written to a fresh staging folder and built into a fresh
temporary site folder.  Only when MkDocs has finished without a warning do the
two replace ``build/docs`` and ``site/``; a failed or interrupted build leaves
the last good output exactly as it was.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
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


def build(pages: list[Page], project: Path, *, site_dir: Path, config_file: Path | None = None, source_date_epoch: int | None = None) -> Path:
    """Write ``pages``, build them strictly with MkDocs, then swap into place.

    ``source_date_epoch`` dates what MkDocs stamps with the build time (sitemap,
    its gzip header) unless ``SOURCE_DATE_EPOCH`` is already set, so two builds
    of the same content give the same bytes.
    """
    project = Path(project).resolve()
    config_file = Path(config_file or project / "mkdocs.yml")
    site_dir = Path(site_dir).resolve()
    staging = project / STAGING
    staging.parent.mkdir(parents=True, exist_ok=True)
    site_dir.parent.mkdir(parents=True, exist_ok=True)

    _remove_leftovers(staging.parent, ".docs-")
    _remove_leftovers(site_dir.parent, f".{site_dir.name}-")
    new_docs = Path(tempfile.mkdtemp(prefix=".docs-", dir=staging.parent))
    new_site = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-", dir=site_dir.parent))
    try:
        write_pages(pages, new_docs)
        with _epoch(source_date_epoch):
            _run_mkdocs(config_file, new_docs, new_site)
        index_search(new_site)
        _replace(staging, new_docs)
        _replace(site_dir, new_site)
    finally:
        for leftover in (new_docs, new_site):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    log.info("built %d pages into %s", len(pages), site_dir)
    return site_dir


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


def _replace(target: Path, fresh: Path) -> None:
    """Put ``fresh`` where ``target`` is, keeping the old one until the last moment."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.replace(target, old)
    os.replace(fresh, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
