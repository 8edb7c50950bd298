"""MkDocs hooks (``hooks:`` in mkdocs.yml): the same pages in fewer bytes.

Material's templates are indented for people reading them; a built page
carries that indentation and thousands of blank lines.  Browsers render a run
of spaces and line breaks between words or tags the same as one line break,
so every run that holds a line break is written as one, except inside
``<pre>`` and ``<textarea>``, where whitespace is shown as written.  JSON the
templates print (the article's JSON-LD, Material's configuration block) is
written without spaces after ``,`` and ``:``.

Nothing else changes: no tag, attribute or text is removed.  Zensical does
not run these hooks; its pages are only larger.
"""

from __future__ import annotations

import re
from typing import Any

_VERBATIM = re.compile(r"(<pre\b.*?</pre>|<textarea\b.*?</textarea>)", re.DOTALL | re.IGNORECASE)
_LINE_BREAK_RUN = re.compile(r"[ \t\r\f]*\n\s*")


def compact_whitespace(html: str) -> str:
    """``html`` with every whitespace run that holds a line break made one line break."""
    parts = _VERBATIM.split(html.lstrip())
    return "".join(part if i % 2 else _LINE_BREAK_RUN.sub("\n", part) for i, part in enumerate(parts))


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:
    """A page whose front matter names a ``canonical`` page (a permanent copy of an article's
    version) points search engines at that page instead of at itself."""
    target = page.meta.get("canonical") if isinstance(page.meta, dict) else None
    if isinstance(target, str) and config.site_url:
        page.canonical_url = config.site_url.rstrip("/") + "/" + target.lstrip("/")
    return markdown


def on_env(env: Any, **_: Any) -> Any:
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    return env


def on_post_page(output: str, **_: Any) -> str:
    return compact_whitespace(output)
