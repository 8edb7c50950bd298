"""Property tests: random and mutated articles never crash the validator; accepted ones build.

The validator's promise is that every failure is a reported problem: for
any bytes, and for any change to a valid article, ``validate(load(…))``
either returns the typed site or raises ContentError with located
problems, never anything else.  And what it accepts, the renderer and the
strict, sanitized build turn into a site.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from guidesite.build import build
from guidesite.errors import ContentError
from guidesite.load import load, load_document
from guidesite.render import render
from guidesite.validate import validate

from conftest import REPO, TODAY, VALID_ARTICLE

ARTICLE = "content/gynecologic-oncology/test-question.yaml"
VALID = yaml.safe_load(VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology"))

FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

HOSTILE_SNIPPETS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "[x](java\tscript:1)",
    "[x][1]\n\n[1]: data:text/html,x", "{: onclick=x }", "![i](https://t.example/p.png)", "&#x3c;", "&lt;b&gt;",
    "<!--", "\u202e", "\u200b", "\x00", "\x1b[2J", "[@nope]", "[@trial-a]", "[@", "*", "_", "`", "|", "#", "\\",
    "---", "- ", "1. ", "    code", "> quote", "[" * 50, "]]]", "<", ">", "&", "yes", "no", "1.10", "2025-02-30",
]

scalars = st.one_of(
    st.text(max_size=40),
    st.sampled_from(HOSTILE_SNIPPETS),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


@pytest.fixture(scope="module")
def scratch() -> Path:
    """One project reused by every example (hypothesis examples cannot use per-test fixtures)."""
    root = Path(tempfile.mkdtemp(prefix="guidesite-properties-"))
    for name in ("site_config", "theme"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root)
    (root / "content" / "gynecologic-oncology").mkdir(parents=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _check(root: Path) -> Any:
    """Validate; a refusal must consist of located, well-formed problems."""
    try:
        return validate(load(root))
    except ContentError as refused:
        assert refused.problems
        for problem in refused.problems:
            assert re.match(r"^[^:\n]+:\d+:\d+: \S", str(problem)), str(problem)
            assert problem.line >= 1 and problem.col >= 1
            assert problem.message and "Traceback" not in problem.message
        return None


def _paths(value: Any, loc: tuple = ()) -> list[tuple]:
    out = [loc]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, loc + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _paths(child, loc + (i,))
    return out


def _replace(data: Any, loc: tuple, new: Any) -> Any:
    if not loc:
        return new
    head, rest = loc[0], loc[1:]
    if isinstance(data, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in data.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(data)]


def _delete(data: Any, loc: tuple) -> Any:
    if len(loc) == 1:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k != loc[0]}
        return [v for i, v in enumerate(data) if i != loc[0]]
    head = loc[0]
    if isinstance(data, dict):
        return {k: (_delete(v, loc[1:]) if k == head else v) for k, v in data.items()}
    return [(_delete(v, loc[1:]) if i == head else v) for i, v in enumerate(data)]


@st.composite
def mutated_articles(draw) -> Any:
    data = VALID
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(data)
        loc = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add", "append-text"]))
        if action == "delete" and loc:
            data = _delete(data, loc)
        elif action == "add" and loc and isinstance(_get(data, loc), dict):
            data = _replace(data, loc, {**_get(data, loc), draw(st.text(max_size=12)): draw(values)})
        elif action == "append-text" and isinstance(_get(data, loc), str):
            data = _replace(data, loc, _get(data, loc) + draw(st.sampled_from(HOSTILE_SNIPPETS)))
        else:
            data = _replace(data, loc, draw(values))
    return data


def _get(data: Any, loc: tuple) -> Any:
    for part in loc:
        data = data[part]
    return data


def _write(root: Path, text: str | bytes) -> None:
    path = root / ARTICLE
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))


@FAST
@given(st.binary(max_size=2000))
def test_the_loader_never_raises_on_any_bytes(tmp_path_factory, data):
    path = tmp_path_factory.getbasetemp() / "any.yaml"
    path.write_bytes(data)
    doc, problems = load_document(path)
    assert problems or doc.data is not None


@FAST
@given(mutated_articles())
def test_the_validator_never_crashes_on_a_mutated_article(scratch, data):
    _write(scratch, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    validated = _check(scratch)
    event("refused" if validated is None else "accepted")
    if validated is not None:  # what is accepted renders (building every one would be slow: see below)
        render(validated, scratch / "theme" / "templates", today=TODAY, drafts=True)


@FAST
@given(st.data())
def test_the_validator_never_crashes_on_a_damaged_file(scratch, data):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        cut = data.draw(st.integers(min_value=0, max_value=20))
        insert = data.draw(st.one_of(st.text(max_size=10), st.sampled_from(HOSTILE_SNIPPETS + ["\t", ": ", "- ", "&a ", "*a", "!!str ", "{", "[", '"', "'"])))
        text = text[:at] + insert + text[at + cut:]
    _write(scratch, text)
    _check(scratch)


# Text an author might write: words, numbers, punctuation and Markdown (no HTML, no character references).
_TOKENS = list("abcdefghij ABC 0123456789 .,;:!?%()-–'\"/*_`#|~+=µ²é") + ["**bold**", "*em*", " [@trial-a]", " [@label-b]", "\n\n", "\n- ", "[a link](https://example.org/x_(y))"]
prose = st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=40).map("".join).filter(lambda s: s.strip())
plain = st.text(alphabet=st.sampled_from(list("abcdefghij ABC 0123456789 .,;:!?%()-–'/*_`#|µé&")), min_size=1, max_size=40).filter(lambda s: s.strip())


@st.composite
def plausible_articles(draw) -> Any:
    data = _replace(VALID, ("summary", "clinician"), draw(prose) + " [@trial-a]")
    data = _replace(data, ("summary", "patient"), draw(prose))
    data = _replace(data, ("title",), draw(plain) + "?")
    data = _replace(data, ("sections", 0, "heading"), draw(plain))
    data = _replace(data, ("sections", 0, "blocks", 1, "list", 0), draw(prose) + " [@label-b]")
    data = _replace(data, ("sections", 0, "blocks", 0, "regimen", "name"), draw(plain))
    data = _replace(data, ("sections", 0, "blocks", 0, "regimen", "components", 0, "drug"), draw(plain))
    data = _replace(data, ("references", 0, "title"), draw(plain))
    data = _replace(data, ("review", "author"), draw(plain))
    return data


@SLOW
@given(plausible_articles())
def test_every_accepted_article_renders_and_builds(scratch, data):
    _write(scratch, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    validated = _check(scratch)
    event("refused" if validated is None else "accepted and built")
    if validated is None:
        return
    pages = render(validated, scratch / "theme" / "templates", today=TODAY, drafts=True)
    site = build(pages, scratch, site_dir=scratch / "site")
    assert (site / "gynecologic-oncology" / "test-question" / "index.html").is_file()


@given(st.text(alphabet=st.sampled_from(list("ab .,\n\t\r\u00a0\u2003\u200b\x0b\x0c")), max_size=40))
def test_approval_hashes_fold_whitespace_the_same_with_or_without_the_shortcut(text):
    # An approval pins a hash of the content with whitespace folded; the shortcut for strings
    # that need no folding must never change a hash (approved articles would turn stale).
    from guidesite import approvals

    paragraphs = re.split(r"\n[ \t]*\n\s*", text.strip())
    assert approvals._fold(text) == "\n\n".join(" ".join(p.split()) for p in paragraphs)
