"""Our own last stage on the engine's output, whatever the engine.

MkDocs runs our sanitizer and hooks as it builds; Zensical (Material's
successor) has no plugin API and ignores both.  What must hold for readers is
therefore also done here, on the built HTML, after any engine:

* each page's article body is cleaned by the sanitizer's allow-list
  (``sanitize.clean_body``), so no raw HTML or script from content survives;
* Material's two HTML validity faults are mended (``valid_html``);
* whitespace runs are compacted (``compact_whitespace``).

With MkDocs the sanitizer plugin and theme/hooks.py (which use ``valid_html``
and ``compact_whitespace`` from here) do this as pages are built, so the pass
over the output runs for Zensical, which runs neither.  The page check and
search indexing (build.py) follow whatever the engine.
"""

from __future__ import annotations

import re
from pathlib import Path

from .sanitize import clean_body

_VERBATIM = re.compile(r"(<pre\b.*?</pre>|<textarea\b.*?</textarea>)", re.DOTALL | re.IGNORECASE)
_LINE_BREAK_RUN = re.compile(r"[ \t\r\f]*\n\s*")

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_CHECKABLE = re.compile(r'\stype="(?:checkbox|radio)"', re.IGNORECASE)
_AUTOCOMPLETE = re.compile(r'\s+autocomplete="[^"]*"', re.IGNORECASE)
_TOC_LABEL = re.compile(r'<label class="md-nav__title" for="__toc">(.*?)</label>', re.DOTALL)

_ARTICLE = re.compile(r'(<article class="md-content__inner md-typeset">)(.*?)(</article>)', re.DOTALL)
"""The body of a page in Material's (and Zensical's classic) layout: what content becomes."""


def valid_html(html: str) -> str:
    """``html`` without the two faults of Material's base template: ``autocomplete`` on its
    checkbox toggles (an attribute of text fields, not checkboxes), and, on a page that is not in
    the navigation (an article), a ``<label for="__toc">`` naming a control the page does not have,
    which becomes the ``<div>`` it acts as."""
    html = _INPUT.sub(lambda m: _AUTOCOMPLETE.sub("", m.group(0)) if _CHECKABLE.search(m.group(0)) else m.group(0), html)
    if 'id="__toc"' not in html:
        html = _TOC_LABEL.sub(r'<div class="md-nav__title">\1</div>', html)
    return html


def compact_whitespace(html: str) -> str:
    """``html`` with every whitespace run that holds a line break made one line break (except inside
    ``<pre>`` and ``<textarea>``, where whitespace is shown as written)."""
    parts = _VERBATIM.split(html.lstrip())
    return "".join(part if i % 2 else _LINE_BREAK_RUN.sub("\n", part) for i, part in enumerate(parts))


def clean_article(html: str) -> str:
    """The page with its article body cleaned by the sanitizer's allow-list.  A body that closes the
    article early is cut there; whatever follows is still checked by the page check, which refuses
    the build if anything unsafe is left anywhere in the page."""
    return _ARTICLE.sub(lambda m: m.group(1) + clean_body(m.group(2)) + m.group(3), html, count=1)


def finish_page(html: str, *, content: bool = True) -> str:
    """A built page finished; ``content``: its article body comes from our Markdown (every page but
    the theme's own 404 page, whose form is the theme's, not content) and is cleaned."""
    return compact_whitespace(valid_html(clean_article(html) if content else html))


def finish_site(site_dir: Path) -> int:
    """Finish every HTML page of a built site in place; the number of pages changed."""
    changed = 0
    for page in sorted(site_dir.rglob("*.html")):
        if page.is_symlink() or not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        done = finish_page(text, content=page != site_dir / "404.html")
        if done != text:
            page.write_text(done, encoding="utf-8")
            changed += 1
    return changed


_CANONICAL = re.compile(r'<link rel="canonical" href="([^"]+)"')
_NOINDEX = re.compile(r'<meta name="robots" content="[^"]*noindex')
_MODIFIED = re.compile(r'"dateModified":"(\d{4}-\d{2}-\d{2})"')


def write_sitemap(site_dir: Path, fallback: str) -> int:
    """``sitemap.xml`` from the built pages: each indexable page at its canonical address, dated by
    its content (an article's ``dateModified``; ``fallback``, the build date, for the site's own
    pages).  The engine's own sitemap, if any, is replaced.  The number of addresses listed."""
    from xml.sax.saxutils import escape

    entries = []
    for page in sorted(site_dir.rglob("index.html")):
        html = page.read_text(encoding="utf-8")
        canonical = _CANONICAL.search(html)
        if canonical is None or _NOINDEX.search(html):
            continue
        modified = _MODIFIED.search(html)
        entries.append(f"  <url>\n    <loc>{escape(canonical.group(1))}</loc>\n    <lastmod>{modified.group(1) if modified else fallback}</lastmod>\n  </url>")
    text = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(entries) + "\n</urlset>\n"
    (site_dir / "sitemap.xml").write_text(text, encoding="utf-8")
    (site_dir / "sitemap.xml.gz").unlink(missing_ok=True)  # a stale compressed copy would contradict it
    return len(entries)

