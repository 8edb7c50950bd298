"""Publishing editions: to a folder for any static host, and onto gh-pages through mike."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from guidesite.cli import main

from browser import chromium, serve_folder
from conftest import commit_all, copy_sample

PAGE = "medical-oncology/bevacizumab-surgery-timing/"


@pytest.fixture
def sample(tmp_path, fixed_build_date):
    root = copy_sample(tmp_path / "sample")
    return root


def _cli(root, *args):
    result = CliRunner().invoke(main, ["--project", str(root), *args])
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    return result




def _retitle(root):
    # An unreviewed edit of an approved article is held back by default; this publisher publishes edits
    # under the pending banner, so the new edition shows the change.
    site = root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("  author_may_approve: false\n", "  author_may_approve: false\n  pending_edits: publish_with_banner\n"), encoding="utf-8")
    article = root / "content" / "medical-oncology" / "bevacizumab-surgery-timing.yaml"
    article.write_text(article.read_text(encoding="utf-8").replace('heading: "Why the interval matters"', 'heading: "Why the gap matters"'), encoding="utf-8")


def test_two_editions_in_a_folder_and_the_version_selector_in_chromium(sample, tmp_path):
    commit_all(sample)
    out = tmp_path / "published"
    _cli(sample, "publish", "--edition", "2025.07", "--to", str(out))
    _retitle(sample)
    _cli(sample, "publish", "--edition", "2025.08", "--alias", "latest", "--to", str(out))

    versions = json.loads((out / "versions.json").read_text(encoding="utf-8"))
    assert versions == [
        {"version": "2025.08", "title": "2025.08", "aliases": ["latest"]},
        {"version": "2025.07", "title": "2025.07", "aliases": []},
    ]
    assert not (out / "latest").is_symlink() and (out / "latest" / PAGE / "index.html").is_file()
    # The current site is served at the root, where every address a page or a citation gives lives.
    assert (out / PAGE / "index.html").read_bytes() == (out / "2025.08" / PAGE / "index.html").read_bytes()
    assert "Why the interval matters" in (out / "2025.07" / PAGE / "index.html").read_text(encoding="utf-8")
    assert "Why the gap matters" in (out / "2025.08" / PAGE / "index.html").read_text(encoding="utf-8")

    with serve_folder(out) as url, chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{url}/2025.07/{PAGE}")
        outdated = page.locator("[data-md-component=outdated]")
        outdated.wait_for()
        assert "older edition" in outdated.inner_text()
        page.locator(".md-version__current").focus()
        assert page.locator(".md-version__current").inner_text() == "2025.07"
        page.locator(".md-version__link", has_text="2025.08").click()
        page.wait_for_url(f"**/2025.08/{PAGE}")  # the same page, in the other edition
        assert page.get_by_role("heading", name="Why the gap matters").is_visible()
        assert not page.locator("[data-md-component=outdated]").is_visible()
        page.goto(f"{url}/{PAGE}")
        assert page.get_by_role("heading", name="Why the gap matters").is_visible()
        assert not page.locator("[data-md-component=outdated]").is_visible()
        assert page.locator(".md-version__current").inner_text() == "2025.08"


def test_publish_onto_gh_pages_with_mike(sample):
    def git(*args):
        return subprocess.run(["git", "-C", str(sample), *args], capture_output=True, text=True, check=True).stdout

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=Publisher", "-c", "user.email=publisher@example.org", "commit", "-q", "-m", "content")
    env = {"GIT_AUTHOR_NAME": "Publisher", "GIT_AUTHOR_EMAIL": "publisher@example.org",
           "GIT_COMMITTER_NAME": "Publisher", "GIT_COMMITTER_EMAIL": "publisher@example.org"}
    import os

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        _cli(sample, "publish", "--edition", "2025.07", "--branch", "gh-pages")
        _retitle(sample)
        result = _cli(sample, "publish", "--edition", "2025.08", "--branch", "gh-pages")
        # A push that leaves the site as it was (a README-only commit) publishes nothing and succeeds.
        again = _cli(sample, "publish", "--edition", "2025.08", "--branch", "gh-pages", "--no-build")
        assert "Nothing to publish" in again.output
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert "editions: 2025.08, 2025.07" in result.output
    tree = git("ls-tree", "-r", "gh-pages")
    assert f"2025.07/{PAGE}index.html" in tree and f"2025.08/{PAGE}index.html" in tree
    latest = next(line for line in tree.splitlines() if line.endswith(f"latest/{PAGE}index.html"))
    assert latest.startswith("100644 blob")  # a real copy: symlinks do not work on GitHub Pages
    versions = json.loads(git("show", "gh-pages:versions.json"))
    assert [(v["version"], v["aliases"]) for v in versions] == [("2025.08", ["latest"]), ("2025.07", [])]
    assert git("show", f"gh-pages:{PAGE}index.html") == git("show", f"gh-pages:2025.08/{PAGE}index.html")  # the current site, at the root
    assert "Why the gap matters" in git("show", f"gh-pages:latest/{PAGE}index.html")
    # Each edition names the commit it was built from: a past edition is rebuilt from it, with its locks.
    assert f"Built from commit {git('rev-parse', 'main').strip()}" in git("log", "--format=%B", "gh-pages")


@pytest.mark.parametrize("edition", ["../escape", "a/b", ".hidden"])
def test_edition_names_cannot_escape_the_target(sample, sample_site, tmp_path, edition):
    # Publishes the session's shared build (read-only) rather than building the sample again.
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--project", str(sample), "publish", "--no-build", "--site-dir", str(sample_site),
                                       "--edition", edition, "--to", str(out), "--no-history"])
    assert result.exit_code == 1
    assert f"expected an edition or alias name of letters, digits, '.', '_' or '-'; got '{edition}'" in result.stderr
    assert not out.exists() and not (tmp_path / "escape").exists()


def test_publish_needs_exactly_one_target(sample):
    result = CliRunner().invoke(main, ["--project", str(sample), "publish"])
    assert result.exit_code == 2
    assert "give exactly one target" in result.output


def test_editions_work_on_a_real_host(sample, tmp_path):
    commit_all(sample)
    out = tmp_path / "published"
    _cli(sample, "publish", "--edition", "2025.07", "--to", str(out))
    edition = (out / "2025.07" / PAGE / "index.html").read_text(encoding="utf-8")
    # Inside an edition, addresses point at the site's root, where the current site is served: never
    # into an edition or an alias, which move.
    assert '<link rel="canonical" href="https://guidelines.example.org/medical-oncology/bevacizumab-surgery-timing/">' in edition
    for name, address in (("sitemap.xml", "medical-oncology/bevacizumab-surgery-timing/"), ("feed.xml", "articles/bevacizumab-surgery-timing/v1/")):
        text = (out / "2025.07" / name).read_text(encoding="utf-8")
        assert f"https://guidelines.example.org/{address}" in text and "/latest/" not in text and "/2025.07/" not in text
        assert (out / name).read_bytes() == (out / "2025.07" / name).read_bytes()  # the root's own
    assert (out / "404.html").read_bytes() == (out / "2025.07" / "404.html").read_bytes()
    assert "https://guidelines.example.org/articles/bevacizumab-surgery-timing/v1/" in (out / "articles" / "bevacizumab-surgery-timing" / "v1.ris").read_text(encoding="utf-8")
    # Publishing the same edition again changes nothing and says so.
    again = _cli(sample, "publish", "--edition", "2025.07", "--to", str(out), "--no-build")
    assert "Nothing to publish" in again.output
    # A newer edition takes the alias; republishing the older one (a correction) does not take it back.
    _retitle(sample)
    _cli(sample, "publish", "--edition", "2025.10", "--to", str(out))
    _cli(sample, "publish", "--edition", "2025.9", "--to", str(out), "--title", "September 2025")
    versions = json.loads((out / "versions.json").read_text(encoding="utf-8"))
    assert [(v["version"], v["aliases"]) for v in versions] == [("2025.10", ["latest"]), ("2025.9", []), ("2025.07", [])]
    assert versions[1]["title"] == "September 2025"
    # An edition can be removed, its folder and entry both.
    _cli(sample, "unpublish", "2025.9", "--to", str(out))
    assert not (out / "2025.9").exists()
    assert [v["version"] for v in json.loads((out / "versions.json").read_text(encoding="utf-8"))] == ["2025.10", "2025.07"]
