"""Every address a citation, a citation file, a feed or a sitemap ever gave keeps answering.

One story, published step by step into a folder (any static host) and onto gh-pages (GitHub Pages,
served as the branch's files): version 1 approved, version 2 approved, an unreviewed edit, a move to
another specialty (approved as version 3), the newest edition unpublished, the oldest edition
republished.  After every step each target is served over HTTP and every address given so far (the
``UR`` of each RIS file, the ``url`` of each BibTeX file, ``citation_public_url``, the feeds'
entries, the sitemap) is fetched, following the refresh of pages that only lead elsewhere: each
answers, and each permanent copy of a version answers with the same text it had when first given,
but for the region marked ``data-gs-status`` (current or superseded, the versions since).
"""

from __future__ import annotations

import re
import subprocess
import tarfile
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidesite.cli import main

from browser import chromium, serve_folder
from conftest import signer
from test_review import AUTHOR, REVIEWER, _commit, _git, _move_to_medical_oncology, repo  # noqa: F401 - the repository fixture

SITE = "https://guidelines.example.org/"
ARTICLE = "content/gynecologic-oncology/test-question.yaml"
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')
VERSION = re.compile(r"/articles/[^/]+/v\d+/$")


def _cli(project, *args):
    result = CliRunner().invoke(main, ["--project", str(project.root), *args])
    assert result.exit_code == 0, " ".join(args) + "\n" + result.output + (result.stderr if result.stderr_bytes else "")
    return result


def _fetch(base: str, address: str) -> tuple[str, str]:
    """The page at ``address`` (a path of the site) and where it was found, following refreshes."""
    url = base + address
    for _ in range(4):
        try:
            with urllib.request.urlopen(url) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{address} answered {error.code} (at {url})") from None
        lead = REFRESH.search(text)
        if lead is None:
            return text, url
        url = urllib.parse.urljoin(url, lead.group(1))
    raise AssertionError(f"{address} leads on more than three times")


def _frozen(html: str) -> str:
    """A permanent copy's content, without its status region."""
    from selectolax.lexbor import LexborHTMLParser

    article = LexborHTMLParser(html).css_first("article")
    assert article is not None
    for node in article.css("[data-gs-status]"):
        node.decompose()
    return article.html


def _given(root: Path) -> set[str]:
    """Every address the published site gives a reader to keep: citation files, feeds, sitemap, citation tags."""
    found = set()
    for ris in root.glob("articles/*/v*.ris"):
        found.update(re.findall(r"^UR  - (\S+)$", ris.read_text(encoding="utf-8"), flags=re.MULTILINE))
    for bib in root.glob("articles/*/v*.bib"):
        found.update(re.findall(r"url = \{([^}]+)\}", bib.read_text(encoding="utf-8")))
    for feed in [root / "feed.xml", *root.glob("*/feed.xml")]:
        if feed.parent.name not in ("articles",) and feed.is_file() and not (feed.parent / "versions.json").exists():
            found.update(re.findall(r'<link rel="alternate" href="([^"]+)"', feed.read_text(encoding="utf-8")))
    found.update(re.findall(r"<loc>([^<]+)</loc>", (root / "sitemap.xml").read_text(encoding="utf-8")))
    for page in root.glob("*/*/index.html"):
        found.update(re.findall(r'<meta name="citation_public_url" content="([^"]+)">', page.read_text(encoding="utf-8")))
    assert all(address.startswith(SITE) for address in found), found
    return {"/" + address.removeprefix(SITE) for address in found if address != SITE}


def _branch_tree(repo, into: Path) -> Path:
    """The gh-pages branch as GitHub Pages serves it: its files, nothing else."""
    archive = subprocess.run(["git", "-C", str(repo.root), "archive", "gh-pages"], capture_output=True, check=True).stdout
    if into.exists():
        subprocess.run(["rm", "-rf", str(into)], check=True)
    into.mkdir(parents=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


@pytest.mark.parametrize("target", ["folder", "gh-pages"])
def test_every_address_ever_given_answers_with_the_same_version_at_every_step(repo, tmp_path, monkeypatch, target):  # noqa: F811
    for name, value in {"GIT_AUTHOR_NAME": "Publisher", "GIT_AUTHOR_EMAIL": "publisher@example.org",
                        "GIT_COMMITTER_NAME": "Publisher", "GIT_COMMITTER_EMAIL": "publisher@example.org"}.items():
        monkeypatch.setenv(name, value)
    folder = tmp_path / "public"
    where = ["--to", str(folder)] if target == "folder" else ["--branch", "gh-pages"]
    texts: dict[str, str] = {}  # a permanent copy's address → its content when first given
    given: set[str] = set()
    steps: list[str] = []

    def publish(edition: str, *extra: str) -> None:
        _cli(repo, "publish", "--edition", edition, *where, *extra)

    def unpublish(edition: str) -> None:
        _cli(repo, "unpublish", edition, *where)

    def check(step: str) -> None:
        steps.append(step)
        root = folder if target == "folder" else _branch_tree(repo, tmp_path / "served")
        given.update(_given(root))
        with serve_folder(root) as base:
            for address in sorted(given):
                html, found = _fetch(base, address)
                assert "<h1" in html, f"{step}: {address} led to {found}, which is not a page"
                if VERSION.search(address):
                    content = _frozen(html)
                    assert texts.setdefault(address, content) == content, f"{step}: the permanent copy {address} changed"
            # Hosts that read _redirects (Netlify, Cloudflare Pages): every rule leads to a page served here.
            for rule in (root / "_redirects").read_text(encoding="utf-8").splitlines():
                source, destination, code = rule.split()
                assert code in ("301", "302") and "<h1" in _fetch(base, destination)[0], f"{step}: {rule}"

    # 1. Version 1 approved and published.
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve v1")
    publish("2025.02")
    check("version 1")
    assert "/articles/test-question/v1/" in given

    # 2. Version 2 (a dose change) approved and published: version 1 is superseded, its text unchanged.
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2").replace(
        "  updated: 2025-02-01", "  updated: 2025-03-01\n  changes: Drug A dose raised to 60 mg/m2."), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Raise the dose")
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-03-05")
    _commit(repo.root, REVIEWER, "Approve v2")
    approved = path.read_text(encoding="utf-8")
    publish("2025.03")
    check("version 2")
    assert "/articles/test-question/v2/" in given

    # 3. An unreviewed edit is published nowhere: the site keeps version 2.
    path.write_text(approved.replace("dose: 60 mg/m2", "dose: 20 mg/m2").replace("status: approved", "status: under_review"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Lower the dose (not reviewed)")
    publish("2025.04")
    check("an unreviewed edit")
    root = folder if target == "folder" else tmp_path / "served"
    current = (root / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert "60 mg/m²" in current and "20 mg/m²" not in current

    # 4. The edit withdrawn; the article moved to medical oncology and approved as version 3.
    path.write_text(approved, encoding="utf-8")
    _commit(repo.root, AUTHOR, "Withdraw the edit")
    _move_to_medical_oncology(repo)
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-3"), "--date", "2025-04-02")
    _commit(repo.root, ("Dr. Example Reviewer C", "reviewer-c@example.org"), "Approve the move")
    publish("2025.05")
    check("a move")
    assert {"/articles/test-question/v3/", "/medical-oncology/test-question/"} <= given

    # 5. The newest edition unpublished: the site goes back to the article in gynecologic oncology, and
    #    what the move's edition gave (its version 3, its new address) still answers.
    unpublish("2025.05")
    check("the newest edition unpublished")

    # 6. The oldest edition republished (a correction): it takes nothing from the newer ones.
    publish("2025.02", "--replace")
    check("the oldest edition republished")

    assert steps == ["version 1", "version 2", "an unreviewed edit", "a move", "the newest edition unpublished", "the oldest edition republished"]
    assert {"/articles/test-question/v1/", "/articles/test-question/v2/", "/articles/test-question/v3/"} <= set(texts)


def test_a_reader_follows_the_old_addresses_in_chromium_without_console_errors(repo, tmp_path, monkeypatch):  # noqa: F811
    """The refresh works in a browser (GitHub Pages cannot redirect), and no page of a published edition
    logs an error."""
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve v1")
    folder = tmp_path / "public"
    _cli(repo, "publish", "--edition", "2025.02", "--to", str(folder))
    _move_to_medical_oncology(repo)
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-3"), "--date", "2025-03-05")
    _commit(repo.root, ("Dr. Example Reviewer C", "reviewer-c@example.org"), "Approve the move")
    _cli(repo, "publish", "--edition", "2025.03", "--to", str(folder))

    errors: list[str] = []
    with serve_folder(folder) as base, chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"))
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        for address, lands in [("/gynecologic-oncology/test-question/", "/medical-oncology/test-question/"),
                               ("/articles/test-question/", "/medical-oncology/test-question/"),
                               ("/articles/test-question/v1/", "/articles/test-question/v1/"),
                               ("/2025.02/gynecologic-oncology/test-question/", "/2025.02/gynecologic-oncology/test-question/"),
                               ("/", "/"), ("/whats-new/", "/whats-new/"), ("/search/", "/search/")]:
            page.goto(base + address)
            page.wait_for_url(base + lands)
            page.wait_for_load_state("load")
            assert page.locator("h1").first.is_visible(), address
        superseded = page.goto(base + "/articles/test-question/v1/")
        assert superseded is not None and superseded.ok
        assert page.locator(".gs-permalink").inner_text().startswith("Superseded")
    assert errors == []


@pytest.mark.parametrize("target", ["folder", "gh-pages"])
def test_an_article_removed_from_the_site_leaves_every_address_it_gave_answering(repo, tmp_path, monkeypatch, target):  # noqa: F811
    """``git rm`` of an approved article, then of one never approved: their pages, permanent addresses and
    version copies still answer (no page leads in a circle), the approved one with its last version's text."""
    for name, value in {"GIT_AUTHOR_NAME": "Publisher", "GIT_AUTHOR_EMAIL": "publisher@example.org",
                        "GIT_COMMITTER_NAME": "Publisher", "GIT_COMMITTER_EMAIL": "publisher@example.org"}.items():
        monkeypatch.setenv(name, value)
    folder = tmp_path / "public"
    where = ["--to", str(folder)] if target == "folder" else ["--branch", "gh-pages"]
    repo.article()
    draft = repo.root / "content" / "gynecologic-oncology" / "never-approved.yaml"
    draft.write_text((repo.root / ARTICLE).read_text(encoding="utf-8").replace("id: test-question", "id: never-approved"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Add two")
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve one")
    _cli(repo, "publish", "--edition", "2025.02", *where)
    root = folder if target == "folder" else _branch_tree(repo, tmp_path / "served")
    given = _given(root) | {"/gynecologic-oncology/never-approved/", "/articles/never-approved/"}
    with serve_folder(root) as base:
        first = _frozen(_fetch(base, "/articles/test-question/v1/")[0])

    _git(repo.root, "rm", "-q", ARTICLE, "content/gynecologic-oncology/never-approved.yaml")
    _commit(repo.root, AUTHOR, "Remove both")
    _cli(repo, "publish", "--edition", "2025.03", *where)
    root = folder if target == "folder" else _branch_tree(repo, tmp_path / "served")
    with serve_folder(root) as base:
        for address in sorted(given):
            html, found = _fetch(base, address)
            assert "<h1" in html, f"{address} led to {found}"
        html, found = _fetch(base, "/gynecologic-oncology/test-question/")
        assert found.endswith("/articles/test-question/v1/") and _frozen(html) == first
        html, found = _fetch(base, "/articles/never-approved/")
        assert "This article is withdrawn" in html
