"""The CI workflows: who runs what, with which rights.  A verdict (the pull request's check, the review
report, a recorded approval) comes only from the base's workflow file and the base's tool reading the
pull request as data; the pull request's own code builds a preview with no secret and no write right;
the bot key is reachable only from the default branch's file in a protected environment."""

from __future__ import annotations

import yaml

import workflow_rules as rules
from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
INSTALLS_THE_BASES_TOOL = "pip install --no-deps --no-build-isolation ./checker"
"""Here the tool is this repository's code: the base's tree, installed after the base's lock.  (A
publisher's workflows install the release the base's lock pins: tests/test_init.py.)"""


def test_the_verdict_runs_the_bases_workflow_and_tool_over_the_pull_request_as_data():
    rules.assert_the_verdict_runs_the_bases_workflow_and_tool(WORKFLOWS, INSTALLS_THE_BASES_TOOL)


def test_the_preview_runs_the_pull_requests_code_with_no_secret_and_no_verdict():
    rules.assert_the_preview_runs_the_pull_requests_code_with_no_secret_and_no_verdict(WORKFLOWS)


def test_a_github_review_is_recorded_only_by_the_default_branchs_file_in_a_protected_environment():
    rules.assert_a_github_review_is_recorded_only_by_the_default_branchs_file(WORKFLOWS)


def test_no_workflow_pastes_text_a_pull_request_author_controls_into_a_script():
    rules.assert_no_run_script_pastes_text_an_author_controls(list(WORKFLOWS.glob("*.yml")) + list((REPO / ".github" / "examples").glob("*.yml")))


def test_publishing_waits_for_validation_the_editorial_rules_and_the_chain_of_approvals():
    rules.assert_publishing_waits_for_validation_the_editorial_rules_and_the_chain_of_approvals(WORKFLOWS)


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
