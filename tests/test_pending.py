"""An unreviewed change never reaches readers: while an edit of an approved article awaits
approval, its page keeps the last approved version (with a note), and permanent copies keep
exactly the content approved under their number."""

from __future__ import annotations

from test_review import AUTHOR, REVIEWER, _cli, _commit, repo  # noqa: F401 - the repository fixture

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
