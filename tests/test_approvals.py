"""Approvals no one can forge: every way an author could make a page read "Approved by Dr. X"
without Dr. X is tried here, in a temporary git repository, and each is refused by
``guidesite check --base`` with a located message while the built page never reads Approved.
One legitimate story (two reviewers, their own keys, a squash merge) passes end to end.

All reviewers and keys are the fictional samples of site_config/reviewers.yaml and tests/keys/.
"""

from __future__ import annotations

import subprocess

from conftest import VALID_ARTICLE, signed_approvals, signer
from guidesite.load import load
from guidesite.validate import validate
from test_review import AUTHOR, REVIEWER, _cli, _commit, _git, _page, _passes_check, repo  # noqa: F401 - the repository fixture

ARTICLE = "content/gynecologic-oncology/test-question.yaml"
REVIEWER_C = ("Dr. Example Reviewer C", "reviewer-c@example.org")
MAINTAINER = ("Maintainer", "maintainer@example.org")


def _refused(project, base, *needles: str) -> str:
    result = _cli(project, "check", "--base", base)
    assert result.exit_code == 1, result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert f"{ARTICLE}:1:1:" not in result.stderr or "site_config" in needles[0], "problems in the article must be located"
    return result.stderr


def _approve(project, reviewer: str, day: str, coi: str = "none"):
    result = _cli(project, "approve", "test-question", *signer(project.keys, reviewer, coi), "--date", day)
    assert result.exit_code == 0, result.output + result.stderr
    return result


def _write_approved(project, approvals_yaml: str, text: str | None = None) -> None:
    text = text or VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    project.write(ARTICLE, text.replace("status: submitted", "status: approved").replace(
        "  next_review: 2026-02-01\n", "  next_review: 2026-02-01\n" + approvals_yaml))


def _article(project):
    return next(a for a in validate(load(project.root)).articles if a.id == "test-question")


def _submitted(project) -> None:
    project.article()
    _commit(project.root, AUTHOR, "Submit an article")


def _new_base(project, message: str) -> str:
    """What main holds after the change is merged: the base of the next change."""
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-q", "--allow-empty", "-m", message, identity=MAINTAINER)
    project.base = _git(project.root, "rev-parse", "HEAD").strip()
    return project.base


def _assert_not_approved(project) -> None:
    """Readers see no unreviewed content: the pending banner, or (for an edit of an approved
    article) the last approved version with a note that an update is under review."""
    html = _page(project)
    assert "Educational purpose only" in html or "An update to this article is under review." in html


def _assert_not_approved_when_judged_by(project, base: str) -> None:
    """The pull request's build (as CI makes it: judged by the base's registry and rules) does not read Approved."""
    result = _cli(project, "build", "--judge-by", base)
    assert result.exit_code == 0, result.output + result.stderr
    html = (project.root / "site" / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert "Educational purpose only" in html


# -- forged signatures ---------------------------------------------------------------------------

def test_a_record_signed_with_another_reviewers_key_counts_nowhere(repo):
    _submitted(repo)
    forged = signed_approvals(repo.keys, _article(repo), [("example-reviewer-3", "2025-02-10")]).replace(
        "reviewer: example-reviewer-3", "reviewer: example-reviewer-1")
    _write_approved(repo, forged)
    _commit(repo.root, ("Dr. Example Reviewer A", "reviewer-a@example.org"), "Approve (forged)")
    _refused(repo, repo.base, "review.approvals[0]: approval by example-reviewer-1 does not count: its signature does not verify against the registry's key")
    _assert_not_approved(repo)


def test_an_approval_copied_from_another_article_does_not_verify(repo):
    _submitted(repo)
    _approve(repo, "example-reviewer-1", "2025-02-10")
    approved = (repo.root / ARTICLE).read_text(encoding="utf-8")
    twin = approved.replace("id: test-question", "id: twin-question")
    repo.write("content/gynecologic-oncology/twin-question.yaml", twin)  # same content, same signed record
    _commit(repo.root, AUTHOR, "A twin carrying the first article's approval")
    result = _cli(repo, "check", "--base", repo.base)
    assert result.exit_code == 1
    # The statement names the article (and its hash covers the id): the copy is another article's approval.
    assert "content/gynecologic-oncology/twin-question.yaml:45:7: review.approvals[0]: approval by example-reviewer-1" in result.stderr
    assert "Educational purpose only" in _build_html(repo, "twin-question")


def _build_html(project, article_id: str) -> str:
    assert _cli(project, "build").exit_code == 0
    return (project.root / "site" / "gynecologic-oncology" / article_id / "index.html").read_text(encoding="utf-8")


def test_approve_refuses_a_key_that_is_not_the_reviewers(repo):
    _submitted(repo)
    result = _cli(repo, "approve", "test-question", "--reviewer", "example-reviewer-1", "--coi", "none",
                  "--key", str(repo.keys["example-reviewer-3"]), "--date", "2025-02-10")
    assert result.exit_code == 1
    assert "is not the signing key registered for example-reviewer-1" in result.stderr


# -- the change may not set its own rules ----------------------------------------------------------

def test_a_change_that_adds_its_author_to_the_registry_cannot_approve(repo, tmp_path):
    _submitted(repo)
    key = tmp_path / "newcomer"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    registry = repo.root / "site_config" / "reviewers.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + (
        "- id: example-newcomer\n  name: Newcomer (sample)\n  credentials: MD (fictional)\n  specialties: [gynecologic-oncology]\n"
        f"  disclosures: none\n  signing_key: \"{key.with_suffix('.pub').read_text().split(' ', 2)[0]} {key.with_suffix('.pub').read_text().split(' ', 2)[1]}\"\n"
        "  example: true\n"), encoding="utf-8")
    assert _cli(repo, "codeowners").exit_code == 0
    result = _cli(repo, "approve", "test-question", "--reviewer", "example-newcomer", "--coi", "none", "--key", str(key), "--date", "2025-02-10")
    assert result.exit_code == 0, result.output + result.stderr  # the working tree's registry knows them…
    _commit(repo.root, AUTHOR, "Add myself to the board and approve")
    _refused(repo, repo.base,
             "approval by example-newcomer does not count: not in the base's registry",  # …the base's does not
             "site_config/reviewers.yaml): expected 1 signed approval(s) by editors of the base's registry")
    _assert_not_approved_when_judged_by(repo, repo.base)


def test_lowering_the_rules_in_the_same_change_does_not_apply(repo):
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 1", "approvals_required: 2"), encoding="utf-8")
    _new_base(repo, "Two approvals required")
    _submitted(repo)
    site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 2", "approvals_required: 1")
                    .replace("author_may_approve: false", "author_may_approve: true"), encoding="utf-8")
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, REVIEWER, "One approval is enough now")
    stderr = _refused(repo, repo.base, "review.status: expected 2 current approval(s) for 'approved'; got 1",
                      "code or configuration changed (site_config/site.yaml)")
    assert "site_config/site.yaml" in stderr
    _assert_not_approved_when_judged_by(repo, repo.base)
    report = _cli(repo, "review-report", "--base", repo.base).output
    assert "-  approvals_required: 2" in report and "+  approvals_required: 1" in report
    assert "+  author_may_approve: true" in report


def test_a_changed_grading_legend_or_disclaimer_needs_an_editor_and_is_shown_to_reviewers(repo):
    grading = repo.root / "site_config" / "grading.yaml"
    text = grading.read_text(encoding="utf-8")
    legend = "Based on lower-level evidence, with NCCN panel consensus that is not uniform but without major disagreement."
    assert legend in text
    grading.write_text(text.replace(legend, "high-level evidence, uniform consensus"), encoding="utf-8")
    result = _cli(repo, "check", "--base", repo.base)
    assert result.exit_code == 1
    assert "code or configuration changed (site_config/grading.yaml): expected 1 signed approval(s) by editors" in result.stderr
    report = _cli(repo, "review-report", "--base", repo.base).output
    assert "+" in report and "high-level evidence, uniform consensus" in report
    # An editor of the base's registry signs it; any further edit makes that approval stale.
    assert _cli(repo, "approve-site", "--base", repo.base, "--reviewer", "example-reviewer-3", "--key", str(repo.keys["example-reviewer-3"]), "--date", "2025-02-10").exit_code == 0
    _passes_check(repo, repo.base)
    grading.write_text(grading.read_text(encoding="utf-8").replace("uniform consensus", "unanimous"), encoding="utf-8")
    assert _cli(repo, "check", "--base", repo.base).exit_code == 1
    # A reviewer who is not an editor cannot sign it.
    assert _cli(repo, "approve-site", "--base", repo.base, "--reviewer", "example-reviewer-1", "--key", str(repo.keys["example-reviewer-1"]), "--date", "2025-02-10").exit_code == 1


# -- who wrote it ------------------------------------------------------------------------------------

def test_a_reviewer_who_wrote_the_change_may_not_approve_it(repo):
    # Ghost-writing: the reviewer writes the article under someone else's name, then approves it.
    repo.article(text=VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "author: Example Author (test)", "author: Someone Else (test)"))
    _commit(repo.root, ("Dr. Example Reviewer A", "reviewer-a@example.org"), "Write an article")
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve it")
    _refused(repo, repo.base, "approval by example-reviewer-1 does not count: example-reviewer-1 wrote part of this change")


def test_the_pull_requests_author_may_not_approve_it(repo):
    _submitted(repo)
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve")
    result = _cli(repo, "check", "--base", repo.base, "--change-author", "example-reviewer-1")
    assert result.exit_code == 1
    assert "approval by example-reviewer-1 does not count: example-reviewer-1 opened this change (GitHub example-reviewer-1)" in result.stderr


# -- dates that cannot lie ------------------------------------------------------------------------------

def test_an_approval_dated_after_the_build_date_is_refused(repo):
    _submitted(repo)
    result = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2099-01-01")
    assert result.exit_code == 1 and "an approval cannot be dated after today" in result.stderr
    # Signed by hand with the right key, the record is still refused.
    _write_approved(repo, signed_approvals(repo.keys, _article(repo), [("example-reviewer-1", "2099-01-01")]))
    result = _cli(repo, "build")
    assert result.exit_code == 1
    assert "review.approvals[0].date: expected a date on or before the build date (2025-08-01); got 2099-01-01" in result.stderr


def test_moving_next_review_after_approval_needs_a_new_approval(repo):
    base = _approved_and_merged(repo)
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("next_review: 2026-02-01", "next_review: 2035-02-01"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Push the review date back")
    _refused(repo, base, "approval by example-reviewer-1 of 2025-02-10 is stale")
    _assert_not_approved(repo)


# -- the registry -----------------------------------------------------------------------------------------

def test_one_person_cannot_hold_two_registry_entries(repo):
    registry = repo.root / "site_config" / "reviewers.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("email: reviewer-c@example.org", "email: reviewer-a@example.org"), encoding="utf-8")
    result = _cli(repo, "validate")
    assert result.exit_code == 1
    assert "email: expected each person once in the registry; this email is also example-reviewer-1's" in result.stderr


def test_a_member_who_left_keeps_past_approvals_and_cannot_approve_later(repo):
    _submitted(repo)
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve")
    registry = repo.root / "site_config" / "reviewers.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace(
        "  email: reviewer-a@example.org\n", "  email: reviewer-a@example.org\n  active_until: 2025-03-01\n"), encoding="utf-8")
    assert _cli(repo, "approve-site", "--base", repo.base, "--reviewer", "example-reviewer-3", "--key", str(repo.keys["example-reviewer-3"]), "--date", "2025-03-02").exit_code == 0
    _commit(repo.root, MAINTAINER, "Reviewer A leaves the board")
    _passes_check(repo, repo.base)
    assert "Last reviewed February 10, 2025 by" in _page(repo)  # the past approval stands
    board = (repo.root / "site" / "advisory-board" / "index.html").read_text(encoding="utf-8")
    assert board.index("Former members") < board.index("Dr. Example Reviewer A")
    base = _new_base(repo, "merged")
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Change a dose")
    result = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-04-01")
    assert result.exit_code == 1 and "is not on the board on 2025-04-01" in result.stderr
    _assert_not_approved(repo)
    assert base


# -- retirement ------------------------------------------------------------------------------------------------

def _approved_and_merged(project) -> str:
    _submitted(project)
    _approve(project, "example-reviewer-1", "2025-02-10")
    _commit(project.root, REVIEWER, "Approve")
    return _new_base(project, "merged")


def test_retiring_needs_approval_and_a_reason(repo):
    base = _approved_and_merged(repo)
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("status: approved", "status: retired"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Retire without review")
    _refused(repo, base, "review.status: expected review.retired_reason (shown to readers) when retiring an article; got none")
    path.write_text(path.read_text(encoding="utf-8").replace("  author:", "  retired_reason: Superseded by newer trial data.\n  author:"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Give a reason")
    # The approval it carries is of the article before its retirement: the retirement itself is not approved (not "stale").
    _refused(repo, base, "review.status: expected 1 approval(s) of the retirement (retiring an article is reviewed like publishing it); got 0: "
                         "the approval by example-reviewer-1 of 2025-02-10 approved the article before it was retired")
    _approve(repo, "example-reviewer-3", "2025-03-01")
    _commit(repo.root, REVIEWER_C, "Approve the retirement")
    _passes_check(repo, base)
    assert "Reason: Superseded by newer trial data." in _page(repo)
    feed = (repo.root / "site" / "feed.xml").read_text(encoding="utf-8")
    assert "(retired)</title>" in feed and "Retired. Superseded by newer trial data." in feed
    assert "(new article)</title>" in feed  # version 1 stays in the feed's history
    # One feed per specialty: this article is in its specialty's feed, not in another's.
    assert "(retired)</title>" in (repo.root / "site" / "gynecologic-oncology" / "feed.xml").read_text(encoding="utf-8")
    assert "<entry>" not in (repo.root / "site" / "medical-oncology" / "feed.xml").read_text(encoding="utf-8")


def test_a_retired_article_is_not_deleted_nor_revived_with_its_old_approvals(repo):
    base = _approved_and_merged(repo)
    path = repo.root / ARTICLE
    approved = path.read_text(encoding="utf-8")
    path.write_text(approved.replace("status: approved", "status: retired").replace(
        "  author:", "  retired_reason: Superseded.\n  author:"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Retire")
    _approve(repo, "example-reviewer-3", "2025-03-01")
    _commit(repo.root, REVIEWER_C, "Retire, reviewed")
    _passes_check(repo, base)
    retired_base = _new_base(repo, "merged")
    path.unlink()
    _commit(repo.root, AUTHOR, "Delete it")
    result = _cli(repo, "check", "--base", retired_base)
    assert result.exit_code == 1 and "expected a retired article to stay" in result.stderr
    _git(repo.root, "reset", "-q", "--hard", retired_base)
    path.write_text(approved, encoding="utf-8")  # back to approved, carrying the approval from before retirement
    _commit(repo.root, AUTHOR, "Revive it")
    _refused(repo, retired_base, "approval by example-reviewer-1 of 2025-02-10 was given before the article was retired; it never counts again")


# -- the legitimate story ---------------------------------------------------------------------------------------

def test_two_reviewers_sign_with_their_own_keys_and_the_squash_merged_page_names_both(repo):
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 1", "approvals_required: 2"), encoding="utf-8")
    base = _new_base(repo, "Two approvals required")
    _submitted(repo)
    first = _approve(repo, "example-reviewer-1", "2025-02-10", coi="none")
    assert "1 more approval(s) needed" in first.output
    _commit(repo.root, REVIEWER, "First approval")
    _approve(repo, "example-reviewer-3", "2025-02-12", coi="speaker fees from Example Pharma (fictional)")
    _commit(repo.root, REVIEWER_C, "Second approval")
    _git(repo.root, "reset", "-q", "--soft", base)
    _commit(repo.root, MAINTAINER, "Squash merge")
    _passes_check(repo, base)
    html = _page(repo)
    assert "Last reviewed February 12, 2025 by" in html
    assert "Dr. Example Reviewer A (sample)" in html and "on February 10, 2025" in html  # in the reviewers block
    assert "Dr. Example Reviewer C (sample)" in html
    assert "declared interests: speaker fees from Example Pharma (fictional)" in html
    assert "Educational purpose only" not in html


def test_the_review_report_shows_reviewers_what_changed_clinically(repo):
    base = _approved_and_merged(repo)
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2").replace(
        "{system: grade, certainty: moderate, strength: strong}", "{system: grade, certainty: moderate, strength: conditional}"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Change a dose and a grade")
    report = _cli(repo, "review-report", "--base", base).output
    assert "sections › Regimen › blocks › regimen Drug A with drug B › components › drug a › dose: '50 mg/m2' → '60 mg/m2'" in report
    assert "sections › Regimen › blocks › list 2 › 'A graded point' › evidence › grade › strength: 'strong' → 'conditional'" in report


def test_audit_lists_every_approval_ever_made_with_its_signature_status(repo):
    import csv
    import io
    import json

    base = _approved_and_merged(repo)
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Change a dose")
    _approve(repo, "example-reviewer-3", "2025-03-01", coi="speaker fees (fictional)")  # replaces the stale approval
    _commit(repo.root, REVIEWER_C, "Approve v2")
    rows = list(csv.DictReader(io.StringIO(_cli(repo, "audit").output)))
    assert [(r["reviewer"], r["version"], r["date"], r["signature"]) for r in rows] == [
        ("example-reviewer-1", "1", "2025-02-10", "valid"), ("example-reviewer-3", "2", "2025-03-01", "valid")]
    assert rows[1]["coi"] == "speaker fees (fictional)" and rows[1]["trust"].startswith("key SHA256:")
    assert rows[0]["commit"] != rows[1]["commit"] and rows[0]["content"] != rows[1]["content"]
    assert json.loads(_cli(repo, "audit", "--format", "json").output)[1]["reviewer"] == "example-reviewer-3"
    assert base


def test_a_raised_requirement_does_not_re_judge_the_past_nor_spare_new_approvals(repo):
    base = _approved_and_merged(repo)  # approved under "1 approval" on 2025-02-10
    site = repo.root / "site_config" / "site.yaml"
    text = site.read_text(encoding="utf-8")
    site.write_text(text.replace("review_rules:\n  approvals_required: 1\n  author_may_approve: false\n",
                                 "review_rules:\n  - approvals_required: 1\n  - since: 2025-06-01\n    approvals_required: 2\n"), encoding="utf-8")
    assert "since: 2025-06-01" in site.read_text(encoding="utf-8")
    assert _cli(repo, "approve-site", "--base", repo.base, "--reviewer", "example-reviewer-3", "--key", str(repo.keys["example-reviewer-3"]), "--date", "2025-07-01").exit_code == 0
    _commit(repo.root, MAINTAINER, "Two approvals from June")
    _passes_check(repo, base)
    assert "Last reviewed February 10, 2025 by" in _page(repo)  # still approved: judged by the rules of its day
    base = _new_base(repo, "merged")
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Change a dose")
    # Back-dated to before the new rules: approve judges it as check does (by the newest rules), so it is not approved…
    assert "1 more approval(s) needed" in _approve(repo, "example-reviewer-3", "2025-05-01").output
    path.write_text(path.read_text(encoding="utf-8").replace("status: under_review", "status: approved"), encoding="utf-8")
    _commit(repo.root, REVIEWER_C, "Approve")
    _refused(repo, base, "review.status: expected 2 current approval(s) for 'approved'; got 1")  # …and check refuses it written by hand


def test_an_approval_dated_before_the_base_its_content_was_written_on_is_refused(repo, monkeypatch):
    _submitted(repo)
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2025-03-01T12:00:00+00:00")
    base = _new_base(repo, "main moves on (March 1)")
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Change a dose")
    # Back-dated: this content did not exist then.  approve refuses it; signed by hand, check does.
    result = _cli(repo, "approve", "test-question", *signer(repo.keys, "example-reviewer-1"), "--date", "2025-02-10")
    assert result.exit_code == 1 and "an approval cannot be dated before its content first appeared in history (2025-03-01" in result.stderr
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: submitted", "status: approved").replace(
        "  next_review: 2026-02-01\n", "  next_review: 2026-02-01\n" + signed_approvals(repo.keys, _article(repo), [("example-reviewer-1", "2025-02-10")])), encoding="utf-8")
    _commit(repo.root, REVIEWER, "Approve")
    _refused(repo, base, "review.approvals[0].date: expected an approval dated on or after 2025-03-01 (the base this content was written on); got 2025-02-10")


def test_the_sample_sites_approval_is_signed_with_the_fictional_reviewers_key():
    from conftest import REPO
    from guidesite.pipeline import Pipeline
    from guidesite.approvals import approval_state

    validated = Pipeline(REPO).validate()
    approved = [a for a in validated.articles if a.review.status == "approved"]
    assert approved
    for article in approved:
        state = approval_state(article, validated.site)
        assert state.rules_met and not state.stale and not state.not_counted, (article.id, state)


def test_approve_shows_what_changed_since_the_last_approved_version_before_signing(repo):
    _approved_and_merged(repo)
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Change a dose")
    output = _approve(repo, "example-reviewer-3", "2025-03-01").output
    assert output.index("Approving test-question version 2; changes since version 1:") < output.index("Approved test-question")
    assert "components › drug a › dose: '50 mg/m2' → '60 mg/m2'" in output
