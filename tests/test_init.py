"""``guidesite init``: a publisher's own repository, which validates and builds at once."""

from __future__ import annotations

import re
import shlex
import subprocess
from importlib import metadata
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from packaging.requirements import Requirement

import guidesite
from guidesite.cli import main
from guidesite.starter import FILES, WORKFLOWS

import workflow_rules as rules
from conftest import REPO, TODAY_EPOCH, commit_all
from test_pins import _actions, _commands, _install_arguments, _pins, _pip_installs, _PINNED, _uses_lines

ANSWERS = ["--publisher", "Northfield Clinical Guidance (example)", "--site-url", "https://guidance.northfield.example/",
           "--contact", "editors@northfield.example", "--editor-id", "jane-doe", "--editor-name", "Dr. Jane Doe (example editor)",
           "--editor-credentials", "MD, internal medicine (fictional example)", "--editor-github", "jane-doe-example",
           "--specialty", "cardiology=Cardiology", "--specialty", "infectious-diseases=Infectious diseases"]


def _guidesite(*args: str, project: Path | None = None):
    prefix = ["--project", str(project)] if project else []
    return CliRunner().invoke(main, [*prefix, *args], env={"SOURCE_DATE_EPOCH": TODAY_EPOCH})


@pytest.fixture(scope="module")
def initialized(tmp_path_factory) -> Path:
    """A repository init wrote, committed as the publisher's first commit (read, never changed)."""
    root = tmp_path_factory.mktemp("init") / "northfield"
    result = _guidesite("init", str(root), *ANSWERS)
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    return commit_all(root)


def _lock_entries(root: Path) -> list[str]:
    return [line for line in (root / "requirements" / "guidesite.lock").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


def test_init_writes_a_repository_that_validates_and_builds(tmp_path):
    root = tmp_path / "northfield"
    result = _guidesite("init", str(root), *ANSWERS)
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        ".github/CODEOWNERS", *(f".github/workflows/{name}.yml" for name in sorted(WORKFLOWS)), ".gitignore", ".pre-commit-config.yaml",
        "README.md", "content/cardiology/example-question.yaml", "mkdocs.yml", "requirements/guidesite.in", "requirements/guidesite.lock",
        "schema/article.schema.json", "site_config/disclaimers.yaml", "site_config/editorial-policy.md", "site_config/grading.yaml", "site_config/reviewers.yaml",
        "site_config/site.yaml", "site_config/specialties.yaml", "site_config/tags.yaml"]
    assert not (root / "theme").exists()  # guidesite supplies it
    board = yaml.safe_load((root / "site_config" / "reviewers.yaml").read_text(encoding="utf-8"))
    assert board == [{"id": "jane-doe", "name": "Dr. Jane Doe (example editor)", "credentials": "MD, internal medicine (fictional example)",
                      "specialties": ["cardiology", "infectious-diseases"], "disclosures": "None declared", "roles": ["reviewer", "editor"],
                      "github": "jane-doe-example"}]
    assert "add it before approving anything" in (root / "site_config" / "reviewers.yaml").read_text(encoding="utf-8")
    example = (root / "content" / "cardiology" / "example-question.yaml").read_text(encoding="utf-8")
    assert example.startswith("# AN EXAMPLE") and "status: draft" in example

    commit_all(root)
    assert _guidesite("validate", project=root).exit_code == 0
    assert _guidesite("schema", "--check", project=root).exit_code == 0
    assert _guidesite("codeowners", "--check", project=root).exit_code == 0
    built = _guidesite("build", project=root)
    assert built.exit_code == 0, built.output + (built.stderr if built.stderr_bytes else "")
    site = root / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Northfield Clinical Guidance (example)" in home and "No articles yet." in home
    assert '<link rel="canonical" href="https://guidance.northfield.example/">' in home
    assert "Dr. Jane Doe (example editor)" in (site / "advisory-board" / "index.html").read_text(encoding="utf-8")
    assert (site / "cardiology" / "index.html").is_file() and (site / "infectious-diseases" / "index.html").is_file()
    assert not (site / "cardiology" / "example-question").exists()  # a draft is never published
    # The author's next step works there too.
    assert _guidesite("new", "infectious-diseases/which-antibiotic", project=root).exit_code == 0


def test_init_touches_nothing_that_exists_and_says_every_bad_answer_at_once(tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("ours\n", encoding="utf-8")
    result = _guidesite("init", str(taken), *ANSWERS)
    assert result.exit_code == 2 and "expected a new or empty folder; this one has files, which were left untouched" in result.stderr
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]

    bad = [*ANSWERS]
    bad[bad.index("--site-url") + 1] = "guidance.northfield"
    bad[bad.index("--editor-id") + 1] = "Jane Doe"
    bad[bad.index("cardiology=Cardiology")] = "index=Home"
    result = _guidesite("init", str(tmp_path / "new"), *bad)
    assert result.exit_code == 2
    assert "--site-url: expected the address the site is published at" in result.stderr
    assert "--editor-id: expected lower-case words joined by hyphens, such as jane-doe; got 'Jane Doe'" in result.stderr
    assert "got 'index=Home'" in result.stderr
    assert not (tmp_path / "new").exists()


def test_the_pre_commit_checks_init_writes_are_the_hooks_this_repository_offers():
    offered = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    written = yaml.safe_load((FILES / "pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    assert [hook["id"] for hook in written] == list(offered)
    for hook in written:  # the same checks, run with the guidesite the team installed
        assert {k: hook[k] for k in ("name", "entry", "files", "pass_filenames")} == {k: offered[hook["id"]][k] for k in ("name", "entry", "files", "pass_filenames")}
        assert hook["language"] == "system"


def test_what_init_copies_is_this_repositorys_own_configuration():
    """The grading systems, disclaimers and build settings init writes are this repository's, so they cannot drift apart."""
    for name in ("grading.yaml", "disclaimers.yaml"):
        assert (FILES / name).read_bytes() == (REPO / "site_config" / name).read_bytes(), name
    ours = (REPO / "mkdocs.yml").read_text(encoding="utf-8").replace("  custom_dir: theme/overrides\n", "")
    ours = re.sub(r"\n# Pages without Material's indentation[^\n]*\nhooks:\n  - theme/hooks.py\n", "\n", ours)
    starter = (FILES / "mkdocs.yml").read_text(encoding="utf-8")
    filled = (starter.replace("$site_name", "Example Guideline Publisher").replace("$site_url", "https://guidelines.example.org/")
              .replace("$site_description", "Clinical questions answered from graded evidence, reviewed by a medical advisory board.")
              .replace("$$", "$"))
    body = lambda text: [line for line in text.splitlines() if not line.startswith("#")]  # noqa: E731 - the comments differ
    assert body(filled) == body(ours)


# --- Continuous integration: this repository's workflows, installing the release the lock pins ---

HASH_GUARD = re.compile(r"grep -q -- '--hash=sha256:' (?P<lock>\S+) \|\| \{ echo \"::error file=requirements/guidesite\.lock::[^\"]+\"; exit 1; \}")
"""The first line of every install: a lock without hashes stops the job (init cannot write the hashes)."""


def _without_installing_the_checked_out_tree(run: str) -> list[str]:
    """One of this repository's install scripts as a publisher's runs it: there guidesite is a release the
    lock names, not the code of the checked-out tree, so nothing is installed after the lock."""
    tree = r"pip install --no-deps --no-build-isolation \S+"
    lines = (re.sub(rf"\s*&&\s*{tree}$", "", line) for line in run.strip().splitlines())
    return [line for line in lines if not re.fullmatch(rf"\s*{tree}", line)]


def test_the_publishers_workflows_are_this_repositorys_but_for_installing_guidesite_from_the_lock():
    """One logic: the same triggers, permissions, jobs, steps and pinned actions as .github/workflows/,
    the install step aside (tests/test_workflows.py holds this repository's to the rules)."""
    assert sorted(WORKFLOWS) == sorted(path.stem for path in (REPO / ".github" / "workflows").glob("*.yml"))
    for name in WORKFLOWS:
        ours_path, theirs_path = REPO / ".github" / "workflows" / f"{name}.yml", FILES / f"workflow-{name}.yml"
        ours, theirs = (yaml.safe_load(path.read_text(encoding="utf-8")) for path in (ours_path, theirs_path))
        (ours_job,), (their_job,) = ours["jobs"].values(), theirs["jobs"].values()
        assert ours["jobs"].keys() == theirs["jobs"].keys()
        assert {k: v for k, v in ours.items() if k != "jobs"} == {k: v for k, v in theirs.items() if k != "jobs"}, name
        assert {k: v for k, v in ours_job.items() if k != "steps"} == {k: v for k, v in their_job.items() if k != "steps"}, name
        assert len(ours_job["steps"]) == len(their_job["steps"]), name
        for step, theirs_step in zip(ours_job["steps"], their_job["steps"]):
            if "pip install" not in step.get("run", ""):
                assert step == theirs_step, (name, step.get("name"))
                continue
            assert {k: v for k, v in step.items() if k != "run"} == {k: v for k, v in theirs_step.items() if k != "run"}
            guard, *rest = theirs_step["run"].strip().splitlines()
            assert HASH_GUARD.fullmatch(guard.strip()), (name, guard)
            assert rest == _without_installing_the_checked_out_tree(step["run"]), name
            assert f"-r {HASH_GUARD.fullmatch(guard.strip())['lock']}" in rest[0]  # the lock it guards is the one installed
        # the same pins, with their release tags (comments, which YAML drops)
        assert [(ref, tag) for _, ref, tag in _uses_lines(ours_path)] == [(ref, tag) for _, ref, tag in _uses_lines(theirs_path)], name


def test_init_writes_the_workflows_and_they_keep_the_rules(initialized):
    folder = initialized / ".github" / "workflows"
    for name in WORKFLOWS:  # as they are packaged (a publisher changes them in a reviewed pull request)
        assert (folder / f"{name}.yml").read_bytes() == (FILES / f"workflow-{name}.yml").read_bytes()
    rules.assert_the_verdict_runs_the_bases_workflow_and_tool(folder, "pip install --require-hashes -r checker/requirements/guidesite.lock")
    rules.assert_the_preview_runs_the_pull_requests_code_with_no_secret_and_no_verdict(folder)
    rules.assert_a_github_review_is_recorded_only_by_the_default_branchs_file(folder)
    rules.assert_no_run_script_pastes_text_an_author_controls(sorted(folder.glob("*.yml")))
    rules.assert_publishing_waits_for_validation_the_editorial_rules_and_the_chain_of_approvals(folder)


def test_the_publishers_workflows_pin_every_action_and_install_only_a_lock_with_hashes(initialized):
    """requirements/actions.yaml's commits; pip only with --require-hashes, only the lock of the tree whose
    tool judges (the base's in a verdict, the default branch's for a recorded review), after the guard."""
    pins = _actions()
    for path in sorted((initialized / ".github" / "workflows").glob("*.yml")):
        for _, ref, tag in _uses_lines(path):
            match = _PINNED.fullmatch(ref)
            assert match and pins[match["repo"]] == {"sha": match["sha"], "tag": tag}, (path.name, ref, tag)
        for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values():
            tool = "checker/" if any(s.get("with", {}).get("path") == "checker" for s in job["steps"]) else ""
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/setup-python@"):
                    assert str(step["with"]["python-version"]) == "3.11", path.name  # the Python the lock's hashes are made on
            installs = _pip_installs(job)
            for command, _ in installs:
                assert _install_arguments(command) == ["--require-hashes", "-r", f"{tool}requirements/guidesite.lock"], (path.name, command)
            for step in job["steps"]:
                if "pip install" in step.get("run", ""):
                    assert HASH_GUARD.fullmatch(step["run"].strip().splitlines()[0])["lock"] == f"{tool}requirements/guidesite.lock"
            assert bool(installs) == (path.stem != "review-submitted"), path.name


def test_the_lock_pins_the_running_guidesite_and_every_package_it_runs_on_as_installed(initialized):
    entries = _lock_entries(initialized)
    assert entries[0] == f"guidesite=={guidesite.__version__}"
    assert (initialized / "requirements" / "guidesite.in").read_text(encoding="utf-8") == f"guidesite=={guidesite.__version__}\n"
    pins = {}
    for entry in entries[1:]:
        requirement = Requirement(entry)  # as pip reads it: name==version, nothing else
        (specifier,) = requirement.specifier
        assert specifier.operator == "==" and not requirement.marker and not requirement.extras, entry
        pins[requirement.name] = specifier.version
    assert pins == {name: metadata.version(name) for name in pins}
    assert "pagefind-bin" in pins  # pagefind[bin]: the extras guidesite asks of its requirements...
    assert not {"pytest", "playwright", "hypothesis", "zensical", "jsonschema"} & set(pins)  # ...never its own (test)
    # The same packages uv resolved for this repository's own lock from pyproject.toml, but its build backend.
    assert set(pins) == set(_pins(REPO / "requirements" / "guidesite.lock")) - {"setuptools"}
    header = (initialized / "requirements" / "guidesite.lock").read_text(encoding="utf-8").split("\nguidesite==", 1)[0]
    for said in ("Upgrading guidesite is changing this pin", "always runs the BASE's pin", "pip install --require-hashes",
                 "pip-compile --generate-hashes --output-file requirements/guidesite.lock requirements/guidesite.in"):
        assert said in re.sub(r"\s*\n#\s*", " ", header), said


def test_every_install_refuses_a_lock_without_hashes(initialized, tmp_path):
    """init writes exact versions only: until the publisher adds the hashes, every job stops, saying why."""
    for name in ("pull-request", "preview", "publish", "review-approval"):
        _, _, steps = rules.load(initialized / ".github" / "workflows" / f"{name}.yml")
        guard = next(s["run"] for s in steps if "pip install" in s.get("run", "")).strip().splitlines()[0]
        (tmp_path / "checker").mkdir(exist_ok=True)
        for root in (tmp_path, tmp_path / "checker"):  # the job's folder, the base's checkout in it
            (root / "requirements").mkdir(exist_ok=True)
            (root / "requirements" / "guidesite.lock").write_text((initialized / "requirements" / "guidesite.lock").read_text(encoding="utf-8"))
        refused = subprocess.run(["bash", "-c", guard], cwd=tmp_path, capture_output=True, text=True)
        assert refused.returncode == 1 and "::error file=requirements/guidesite.lock::this lock has no hashes" in refused.stdout, name
        assert "pip-compile --generate-hashes" in refused.stdout
        for root in (tmp_path, tmp_path / "checker"):  # as pip-compile --generate-hashes writes it
            lock = root / "requirements" / "guidesite.lock"
            lock.write_text(lock.read_text().replace(f"guidesite=={guidesite.__version__}\n",
                                                     f"guidesite=={guidesite.__version__} \\\n    --hash=sha256:{'0' * 64}\n"))
        assert subprocess.run(["bash", "-c", guard], cwd=tmp_path).returncode == 0, name


RUN_BY_THE_TEST = {"validate", "check", "schema", "codeowners", "review-report"}
"""The workflows' commands cheap enough to run here, in the repository init wrote; the others are parsed."""


def _guidesite_command_lines(path: Path) -> list[str]:
    """Every `guidesite …` command of the workflow's `run:` scripts, as written."""
    starts = re.compile(r'^(?:[A-Z_]+=(?:"[^"]*"|\S+)\s+)*guidesite\s')
    return [command for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values()
            for step in job["steps"] for command in _commands(step.get("run", "")) if starts.match(command)]


def _as_arguments(command: str, variables: dict[str, str]) -> list[str]:
    """guidesite's arguments, as the runner's shell would give them (with these variables set)."""
    command = re.sub(r"\$\{\{[^}]*\}\}", "main", command)  # a GitHub expression: here, the base branch's name
    command = re.sub(r"\$\([^)]*\)", "0", command)
    command = re.sub(r"\$\{(\w+):\+([^}]*)\}", lambda m: m[2] if variables.get(m[1]) else "", command)
    command = re.sub(r"\$\{?(\w+)\}?", lambda m: variables[m[1]], command)
    words = shlex.split(command)
    words = words[words.index("guidesite") + 1:]
    return words[:next((i for i, w in enumerate(words) if w.startswith(">")), len(words))]


def test_every_guidesite_command_of_the_workflows_exists_and_the_checks_pass_on_the_new_repository(initialized, tmp_path):
    """Each command line of a `run:` script, through guidesite's own parser; validate, check, the schema and
    CODEOWNERS checks and the review report run on the repository init wrote, as the pull request and
    publish jobs run them (the pull request's checkout is `change`; publish runs in the checkout)."""
    (tmp_path / "pr-commits.json").write_text("[]\n", encoding="utf-8")
    (tmp_path / "commits.json").write_text("[]\n", encoding="utf-8")
    variables = {"RUNNER_TEMP": str(tmp_path), "BASE": "HEAD", "BEFORE": "HEAD", "AUTHOR": "someone-else", "TRUSTED_SINCE": "HEAD",
                 "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    seen = set()
    for path in sorted((initialized / ".github" / "workflows").glob("*.yml")):
        for command in _guidesite_command_lines(path):
            args = _as_arguments(command, variables)
            args = ["--project", str(initialized), *args[2:]] if args[:2] == ["--project", "change"] else ["--project", str(initialized), *args]
            context = main.make_context("guidesite", list(args))
            with context:
                name, subcommand, rest = main.resolve_command(context, [*getattr(context, "_protected_args", []), *context.args])
                try:
                    subcommand.make_context(name, list(rest), parent=context)
                except click.UsageError as problem:
                    pytest.fail(f"{path.name}: {command!r}: {problem}")
            seen.add(name)
            if name in RUN_BY_THE_TEST:
                result = _guidesite(*args)
                assert result.exit_code == 0, (path.name, command, result.output)
    assert seen == RUN_BY_THE_TEST | {"build", "publish", "approve"}


def test_install_from_names_a_wheel_in_the_lock_and_refuses_what_cannot_be_hash_checked(tmp_path, initialized):
    version = guidesite.__version__
    url = f"https://github.com/example/guidesite/releases/download/v{version}/guidesite-{version}-py3-none-any.whl"
    root = tmp_path / "from-a-wheel"
    result = _guidesite("init", str(root), *ANSWERS, "--install-from", url)
    assert result.exit_code == 0, result.output
    assert (root / "requirements" / "guidesite.in").read_text(encoding="utf-8") == f"guidesite @ {url}\n"
    entries = _lock_entries(root)
    assert entries[0] == f"guidesite @ {url}" and Requirement(entries[0]).url == url
    assert entries[1:] == _lock_entries(initialized)[1:]
    for name in WORKFLOWS:  # the lock alone names where guidesite comes from
        assert (root / ".github" / "workflows" / f"{name}.yml").read_bytes() == (initialized / ".github" / "workflows" / f"{name}.yml").read_bytes()

    for given, said in ((f"git+https://github.com/example/guidesite@{'a' * 40}", "a git source cannot be installed hash-checked"),
                        (f"http://example.org/guidesite-{version}-py3-none-any.whl", "expected the https:// address of a guidesite wheel"),
                        (f"https://example.org/guidesite-{version}.tar.gz", "expected the address of a wheel"),
                        ("https://example.org/guidesite-99.0-py3-none-any.whl", f"the wheel is guidesite 99.0, and this is guidesite {version}"),
                        (f"https://example.org/othersite-{version}-py3-none-any.whl", "expected a guidesite wheel")):
        result = _guidesite("init", str(tmp_path / "refused"), *ANSWERS, "--install-from", given)
        assert result.exit_code == 2 and f"--install-from: {said}" in result.stderr, (given, result.stderr)
        assert not (tmp_path / "refused").exists()
