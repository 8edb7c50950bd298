"""What every guidesite workflow keeps, wherever it runs: this repository's own (.github/workflows/,
tests/test_workflows.py) and those ``guidesite init`` writes for a publisher (tests/test_init.py).

A verdict (the pull request's check, the review report, a recorded approval) comes only from the
base's workflow file and the base's tool reading the pull request as data; the pull request's own code
builds a preview with no secret and no write right; the bot key is reachable only from the default
branch's file in a protected environment.  Each rule takes the folder of workflows and, where the two
differ, the command that installs the base's tool there."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

CONTROLLED = re.compile(r"\$\{\{\s*github\.(event\.(pull_request\.(head\.ref|title|body)|review\.body|comment\.body)|head_ref)")
"""GitHub expressions whose text a pull request's author writes (branch names, titles, bodies, review texts)."""


def load(path: Path) -> tuple[dict, dict, list[dict]]:
    """A one-job workflow: the workflow, its job and the job's steps."""
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return workflow, job, job["steps"]


def runs(steps: list[dict]) -> str:
    return "\n".join(s.get("run", "") for s in steps)


def checkouts(steps: list[dict]) -> dict[str, dict]:
    """The ``with:`` of each checkout, by the folder it checks out into."""
    return {s["with"]["path"]: s["with"] for s in steps if s.get("uses", "").startswith("actions/checkout")}


def assert_the_verdict_runs_the_bases_workflow_and_tool(folder: Path, installs: str) -> None:
    """pull-request.yml: ``installs`` is the command that installs the base's tool (never the change's)."""
    workflow, _, steps = load(folder / "pull-request.yml")
    assert set(workflow[True]) == {"pull_request_target"}  # YAML reads "on" as true; this file is the base's
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "read", "statuses": "write"}
    found = checkouts(steps)
    assert found["checker"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert found["change"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert all(c["persist-credentials"] is False for c in found.values())
    script = runs(steps)
    assert installs in script and "./change" not in script.replace("--project change", "")
    assert "change/requirements" not in script  # the pull request's lock is never installed here
    assert " build" not in script  # nothing here builds (a build runs mkdocs.yml's hooks and the theme)
    check = next(s for s in steps if " check --base" in s.get("run", ""))
    assert "--project change" in check["run"] and "--change-author" in check["run"]
    assert all(s.get("if") == "${{ !cancelled() }}" for s in steps if "guidesite --project" in s.get("run", ""))
    status = steps[-1]
    assert status["if"] == "${{ always() }}" and "context=guidesite/editorial-check" in status["run"]


def assert_the_preview_runs_the_pull_requests_code_with_no_secret_and_no_verdict(folder: Path) -> None:
    workflow, _, steps = load(folder / "preview.yml")
    text = (folder / "preview.yml").read_text(encoding="utf-8")
    assert set(workflow[True]) == {"pull_request"} and workflow["permissions"] == {"contents": "read"}
    assert "secrets." not in text and "GITHUB_STEP_SUMMARY" not in text and "statuses" not in text
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "site-preview-unverified"


def assert_a_github_review_is_recorded_only_by_the_default_branchs_file(folder: Path) -> None:
    first, first_job, _ = load(folder / "review-submitted.yml")
    assert first[True]["pull_request_review"]["types"] == ["submitted"] and first["permissions"] == {}
    assert "secrets." not in (folder / "review-submitted.yml").read_text(encoding="utf-8")
    assert "github.event.review.state == 'approved'" in first_job["if"]
    workflow, job, steps = load(folder / "review-approval.yml")
    assert workflow[True]["workflow_run"]["workflows"] == [first["name"]]  # runs the default branch's file
    assert job["environment"] == "review-signing"
    found = checkouts(steps)
    assert found["checker"]["ref"] == "${{ github.event.repository.default_branch }}"
    assert found["change"]["ref"] == "${{ steps.event.outputs.commit }}"  # the reviewed commit, from the API
    assert "change/requirements" not in runs(steps)  # the tool is the default branch's, never the reviewed commit's
    text = (folder / "review-approval.yml").read_text(encoding="utf-8")
    assert text.count("secrets.") == 1
    sign = next(s for s in steps if "--from-github-event" in s.get("run", ""))
    assert sign["env"]["GUIDESITE_BOT_KEY"] == "${{ secrets.GUIDESITE_BOT_KEY }}" and "umask 077" in sign["run"]
    assert "gh api \"repos/$GITHUB_REPOSITORY/pulls/$pull/reviews/$review\"" in runs(steps)
    push = next(s for s in steps if "git push" in s.get("run", ""))
    assert "--force" not in push["run"] and "+HEAD" not in push["run"]
    names = [s.get("name", "") for s in steps]
    assert names.index("Check the new head with the same tool and record the verdict") > names.index("Push the approval to the pull request (fast-forward only)")


def assert_no_run_script_pastes_text_an_author_controls(paths: list[Path]) -> None:
    """Branch names, titles, bodies and review texts are attacker-written: into a `run:` script only through env."""
    assert paths
    for path in paths:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                assert not CONTROLLED.search(step.get("run", "")), (path.name, step.get("name"))


def assert_publishing_waits_for_validation_the_editorial_rules_and_the_chain_of_approvals(folder: Path) -> None:
    workflow, _, steps = load(folder / "publish.yml")
    assert "workflow_dispatch" in workflow[True] and workflow["concurrency"]["cancel-in-progress"] is False
    commands = [s.get("run", "") for s in steps]
    publish_at = next(i for i, run in enumerate(commands) if "guidesite publish" in run)
    for needed in ("guidesite validate", "guidesite check --base"):
        assert any(needed in run for run in commands[:publish_at]), f"{needed} must run before publishing"
    assert '--trusted-since "$TRUSTED_SINCE"' in commands[publish_at]
    assert steps[publish_at]["env"]["TRUSTED_SINCE"] == "${{ vars.GUIDESITE_TRUSTED_SINCE }}"
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
