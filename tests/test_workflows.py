"""The CI workflows: who runs what, with which rights.  A verdict (the pull request's check, the review
report, a recorded approval) comes only from the base's workflow file and the base's tool reading the
pull request as data; the pull request's own code builds a preview with no secret and no write right;
the bot key is reachable only from the default branch's file in a protected environment."""

from __future__ import annotations

import re

import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def _workflow(name: str) -> tuple[dict, dict, list[dict]]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return workflow, job, job["steps"]


def _runs(steps: list[dict]) -> str:
    return "\n".join(s.get("run", "") for s in steps)


def test_the_verdict_runs_the_bases_workflow_and_tool_over_the_pull_request_as_data():
    workflow, _, steps = _workflow("pull-request.yml")
    assert set(workflow[True]) == {"pull_request_target"}  # YAML reads "on" as true; this file is the base's
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "read", "statuses": "write"}
    checkouts = {s["with"]["path"]: s["with"] for s in steps if s.get("uses", "").startswith("actions/checkout")}
    assert checkouts["checker"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert checkouts["change"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert all(c["persist-credentials"] is False for c in checkouts.values())
    runs = _runs(steps)
    assert "pip install --no-deps --no-build-isolation ./checker" in runs and "./change" not in runs.replace("--project change", "")
    assert " build" not in runs  # nothing here builds (a build runs mkdocs.yml's hooks and the theme)
    check = next(s for s in steps if " check --base" in s.get("run", ""))
    assert "--project change" in check["run"] and "--change-author" in check["run"]
    assert all(s.get("if") == "${{ !cancelled() }}" for s in steps if "guidesite --project" in s.get("run", ""))
    status = steps[-1]
    assert status["if"] == "${{ always() }}" and "context=guidesite/editorial-check" in status["run"]


def test_the_preview_runs_the_pull_requests_code_with_no_secret_and_no_verdict():
    workflow, _, steps = _workflow("preview.yml")
    text = (WORKFLOWS / "preview.yml").read_text(encoding="utf-8")
    assert set(workflow[True]) == {"pull_request"} and workflow["permissions"] == {"contents": "read"}
    assert "secrets." not in text and "GITHUB_STEP_SUMMARY" not in text and "statuses" not in text
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "site-preview-unverified"


def test_a_github_review_is_recorded_only_by_the_default_branchs_file_in_a_protected_environment():
    first, first_job, first_steps = _workflow("review-submitted.yml")
    assert first[True]["pull_request_review"]["types"] == ["submitted"] and first["permissions"] == {}
    assert "secrets." not in (WORKFLOWS / "review-submitted.yml").read_text(encoding="utf-8")
    assert "github.event.review.state == 'approved'" in first_job["if"]
    workflow, job, steps = _workflow("review-approval.yml")
    assert workflow[True]["workflow_run"]["workflows"] == [first["name"]]  # runs the default branch's file
    assert job["environment"] == "review-signing"
    checkouts = {s["with"]["path"]: s["with"] for s in steps if s.get("uses", "").startswith("actions/checkout")}
    assert checkouts["checker"]["ref"] == "${{ github.event.repository.default_branch }}"
    assert checkouts["change"]["ref"] == "${{ steps.event.outputs.commit }}"  # the reviewed commit, from the API
    text = (WORKFLOWS / "review-approval.yml").read_text(encoding="utf-8")
    assert text.count("secrets.") == 1
    sign = next(s for s in steps if "--from-github-event" in s.get("run", ""))
    assert sign["env"]["GUIDESITE_BOT_KEY"] == "${{ secrets.GUIDESITE_BOT_KEY }}" and "umask 077" in sign["run"]
    assert "gh api \"repos/$GITHUB_REPOSITORY/pulls/$pull/reviews/$review\"" in _runs(steps)
    push = next(s for s in steps if "git push" in s.get("run", ""))
    assert "--force" not in push["run"] and "+HEAD" not in push["run"]
    names = [s.get("name", "") for s in steps]
    assert names.index("Check the new head with the same tool and record the verdict") > names.index("Push the approval to the pull request (fast-forward only)")


def test_no_workflow_pastes_text_a_pull_request_author_controls_into_a_script():
    """Branch names, titles, bodies and review texts are attacker-written: into a `run:` script only through env."""
    controlled = re.compile(r"\$\{\{\s*github\.(event\.(pull_request\.(head\.ref|title|body)|review\.body|comment\.body)|head_ref)")
    for path in list(WORKFLOWS.glob("*.yml")) + list((REPO / ".github" / "examples").glob("*.yml")):
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                assert not controlled.search(step.get("run", "")), (path.name, step.get("name"))


def test_publishing_waits_for_validation_the_editorial_rules_and_the_chain_of_approvals():
    workflow, _, steps = _workflow("publish.yml")
    assert "workflow_dispatch" in workflow[True] and workflow["concurrency"]["cancel-in-progress"] is False
    runs = [s.get("run", "") for s in steps]
    publish_at = next(i for i, run in enumerate(runs) if "guidesite publish" in run)
    for needed in ("guidesite validate", "guidesite check --base"):
        assert any(needed in run for run in runs[:publish_at]), f"{needed} must run before publishing"
    assert '--trusted-since "$TRUSTED_SINCE"' in runs[publish_at]
    assert steps[publish_at]["env"]["TRUSTED_SINCE"] == "${{ vars.GUIDESITE_TRUSTED_SINCE }}"
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0


def test_the_sharded_publish_example_builds_every_shard_then_assembles_them():
    workflow = yaml.safe_load((REPO / ".github" / "examples" / "publish-sharded.yml").read_text(encoding="utf-8"))
    shard, final = workflow["jobs"]["shard"], workflow["jobs"]["assemble"]
    numbers = shard["strategy"]["matrix"]["shard"]
    assert numbers == list(range(1, int(shard["env"]["SHARDS"]) + 1))  # the matrix and 'of' agree
    build = next(s["run"] for s in shard["steps"] if "--shard" in s.get("run", ""))
    assert '--shard "${{ matrix.shard }}/$SHARDS"' in build and "SOURCE_DATE_EPOCH=" in build
    checkout = next(s for s in shard["steps"] if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    upload = next(s for s in shard["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["include-hidden-files"] is True  # the manifest is a dot file
    assert final["needs"] == "shard"
    runs = [s.get("run", "") for s in final["steps"]]
    assemble_at = next(i for i, run in enumerate(runs) if "guidesite assemble shards/shard-*" in run)
    deploy_at = next(i for i, s in enumerate(final["steps"]) if s.get("uses", "").startswith("actions/deploy-pages"))
    assert assemble_at < deploy_at
