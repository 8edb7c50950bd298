"""Hospital dosing (issue 26): continuous rates with their volume rate, titration, steps in order,
bands of any measurement, criteria, rows that give no dose, a nomogram's changes to a running rate.
Each reads back from the page as one line a prescriber or nurse can follow, and each way of writing
it wrongly is refused with what to write instead, at the row that holds it.

Drugs and numbers here are test data chosen for their arithmetic, not advice."""

from __future__ import annotations

import pytest

from guidesite.errors import ContentError
from guidesite.load import load
from guidesite.validate import validate

from test_dosing import ARTICLE, _page, _problems, _with_doses


def _row(project, rows: str, drug: str) -> str:
    _with_doses(project, rows)
    return next(line for line in _page(project).splitlines() if line.startswith(f"| {drug}"))


def test_an_hourly_dose_can_never_read_as_hourly_boluses_with_an_invented_daily_total(project):
    # The workaround the issue found printed "0.1 units/kg per dose every 1 hours (2.4 units/kg/day)".
    _with_doses(project, "            - {drug: insulin, dose: 0.1 units/kg, frequency: every 1 hour, route: IV infusion}\n")
    problems = _problems(project)
    assert len(problems) == 1 and "is a continuous infusion or a repeated bolus: write a rate (rate: '0.1 units/kg/hour'" in problems[0]
    _with_doses(project, "            - {drug: insulin, dose: 0.1 units/kg/hour, frequency: once daily, route: IV infusion}\n")
    assert any("'0.1 units/kg/hour' is a rate: write it as rate: '0.1 units/kg/hour'" in p for p in _problems(project))
    _with_doses(project, "            - {drug: insulin, dose: 0.1 units/kg, frequency: continuous, route: IV infusion}\n")
    assert any("'continuous' is a continuous infusion" in p for p in _problems(project))

    row = _row(project, "            - {drug: insulin, rate: 0.1 units/kg/hour, route: IV infusion}\n", "insulin")
    assert "0.1 units/kg/hour as a continuous infusion" in row
    assert "/day" not in row and "per dose" not in row and "hours" not in row


def test_a_rate_with_a_concentration_gives_the_volume_rate_for_the_weights_asked(project):
    row = _row(project, """\
            - drug: insulin (soluble)
              rate: 0.1 units/kg/hour
              concentration: 50 units in 50 mL
              ml_per_hour_for: [50, 70, 100]
              route: IV infusion
""", "insulin")
    assert "0.1 units/kg/hour as a continuous infusion (of 50 units in 50 mL: 5 mL/hour at 50 kg, 7 mL/hour at 70 kg, 10 mL/hour at 100 kg)" in row
    # mcg/kg/min against mg in mL: 0.05 mcg/kg/min at 70 kg is 210 mcg an hour, 2.625 mL of 0.08 mg/mL.
    row = _row(project, """\
            - {drug: noradrenaline, rate: 0.05-0.1 mcg/kg/min, concentration: 4 mg in 50 mL, ml_per_hour_for: [70], route: IV infusion}
""", "noradrenaline")
    assert "0.05–0.1 mcg/kg/min as a continuous infusion (of 4 mg in 50 mL: about 2.6–5.3 mL/hour at 70 kg)" in row
    row = _row(project, "            - {drug: sodium chloride 0.9%, rate: 125 mL/hour, route: IV infusion, duration: 24 hours}\n", "sodium")
    assert "125 mL/hour as a continuous infusion, for 24 hours" in row


def test_a_titration_reads_as_one_sentence_a_nurse_can_follow(project):
    row = _row(project, """\
            - drug: noradrenaline
              rate: 0.05 mcg/kg/min
              titrate:
                step: 0.05 mcg/kg/min
                every: 15 min
                target: MAP 65 mmHg or above
                max: 1 mcg/kg/min
                at_max: add a second vasopressor
              route: IV infusion
""", "noradrenaline")
    assert ("0.05 mcg/kg/min as a continuous infusion, adjust by 0.05 mcg/kg/min at most every 15 min to keep MAP 65 mmHg or above, "
            "up to 1 mcg/kg/min (at the maximum: add a second vasopressor)") in row


def test_steps_read_in_their_order_with_their_windows(project):
    row = _row(project, """\
            - drug: heparin (unfractionated)
              route: IV infusion
              phases:
                - {name: loading, dose: 80 units/kg, route: IV bolus}
                - {name: maintenance, rate: 18 units/kg/hour}
""", "heparin")
    assert "loading: 80 units/kg IV bolus; then maintenance: 18 units/kg/hour as a continuous infusion" in row
    row = _row(project, """\
            - drug: crystalloid
              route: IV infusion
              phases:
                - {dose: 30 mL/kg, at_least: true, within: 3 h}
                - {dose: 1 L, over: 2 h}
""", "crystalloid")
    assert "at least 30 mL/kg within 3 hours; then 1 L over 2 hours" in row


def test_renal_bands_as_clinicians_write_them_tile_and_show_their_unit(project):
    rows = """\
            - {drug: drug r, band: CrCl 30 mL/min and over, dose: 5 mg, frequency: twice daily, route: oral}
            - {drug: drug r, band: CrCl 15 to 29, dose: 2.5 mg, frequency: twice daily, route: oral}
            - {drug: drug r, band: CrCl under 15, advice: not recommended, reason: no trial data at this level, route: oral}
"""
    _with_doses(project, rows)
    page = _page(project)
    assert "| drug r | CrCl 15 to 29 mL/min | 2.5 mg per dose twice daily (5 mg a day) | oral |" in page
    assert "| drug r | CrCl under 15 mL/min | Not recommended: no trial data at this level | oral |" in page
    _with_doses(project, rows.replace("CrCl 15 to 29", "CrCl 15 to 27"))
    problems = _problems(project)
    assert len(problems) == 1 and "between 'CrCl 15 to 27 mL/min' and 'CrCl 30 mL/min and over' no row says what to give" in problems[0]
    line = int(problems[0].split(":")[1])  # the gap is shown at the row that meets it
    assert line == ARTICLE_LINES(project).index("            - {drug: drug r, band: CrCl 30 mL/min and over, dose: 5 mg, frequency: twice daily, route: oral}") + 1


def ARTICLE_LINES(project) -> list[str]:
    return (project.root / ARTICLE).read_text(encoding="utf-8").splitlines()


def test_a_gap_is_found_whatever_the_population_text_and_a_row_without_a_dose_needs_a_reason(project):
    _with_doses(project, """\
            - {drug: potassium chloride, population: adults, band: serum potassium under 3.5 mmol/L, advice: no dose, reason: seek senior advice, route: IV infusion}
            - {drug: potassium chloride, population: adults with DKA, band: serum potassium 3.5 to 4.5 mmol/L, rate: 10 mmol/hour, route: IV infusion}
            - {drug: potassium chloride, band: serum potassium over 5.5 mmol/L, advice: no dose, reason: none needed, route: IV infusion}
""")
    problems = _problems(project)
    assert len(problems) == 1 and "between 'serum potassium 3.5 to 4.5 mmol/L' and 'serum potassium over 5.5 mmol/L'" in problems[0]
    _with_doses(project, "            - {drug: drug r, advice: contraindicated, route: oral}\n")
    assert any("expected a reason with advice" in p for p in _problems(project))


def test_criteria_read_back_in_the_for_column(project):
    row = _row(project, """\
            - drug: drug q
              criteria:
                at_least: 2
                of: [age 80 years or over, weight 60 kg or less, serum creatinine 133 µmol/L or more]
              dose: 2.5 mg
              frequency: twice daily
              route: oral
""", "drug q")
    assert "| if at least 2 of: age 80 years or over; weight 60 kg or less; serum creatinine 133 µmol/L or more | 2.5 mg per dose twice daily" in row


def test_a_nomograms_rows_say_what_to_do_to_the_running_rate(project):
    _with_doses(project, """\
            - {drug: heparin, band: aPTT ratio under 1.2, adjust: {bolus: 80 units/kg, change: increase, by: 4 units/kg/hour}, route: IV infusion}
            - {drug: heparin, band: aPTT ratio 1.2 to 1.5, adjust: {bolus: 40 units/kg, change: increase, by: 2 units/kg/hour}, route: IV infusion}
            - {drug: heparin, band: aPTT ratio 1.5 to 2.3, adjust: {change: no change}, route: IV infusion}
            - {drug: heparin, band: aPTT ratio 2.3 to 3, adjust: {change: decrease, by: 2 units/kg/hour}, route: IV infusion}
            - {drug: heparin, band: aPTT ratio over 3, adjust: {stop: 1 h, change: decrease, by: 3 units/kg/hour}, route: IV infusion}
""")
    page = _page(project)
    assert "| Drug | For | Change to the rate | Route |" in page  # the column says what its rows are
    assert "| heparin | aPTT ratio under 1.2 | Give 80 units/kg as a bolus, then increase the rate by 4 units/kg/hour | IV infusion |" in page
    assert "| heparin | aPTT ratio 1.5 to 2.3 | Keep the rate | IV infusion |" in page
    assert "| heparin | aPTT ratio over 3 | Stop the infusion for 1 hour, then decrease the rate by 3 units/kg/hour | IV infusion |" in page


def test_a_population_worded_per_audience_shows_patients_their_words(project):
    row = _row(project, """\
            - drug: amoxicillin
              population: {clinician: "children with AOM and otorrhoea", patient: "children whose ear is leaking"}
              dose: 45 mg/kg
              frequency: twice daily
              route: oral
""", "amoxicillin")
    assert '<span data-audience="clinician">children with AOM and otorrhoea</span><span data-audience="patient" hidden>children whose ear is leaking</span>' in row
    _with_doses(project, "            - {drug: amoxicillin, population: {clinician: children}, dose: 45 mg/kg, frequency: twice daily, route: oral}\n")
    assert any("population: expected a population for every audience who reads this section; missing patient" in p for p in _problems(project))


@pytest.mark.parametrize(("row", "read_back"), [
    ("{drug: sodium chloride 0.9%, dose: 1 L, frequency: once, infusion: 1 h, route: IV infusion}", "1 L as a single dose"),
    ("{drug: drug u, dose: 5000 IU, frequency: once daily, route: SC}", "5000 units per dose once daily"),
    ("{drug: drug l, dose: 10 mg, frequency: once daily, duration: lifelong, route: oral}", "10 mg per dose once daily, lifelong"),
    ("{drug: drug l, dose: 10 mg, frequency: once daily, duration: long-term, route: oral}", "10 mg per dose once daily, long-term"),
    ("{drug: drug m, dose: 150 mcg, frequency: once, repeat: {times: 1, after: 5 min, when: no improvement}, route: IM}",
     "150 mcg as a single dose, may be repeated once after 5 min if no improvement"),
    ("{drug: drug m, dose: 500 mcg, concentration: 1 mg/mL, frequency: once, repeat: {after: 5 min}, route: IM}",
     "500 mcg (0.5 mL of 1 mg/mL) as a single dose, may be repeated after 5 min"),
    ("{drug: drug m, dose: 10 mcg/kg, concentration: 1 mg/mL, frequency: once, route: IM}", "10 mcg/kg (0.01 mL/kg of 1 mg/mL) as a single dose"),
    ("{drug: drug p, dose: 20 mg PE/kg, frequency: once, max_per_dose: 1500 mg PE, route: IV}", "20 mg PE/kg as a single dose, max 1500 mg PE per dose"),
])
def test_units_and_words_as_clinicians_write_them(project, row, read_back):
    drug = row.split("drug: ")[1].split(",")[0]
    assert read_back in _row(project, f"            - {row}\n", drug)


@pytest.mark.parametrize(("row", "message"), [
    ("{drug: drug k, dose: 40 mmol/L, frequency: once, route: IV infusion}", "'40 mmol/L' is a concentration: write it as concentration: '40 mmol/L'"),
    ("{drug: drug k, rate: 10 mmol/hour, route: oral}", "expected a route a continuous rate is given by (IV infusion, SC infusion, intrathecal); got 'oral'"),
    ("{drug: drug k, rate: 10 mmol/hour, frequency: twice daily, route: IV infusion}", "expected no frequency, per or divided with a rate"),
    ("{drug: drug k, rate: 10 mmol/hour, dose: 10 mmol, frequency: once, route: IV infusion}", "expected one of dose, rate, phases, adjust or advice in a row; got dose and rate"),
    ("{drug: drug k, route: oral}", "expected what the row states: dose (a dose), rate (a continuous infusion)"),
    ("{drug: drug k, rate: 0.1 mcg/kg/min, titrate: {step: 1 mL/hour, every: 5 min, target: MAP 65 mmHg or above}, route: IV infusion}",
     "expected titrate.step in the rate's unit (mcg/kg/min)"),
    ("{drug: drug k, rate: 1 mg/hour, concentration: 5 units in 50 mL, route: IV infusion}", "expected a concentration of the rate's kind of amount"),
    ("{drug: drug k, band: potassium under 3.5 mg, advice: no dose, reason: r, route: oral}", "expected serum potassium in mmol/L, mEq/L; got 'mg'"),
    ("{drug: drug k, dose: 5 furlongs, frequency: once, route: oral}", "expected a unit from ng, mcg, mg, g, mL, L, mmol, mEq, mg PE, units"),
    ("{drug: drug k, dose: 5 mg, frequency: every 20 minutes, route: IV bolus}", "write a rate"),
    ("{drug: drug k, dose: 5 mg, frequency: twice daily, repeat: {after: 5 min}, route: oral}", "expected repeat only for a single dose"),
])
def test_each_refused_construct_says_what_to_write_instead_at_its_row(project, row, message):
    _with_doses(project, f"            - {row}\n")
    problems = _problems(project)
    assert any(message in p for p in problems), problems
    row_line = ARTICLE_LINES(project).index(f"            - {row}") + 1
    assert all(int(p.split(":")[1]) == row_line for p in problems), problems


def test_the_schema_offers_the_new_fields(project):
    import json

    from guidesite.model.schema import schema_text

    schema = json.loads(schema_text({}))
    dose = schema["definitions"]["DrugDose"]["properties"] if "definitions" in schema else schema["$defs"]["DrugDose"]["properties"]
    for name in ("rate", "concentration", "ml_per_hour_for", "titrate", "phases", "adjust", "advice", "reason", "criteria", "repeat"):
        assert name in dose, name
    project.article()
    validate(load(project.root))  # the plain article still validates
    with pytest.raises(ContentError):
        _with_doses(project, "            - {drug: x, route: oral}\n")
        validate(load(project.root))


def test_grades_as_the_bodies_write_them(project):
    from conftest import VALID_ARTICLE

    from test_dosing import ARTICLE as PATH

    def page_with(evidence: str) -> str:
        text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
        project.write(PATH, text.replace("            evidence: [{system: grade, certainty: moderate, strength: strong}]",
                                         f"            evidence: {evidence}"))
        return _page(project)

    # The Surviving Sepsis Campaign writes 'weak' and 'quality of evidence': read as GRADE's conditional and certainty.
    page = page_with("[{system: grade, strength: weak, quality of evidence: low}]")
    assert "GRADE conditional recommendation, low certainty" in page
    page = page_with("[{system: grade, statement: best practice statement}]")
    assert "GRADE best practice statement (ungraded)" in page
    page = page_with("[{system: grade, strength: strong, certainty: high, population: adults}, "
                     "{system: grade, strength: weak, certainty: low, population: children}]")
    assert "GRADE strong recommendation, high certainty (for adults)" in page and "GRADE conditional recommendation, low certainty (for children)" in page

    def problems_with(evidence: str) -> list[str]:
        text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
        project.write(PATH, text.replace("            evidence: [{system: grade, certainty: moderate, strength: strong}]",
                                         f"            evidence: {evidence}"))
        return _problems(project)

    assert any("expected population (whom this grade is for) on each of the 2 grade grades" in p
               for p in problems_with("[{system: grade, strength: strong, certainty: high}, {system: grade, strength: weak, certainty: low}]"))
    assert any("expected no grade beside an ungraded best practice statement; got strength" in p
               for p in problems_with("[{system: grade, statement: best practice statement, strength: strong}]"))
    assert any("expected one of 'strong', 'conditional' or 'weak'; got 'feeble'" in p
               for p in problems_with("[{system: grade, strength: feeble, certainty: low}]"))


def test_an_unknown_citation_inside_folded_text_is_shown_at_its_own_line(project):
    from conftest import VALID_ARTICLE

    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        '  clinician: "Drug A improved overall survival in one randomized trial [@trial-a]."\n',
        "  clinician: >-\n    Drug A improved overall survival\n    in one randomized trial\n    [@trial-a; @no-such-key].\n")
    project.write(ARTICLE, text)
    (problem,) = [p for p in _problems(project) if "no-such-key" in p]
    line = text.splitlines().index("    [@trial-a; @no-such-key].") + 1
    assert problem.startswith(f"{ARTICLE}:{line}:16: summary.clinician: expected a citation key from references")


def test_a_rate_in_millilitres_gives_the_drugs_own_rate_and_the_volume_for_the_weights_asked(project):
    # A peripheral low-dose adrenaline infusion as RCUK's refractory anaphylaxis algorithm writes it:
    # 1 mg in 100 mL (10 mcg/mL) at 0.5-1 mL/kg/hour is 5-10 mcg/kg/hour; at 20 kg, 10-20 mL/hour.
    row = _row(project, """\
            - {drug: adrenaline, rate: 0.5-1 mL/kg/hour, concentration: 1 mg in 100 mL, ml_per_hour_for: [20], route: IV infusion}
""", "adrenaline")
    assert "0.5–1 mL/kg/hour as a continuous infusion (of 1 mg in 100 mL: 5–10 mcg/kg/hour, 10–20 mL/hour at 20 kg)" in row


@pytest.mark.parametrize("written", ["0.1 units/kg/h", "0.1 units/kg/hr", "0.1 units / kg / hour", "0.1 units/kg per hour",
                                     "6 units/hour", "125 mL/h", "0.05 micrograms/kg/minute"])
def test_every_way_of_writing_a_rate_as_a_dose_is_refused_and_reads_as_a_rate_where_it_belongs(project, written):
    _with_doses(project, f"            - {{drug: drug r, dose: {written}, frequency: once, route: IV infusion}}\n")
    assert any(f"'{written}' is a rate: write it as rate: '{written}'" in p for p in _problems(project))
    row = _row(project, f"            - {{drug: drug r, rate: {written}, route: IV infusion}}\n", "drug r")
    assert "as a continuous infusion" in row and "per dose" not in row and "/day" not in row
