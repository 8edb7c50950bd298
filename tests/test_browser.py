"""What a reader does, in real headless Chromium, on the built sample site.

Switch the audience and see the text and disclaimer change (and stay changed);
read with JavaScript off; focus a citation; search for a drug; check each page
type with axe-core; keep screenshots of the seed article for people to look at.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from browser import ARTIFACTS
from conftest import TODAY

SEED = "/gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/"
SHORT = "/medical-oncology/bevacizumab-surgery-timing/"
PAGE_TYPES = {
    "home": "/",
    "specialty": "/gynecologic-oncology/",
    "article": SEED,
    "board": "/advisory-board/",
    "policy": "/editorial-policy/",
    "404": "/no-such-page/",
}
NEW_BLOCKS = {
    "a table and an algorithm": "/cardiology/hypertension-drug-treatment/",
    "doses of many drugs and a boxed warning": "/infectious-diseases/community-acquired-pneumonia-outpatient/",
    "weight-based doses": "/pediatrics/amoxicillin-acute-otitis-media/",
}
"""The sample articles outside oncology, by what they show."""
READ_ON = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=timezone.utc)
"""The reader's clock: the day the site was built (TODAY), whatever the day the tests run."""
AFTER_REVIEW = datetime(2026, 7, 26, 12, tzinfo=timezone.utc)
"""A reader's clock the day after the sample articles' review date (2026-07-25)."""


def _context(browser, **options):
    """A browser context whose pages read the clock as READ_ON: what a page shows must not move with the calendar."""
    context = browser.new_context(**options)
    context.clock.set_fixed_time(READ_ON)
    return context


@pytest.fixture
def page(browser):
    context = _context(browser, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _visible_text(page, selector: str) -> str:
    return " ".join(t for t in page.locator(selector).all_inner_texts() if t.strip())


def test_seed_page_shows_banner_tracker_and_bottom_line(page, site_url):
    page.goto(site_url + SEED)
    assert page.get_by_text("Educational purpose only").is_visible()
    current = page.locator('.gs-step[aria-current="step"]')
    assert current.inner_text() == "Submitted (current step)"
    assert page.locator(".gs-summary").inner_text().startswith("For recurrent cervical cancer with omental metastases")


def test_switching_audience_changes_text_and_disclaimer_and_is_remembered(page, site_url):
    page.goto(site_url + SEED)
    summary = page.locator(".gs-summary")
    disclaimer = page.locator(".gs-disclaimer")
    assert "preferred first-line treatment" in summary.inner_text()
    clinician_disclaimer = disclaimer.inner_text()

    page.get_by_label("Patient or caregiver").check()
    assert "fatty apron of tissue" in summary.inner_text()
    assert "preferred first-line treatment" not in summary.inner_text()
    assert disclaimer.inner_text() != clinician_disclaimer
    assert page.get_by_role("heading", name="What this treatment involves").is_visible()

    page.reload()
    assert page.get_by_label("Patient or caregiver").is_checked()
    assert "fatty apron of tissue" in summary.inner_text()

    page.goto(site_url + SHORT)
    assert page.get_by_label("Patient or caregiver").is_checked()
    assert "your team will usually stop it" in page.locator(".gs-summary").inner_text()


def test_without_javascript_the_default_text_shows_and_no_dead_switch(browser, site_url):
    context = _context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + SEED)
    assert "preferred first-line treatment" in page.locator(".gs-summary").inner_text()
    assert "fatty apron" not in page.locator(".gs-summary").inner_text()
    assert not page.locator(".gs-audience").is_visible()
    # Back-links are in the page itself, one per reference, to its first citation in the text shown.
    back_links = page.locator(".gs-references .gs-backlink")
    assert back_links.count() == page.locator(".gs-references li").count() >= 8
    assert page.locator(back_links.first.get_attribute("href")).is_visible()
    # The table of contents is the default audience's: no patient-only section in it.
    toc = page.locator("nav.md-nav--secondary").first.inner_text()
    assert "First-Line Systemic Therapy Options" in toc and "What this treatment involves" not in toc
    context.close()


def test_single_audience_article_has_no_switch(page, site_url):
    page.goto(site_url + "/gynecologic-oncology/carboplatin-versus-cisplatin-paclitaxel-cervical-cancer/")
    assert page.locator(".gs-audience").count() == 0


def test_focusing_a_citation_shows_its_reference(page, site_url):
    page.goto(site_url + SEED)
    first = page.locator(".gs-summary .gs-cite a").first
    tip = page.locator(".gs-cite__tip")
    assert not tip.is_visible()
    assert first.get_attribute("aria-label") == "Reference 1"
    first.focus()
    assert tip.is_visible()
    assert tip.inner_text().startswith("1. National Comprehensive Cancer Network. NCCN Clinical Practice Guidelines")
    # Screen readers get the same text: the link is described by the reference entry.
    described = page.locator("#" + first.get_attribute("aria-describedby"))
    assert described.inner_text().startswith("National Comprehensive Cancer Network")
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    first.click()
    assert page.url.endswith("#ref-nccn-cervical")


def test_a_reference_cited_many_times_is_one_entry_with_one_back_link(page, site_url):
    page.goto(site_url + SEED)
    entries = page.locator(".gs-references li")
    gog = entries.filter(has=page.locator("#ref-gog240-2014"))
    assert gog.count() == 1
    assert gog.locator(".gs-backlink").count() == 1
    assert gog.get_by_role("link", name="PubMed 24552320").get_attribute("href") == "https://pubmed.ncbi.nlm.nih.gov/24552320/"


def _visible_numbers(page) -> list[int]:
    return page.locator(".gs-cite > a").evaluate_all("links => links.filter(a => !a.closest('[hidden]')).map(a => Number(a.textContent))")


def test_citations_are_numbered_in_the_order_each_audience_reads_them(page, site_url):
    page.goto(site_url + SEED)
    for audience in ("Healthcare professional", "Patient or caregiver", "Healthcare professional"):
        page.get_by_label(audience).check()
        numbers = _visible_numbers(page)
        firsts = list(dict.fromkeys(numbers))
        assert firsts == list(range(1, len(firsts) + 1)), (audience, numbers)
        # The list is in the same order, and each back-link leads to a citation the reader can see.
        listed = page.locator(".gs-references li").evaluate_all("items => items.map(li => li.querySelector('[id^=ref-]').id)")
        for number, key in enumerate(listed[:len(firsts)], start=1):
            link = page.locator(f".gs-cite > a[href='#{key}']").filter(visible=True).first
            assert link.inner_text() == str(number), (audience, key)
        for back in page.locator(".gs-references .gs-backlink").all():
            if back.is_visible():
                assert page.locator(back.get_attribute("href")).is_visible(), back.get_attribute("href")


def test_the_table_of_contents_and_headings_follow_the_audience(page, site_url):
    page.goto(site_url + SEED)
    page.get_by_label("Healthcare professional").check()
    toc = page.locator("nav.md-nav--secondary").first
    assert "What this treatment involves" not in toc.inner_text()
    assert "Treatment Selection Considerations" in toc.inner_text()
    page.get_by_label("Patient or caregiver").check()
    assert "What this treatment involves" in toc.inner_text()
    assert "Choosing between the treatments" in toc.inner_text() and "Treatment Selection Considerations" not in toc.inner_text()
    assert page.get_by_role("heading", name="Choosing between the treatments").is_visible()
    toc.get_by_role("link", name="What this treatment involves").click()
    assert page.url.endswith("#what-this-treatment-involves")
    assert page.get_by_role("heading", name="What this treatment involves").is_visible()


def test_on_a_phone_the_question_and_the_bottom_line_come_first(browser, site_url):
    for js in (True, False):
        context = _context(browser, viewport={"width": 360, "height": 800}, java_script_enabled=js)
        page = context.new_page()
        for path, status in ((SEED, ".gs-banner--pending"), (SHORT, ".gs-approved")):  # pending, and approved with its reviewer
            page.goto(site_url + path)
            summary = page.locator(".gs-summary").bounding_box()
            assert summary["y"] < 600, (js, path, summary)
            assert page.locator(status).is_visible()  # the status is still there
        context.close()


def test_evidence_badge_names_its_system_and_links_to_the_legend(page, site_url):
    page.goto(site_url + SEED)
    badge = page.locator(".gs-badge a", has_text="ESMO level I, grade A")
    badge.click()
    page.wait_for_url("**/evidence-grades/#esmo")
    assert page.locator("#esmo").is_visible()


def test_search_finds_the_seed_article_by_a_drug_name(page, site_url):
    fetched = []
    page.on("response", lambda response: fetched.append(len(response.body())) if "/pagefind/" in response.url and response.ok else None)
    page.goto(site_url + "/")
    box = page.get_by_role("searchbox", name="Search the site")
    box.fill("bevacizumab")
    box.press("Enter")
    page.wait_for_url("**/search/?q=bevacizumab")
    result = page.locator(".pagefind-ui__result-link[href*='recurrent-cervical-cancer-omental-metastases']").first
    result.wait_for(timeout=10_000)
    result.click()
    page.wait_for_url("**" + SEED + "**")
    assert page.locator("h1").inner_text().startswith("What is the treatment for recurrent cervical cancer")
    assert 0 < sum(fetched) < 1_000_000  # what the first query downloaded


def test_regimen_tables_stay_readable_on_a_phone(browser, site_url):
    context = _context(browser, viewport={"width": 360, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    page.goto(site_url + SEED)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    row = page.locator(".gs-regimen tbody tr").first
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert "50 mg/m²" in page.locator(".gs-regimen").first.inner_text()
    context.close()


def test_article_carries_valid_schema_org_json_ld(page, site_url):
    page.goto(site_url + SEED)
    data = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert data["@type"] == "MedicalWebPage"
    assert data["name"].startswith("What is the treatment for recurrent cervical cancer")
    assert {a["audienceType"] for a in data["audience"]} == {"Clinician", "Patient"}
    assert data["dateModified"] == "2025-07-25"
    assert "reviewedBy" not in data  # submitted, not approved
    assert any("https://doi.org/10.1056/NEJMoa1309748" in c.get("sameAs", []) for c in data["citation"])
    page.goto(site_url + SHORT)
    approved = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert approved["reviewedBy"][0]["name"].startswith("Dr. Example Reviewer")
    assert approved["lastReviewed"]


def test_printing_keeps_references_and_status_and_drops_navigation(page, site_url):
    page.goto(site_url + SEED)
    page.emulate_media(media="print")
    assert page.locator(".gs-tracker").is_visible()
    assert page.locator(".gs-references").is_visible()
    assert not page.locator(".md-sidebar--primary").is_visible()
    assert not page.locator(".md-header").is_visible()


def test_404_page_offers_search(page, site_url):
    page.goto(site_url + "/404.html")
    page.get_by_role("searchbox", name="Search for the page you wanted").fill("cisplatin")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=cisplatin")
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10_000)


def test_search_works_on_a_phone(browser, site_url):
    context = _context(browser, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(site_url + "/search/?q=carboplatin")
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_no_page_type_has_serious_accessibility_violations(browser, site_url):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    report = {}
    context = _context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    checks = [(name, path, READ_ON) for name, path in PAGE_TYPES.items()] + [("article, review overdue", SEED, AFTER_REVIEW)]
    checks += [(f"article with {blocks}", path, READ_ON) for blocks, path in NEW_BLOCKS.items()]
    for name, path, clock in checks:
        page.clock.set_fixed_time(clock)
        page.goto(site_url + ("/404.html" if name == "404" else path))
        if clock == AFTER_REVIEW:
            assert page.locator(".gs-meta .gs-overdue").is_visible()  # axe checks the page with its overdue flag shown
        violations = axe.run(page).response["violations"]
        report[name] = {
            "serious_or_critical": [v["id"] for v in violations if v["impact"] in ("serious", "critical")],
            "all": {v["id"]: v["impact"] for v in violations},
        }
    context.close()
    # On a phone too: tables that would scroll sideways (the legend) are cards there.
    context = _context(browser, viewport={"width": 360, "height": 800})
    page = context.new_page()
    for name, path in (("evidence grades, phone", "/evidence-grades/"), ("article, phone", SEED)):
        page.clock.set_fixed_time(READ_ON)
        page.goto(site_url + path)
        violations = axe.run(page).response["violations"]
        report[name] = {"serious_or_critical": [v["id"] for v in violations if v["impact"] in ("serious", "critical")],
                        "all": {v["id"]: v["impact"] for v in violations}}
        checks.append((name, path, READ_ON))
    context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    assert {name: r["serious_or_critical"] for name, r in report.items()} == {name: [] for name, _, _ in checks}


def test_screenshots_of_the_seed_article_in_both_audiences(browser, site_url):
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 360):
        context = _context(browser, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(site_url + SEED)
        for audience, label in (("clinician", "Healthcare professional"), ("patient", "Patient or caregiver")):
            page.get_by_label(label).check()
            path = ARTIFACTS / f"seed-article-{width}-{audience}.png"
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000
        context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_articles_outside_oncology_fit_the_screen_and_are_kept_as_screenshots(browser, site_url, width):
    ARTIFACTS.mkdir(exist_ok=True)
    context = _context(browser, viewport={"width": width, "height": 900})
    page = context.new_page()
    for path in NEW_BLOCKS.values():
        page.goto(site_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        shot = ARTIFACTS / f"{path.strip('/').split('/')[-1]}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    context.close()


def test_a_table_row_becomes_a_card_of_labelled_cells_on_a_phone(browser, site_url):
    context = _context(browser, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(site_url + NEW_BLOCKS["a table and an algorithm"])
    cell = page.locator(".gs-table td").nth(1)
    label = cell.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"Clinic blood pressure (mmHg): "'
    assert not page.locator(".gs-table thead").is_visible() or page.locator(".gs-table thead").bounding_box()["width"] <= 1
    context.close()


def test_the_algorithm_diagram_and_the_badges_follow_the_audience(page, site_url):
    page.goto(site_url + NEW_BLOCKS["a table and an algorithm"])
    diagrams = page.locator(".gs-algorithm__diagram img")
    assert diagrams.nth(0).is_visible() and not diagrams.nth(1).is_visible()
    assert page.evaluate("document.querySelector('.gs-algorithm__diagram img').naturalWidth") > 300  # the SVG loaded
    page.get_by_label("Patient or caregiver").check()
    assert diagrams.nth(1).is_visible() and not diagrams.nth(0).is_visible()
    page.goto(site_url + NEW_BLOCKS["doses of many drugs and a boxed warning"])
    badge = page.locator(".gs-badge a").first
    assert badge.inner_text() == "Strongly recommended, based on fairly good evidence"  # the reader's choice is kept
    page.get_by_label("Healthcare professional").check()
    assert badge.inner_text() == "GRADE strong recommendation, moderate certainty"


def test_a_page_read_after_its_review_date_says_review_overdue(page, site_url):
    # Built as of TODAY (2025-08-01), before the seed's review date (2026-07-25); the page's script
    # compares that date with the reader's clock, which is set here rather than left to the calendar.
    overdue = page.locator(".gs-meta .gs-overdue")  # in the status line; the dates under the bottom line say it too
    page.goto(site_url + SEED)  # read on READ_ON, the day it was built
    assert page.locator(".gs-due").get_attribute("datetime") == "2026-07-25"
    assert not overdue.is_visible()
    page.clock.set_fixed_time(AFTER_REVIEW)
    page.reload()
    assert overdue.is_visible()
    assert overdue.inner_text() == "Review overdue: it was due July 25, 2026."
    page.locator(".gs-about summary").click()
    assert page.locator(".gs-dates .gs-overdue").inner_text() == "(review overdue)"


def test_the_bottom_line_is_set_apart_but_bold_only_where_the_author_wrote_it(page, site_url):
    page.goto(site_url + SHORT)
    summary = page.locator(".gs-summary p:visible").first
    assert summary.evaluate("el => getComputedStyle(el).fontWeight") == "400"
    assert page.locator(".gs-summary strong:visible").first.evaluate("el => Number(getComputedStyle(el).fontWeight)") >= 600
    assert page.locator(".gs-summary").first.evaluate("el => getComputedStyle(el).borderLeftStyle") == "solid"
