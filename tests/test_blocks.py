"""Table and algorithm blocks and the article glossary: checked as structure, shown as a reader needs them."""

from __future__ import annotations

import re

import pytest
import yaml

from guidesite.errors import ContentError
from guidesite.load import load
from guidesite.model import Article
from guidesite.render import render
from guidesite.validate import validate

from conftest import REPO, TODAY, VALID_ARTICLE

TABLE = """\
      - table:
          caption: "Targets by age"
          cite: [trial-a]
          columns:
            - Age
            - {{label: Clinic, unit: mmHg}}
          rows:
            - ["Under 80 years", "below 140/90"]
            - cells: ["80 years and over", "below 150/90"]
              cite: [label-b]
          notes: ["Use judgement for frailty [@trial-a]."]
"""

ALGORITHM = """\
      - algorithm:
          name: "Choosing drug A or B"
          cite: [trial-a]
          steps:
            - id: start
              title: "Step 1"
              choices:
                - {{when: "under 55", do: "offer drug A", go: later}}
                - {{when: "55 or over", do: "offer drug B"}}
              next: later
              next_when: "blood pressure is not controlled"
            - id: later
              title: "Step 2"
              do:
                clinician: "Add drug C & review (\\"C\\" <= 2 doses)."
                patient: "A third medicine is added."
"""


def _with_block(block: str) -> str:
    return VALID_ARTICLE.replace("      - list:\n", block + "      - list:\n", 1)


def _problems(project, text: str) -> list[str]:
    project.article(text=text.format(id="test-question", specialty="gynecologic-oncology"))
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


def _pages(project, text: str) -> dict[str, str]:
    project.article(text=text.format(id="test-question", specialty="gynecologic-oncology"))
    return {p.path: p.text for p in render(validate(load(project.root)), project.root / "theme" / "templates", today=TODAY)}


# --- tables ------------------------------------------------------------------------------------


def test_a_table_has_a_numbered_caption_units_in_its_headings_and_cells_labelled_for_phones(project):
    page = _pages(project, _with_block(TABLE))["gynecologic-oncology/test-question.md"]
    assert "**Table 1.** Targets by age" in page
    assert '<th scope="col" markdown="span">Clinic <span class="gs-unit">(mmHg)</span></th>' in page
    assert '<td data-label="Clinic (mmHg)" markdown="span">below 150/90<span class="gs-cite">\u00a0\\[' in page  # the row's own source, on its last cell
    assert "Use judgement for frailty" in page


def test_a_table_reaches_readers_as_a_table_with_every_cell(sample_site):
    html = (sample_site / "cardiology" / "hypertension-drug-treatment" / "index.html").read_text(encoding="utf-8")
    table = html[html.index('<figure class="gs-table">'):]
    table = table[:table.index("</figure>")]
    assert "<figcaption><strong>Table 1.</strong> Blood pressure targets" in table
    cells = re.findall(r'<td data-label="([^"]+)">([^<]+)', table)
    assert cells == [
        ("Age", "Under 80 years"), ("Clinic blood pressure (mmHg)", "below 140/90"), ("Home or ambulatory, waking-hours average (mmHg)", "below 135/85"),
        ("Age", "80 years and over"), ("Clinic blood pressure (mmHg)", "below 150/90"), ("Home or ambulatory, waking-hours average (mmHg)", "below 145/85"),
    ]


@pytest.mark.parametrize("change, expected", [
    ('- ["Under 80 years", "below 140/90"]', '- ["Under 80 years"]',
     ),
])
def test_an_incomplete_row_is_a_located_error(project, change, expected):
    problems = _problems(project, _with_block(TABLE.replace(change, expected)))
    assert problems == ["sections[0].blocks[1].table: expected 2 cells in every row (one per column: Age, Clinic); row 1 has 1"]


def test_table_cells_are_checked_like_any_text(project):
    table = TABLE.replace('"below 140/90"', '"below <b>140/90</b> [@nobody]"')
    problems = _problems(project, _with_block(table))
    assert "sections[0].blocks[1].table.rows[0][1]: expected Markdown without raw HTML; got '<b>'" in problems
    assert any(p.startswith("sections[0].blocks[1].table.rows[0][1]: expected a citation key from references") for p in problems), problems


# --- algorithms --------------------------------------------------------------------------------


def test_an_algorithm_is_a_numbered_decision_list_with_links_between_steps(project):
    page = _pages(project, _with_block(ALGORITHM))["gynecologic-oncology/test-question.md"]
    assert '1. <span id="algorithm-1-start"></span>**Step 1.**' in page
    assert "**If** under 55: offer drug A. Then [go to Step 2](#algorithm-1-later)." in page
    assert "If blood pressure is not controlled: [go to Step 2](#algorithm-1-later)." in page
    assert "End of the algorithm." in page


def test_the_diagram_is_a_static_svg_beside_the_page_one_per_audience_wording(project):
    pages = _pages(project, _with_block(ALGORITHM))
    diagrams = {path: text for path, text in pages.items() if path.endswith(".svg")}
    assert len(diagrams) == 2  # the clinician's and the patient's wording of step 2 differ
    page = pages["gynecologic-oncology/test-question.md"]
    for path, svg in diagrams.items():
        assert path.startswith("gynecologic-oncology/test-question/algorithm-")
        assert f"](../{path})" in page
        assert "<script" not in svg and "href" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    clinician = next(svg for svg in diagrams.values() if "drug C" in svg)
    assert "Add drug C &amp; review (&quot;C&quot; &lt;= 2 doses)." in clinician  # text escaped, never markup
    assert '<p class="gs-algorithm__diagram" data-audience="patient" hidden markdown="span">' in page


def test_the_sample_diagram_reaches_readers_as_an_image_with_alt_text(sample_site):
    html = (sample_site / "cardiology" / "hypertension-drug-treatment" / "index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img alt="([^"]+)" src="(algorithm-[0-9a-f]{12}\.svg)"', html)
    assert len(images) == 2 and all("listed below as text" in alt for alt, _ in images)
    for _, name in images:
        svg = (sample_site / "cardiology" / "hypertension-drug-treatment" / name).read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "Step 4: resistant hypertension" in svg


@pytest.mark.parametrize("change, message", [
    ("go: later}}", "go: nowhere}}",
     ),
    ("- id: later", "- id: start"),
    ("next: later\n              next_when: \"blood pressure is not controlled\"\n", "next: start\n"),
])
def test_an_algorithm_that_leads_nowhere_is_refused(project, change, message):
    problems = _problems(project, _with_block(ALGORITHM.replace(change, message)))
    expected = {
        "go: nowhere}}": "expected go and next to name a step of this algorithm (start, later); step 'start' names 'nowhere'",
        "- id: start": "expected each step id once; 'start' is used again by step 2",
        "next: start\n": "expected next_when (when to repeat it: 'glucose still above target') for a step that repeats itself; "
                        "step 'start' leads to itself unconditionally",
    }[message]
    assert problems == [f"sections[0].blocks[1].algorithm: {expected}"]


def test_a_step_that_repeats_itself_says_when_in_the_list_and_the_diagram(project):
    looped = ALGORITHM.replace('next_when: "blood pressure is not controlled"', 'next_when: "blood pressure is still above target; recheck every hour"')
    looped = looped.replace("next: later", "next: start").replace('- {{when: "55 or over", do: "offer drug B"}}',
                                                                    '- {{when: "55 or over, and the blood pressure has not been measured twice", do: "offer drug B", go: later}}')
    pages = _pages(project, _with_block(looped))
    page = pages["gynecologic-oncology/test-question.md"]
    assert "If blood pressure is still above target; recheck every hour: repeat this step." in page
    (svg, *_) = [text for path, text in pages.items() if path.endswith(".svg")]
    # The loop is drawn on the box's edge and said in full inside the box; every branch says where it goes.
    said = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert "↻ If blood pressure is still above target; recheck every hour: repeat this step" in said
    assert "• If 55 or over, and the blood pressure has not been measured twice: offer drug B → Step 2" in said
    assert "…" not in svg


def test_a_long_condition_between_two_steps_is_wrapped_in_full(project):
    long = "blood pressure is not controlled after four weeks at the full dose, and the person takes the tablets as prescribed"
    pages = _pages(project, _with_block(ALGORITHM.replace('"blood pressure is not controlled"', f'"{long}"')))
    (svg, *_) = [text for path, text in pages.items() if path.endswith(".svg")]
    shown = " ".join(re.findall(r'font-size="12" fill="#374151">([^<]*)</text>', svg))
    assert shown == f"If {long}" and "…" not in svg


def test_a_step_nothing_leads_to_is_refused(project):
    unreachable = ALGORITHM.replace("go: later}}", "}}").replace("              next: later\n              next_when: \"blood pressure is not controlled\"\n", "")
    assert _problems(project, _with_block(unreachable)) == [
        "sections[0].blocks[1].algorithm: expected every step to be reached from the first; nothing leads to 'later'"]


# --- glossary ----------------------------------------------------------------------------------


def test_glossary_abbreviations_are_marked_up_and_listed(sample_site):
    html = (sample_site / "infectious-diseases" / "community-acquired-pneumonia-outpatient" / "index.html").read_text(encoding="utf-8")
    assert '<abbr title="methicillin-resistant Staphylococcus aureus">MRSA</abbr>' in html
    assert "<strong><abbr title=\"methicillin-resistant Staphylococcus aureus\">MRSA</abbr></strong>: methicillin-resistant Staphylococcus aureus" in html
    assert "*[MRSA]" not in html


def test_an_unused_glossary_entry_and_a_literal_abbreviation_are_refused(project):
    text = VALID_ARTICLE.replace("see_also", "x").replace("references:\n", "glossary:\n  CCB: calcium-channel blocker\nreferences:\n", 1)
    text = text.replace('"A point for everyone [@label-b]"', '"*[ECOG]: Eastern Cooperative Oncology Group"')
    problems = _problems(project, text)
    assert "glossary.CCB: expected 'CCB' to be used in the article (as written, same case); it is not" in problems
    assert any(p.startswith("sections[0].blocks[1].list[0]: expected no abbreviation definitions") for p in problems), problems


# --- the samples ------------------------------------------------------------------------------

SAMPLES = sorted((REPO / "content").rglob("*.yaml"))


def test_every_sample_outside_oncology_uses_the_new_blocks():
    kinds: dict[str, set[str]] = {}
    for path in SAMPLES:
        article = Article.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        kinds[article.specialty] = {block.kind for section in article.sections for block in section.blocks}
    assert {"algorithm", "table", "recommendation", "warning"} <= kinds["cardiology"]
    assert {"algorithm", "dosing", "warning"} <= kinds["infectious-diseases"]
    assert {"dosing", "warning"} <= kinds["pediatrics"]


def test_markup_in_plain_block_texts_reaches_readers_as_text_in_the_page_and_the_diagram(project):
    """Plain texts (titles, column headings, units, expansions) are shown as written, never as markup:
    not on the page, not in the SVG diagram (an attempt to close its <text> and open a script),
    not in an abbreviation's title attribute."""
    from guidesite.build import build

    block = """\
      - table:
          caption: "Targets"
          columns: ["<img src=x onerror=alert(3)>", {{label: Clinic, unit: "<b>mmHg</b>"}}]
          rows:
            - ["Under 80", "below 140/90"]
      - algorithm:
          name: "Steps</title><script>alert(6)</script>"
          steps:
            - {{id: one, title: "</text><script>alert(7)</script>", do: "Start.", next: two}}
            - {{id: two, title: "Two", do: "End."}}
"""
    text = _with_block(block).replace("references:\n", 'glossary:\n  ECOG: \'x" onmouseover="alert(8)\'\nreferences:\n', 1)
    text = text.replace('"A point for everyone [@label-b]"', '"A point for everyone with ECOG 0-1 [@label-b]"')
    project.article(text=text.format(id="test-question", specialty="gynecologic-oncology"))
    pages = render(validate(load(project.root)), project.root / "theme" / "templates", today=TODAY)
    site = build(pages, project.root, site_dir=project.root / "site")  # the sanitizer of the built site passes it
    folder = site / "gynecologic-oncology" / "test-question"
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(3)&gt;" in html and "<img src=x" not in html
    assert "&lt;b&gt;mmHg&lt;/b&gt;" in html
    assert '<abbr title="x&quot; onmouseover=&quot;alert(8)">ECOG</abbr>' in html
    (svg,) = [p.read_text(encoding="utf-8") for p in folder.glob("algorithm-*.svg")]
    assert "<script" not in svg
    assert "&lt;/text&gt;&lt;script&gt;alert(7)&lt;/script&gt;" in svg
    assert "<title>Steps&lt;/title&gt;&lt;script&gt;alert(6)&lt;/script&gt;</title>" in svg
