"""Grading systems are configuration: site_config/grading.yaml declares them, articles are
checked against it, badges and the legend are worded from it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from guidesite.errors import ContentError
from guidesite.load import load
from guidesite.model.schema import article_schema
from guidesite.render import render
from guidesite.validate import validate

from conftest import TODAY, VALID_ARTICLE

OXFORD = """
oxford:
  name: "Oxford CEBM Levels of Evidence (example)"
  badge: "CEBM"
  source: "Oxford Centre for Evidence-Based Medicine, 2009 levels (paraphrased for the test suite)"
  fields:
    level:
      values:
        "1a": {label: "level 1a", plain: "the strongest kind of evidence", meaning: "Systematic review of randomised trials without worrying heterogeneity."}
        "2b": {label: "level 2b", meaning: "An individual cohort study or a low-quality randomised trial."}
"""


def _with_block(block: str) -> str:
    """The valid test article with one more block at the end of its first section."""
    marker = "      - list:\n"
    return VALID_ARTICLE.replace(marker, block + marker, 1)


def _problems(project, text: str) -> list[str]:
    project.article(text=text.format(id="test-question", specialty="gynecologic-oncology"))
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


def _page(project, text: str) -> str:
    project.article(text=text.format(id="test-question", specialty="gynecologic-oncology"))
    pages = {p.path: p.text for p in render(validate(load(project.root)), project.root / "theme" / "templates", today=TODAY)}
    return pages["gynecologic-oncology/test-question.md"] + pages["evidence-grades.md"]


def test_a_system_declared_in_grading_yaml_is_usable_without_touching_code(project):
    (project.root / "site_config" / "grading.yaml").open("a", encoding="utf-8").write(OXFORD)
    page = _page(project, _with_block("""\
      - recommendation:
          text: "Drug A is an option [@trial-a]."
          evidence: [{{system: oxford, level: 1a}}]
"""))
    assert "CEBM level 1a" in page  # the clinician's badge
    assert "The strongest kind of evidence" in page  # the patient's badge, in plain words
    assert '<div class="gs-legend" id="oxford" markdown>' in page and "Systematic review of randomised trials" in page


def test_grades_that_do_not_fit_grading_yaml_are_located_errors_all_at_once(project):
    problems = _problems(project, _with_block("""\
      - recommendation:
          text: "Drug A is an option [@trial-a]."
          evidence:
            - {{system: oxford, level: 1a}}
            - {{system: grade, certainty: middling, population: adults}}
            - {{system: grade, certanty: low, population: children}}
            - {{system: nccn, preference: preferred}}
"""))
    evidence = "sections[0].blocks[1].recommendation.evidence"
    assert problems == [
        f"{evidence}[0].system: expected a grading system of site_config/grading.yaml (grade, nccn, esmo, nice, uspstf); got 'oxford'",
        f"{evidence}[1].certainty: expected one of 'high', 'moderate', 'low' or 'very low'; got 'middling'",
        f"{evidence}[2].certanty: unknown field (did you mean 'certainty'?); expected one of system, strength, certainty (GRADE), "
        "or statement ('best practice statement')",
        f"{evidence}[3]: expected the field 'category' of NCCN ('1', '2A', '2B' or '3'); it is missing",
    ]


def test_a_recommendation_needs_a_grade_unless_the_site_allows_ungraded_ones(project):
    ungraded = _with_block("""\
      - recommendation:
          text: "Offer drug A [@trial-a]."
""")
    assert _problems(project, ungraded) == [
        "sections[0].blocks[1].recommendation.evidence: expected at least one evidence grade (site_config/site.yaml does not allow "
        "ungraded recommendations: set ungraded_recommendations: true to allow them); got none"]
    site = project.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "\nungraded_recommendations: true\n", encoding="utf-8")
    assert "Offer drug A" in _page(project, ungraded)


@pytest.mark.parametrize("text, grade, expected", [
    ("We recommend drug A [@trial-a].", "{{system: grade, certainty: low, strength: conditional}}",
     "expected wording that states GRADE strength 'conditional' ('we suggest' or 'we suggest against'); the text says 'we recommend', which is the wording of 'strong'"),
    ("We suggest drug A [@trial-a].", "{{system: grade, certainty: high, strength: strong}}",
     "expected wording that states GRADE strength 'strong' ('we recommend' or 'we recommend against'); the text says 'we suggest', which is the wording of 'conditional'"),
    ("Do not offer drug A [@trial-a].", "{{system: nice, strength: offer}}",
     "expected wording that states NICE strength 'offer' ('offer'); the text says 'do not offer', which is the wording of 'do not offer'"),
])
def test_a_recommendation_worded_against_its_grade_is_refused(project, text, grade, expected):
    article = _with_block(f"""\
      - recommendation:
          text: "{text}"
          evidence: [{grade}]
""")
    assert _problems(project, article) == [f"sections[0].blocks[1].recommendation.text: {expected}"]


@pytest.mark.parametrize("text, grade", [
    ("We suggest drug A for most people [@trial-a].", "{{system: grade, certainty: low, strength: conditional}}"),
    ("We recommend against drug A [@trial-a].", "{{system: grade, certainty: high, strength: strong}}"),
    ("Do not offer drug A [@trial-a].", "{{system: nice, strength: do not offer}}"),
    ("Consider drug A, and offer drug B if it fails [@trial-a].", "{{system: nice, strength: consider}}"),
    ("Drug A is reasonable [@trial-a].", "{{system: grade, certainty: low, strength: conditional}}"),
])
def test_a_recommendation_worded_as_its_grade_passes(project, text, grade):
    page = _page(project, _with_block(f"""\
      - recommendation:
          text: "{text}"
          evidence: [{grade}]
"""))
    assert text.split(" [@")[0] in page


def test_badges_read_in_words_clinicians_and_patients_each_understand(project):
    page = _page(project, VALID_ARTICLE)
    assert '<span data-audience="clinician">GRADE strong recommendation, moderate certainty</span>' in page
    assert '<span data-audience="patient" hidden>Strongly recommended, based on fairly good evidence</span>' in page


def test_one_phrase_for_two_values_of_a_field_is_refused_in_grading_yaml(project):
    grading = project.root / "site_config" / "grading.yaml"
    data = yaml.safe_load(grading.read_text(encoding="utf-8"))
    data["grade"]["fields"]["strength"]["values"]["conditional"]["phrases"].append("We Recommend")
    grading.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    project.article()
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    assert [p.message for p in caught.value.problems] == [
        "expected each phrase under one value of 'strength'; 'We Recommend' is also the wording of 'strong'"]


def test_the_editor_schema_knows_the_configured_systems(project):
    site = validate(load(project.root)).site
    validator = jsonschema.Draft7Validator(article_schema(site.grading))
    article = json.loads(json.dumps(yaml.safe_load(VALID_ARTICLE.format(id="x", specialty="gynecologic-oncology")), default=str))
    assert not list(validator.iter_errors(article))
    article["sections"][0]["blocks"][1]["list"][1]["evidence"][0]["certainty"] = "middling"
    assert list(validator.iter_errors(article))


def test_the_committed_schema_follows_the_shipped_grading_yaml():
    schema = json.loads((Path(__file__).resolve().parent.parent / "schema" / "article.schema.json").read_text(encoding="utf-8"))
    systems = {option["properties"]["system"]["const"] for option in schema["definitions"]["Evidence"]["oneOf"]}
    assert systems == {"grade", "nccn", "esmo", "nice", "uspstf"}
