"""Doses stated completely for any drug: what a prescriber reads back from the page is what the
author wrote — amount, basis, frequency, maximum, duration — and an incomplete or inconsistent
dose is a located error, never a misleading table row."""

from __future__ import annotations

import re

import pytest
import yaml

from guidesite.errors import ContentError
from guidesite.load import load
from guidesite.render import render
from guidesite.validate import validate

from conftest import REPO, TODAY, VALID_ARTICLE

ARTICLE = "content/gynecologic-oncology/test-question.yaml"

DOSING = """\
      - dosing:
          name: Amoxicillin for an example infection
          cite: [trial-a]
          doses:
{rows}
"""


def _with_doses(project, rows: str) -> None:
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    block = DOSING.format(rows=rows)
    project.write(ARTICLE, text.replace("      - list:\n", block + "      - list:\n", 1))


def _page(project) -> str:
    pages = render(validate(load(project.root)), project.root / "theme" / "templates", today=TODAY)
    return _spaces(next(p.text for p in pages if p.path == "gynecologic-oncology/test-question.md"))


def _spaces(text: str) -> str:
    """What a reader reads: a number and its unit are held together by a no-break space, which reads as a
    space, and a range's dash to its numbers by word joiners, which read as nothing."""
    return text.replace("\u00a0", " ").replace("&nbsp;", " ").replace("\u2060", "")


def _problems(project) -> list[str]:
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    return [str(p) for p in caught.value.problems]


def test_a_per_day_dose_reads_per_dose_with_its_frequency_total_maximum_and_duration(project):
    _with_doses(project, """\
            - drug: amoxicillin
              population: children 6 months to 2 years
              form: oral suspension 400 mg/5 mL
              dose: 80-90 mg/kg
              per: day
              divided: 2
              max_per_dose: 2 g
              duration: 10 days
              route: oral
""")
    page = _page(project)
    row = next(line for line in page.splitlines() if line.startswith("| amoxicillin"))
    assert "oral suspension 400 mg/5 mL" in row and "children 6 months to 2 years" in row
    assert "40–45 mg/kg per dose twice daily (80–90 mg/kg/day), max 2 g per dose, for 10 days" in row
    assert row.endswith("| oral |")


def test_an_iv_infusion_reads_its_frequency_total_and_infusion_time(project):
    _with_doses(project, """\
            - {drug: drug z, dose: 1 g, frequency: every 8 hours, route: IV infusion, infusion: 30 min, duration: 5-7 days}
""")
    row = next(line for line in _page(project).splitlines() if line.startswith("| drug z"))
    assert "1 g per dose every 8 hours (3 g a day), for 5–7 days" in row
    assert row.endswith("| IV infusion over 30 min |")


@pytest.mark.parametrize(("row", "message"), [
    ("{drug: drug a, dose: 45 mg/kg, route: oral}", "expected a frequency (how often each dose is given"),
    ("{drug: drug a, dose: 90 mg/kg, per: day, route: oral}", "expected divided (how many doses the day's amount is split into)"),
    ("{drug: drug a, dose: 90 mg/kg, per: day, divided: 3, frequency: twice daily, route: oral}", "expected divided (3) to match the frequency 'twice daily'"),
    ("{drug: drug a, dose: 500 mg, frequency: twice daily, max_per_dose: 250 mg, route: oral}", "expected max_per_dose (250 mg) at or above the dose (500 mg)"),
    ("{drug: drug a, dose: 1 g, frequency: twice daily, max_per_day: 1500 mg, route: oral}", "expected max_per_day (1500 mg) at or above the daily amount (2 g)"),
    ("{drug: drug a, dose: 2 puffs, frequency: twice daily, route: oral}", "expected a route a puff can be given by (inhaled); got 'oral'"),
    ("{drug: drug a, dose: 500 mg, frequency: twice daily, route: oral, infusion: 30 min}", "expected infusion only for the route 'IV infusion'"),
    ("{drug: drug a, dose: 500 mgs, frequency: twice daily, route: oral}", "got 'mgs' in '500 mgs'"),
    ("{drug: drug a, dose: 500 mg, frequency: sometimes, route: oral}", "expected a frequency such as 'once'"),
    ("{drug: drug a, dose: 500 mg, frequency: once daily, duration: 10, route: oral}", "expected a duration with its unit, such as '10 days'"),
    ("{drug: drug a, dose: 500 mg, frequency: once daily, route: by mouth}", "route: expected one of"),
])
def test_an_incomplete_or_inconsistent_dose_is_a_located_error(project, row, message):
    _with_doses(project, f"            - {row}\n")
    problems = _problems(project)
    assert any(message in p for p in problems), problems
    assert all(p.startswith(f"{ARTICLE}:") and ":1:1:" not in p for p in problems), problems


def test_every_dose_problem_of_a_table_is_reported_at_once(project):
    _with_doses(project, """\
            - {drug: drug a, dose: 45 mg/kg, route: oral}
            - {drug: drug b, dose: 2 puffs, frequency: twice daily, route: oral}
            - {drug: drug c, dose: 1 kg, frequency: twice daily, route: oral}
""")
    problems = _problems(project)
    assert len(problems) == 3, problems


def test_a_boxed_warning_is_a_callout_with_a_patient_wording(project):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    warning = """\
      - warning:
          kind: boxed
          text:
            clinician: "Fluoroquinolones carry a boxed warning for tendinitis and tendon rupture [@label-b]."
            patient: "This medicine can rarely damage tendons; stop it and call your doctor if a tendon hurts [@label-b]."
"""
    project.write(ARTICLE, text.replace("      - list:\n", warning + "      - list:\n", 1))
    page = _page(project)
    assert '<div class="gs-warning gs-warning--boxed" role="note" markdown>' in page
    callout = page[page.index("gs-warning--boxed"):]
    assert callout.index("**Boxed warning**") < callout.index("tendon rupture") < callout.index("stop it and call your doctor")


@pytest.mark.parametrize(("markdown", "message"), [
    (r"!!! warning\n    Stop if a tendon hurts.", "expected no admonitions ('!!! warning')"),
    (r"> Stop if a tendon hurts.", "expected no blockquotes ('> …')"),
    (r"Stop if a tendon hurts.[^1]", "expected no footnotes ('[^1]')"),
    (r"```mermaid\ngraph TD; A-->B\n```", "expected no fenced code or diagram blocks"),
])
def test_markdown_that_would_show_as_literal_text_is_refused_with_a_pointer(project, markdown, message):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    project.write(ARTICLE, text.replace("      - list:\n", f'      - prose: "{markdown}"\n      - list:\n', 1))
    problems = _problems(project)
    assert any(message in p and "sections[0].blocks[1].prose" in p for p in problems), problems


def test_the_pediatric_sample_states_every_dose_completely(sample_site):
    html = _spaces((sample_site / "pediatrics" / "amoxicillin-acute-otitis-media" / "index.html").read_text(encoding="utf-8"))
    rows = [(age, days) for age, days in (("under 2 years", "10 days"), ("2 to 5 years", "7 days"), ("6 years and older", "5–7 days"))]
    for age, days in rows:
        row = html[html.index(f"<td>{age}"):]
        row = row[:row.index("</tr>")]
        assert f"40–45 mg/kg per dose twice daily (80–90 mg/kg/day), for {days}" in row, row
        assert "<td>oral</td>" in row
    assert "45 mg/kg per dose twice daily (90 mg/kg/day)" in html  # amoxicillin-clavulanate
    assert 'class="gs-warning gs-warning--contraindication"' in html


def test_references_fit_guidelines_web_pages_and_errata(project):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    text = text.replace("""    publisher: Example Pharma
    year: 2021
""", """    publisher: Example Health Agency
    code: XG999
    edition: updated 2024
    accessed: 2025-01-15
    notices:
      - {kind: erratum, year: 2022, text: Corrects the dosing table.}
""").replace("    authors: [Example Pharma]", "    authors: [Example Health Agency]")
    project.write(ARTICLE, text)
    page = _page(project)
    ref = next(line for line in page.splitlines() if 'id="ref-label-b"' in line)
    assert "Example Health Agency. Fictional prescribing information. XG999. updated 2024. Example Health Agency; n.d. Accessed January 15, 2025." in ref
    assert "**Erratum 2022:** Corrects the dosing table." in ref
    # Neither a year nor an access date: refused, rather than printing a year the source does not have.
    project.write(ARTICLE, text.replace("    accessed: 2025-01-15\n", ""))
    assert any("expected a year of publication, or (for an undated document) the date it was accessed" in p for p in _problems(project))


def test_dose_bands_tile_without_gaps_or_overlaps(project):
    rows = """\
            - {drug: drug z, band: under 10 kg, dose: 50 mg/kg, frequency: once daily, route: oral}
            - {drug: drug z, band: 10 to 20 kg, dose: 500 mg, frequency: once daily, route: oral}
            - {drug: drug z, band: 20 kg and over, dose: 1 g, frequency: once daily, route: oral}
            - {drug: drug z, band: eGFR under 30, dose: 250 mg, frequency: once daily, route: IV bolus}
            - {drug: drug z, band: eGFR 30 and over, dose: 500 mg, frequency: once daily, route: IV bolus}
"""
    _with_doses(project, rows)
    page = _page(project)
    assert "| drug z | 10 to 20 kg | 500 mg per dose once daily | oral |" in page
    _with_doses(project, rows.replace("10 to 20 kg", "10 to 15 kg"))
    assert any("expected the bands of drug z (oral) without a gap; between '10 to 15 kg' and '20 kg and over' no row says what to give" in p
               for p in _problems(project))
    _with_doses(project, rows.replace("10 to 20 kg", "10 to 25 kg"))
    assert any("expected the bands of drug z (oral) not to overlap; '10 to 25 kg' and '20 kg and over'" in p for p in _problems(project))
    _with_doses(project, rows.replace("band: under 10 kg", "band: under 10 stone"))
    assert any("expected a band such as '10 to 20 kg'" in p for p in _problems(project))


def test_key_points_are_a_boxed_list_in_both_audiences(project):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    block = """\
      - key_points:
          - "Drug A lengthens survival [@trial-a]."
          - clinician: "Give it every 21 days."
            patient: "You have it every three weeks."
"""
    project.write(ARTICLE, text.replace("      - list:\n", block + "      - list:\n", 1))
    page = _page(project)
    box = page[page.index('<div class="gs-key-points" role="note" markdown>'):]
    box = box[:box.index("</div>")]
    assert "**Key points**" in box and "Drug A lengthens survival" in box
    assert 'data-audience="clinician"' in box and "every three weeks" in box
    project.write(ARTICLE, text.replace("      - list:\n", "      - key_points: []\n      - list:\n", 1))
    assert any("key_points" in p and "at least 1" in p for p in _problems(project))


_DIVIDED_WORDS = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}


def _as_written(text: str) -> str:
    """A value as a page prints it: ranges with an en dash, m2 as m²."""
    return str(text).replace("-", "–").replace("m2", "m²")


def _rate_as_written(text: str) -> str:
    text = re.sub(r"/(?:h|hr|hrs|hours?)$", "/hour", _as_written(text))
    return re.sub(r"/(?:mins?|minutes?)$", "/min", text)


def _in_order(parts: list[str], text: str) -> bool:
    at = 0
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def _reads_back(dose: dict, text: str) -> None:
    """What the author wrote in one row, found in the row the page prints (raw YAML against the page,
    not the renderer against itself)."""
    assert text.startswith(dose["drug"]), (dose, text)
    for key in ("band", "form"):  # shown as written
        if key in dose:
            assert dose[key] in text, (key, dose, text)
    population = dose.get("population")
    for wording in ([population] if isinstance(population, str) else (population or {}).values()):
        assert wording in text, (dose, text)
    for condition in (dose.get("criteria") or {}).get("of", []):
        assert condition in text, (dose, text)
    if "dose" in dose:
        assert _as_written(dose["dose"]) in text, (dose, text)
        if dose.get("per") == "day":
            assert "/day" in text or " a day" in text, (dose, text)
            assert _DIVIDED_WORDS[dose["divided"]] in text or f"{dose['divided']} divided doses" in text, (dose, text)
        else:
            frequency = dose["frequency"]
            assert (frequency in text) or (frequency == "once" and "as a single dose" in text), (dose, text)
        if "repeat" in dose:
            assert "may be repeated" in text, (dose, text)
    if "rate" in dose:
        assert f"{_rate_as_written(dose['rate'])} as a continuous infusion" in text and "/day" not in text, (dose, text)
    if "phases" in dose:
        written = [_as_written(p["dose"]) if "dose" in p else _rate_as_written(p["rate"]) for p in dose["phases"]]
        assert _in_order(written, text) and text.count("; then ") == len(written) - 1, (dose, text)
    if "adjust" in dose:
        adjust = dose["adjust"]
        expected = [_as_written(adjust["bolus"])] if "bolus" in adjust else []
        expected += ["keep the rate"] if adjust["change"] == "no change" else [f"{adjust['change']} the rate by {_rate_as_written(adjust['by'])}"]
        assert _in_order(expected, text.lower()), (dose, text)
    if "advice" in dose:
        assert f"{dose['advice']}: {dose['reason']}".lower() in text.lower(), (dose, text)
    for cap in ("max_per_dose", "max_per_day"):
        if cap in dose:
            assert _as_written(dose[cap]) in text, (dose, text)
    if "duration" in dose:
        assert _as_written(dose["duration"]) in text, (dose, text)
    assert f" {dose['route']}" in text, (dose, text)


def test_every_sample_dose_reads_back_completely_from_the_page(sample_site):
    """Each row of every bundled article's dosing tables, read back from the published page: the amount
    or rate as the author wrote it, per dose or per day, how often, each maximum, how long, the steps in
    their order, the band, criteria and population, what to do to a running rate, and the route."""
    checked = 0
    for path in sorted((REPO / "content").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        written = [dose for section in data["sections"] for block in section["blocks"] if "dosing" in block for dose in block["dosing"]["doses"]]
        if not written:
            continue
        html = _spaces((sample_site / data["specialty"] / data["id"] / "index.html").read_text(encoding="utf-8"))
        rows = [row for table in re.findall(r'<div class="gs-regimen gs-dosing">.*?</table>', html, re.S)
                for row in re.findall(r"<tr>\s*<td>.*?</tr>", table, re.S)]
        assert len(rows) == len(written), path.name
        for dose, row in zip(written, rows):
            inline = re.sub(r"</?(?:abbr|span)\b[^>]*>", "", row)  # marks inside a line of text (a glossary term, an audience's words)
            _reads_back(dose, " ".join(re.sub(r"<[^>]+>", " ", inline).split()))
            checked += 1
    assert checked >= 18  # amoxicillin (4) and pneumonia (14): the test did read the samples' doses
