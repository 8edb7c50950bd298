"""``guidesite serve``: a live preview that re-renders when content changes.

MkDocs' own server watches the staging docs folder and the theme; a small
poller here watches ``content/``, ``site_config/`` and the Markdown templates
and re-renders the pages whose text changed.  Bad content is reported and the
last good pages stay on screen.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from mkdocs.commands.serve import serve as mkdocs_serve

from .build import STAGING, hooks, site_url, sync_pages
from .errors import ContentError
from .load import load
from .render import build_date, render
from .versions import article_versions
from .validate import validate

log = logging.getLogger(__name__)

WATCHED = ("content", "site_config", "theme/templates")


def serve(project: Path, *, dev_addr: str = "127.0.0.1:8000", drafts: bool = True, poll_seconds: float = 0.5) -> None:
    """Render once, then serve with live reload until interrupted."""
    project = Path(project).resolve()
    staging = project / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    refresh(project, staging, drafts=drafts)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(project, staging, drafts, poll_seconds, stop), daemon=True)
    watcher.start()
    try:
        # The site's own hooks, then the sanitizer, as in a build.
        serve_hooks = [*hooks(project), str(Path(__file__).with_name("serve_hooks.py"))]
        mkdocs_serve(str(project / "mkdocs.yml"), livereload=True, watch_theme=True, dev_addr=dev_addr, docs_dir=str(staging), hooks=serve_hooks)
    finally:
        stop.set()


def refresh(project: Path, staging: Path, *, drafts: bool) -> int:
    """Re-render into ``staging``, writing only pages whose text changed.  Returns the count written."""
    try:
        validated = validate(load(project))
    except ContentError as exc:
        for problem in exc.problems:
            log.error("%s", problem)
        log.error("preview not updated: %d problem(s)", len(exc.problems))
        return 0
    pages = render(validated, project / "theme" / "templates", today=build_date(), drafts=drafts, versions=article_versions(project, validated), site_url=site_url(project))
    return sync_pages(pages, staging)


def _snapshot(project: Path) -> dict[str, float]:
    stamps = {}
    for folder in WATCHED:
        for path in (project / folder).rglob("*"):
            if path.is_file():
                stamps[str(path)] = path.stat().st_mtime
    return stamps


def _watch(project: Path, staging: Path, drafts: bool, poll_seconds: float, stop: threading.Event) -> None:
    last = _snapshot(project)
    while not stop.wait(poll_seconds):
        now = _snapshot(project)
        if now != last:
            last = now
            time.sleep(0.1)  # let editors finish writing
            written = refresh(project, staging, drafts=drafts)
            log.info("content changed: %d page(s) updated", written)
