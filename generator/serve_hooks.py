"""MkDocs hooks for ``guidesite serve``: the preview gets the same sanitizing as a build.

MkDocs' own server builds the site, so the sanitizer is attached through its
``hooks`` option (a file of event functions) rather than by our build stage.
"""

from __future__ import annotations

from typing import Any

from generator.sanitize import SanitizePlugin  # loaded by MkDocs as a file, not as part of the package

_plugin = SanitizePlugin()


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    return _plugin.on_page_markdown(markdown, page, **kwargs)


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    return _plugin.on_page_content(html, page, **kwargs)
