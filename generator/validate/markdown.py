"""Author Markdown as written: no HTML, script links or images; citations that resolve.

These checks read the raw data, so they run even when the model refuses the
file, and an author sees these problems in the same run as the others.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, get_args

from pydantic import BaseModel

from ..errors import Problem
from ..load import RawDocument
from ..model.fields import KEY_PATTERN, MarkdownText
from ..model.walk import CITATION, citation_keys

_RAW_HTML = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>|<!--")
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]*)")
_UNSAFE_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_ATTR_LIST = re.compile(r"\{\s*[:.#][^}]*\}")
_SAFE_SCHEMES = {"http", "https", "mailto"}


def check_markdown(doc: RawDocument) -> list[Problem]:
    """Checks on every Markdown text as written: safety, and citations that resolve."""
    out = []
    data = doc.data if isinstance(doc.data, dict) else {}
    refs = data.get("references")
    keys = [r.get("key") for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    known = ", ".join(str(k) for k in keys) or "none defined"
    for loc, text in _raw_texts(data, ()):
        cite_list = len(loc) >= 2 and loc[-2] == "cite"
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
                out.append(doc.problem(loc, f"expected a citation key from references ({known}); got '[@{key}]'"))
    return out


def _raw_texts(value: Any, loc: tuple):
    if isinstance(value, dict):
        for key, child in value.items():
            if key != "references":
                yield from _raw_texts(child, loc + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _raw_texts(child, loc + (i,))
    elif isinstance(value, str):
        yield loc, value


def _is_markdown(loc: tuple) -> bool:
    """Whether a raw value sits in a Markdown field (directly, in a list, or as an audience wording)."""
    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return False
    if names[-1] in MARKDOWN_FIELDS:
        return True
    if names[-1] in _ITEM_LISTS and isinstance(loc[-1], int):
        return True  # a list item written as plain text is its Markdown text
    return len(names) >= 2 and names[-2] in MARKDOWN_FIELDS and not isinstance(loc[-1], int)


def _markdown_fields() -> frozenset[str]:
    from ..model import article as article_module

    names = set()
    for cls in vars(article_module).values():
        if isinstance(cls, type) and issubclass(cls, BaseModel):
            for name, info in cls.model_fields.items():
                if _marked(info.annotation) or any(isinstance(m, MarkdownText) for m in info.metadata):
                    names.add(name)
    return frozenset(names)


def _marked(annotation: Any) -> bool:
    if any(isinstance(m, MarkdownText) for m in getattr(annotation, "__metadata__", ())):
        return True
    return any(_marked(arg) for arg in get_args(annotation))


_ITEM_LISTS = frozenset({"list", "numbered", "items"})
"""Fields holding ListItem lists, whose items may be written as bare text."""

MARKDOWN_FIELDS = _markdown_fields()
"""Names of the model's Markdown (Wording) fields, found from the model itself."""


def _unsafe(doc: RawDocument, loc: tuple, text: str) -> list[Problem]:
    out = []
    if m := _RAW_HTML.search(text):
        out.append(doc.problem(loc, f"expected Markdown without raw HTML; got '{m.group(0)[:40]}'"))
    if m := _ATTR_LIST.search(text):
        out.append(doc.problem(loc, f"expected Markdown without attribute lists; got '{m.group(0)[:40]}'"))
    if "![" in text:
        out.append(doc.problem(loc, "expected Markdown without images; got an image ('![…](…)')"))
    for target in _LINK_TARGET.findall(text):
        normal = unicodedata.normalize("NFKC", target).replace("\\", "")
        scheme = _UNSAFE_SCHEME.match(normal)
        if scheme and scheme.group(1).lower() not in _SAFE_SCHEMES:
            out.append(doc.problem(loc, f"expected a link to http, https or mailto; got '{target[:40]}'"))
    return out
