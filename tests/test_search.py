"""Search, in headless Chromium: in the built site and in the live preview.

Search reads the current articles only (index pages would crowd them out of the results), finds
them by drug, condition and the patient's wording, and shows no citation numbers in its snippets.
A plain build never asks for ``versions.json`` (only a published edition has a version selector).
``guidesite serve`` indexes its preview after each rebuild, so the search page works there too.
The 404 page's search field has a label for screen readers that is really out of sight.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import TODAY_EPOCH, VALID_ARTICLE

SEED = "/gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/"
ARTICLE = re.compile(r"^/[^/]+/[^/]+/$")
"""A current article's address (``/<specialty>/<id>/``): nothing else may come out of search."""

QUERY = """async (query) => {
  const pagefind = await import(new URL("pagefind/pagefind.js", document.baseURI.replace(/search\\/.*$/, "")).href);
  const found = await pagefind.search(query);
  return Promise.all(found.results.map(async (result) => {
    const data = await result.data();
    return {url: data.url, excerpt: data.excerpt.replace(/<\\/?mark>/g, ""), content: data.content};
  }));
}"""
"""Ask the site's Pagefind index from its search page, as the search interface does."""


@pytest.fixture(scope="module")
def search(browser, site_url):
    """``search(query)``: the results of the built sample site's index, as url, excerpt and content."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(site_url + "/search/")
    yield lambda query: page.evaluate(QUERY, query)
    context.close()


def test_only_articles_come_out_of_search(search):
    counts = {}
    for query in ("cisplatin", "bevacizumab", "pneumonia", "amoxicillin", "high blood pressure", "cervical cancer",
                  "board", "editorial policy", "evidence grades", "topics", "gynecologic oncology", "search"):
        urls = [result["url"] for result in search(query)]
        counts[query] = len(urls)
        assert all(ARTICLE.match(url) for url in urls), (query, urls)
    # Each drug or condition once per article that discusses it, not again for each page listing it.
    assert counts["cisplatin"] == 2 and counts["pneumonia"] == 1, counts


@pytest.mark.parametrize(("query", "expected"), [
    ("bevacizumab", [SEED, "/medical-oncology/bevacizumab-surgery-timing/"]),  # a drug
    ("paclitaxel cisplatin", [SEED]),  # a regimen
    ("otitis media", ["/pediatrics/amoxicillin-acute-otitis-media/"]),  # a condition
    ("community-acquired pneumonia", ["/infectious-diseases/community-acquired-pneumonia-outpatient/"]),
    ("hypertension", ["/cardiology/hypertension-drug-treatment/"]),
    ("fatty apron", [SEED]),  # the patient's wording, hidden until a reader picks that audience
])
def test_articles_are_found_by_drug_condition_and_patient_wording(search, query, expected):
    urls = [result["url"] for result in search(query)]
    assert set(expected) <= set(urls), urls


def test_snippets_carry_no_citation_numbers(search):
    seed = next(result for result in search("GOG 240") if result["url"] == SEED)
    # The text reads "… (HR 0.77) [2], after …": the citation is a link to the reference, not text.
    assert "(HR 0.77)" in seed["content"]
    assert not re.search(r"\(HR 0\.77\)\W*\d", seed["content"]), seed["content"][:400]
    assert not re.search(r"\(HR 0\.77\)\W*\d", seed["excerpt"]), seed["excerpt"]
    for result in search("bevacizumab") + search("cisplatin"):
        assert not re.search(r"\[\d+(?:,\s*\d+)*\]", result["content"]), result["url"]
        assert "↩" not in result["content"], result["url"]  # nor back-links


def test_a_plain_build_asks_for_no_versions_json_and_logs_no_error(browser, site_url):
    context = browser.new_context()
    page = context.new_page()
    asked, errors = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("console", lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    for path in ("/", "/gynecologic-oncology/", SEED, "/advisory-board/", "/tags/", "/search/?q=cisplatin", "/404.html"):
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
    context.close()
    assert not [url for url in asked if "versions.json" in url]
    assert errors == []


def test_the_404_label_is_read_but_not_seen(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site_url + "/404.html")
    label = page.locator("label[for='gs-404-query']")
    assert label.get_attribute("class") == "gs-visually-hidden"
    # In the accessibility tree: the search field is named by it ...
    assert page.get_by_role("searchbox", name="Search for the page you wanted").count() == 1
    assert 'searchbox "Search for the page you wanted"' in page.locator("main").aria_snapshot()
    # ... and out of sight: a clipped box of at most one pixel, taking no room in the form.
    box = label.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    style = label.evaluate("e => { const s = getComputedStyle(e); return [s.position, s.overflow, s.clipPath]; }")
    assert style == ["absolute", "hidden", "inset(50%)"]
    field = page.get_by_role("searchbox", name="Search for the page you wanted").bounding_box()
    form = page.locator(".gs-search-form").bounding_box()
    assert field["x"] - form["x"] < 2  # the field starts the form: no label text before it
    context.close()


# --- the live preview ----------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _page_text(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


def _wait(what, check, server: subprocess.Popen, log: Path, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    state = f"the server exited with {server.returncode}" if server.poll() is not None else f"not within {seconds}s"
    raise AssertionError(f"{what} ({state}); server output:\n{log.read_text(encoding='utf-8', errors='replace')[-3000:]}")


def test_search_works_in_the_live_preview_and_follows_edits(project, tmp_path, browser):
    project.article()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "guidesite", "--project", str(project.root), "serve", "--dev-addr", f"127.0.0.1:{port}"],
            stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "SOURCE_DATE_EPOCH": TODAY_EPOCH},
        )

    def results(query: str) -> list[str]:
        context = browser.new_context()  # a fresh cache: the index of the build being served
        try:
            page = context.new_page()
            page.goto(f"{base}/search/?q={query}")
            # Done when the interface says how many results it found ("1 result for …", "No results for …").
            page.wait_for_function("() => /result/i.test((document.querySelector('.pagefind-ui__message') || {}).textContent || '')",
                                   timeout=20_000)
            assert not page.locator(".gs-search__nojs").is_visible()  # "Search needs JavaScript" is gone
            count = page.locator(".pagefind-ui__message").inner_text()
            links = page.locator(".pagefind-ui__result-link")
            if not count.lower().startswith("no result"):
                links.first.wait_for(timeout=20_000)
            return [link.get_attribute("href") for link in links.all()]
        finally:
            context.close()

    try:
        _wait("the preview's first build", lambda: "Does drug A improve survival" in _page_text(base + "/gynecologic-oncology/test-question/"),
              server, log)
        _wait("the preview's search index", lambda: _page_text(base + "/pagefind/pagefind.js"), server, log, seconds=30)
        assert [href for href in results("survival") if "test-question" in href]
        assert results("lengthen") == []

        text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
        project.article(text=text.replace("Does drug A improve survival", "Does drug A lengthen survival"))
        _wait("the edited article in the preview", lambda: "Does drug A lengthen survival" in _page_text(base + "/gynecologic-oncology/test-question/"),
              server, log)
        # The index is rebuilt with the pages: the edit is found, without restarting anything.
        _wait("the edit in the preview's search", lambda: [href for href in results("lengthen") if "test-question" in href], server, log,
              seconds=30)
        timings = re.findall(r"search index built in ([0-9.]+) s", log.read_text(encoding="utf-8", errors="replace"))
        assert len(timings) >= 2, log.read_text(encoding="utf-8", errors="replace")[-2000:]
        print(f"preview search index built in {', '.join(timings)} s")
    finally:
        server.terminate()
        server.wait(timeout=60)


UI_RESULTS = """async (query) => {
  const input = document.querySelector("#gs-search input");
  input.value = query;
  input.dispatchEvent(new Event("input", {bubbles: true}));
  const deadline = Date.now() + 15000;
  let last = "";
  while (Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
    const message = document.querySelector(".pagefind-ui__message");
    const links = Array.from(document.querySelectorAll(".pagefind-ui__result-link")).map((a) => new URL(a.href).pathname);
    const now = (message ? message.textContent : "") + "|" + links.join(",");
    if (message && /result/.test(message.textContent) && now === last) { return links; }
    last = now;
  }
  return null;
}"""
"""Type ``query`` in the search page's field and read the result links once they stop changing."""


def test_a_site_indexed_in_several_bundles_is_searched_as_one(tmp_path, browser, monkeypatch):
    """A large site's index is built in buckets (bounded memory, generator/search.py); the search page
    merges them, so a reader finds articles of every bucket with one query, ranked together."""
    from browser import serve_folder
    from conftest import TODAY, copy_sample
    from guidesite import search as search_stage
    from guidesite.build import build
    from guidesite.load import load
    from guidesite.render import render
    from guidesite.validate import validate

    monkeypatch.setattr(search_stage, "BUCKET", 3)  # the 9 sample articles make 3 bundles
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    root = copy_sample(tmp_path)
    site = build(render(validate(load(root)), root / "theme" / "templates", today=TODAY), root, site_dir=root / "site")
    bundles = sorted(p.name for p in site.iterdir() if p.name.startswith("pagefind"))
    assert bundles == ["pagefind", "pagefind-1", "pagefind-2"]
    # A merged bundle carries only its index: the interface and WebAssembly come from the first.
    assert not list((site / "pagefind-1").glob("*.js")) and not list((site / "pagefind-1").glob("wasm.*"))
    assert 'data-bundles="3"' in (site / "search" / "index.html").read_text(encoding="utf-8")

    fetched: list[str] = []
    with serve_folder(site) as url:
        page = browser.new_page()
        page.on("request", lambda request: fetched.append(request.url))
        page.goto(url + "/search/")
        page.wait_for_selector("#gs-search input")
        found = {query: page.evaluate(UI_RESULTS, query) for query in ("bevacizumab", "otitis media", "fatty apron", "hypertension")}
        page.close()
    # The seed and the bevacizumab article, in different buckets, come out of one query.
    assert set(found["bevacizumab"]) >= {SEED, "/medical-oncology/bevacizumab-surgery-timing/"}, found
    assert "/pediatrics/amoxicillin-acute-otitis-media/" in found["otitis media"], found
    assert SEED in found["fatty apron"], found
    assert "/cardiology/hypertension-drug-treatment/" in found["hypertension"], found
    assert all(ARTICLE.match(link) for links in found.values() for link in links), found
    # Every bundle was asked, and the WebAssembly was fetched once, from the first.
    assert {b for b in ("pagefind-1", "pagefind-2") if any(f"/{b}/pagefind-entry.json" in f for f in fetched)} == {"pagefind-1", "pagefind-2"}
    assert [f for f in fetched if "wasm." in f and "/pagefind/" not in f] == []


def test_a_search_index_that_fails_in_its_thread_fails_the_build(tmp_path, monkeypatch):
    """Buckets are indexed in a thread beside the page check: an error there must reach the build."""
    from guidesite import search as search_stage
    from guidesite.errors import BuildError

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "index.html").write_text("<html><body data-pagefind-body><p>text</p></body></html>", encoding="utf-8")

    def broken(self, index):
        raise ValueError("disk on fire")

    monkeypatch.setattr(search_stage.Indexing, "_index", broken)
    with pytest.raises(BuildError) as failure:
        search_stage.Indexing(tmp_path, [["a/b/index.html"]]).start().finish()
    assert "ValueError: disk on fire" in failure.value.messages[0]
