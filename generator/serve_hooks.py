"""MkDocs hooks for ``guidesite serve``: the preview gets the same sanitizing and search as a build.

MkDocs' own server builds the site, so the sanitizer and the search index are
attached through its ``hooks`` option (a file of event functions) rather than
by our build stage.  The server builds the whole site afresh into its folder on
every change, so Pagefind indexes it again after each build, with the same
command as ``guidesite build`` (a few tenths of a second for the sample site;
the page reloads once the index is written).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from guidesite.search import index_search  # loaded by MkDocs as a file, not as part of the package
from guidesite.errors import BuildError
from guidesite.sanitize import SanitizePlugin

log = logging.getLogger("mkdocs.guidesite")

_plugin = SanitizePlugin()


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    return _plugin.on_page_markdown(markdown, page, **kwargs)


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    return _plugin.on_page_content(html, page, **kwargs)


def on_post_build(config: Any, **_: Any) -> None:
    """Index the freshly built preview for search.  A failed index is reported and the preview goes
    on without search: the pages are still worth reading."""
    started = time.monotonic()
    try:
        index_search(Path(config.site_dir))
    except BuildError as exc:
        for message in exc.messages:
            log.error("%s", message)
        return
    log.info("search index built in %.2f s", time.monotonic() - started)
