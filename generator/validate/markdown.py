"""Author Markdown as written: no HTML, script links or images; citations that resolve.

These checks read the raw data, so they run even when the model refuses the
file, and an author sees these problems in the same run as the others.

Links are found the way the site finds them: each text is converted by
Python-Markdown and every link target it produces (inline, reference-style,
angle-bracketed) is read back as a browser would read it, entities decoded
and tabs and newlines dropped.  A regular expression over the source misses
``[x](java\tscript:…)`` and ``[x]:\n  javascript:…``; the converter does not.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown

from ..errors import Problem
from ..escaping import inert_tags
from ..load import RawDocument
from ..model.article import Article
from ..model.fields import KEY_PATTERN, user_info
from ..model.registry import citation_lists, text_kind
from ..model.walk import CITATION, citation_keys
from .literal import literal_markdown
from .messages import visible
from .text import TAG_START, raw_strings, snippet

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>")
_ATTR_LIST = re.compile(r"\{\s*[:.#][^}]*\}")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))



def check_markdown(doc: RawDocument, strings: list[tuple[tuple, str]] | None = None) -> list[Problem]:
    """Checks on every Markdown text as written: safety, and citations that resolve.

    ``strings`` is ``raw_strings(doc.data)`` when the caller has it already."""
    out = []
    data = doc.data if isinstance(doc.data, dict) else {}
    refs = data.get("references")
    keys = [r.get("key") for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    known = ", ".join(str(k) for k in keys) or "none defined"
    if strings is None or data is not doc.data:
        strings = raw_strings(data)
    for loc, text in strings:
        cite_list = len(loc) >= 2 and loc[-2] in _CITATION_LISTS
        if not cite_list and not _is_markdown(loc):
            continue
        cited = [text] if cite_list else []
        if not cite_list:
            out += _unsafe(doc, loc, text)
            for match in CITATION.finditer(text):
                for key in citation_keys(match.group(1)):
                    if not re.match(KEY_PATTERN, key):
                        out.append(doc.problem(loc, f"expected citations written as [@key] or [@key1; @key2]; got '{match.group(0)}'"))
                    else:
                        cited.append(key)
        for key in cited:
            if key not in keys:
                message = f"expected a citation key from references ({known}); got '[@{key}]'"
                out.append(doc.problem(loc, message) if cite_list else doc.problem_in_text(loc, f"@{key}", message))
    return out


def raw_citations(strings: list[tuple[tuple, str]]) -> set[str]:
    """Every key a file cites as written (texts and ``cite`` lists): for an article the model
    refused, so that a reference cited only in a refused block still counts as cited."""
    keys: set[str] = set()
    for loc, text in strings:
        if loc[:1] == ("references",):
            continue
        if len(loc) >= 2 and loc[-2] in _CITATION_LISTS:
            keys.add(text)
        elif _is_markdown(loc):
            for match in CITATION.finditer(text):
                keys.update(citation_keys(match.group(1)))
    return keys


_CITATION_LISTS = citation_lists(Article)
"""The article's citation-list fields (``cite``): each string in one is a cited key."""


def _is_markdown(loc: tuple) -> bool:
    """Whether a raw value sits in a Markdown field (directly, in a list, or as an audience wording)."""
    return text_kind(Article, loc) == "markdown"


ARTICLE_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*article:([^)\s]*)\s*\)")
"""A link to another article by its id, in an article's text: ``[the amoxicillin dosing](article:amoxicillin-acute-otitis-media)``."""


def article_mentions(strings: list[tuple[tuple, str]]) -> list[tuple[tuple, str]]:
    """``(loc, id)`` of every link to another article in a file's Markdown texts (checked across articles)."""
    return [(loc, m.group(2)) for loc, text in strings if "article:" in text and _is_markdown(loc) for m in ARTICLE_LINK.finditer(text)]


def _unsafe(doc: RawDocument, loc: tuple, text: str) -> list[Problem]:
    return [doc.problem(loc, message) for _, message in unsafe_markdown(text, article_links=True)]


def unsafe_markdown(text: str, *, article_links: bool = False) -> list[tuple[int, str]]:
    """``(offset, message)`` for everything in ``text`` that must not reach a page.

    ``article_links``: links to other articles by id (``article:<id>``) are allowed (in articles;
    whether the id exists is checked across articles)."""
    out: list[tuple[int, str]] = []
    bad_targets: dict[str, int] = {}
    autolinks = list(_AUTOLINK.finditer(text))
    for m in autolinks:
        target = link_target(m.group(1))
        if is_safe_link(target) or not _SCHEME.match(target):  # <https://…> or <name@example.org>
            out.append((m.start(), f"expected links written as [text](address); got the autolink '{visible(m.group(0)[:60])}'"))
        else:
            bad_targets.setdefault(target, m.start())
    # Autolinks are reported above; blank them so they are not also called raw HTML.
    masked = _AUTOLINK.sub(lambda m: " " * len(m.group(0)), text) if autolinks else text
    if m := TAG_START.search(masked):
        out.append((m.start(), f"expected Markdown without raw HTML; got '{snippet(text, m.start())}'"))
    if m := _ATTR_LIST.search(text):
        out.append((m.start(), f"expected Markdown without attribute lists; got '{visible(m.group(0)[:40])}'"))
    images: set[str] = set()
    if "![" in text:
        out.append((text.index("!["), "expected Markdown without images; got an image ('![…](…)'): show an image with a figure "
                                      "block (figure: {image, digest, alt, caption, source, licence})"))
        images = {link_target(m.group(1)) for m in _IMAGE.finditer(text)}  # refused once, as an image
    for target in rendered_links(text):
        if article_links and re.fullmatch(r"article:[a-z0-9]+(?:-[a-z0-9]+)*", target):
            continue
        if target in images:
            continue
        if not is_safe_link(target):
            bad_targets.setdefault(target, max(text.find(target), 0))
        elif user_info(target) is not None:
            out.append((max(text.find(target), 0), f"expected a link without a user name before the host (a phishing pattern: the host is what follows '@'); got '{_shown_target(target)}'"))
    for target, offset in bad_targets.items():
        out.append((offset, f"expected a link to http, https or mailto; got '{_shown_target(target)}'{_link_hint(target)}"))
    out += literal_markdown(text)
    return sorted(out)


_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]*)")
"""A Markdown image's target (the image itself is refused)."""


def link_target(href: str) -> str:
    """A link target as a browser reads it: outer spaces and controls stripped, tabs and newlines dropped."""
    target = re.sub(r"[\t\n\r]", "", href.strip(_C0_AND_SPACE))
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1]
    return target


def is_safe_link(target: str) -> bool:
    """Only absolute http, https and mailto links: a relative link would point into the site's own files."""
    scheme = _SCHEME.match(target)
    return bool(scheme) and scheme.group(1).lower() in SAFE_SCHEMES


def _link_hint(target: str) -> str:
    if _SCHEME.match(target):
        return ""
    if re.match(r"^[/\\]{2}|^/\\", target):
        return " (an address without http: or https:)"
    if re.search(r"\s", target):
        return ""
    return " (a relative link; link other articles through see_also)"


def _shown_target(target: str) -> str:
    return visible(target if len(target) <= 60 else target[:57] + "...")


_converter = markdown.Markdown()
"""Core Markdown only: every way to write a link is core syntax."""


def rendered_links(text: str) -> list[str]:
    """Every link and image target Python-Markdown makes of ``text``, as a browser reads it.

    The text is escaped as the renderer escapes it (``inert_tags``), so what
    is checked is what would be built.  Reference definitions count even when
    unused here: another text on the same page could use them.
    """
    # Citations become our own superscripts before Markdown sees the text, so a text
    # whose only brackets are citations has no link to find (most texts: skip converting).
    bare = CITATION.sub("", text)
    if "[" not in bare and "<" not in bare:
        return []
    _converter.reset()
    produced = _converter.convert(inert_tags(text))
    collector = _LinkCollector()
    collector.feed(produced)
    collector.close()
    definitions = [url for url, _title in _converter.references.values()]
    return [link_target(t) for t in collector.targets + [_unescape(d) for d in definitions]]


def _unescape(text: str) -> str:
    from html import unescape

    return unescape(text)


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.targets.append(value)
