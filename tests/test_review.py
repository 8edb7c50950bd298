"""The review workflow, told as one story in a temporary git repository.

An author adds an article; a reviewer approves it with ``guidesite approve``
and commits as themselves; ``check --base`` passes and the page says
Approved with the reviewer's name.  Then the author edits one dose: ``check``
names the stale approval and the page says Under Review.  An approval
committed by someone else is reported.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from guidesite.cli import main
from guidesite.review import CODEOWNERS_PATH, codeowners, content_hash
from guidesite.load import load
from guidesite.validate import validate

from conftest import REPO, VALID_ARTICLE, signer

AUTHOR = ("Example Author", "author@example.org")
REVIEWER = ("Dr. Example Reviewer A", "reviewer-a@example.org")  # example-reviewer-1's registered e-mail
ARTICLE = "content/gynecologic-oncology/test-question.yaml"


@pytest.fixture
def repo(project, fixed_build_date, signing_keys, monkeypatch):
    """A content repository with one commit (the base): configuration, theme, CODEOWNERS; builds are dated TODAY,
    commits January 15, 2025 (approvals in these stories are dated after it, as they would be)."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2025-01-15T12:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2025-01-15T12:00:00+00:00")
    shutil.copy(REPO / ".gitignore", project.root / ".gitignore")
    (project.root / ".github").mkdir()
    (project.root / CODEOWNERS_PATH).write_text(codeowners(validate(load(project.root)).site), encoding="utf-8")
    _git(project.root, "init", "-q", "-b", "main")
    _commit(project.root, ("Maintainer", "maintainer@example.org"), "base")
    project.base = _git(project.root, "rev-parse", "HEAD").strip()
    project.keys = signing_keys
    return project


def _git(root, *args, identity=None):
    env_args = []
    if identity:
        env_args = ["-c", f"user.name={identity[0]}", "-c", f"user.email={identity[1]}"]
    result = subprocess.run(["git", "-C", str(root), *env_args, *args], capture_output=True, text=True, check=True)
    return result.stdout


def _commit(root, identity, message):
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message, identity=identity)


def _move_to_medical_oncology(project) -> str:
    """``git mv`` the test article to medical oncology with a change note, committed by the author; its new path."""
    moved = "content/medical-oncology/test-question.yaml"
    (project.root / "content" / "medical-oncology").mkdir(exist_ok=True)
    _git(project.root, "mv", ARTICLE, moved)
    path = project.root / moved
    path.write_text(path.read_text(encoding="utf-8").replace("specialty: gynecologic-oncology", "specialty: medical-oncology").replace(
        "  updated: 2025-02-01", "  updated: 2025-03-01\n  changes: Moved to medical oncology."), encoding="utf-8")
    _commit(project.root, AUTHOR, "Move to medical oncology")
    return moved


def _cli(project, *args):
    return CliRunner().invoke(main, ["--project", str(project.root), *args])


def _passes_check(project, base) -> None:
    result = _cli(project, "check", "--base", base)
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")


def _page(project) -> str:
    result = _cli(project, "build")
    assert result.exit_code == 0, result.output
    return (project.root / "site" / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")


def test_approve_check_edit_and_stale_approval(repo):
    repo.article()
    _commit(repo.root, AUTHOR, "Add an article for review")

    result = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    assert result.exit_code == 0, result.output
    assert "status approved" in result.output
    text = (repo.root / ARTICLE).read_text(encoding="utf-8")
    assert "status: approved" in text and "content: sha256:" in text
    _commit(repo.root, REVIEWER, "Approve test-question")

    result = _cli(repo, "check", "--base", repo.base)
    assert result.exit_code == 0, result.output
    html = _page(repo)
    assert "Educational purpose only" not in html
    assert "Dr. Example Reviewer A (sample)" in html
    assert 'aria-current="step" class="gs-step gs-step--current">Approved' in html

    (repo.root / ARTICLE).write_text(text.replace("dose: 50 mg/m2", "dose: 60 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Change a dose")
    result = _cli(repo, "check", "--base", repo.base)
    assert result.exit_code == 1
    assert "approval by example-reviewer-1 of 2025-02-10 is stale: the content changed after it was approved" in result.stderr
    assert result.stderr.startswith(f"{ARTICLE}:")
    html = _page(repo)  # readers keep the approved version until the edit is approved
    assert "An update to this article is under review." in html
    assert "50 mg/m²" in html and "60 mg/m²" not in html

    # Re-approval by the reviewer pins the new content and raises the version.
    result = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-03-01")
    assert result.exit_code == 0, result.output
    _commit(repo.root, REVIEWER, "Re-approve")
    _passes_check(repo, repo.base)
    html = _page(repo)
    assert "60 mg/m²" in html and "An update to this article is under review." not in html


def test_a_signed_approval_holds_whoever_commits_it_and_through_a_squash_merge(repo):
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    assert _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10").exit_code == 0
    _commit(repo.root, AUTHOR, "The author commits the reviewer's signed approval")
    _git(repo.root, "reset", "-q", "--soft", repo.base)  # squash-merge: one commit, the merger's identity
    _commit(repo.root, ("Maintainer", "maintainer@example.org"), "Squashed pull request")
    _passes_check(repo, repo.base)
    assert "Last reviewed February 10, 2025 by [Dr. Example Reviewer A (sample)" in _cli_page_markdown(repo)


def test_an_approval_record_written_by_hand_counts_nowhere(repo):
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    digest = content_hash(validate(load(repo.root)).articles[0])
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("status: submitted", "status: approved").replace(
        "  next_review: 2026-02-01", f"  next_review: 2026-02-01\n  approvals:\n    - {{reviewer: example-reviewer-1, date: 2025-02-10, content: '{digest}', coi: none}}"),
        encoding="utf-8")
    _commit(repo.root, ("example-reviewer-1", "reviewer-a@example.org"), "Approve as the reviewer's e-mail")
    result = _cli(repo, "check", "--base", repo.base)
    assert result.exit_code == 1
    assert "approval by example-reviewer-1 does not count: it is not signed" in result.stderr
    assert "Educational purpose only" in _page(repo)


def _cli_page_markdown(repo) -> str:
    assert _cli(repo, "build").exit_code == 0
    return (repo.root / "build" / "docs" / "gynecologic-oncology" / "test-question.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        ("draft", "approved", "expected a status reachable from 'draft' (draft, submitted, under_review); got 'approved'; submit it for review first"),
        ("retired", "approved", "expected a status reachable from 'retired' (retired, submitted, under_review); got 'approved'; a retired article comes back through review"),
        ("submitted", "retired", "expected a status reachable from 'submitted' (approved, draft, submitted, under_review); got 'retired'"),
    ],
)
def test_impossible_status_moves_are_refused(repo, before, after, message):
    base_text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("status: submitted", f"status: {before}")
    repo.article(text=base_text)
    _commit(repo.root, AUTHOR, "Base state")
    base = _git(repo.root, "rev-parse", "HEAD").strip()
    head = base_text.replace(f"status: {before}", f"status: {after}")
    if after == "approved":
        head = head.replace("  next_review: 2026-02-01", "  next_review: 2026-02-01\n  approvals:\n    - {reviewer: example-reviewer-1, date: 2025-02-02}")
    repo.article(text=head)
    result = _cli(repo, "check", "--base", base)
    assert result.exit_code == 1
    assert message in result.stderr


def test_an_approved_article_may_not_be_deleted(repo):
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve")
    base = _git(repo.root, "rev-parse", "HEAD").strip()
    (repo.root / ARTICLE).unlink()
    result = _cli(repo, "check", "--base", base)
    assert result.exit_code == 1
    assert f"{ARTICLE}:1:1: expected an approved article to be retired (review.status: retired), not deleted" in result.stderr


def test_approve_refuses_who_may_not_approve(repo):
    repo.article()
    other_specialty = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-2"))
    assert other_specialty.exit_code == 1
    assert "example-reviewer-2 covers medical-oncology, not gynecologic-oncology" in other_specialty.stderr
    own = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("author: Example Author (test)", "author: example-reviewer-1")
    repo.article(text=own)
    result = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"))
    assert result.exit_code == 1
    assert "example-reviewer-1 is the author of test-question and may not approve it" in result.stderr


def test_approve_keeps_comments_and_layout(repo):
    commented = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "summary:", "# The bottom line, first.\nsummary:")
    path = repo.article(text=commented)
    before = path.read_text(encoding="utf-8").splitlines()
    assert _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10").exit_code == 0
    after = path.read_text(encoding="utf-8").splitlines()
    review_at = before.index("review:")
    assert after[:review_at] == before[:review_at]
    record = after[review_at + 7:]
    assert after[review_at:review_at + 7] == [
        "review:", "  status: approved", "  author: Example Author (test)", "  created: 2025-01-10",
        "  updated: 2025-02-01", "  next_review: 2026-02-01", "  approvals:",
    ]
    assert record[:4] == ["    - reviewer: example-reviewer-1", "      date: 2025-02-10", record[2], "      coi: none"]
    assert record[2].startswith("      content: sha256:")
    assert record[4:6] == ["      signature: |", "        -----BEGIN SSH SIGNATURE-----"] and record[-1] == "        -----END SSH SIGNATURE-----"


def test_reformatting_the_yaml_keeps_the_approval_current(repo):
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    path = repo.root / ARTICLE
    text = path.read_text(encoding="utf-8")
    reflowed = text.replace(
        'summary:\n  clinician: "Drug A improved overall survival in one randomized trial [@trial-a]."',
        "summary:\n  clinician: >-\n    Drug A improved overall survival\n    in one randomized trial [@trial-a].",
    )
    assert reflowed != text
    path.write_text(reflowed, encoding="utf-8")
    _commit(repo.root, REVIEWER, "Approve, reflowed")
    _passes_check(repo, repo.base)


def test_codeowners_out_of_date_fails_check(repo):
    reviewers = repo.root / "site_config" / "reviewers.yaml"
    reviewers.write_text(reviewers.read_text(encoding="utf-8").replace("github: example-reviewer-3", "github: example-reviewer-9"), encoding="utf-8")
    result = _cli(repo, "check", "--base", repo.base)
    assert result.exit_code == 1
    assert ".github/CODEOWNERS:1:1: expected CODEOWNERS generated from the reviewer registry; it is out of date" in result.stderr
    assert _cli(repo, "codeowners").exit_code == 0
    assert "@example-reviewer-9" in (repo.root / CODEOWNERS_PATH).read_text(encoding="utf-8")
    # A change to the registry is itself reviewed: an editor of the base's registry signs it.
    result = _cli(repo, "check", "--base", repo.base)
    assert result.exit_code == 1 and "site_config/reviewers.yaml): expected 1 signed approval(s) by editors of the base's registry" in result.stderr
    approved = _cli(repo, "approve-site", "--base", repo.base, "--reviewer", "example-reviewer-3", "--key", str(repo.keys["example-reviewer-3"]), "--date", "2025-02-10")
    assert approved.exit_code == 0, approved.output + approved.stderr
    _passes_check(repo, repo.base)


def test_review_report_says_what_changed_and_who_must_approve(repo):
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    report = _cli(repo, "review-report", "--base", repo.base)
    assert report.exit_code == 0, report.output
    assert f"| `{ARTICLE}` — Does drug A improve survival in condition B? | added | — → Submitted | new | 0 of 1 current |" in report.output
    assert "`test-question` needs 1 more approval(s) from: Dr. Example Reviewer A (sample) (`example-reviewer-1`, @example-reviewer-1)" in report.output


def test_github_annotations_for_check(repo):
    repo.article(text=VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("status: submitted", "status: draft"))
    _commit(repo.root, AUTHOR, "Draft")
    base = _git(repo.root, "rev-parse", "HEAD").strip()
    repo.article(text=VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("status: submitted", "status: approved").replace(
        "  next_review: 2026-02-01", "  next_review: 2026-02-01\n  approvals:\n    - {reviewer: example-reviewer-1, date: 2025-02-02}"))
    result = _cli(repo, "check", "--base", base, "--format", "github")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"::error file={ARTICLE},line=")


def test_unknown_base_ref_is_a_clear_error(repo):
    result = _cli(repo, "check", "--base", "no-such-branch")
    assert result.exit_code == 1
    assert "expected a git ref for --base; 'no-such-branch' is not a commit" in result.stderr
    assert "Traceback" not in result.output


def test_approved_content_changed_needs_a_higher_version(repo):
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve")
    base = _git(repo.root, "rev-parse", "HEAD").strip()
    path = repo.root / ARTICLE
    # The reviewer re-approves the edited content by hand, forgetting the version.
    edited = path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2")
    path.write_text(edited, encoding="utf-8")
    digest = content_hash(next(a for a in validate(load(repo.root)).articles if a.id == "test-question"))
    path.write_text(re.sub(r"content: sha256:[0-9a-f]+", f"content: {digest}", edited), encoding="utf-8")
    _commit(repo.root, REVIEWER, "Re-approve by hand")
    result = _cli(repo, "check", "--base", base)
    assert result.exit_code == 1
    # The signed statement named the old content (and version): a hash edited by hand breaks it.
    assert "approval by example-reviewer-1 does not count: its signature does not verify against the registry's key" in result.stderr
