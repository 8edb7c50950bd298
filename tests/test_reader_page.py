"""The reader's page (issue 14): trust statements true for this page, headings and contents per
audience, literature dates; what a reader sees in the built Markdown and HTML."""

from __future__ import annotations

import pytest

from guidesite.errors import ContentError
from guidesite.load import load
from guidesite.render import render
from guidesite.validate import validate

from conftest import TODAY, VALID_ARTICLE

ARTICLE = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")


def _page(project, text: str = ARTICLE) -> str:
    project.article(text=text)
    pages = render(validate(load(project.root)), project.root / "theme" / "templates", today=TODAY)
    return next(p.text for p in pages if p.path == "gynecologic-oncology/test-question.md")


def _problems(project, text: str) -> list[str]:
    project.article(text=text)
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


def test_a_pending_page_says_it_is_not_yet_approved_and_never_that_all_articles_are_reviewed(project):
    page = _page(project)
    banner = page[page.index('gs-banner--pending'):]
    banner = banner[:banner.index("</div>")]
    assert "pending human review, not yet approved by our [Medical Advisory Board](../advisory-board.md)" in banner
    assert "All articles are reviewed" not in page


def test_literature_reviewed_through_is_shown_and_may_not_follow_the_update(project):
    text = ARTICLE.replace("  updated: 2025-02-01\n", "  updated: 2025-02-01\n  literature_through: 2025-01-20\n")
    assert 'Literature reviewed through: <time datetime="2025-01-20">January 20, 2025</time>' in _page(project, text)
    late = ARTICLE.replace("  updated: 2025-02-01\n", "  updated: 2025-02-01\n  literature_through: 2025-03-01\n")
    assert _problems(project, late) == ["review: expected literature_through (2025-03-01) on or before updated (2025-02-01)"]


def test_a_heading_worded_for_another_audience_and_a_section_only_it_reads(project):
    text = ARTICLE.replace("  - heading: Regimen\n", "  - heading: {clinician: Regimen, patient: Your treatment}\n")
    text = text.replace("references:\n", """  - heading: Living with it
    audiences: [patient]
    blocks:
      - prose: "Most people carry on working [@trial-a]."
references:
""", 1)
    page = _page(project, text)
    # The default audience's heading is Markdown (listed in the table of contents); the others are
    # HTML headings outside any Markdown block, which the contents leave out until a reader picks them.
    assert '<div data-audience="clinician" markdown>\n\n## Regimen\n\n</div>' in page
    assert '<h2 id="regimen-patient" class="gs-heading" data-audience="patient" data-gs-for="regimen" hidden>Your treatment</h2>' in page
    assert '<h2 id="living-with-it" class="gs-heading" data-audience="patient" hidden>Living with it</h2>\n\n<div data-audience="patient" hidden markdown>' in page


def test_a_heading_for_an_audience_that_does_not_read_the_section_is_refused(project):
    text = ARTICLE.replace("  - heading: Regimen\n", "  - heading: {clinician: Regimen, nurse: For nurses}\n")
    assert _problems(project, text) == [
        "sections[0].heading: expected a heading for every audience who reads this section; missing patient",
        "sections[0].heading.nurse: expected a heading for one of the audiences who read this section (clinician, patient); got 'nurse'",
    ]


def test_headings_written_in_another_order_are_read_in_the_order_of_the_audiences(project):
    ordered = _page(project, ARTICLE.replace("  - heading: Regimen\n", "  - heading: {clinician: Regimen, patient: Your treatment}\n"))
    reversed_ = _page(project, ARTICLE.replace("  - heading: Regimen\n", "  - heading: {patient: Your treatment, clinician: Regimen}\n"))
    assert reversed_ == ordered and "## Regimen" in ordered


def test_the_built_table_of_contents_is_the_default_audiences(sample_site):
    html = (sample_site / "gynecologic-oncology" / "recurrent-cervical-cancer-omental-metastases" / "index.html").read_text(encoding="utf-8")
    toc = html[html.index('<nav class="md-nav md-nav--secondary"'):]
    toc = toc[:toc.index("</nav>")]
    assert 'href="#first-line-systemic-therapy-options"' in toc
    assert "what-this-treatment-involves" not in toc and "the-first-treatment" not in toc
