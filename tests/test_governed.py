"""Code, templates and configuration are reviewed like content: every file outside content/ needs
editors' signed approvals, bound to what changed and to the commit they were made on, and the
publish verifies that chain from history.

Each attack seen on main is reproduced in a temporary git repository, and the legitimate stories
(a template change approved by an editor, a rebase-merged code change) pass.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

from conftest import REPO
from test_approvals import ARTICLE, MAINTAINER, _approve, _assert_not_approved, _new_base, _submitted
from test_github_reviews import _review_event
from test_review import AUTHOR, REVIEWER, _cli, _commit, _git, _passes_check, repo  # noqa: F401 - the repository fixture

TEMPLATE = "theme/templates/article.md.j2"
EDITOR = "example-reviewer-3"


def _head(project) -> str:
    return _git(project.root, "rev-parse", "HEAD").strip()


def _check(project, base):
    return _cli(project, "check", "--base", base)


def _approve_site(project, base: str, day: str = "2025-02-10", editor: str = EDITOR):
    return _cli(project, "approve-site", "--base", base, "--reviewer", editor, "--key", str(project.keys[editor]), "--date", day)


def _publish(project, tmp_path, *extra):
    return _cli(project, "publish", "--to", str(tmp_path / "published"), "--edition", "2025-08", *extra)


def _add_newcomer(project, tmp_path) -> None:
    import subprocess

    key = tmp_path / "newcomer"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    registry = project.root / "site_config" / "reviewers.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + (
        "- id: example-newcomer\n  name: Newcomer (sample)\n  credentials: MD (fictional)\n  specialties: [gynecologic-oncology]\n"
        f"  disclosures: none\n  signing_key: \"{public}\"\n  example: true\n"), encoding="utf-8")
    project.keys["example-newcomer"] = key


def _remove_newcomer(project) -> None:
    registry = project.root / "site_config" / "reviewers.yaml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text[:text.index("- id: example-newcomer")], encoding="utf-8")


# -- a change against its base ---------------------------------------------------------------------


def test_a_template_change_needs_an_editor_and_the_report_shows_its_diff(repo):
    """The attack: the pending banner's condition is changed in the template; check said OK and the report
    'No article is added, changed or removed … may be merged'.  The legitimate story: an editor approves it."""
    template = repo.root / TEMPLATE
    text = template.read_text(encoding="utf-8")
    assert "{% if" in text
    template.write_text(text.replace("{% if", "{% if false and", 1), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Simplify the banner")
    result = _check(repo, repo.base)
    assert result.exit_code == 1
    assert f"{TEMPLATE}:1:1: code or configuration changed ({TEMPLATE}): expected 1 signed approval(s) by editors of the base's registry ({EDITOR})" in result.stderr
    report = _cli(repo, "review-report", "--base", repo.base).output
    assert "### Code and configuration changed" in report and "Texts and templates readers see:" in report
    assert "+{% if false and" in report and "may be merged" not in report
    approved = _approve_site(repo, repo.base)
    assert approved.exit_code == 0, approved.output + approved.stderr
    assert f"Files changed since the base: {TEMPLATE}" in approved.output
    _commit(repo.root, MAINTAINER, "Editor approves the template change")
    _passes_check(repo, repo.base)
    report = _cli(repo, "review-report", "--base", repo.base).output
    assert f"Editors' signed approvals: 1 of 1 ({EDITOR})" in report


def test_a_hook_added_in_mkdocs_yml_or_a_changed_checker_needs_an_editor(repo):
    (repo.root / "hooks.py").write_text("def on_page_markdown(markdown, **kwargs):\n    return markdown.replace('Under Review', 'Approved')\n", encoding="utf-8")
    config = repo.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "hooks:\n  - hooks.py\n", encoding="utf-8")
    checker = repo.root / "generator" / "approvals.py"
    checker.parent.mkdir(parents=True)
    shutil.copy(REPO / "generator" / "approvals.py", checker)
    _commit(repo.root, AUTHOR, "A hook and the checker")
    base = _new_base(repo, "merged without review (the base of the next change)")
    checker.write_text(checker.read_text(encoding="utf-8").replace("    if not approval.signature:", "    return None\n    if not approval.signature:"), encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace("hooks:\n  - hooks.py\n", "hooks:\n  - hooks.py\n  - hooks.py\n"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Accept any signature")
    result = _check(repo, base)
    assert result.exit_code == 1
    assert "code or configuration changed (generator/approvals.py, mkdocs.yml)" in result.stderr
    report = _cli(repo, "review-report", "--base", base).output
    assert "- `generator/approvals.py`: +1 −0" in report  # code is listed; the diff is read on GitHub
    assert "+  - hooks.py" in report  # mkdocs.yml is shown in full: it decides what readers get


def test_an_editors_approval_is_not_replayed_onto_a_state_that_comes_back(repo, tmp_path):
    """The attack: an editor approved adding a reviewer (whose key later leaked); the reviewer was removed;
    a later pull request restores that registry and its approvals file."""
    _add_newcomer(repo, tmp_path)
    assert _cli(repo, "codeowners").exit_code == 0
    assert _approve_site(repo, repo.base).exit_code == 0
    _commit(repo.root, MAINTAINER, "Add a reviewer (approved by the editor)")
    _passes_check(repo, repo.base)
    with_newcomer = _new_base(repo, "merged")
    _remove_newcomer(repo)
    assert _approve_site(repo, with_newcomer, day="2025-03-01").exit_code == 0
    _commit(repo.root, MAINTAINER, "Remove the reviewer: their key leaked")
    _passes_check(repo, with_newcomer)
    without = _new_base(repo, "merged")
    _git(repo.root, "checkout", with_newcomer, "--", "site_config", ".github")  # the old state and its approval
    _commit(repo.root, AUTHOR, "Restore the board")
    result = _check(repo, without)
    assert result.exit_code == 1
    assert "expected 1 signed approval(s) by editors of the base's registry" in result.stderr
    assert f"not counted: {EDITOR}: it was made on commit" in result.stderr and "code or configuration changed since" in result.stderr


def test_an_approval_made_on_another_branch_or_backdated_does_not_count(repo):
    (repo.root / "site_config" / "editorial-policy.md").write_text("We review every article.\n", encoding="utf-8")
    _git(repo.root, "checkout", "-q", "-b", "elsewhere")
    _commit(repo.root, AUTHOR, "A commit that is not on main")
    elsewhere = _head(repo)
    assert _approve_site(repo, elsewhere).exit_code == 0
    _git(repo.root, "checkout", "-q", "main")
    _git(repo.root, "checkout", "elsewhere", "--", ".")
    result = _check(repo, repo.base)
    assert result.exit_code == 1 and f"it was made on commit {elsewhere[:10]}, which is not the base" in result.stderr
    # approve-site never signs a date before its base existed (the base was committed on 2025-01-15)
    result = _approve_site(repo, repo.base, day="2025-01-01")
    assert result.exit_code == 1 and "before" in result.stderr


def test_a_submodule_in_the_governed_files_is_a_change_too(repo, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    _git(other, "init", "-q", "-b", "main")
    (other / "main.html").write_text("{{ super() }}\n", encoding="utf-8")
    _commit(other, AUTHOR, "an overrides repository")
    _git(repo.root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "theme/vendor")
    _commit(repo.root, AUTHOR, "Vendor some overrides")
    result = _check(repo, repo.base)
    assert result.exit_code == 1 and "code or configuration changed (.gitmodules, theme/vendor)" in result.stderr


def test_the_verdict_never_runs_the_changes_own_code(repo, tmp_path):
    """A pull request's mkdocs.yml hook and theme are never executed by validate, check, review-report,
    schema --check, codeowners --check or the review recorder (they run the base's tool over data)."""
    marker = tmp_path / "ran"
    (repo.root / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    config = repo.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "hooks:\n  - evil.py\n", encoding="utf-8")
    _submitted(repo)
    for args in (["validate"], ["check", "--base", repo.base], ["review-report", "--base", repo.base], ["codeowners", "--check"],
                 ["schema", "--check"], ["audit"]):
        _cli(repo, *args)
    event = _review_event(repo, tmp_path, login="example-reviewer-1")
    assert _cli(repo, "approve", "--from-github-event", str(event), "--key", str(repo.keys["example-publisher-bot"])).exit_code == 0
    assert not marker.exists(), "a verdict step executed the change's mkdocs.yml hook"
    _cli(repo, "build")  # the preview build is allowed to run it…
    assert marker.exists(), "…and does (so the check above could have failed)"


# -- the chain on the published branch ---------------------------------------------------------------


def test_a_registry_change_pushed_directly_stops_the_publish_and_taints_the_approvals_it_allowed(repo, tmp_path):
    """The attack: a registry change reaches main without editors' approval (a direct push); its reviewer's
    approvals would count from then on, and audit called them valid."""
    _submitted(repo)
    submitted = _head(repo)
    _add_newcomer(repo, tmp_path)
    assert _cli(repo, "codeowners").exit_code == 0
    _commit(repo.root, MAINTAINER, "Add a reviewer (pushed directly)")
    pushed = _head(repo)
    result = _cli(repo, "approve", "test-question", "--reviewer", "example-newcomer", "--coi", "none",
                  "--key", str(repo.keys["example-newcomer"]), "--date", "2025-02-10")
    assert result.exit_code == 0, result.output + result.stderr
    _commit(repo.root, ("Newcomer", "newcomer@example.org"), "Approve")
    result = _publish(repo, tmp_path)
    assert result.exit_code == 1
    assert f"commit {pushed[:10]} (Add a reviewer (pushed directly)) changed code or configuration without editors' approvals made on an approved commit: no approvals recorded" in result.stderr
    assert f"guidesite approve-site --base {submitted[:10]}" in result.stderr  # the last approved state
    assert "later commit" not in result.stderr and "1 problem(s) found" in result.stderr
    assert not (tmp_path / "published").exists()
    rows = list(csv.DictReader(io.StringIO(_cli(repo, "audit").output)))
    (row,) = [r for r in rows if r["reviewer"] == "example-newcomer"]
    assert row["signature"] == "valid" and row["chain"] == f"rests on unapproved change {pushed[:10]} (Add a reviewer (pushed directly))"
    # The way out: an editor approves the state as it is against the last approved commit.
    assert _approve_site(repo, repo.base, day="2025-03-01").exit_code == 0
    _commit(repo.root, MAINTAINER, "The editor approves the board as it is")
    result = _publish(repo, tmp_path)
    assert result.exit_code == 0, result.output + result.stderr
    rows = json.loads(_cli(repo, "audit", "--format", "json").output)
    assert {r["chain"] for r in rows} == {"approved"}


def test_a_rebase_merged_code_change_approved_by_an_editor_publishes(repo, tmp_path):
    """Rebase merging lands each commit of the pull request: the intermediate ones carry no approvals,
    the last one carries the editor's, made on the base."""
    _git(repo.root, "checkout", "-q", "-b", "change")
    template = repo.root / TEMPLATE
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _commit(repo.root, AUTHOR, "Template: a trailing line")
    (repo.root / "site_config" / "editorial-policy.md").write_text("Every article is reviewed by two clinicians.\n", encoding="utf-8")
    _commit(repo.root, AUTHOR, "Policy wording")
    assert _approve_site(repo, repo.base).exit_code == 0
    _commit(repo.root, MAINTAINER, "Editor approves")
    _passes_check(repo, repo.base)
    _git(repo.root, "checkout", "-q", "main")
    _git(repo.root, "rebase", "-q", "change")  # fast-forward: each commit lands on main
    result = _publish(repo, tmp_path)
    assert result.exit_code == 0, result.output + result.stderr
    # A later direct push on top is caught, and an anchor after it is the publisher's explicit choice.
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _commit(repo.root, AUTHOR, "Pushed directly")
    assert _publish(repo, tmp_path).exit_code == 1
    assert _publish(repo, tmp_path, "--trusted-since", "HEAD").exit_code == 0
    assert REVIEWER


def test_a_rebase_merged_two_reviewer_pull_request_publishes_and_names_both(repo, tmp_path):
    """The legitimate story: two approvals required (an editor-approved rule), an author's branch, two
    reviewers' signed approvals in their own commits, main moving on meanwhile, a rebase merge."""
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 1", "approvals_required: 2"), encoding="utf-8")
    assert _approve_site(repo, repo.base).exit_code == 0
    _commit(repo.root, MAINTAINER, "Two approvals required (approved by the editor)")
    base = _new_base(repo, "merged")
    _git(repo.root, "checkout", "-q", "-b", "new-article")
    _submitted(repo)
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, REVIEWER, "First approval")
    _approve(repo, "example-reviewer-3", "2025-02-12")
    _commit(repo.root, ("Dr. Example Reviewer C", "reviewer-c@example.org"), "Second approval")
    _passes_check(repo, base)
    _git(repo.root, "checkout", "-q", "main")
    moved_on = _new_base(repo, "main moves on meanwhile")
    _git(repo.root, "rebase", "-q", "main", "new-article")
    _git(repo.root, "checkout", "-q", "main")
    _git(repo.root, "merge", "-q", "--ff-only", "new-article")
    _passes_check(repo, moved_on)
    result = _publish(repo, tmp_path)
    assert result.exit_code == 0, result.output + result.stderr
    page = (tmp_path / "published" / "2025-08" / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert "Dr. Example Reviewer A (sample)" in page and "Dr. Example Reviewer C (sample)" in page
    assert "Educational purpose only" not in page


def test_a_change_that_raises_the_rules_is_told_its_own_approvals_fall_short(repo):
    """Approvals recorded in the same pull request that raises approvals_required pass the base's rules,
    but after the merge they are judged by the raised ones: check says so before the merge."""
    _submitted(repo)
    base = _new_base(repo, "the article is on main")
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("approvals_required: 1", "approvals_required: 2"), encoding="utf-8")
    assert _cli(repo, "codeowners").exit_code == 0
    _approve(repo, "example-reviewer-1", "2025-02-10")  # approve writes under_review: the working tree's rules ask for two
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("status: under_review", "status: approved"), encoding="utf-8")
    assert _approve_site(repo, base).exit_code == 0
    _commit(repo.root, MAINTAINER, "Two approvals from now on, and an approval marked approved by hand")
    result = _check(repo, base)
    assert result.exit_code == 1
    assert ("review.status: expected 2 current approval(s) under the rules this change brings (site_config/ as merged); got 1: "
            "the base's rules are met, but after merging the page would read Under Review") in result.stderr
    _assert_not_approved(repo)  # what the message warns of: the merged page is not Approved


def test_an_editors_approval_forged_with_another_key_or_replayed_onto_main_does_not_count(repo, tmp_path):
    """Two more ways around editors' approvals: an approvals record written by hand naming the editor but signed
    with a reviewer's key; and the replay of an old approval pushed straight to main (the chain at publish)."""
    from guidesite.review.governed import ConfigApproval, governed_files, governed_hash, statement
    from guidesite.history import History
    from guidesite.signing import sign

    policy = repo.root / "site_config" / "editorial-policy.md"
    policy.write_text("Approved by whoever writes this file.\n", encoding="utf-8")
    history = History.open(repo.root)
    record = ConfigApproval(reviewer=EDITOR, date="2025-02-10", base=repo.base, content=governed_hash(governed_files(history)), signature="-")
    forged = sign(statement(record), repo.keys["example-reviewer-1"])
    (repo.root / "site_config" / "approvals.yaml").write_text(
        f"- reviewer: {EDITOR}\n  date: 2025-02-10\n  base: {repo.base}\n  content: {record.content}\n  signature: |\n"
        + "".join(f"    {line}\n" for line in forged.splitlines()), encoding="utf-8")
    _commit(repo.root, AUTHOR, "A policy change with an approval written by hand")
    result = _check(repo, repo.base)
    assert result.exit_code == 1 and f"not counted: {EDITOR}: its signature does not verify against that registry's key" in result.stderr

    # The replay, on main itself: an approved state, its reversal (approved), then the old state and its
    # approvals pushed straight back.
    _git(repo.root, "reset", "-q", "--hard", repo.base)
    _add_newcomer(repo, tmp_path)
    assert _cli(repo, "codeowners").exit_code == 0
    assert _approve_site(repo, repo.base).exit_code == 0
    _commit(repo.root, MAINTAINER, "Add a reviewer (approved)")
    with_newcomer = _head(repo)
    _remove_newcomer(repo)
    assert _cli(repo, "codeowners").exit_code == 0
    assert _approve_site(repo, with_newcomer, day="2025-03-01").exit_code == 0
    _commit(repo.root, MAINTAINER, "Remove the reviewer (approved)")
    assert _publish(repo, tmp_path).exit_code == 0
    _git(repo.root, "checkout", with_newcomer, "--", "site_config", ".github")
    _commit(repo.root, MAINTAINER, "Restore the board (pushed directly, with the old approval)")
    result = _publish(repo, tmp_path, "--edition", "2025-09")
    assert result.exit_code == 1
    assert "(Restore the board (pushed directly, with the old approval)) changed code or configuration without editors' approvals" in result.stderr
    assert "before a later approved change" in result.stderr and "it approved a change from another state" in result.stderr
