"""Approvals given as GitHub pull-request reviews, recorded with the publisher's bot key.

The payloads are shaped as GitHub documents a pull-request review and a pull request (the
recording workflow fetches both from the API); fields we do not read are left out.  Each attack
that was seen on the review path is reproduced with git history and a payload, and refused.
"""

from __future__ import annotations

import json

from guidesite.load import load
from guidesite.review import codeowners
from guidesite.validate import validate
from test_approvals import ARTICLE, MAINTAINER, _assert_not_approved, _new_base, _refused, _submitted
from test_review import AUTHOR, _cli, _commit, _git, _page, _passes_check, repo  # noqa: F401 - the repository fixture

BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
REVIEW_URL = "https://github.com/example/guidelines/pull/7#pullrequestreview-80"


def _head(project) -> str:
    return _git(project.root, "rev-parse", "HEAD").strip()


def _review_event(project, tmp_path, *, login: str, state: str = "approved", body: str = "Doses checked against the label.\nCOI: none",
                  author: str = "example-author", commit: str | None = None, head: str | None = None, name: str = "event"):
    """A review and its pull request as GitHub's API returns them; by default the review is of the branch's head."""
    commit = commit or _head(project)
    payload = {
        "review": {
            "id": 80, "node_id": "PRR_kwDOexample", "user": {"login": login, "id": 1, "type": "User"},
            "body": body, "state": state.upper(), "commit_id": commit,
            "html_url": REVIEW_URL, "submitted_at": "2025-02-10T14:00:00Z",
        },
        "pull_request": {
            "number": 7, "user": {"login": author},
            "base": {"ref": "main", "sha": project.base}, "head": {"ref": "new-article", "sha": head or commit},
        },
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def _record(project, event, key: str = "example-publisher-bot"):
    return _cli(project, "approve", "--from-github-event", str(event), "--key", str(project.keys[key]))


def test_a_github_review_approves_through_the_bot_key(repo, tmp_path):
    _submitted(repo)
    result = _record(repo, _review_event(repo, tmp_path, login="example-reviewer-1"))
    assert result.exit_code == 0, result.output + result.stderr
    text = (repo.root / ARTICLE).read_text(encoding="utf-8")
    assert "signed_by: example-publisher-bot" in text and f"github_review: {REVIEW_URL}" in text
    _commit(repo.root, BOT, "Record the review")
    _passes_check(repo, repo.base)  # the recorder's own check of the new head, as the workflow runs it
    page = _page(repo)
    assert "Last reviewed February 10, 2025 by" in page and "Dr. Example Reviewer A (sample)" in page
    audit = _cli(repo, "audit").output
    assert "valid" in audit and f"GitHub review {REVIEW_URL}" in audit


def test_github_reviews_that_are_not_approvals_by_reviewers_are_refused(repo, tmp_path):
    _submitted(repo)
    cases = [
        (dict(login="example-reviewer-1", state="changes_requested"), "is 'changes_requested', not an approval"),
        (dict(login="someone-else"), "GitHub user someone-else is not a reviewer in the base's registry"),
        (dict(login="example-reviewer-1", author="example-reviewer-1"), "opened this pull request and may not approve it"),
        (dict(login="example-reviewer-1", body="LGTM"), "declares no interests"),
    ]
    for fields, message in cases:
        result = _record(repo, _review_event(repo, tmp_path, **fields))
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    # The bot key cannot be replaced by another key: only the base registry's bot entry signs reviews.
    result = _record(repo, _review_event(repo, tmp_path, login="example-reviewer-1"), key="example-reviewer-3")
    assert result.exit_code == 1 and "not the signing key of a bot entry in the base's registry" in result.stderr
    assert "approvals:" not in (repo.root / ARTICLE).read_text(encoding="utf-8")


def test_a_login_mapped_onto_a_reviewer_by_the_pull_requests_own_registry_is_refused(repo, tmp_path):
    """The attack: the PR changes a dose, sets github: mallory-friend on Dr. A's entry and regenerates CODEOWNERS;
    mallory-friend approves on GitHub; the recorder must not sign "Dr. A"."""
    _submitted(repo)
    base = _new_base(repo, "the article is on main")
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 500 mg/m2"), encoding="utf-8")
    registry = repo.root / "site_config" / "reviewers.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("github: example-reviewer-1", "github: mallory-friend"), encoding="utf-8")
    (repo.root / ".github" / "CODEOWNERS").write_text(codeowners(validate(load(repo.root)).site), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Raise the dose")
    result = _record(repo, _review_event(repo, tmp_path, login="mallory-friend"))
    assert result.exit_code == 1, result.output
    assert "GitHub user mallory-friend is not a reviewer in the base's registry" in result.stderr
    assert "approvals:" not in path.read_text(encoding="utf-8")
    _assert_not_approved(repo)
    assert base


def test_a_review_of_an_older_commit_does_not_approve_what_was_pushed_after_it(repo, tmp_path):
    """The attack: Dr. A approves commit c1 (dose 50 → 190); the author pushes c2 (190 → 290); the recorder runs on the branch."""
    _submitted(repo)
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 190 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "c1")
    reviewed = _head(repo)
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 190 mg/m2", "dose: 290 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "c2")
    result = _record(repo, _review_event(repo, tmp_path, login="example-reviewer-1", commit=reviewed, head=_head(repo)))
    assert result.exit_code == 1
    assert f"approved commit {reviewed[:10]}, but the pull request is now at {_head(repo)[:10]}" in result.stderr
    # A payload claiming the older commit is the head does not help: the checkout is not the reviewed commit.
    result = _record(repo, _review_event(repo, tmp_path, login="example-reviewer-1", commit=reviewed, head=reviewed))
    assert result.exit_code == 1 and f"expected the reviewed commit {reviewed[:10]} checked out" in result.stderr
    assert "approvals:" not in path.read_text(encoding="utf-8")


def test_a_push_after_the_recorded_review_leaves_the_approval_visibly_stale(repo, tmp_path):
    _submitted(repo)
    assert _record(repo, _review_event(repo, tmp_path, login="example-reviewer-1")).exit_code == 0
    _commit(repo.root, BOT, "Record the review")
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 290 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "A later push")
    _refused(repo, repo.base, "approval by example-reviewer-1 of 2025-02-10 is stale: the content changed after it was approved")
    _assert_not_approved(repo)


def test_a_review_is_not_recorded_over_uncommitted_content(repo, tmp_path):
    _submitted(repo)
    path = repo.root / ARTICLE
    event = _review_event(repo, tmp_path, login="example-reviewer-1")
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 290 mg/m2"), encoding="utf-8")
    result = _record(repo, event)
    assert result.exit_code == 1 and "expected content/ exactly as the reviewed commit holds it" in result.stderr


def test_a_github_review_recorded_then_squash_merged_reads_approved_on_main(repo, tmp_path):
    """The legitimate story with branch protection: the author's branch, Dr. A's review recorded by the bot,
    the base's check on the recorder's new head, a squash merge onto main, and the page reads Approved."""
    _git(repo.root, "checkout", "-q", "-b", "new-article")
    _submitted(repo)
    assert _record(repo, _review_event(repo, tmp_path, login="example-reviewer-1")).exit_code == 0
    _commit(repo.root, BOT, "Approval by example-reviewer-1 (GitHub review 80)")
    _passes_check(repo, repo.base)
    _git(repo.root, "checkout", "-q", "main")
    _git(repo.root, "merge", "-q", "--squash", "new-article")
    _commit(repo.root, MAINTAINER, "New article (#7)")
    _passes_check(repo, repo.base)
    assert "Dr. Example Reviewer A (sample)" in _page(repo)
