"""The CI workflows: a pull request is judged by the base branch's checker, and a GitHub
review becomes a signed approval only through the bot key and the base's tool."""

from __future__ import annotations

import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def _steps(name: str) -> tuple[dict, list[dict]]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return workflow, job["steps"]


def test_the_pull_request_is_judged_by_the_checker_installed_from_the_base():
    _, steps = _steps("pull-request.yml")
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout")]
    base = next(s for s in checkouts if s["with"].get("path") == "checker")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert "pip install ./checker" in install["run"] and "./change" not in install["run"]
    check = next(s for s in steps if " check --base" in s.get("run", ""))
    assert "--project change" in check["run"] and "--change-author" in check["run"]
    # Every check reports even when an earlier one failed.
    assert all(s.get("if") == "${{ !cancelled() }}" for s in steps if "guidesite" in s.get("run", ""))


def test_a_github_review_is_recorded_with_the_bot_key_by_the_base_tool():
    workflow, steps = _steps("review-approval.yml")
    assert workflow[True]["pull_request_review"]["types"] == ["submitted"]  # YAML reads "on" as true
    (job,) = workflow["jobs"].values()
    assert "github.event.review.state == 'approved'" in job["if"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert "pip install ./checker" in install["run"]
    sign = next(s for s in steps if "--from-github-event" in s.get("run", ""))
    assert sign["env"]["GUIDESITE_BOT_KEY"] == "${{ secrets.GUIDESITE_BOT_KEY }}" and "umask 077" in sign["run"]


def test_publishing_waits_for_validation_the_editorial_rules_and_the_tests():
    workflow, steps = _steps("publish.yml")
    assert "workflow_dispatch" in workflow[True] and workflow["concurrency"]["cancel-in-progress"] is False
    names = [s.get("name", "") for s in steps]
    runs = [s.get("run", "") for s in steps]
    publish_at = next(i for i, run in enumerate(runs) if "guidesite publish" in run)
    for needed in ("guidesite validate", "guidesite check --base", "pytest"):
        assert any(needed in run for run in runs[:publish_at]), f"{needed} must run before publishing ({names})"
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
