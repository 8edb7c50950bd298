"""Upgrading guidesite under a content repository (issue 25, item 4): articles written for the
previous model still read, ``guidesite migrate`` rewrites them in today's with their comments and
layout kept, and what reviewers signed still holds, so an upgrade never unapproves a page.

tests/cases/model-1/ is a project as guidesite 0.1.0 (article model 1) left it: one fictional
article with another audience's headings written beside the first reader's (``heading_for``),
approved and signed by that release with an example reviewer's test key.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from guidesite.errors import ContentError
from guidesite.load import load
from guidesite.model.article import MODEL_VERSION
from guidesite.render import render
from guidesite.validate import validate

from conftest import REPO, TODAY, TODAY_EPOCH, VALID_ARTICLE

FIXTURE = REPO / "tests" / "cases" / "model-1"
ARTICLE = "content/gynecologic-oncology/written-for-model-one.yaml"
SIGNED = "sha256:33e7ddb64d56963f52c8efe55e8a68f8f8862c39ad66fe3507831b9ffe0ccf4c"
"""The content hash guidesite 0.1.0 signed (it is in the fixture's approval)."""


def _guidesite(root: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TODAY_EPOCH}
    return subprocess.run([sys.executable, "-m", "guidesite", "--project", str(root), *args], capture_output=True, text=True, env=environment)


def _git(root: Path, *args: str, when: str = "2025-03-02T10:00:00Z") -> str:
    environment = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    done = subprocess.run(["git", "-C", str(root), "-c", "user.name=Publisher", "-c", "user.email=publisher@example.org", *args],
                          capture_output=True, text=True, check=True, env=environment)
    return done.stdout


@pytest.fixture
def old_project(tmp_path: Path) -> Path:
    """The model-1 project with this repository's configuration, committed before its approval's date."""
    root = tmp_path / "publisher"
    shutil.copytree(FIXTURE, root)
    for name in ("site_config", "theme"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    assert _guidesite(root, "codeowners").returncode == 0
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "As guidesite 0.1.0 left it", when="2025-02-15T10:00:00Z")
    return root


def _status_line(site: Path) -> str:
    html = (site / "gynecologic-oncology" / "written-for-model-one" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[html.index("<h1"):]))
    return text[:400]


def test_a_project_of_the_previous_model_migrates_keeps_its_approval_and_builds(old_project: Path):
    original = (old_project / ARTICLE).read_text(encoding="utf-8")
    assert "heading_for:" in original and "model:" not in original and f"content: {SIGNED}" in original

    # Before migrating, this guidesite reads the old file as it is, and the approval holds.
    assert _guidesite(old_project, "validate").returncode == 0
    assert _guidesite(old_project, "check", "--base", "HEAD").returncode == 0
    pending = _guidesite(old_project, "migrate", "--check")
    assert pending.returncode == 1 and f"Would migrate {ARTICLE}: model 1 → {MODEL_VERSION}" in pending.stdout
    assert (old_project / ARTICLE).read_text(encoding="utf-8") == original  # --check writes nothing

    done = _guidesite(old_project, "migrate")
    assert done.returncode == 0, done.stderr
    assert f"Migrated {ARTICLE}: model 1 → {MODEL_VERSION}" in done.stdout and "what its reviewers signed is unchanged" in done.stdout

    # The diff a reviewer reads is the migration and nothing else: the model named, the headings
    # written per audience; every comment kept (the one on the heading_for line moves with it).
    diff = _git(old_project, "diff", "-U0", "--", ARTICLE)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        f"+model: {MODEL_VERSION}",
        "-  - heading: Regimen",
        "-    heading_for: {patient: Your treatment}   # what patients read",
        "+  - heading: {clinician: Regimen, patient: Your treatment} # what patients read",
        '-  - heading: "Follow-up"',
        "-    heading_for:",
        "+  - heading:",
        '+      clinician: "Follow-up"',
    ]
    migrated = (old_project / ARTICLE).read_text(encoding="utf-8")
    for comment in re.findall(r"#.*", original):
        assert comment in migrated
    assert _guidesite(old_project, "migrate", "--check").returncode == 0  # nothing left to migrate

    _git(old_project, "commit", "-q", "-am", "guidesite migrate")
    # The change judged against the base: no approval went stale, nothing needs a reviewer again.
    judged = _guidesite(old_project, "check", "--base", "HEAD~1")
    assert judged.returncode == 0, judged.stdout + judged.stderr

    built = _guidesite(old_project, "build")
    assert built.returncode == 0, built.stderr
    status = _status_line(old_project / "site")
    assert "Approved · Last reviewed March 1, 2025 by Dr. Example Reviewer A (sample)" in status
    html = (old_project / "site" / "gynecologic-oncology" / "written-for-model-one" / "index.html").read_text(encoding="utf-8")
    assert ">Your treatment</h2>" in html and ">Check-ups</h2>" in html
    assert (old_project / "site" / "articles" / "written-for-model-one" / "v1" / "index.html").is_file()


@pytest.mark.parametrize("edit", [
    ("{clinician: Regimen, patient: Your treatment}", "{clinician: Regimen, patient: Your new treatment}"),
    # The signed form leaves out a reader's heading equal to the first reader's: patients losing theirs is still a change.
    ("{clinician: Regimen, patient: Your treatment}", "{clinician: Regimen, patient: Regimen}"),
    ('      patient: "Check-ups"', '      patient: "Check-ups every month"'),
])
def test_a_heading_changed_after_migrating_needs_approving_again(old_project: Path, edit):
    assert _guidesite(old_project, "migrate").returncode == 0
    _git(old_project, "commit", "-q", "-am", "guidesite migrate")
    path = old_project / ARTICLE
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    _git(old_project, "commit", "-q", "-am", "A heading edited without review")
    judged = _guidesite(old_project, "check", "--base", "HEAD~1")
    assert judged.returncode == 1 and "stale" in (judged.stdout + judged.stderr).lower(), judged.stdout + judged.stderr


def test_an_old_file_reads_as_the_same_page_as_its_migrated_form(project):
    old = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "  - heading: Regimen\n", "  - heading: Regimen\n    heading_for: {patient: Your treatment}\n")
    new = old.replace("id: test-question\n", f"id: test-question\nmodel: {MODEL_VERSION}\n").replace(
        "  - heading: Regimen\n    heading_for: {patient: Your treatment}\n", "  - heading: {clinician: Regimen, patient: Your treatment}\n")

    def page(text: str) -> str:
        project.article(text=text)
        pages = render(validate(load(project.root)), project.root / "theme" / "templates", today=TODAY)
        return next(p.text for p in pages if p.path == "gynecologic-oncology/test-question.md")

    assert page(old) == page(new)
    assert 'data-gs-for="regimen" hidden>Your treatment</h2>' in page(new)


def test_a_problem_in_an_old_file_is_shown_where_the_author_wrote_it(project):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "  - heading: Regimen\n", "  - heading: Regimen\n    heading_for:\n      nurse: For nurses\n")
    project.article(text=text)
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    line = text.splitlines().index("      nurse: For nurses") + 1
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (line, "expected a heading for one of the audiences who read this section (clinician, patient); got 'nurse'")]


def test_a_file_written_for_a_later_model_says_to_upgrade_guidesite(project):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "id: test-question\n", f"id: test-question\nmodel: {MODEL_VERSION + 1}\n")
    project.article(text=text)
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    assert [(p.line, p.field, p.message) for p in caught.value.problems] == [
        (2, "model", f"expected an article of guidesite's model {MODEL_VERSION} or older; this file is written for model {MODEL_VERSION + 1}, "
                     "which a later guidesite reads: upgrade guidesite (the version your repository pins) before this file")]


def test_guidesite_new_names_the_model_it_writes_for(project):
    from guidesite.scaffold import new_article

    path = new_article(project.root, "gynecologic-oncology/fresh-question")
    assert f"\nmodel: {MODEL_VERSION}\n" in path.read_text(encoding="utf-8")
