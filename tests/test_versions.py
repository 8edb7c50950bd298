"""Citable versions: every approved version of an article keeps a permalink, from git history."""

from __future__ import annotations

import gzip
import json

from click.testing import CliRunner

from guidesite.cli import main

from conftest import signer
from test_review import AUTHOR, REVIEWER, _commit, repo  # noqa: F401 - the repository fixture

ARTICLE = "content/gynecologic-oncology/test-question.yaml"


def _cli(project, *args):
    result = CliRunner().invoke(main, ["--project", str(project.root), *args])
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    return result


def _html(project, path: str) -> str:
    return (project.root / "site" / path / "index.html").read_text(encoding="utf-8")


def _two_versions(repo, second_reviewer: str = "example-reviewer-1") -> None:
    """Version 1 approved on February 10, 2025; version 2 (drug A raised to 60 mg/m2) on March 5."""
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve v1")
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2").replace(
        "  updated: 2025-02-01", "  updated: 2025-03-01\n  changes: Drug A dose raised to 60 mg/m2."), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Raise the dose")
    _cli(repo, "approve", "test-question", *signer(repo.keys, second_reviewer), "--date", "2025-03-05")
    _commit(repo.root, REVIEWER, "Approve v2")


def test_two_approved_versions_have_two_permalinks_and_the_change_is_marked(repo):  # noqa: F811
    _two_versions(repo)
    assert "version: 2" in (repo.root / ARTICLE).read_text(encoding="utf-8")

    _cli(repo, "build")
    v1 = _html(repo, "articles/test-question/v1")
    v2 = _html(repo, "articles/test-question/v2")
    current = _html(repo, "gynecologic-oncology/test-question")
    assert "<td>50 mg/m²</td>" in v1 and "<td>60 mg/m²</td>" not in v1
    assert "<td>60 mg/m²</td>" in v2
    # v1 is superseded: it says so where the status would be, points search engines at the current
    # page, and stays out of the sitemap; v2, the current version's copy, also defers to the current page.
    assert "<strong>Superseded</strong> on March 5, 2025 by version 2" in v1
    assert "This is version 1, approved on February 10, 2025" in v1
    assert 'class="gs-approved' not in v1 and "gs-step--current" not in v1 and "gs-overdue" not in v1
    assert '<meta name="robots" content="noindex">' in v1 and '<meta name="robots" content="noindex">' not in current
    assert '<link rel="canonical" href="https://guidelines.example.org/gynecologic-oncology/test-question/">' in v1
    assert '<link rel="canonical" href="https://guidelines.example.org/gynecologic-oncology/test-question/">' in v2
    assert "Version 2</strong>, approved on March 5, 2025" in v2 and "Superseded" not in v2
    sitemap = (repo.root / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "test-question/</loc>" in sitemap and "/v1/" not in sitemap and "/v2/" not in sitemap
    # v2 marks the changed section and regimen, and nothing else.
    assert current.count("Updated in v2") == 2
    section = current[current.index('id="regimen"'):current.index("</table>")]
    assert "Updated in v2" in section
    assert "Updated in v2" not in current[current.index('id="bottom-line"'):current.index('id="regimen"')]
    # The page lists both versions with their change summary and links to each permalink.
    assert 'href="../../articles/test-question/v1/"' in current and 'href="../../articles/test-question/v2/"' in current
    assert "Drug A dose raised to 60 mg/m2." in current
    # Search finds the current article, never a superseded copy.
    index = repo.root / "site" / "pagefind"
    fragments = [gzip.decompress(f.read_bytes()).decode("utf-8") for f in (index / "fragment").iterdir()]
    urls = [json.loads(text[text.index("{"):])["url"] for text in fragments]  # after Pagefind's signature
    assert "/gynecologic-oncology/test-question/" in urls
    assert not [url for url in urls if "/v1/" in url or "/v2/" in url]


def test_unapproved_edits_do_not_make_a_version(repo):  # noqa: F811
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    _cli(repo, "build")
    assert not (repo.root / "site" / "articles" / "test-question" / "v1").exists()
    assert "Approved versions" not in _html(repo, "gynecologic-oncology/test-question")


def _built_v1(repo) -> None:  # noqa: F811
    """Version 1 approved on February 10, 2025, and the site built."""
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve v1")
    _cli(repo, "build")


def test_each_approved_version_can_be_cited_and_downloaded(repo):  # noqa: F811
    _built_v1(repo)
    current = _html(repo, "gynecologic-oncology/test-question")
    permalink = "https://guidelines.example.org/articles/test-question/v1/"
    assert "Cite this version:</strong> Example Author (test). Does drug A improve survival in condition B? Version 1." in current
    assert f'<meta name="citation_public_url" content="{permalink}">' in current
    assert '<meta name="citation_publication_date" content="2025/02/10">' in current
    folder = repo.root / "site" / "articles" / "test-question"
    ris = (folder / "v1.ris").read_text(encoding="utf-8")
    assert "TY  - ELEC" in ris and "ET  - Version 1" in ris and f"UR  - {permalink}" in ris
    bib = (folder / "v1.bib").read_text(encoding="utf-8")
    assert bib.startswith("@online{test-question-v1,") and "version = {1}" in bib
    assert 'href="../../articles/test-question/v1.ris"' in current and 'href="../../articles/test-question/v1.bib"' in current


def test_the_scholar_title_is_the_pages_title_and_the_author_is_seen_without_opening_anything(repo):  # noqa: F811
    from selectolax.lexbor import LexborHTMLParser

    _built_v1(repo)
    for path in ("gynecologic-oncology/test-question", "articles/test-question/v1"):
        tree = LexborHTMLParser(_html(repo, path))
        heading = tree.css_first("h1")
        for anchor in heading.css("a.headerlink"):
            anchor.decompose()
        # Google Scholar's inclusion guidelines: citation_title is the title as the <h1> shows it (no "(version 1)").
        assert tree.css_first('meta[name="citation_title"]').attributes["content"] == heading.text(strip=True), path
        assert heading.text(strip=True) == "Does drug A improve survival in condition B?"
        assert tree.css_first('meta[name="citation_author"]').attributes["content"] == "Example Author (test)"
        # The author is named on the page itself, outside "Authors, reviewers, dates and how to cite".
        content = tree.css_first("article")
        for hidden in content.css("details, script"):
            hidden.decompose()
        assert "Example Author (test)" in content.text(separator=" "), path
        assert tree.css_first(".gs-byline").text(strip=True) == "By Example Author (test)"
    # The version is in the citation files' own fields, not in their title.
    folder = repo.root / "site" / "articles" / "test-question"
    ris = (folder / "v1.ris").read_text(encoding="utf-8")
    assert "TI  - Does drug A improve survival in condition B?\n" in ris and "ET  - Version 1" in ris
    bib = (folder / "v1.bib").read_text(encoding="utf-8")
    assert "title = {Does drug A improve survival in condition B?}," in bib and "version = {1}" in bib


def test_content_never_approved_offers_no_citation(repo):  # noqa: F811
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    _cli(repo, "build")
    current = _html(repo, "gynecologic-oncology/test-question")
    assert "Cite this version" not in current and "citation_title" not in current


def test_update_marks_accumulate_and_update_information_lists_every_version(repo):  # noqa: F811
    from conftest import VALID_ARTICLE

    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "references:\n", "  - heading: Follow-up\n    blocks:\n      - prose: \"See the patient again after each cycle [@trial-a].\"\nreferences:\n")
    repo.article(text=text)
    _commit(repo.root, AUTHOR, "Add")
    path = repo.root / ARTICLE

    def approve_as(reviewer, day, identity, message):
        _cli(repo, "approve", "test-question", *signer(repo.keys, reviewer), "--date", day)
        _commit(repo.root, identity, message)

    approve_as("example-reviewer-1", "2025-02-10", REVIEWER, "Approve v1")
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2").replace(
        "  updated: 2025-02-01", "  updated: 2025-03-01\n  changes: Drug A dose raised to 60 mg/m2."), encoding="utf-8")
    _commit(repo.root, AUTHOR, "v2")
    approve_as("example-reviewer-3", "2025-03-05", ("Dr. Example Reviewer C", "reviewer-c@example.org"), "Approve v2")
    edited = path.read_text(encoding="utf-8")
    start = edited.index("  - heading: Follow-up")
    edited = edited[:start] + edited[edited.index("references:"):]
    edited = edited.replace("changes: Drug A dose raised to 60 mg/m2.", "changes: The follow-up advice was given in error and is removed.\n  change_kind: correction")
    path.write_text(edited.replace("  updated: 2025-03-01", "  updated: 2025-04-01"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "v3")
    approve_as("example-reviewer-1", "2025-04-05", REVIEWER, "Approve v3")

    _cli(repo, "build")
    current = _html(repo, "gynecologic-oncology/test-question")
    # v3 did not touch the regimen: its mark still says when it last changed (v2), not nothing.
    assert current.count("Updated in v2, 2025") == 2
    info = current[current.index('id="update-information"'):]
    assert info.index("Version 3</strong> (correction), approved April 5, 2025: The follow-up advice was given in error and is removed.") \
        < info.index("Version 2</strong> (update), approved March 5, 2025: Drug A dose raised to 60 mg/m2.")
    assert 'Removed: the section "Follow-up".' in info
    assert 'Changed: the regimen "Drug A with drug B", the section "Regimen".' in info
    # The permanent copy of v2 knows nothing of v3.
    assert "Version 3" not in _html(repo, "articles/test-question/v2").split('id="update-information"')[-1]


def test_a_reader_sees_the_superseded_notice_update_marks_and_citation_in_chromium(repo):  # noqa: F811
    from browser import chromium, serve_folder

    _two_versions(repo, second_reviewer="example-reviewer-3")
    _cli(repo, "build")
    with serve_folder(repo.root / "site") as url, chromium() as browser:
        page = browser.new_page()
        page.goto(url + "/articles/test-question/v1/")
        banner = page.locator(".gs-banner--superseded")
        assert banner.is_visible() and "Superseded by version 2 on March 5, 2025" in banner.inner_text()
        assert page.locator(".gs-approved").count() == 0
        banner.get_by_role("link", name="Read the current version").click()
        page.wait_for_url("**/gynecologic-oncology/test-question/")
        assert page.locator(".gs-updated", has_text="Updated in v2, 2025").first.is_visible()
        cite = page.locator(".gs-cite-this")
        assert not cite.is_visible()  # behind "Authors, reviewers, dates and how to cite", under the bottom line
        page.locator(".gs-about summary").click()
        assert cite.is_visible() and "Version 2" in cite.inner_text()
        assert page.locator(".gs-cite-this a", has_text="RIS").get_attribute("href") == "../../articles/test-question/v2.ris"
        page.close()
