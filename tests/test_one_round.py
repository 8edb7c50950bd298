"""Every problem in one round: an author with ten mistakes sees ten lines, once each.

A file the model refuses is still checked against the site configuration and
the other articles on what could be read, and it still exists for the other
articles' links (no false "expected the id of an existing article").
"""

from __future__ import annotations

import pytest

from guidesite.errors import ContentError
from guidesite.load import load
from guidesite.validate import check_content, validate

from conftest import VALID_ARTICLE

ARTICLE = "content/gynecologic-oncology/test-question.yaml"

# Ten mistakes that do not depend on each other, each marked with the field it breaks.
BROKEN = (
    VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    .replace("tags: [chemotherapy]", "tags: [chemotherapy, not-a-tag]\ncolour: blue")  # 1 tag, 2 unknown field
    .replace("specialty: gynecologic-oncology", "specialty: dermatology")  # 3 specialty outside the site
    .replace("dose: 50 mg/m2", "dose: 50 mgs")  # 4 dose unit
    .replace("A point for everyone [@label-b]", "A point for everyone [@label-b] [@label-c]")  # 5 unknown citation key
    .replace("    journal: Test J\n    year: 2020", "    year: last year")  # 6 year, 7 neither journal nor publisher
    .replace("  next_review: 2026-02-01", "  next_review: 2025-01-01\n  approvals: []")  # 8 dates out of order
    .replace("  status: submitted", "  status: approved")  # 9 approved without approvals
    .replace("references:\n", "see_also: [no-such-article]\nreferences:\n")  # 10 link to nothing
)

EXPECTED = {
    ("tags[1]", "expected a tag from site_config/tags.yaml; got 'not-a-tag'"),
    ("colour", "unknown field"),
    ("specialty", "expected a specialty from site_config/specialties.yaml"),
    ("sections[0].blocks[0].regimen.components[0].dose", "expected a unit from"),
    ("sections[0].blocks[1].list[0]", "got '[@label-c]'"),
    ("references[0].year", "expected a whole number; got 'last year'"),
    ("references[0]", "expected a journal or a publisher; got neither"),
    ("review", "expected next_review (2025-01-01) after updated (2025-02-01)"),
    ("review.status", "expected at least one approval for status 'approved'; got none"),
    ("see_also[0]", "expected the id of an existing article; got 'no-such-article'"),
}


def _problems(root, *, build_path: bool) -> list:
    with pytest.raises(ContentError) as caught:
        if build_path:
            validate(load(root, read_articles=False))
        else:
            check_content(load(root, read_articles=False))
    return caught.value.problems


@pytest.mark.parametrize("build_path", [True, False], ids=["build", "validate-command"])
def test_ten_independent_mistakes_are_reported_together_once_each(project, build_path):
    project.write(ARTICLE, BROKEN)
    problems = _problems(project.root, build_path=build_path)
    found = [(p.field, p.message) for p in problems if p.path == ARTICLE]
    for field, words in EXPECTED:
        matching = [f for f in found if f[0] == field and words in f[1]]
        assert len(matching) == 1, f"{field}: {words!r} reported {len(matching)} times in {found}"
    assert len(found) == len(EXPECTED), "\n".join(f"{f}: {m}" for f, m in found)


def test_an_article_with_problems_still_exists_for_other_articles_links(project):
    project.write(ARTICLE, BROKEN)
    other = VALID_ARTICLE.format(id="other-question", specialty="gynecologic-oncology").replace(
        "references:\n", "see_also: [test-question]\nreferences:\n")
    project.write("content/gynecologic-oncology/other-question.yaml", other)
    problems = _problems(project.root, build_path=True)
    assert problems and not [p for p in problems if p.path.endswith("other-question.yaml")], [str(p) for p in problems]


def test_a_file_that_cannot_be_read_still_exists_for_other_articles_links(project):
    project.write(ARTICLE, "id: test-question\ntitle: [unclosed\n")
    other = VALID_ARTICLE.format(id="other-question", specialty="gynecologic-oncology").replace(
        "references:\n", "see_also: [test-question]\nreferences:\n")
    project.write("content/gynecologic-oncology/other-question.yaml", other)
    problems = _problems(project.root, build_path=True)
    assert [p.path for p in problems] == [ARTICLE] * len(problems), [str(p) for p in problems]


def test_an_unknown_field_does_not_hide_a_wrong_specialty(project):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    project.write(ARTICLE, text.replace("specialty: gynecologic-oncology", "specialty: dermatology\nsubtitle: extra"))
    messages = [p.message for p in _problems(project.root, build_path=True)]
    assert any(m.startswith("unknown field") for m in messages)
    assert any(m.startswith("expected a specialty from site_config/specialties.yaml") for m in messages), messages


def test_a_broken_section_does_not_make_its_reference_uncited_or_its_wordings_missing(project):
    # The only citation of label-b sits in a block the model refuses (a bad evidence grade):
    # label-b must not be called "never cited", and the block's wordings must not be called missing.
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    project.write(ARTICLE, text.replace("strength: strong}", "strength: mighty}"))
    problems = _problems(project.root, build_path=True)
    assert len(problems) == 1 and "strength" in problems[0].field, [str(p) for p in problems]


def test_articles_link_to_each_other_by_id_and_a_wrong_id_is_a_located_error(project):
    from guidesite.render import render

    from conftest import TODAY

    linking = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "A point for everyone [@label-b]", "A point for everyone, see [the other question](article:other-question) [@label-b]")
    project.write(ARTICLE, linking)
    project.write("content/gynecologic-oncology/other-question.yaml", VALID_ARTICLE.format(id="other-question", specialty="gynecologic-oncology"))
    pages = render(validate(load(project.root)), project.root / "theme" / "templates", today=TODAY)
    page = next(p.text for p in pages if p.path == "gynecologic-oncology/test-question.md")
    assert "[the other question](../gynecologic-oncology/other-question.md)" in page
    project.write(ARTICLE, linking.replace("article:other-question", "article:no-such-question"))
    problems = [str(p) for p in _problems(project.root, build_path=True)]
    assert problems == [f"{ARTICLE}:22:13: sections[0].blocks[1].list[0]: expected a link to an existing article (article:<id>); got 'article:no-such-question'"], problems
