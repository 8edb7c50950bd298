"""``guidesite serve``: a live preview that re-renders when content changes.

MkDocs' own server watches the staging docs folder and the theme; watchdog
(which MkDocs already uses) watches ``content/``, ``site_config/`` and the
Markdown templates here, and the pages whose text changed are re-rendered
through the same pipeline as a build.  Bad content is reported and the last
good pages stay on screen.  After each of MkDocs' builds Pagefind indexes the
preview (serve_hooks.py), so its search page works as in a built site.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from pathlib import Path

from . import defaults
from .build import STAGING, sync_pages
from .errors import ContentError, UsageProblem
from .pipeline import Pipeline

log = logging.getLogger(__name__)

WATCHED = ("content", "site_config", "theme/templates")

SETTLE_SECONDS = 0.2
"""Wait this long after the last change before re-rendering (editors write in several steps)."""


def serve(pipeline: Pipeline, *, dev_addr: str = "127.0.0.1:8000", drafts: bool = True) -> None:
    """Render once, then serve with live reload until interrupted."""
    from mkdocs.commands import serve as mkdocs_serving

    host, port = _address(dev_addr)
    _check_free(host, port)
    staging = pipeline.root / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    refresh(pipeline, staging, drafts=drafts)
    # The site's own hooks, then the sanitizer, as in a build.
    serve_hooks = [*pipeline.hook_files, str(Path(__file__).with_name("serve_hooks.py"))]
    observer = _watch(pipeline, staging, drafts)
    # MkDocs' server reads the settings again before each rebuild: the settings a build uses, mkdocs.yml
    # over guidesite's (defaults.load_config), rather than mkdocs.yml alone.
    own_loader = mkdocs_serving.load_config
    mkdocs_serving.load_config = defaults.load_config
    try:
        mkdocs_serving.serve(str(pipeline.config_file), livereload=True, watch_theme=True, dev_addr=dev_addr, docs_dir=str(staging),
                             hooks=serve_hooks)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageProblem(f"{dev_addr} is already in use; choose another with --dev-addr HOST:PORT") from exc
        raise
    finally:
        mkdocs_serving.load_config = own_loader
        observer.stop()


def refresh(pipeline: Pipeline | Path, staging: Path, *, drafts: bool) -> int:
    """Re-render into ``staging``, writing only pages whose text changed.  Returns the count written."""
    if not isinstance(pipeline, Pipeline):
        pipeline = Pipeline(pipeline)
    try:
        pages = pipeline.pages(pipeline.validate(), drafts=drafts)
    except ContentError as exc:
        for problem in exc.problems:
            log.error("%s", problem)
        log.error("preview not updated: %d problem(s)", len(exc.problems))
        return 0
    return sync_pages(pages, staging)


def _address(dev_addr: str) -> tuple[str, int]:
    host, _, port = dev_addr.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageProblem(f"expected --dev-addr as HOST:PORT, such as 127.0.0.1:8000; got '{dev_addr}'")
    return host.strip("[]"), int(port)


def _check_free(host: str, port: int) -> None:
    """Say plainly that the port is taken, before anything is rendered."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageProblem(f"cannot serve on {host}:{port}: {exc.strerror}") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageProblem(f"{host}:{port} is already in use; choose another with --dev-addr HOST:PORT") from exc
            raise UsageProblem(f"cannot serve on {host}:{port}: {exc.strerror}") from exc


def _watch(pipeline: Pipeline, staging: Path, drafts: bool):
    """Re-render shortly after any change below the watched folders."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    lock = threading.Lock()
    timer: list[threading.Timer | None] = [None]

    def rerender() -> None:
        with lock:
            written = refresh(pipeline, staging, drafts=drafts)
        log.info("content changed: %d page(s) updated", written)

    class Changed(FileSystemEventHandler):
        def on_any_event(self, event) -> None:  # noqa: ANN001 - watchdog's signature
            if event.event_type in ("opened", "closed_no_write"):
                return
            if timer[0] is not None:
                timer[0].cancel()
            timer[0] = threading.Timer(SETTLE_SECONDS, rerender)
            timer[0].daemon = True
            timer[0].start()

    observer = Observer()
    for folder in WATCHED:
        path = pipeline.root / folder
        if path.is_dir():
            observer.schedule(Changed(), str(path), recursive=True)
    observer.daemon = True
    observer.start()
    return observer
