"""Stage 2: every kind of bad input gets its exact, located message; good input passes.

Each file in tests/cases/invalid/ is one bad article.  Its header says where
it is placed in a scratch project and lists, as ``# expect:`` lines, every
problem the validator must print for it — no more, no fewer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guidesite.errors import ContentError
from guidesite.load import load
from guidesite.validate import validate

from conftest import VALID_ARTICLE

CASES = sorted((Path(__file__).parent / "cases" / "invalid").glob("*.yaml"))


def _header(text: str, key: str) -> list[str]:
    prefix = f"# {key}: "
    return [line[len(prefix):] for line in text.splitlines() if line.startswith(prefix)]


def test_there_is_a_case_for_every_error_kind_the_pipeline_promises():
    names = {case.stem for case in CASES}
    promised = {
        "yaml-syntax", "unknown-field", "missing-field", "wrong-type", "duplicate-key", "alias", "id-mismatch",
        "duplicate-id", "unknown-specialty", "unknown-citation-key", "reference-never-cited", "malformed-pmid",
        "malformed-doi", "malformed-nct", "dose-unit-outside-list", "grade-outside-system",
    }
    assert promised <= names


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_invalid_article_reports_exactly_its_problems(project, case):
    text = case.read_text(encoding="utf-8")
    (place,) = _header(text, "place")
    expected = _header(text, "expect")
    assert expected, f"{case.name} has no '# expect:' line"
    if _header(text, "with"):
        project.article()
    project.write(place, text)
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    assert [str(p) for p in caught.value.problems] == expected


def test_the_valid_fixture_article_passes(project):
    project.article()
    validated = validate(load(project.root))
    assert [a.id for a in validated.articles] == ["test-question"]


def test_bundled_content_and_site_config_are_valid():
    repo = Path(__file__).resolve().parent.parent
    validated = validate(load(repo))
    seed = next(a for a in validated.articles if a.id == "recurrent-cervical-cancer-omental-metastases")
    assert seed.review.status == "submitted"
    assert seed.review.approvals == []
    assert len(validated.articles) >= 3


def test_problems_in_several_files_are_all_reported_in_one_run(project):
    project.article(id="first-question", text=VALID_ARTICLE.format(id="first-question", specialty="gynecologic-oncology").replace("dose: 50 mg/m2", "dose: 50 mgs"))
    project.article(id="second-question", text=VALID_ARTICLE.format(id="second-question", specialty="gynecologic-oncology").replace("tags: [chemotherapy]", "tags: [nonsense]"))
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    paths = sorted({p.path for p in caught.value.problems})
    assert paths == ["content/gynecologic-oncology/first-question.yaml", "content/gynecologic-oncology/second-question.yaml"]


def test_validating_one_path_reports_only_that_file(project):
    good = project.article(id="good-question", text=VALID_ARTICLE.format(id="good-question", specialty="gynecologic-oncology"))
    project.article(id="bad-question", text=VALID_ARTICLE.format(id="bad-question", specialty="gynecologic-oncology").replace("tags: [chemotherapy]", "tags: [nonsense]"))
    validated = validate(load(project.root, [good]))
    assert "good-question" in [a.id for a in validated.articles]


def test_a_broken_site_config_is_reported_in_its_own_file(project):
    reviewers = project.root / "site_config" / "reviewers.yaml"
    reviewers.write_text(reviewers.read_text() + "- id: example-reviewer-9\n  name: Nobody (sample)\n  credentials: MD\n  specialties: [dermatology]\n  disclosures: None\n", encoding="utf-8")
    project.article()
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    (problem,) = caught.value.problems
    assert problem.path == "site_config/reviewers.yaml"
    assert problem.message == "expected a specialty from specialties.yaml; got 'dermatology'"


def _problems(run) -> list[str]:
    with pytest.raises(ContentError) as caught:
        run()
    return [str(p) for p in caught.value.problems]


def test_guidesite_validate_reports_what_validate_reports_in_one_process_or_several(project):
    """``check_content`` (``guidesite validate``: one file at a time, in worker processes
    on a large site) finds exactly the problems ``validate`` (the build's path) finds."""
    from guidesite.validate import check_content

    for case in CASES:  # every bad article at once, each in its own file; most share the id test-question
        project.write(f"content/gynecologic-oncology/{case.stem}.yaml", case.read_text(encoding="utf-8"))
    project.article(id="replaced", text=VALID_ARTICLE.format(id="replaced", specialty="gynecologic-oncology").replace(
        "  status: submitted\n", "  status: retired\n  replaced_by: retired-too\n").replace("tags: [chemotherapy]", "tags: [chemotherapy]\nsee_also: [nowhere, replaced]"))
    project.article(id="retired-too", text=VALID_ARTICLE.format(id="retired-too", specialty="gynecologic-oncology").replace("  status: submitted\n", "  status: retired\n"))
    expected = _problems(lambda: validate(load(project.root)))
    assert len(expected) > len(CASES)
    for workers in (1, 2):
        assert _problems(lambda: check_content(load(project.root, read_articles=False), workers=workers)) == expected
    one = project.root / "content" / "gynecologic-oncology" / "replaced.yaml"
    expected_one = _problems(lambda: validate(load(project.root, [one])))
    assert {p.split(":")[0] for p in expected_one} == {"content/gynecologic-oncology/replaced.yaml"}
    assert _problems(lambda: check_content(load(project.root, [one], read_articles=False), workers=2)) == expected_one


def test_guidesite_validate_counts_the_valid_articles(project):
    from guidesite.validate import check_content

    for i in range(3):
        project.article(id=f"question-{i}", text=VALID_ARTICLE.format(id=f"question-{i}", specialty="gynecologic-oncology"))
    assert check_content(load(project.root, read_articles=False), workers=2) == 3
