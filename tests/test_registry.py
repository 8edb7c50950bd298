"""The field registry (generator/model/registry.py): what each field holds, read from the model.

Validation reads raw strings by what the registry says their field holds, the citation
numbering walks the fields it names, and messages list the fields it finds: each test here
fails when one of those answers is wrong in a way an author would see.
"""

from __future__ import annotations

from typing import Any, get_args

import pytest
import yaml

from guidesite.errors import ContentError
from guidesite.load import format_loc, load, load_document
from guidesite.model import Article, Reference
from guidesite.model.fields import KEY_PATTERN, PATTERN_DESCRIPTIONS, PMID_PATTERN
from guidesite.model.registry import citation_lists, fields, models_in, text_kind
from guidesite.model.walk import citation_order, iter_texts
from guidesite.validate import validate
from guidesite.validate.text import raw_strings

from conftest import REPO, VALID_ARTICLE

BUNDLED = sorted((REPO / "content").rglob("*.yaml"))


def _problems(project, text: str) -> list[tuple[str, str]]:
    """``(field, message)`` of every problem of an article written as ``text`` (none: valid)."""
    project.article(text=text)
    try:
        validate(load(project.root))
    except ContentError as refused:
        return [(p.field, p.message) for p in refused.problems]
    return []


def _valid(**replacements: str) -> str:
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


# --- Markdown ---------------------------------------------------------------------------------

def _is_wording_schema(node: Any) -> bool:
    """A ``Wording`` as pydantic's own JSON Schema writes it: a string, or a mapping of strings (a
    ``PlainWording``, a heading or a population, has the same shape and holds plain text)."""
    if not isinstance(node, dict):
        return False
    if any(alt.get("type") == "object" and alt.get("additionalProperties", {}).get("type") == "string" for alt in node.get("oneOf", [])):
        return True
    return _is_wording_schema(node.get("items")) or any(_is_wording_schema(alt) for alt in node.get("anyOf", []))


def _properties(model: type) -> dict[str, Any]:
    """The fields of ``model`` in pydantic's JSON Schema of it."""
    schema = model.model_json_schema()
    if "$ref" in schema:  # a model that holds itself (a list item's sub-items)
        schema = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema.get("properties", {})


def test_every_wording_field_of_the_model_is_read_as_markdown():
    # pydantic's schema of each model is a second, independent reading of the same declarations.
    wordings, markdown, plain = set(), set(), set()
    for model in models_in(Article):
        for name, schema in _properties(model).items():
            if _is_wording_schema(schema):
                wordings.add((model.__name__, name))
        markdown |= {(model.__name__, f.name) for f in fields(model).values() if f.text == "markdown"}
        plain |= {(model.__name__, f.name) for f in fields(model).values() if f.text == "plain"}
    assert ("Article", "summary") in wordings and ("Warning", "text") in wordings and ("DrugDose", "note") in wordings
    assert markdown == wordings - plain
    assert wordings & plain == {("Section", "heading"), ("DrugDose", "population")}  # the plain wordings, read as plain text


def _raw_loc(data: Any, loc: tuple) -> tuple:
    """Where the typed article's text at ``loc`` is written in the file (a list item written as a
    bare string is its ``text``; a text for every audience may be written as ``all:``)."""
    current = data
    for i, part in enumerate(loc):
        if isinstance(current, str) and loc[i:] == ("text",):
            return loc[:i]
        if isinstance(current, list) and isinstance(part, str):
            continue  # a model written as a bare list (a table row is its cells)
        current = current[part]
    raw = tuple(p for j, p in enumerate(loc) if not (isinstance(p, str) and j > 0 and _is_list_at(data, loc[:j])))
    return raw + ("all",) if isinstance(current, dict) else raw


def _is_list_at(data: Any, loc: tuple) -> bool:
    current = data
    for part in loc:
        if isinstance(current, list) and isinstance(part, str):
            continue
        if isinstance(current, str):
            return False
        current = current[part]
    return isinstance(current, list)


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_raw_html_is_refused_in_every_markdown_text_of_an_article(project, path):
    doc, _ = load_document(path, REPO)
    article = Article.model_validate(doc.data)
    places = [_raw_loc(doc.data, loc) for loc, _, _ in iter_texts(article)]
    assert places
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for place in places:
        parent = data
        for part in place[:-1]:
            parent = parent[part]
        parent[place[-1]] = "<b>Loud</b> " + parent[place[-1]]
    relative = path.relative_to(REPO)
    project.write(str(relative), yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    for other in BUNDLED:  # the articles it links to
        if other != path:
            project.write(str(other.relative_to(REPO)), other.read_text(encoding="utf-8"))
    with pytest.raises(ContentError) as refused:
        validate(load(project.root))
    refused_html = [p.field for p in refused.value.problems if p.message == "expected Markdown without raw HTML; got '<b>'"]
    assert sorted(refused_html) == sorted(format_loc(place) for place in places)
    assert len(refused.value.problems) == len(places)


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_markdown_text_the_checks_read_is_walked_by_the_citation_numbering(path):
    doc, _ = load_document(path, REPO)
    article = Article.model_validate(doc.data)
    walked = {_raw_loc(doc.data, loc) for loc, _, _ in iter_texts(article)}
    checked = {loc for loc, _ in raw_strings(doc.data) if text_kind(Article, loc) == "markdown"}
    assert walked == checked


def test_a_list_item_written_as_bare_text_is_markdown(project):
    text = _valid(**{
        '- "A point for everyone [@label-b]"': '- "A <b>bold</b> point [@label-b]"\n'
                                                '          - text: "A graded point"\n'
                                                '            items: ["A sub-point [@nope]"]',
    })
    assert _problems(project, text) == [
        ("sections[0].blocks[1].list[0]", "expected Markdown without raw HTML; got '<b>'"),
        ("sections[0].blocks[1].list[1].items[0]", "expected a citation key from references (trial-a, label-b); got '[@nope]'"),
    ]


def test_an_audience_wording_is_markdown(project):
    text = _valid(**{'patient: "In a large study,': 'patient: "In a <i>large</i> study,'})
    assert _problems(project, text) == [("summary.patient", "expected Markdown without raw HTML; got '<i>'")]


# --- plain text -------------------------------------------------------------------------------

def test_the_reference_title_is_plain_text_read_as_written(project):
    assert fields(Reference)["title"].text == "plain"
    assert fields(Reference)["authors"].text == "plain"
    assert fields(Reference)["doi"].text is None  # its own pattern checks it
    text = _valid(**{"title: A fictional trial": "title: A fictional &amp; trial"})
    assert _problems(project, text) == [
        ("references[0].title", "expected characters typed as themselves, not an HTML character reference; got '&amp;'"),
    ]


def test_markup_in_a_plain_text_is_shown_not_refused(project):
    # Names and titles are escaped when rendered, so markup in them is text, not a problem.
    text = _valid(**{"name: Drug A with drug B": "name: Drug A <b>with</b> *drug B*", "title: A fictional trial": "title: A <i>fictional</i> trial"})
    assert _problems(project, text) == []


# --- citation lists ---------------------------------------------------------------------------

def test_cite_lists_are_citation_lists():
    # In pydantic's own schema a citation list is an array of citation keys.
    from_schema = set()
    for model in models_in(Article):
        for name, schema in _properties(model).items():
            if schema.get("type") == "array" and schema.get("items", {}).get("pattern") == KEY_PATTERN:
                from_schema.add((model.__name__, name))
    registry = {(m.__name__, f.name) for m in models_in(Article) for f in fields(m).values() if f.citations}
    assert ("Regimen", "cite") in registry and ("Dosing", "cite") in registry
    assert registry == from_schema
    assert citation_lists(Article) == {"cite"}


def test_a_key_in_a_cite_list_must_be_a_reference_and_counts_as_citing_it(project):
    # trial-a is cited only by the regimen's cite list once the summary stops citing it.
    text = _valid(**{" [@trial-a].\"": ".\""})
    assert "[@trial-a]" not in text
    assert _problems(project, text) == []
    article = Article.model_validate(yaml.safe_load(text))
    assert citation_order(article) == ["trial-a", "label-b"]
    text = _valid(**{"cite: [trial-a]": "cite: [trial-a, nope]"})
    assert _problems(project, text) == [
        ("sections[0].blocks[0].regimen.cite[1]", "expected a citation key from references (trial-a, label-b); got '[@nope]'"),
    ]


# --- models -----------------------------------------------------------------------------------

def test_an_unknown_field_is_told_the_fields_of_its_own_model(project):
    text = _valid(**{"{drug: drug b, dose: AUC 5, days: 1}": "{drug: drug b, dose: AUC 5, days: 1, dosage: 5}"})
    assert _problems(project, text) == [
        ("sections[0].blocks[0].regimen.components[1].dosage",
         "unknown field (did you mean 'dose'?); expected one of drug, dose, route, days, infusion, note"),
    ]


def test_a_refused_grade_deep_in_a_section_leaves_the_rest_of_the_section_checked(project):
    # The model refuses the whole of sections for one bad grade; the partial reading rebuilds the
    # list of sections item by item and each section field by field, so its audiences are still checked.
    text = _valid(**{"certainty: moderate": "certainty: middling", "  - heading: Regimen\n": "  - heading: Regimen\n    audiences: [nobody]\n"})
    assert _problems(project, text) == [
        ("sections[0].audiences[0]", "expected one of the article's audiences (clinician, patient); got 'nobody'"),
        ("sections[0].blocks[1].list[1].evidence[0].certainty", "expected one of 'high', 'moderate', 'low' or 'very low'; got 'middling'"),
    ]


# --- identifier patterns ----------------------------------------------------------------------

WRITTEN_BY_THE_TOOL: set[str] = set()
"""Fields whose pattern needs no words (none: even the signature ``approve`` writes is described)."""


def _patterns(annotation: Any, metadata: list) -> list[str]:
    found = [m.pattern for m in metadata if isinstance(getattr(m, "pattern", None), str)]
    for m in getattr(annotation, "__metadata__", ()):
        if isinstance(getattr(m, "pattern", None), str):
            found.append(m.pattern)
    for arg in get_args(annotation):
        found += _patterns(arg, [])
    return found


def test_every_identifier_an_author_types_is_described_in_words_when_it_does_not_match():
    undescribed = []
    for model in models_in(Article):
        for name, info in model.model_fields.items():
            for pattern in _patterns(info.annotation, info.metadata):
                if pattern not in PATTERN_DESCRIPTIONS and name not in WRITTEN_BY_THE_TOOL:
                    undescribed.append(f"{model.__name__}.{name}: {pattern}")
    assert undescribed == []


def test_a_malformed_pmid_is_described_in_words(project):
    text = _valid(**{"pages: 1-10": "pages: 1-10\n    pmid: \"0123\""})
    assert _problems(project, text) == [
        ("references[0].pmid", f"expected {PATTERN_DESCRIPTIONS[PMID_PATTERN]}; got '0123'"),
    ]
    assert PATTERN_DESCRIPTIONS[PMID_PATTERN] == "a PMID of 1 to 9 digits, such as 24552320"


def test_whether_a_text_is_markdown_is_read_from_the_field_declared_there_not_from_its_name():
    """A field named `text` is Markdown in a recommendation and plain in a reference's notice; a field of the
    same name elsewhere never changes what another is.  A text written where the model has no such field
    (a `prose` inside a list item) is still judged by its name, so it is checked in the same round."""
    recommendation = ("sections", 0, "blocks", 0, "recommendation", "text")
    assert text_kind(Article, recommendation) == "markdown"
    assert text_kind(Article, recommendation + ("patient",)) == "markdown"  # one audience's wording
    assert text_kind(Article, ("references", 0, "notices", 0, "text")) == "plain"
    assert text_kind(Article, ("references", 0, "title")) == "plain"
    assert text_kind(Article, ("sections", 0, "blocks", 0, "list", 2)) == "markdown"  # a list item written bare
    assert text_kind(Article, ("sections", 0, "blocks", 0, "list", 2, "prose")) == "markdown"  # misplaced: by name
    assert text_kind(Article, ("id",)) is None
