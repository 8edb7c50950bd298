"""One edit, seconds: a rebuild keeps the pages an edit did not touch, and the reader cannot tell it
from a full build (same bytes, same refusals)."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidesite import search
from guidesite.build import BuildReport, build
from guidesite.errors import BuildError
from guidesite.load import load
from guidesite.render import Page, render
from guidesite.validate import validate

from conftest import TODAY, TODAY_EPOCH, copy_sample

TARGET = "medical-oncology/bevacizumab-surgery-timing.md"
LINKING = "pediatrics/amoxicillin-acute-otitis-media.md"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    monkeypatch.setattr(search, "BUCKET", 2)  # three search bundles: an edit re-indexes one
    return copy_sample(tmp_path / "project")


def _pages(root: Path) -> list[Page]:
    return render(validate(load(root)), root / "theme" / "templates", today=TODAY)


def _edited(pages: list[Page], path: str, old: str, new: str) -> list[Page]:
    out = []
    for page in pages:
        if page.path == path:
            assert old in page.text, (path, old)
            page = Page(page.path, page.text.replace(old, new, 1), searchable=page.searchable)
        out.append(page)
    return out


def _full(root: Path, pages: list[Page], where: Path) -> dict[str, bytes]:
    """The same pages built from nothing (its own staging folder: nothing to keep)."""
    return _tree(build(list(pages), root, site_dir=where / "site", staging_dir=where / "docs"))


def test_after_one_edit_only_that_page_is_built_and_the_site_is_the_full_build(project, tmp_path):
    site = project / "site"
    build(_pages(project), project, site_dir=site)
    before = _tree(site)
    article = project / "content" / "medical-oncology" / "bevacizumab-surgery-timing.yaml"
    article.write_text(article.read_text(encoding="utf-8").replace("How long should bevacizumab be withheld",
                                                                   "How long should bevacizumab be held back", 1), encoding="utf-8")
    pages = _pages(project)

    report = BuildReport()
    build(list(pages), project, site_dir=site, report=report)

    assert report.pages_kept >= 5  # most of the site was not built again …
    after = _tree(site)
    changed = sorted(path for path in after if before.get(path) != after[path])
    assert "medical-oncology/bevacizumab-surgery-timing/index.html" in changed
    assert "pediatrics/amoxicillin-acute-otitis-media/index.html" not in changed
    full = _full(project, pages, tmp_path / "full")
    assert sorted(after) == sorted(full)  # … and it is byte for byte what a full build gives
    assert [path for path in full if after[path] != full[path]] == []
    assert "held back" in after["medical-oncology/bevacizumab-surgery-timing/index.html"].decode()


def test_a_kept_page_linking_to_an_anchor_the_edit_removed_fails_as_a_full_build_does(project, tmp_path):
    site = project / "site"
    linked = _edited(_pages(project), LINKING, "## ", "See also [the interval](../medical-oncology/bevacizumab-surgery-timing.md#in-practice).\n\n## ")
    build(list(linked), project, site_dir=site)
    before = _tree(site)
    # The linked article loses its "In practice" heading; the linking page does not change (it is kept).
    broken = _edited(linked, TARGET, "## In practice", "## In the clinic")

    report = BuildReport()
    with pytest.raises(BuildError) as incremental:
        build(list(broken), project, site_dir=site, report=report)
    assert report.pages_kept > 0  # the linking page was kept, not built again: the record caught it
    with pytest.raises(BuildError) as full:
        _full(project, broken, tmp_path / "full")
    message = ("Doc file 'pediatrics/amoxicillin-acute-otitis-media.md' contains a link "
               "'../medical-oncology/bevacizumab-surgery-timing.md#in-practice', but the doc "
               "'medical-oncology/bevacizumab-surgery-timing.md' does not contain an anchor '#in-practice'.")
    assert message in incremental.value.messages and message in full.value.messages
    assert _tree(site) == before  # the last good site stands


def test_a_page_changed_by_hand_in_the_site_is_built_again(project, tmp_path):
    site = project / "site"
    pages = _pages(project)
    build(list(pages), project, site_dir=site)
    tampered = site / "pediatrics" / "amoxicillin-acute-otitis-media" / "index.html"
    tampered.write_text("<p>edited on the server</p>", encoding="utf-8")
    edited = _edited(pages, TARGET, "## In practice", "## In the clinic")

    report = BuildReport()
    build(list(edited), project, site_dir=site, report=report)

    assert 0 < report.pages_kept
    assert _tree(site) == _full(project, edited, tmp_path / "full")


def test_a_change_every_page_shares_builds_everything(project):
    site = project / "site"
    pages = _pages(project)
    build(list(pages), project, site_dir=site)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("site_name:", "copyright: Example publisher\nsite_name:", 1), encoding="utf-8")
    edited = _edited(pages, TARGET, "## In practice", "## In the clinic")

    report = BuildReport()
    build(list(edited), project, site_dir=site, report=report)

    assert report.pages_kept == 0


@pytest.mark.parametrize("repository", ["project", "folder above"])
def test_a_site_and_record_committed_by_a_change_are_not_taken_for_the_last_good_build(project, repository):
    """build/ and site/ are git-ignored, but a change can force them in: a committed site with a
    matching stamp would otherwise be 'up to date', and its pages would be published as built.
    The project may be the repository or a folder in it."""
    import subprocess

    top = project if repository == "project" else project.parent

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(top), "-c", "user.name=Example", "-c", "user.email=example@example.org", *args],
                       check=True, capture_output=True)

    git("init", "-q")
    git("add", "project" if top != project else ".")
    git("commit", "-q", "-m", "sample")
    site = project / "site"
    pages = _pages(project)
    build(list(pages), project, site_dir=site)
    page = site / "pediatrics" / "amoxicillin-acute-otitis-media" / "index.html"
    genuine = page.read_bytes()
    page.write_text("<p>Approved by Dr. Nobody</p>", encoding="utf-8")
    git("add", "-f", str(project / "site"), str(project / "build"))
    git("commit", "-q", "-m", "a change that brings its own site")

    report = BuildReport()
    build(list(pages), project, site_dir=site, report=report)

    assert not report.unchanged and report.pages_kept == 0
    assert page.read_bytes() == genuine


def test_a_change_to_our_own_code_is_never_taken_for_nothing_changed(project, tmp_path, monkeypatch):
    """The sanitizer or a template helper changed without a new version number: every page may differ."""
    from guidesite import reuse

    code = tmp_path / "code"
    code.mkdir()
    (code / "sanitize.py").write_text("RULES = 1\n", encoding="utf-8")
    monkeypatch.setattr(reuse, "CODE", code)
    site = project / "site"
    pages = _pages(project)
    build(list(pages), project, site_dir=site)
    again = BuildReport()
    build(list(pages), project, site_dir=site, report=again)
    assert again.unchanged

    (code / "sanitize.py").write_text("RULES = 2\n", encoding="utf-8")
    after = BuildReport()
    build(list(pages), project, site_dir=site, report=after)

    assert not after.unchanged and after.pages_kept == 0
