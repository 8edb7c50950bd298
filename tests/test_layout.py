"""The site frame and the legibility of doses (issue 14, items 2, 3 and the frame of 4), in headless Chromium.

Doses are the most legible thing on the page (body-size text, full column width, a dose never split
across lines, no sideways scrolling on a phone); every focusable element shows where the keyboard is;
every page carries the site's links and the publisher's footer from site_config/site.yaml, with no
docs sidebar and no "Previous / Next".
"""

from __future__ import annotations

import html
import re

import pytest

from conftest import TODAY

SEED = "/gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/"
DOSE_PAGES = {
    "regimens": SEED,
    "weight-based dosing": "/pediatrics/amoxicillin-acute-otitis-media/",
    "doses of many drugs": "/infectious-diseases/community-acquired-pneumonia-outpatient/",
    "a table block": "/cardiology/hypertension-drug-treatment/",
}
PAGE_TYPES = {
    "home": "/",
    "specialty": "/gynecologic-oncology/",
    "article": SEED,
    "board": "/advisory-board/",
    "policy": "/editorial-policy/",
    "evidence grades": "/evidence-grades/",
    "topics": "/tags/",
    "search": "/search/",
    "404": "/404.html",
}
MAX_TABS = 150
"""Tab presses per page: enough for every frame control and the start of a long article."""

DOSE_CELLS = ".gs-regimen:not(.gs-dosing) td:nth-child(2), .gs-dosing td:nth-child(3), .gs-table td"
STRUCTURED_DOSES = ".gs-regimen:not(.gs-dosing) td:nth-child(2)"
"""Dose cells the model writes (amount and unit), as opposed to the free text of a dosing table."""

SPLIT_DOSES = r"""sel => {
  const dose = /\d+(?:\.\d+)?(?:\s?[–-]\s?\d+(?:\.\d+)?)?\s?(?:mg|g|mcg|units|mL)(?:\/[A-Za-z²]+)*|AUC \d+/g;
  const split = [];
  for (const cell of document.querySelectorAll(sel)) {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node; (node = walk.nextNode());) {
      for (const m of node.data.matchAll(dose)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}"""

FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  const box = el.getBoundingClientRect();
  return {what: el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "")
                + (el.getAttribute("href") ? "[" + el.getAttribute("href") + "]" : "") + (el.name ? "[" + el.name + "]" : ""),
          shown: outline || shadow, visible: box.width > 0 && box.height > 0 && style.visibility !== "hidden"};
}"""


def _page(browser, width: int, *, javascript: bool = True):
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.mark.parametrize("width", [1280, 360])
def test_doses_are_body_size_or_larger_full_width_and_the_page_never_scrolls_sideways(browser, site_url, width):
    context, page = _page(browser, width)
    for name, path in DOSE_PAGES.items():
        page.goto(site_url + path)
        body = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.gs-summary p, .md-content__inner > p')).fontSize)")
        sizes = page.locator(DOSE_CELLS).evaluate_all("cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))")
        assert sizes, name
        assert min(sizes) >= body >= 15, (name, body, sizes)
        headings = page.locator(".gs-regimen th, .gs-table th").evaluate_all("cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))")
        assert all(size >= body for size in headings), (name, headings)
        column = page.locator(".md-content__inner").evaluate("e => e.clientWidth - parseFloat(getComputedStyle(e).paddingLeft) - parseFloat(getComputedStyle(e).paddingRight)")
        for table in page.locator(".gs-regimen table, .gs-table table").all():
            assert table.bounding_box()["width"] >= column - 2, (name, table.bounding_box(), column)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        assert page.evaluate(SPLIT_DOSES, STRUCTURED_DOSES) == [], name
    context.close()


def test_no_dose_in_free_text_is_split_across_lines_on_a_phone(browser, site_url):
    context, page = _page(browser, 360)
    for path in DOSE_PAGES.values():
        page.goto(site_url + path)
        assert page.evaluate(SPLIT_DOSES, DOSE_CELLS) == [], path
    context.close()


def test_the_phone_cards_stay_with_labelled_body_size_lines(browser, site_url):
    context, page = _page(browser, 360)
    page.goto(site_url + DOSE_PAGES["weight-based dosing"])
    dose = page.locator(".gs-dosing td:nth-child(3)").first
    assert dose.evaluate("e => getComputedStyle(e).display") == "block"
    assert dose.evaluate("e => getComputedStyle(e, '::before').content") == '"Dose"'
    assert dose.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_every_focusable_element_shows_its_focus_on_every_page_type(browser, site_url, javascript):
    context, page = _page(browser, 1280, javascript=javascript)
    unseen: dict[str, list[str]] = {}
    for name, path in PAGE_TYPES.items():
        page.goto(site_url + path)
        if javascript and name == "search":
            page.locator("#gs-search input").wait_for()
        seen, first = 0, None
        for _ in range(MAX_TABS):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_SHOWN)
            if focused is None:
                continue
            if focused["what"] == first:
                break  # round the page and back to the start
            first = first or focused["what"]
            seen += 1
            if focused["visible"] and not focused["shown"]:
                unseen.setdefault(name, []).append(focused["what"])
        assert seen >= 8, (name, seen)  # the frame alone has more than this
    context.close()
    assert unseen == {}


def test_the_audience_radios_and_the_header_search_show_focus(browser, site_url):
    context, page = _page(browser, 1280)
    page.goto(site_url + SEED)
    for selector in ('input[name="gs-audience"]', ".gs-header-search input"):
        page.locator(selector).first.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        style = page.evaluate("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
        assert style[0] != "none" and style[1] >= 2, (selector, style)
    context.close()


def _publisher(sample_build):
    from guidesite.load import load
    from guidesite.validate import validate

    return validate(load(sample_build.root)).site.settings.publisher


@pytest.mark.parametrize("width", [1280, 360])
def test_every_page_type_has_the_site_links_and_the_publishers_footer(browser, site_url, sample_build, width):
    publisher = _publisher(sample_build)
    assert publisher.contact and publisher.privacy and publisher.terms and publisher.funding and publisher.independence
    context, page = _page(browser, width)
    for name, path in PAGE_TYPES.items():
        page.goto(site_url + path)
        nav = page.get_by_role("navigation", name="Site")
        for label in ("Specialties", "Topics", "Search", "Advisory board", "Editorial policy"):
            assert nav.get_by_role("link", name=label).is_visible(), (name, label)
        footer = page.locator("footer.gs-footer")
        text = footer.inner_text()
        for value in (publisher.name, publisher.funding, publisher.independence):
            assert value in text, (name, value)
        assert footer.get_by_role("link", name=publisher.contact).get_attribute("href") == f"mailto:{publisher.contact}"
        assert footer.get_by_role("link", name="Privacy").get_attribute("href") == publisher.privacy
        assert footer.get_by_role("link", name="Terms of use").get_attribute("href") == publisher.terms
        assert page.locator(".md-footer__link, .md-sidebar--primary").count() == 0, name  # no Previous / Next, no docs sidebar
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    context.close()


def test_the_site_links_lead_where_they_say(browser, site_url):
    context, page = _page(browser, 1280)
    page.goto(site_url + SEED)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Specialties").click()
    assert page.url == site_url + "/#specialties"
    assert page.get_by_role("link", name="Gynecologic oncology").first.is_visible()
    for label, path in (("Topics", "/tags/"), ("Advisory board", "/advisory-board/"), ("Editorial policy", "/editorial-policy/"), ("Search", "/search/")):
        link = page.get_by_role("navigation", name="Site").get_by_role("link", name=label)
        link.click()
        assert page.url == site_url + path
        assert page.get_by_role("navigation", name="Site").get_by_role("link", name=label).get_attribute("aria-current") == "page"
    page.goto(site_url + "/404.html")  # served for any missing address, at any depth: its links start at the root
    assert page.get_by_role("navigation", name="Site").get_by_role("link", name="Topics").get_attribute("href") == "/tags/"
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_on_a_phone_the_header_fits_and_shows_the_whole_site_name(browser, site_url, javascript):
    context, page = _page(browser, 360, javascript=javascript)
    page.goto(site_url + SEED)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    name = page.locator(".md-header__topic .md-ellipsis").first
    assert name.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight + 1")
    assert name.bounding_box()["x"] + name.bounding_box()["width"] <= 360
    header = page.locator(".md-header").bounding_box()["height"] + page.locator(".gs-nav").bounding_box()["height"]
    assert header <= 120
    context.close()


def test_the_footer_shows_what_site_yaml_says_as_text(project):
    from guidesite.build import build
    from guidesite.errors import ContentError
    from guidesite.load import load
    from guidesite.render import render
    from guidesite.validate import validate

    project.article()
    settings = project.root / "site_config" / "site.yaml"
    text = re.sub(r"  funding: >-\n(    .*\n)+", '  funding: "Grants from A & B <i>only</i>"\n', settings.read_text(encoding="utf-8"))
    text = text.replace('  contact: "editors@example.org"', '  contact: "1 Example Street, Exampletown"')
    text = text.replace('  privacy: "https://example.org/privacy"', '  privacy: "/editorial-policy/#privacy"')
    settings.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as refused:  # plain text: markup is refused, with its place
        validate(load(project.root))
    assert [(p.field, p.message) for p in refused.value.problems] == [("publisher.funding", "expected plain text without HTML; got '<i>'")]
    settings.write_text(text.replace(" <i>only</i>", ", not C"), encoding="utf-8")
    site = build(render(validate(load(project.root)), project.root / "theme" / "templates", today=TODAY), project.root, site_dir=project.root / "site")
    for path in ("gynecologic-oncology/test-question/index.html", "404.html"):
        page = (site / path).read_text(encoding="utf-8")
        footer = page[page.index('<footer class="md-footer gs-footer">'):page.index("</footer>")]
        assert html.escape("Grants from A & B, not C") in footer
        assert "Contact: 1 Example Street, Exampletown</p>" in footer
    assert '<a href="../../editorial-policy/#privacy">Privacy</a>' in (site / "gynecologic-oncology/test-question/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("field", "value"), [
    ("contact", "editors@example"), ("contact", "<b>@example.org"), ("privacy", "javascript:alert(1)"),
    ("privacy", "//evil.example/"), ("terms", "https://example.org@evil.example/"), ("terms", "privacy.html"),
])
def test_publisher_fields_are_refused_when_they_could_mislead(field, value):
    from pydantic import ValidationError

    from guidesite.model.site import Publisher

    with pytest.raises(ValidationError):
        Publisher(name="Example Guideline Publisher", **{field: value})
    assert Publisher(name="Example", contact="1 Example Street", privacy="/privacy/", terms="https://example.org/terms").contact_email is None
