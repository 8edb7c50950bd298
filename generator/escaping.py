"""The one HTML escaper, markupsafe's, and the two ways our pages use it.

markupsafe's ``escape`` is what Jinja's ``| e`` writes, so our own pages and Material's templates
escape alike.  Where text goes in two steps, through Markdown or through Material, a full escape
would be escaped again, so two outputs take less of it, each written here once:

* :func:`escape_html` — ``& < > " '``, for text that goes straight into HTML (an attribute, or
  between tags).  ``"`` is written ``&quot;``, as our pages always have.  With ``quotes=False``
  quotes stay as typed: for text between tags that Markdown reads (headings, names), where they
  are only text.
* :func:`inert_tags` — ``<`` and ``>`` only, so that no tag can start: for author Markdown, where
  ``&`` and quotes must reach Markdown as typed (it escapes them itself, and shows ``&amp;``
  literally in a code span), and for page titles, which Material prints as HTML in some places
  and escapes again in others (``aria-label="{{ title | e }}"``).
"""

from __future__ import annotations

from typing import Any

from markupsafe import escape


def escape_html(text: Any, *, quotes: bool = True) -> str:
    """``text`` safe in HTML: ``&``, ``<``, ``>`` and (unless ``quotes`` is false) ``"`` and ``'`` escaped."""
    escaped = str(escape(str(text)))
    if quotes:
        return escaped.replace("&#34;", "&quot;")
    return escaped.replace("&#34;", '"').replace("&#39;", "'")


def inert_tags(text: str) -> str:
    """``text`` with ``<`` and ``>`` escaped, so that no tag can start; everything else as written."""
    return text.replace("<", "&lt;").replace(">", "&gt;")
