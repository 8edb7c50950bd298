"""The second wall: what MkDocs builds is cleaned, then every built page is checked.

Validation refuses hostile content; this module makes sure that content
which slipped past it still cannot run in a reader's browser.

* While MkDocs builds, each page's body (the HTML made from our Markdown,
  which is also what the search index is made of) is cleaned with an
  allow-list (:data:`TAGS`, :data:`ATTRIBUTES`): no script, style, frame
  or form; an image only from a relative address of a PNG, JPEG, WebP or SVG
  file, with alt text (a figure's image, an algorithm's diagram); no event
  handler, inline style (except table alignment) or theme-reserved id; links
  only to http, https, mailto or the site itself.
  Page titles and descriptions from the front matter are escaped, because
  Material prints them unescaped.  The table of contents is cleaned too.
* After the build, every HTML file of the site is scanned as a whole
  (:func:`check_site`): first with an HTML5 parser (Lexbor, which parses as
  browsers do, and fast), then, where it finds anything, with a careful scan
  that names each hazard with its line.  A script is allowed only if it is one of the
  site's own ``.js`` files, a JSON data block, or an inline script the
  theme's templates wrote; event handlers, ``javascript:``/``data:`` URLs,
  frames, ``<base>``, ``<meta http-equiv>`` (but the site's own refresh to one of its pages, by a
  relative path of slugs) and styles that hide text are not allowed anywhere; an ``<img>`` must have alt text, no ``srcset``, and
  name a file of the built site in the page's own article folder (the
  theme's ``assets/``, for its logo): no image is ever fetched from elsewhere.  Anything found fails the build, so the last good
  site stays published.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nh3
from mkdocs.plugins import BasePlugin
from selectolax.lexbor import LexborHTMLParser

from .escaping import escape_html, inert_tags

log = logging.getLogger(__name__)

TAGS = frozenset({
    "a", "abbr", "aside", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd",
    "label", "li", "mark", "nav", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
"""Elements a page body may contain: text structure, tables, figures' images, and the audience switch's radio buttons."""

ATTRIBUTES = {
    "*": {"class", "id", "title", "role", "hidden", "lang", "dir", "tabindex"},
    "a": {"href"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "time": {"datetime"},
    "label": {"for"},
    "input": {"type", "name", "value", "checked", "disabled"},
    "details": {"open"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
}
"""Attributes allowed per element, besides ``aria-*`` and ``data-*`` (see :func:`_attribute`)."""

URL_SCHEMES = frozenset({"http", "https", "mailto"})

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".svg")
"""Files an ``<img>`` may show: figures' images (PNG, JPEG, WebP) and the diagrams the build draws (SVG)."""

IMAGE_SRC = re.compile(r"^(?:\.\./)?(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)?[A-Za-z0-9_][A-Za-z0-9_.-]*\.(?:png|jpe?g|webp|svg)$")
"""The address of an image in a page body: a file in the page's folder or the article's
(``step-chart.png``, ``../algorithm-3f2a.svg``): no scheme, no host, no query, no way further up."""

CLASS_NAME = re.compile(r"^(?:gs-[A-Za-z0-9_-]+|headerlink)$")
"""Our own classes; Material's ``md-*`` classes carry behaviour and layout a body must not borrow."""

_cleaner: nh3.Cleaner | None = None


def clean_body(html: str) -> str:
    """A page body with everything outside the allow-list removed."""
    global _cleaner
    if _cleaner is None:
        _cleaner = nh3.Cleaner(
            tags=set(TAGS),
            clean_content_tags={"script", "style", "template"},
            attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
            attribute_filter=_attribute,
            generic_attribute_prefixes={"aria-", "data-"},
            url_schemes=set(URL_SCHEMES),
            filter_style_properties={"text-align"},
            link_rel=None,
            strip_comments=True,
        )
    return _INCOMPLETE_IMAGE.sub(_image_or_nothing, _cleaner.clean(html))


_INCOMPLETE_IMAGE = re.compile(r"<img\b[^>]*>")
"""An image as the cleaner writes it (attributes quoted, ``>`` escaped inside them)."""


def _image_or_nothing(match: re.Match) -> str:
    """An image whose address the cleaner removed, or without alt text, is removed whole."""
    tag = match.group(0)
    return tag if re.search(r'\ssrc="', tag) and re.search(r'\salt="', tag) else ""


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name == "class":
        kept = [c for c in value.split() if CLASS_NAME.match(c)]
        return " ".join(kept) or None
    if name in ("id", "for", "name") and value.startswith("__"):
        return None  # Material's own ids (__config, __search, __drawer): a body must not shadow them
    if name.startswith("data-md"):
        return None  # Material binds its components through data-md-* attributes
    if tag == "input" and name == "type" and value.lower() not in ("radio", "checkbox"):
        return None
    if name == "href" and re.match(r"^[\x00-\x20]*[/\\][\t\n\r]*[/\\]", value):
        return None  # "//host" and "/\host" leave the site although they have no scheme
    if tag == "img":
        return _image_attribute(name, value)
    return value


def _image_attribute(name: str, value: str) -> str | None:
    if name == "src":
        return value if IMAGE_SRC.fullmatch(value) else None
    if name in ("width", "height"):
        return value if value.isdigit() and len(value) <= 5 else None
    if name == "loading":
        return value if value in ("lazy", "eager") else None
    if name == "decoding":
        return value if value in ("async", "sync", "auto") else None
    if name in ("class", "id", "title", "role", "hidden", "lang", "dir", "alt") or name.startswith("aria-"):
        return value
    return None  # data-* (lightbox scripts read data-src and the like) and anything else


def escape_title(text: str) -> str:
    """A front-matter title as Material needs it: it prints titles as HTML in text positions, and
    escapes them itself inside attributes, so only tags are made inert."""
    return inert_tags(text)


_ESCAPED = re.compile(r"&(?=(?:amp|lt|gt|quot|#39|#34);)")


def escape_attribute(text: str) -> str:
    """A front-matter description as the engines need it: they print it inside ``content="…"``.

    Escaping what is already escaped changes nothing, so the render stage (for every engine) and
    the sanitizer plugin (for a page MkDocs builds from any front matter) may both apply it.
    """
    return escape_html(_ESCAPED.sub("\x00", text)).replace("\x00", "&")


_SUSPECT_TEXT = ("<script", "<style", "<iframe", "<frame", "<object", "<embed", "<svg", "<math", "<form", "<base",
                 "<meta", "<link", "<template", "<img", "<video", "<audio", "<source", "&#")
_SUSPECT_ATTRIBUTE = re.compile(r"[\s/\"'](?:on[a-z]+|style|src)\s*=|(?:java|vb)\s*script\s*:|data\s*:")


def _suspect(html: str) -> bool:
    """Whether the scan could report a hazard in a page body.  Cleaning runs on every body
    whatever this says; the scan only names what cleaning removes, for the log."""
    low = html.lower()
    return any(text in low for text in _SUSPECT_TEXT) or _SUSPECT_ATTRIBUTE.search(low) is not None


class SanitizePlugin(BasePlugin):
    """Cleans each page while MkDocs builds it (registered by build.py, not by mkdocs.yml)."""

    def on_page_markdown(self, markdown: str, page: Any, **_: Any) -> str:
        if isinstance(page.meta.get("title"), str):
            page.meta["title"] = escape_title(page.meta["title"])
        if isinstance(page.meta.get("description"), str):
            page.meta["description"] = escape_attribute(page.meta["description"])
        return markdown

    def on_page_content(self, html: str, page: Any, **_: Any) -> str:
        # The scan only names what cleaning removes; a body with none of these has nothing to name.
        hazards = find_hazards(html, allow_script=lambda *_: False) if _suspect(html) else []
        for hazard in hazards:
            log.warning("%s: removed %s from the page body (line %d of its HTML); validation should have refused it",
                        page.file.src_uri, hazard.what, hazard.line)
        for item in _toc_items(page.toc):
            item.title = nh3.clean(item.title, tags={"code", "em", "strong", "sub", "sup"}, attributes={}, link_rel=None)
        # The Markdown source is not read again once converted; on a large site it is a lot of memory.
        page.markdown = ""
        return clean_body(html)


def _toc_items(items: Iterable[Any]) -> Iterable[Any]:
    for item in items:
        yield item
        yield from _toc_items(item.children)


# --- the check of the built site ------------------------------------------------------------


@dataclass(frozen=True)
class Hazard:
    """Something in a built page that could run or hide content."""

    line: int
    what: str


ELEMENTS_NEVER = frozenset({
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal",
    "animate", "set", "animatemotion", "animatetransform", "handler", "listener",
})
"""Elements that load other documents, re-point links, or animate an attribute into a script URL."""

URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite", "ping",
    "lowsrc", "dynsrc", "longdesc", "manifest", "codebase", "archive", "srcset", "imagesrcset", "to", "from", "values",
})

PAGE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
"""Schemes a built page may link to; anything else (javascript:, data:, vbscript:, file:) is a hazard."""

DATA_SCRIPT_TYPES = frozenset({"application/json", "application/ld+json"})
"""Script types a browser never runs."""

_HIDING_STYLE = re.compile(
    r"display:none|visibility:hidden|opacity:0*\.?0*(?:;|$)|font-size:0|color:transparent|clip|"
    r"position:(?:absolute|fixed)|text-indent:-|(?:height|width):0(?:;|$|px)|transform:scale\(0"
)
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in ``value`` (entities already decoded), lower case."""
    target = re.sub(r"[\t\n\r]", "", value.strip(_C0_AND_SPACE))
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", target)
    return match.group(1).lower() if match else None


class _Scanner(HTMLParser):
    def __init__(self, allow_script, allow_image=None) -> None:
        super().__init__(convert_charrefs=True)
        self.allow_script = allow_script
        self.allow_image = allow_image
        self.hazards: list[Hazard] = []
        self._script: tuple[int, dict[str, str | None]] | None = None
        self._body: list[str] = []

    def _found(self, what: str) -> None:
        self.hazards.append(Hazard(self.getpos()[0], what))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for what in _element_hazards(tag, attrs, self.allow_image):
            self._found(what)
        if tag == "script":
            self._script = (self.getpos()[0], dict(attrs))
            self._body = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._body.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            line, attrs = self._script
            self._script = None
            if not self.allow_script(attrs, "".join(self._body)):
                described = f"src={attrs['src']!r}" if attrs.get("src") else "inline"
                self.hazards.append(Hazard(line, f"a script the theme did not write ({described})"))

    def close(self) -> None:
        super().close()
        if self._script is not None:  # an unclosed <script> runs to the end of the page
            self.handle_endtag("script")


def _element_hazards(tag: str, attrs: Iterable[tuple[str, str | None]], allow_image=None) -> Iterator[str]:
    """What one element could do by its name and attributes (scripts are judged apart).

    ``allow_image(src)`` says whether an ``<img>`` may show ``src`` (a file of the
    built site, see :func:`_own_image`); without it only the form of the address is judged.
    """
    if tag in ELEMENTS_NEVER:
        yield f"a <{tag}> element"
    redirects = False
    attrs = list(attrs)
    if tag == "img":
        yield from _image_hazards(attrs, allow_image)
    for name, value in attrs:
        value = value or ""
        if tag == "img" and name in ("src", "srcset"):
            continue  # judged above
        if name.startswith("on"):
            yield f"an event handler ({name}=) on <{tag}>"
        elif name == "srcdoc":
            yield f"a srcdoc document on <{tag}>"
        elif name in URL_ATTRIBUTES:
            for part in value.split(",") if name in ("srcset", "imagesrcset") else [value]:
                scheme = url_scheme(part)
                if scheme and scheme not in PAGE_SCHEMES:
                    yield f"a {scheme}: address in {name}= on <{tag}>"
        elif name == "style" and _HIDING_STYLE.search(re.sub(r"\s+", "", value.lower())):
            yield f"a style that hides or moves text on <{tag}>"
        redirects = redirects or name == "http-equiv"
    if tag == "meta" and redirects and not _own_refresh(attrs):
        yield "a <meta http-equiv> (it can redirect the reader)"


_OWN_REFRESH = re.compile(r"0; url=(?:\.\./)+(?:[a-z0-9][a-z0-9-]*/)+")
"""The one refresh the site writes itself (a moved article's old address, an article's permanent
address): at once, to a page of this site named by a relative path of slugs (no scheme, no host)."""


def _own_refresh(attrs: list[tuple[str, str | None]]) -> bool:
    given = dict(attrs)
    return (set(given) == {"http-equiv", "content"} and (given["http-equiv"] or "").lower() == "refresh"
            and _OWN_REFRESH.fullmatch(given["content"] or "") is not None)


def _image_hazards(attrs: list[tuple[str, str | None]], allow_image) -> Iterator[str]:
    """An image must say what it shows, come from one file, and that file must be the site's own."""
    names = {name for name, _ in attrs}
    if "alt" not in names:
        yield "an image without alt text on <img>"
    for name in ("srcset", "sizes"):
        if name in names:
            yield f"a {name}= on <img> (an image comes from one file of the article)"
    src = next((value for name, value in attrs if name == "src"), None)
    if src is None:
        return
    scheme = url_scheme(src)
    if scheme:
        yield f"a {scheme}: address in src= on <img>"
    elif not (allow_image(src) if allow_image is not None else IMAGE_SRC.fullmatch(src)):
        yield f"an image that is not a file of the page's article (src={src[:80]!r}) on <img>"


def find_hazards(html: str, *, allow_script, allow_image=None) -> list[Hazard]:
    """Hazards in one HTML document or fragment; ``allow_script(attrs, body)`` decides on each script,
    ``allow_image(src)`` on each image (without it, an image is judged by the form of its address)."""
    scanner = _Scanner(allow_script, allow_image)
    scanner.feed(html)
    scanner.close()
    return scanner.hazards


def quick_hazards(html: str, *, allow_script, allow_image=None) -> list[str]:
    """What :func:`find_hazards` looks for, found with an HTML5 parser (Lexbor, as browsers parse),
    about ten times faster but without line numbers.  ``["<template>"]`` when the page holds
    inert ``<template>`` content, which this parser keeps apart: the careful scan then decides."""
    if "<template" in html.lower():
        return ["<template>"]
    found: list[str] = []
    for node in LexborHTMLParser(html).root.traverse(include_text=False):
        tag, attrs = node.tag, node.attributes
        found += _element_hazards(tag, attrs.items(), allow_image)
        if tag == "script" and not allow_script(attrs, node.text(deep=True)):
            found.append("a script the theme did not write")
    return found


def theme_scripts(template_dirs: Iterable[str | Path]) -> list[re.Pattern[str]]:
    """The inline scripts the theme's templates can write, as patterns.

    A ``{{ … }}`` inside a script becomes a run of path characters (Material
    prints ``base_url`` there), so no value can carry code or a scheme into
    a script; a script with ``{% … %}`` inside is not trusted at all.
    """
    patterns = []
    for folder in template_dirs:
        for template in sorted(Path(folder).rglob("*.html")):
            text = template.read_text(encoding="utf-8", errors="replace")
            for match in re.finditer(r"<script\b[^>]*>(.*?)</script>", text, flags=re.DOTALL | re.IGNORECASE):
                body = match.group(1)
                if not body.strip() or "{%" in body:
                    continue
                parts = re.split(r"\{\{.*?\}\}", body, flags=re.DOTALL)
                patterns.append(re.compile(r"[\w./-]*".join(re.escape(p) for p in parts)))
    return patterns


def check_site(site_dir: Path, template_dirs: Iterable[str | Path], base_path: str = "/", *, only: Iterable[str] | None = None) -> list[str]:
    """Every hazard in every HTML file of a built site (or in those of ``only``, site-relative: the
    pages a rebuild wrote), as ``path:line: …`` messages.

    The fast HTML5 pass keeps this well below the time Pagefind takes beside it,
    so it runs in this process.
    """
    site_dir = Path(site_dir).resolve()
    patterns = theme_scripts(template_dirs)
    pages = sorted(site_dir.rglob("*.html")) if only is None else sorted(site_dir / page for page in only)
    found = _check_pages(pages, site_dir, patterns, base_path)
    return sorted(found, key=_message_order)


def _message_order(message: str) -> tuple[str, int]:
    path, line, _ = message.split(":", 2)
    return path, int(line)


def _check_pages(pages: list[Path], site_dir: Path, patterns: list[re.Pattern[str]], base_path: str = "/") -> list[str]:
    messages = []
    for page in pages:

        def allow_script(attrs: dict[str, str | None], body: str, page: Path = page) -> bool:
            kind = (attrs.get("type") or "").split(";")[0].strip().lower()
            src = attrs.get("src")
            if kind in DATA_SCRIPT_TYPES:
                return src is None
            if src is not None:
                return not body.strip() and _own_script(src, page, site_dir, base_path)
            return any(p.fullmatch(body) for p in patterns)

        def allow_image(src: str, page: Path = page) -> bool:
            return _own_image(src, page, site_dir, base_path)

        html = page.read_text(encoding="utf-8", errors="replace")
        quick = quick_hazards(html, allow_script=allow_script, allow_image=allow_image)
        if not quick:
            continue
        # Something is there: the careful scan names it with its line.
        shown = page.relative_to(site_dir).as_posix()
        hazards = find_hazards(html, allow_script=allow_script, allow_image=allow_image)
        messages += [f"{shown}:{hazard.line}: {hazard.what}" for hazard in hazards]
        if not hazards and quick != ["<template>"]:
            # The two parsers disagree; a browser parses as the HTML5 one does.
            messages += [f"{shown}:0: {what} (line not known)" for what in quick]
    return messages


def _site_file(path: str, page: Path, site_dir: Path, base_path: str) -> Path | None:
    """The file of the built site that ``path`` (root-relative under ``base_path``, or relative to the
    page) names, resolved; None when it names nothing inside the site."""
    if path.startswith("/"):
        if not path.startswith(base_path):
            return None
        target = site_dir / path[len(base_path):]
    else:
        target = page.parent / path
    target = target.resolve()
    return target if target.is_file() and site_dir in target.parents else None


def _own_script(src: str, page: Path, site_dir: Path, base_path: str = "/") -> bool:
    """Whether ``src`` names a ``.js`` file of the built site itself (served at ``base_path``:
    ``/`` for a site at the root, ``/latest/`` for an edition)."""
    if url_scheme(src) or src.startswith("//") or "\\" in src:
        return False
    target = _site_file(src.split("?", 1)[0].split("#", 1)[0], page, site_dir, base_path)
    return target is not None and target.suffix == ".js"


def _own_image(src: str, page: Path, site_dir: Path, base_path: str = "/") -> bool:
    """Whether ``src`` names an image file of the built site (PNG, JPEG, WebP or SVG) in the page's
    own article folder (``<specialty>/<id>/`` for the article and its versions' pages, the page's
    folder elsewhere), or the theme's ``assets/`` (its logo).  Nothing is ever shown from elsewhere."""
    if url_scheme(src) or src.startswith("//") or "\\" in src or "?" in src or "#" in src or not src.strip():
        return False
    target = _site_file(src, page, site_dir, base_path)
    if target is None or target.suffix.lower() not in IMAGE_SUFFIXES:
        return False
    if (site_dir / "assets") in target.parents:
        return True
    home = page.parent.relative_to(site_dir).parts
    if len(home) >= 2:
        return site_dir.joinpath(*home[:2]) in target.parents
    return target.parent == page.parent
