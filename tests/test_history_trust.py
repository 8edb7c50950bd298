"""Versions are facts that only grow (issue 22, item 4, and item 7's messages about them).

Each story is told with real git history in a temporary repository, the way it was
seen: a pull request merged with a merge commit or rebased onto main, a second pull
request on top of the first, a rules edit that reached main.  What a user notices is
asserted: ``guidesite check``'s exit code and message, what ``approve`` writes, and what
the built pages (the current one and the permanent ``/v1/`` copy) say.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from conftest import VALID_ARTICLE, signed_approvals, signer
from test_approvals import (MAINTAINER, REVIEWER_C, _approve, _approved_and_merged, _article, _new_base, _refused, _submitted,
                            _write_approved)
from test_review import AUTHOR, REVIEWER, _cli, _commit, _git, _page, _move_to_medical_oncology, _passes_check, repo  # noqa: F401 - the repository fixture

ARTICLE = "content/gynecologic-oncology/test-question.yaml"
UPDATE_NOTE = "An update to this article is under review."


def _html(project, path: str) -> str:
    return (project.root / "site" / path / "index.html").read_text(encoding="utf-8")


def _version_page(project, number: int) -> str:
    return _html(project, f"articles/test-question/v{number}")


def _edited(text: str, dose: str, updated: str, note: str) -> str:
    """The article with drug A at ``dose``, updated on ``updated`` with change note ``note``."""
    return text.replace("dose: 50 mg/m2", f"dose: {dose}").replace("  updated: 2025-02-01", f"  updated: {updated}\n  changes: {note}")


def _without_approvals(text: str) -> str:
    return re.sub(r"  approvals:\n(?:    .*\n)*", "", text)


def _amend_base(project, edit) -> str:
    """Amend the repository's first commit (the fixture's base) with ``edit(root)``: a configuration main always had."""
    edit(project.root)
    assert _cli(project, "codeowners").exit_code == 0
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-q", "--amend", "--no-edit")
    project.base = _git(project.root, "rev-parse", "HEAD").strip()
    return project.base


def _approve_configuration(project, base: str, day: str) -> None:
    """An editor of the base's registry signs the change of the configuration (as a pull request would need)."""
    result = _cli(project, "approve-site", "--base", base, "--reviewer", "example-reviewer-3", "--key", str(project.keys["example-reviewer-3"]), "--date", day)
    assert result.exit_code == 0, result.output + result.stderr


# -- (a) identity survives delete and re-add ---------------------------------------------------------

@pytest.mark.parametrize("landing", ["merge commit", "rebase"])
def test_an_article_deleted_and_added_again_keeps_version_1_and_its_readers(repo, landing):
    base = _approved_and_merged(repo)  # version 1: drug A 50 mg/m2, approved February 10, 2025
    path = repo.root / ARTICLE
    _git(repo.root, "checkout", "-q", "-b", "re-add")
    path.unlink()
    _commit(repo.root, AUTHOR, "Delete the article")
    repo.article(text=_edited(VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology"), "90 mg/m2", "2025-03-01",
                              "Drug A dose raised to 90 mg/m2.").replace("status: submitted", "status: under_review"))
    _commit(repo.root, AUTHOR, "Add it again, changed")
    _passes_check(repo, base)  # approved → under review, as any edit: the pull request may be merged
    _git(repo.root, "checkout", "-q", "main")
    repo.article(id="other-question", text=VALID_ARTICLE.format(id="other-question", specialty="gynecologic-oncology"))
    _commit(repo.root, AUTHOR, "Meanwhile on main: another article")
    if landing == "merge commit":
        _git(repo.root, "merge", "-q", "--no-ff", "re-add", "-m", "Merge pull request #8", identity=MAINTAINER)
    else:  # rebase-and-merge: the two commits land on main one after the other
        _git(repo.root, "rebase", "-q", "main", "re-add")
        _git(repo.root, "checkout", "-q", "main")
        _git(repo.root, "merge", "-q", "--ff-only", "re-add")
    merged = _new_base(repo, "main moves on")

    html = _page(repo)  # readers keep the approved version 1, not the unreviewed dose
    assert UPDATE_NOTE in html
    assert "50 mg/m²" in html and "90 mg/m²" not in html
    v1 = _version_page(repo, 1)
    assert "<td>50 mg/m²</td>" in v1 and "90 mg/m²" not in v1

    # The next approval is version 2: number 1 belongs to the content approved as version 1.
    output = _approve(repo, "example-reviewer-1", "2025-03-05").output
    assert "Approving test-question version 2; changes since version 1:" in output
    assert "version: 2" in path.read_text(encoding="utf-8")
    _commit(repo.root, REVIEWER, "Approve version 2")
    _passes_check(repo, merged)
    html = _page(repo)
    assert "<td>90 mg/m²</td>" in html and UPDATE_NOTE not in html
    assert "<td>50 mg/m²</td>" in _version_page(repo, 1) and "90 mg/m²" not in _version_page(repo, 1)
    assert "<td>90 mg/m²</td>" in _version_page(repo, 2)
    # The audit still lists version 1's approval, made before the file was deleted and added again.
    rows = [(r["version"], r["date"], r["signature"]) for r in csv.DictReader(io.StringIO(_cli(repo, "audit").output))]
    assert rows == [("1", "2025-02-10", "valid"), ("2", "2025-03-05", "valid")]


def test_an_article_added_again_cannot_take_number_1_with_other_content(repo):
    _approved_and_merged(repo)
    path = repo.root / ARTICLE
    path.unlink()
    _commit(repo.root, AUTHOR, "Delete")
    base = _new_base(repo, "merged (pushed without review)")
    text = _edited(VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology"), "90 mg/m2", "2025-03-01", "Drug A dose raised.")
    repo.article(text=text)
    _commit(repo.root, AUTHOR, "Add it again")
    # Signed by hand as version 1 (what the tool gave before: the history of the new file had no version).
    _write_approved(repo, signed_approvals(repo.keys, _article(repo), [("example-reviewer-1", "2025-03-05")], version=1), text)
    _commit(repo.root, REVIEWER, "Approve as version 1")
    result = _cli(repo, "check", "--base", base)
    assert result.exit_code == 1
    assert "review.version: expected version 1 to keep the content approved as version 1 in commit" in result.stderr
    build = _cli(repo, "build")
    assert build.exit_code == 1 and "expected version 1 to keep the content approved as version 1" in build.stderr


def test_a_merge_that_keeps_the_other_sides_file_hides_no_version(repo):
    # A branch made before version 1 adds the same article (other content); merging it with "take theirs"
    # leaves content/ as the branch had it, and git log's history simplification would then skip main's side.
    _git(repo.root, "checkout", "-q", "-b", "side")
    repo.article(text=_edited(VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology"), "90 mg/m2", "2025-03-01",
                              "Drug A dose raised to 90 mg/m2."))
    _commit(repo.root, AUTHOR, "The same article, other content, on a branch")
    _git(repo.root, "checkout", "-q", "main")
    _approved_and_merged(repo)  # version 1 (50 mg/m2) on main
    _git(repo.root, "merge", "-q", "-X", "theirs", "side", "-m", "Merge branch 'side'", identity=MAINTAINER)
    assert "90 mg/m2" in (repo.root / ARTICLE).read_text(encoding="utf-8")
    html = _page(repo)
    assert "<td>50 mg/m²</td>" in html and "90 mg/m²" not in html and UPDATE_NOTE in html
    assert "<td>50 mg/m²</td>" in _version_page(repo, 1)
    assert "Approving test-question version 2" in _approve(repo, "example-reviewer-1", "2025-03-05").output


# -- (b) the rules of the day an approval was recorded ---------------------------------------------------

def test_an_in_place_edit_of_the_rules_does_not_re_judge_past_approvals(repo):
    base = _approved_and_merged(repo)  # version 1, one approval, under "approvals_required: 1"
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 1", "approvals_required: 2"), encoding="utf-8")
    _approve_configuration(repo, base, "2025-03-01")
    _commit(repo.root, MAINTAINER, "Two approvals from now on (edited in place, no since)")
    base = _new_base(repo, "merged")

    html = _page(repo)  # version 1 stays approved: judged by the rules of the commit that recorded its approval
    assert "Last reviewed February 10, 2025 by" in html and "Educational purpose only" not in html and UPDATE_NOTE not in html
    assert "<td>50 mg/m²</td>" in _version_page(repo, 1)

    path = repo.root / ARTICLE
    path.write_text(_edited(path.read_text(encoding="utf-8"), "60 mg/m2", "2025-03-01", "Drug A dose raised to 60 mg/m2."), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Raise the dose")
    first = _approve(repo, "example-reviewer-1", "2025-03-05")
    assert "Approving test-question version 2" in first.output and "1 more approval(s) needed" in first.output  # the new rules
    _commit(repo.root, REVIEWER, "First approval")
    _approve(repo, "example-reviewer-3", "2025-03-06")
    _commit(repo.root, REVIEWER_C, "Second approval")
    assert "version: 2" in path.read_text(encoding="utf-8")
    _passes_check(repo, base)
    html = _page(repo)
    assert "<td>60 mg/m²</td>" in html
    assert "<td>50 mg/m²</td>" in _version_page(repo, 1) and "60 mg/m²" not in _version_page(repo, 1)
    assert "<td>60 mg/m²</td>" in _version_page(repo, 2)


def test_a_later_rules_edit_passes_check_for_articles_approved_before_it(repo):
    _approved_and_merged(repo)
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 1", "approvals_required: 2"), encoding="utf-8")
    _approve_configuration(repo, repo.base, "2025-03-01")
    _commit(repo.root, MAINTAINER, "Two approvals from now on")
    base = _new_base(repo, "merged")
    other = VALID_ARTICLE.format(id="other-question", specialty="gynecologic-oncology")
    repo.article(id="other-question", text=other)
    _commit(repo.root, AUTHOR, "An unrelated new article")
    _passes_check(repo, base)  # the approved article is not re-judged by the raised requirement


def test_a_later_lowering_of_the_rules_does_not_approve_the_past_either(repo):
    def two_required(root):
        site = root / "site_config" / "site.yaml"
        site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 1", "approvals_required: 2"), encoding="utf-8")

    _amend_base(repo, two_required)
    _submitted(repo)
    _approve(repo, "example-reviewer-1", "2025-02-10")  # 1 of 2: under review
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("status: under_review", "status: approved"), encoding="utf-8")
    _commit(repo.root, REVIEWER, "Approved with one approval of two (pushed past check)")
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 2", "approvals_required: 1"), encoding="utf-8")
    _approve_configuration(repo, _git(repo.root, "rev-parse", "HEAD").strip(), "2025-03-01")
    _commit(repo.root, MAINTAINER, "One approval from now on (edited in place)")
    # The approval was recorded under "2": a later edit does not make it enough.
    assert "Educational purpose only" in _page(repo)
    assert not (repo.root / "site" / "articles" / "test-question" / "v1").exists()
    _approve(repo, "example-reviewer-3", "2025-03-05")  # an approval made under the new rules
    _commit(repo.root, REVIEWER_C, "Approve")
    assert "Educational purpose only" not in _page(repo) and "<td>50 mg/m²</td>" in _version_page(repo, 1)


# -- (c) lifecycle and dates over the whole history ----------------------------------------------------

def test_a_retired_article_is_not_revived_with_its_old_approvals_over_two_pull_requests(repo):
    _approved_and_merged(repo)
    path = repo.root / ARTICLE
    approved = path.read_text(encoding="utf-8")
    path.write_text(approved.replace("status: approved", "status: retired").replace("  author:", "  retired_reason: Superseded.\n  author:"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Retire")
    _approve(repo, "example-reviewer-3", "2025-03-01")
    _commit(repo.root, REVIEWER_C, "Retire, reviewed")
    retirement = _git(repo.root, "rev-parse", "HEAD").strip()
    retired = _new_base(repo, "merged")
    # Pull request A: back to review, approvals emptied (allowed: retired → submitted).
    path.write_text(_without_approvals(approved).replace("status: approved", "status: submitted"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Bring it back for review")
    _passes_check(repo, retired)
    step = _new_base(repo, "merged pull request A")
    # Pull request B: approved again, with the approval made before the retirement.
    path.write_text(approved, encoding="utf-8")
    _commit(repo.root, AUTHOR, "Approved again")
    _refused(repo, step, f"review.approvals[0]: approval by example-reviewer-1 of 2025-02-10 was given before the article was retired "
                         f"(commit {retirement[:10]}); it never counts again (approve it anew)")
    # approve never carries it over: the old record is dropped and a new approval is needed.
    _approve(repo, "example-reviewer-3", "2025-04-01")
    text = path.read_text(encoding="utf-8")
    assert "date: 2025-02-10" not in text and "date: 2025-04-01" in text and "status: approved" in text
    _commit(repo.root, REVIEWER_C, "Approved anew")
    _passes_check(repo, step)


def test_an_approval_dated_before_the_contents_updated_date_is_refused(repo):
    _submitted(repo)  # review.updated: 2025-02-01
    result = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-01-20")
    assert result.exit_code == 1
    assert "an approval cannot be dated before the content's review.updated (2025-02-01); got 2025-01-20" in result.stderr
    _write_approved(repo, signed_approvals(repo.keys, _article(repo), [("example-reviewer-1", "2025-01-20")]))
    _commit(repo.root, REVIEWER, "Approve, dated before the update")
    _refused(repo, repo.base, "review.approvals[0].date: expected an approval dated on or after review.updated (2025-02-01); got 2025-01-20")


def test_a_former_reviewer_cannot_back_date_an_approval_into_their_term(repo, monkeypatch):
    def leaves(root):
        registry = root / "site_config" / "reviewers.yaml"
        registry.write_text(registry.read_text(encoding="utf-8").replace(
            "  email: reviewer-a@example.org\n", "  email: reviewer-a@example.org\n  active_until: 2025-03-01\n"), encoding="utf-8")

    _amend_base(repo, leaves)  # Dr. A left the board on March 1, 2025
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2025-04-01T12:00:00+00:00")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2025-04-01T12:00:00+00:00")
    _submitted(repo)  # the content is written on April 1
    base = _new_base(repo, "merged")
    written = _git(repo.root, "log", "--format=%H", "-n1", "--", ARTICLE).strip()
    # Dr. A signs it dated February 20, inside the old term, for content that did not exist then.
    result = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-20")
    assert result.exit_code == 1
    assert f"an approval cannot be dated before its content first appeared in history (2025-04-01, commit {written[:10]}); got 2025-02-20" in result.stderr
    _write_approved(repo, signed_approvals(repo.keys, _article(repo), [("example-reviewer-1", "2025-02-20")]))
    _commit(repo.root, REVIEWER, "Approve, back-dated")
    _refused(repo, base, f"review.approvals[0].date: expected an approval dated on or after 2025-04-01, when this content first appeared in history "
                         f"(commit {written[:10]}); got 2025-02-20")


def test_approve_never_writes_approved_where_check_would_refuse_it_under_the_newest_rules(repo):
    def raised_in_june(root):
        site = root / "site_config" / "site.yaml"
        site.write_text(site.read_text(encoding="utf-8").replace(
            "review_rules:\n  approvals_required: 1\n  author_may_approve: false\n",
            "review_rules:\n  - approvals_required: 1\n  - since: 2025-06-01\n    approvals_required: 2\n"), encoding="utf-8")

    _amend_base(repo, raised_in_june)
    _submitted(repo)
    result = _approve(repo, "example-reviewer-1", "2025-05-01")  # dated before the rules of June
    assert "1 more approval(s) needed" in result.output
    assert "status: under_review" in (repo.root / ARTICLE).read_text(encoding="utf-8")
    _commit(repo.root, REVIEWER, "First approval")
    _passes_check(repo, repo.base)
    build = _cli(repo, "build", "--judge-by", repo.base)
    assert build.exit_code == 0, build.output + build.stderr
    assert "Educational purpose only" in _html(repo, "gynecologic-oncology/test-question")
    _approve(repo, "example-reviewer-3", "2025-05-02")
    assert "status: approved" in (repo.root / ARTICLE).read_text(encoding="utf-8")
    _commit(repo.root, REVIEWER_C, "Second approval")
    _passes_check(repo, repo.base)


# -- item 7: messages that say what happened ----------------------------------------------------------------

def test_a_moved_article_re_approved_is_a_move(repo):
    base = _approved_and_merged(repo)
    moved = _move_to_medical_oncology(repo)
    path = repo.root / moved
    _approve(repo, "example-reviewer-3", "2025-03-05")
    assert "version: 2" in path.read_text(encoding="utf-8")
    _commit(repo.root, REVIEWER_C, "Re-approve where it now is")
    _passes_check(repo, base)
    report = _cli(repo, "review-report", "--base", base).output
    assert "\n1 moved.\n" in report
    assert f"| `{moved}` — Does drug A improve survival in condition B? | moved | Approved | changed | 1 of 1 current |" in report
    assert "removed" not in report and "deleted" not in report
    assert _cli(repo, "build").exit_code == 0  # version 1 keeps its permanent copy; the old address points to the new
    assert "<td>50 mg/m²</td>" in _html(repo, "articles/test-question/v1")
    assert "Moved: Does drug A improve survival in condition B?" in _html(repo, "gynecologic-oncology/test-question")


def test_a_version_only_change_is_named_as_one(repo):
    base = _approved_and_merged(repo)
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("  status: approved\n", "  status: approved\n  version: 2\n"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Call it version 2")
    stderr = _refused(repo, base, "review.version: expected version 1: only the version number changed, and the content is the one "
                                  "approved as version 1 (version numbers are given by guidesite approve); got 2")
    assert "is stale" not in stderr and "update" not in stderr
    page = _page(repo)  # readers keep version 1 as it was approved, with no "update under review"
    assert "An update to this article is under review." not in page and "Last reviewed February 10, 2025 by" in page


def test_an_unapproved_retirement_says_it_is_not_approved(repo):
    base = _approved_and_merged(repo)
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("status: approved", "status: retired").replace(
        "  author:", "  retired_reason: Superseded by newer trial data.\n  author:"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Retire without review")
    stderr = _refused(repo, base, "review.status: expected 1 approval(s) of the retirement (retiring an article is reviewed like publishing it); "
                                  "got 0: the approval by example-reviewer-1 of 2025-02-10 approved the article before it was retired "
                                  "(approve the retirement with: guidesite approve test-question --reviewer ID)")
    assert "stale" not in stderr


def test_next_review_later_than_the_review_cycle_is_refused(repo):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("next_review: 2026-02-01", "next_review: 2027-02-01")
    repo.article(text=text)
    _commit(repo.root, AUTHOR, "Submit, next review in two years")
    result = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    assert result.exit_code == 1
    assert ("review.next_review (2027-02-01) is more than 12 months after the approval (review_rules.review_cycle_months): "
            "set it on or before 2026-02-10 first") in result.stderr
    approvals = signed_approvals(repo.keys, _article(repo), [("example-reviewer-1", "2025-02-10")])
    repo.write(ARTICLE, text.replace("status: submitted", "status: approved").replace("  next_review: 2027-02-01\n", "  next_review: 2027-02-01\n" + approvals))
    _commit(repo.root, REVIEWER, "Approve")
    _refused(repo, repo.base, "review.next_review: expected the next review within 12 months of the approval of 2025-02-10 "
                              "(review_rules.review_cycle_months): on or before 2026-02-10; got 2027-02-01")
