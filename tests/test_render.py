"""Stage 3: articles become the Markdown a reader's page is built from."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from guidesite.load import load
from guidesite.render import render
from guidesite.review import content_hash
from guidesite.validate import validate

from conftest import signed_approvals, TODAY, REPO, VALID_ARTICLE

GOLDEN = Path(__file__).parent / "golden"
SEED_ID = "recurrent-cervical-cancer-omental-metastases"


def _pages(root: Path, **kwargs) -> dict[str, str]:
    return {p.path: p.text for p in render(validate(load(root)), root / "theme" / "templates", today=TODAY, **kwargs)}


@pytest.fixture(scope="module")
def sample_pages() -> dict[str, str]:
    return _pages(REPO)


GOLDEN_ARTICLES = [f"gynecologic-oncology/{SEED_ID}", "cardiology/hypertension-drug-treatment",
                   "infectious-diseases/community-acquired-pneumonia-outpatient", "pediatrics/amoxicillin-acute-otitis-media"]


@pytest.mark.parametrize("article", GOLDEN_ARTICLES, ids=[a.split("/")[1] for a in GOLDEN_ARTICLES])
def test_sample_articles_match_their_golden_markdown(sample_pages, update_golden, article):
    path = f"{article}.md"
    golden = GOLDEN / f"{article.split('/')[1]}.md"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(sample_pages[path], encoding="utf-8")
    assert sample_pages[path] == golden.read_text(encoding="utf-8"), "rendered Markdown changed: review, then run pytest --update-golden"


def test_site_has_home_specialty_board_policy_and_legend_pages(sample_pages):
    assert {"index.md", "gynecologic-oncology/index.md", "medical-oncology/index.md", "advisory-board.md",
            "editorial-policy.md", "evidence-grades.md", f"gynecologic-oncology/{SEED_ID}.md"} <= set(sample_pages)


def test_seed_article_carries_the_seed_pages_doses_and_figures(sample_pages):
    text = sample_pages[f"gynecologic-oncology/{SEED_ID}.md"].replace("\u00a0", " ")  # a number and its unit are held together
    for fact in ("| cisplatin | 50 mg/m² | IV | Day 2 |", "| paclitaxel | 135 mg/m² | IV | Day 1 | over 24 hours |",
                 "| bevacizumab | 15 mg/kg |", "| carboplatin | AUC 5 (target AUC) |", "| paclitaxel | 175 mg/m² | IV | Day 1 | over 3 hours |",
                 "Repeat every 21 days (3 weeks).", "16.8 vs 13.3 months", "23.2 vs 13.0 months", "HR 0.994",
                 "48% vs 36%", "at least 28 days", "ECOG 0-1"):
        assert fact in text, fact
    assert "Educational purpose only" in text
    assert '<li class="gs-step gs-step--current" aria-current="step">Submitted <span class="gs-step__state">(current step)</span></li>' in text
    assert ">ESMO level I, grade A</span>" in text and ">NCCN category 2B</span>" in text


def test_citations_are_numbered_by_first_appearance_and_listed_once(project):
    project.article()
    text = _pages(project.root)["gynecologic-oncology/test-question.md"]
    # trial-a is cited first (summary), label-b later: 1 and 2.
    assert re.findall(r'href="#ref-([a-z0-9-]+)">(\d)</a>', text)[:1] == [("trial-a", "1")]
    references = text[text.index("## References"):]
    assert references.count('id="ref-trial-a"') == 1
    # trial-a is cited in both summary wordings and by the regimen: one entry, with one back-link to
    # its first citation in the text shown by default.  The patient wording's citation, hidden until
    # a reader picks that audience, has no id: the page script links it when it is shown.
    entry = next(line for line in references.splitlines() if 'id="ref-trial-a"' in line)
    assert entry.startswith("1. ")
    assert re.findall(r'class="gs-backlink" href="#(cite-[a-z0-9-]+)"', entry) == ["cite-trial-a"]
    assert re.findall(r'<a id="(cite-trial-a)" href="#ref-trial-a">', text) == ["cite-trial-a"]
    assert 'lived longer<span class="gs-cite">\u00a0\\[<a href="#ref-trial-a">1</a>\\]</span>' in text
    assert next(line for line in references.splitlines() if 'id="ref-label-b"' in line).startswith("2. ")


def test_a_citation_is_bracketed_apart_from_a_dose_never_a_superscript_digit(sample_site):
    html = (sample_site / "gynecologic-oncology" / "recurrent-cervical-cancer-omental-metastases" / "index.html").read_text(encoding="utf-8")
    assert "<sup>" not in html.split('<div class="md-content"', 1)[1]
    # A citation after a unit is separated by a no-break space and brackets: "50 mg/m² [3]".
    assert re.search(r"mg/m²<span class=\"gs-cite\">(?:&nbsp;|\u00a0)\[<a", html)


def test_numbers_follow_the_default_audience_and_references_cited_only_for_others_come_last(project):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    # Only the patient's summary cites the leaflet, before the default (clinician) text reaches label-b.
    text = text.replace('patient: "In a large study, people who had drug A lived longer [@trial-a]."',
                        'patient: "A leaflet explains it [@leaflet-c]; a study found it [@trial-a]."')
    text = text.replace("references:\n", "references:\n  - {key: leaflet-c, authors: [Example Charity], title: A fictional leaflet, publisher: Example Charity, year: 2022}\n", 1)
    project.article(text=text)
    page = _pages(project.root)["gynecologic-oncology/test-question.md"]
    references = page[page.index("## References"):]
    numbers = {key: next(line for line in references.splitlines() if f'id="ref-{key}"' in line).split(".")[0]
               for key in ("trial-a", "label-b", "leaflet-c")}
    assert numbers == {"trial-a": "1", "label-b": "2", "leaflet-c": "3"}
    assert '<a href="#ref-leaflet-c">3</a>' in page  # no id: hidden until a reader picks the patient wording


def test_status_decides_banner_tracker_and_approver(project, signing_keys):
    project.article()
    text = _pages(project.root)["gynecologic-oncology/test-question.md"]
    assert "**Educational purpose only**" in text
    approvals = signed_approvals(signing_keys, validate(load(project.root)).articles[0], [("example-reviewer-1", "2025-02-03")])
    approved = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "status: submitted", "status: approved").replace("  next_review: 2026-02-01\n", "  next_review: 2026-02-01\n" + approvals)
    project.article(text=approved)
    text = _pages(project.root)["gynecologic-oncology/test-question.md"]
    assert "Educational purpose only" not in text
    assert '**Approved** · Last reviewed February 3, 2025 by [Dr. Example Reviewer A (sample)<span class="gs-credentials">, MD, gynecologic oncologist' in text
    assert "declared interests: none" in text
    # The same record without its signature, or signed by someone else, counts nowhere.
    unsigned = approved[:approved.index("      signature: |")]
    project.article(text=unsigned)
    assert "**Educational purpose only**" in _pages(project.root)["gynecologic-oncology/test-question.md"]
    forged = signed_approvals(signing_keys, validate(load(project.root)).articles[0], [("example-reviewer-3", "2025-02-03")]).replace(
        "reviewer: example-reviewer-3", "reviewer: example-reviewer-1")
    project.article(text=approved.replace(approvals, forged))
    assert "**Educational purpose only**" in _pages(project.root)["gynecologic-oncology/test-question.md"]
    project.article(text=approved)
    assert 'gs-step--current" aria-current="step">Approved' in text
    # One changed dose makes the approval stale: the page goes back to Under Review.
    project.article(text=approved.replace("dose: 50 mg/m2", "dose: 60 mg/m2"))
    text = _pages(project.root)["gynecologic-oncology/test-question.md"]
    assert "**Educational purpose only**" in text
    assert 'gs-step--current" aria-current="step">Under Review' in text
    assert "Dr. Example Reviewer A" not in text


def test_drafts_are_left_out_unless_asked_for(project):
    project.article(text=VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("status: submitted", "status: draft"))
    assert "gynecologic-oncology/test-question.md" not in _pages(project.root)
    assert "gynecologic-oncology/test-question.md" in _pages(project.root, drafts=True)


def test_patient_wording_is_present_but_hidden_by_default(project):
    project.article()
    text = _pages(project.root)["gynecologic-oncology/test-question.md"]
    assert '<div data-audience="clinician" markdown>' in text
    assert '<div data-audience="patient" hidden="" markdown>' in text
    assert '<div class="gs-audience" data-default="clinician" hidden>' in text


def test_single_audience_article_has_no_switch(project):
    one = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "audiences: [clinician, patient]", "audiences: [clinician]").replace(
        '  patient: "In a large study, people who had drug A lived longer [@trial-a]."\n', "")
    project.article(text=one)
    text = _pages(project.root)["gynecologic-oncology/test-question.md"]
    assert "gs-audience" not in text


def test_markdown_special_characters_in_plain_fields_are_inert(project):
    tricky = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "name: Drug A with drug B", "name: \"Drug A | *B* [x](y) & <b>\"")
    project.article(text=tricky)
    text = _pages(project.root)["gynecologic-oncology/test-question.md"]
    assert r"**Drug A \| \*B\* \[x\](y) &amp; &lt;b&gt;**" in text


def test_review_overdue_is_flagged_from_the_build_date(project):
    project.article()  # next_review 2026-02-01
    before = _pages(project.root)["gynecologic-oncology/test-question.md"]
    assert '<strong class="gs-overdue" hidden>(review overdue)</strong>' in before
    after = {p.path: p.text for p in render(validate(load(project.root)), project.root / "theme" / "templates", today=date(2026, 2, 2))}
    assert '<strong class="gs-overdue">(review overdue)</strong>' in after["gynecologic-oncology/test-question.md"]


def test_a_retired_article_says_so_and_points_to_its_replacement(project):
    project.article(id="new-question", text=VALID_ARTICLE.format(id="new-question", specialty="gynecologic-oncology"))
    retired = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "status: submitted", "status: retired\n  replaced_by: new-question")
    project.article(text=retired)
    text = _pages(project.root)["gynecologic-oncology/test-question.md"]
    assert "**Retired.** This article is no longer maintained" in text
    assert "See [Does drug A improve survival in condition B?](../gynecologic-oncology/new-question.md) instead." in text
    assert "Educational purpose only" not in text
    assert "gs-tracker__steps" not in text


def test_a_large_site_is_rendered_by_several_processes_into_the_same_pages(monkeypatch):
    import guidesite.render as rendering

    validated = validate(load(REPO))
    alone = render(validated, REPO / "theme" / "templates", today=TODAY, site_url="https://example.org/")
    pools = []
    real_pool = rendering.process_pool

    def counted_pool(workers, **options):
        pools.append(workers)
        return real_pool(workers, **options)

    monkeypatch.setattr(rendering, "PARALLEL_FROM", 2)  # the sample's 3 articles count as a large site
    monkeypatch.setattr(rendering, "usable_cpus", lambda: 2)
    monkeypatch.setattr(rendering, "process_pool", counted_pool)
    together = render(validated, REPO / "theme" / "templates", today=TODAY, site_url="https://example.org/")
    assert [p.path for p in together] == [p.path for p in alone]
    assert together == alone
    assert pools == [2]  # two worker processes did the rendering
