"""The JSON Schema editors use: derived from the model, committed, and true to the content."""

from __future__ import annotations

import jsonschema

from guidesite.load import find_articles, load, load_document
from guidesite.validate import validate
from guidesite.model.schema import SCHEMA_PATH, article_schema, schema_text

from conftest import REPO


def test_committed_schema_matches_the_model():
    site = validate(load(REPO)).site
    assert (REPO / SCHEMA_PATH).read_text(encoding="utf-8") == schema_text(site.grading), "run: guidesite schema"


def test_schema_is_valid_draft_07_with_field_descriptions():
    schema = article_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["properties"]["title"]["description"] == "The clinical question, ending with a question mark."


def test_every_bundled_article_passes_the_schema():
    validator = jsonschema.Draft7Validator(article_schema())
    for path in find_articles(REPO / "content"):
        doc, problems = load_document(path, REPO)
        assert problems == []
        assert [e.message for e in validator.iter_errors(doc.data)] == [], path


def test_schema_refuses_what_the_validator_refuses():
    validator = jsonschema.Draft7Validator(article_schema())
    path = REPO / "tests" / "cases" / "invalid" / "dose-unit-outside-list.yaml"
    doc, _ = load_document(path, REPO)
    assert any("50 mgs" in e.message or "mgs" in str(e.instance) for e in validator.iter_errors(doc.data))


def test_a_block_of_two_kinds_is_refused_by_the_schema_as_by_the_validator():
    validator = jsonschema.Draft7Validator(article_schema())
    path = find_articles(REPO / "content")[0]
    doc, _ = load_document(path, REPO)
    block = doc.data["sections"][0]["blocks"][0]
    assert "prose" not in block
    doc.data["sections"][0]["blocks"][0] = {**block, "prose": "Also prose."}
    assert [e.validator for e in validator.iter_errors(doc.data)] == ["maxProperties"]
    doc.data["sections"][0]["blocks"][0] = {}
    assert [e.validator for e in validator.iter_errors(doc.data)] == ["minProperties"]


def test_new_articles_point_editors_at_the_schema(project):
    from click.testing import CliRunner

    from guidesite.cli import main

    CliRunner().invoke(main, ["--project", str(project.root), "new", "gynecologic-oncology/a-question"])
    first = (project.root / "content" / "gynecologic-oncology" / "a-question.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schema/article.schema.json"
