"""An unreviewed change never reaches readers: while an edit of an approved article awaits
approval, its page keeps the last approved version (with a note), and permanent copies keep
exactly the content approved under their number."""

from __future__ import annotations

from test_review import AUTHOR, REVIEWER, _cli, _commit, _move_to_medical_oncology, repo  # noqa: F401 - the repository fixture

from conftest import signer

ARTICLE = "content/gynecologic-oncology/test-question.yaml"
PAGE = "site/gynecologic-oncology/test-question/index.html"


def _approved_v1(repo) -> None:
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    assert _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10").exit_code == 0
    _commit(repo.root, REVIEWER, "Approve v1")


def _edit_dose(repo, status: str = "under_review") -> None:
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 20 mg/m2")
                    .replace("status: approved", f"status: {status}")
                    .replace("Does drug A improve survival", "Does drug A prolong survival"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Lower the dose")


def _page(repo) -> str:
    result = _cli(repo, "build")
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    return (repo.root / PAGE).read_text(encoding="utf-8")


def test_an_unapproved_edit_is_held_back_and_the_approved_version_stays_live(repo):
    _approved_v1(repo)
    _edit_dose(repo)
    html = _page(repo)
    assert "50 mg/m²" in html and "20 mg/m²" not in html
    assert "An update to this article is under review." in html and "This page shows version 1, approved on February 10, 2025" in html
    assert "Does drug A improve survival" in html and "prolong" not in html
    assert "Educational purpose only" not in html and "Last reviewed February 10, 2025" in html
    listing = (repo.root / "site" / "gynecologic-oncology" / "index.html").read_text(encoding="utf-8")
    assert "Does drug A improve survival" in listing and "prolong" not in listing  # lists and the feed show the approved title
    assert "prolong" not in (repo.root / "site" / "feed.xml").read_text(encoding="utf-8")


def test_moving_an_approved_article_back_to_draft_does_not_unpublish_it(repo):
    _approved_v1(repo)
    _edit_dose(repo, status="draft")
    html = _page(repo)
    assert "50 mg/m²" in html and "An update to this article is under review." in html


def test_publish_with_banner_publishes_the_edit_under_the_pending_banner(repo):
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("  author_may_approve: false\n", "  author_may_approve: false\n  pending_edits: publish_with_banner\n"), encoding="utf-8")
    _approved_v1(repo)
    _edit_dose(repo)
    html = _page(repo)
    assert "20 mg/m²" in html and "Educational purpose only" in html
    assert "An update to this article is under review." not in html


def test_an_article_never_approved_is_published_under_the_pending_banner(repo):
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    html = _page(repo)
    assert "Educational purpose only" in html and "An update to this article is under review." not in html


def _require_two(repo) -> None:
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 1", "approvals_required: 2"), encoding="utf-8")
    _commit(repo.root, ("Maintainer", "maintainer@example.org"), "Two approvals")


def test_approvals_split_over_two_pull_requests_make_a_new_version_and_v1_never_changes(repo):
    from test_approvals import _new_base

    _require_two(repo)
    repo.article()
    _commit(repo.root, AUTHOR, "Add")
    for reviewer, day in (("example-reviewer-1", "2025-02-10"), ("example-reviewer-3", "2025-02-11")):
        assert _cli(repo, "approve", "test-question", *signer(repo.keys, reviewer), "--date", day).exit_code == 0
    _commit(repo.root, REVIEWER, "Approve v1")
    base = _new_base(repo, "merged v1")
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 20 mg/m2").replace(
        "  updated: 2025-02-01", "  updated: 2025-02-15\n  changes: Drug A dose lowered to 20 mg/m2."), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Lower the dose")
    # Pull request 1: one of the two approvals.
    assert _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-20").exit_code == 0
    assert "version: 2" in path.read_text(encoding="utf-8") and "status: under_review" in path.read_text(encoding="utf-8")
    _commit(repo.root, REVIEWER, "First approval of the new dose")
    assert _cli(repo, "check", "--base", base).exit_code == 0
    base = _new_base(repo, "merged pull request 1")
    # Pull request 2: the second approval.
    assert _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-3"), "--date", "2025-02-21").exit_code == 0
    _commit(repo.root, ("Dr. Example Reviewer C", "reviewer-c@example.org"), "Second approval")
    assert _cli(repo, "check", "--base", base).exit_code == 0
    _page(repo)
    v1 = (repo.root / "site" / "articles" / "test-question" / "v1" / "index.html").read_text(encoding="utf-8")
    v2 = (repo.root / "site" / "articles" / "test-question" / "v2" / "index.html").read_text(encoding="utf-8")
    assert "50 mg/m²" in v1 and "20 mg/m²" not in v1
    assert "20 mg/m²" in v2


def test_a_version_number_cannot_be_approved_again_with_other_content(repo, tmp_path):
    from conftest import signed_approvals
    from guidesite.load import load
    from guidesite.validate import validate

    _approved_v1(repo)
    from test_approvals import _new_base

    base = _new_base(repo, "merged v1")
    path = repo.root / ARTICLE
    edited = path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 20 mg/m2")
    path.write_text(edited, encoding="utf-8")
    article = next(a for a in validate(load(repo.root)).articles if a.id == "test-question")
    # A reviewer signs the new content as "version 1" by hand (ssh-keygen), bypassing approve's numbering.
    records = signed_approvals(repo.keys, article, [("example-reviewer-1", "2025-03-01")], version=1)
    head, _, _ = edited.partition("  approvals:\n")
    path.write_text(head + records, encoding="utf-8")
    _commit(repo.root, REVIEWER, "Re-approve as version 1")
    result = _cli(repo, "check", "--base", base)
    assert result.exit_code == 1
    assert "expected version 1 to keep the content approved as version 1" in result.stderr
    assert _cli(repo, "build").exit_code == 1  # and no build publishes a changed permanent copy


def test_a_new_version_needs_its_own_change_note(repo):
    _approved_v1(repo)
    from test_approvals import _new_base

    base = _new_base(repo, "merged v1")
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Raise the dose, no change note")
    assert _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-3"), "--date", "2025-03-01").exit_code == 0
    _commit(repo.root, ("Dr. Example Reviewer C", "reviewer-c@example.org"), "Approve v2")
    result = _cli(repo, "check", "--base", base)
    assert result.exit_code == 1
    assert "review.changes: expected a change note for version 2 saying what changed; got none" in result.stderr


def test_a_moved_article_keeps_its_history_and_its_old_address_leads_to_the_new_one(repo):
    _approved_v1(repo)
    _move_to_medical_oncology(repo)
    assert _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-3"), "--date", "2025-03-05").exit_code == 0
    _commit(repo.root, ("Dr. Example Reviewer C", "reviewer-c@example.org"), "Approve the move")
    result = _cli(repo, "build")
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    site = repo.root / "site"
    current = (site / "medical-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    # The history came with the file; the permanent copies' addresses do not name the specialty, so the move left them as they were.
    assert 'href="../../articles/test-question/v1/"' in current and 'href="../../articles/test-question/v2/"' in current
    assert (site / "articles" / "test-question" / "v1" / "index.html").is_file()
    assert "Medical oncology" not in (site / "articles" / "test-question" / "v1" / "index.html").read_text(encoding="utf-8").split("<article")[1]
    moved = (site / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert "This article has moved" in moved and 'href="../../medical-oncology/test-question/"' in moved
    assert '<meta name="robots" content="noindex">' in moved
    assert '<meta http-equiv="refresh" content="0; url=../../medical-oncology/test-question/">' in moved  # GitHub Pages too
    assert '<link rel="canonical" href="https://guidelines.example.org/medical-oncology/test-question/">' in moved
    redirects = (site / "_redirects").read_text(encoding="utf-8").splitlines()
    assert "/gynecologic-oncology/test-question/ /medical-oncology/test-question/ 301" in redirects
    assert "/articles/test-question/ /medical-oncology/test-question/ 302" in redirects
    permanent = (site / "articles" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../../medical-oncology/test-question/">' in permanent
