"""Who wrote a change, from what cannot be typed in (issue 22, item 5; and two messages of item 7).

git's author and committer fields are typed in: a reviewer who commits a dose change as
``A. Gyn <agyn@hospital.example>`` and approves it as ``example-reviewer-1`` passed ``check``.
What proves authorship here: a commit signed with a key of the base's registry (git's SSH
signatures, checked against an allowed-signers file built from the registry), and GitHub's own
attribution of the pull request's commits (``check --pr-commits FILE``: the JSON GitHub's REST
"List commits on a pull request" returns, fetched by the base's workflow).  Under the rule
``attribution: provable`` a commit that changed an article and that neither proves is refused.

Every story runs in a temporary git repository; payloads are shaped as GitHub documents them
(fields we do not read are left out).  Reviewers and keys are the fictional samples of
site_config/reviewers.yaml and tests/keys/.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import VALID_ARTICLE, signed_approvals
from test_approvals import ARTICLE, MAINTAINER, _approve, _article, _new_base, _submitted, _write_approved
from test_review import AUTHOR, REVIEWER, _cli, _commit, _git, repo  # noqa: F401 - the repository fixture

TYPED_NAME = ("A. Gyn", "agyn@hospital.example")
"""A name and e-mail the reviewer typed: no registry entry has them."""

UNSIGNED = (False, "unsigned")
VERIFIED = (True, "valid")


def _provable_base(project) -> str:
    """main's rules ask for provable authorship (the base judges the change)."""
    site = project.root / "site_config" / "site.yaml"
    text = site.read_text(encoding="utf-8")
    assert "  author_may_approve: false\n" in text
    site.write_text(text.replace("  author_may_approve: false\n", "  author_may_approve: false\n  attribution: provable\n"), encoding="utf-8")
    return _new_base(project, "Authorship must be provable")


def _signed_commit(root, identity, key, message) -> None:
    """A commit SSH-signed with ``key`` (git's gpg.format=ssh), under whatever name ``identity`` types."""
    _git(root, "add", "-A")
    _git(root, "-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit", "-S", "-q", "-m", message, identity=identity)


def _change_the_dose(project, identity, *, key=None) -> str:
    path = project.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2"), encoding="utf-8")
    if key is None:
        _commit(project.root, identity, "Change a dose")
    else:
        _signed_commit(project.root, identity, key, "Change a dose")
    return _git(project.root, "rev-parse", "HEAD").strip()


def _user(login: str | None):
    """A GitHub user object as the REST API embeds it (null: the e-mail maps to no account)."""
    return None if login is None else {"login": login, "id": sum(map(ord, login)), "node_id": f"U_{login}", "type": "User", "site_admin": False}


def _pr_commits(project, tmp_path, base: str, attribution: dict[str, tuple], *, pages: int = 1, name: str = "pr-commits"):
    """The pull request's commits as ``gh api --paginate repos/O/R/pulls/N/commits`` prints them: each page
    a JSON array (GitHub's "List commits on a pull request"), one after the other.  ``attribution`` maps each
    commit sha to (author login, committer login, (verified, reason)); logins None where GitHub maps the
    e-mail to no account."""
    log = _git(project.root, "log", "--reverse", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%P%x1f%s", f"{base}..HEAD")
    items = []
    for line in log.splitlines():
        sha, an, ae, ad, cn, ce, cd, parents, subject = line.split("\x1f")
        author, committer, (verified, reason) = attribution[sha]
        items.append({
            "url": f"https://api.github.com/repos/example/guidelines/commits/{sha}",
            "sha": sha,
            "node_id": f"C_{sha[:12]}",
            "html_url": f"https://github.com/example/guidelines/commit/{sha}",
            "commit": {
                "author": {"name": an, "email": ae, "date": ad},
                "committer": {"name": cn, "email": ce, "date": cd},
                "message": subject,
                "comment_count": 0,
                "verification": {"verified": verified, "reason": reason,
                                 "signature": "-----BEGIN SSH SIGNATURE-----\n…\n-----END SSH SIGNATURE-----" if reason != "unsigned" else None,
                                 "payload": None, "verified_at": "2025-01-15T12:00:01Z" if verified else None},
            },
            "author": _user(author),
            "committer": _user(committer),
            "parents": [{"sha": p, "url": f"https://api.github.com/repos/example/guidelines/commits/{p}"} for p in parents.split()],
        })
    size = max(1, -(-len(items) // pages))
    path = tmp_path / f"{name}.json"
    path.write_text("".join(json.dumps(items[i:i + size], indent=2) for i in range(0, len(items), size)), encoding="utf-8")
    return path


def _check(project, base, *options):
    return _cli(project, "check", "--base", base, *options)


def _problems(result) -> list[str]:
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith(("content/", "site_config/", "/"))]


def _at(sha: str) -> str:
    return sha[:10]


# -- the attack, as it was seen ------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["typed", "provable"])
def test_a_reviewer_who_typed_another_name_is_found_by_githubs_attribution(repo, tmp_path, rule):
    _submitted(repo)
    base = _provable_base(repo) if rule == "provable" else _new_base(repo, "merged")
    dose = _change_the_dose(repo, TYPED_NAME)
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, TYPED_NAME, "Approve")
    approval = _git(repo.root, "rev-parse", "HEAD").strip()
    # GitHub maps the typed e-mail to the reviewer's account (she added it to her account): her login.
    commits = _pr_commits(repo, tmp_path, base, {dose: ("example-reviewer-1", "example-reviewer-1", UNSIGNED),
                                                 approval: ("example-reviewer-1", "example-reviewer-1", UNSIGNED)})
    result = _check(repo, base, "--pr-commits", str(commits))
    assert result.exit_code == 1, result.output
    wrote = (f"{ARTICLE}:45:7: review.approvals[0]: approval by example-reviewer-1 does not count: example-reviewer-1 wrote part of this change "
             f"(commit {_at(dose)} by A. Gyn <agyn@hospital.example>, which GitHub attributes to example-reviewer-1); another reviewer must approve")
    unattributed = (f"{ARTICLE}:40:11: review.author: commit {_at(dose)} by A. Gyn <agyn@hospital.example> changed this article and cannot be attributed: "
                    "it is not signed by a key in the registry, and GitHub did not verify its signature (unsigned): it names example-reviewer-1 "
                    "only from the typed e-mail; the rules ask for provable authorship (attribution: provable)")
    assert _problems(result) == ([unattributed, wrote] if rule == "provable" else [wrote])


def test_a_commit_github_maps_to_no_account_cannot_be_attributed(repo, tmp_path):
    _submitted(repo)
    base = _provable_base(repo)
    dose = _change_the_dose(repo, TYPED_NAME)
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, TYPED_NAME, "Approve")
    approval = _git(repo.root, "rev-parse", "HEAD").strip()
    commits = _pr_commits(repo, tmp_path, base, {dose: (None, None, UNSIGNED), approval: (None, None, UNSIGNED)})
    result = _check(repo, base, "--pr-commits", str(commits))
    assert result.exit_code == 1, result.output
    assert _problems(result) == [
        f"{ARTICLE}:40:11: review.author: commit {_at(dose)} by A. Gyn <agyn@hospital.example> changed this article and cannot be attributed: "
        "it is not signed by a key in the registry, and GitHub maps its e-mail to no account (its signature: unsigned); "
        "the rules ask for provable authorship (attribution: provable)"]
    # Without GitHub's list, the rule refuses it just the same, saying what is missing.
    result = _check(repo, base)
    assert result.exit_code == 1
    assert _problems(result) == [
        f"{ARTICLE}:40:11: review.author: commit {_at(dose)} by A. Gyn <agyn@hospital.example> changed this article and cannot be attributed: "
        "it is not signed by a key in the registry, and no GitHub attribution was given (check --pr-commits FILE); "
        "the rules ask for provable authorship (attribution: provable)"]


@pytest.mark.parametrize("rule", ["typed", "provable"])
def test_a_commit_signed_with_a_reviewers_key_is_hers_whatever_name_it_carries(repo, rule):
    _submitted(repo)
    base = _provable_base(repo) if rule == "provable" else _new_base(repo, "merged")
    dose = _change_the_dose(repo, TYPED_NAME, key=repo.keys["example-reviewer-1"])
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, TYPED_NAME, "Approve")
    result = _check(repo, base)
    assert result.exit_code == 1, result.output
    # The signature attributes the commit (no "cannot be attributed"), to her: her approval does not count.
    assert _problems(result) == [
        f"{ARTICLE}:45:7: review.approvals[0]: approval by example-reviewer-1 does not count: example-reviewer-1 wrote part of this change "
        f"(commit {_at(dose)} by A. Gyn <agyn@hospital.example>, signed with example-reviewer-1's key in the registry); another reviewer must approve"]
    # Another reviewer approves: it may be merged.
    _approve(repo, "example-reviewer-3", "2025-02-11")
    text = (repo.root / ARTICLE).read_text(encoding="utf-8")
    assert "reviewer: example-reviewer-1" in text and "reviewer: example-reviewer-3" in text
    _commit(repo.root, MAINTAINER, "Second approval")
    result = _check(repo, base)
    assert result.exit_code == 1 and "approval by example-reviewer-1 does not count" in result.stderr  # hers still does not count…
    assert "review.status" not in result.stderr  # …and example-reviewer-3's is enough for the rule of one approval


def test_a_signature_by_a_key_outside_the_registry_proves_nothing(repo, tmp_path):
    _submitted(repo)
    base = _provable_base(repo)
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    dose = _change_the_dose(repo, AUTHOR, key=stranger)
    result = _check(repo, base)
    assert result.exit_code == 1
    assert _problems(result) == [
        f"{ARTICLE}:40:11: review.author: commit {_at(dose)} by Example Author <author@example.org> changed this article and cannot be attributed: "
        "it is signed by a key that is not in the registry, and no GitHub attribution was given (check --pr-commits FILE); "
        "the rules ask for provable authorship (attribution: provable)"]


def test_a_change_cannot_switch_the_rule_off_for_itself(repo, tmp_path):
    _submitted(repo)
    base = _provable_base(repo)
    site = repo.root / "site_config" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("  attribution: provable\n", ""), encoding="utf-8")
    dose = _change_the_dose(repo, TYPED_NAME)
    result = _check(repo, base)
    assert result.exit_code == 1
    assert (f"{ARTICLE}:40:11: review.author: commit {_at(dose)} by A. Gyn <agyn@hospital.example> changed this article and cannot be attributed"
            in result.stderr)


# -- the legitimate story ------------------------------------------------------------------------------------

def test_provable_authorship_lets_the_usual_story_through(repo, tmp_path):
    base = _provable_base(repo)
    repo.article()
    _commit(repo.root, AUTHOR, "Submit an article")  # signed on the author's laptop: GitHub verified it (the payload says so)
    submitted = _git(repo.root, "rev-parse", "HEAD").strip()
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("infusion: 3 h", "infusion: 2 h"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Fix the infusion time on github.com")  # committed by GitHub (web-flow) for the signed-in author
    edited = _git(repo.root, "rev-parse", "HEAD").strip()
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve")  # an approval changes nothing a reviewer vouches for: no proof needed
    approval = _git(repo.root, "rev-parse", "HEAD").strip()
    commits = _pr_commits(repo, tmp_path, base, {submitted: ("example-author", "example-author", VERIFIED),
                                                 edited: ("example-author", "web-flow", VERIFIED),
                                                 approval: ("example-reviewer-1", "example-reviewer-1", UNSIGNED)}, pages=2)
    assert commits.read_text(encoding="utf-8").count("\n][") == 1  # two pages, as gh api --paginate prints them
    result = _check(repo, base, "--pr-commits", str(commits), "--change-author", "example-author")
    assert result.exit_code == 0, result.output + result.stderr
    assert result.output == f"OK: the change since {base} keeps the editorial rules\n"
    slurped = tmp_path / "slurped.json"  # gh api --paginate --slurp: one array of the pages
    slurped.write_text("[" + commits.read_text(encoding="utf-8").replace("\n][", "\n],[") + "]", encoding="utf-8")
    assert _check(repo, base, "--pr-commits", str(slurped)).exit_code == 0
    # The same story without GitHub's list: nothing proves who wrote the two commits.
    result = _check(repo, base)
    assert result.exit_code == 1
    assert sorted(p.split(" changed this article")[0] for p in _problems(result)) == sorted([  # problems at one place: sorted by text
        f"{ARTICLE}:40:11: review.author: commit {_at(submitted)} by Example Author <author@example.org>",
        f"{ARTICLE}:40:11: review.author: commit {_at(edited)} by Example Author <author@example.org>"])


def test_a_pr_commits_file_that_is_not_githubs_list_is_a_located_problem(repo, tmp_path):
    _submitted(repo)
    base = _new_base(repo, "merged")
    dose = _change_the_dose(repo, AUTHOR)
    broken = tmp_path / "broken.json"
    broken.write_text('[{"sha": "abc",\n  "author": null', encoding="utf-8")
    result = _check(repo, base, "--pr-commits", str(broken))
    assert result.exit_code == 1
    assert f"{broken}:2:17: expected the JSON GitHub returns for a pull request's commits (gh api --paginate repos/OWNER/REPO/pulls/N/commits); " in result.stderr
    assert "Traceback" not in result.output + result.stderr
    shaped = json.loads(_pr_commits(repo, tmp_path, base, {dose: ("example-author", "example-author", VERIFIED)}).read_text(encoding="utf-8"))
    del shaped[0]["commit"]["verification"]
    shaped[0]["author"] = "example-author"
    broken.write_text(json.dumps(shaped, indent=2), encoding="utf-8")
    result = _check(repo, base, "--pr-commits", str(broken))
    assert result.exit_code == 1
    assert _problems(result) == [
        f"{broken}:4:13: [0].author: expected a GitHub user object with a login, or null; got 'example-author'",
        f"{broken}:4:13: [0].commit.verification: expected GitHub's signature verification (verified, reason); got none"]


# -- messages that say what happened (item 7) ------------------------------------------------------------------

COPIED = "it was signed for other content (another article or version): a copied approval"


def test_an_approval_copied_from_another_article_says_so(repo):
    _submitted(repo)
    _approve(repo, "example-reviewer-1", "2025-02-10")
    approved = (repo.root / ARTICLE).read_text(encoding="utf-8")
    repo.write("content/gynecologic-oncology/twin-question.yaml", approved.replace("id: test-question", "id: twin-question"))
    _commit(repo.root, AUTHOR, "A twin carrying the first article's approval")
    result = _check(repo, repo.base)
    assert result.exit_code == 1
    assert (f"content/gynecologic-oncology/twin-question.yaml:45:7: review.approvals[0]: approval by example-reviewer-1 of 2025-02-10 "
            f"does not count: {COPIED}") in _problems(result)
    assert "stale" not in result.stderr


def test_an_approval_copied_from_another_version_says_so(repo):
    _submitted(repo)
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve version 1")
    first = (repo.root / ARTICLE).read_text(encoding="utf-8")
    _change_the_dose(repo, AUTHOR)
    _approve(repo, "example-reviewer-3", "2025-03-01")
    _commit(repo.root, MAINTAINER, "Approve version 2")
    base = _new_base(repo, "merged")
    assert "version: 2" in (repo.root / ARTICLE).read_text(encoding="utf-8")
    # Back to version 1's content under a new version number, carrying version 1's signed record.
    (repo.root / ARTICLE).write_text(first.replace("  author:", "  version: 3\n  author:"), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Revert the dose, keep the old approval")
    result = _check(repo, base)
    assert result.exit_code == 1
    assert f"{ARTICLE}:46:7: review.approvals[0]: approval by example-reviewer-1 does not count: {COPIED}" in _problems(result)
    assert "stale" not in result.stderr and "does not verify" not in result.stderr


def test_a_genuinely_stale_approval_is_still_called_stale(repo):
    _submitted(repo)
    _approve(repo, "example-reviewer-1", "2025-02-10")
    _commit(repo.root, REVIEWER, "Approve")
    base = _new_base(repo, "merged")
    _change_the_dose(repo, AUTHOR)
    result = _check(repo, base)
    assert result.exit_code == 1
    assert "approval by example-reviewer-1 of 2025-02-10 is stale: the content changed after it was approved" in result.stderr
    assert "copied" not in result.stderr


def test_a_reviewer_added_by_the_change_is_not_in_the_bases_registry(repo, tmp_path):
    _submitted(repo)
    registry = repo.root / "site_config" / "reviewers.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("id: example-reviewer-3", "id: example-reviewer-9"), encoding="utf-8")
    _write_approved(repo, signed_approvals(repo.keys, _article(repo), [("example-reviewer-3", "2025-02-10")]).replace(
        "reviewer: example-reviewer-3", "reviewer: example-reviewer-9"))
    result = _check(repo, repo.base)
    assert result.exit_code == 1
    assert f"{ARTICLE}:45:7: review.approvals[0]: approval by example-reviewer-9 does not count: not in the base's registry" in _problems(result)
    assert "not in the reviewer registry" not in result.stderr


def test_a_signature_over_this_content_with_another_key_is_a_forgery(repo):
    _submitted(repo)
    forged = signed_approvals(repo.keys, _article(repo), [("example-reviewer-3", "2025-02-10")]).replace(
        "reviewer: example-reviewer-3", "reviewer: example-reviewer-1")
    _write_approved(repo, forged, VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology"))
    _commit(repo.root, AUTHOR, "Approve (forged)")
    result = _check(repo, repo.base)
    assert result.exit_code == 1
    assert (f"{ARTICLE}:45:7: review.approvals[0]: approval by example-reviewer-1 does not count: its signature does not verify against the "
            "registry's key (it was made with another key: a forged approval)") in _problems(result)


def test_the_review_report_judges_authorship_as_check_does(repo, tmp_path):
    """The job summary reviewers read lists the same problems as the required check (given the same list)."""
    base = _provable_base(repo)
    repo.article()
    _commit(repo.root, AUTHOR, "Submit an article")
    submitted = _git(repo.root, "rev-parse", "HEAD").strip()
    commits = _pr_commits(repo, tmp_path, base, {submitted: ("example-author", "example-author", VERIFIED)})
    report = _cli(repo, "review-report", "--base", base, "--pr-commits", str(commits)).output
    assert "cannot be attributed" not in report and "No problems" in report
    report = _cli(repo, "review-report", "--base", base).output
    assert f"commit {_at(submitted)} by Example Author <author@example.org> changed this article and cannot be attributed" in report
