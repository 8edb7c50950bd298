"""The judge's tools are pinned: every GitHub workflow uses third-party actions by commit SHA (the
release recorded in requirements/actions.yaml) and installs Python packages only from a lock with
hashes (requirements/*.lock), then guidesite itself without dependencies, so nothing that the
registry serves on the day of the run, or that a moved tag points at, runs in a job that holds a
secret or writes to the repository."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO

REQUIREMENTS = REPO / "requirements"
LOCKS = {"guidesite": REQUIREMENTS / "guidesite.lock", "test": REQUIREMENTS / "test.lock"}
WORKFLOW_FILES = sorted(
    path
    for folder in (REPO / ".github" / "workflows", REPO / ".github" / "examples")
    for path in folder.glob("*")
    if path.suffix in (".yml", ".yaml")
)
WORKFLOW_IDS = [str(path.relative_to(REPO)) for path in WORKFLOW_FILES]

_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*?))?\s*$")
_PINNED = re.compile(r"(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:/[^@]*)?@(?P<sha>[0-9a-f]{40})")
_PIP_INSTALL = re.compile(r"(?:^|\s)(?:\S*/)?(?:pip3?|python3?\s+-m\s+pip|uv\s+pip)\s+install\b")
_LOCAL_PATH = re.compile(r"\.{1,2}(?:/[\w.-]+)*/?")  # ./checker, ., ./ — never a bare name, which pip looks up in the registry
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def _actions() -> dict[str, dict[str, str]]:
    return yaml.safe_load((REQUIREMENTS / "actions.yaml").read_text(encoding="utf-8"))


def _uses_lines(path: Path) -> list[tuple[int, str, str | None]]:
    """Every `uses:` of the file, from its text (the pin's tag is a comment, which YAML drops)."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _USES.match(line)
        if match:
            ref = match["ref"].strip("'\"")
            found.append((number, ref, match["comment"]))
    return found


def _jobs(path: Path) -> dict[str, dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]


def _commands(script: str) -> list[str]:
    """The shell commands of a `run:` script, split at newlines, `&&`, `||`, `;` and pipes."""
    script = script.replace("\\\n", " ")
    return [part.strip() for part in re.split(r"\n|&&|\|\||;|\|", script) if part.strip()]


def _pip_installs(job: dict) -> list[tuple[str, Path]]:
    """The job's `pip install` commands, in the order its steps run them, each with the folder it runs in."""
    default = job.get("defaults", {}).get("run", {}).get("working-directory", ".")
    return [
        (command, Path(step.get("working-directory", default)))
        for step in job.get("steps", [])
        for command in _commands(step.get("run", ""))
        if _PIP_INSTALL.search(command)
    ]


def _install_arguments(command: str) -> list[str]:
    words = shlex.split(command)
    return words[words.index("install") + 1:]


def _lock_entries(path: Path) -> list[str]:
    """The lock's requirement entries, each a logical line (continuations joined), comments dropped."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    entries = []
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line:
            entries.append(line)
    return entries


def _header(path: Path) -> str:
    """The comment lines a lock opens with."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines[: next(i for i, l in enumerate(lines) if not l.startswith("#"))])


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for entry in _lock_entries(path):
        requirement = entry.split(" --hash", 1)[0].strip()
        name, _, version = requirement.partition("==")
        pins[canonicalize_name(name.split("[", 1)[0])] = version.split(";", 1)[0].strip()
    return pins


def test_the_pins_and_locks_exist_and_there_are_workflows_to_check():
    assert WORKFLOW_FILES, "no workflow found under .github/workflows/ or .github/examples/"
    assert all(path.is_file() for path in LOCKS.values())
    for repo, pin in _actions().items():
        assert re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo), repo
        assert re.fullmatch(r"[0-9a-f]{40}", pin["sha"]), f"{repo}: the sha must be a full commit SHA"
        assert re.fullmatch(r"v\d+\.\d+\.\d+", pin["tag"]), f"{repo}: the tag must be an exact release (vX.Y.Z)"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=WORKFLOW_IDS)
def test_every_action_is_pinned_to_the_commit_recorded_in_requirements(path):
    pins = _actions()
    problems = []
    for number, ref, comment in _uses_lines(path):
        where = f"{path.relative_to(REPO)}:{number}: uses: {ref}"
        if ref.startswith("./"):
            continue  # an action of this repository, reviewed with it
        match = _PINNED.fullmatch(ref)
        if not match:
            problems.append(f"{where}: not owner/repo@<40-hex commit SHA>")
            continue
        pin = pins.get(match["repo"])
        if pin is None:
            problems.append(f"{where}: {match['repo']} is not in requirements/actions.yaml")
        elif match["sha"] != pin["sha"]:
            problems.append(f"{where}: requirements/actions.yaml pins {match['repo']} to {pin['sha']} ({pin['tag']})")
        elif (comment or "").strip() != pin["tag"]:
            problems.append(f"{where}: needs the trailing comment '# {pin['tag']}' (found {comment!r})")
    assert not problems, "\n".join(problems)


def test_every_pinned_action_is_used():
    used = {
        match["repo"]
        for path in WORKFLOW_FILES
        for _, ref, _ in _uses_lines(path)
        if (match := _PINNED.fullmatch(ref))
    }
    assert set(_actions()) <= used, f"requirements/actions.yaml pins actions no workflow uses: {sorted(set(_actions()) - used)}"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=WORKFLOW_IDS)
def test_every_pip_install_is_from_a_lock_with_hashes_or_a_local_path_without_dependencies(path):
    problems = []
    for name, job in _jobs(path).items():
        locks_installed: list[Path] = []
        for command, folder in _pip_installs(job):
            where = f"{path.relative_to(REPO)} job {name}: {command!r}" + (f" in {folder}" if folder != Path(".") else "")
            arguments = _install_arguments(command)
            options = [a for a in arguments if a.startswith("-")]
            if "--require-hashes" in arguments:
                if arguments.count("-r") != 1 or arguments.index("-r") + 1 >= len(arguments):
                    problems.append(f"{where}: --require-hashes with exactly one '-r <lock>'")
                    continue
                lock = arguments[arguments.index("-r") + 1]
                rest = [a for a in arguments if a not in ("--require-hashes", "-r", lock, "-q", "--quiet", "--only-binary", ":all:")]
                if Path(lock).name not in {p.name for p in LOCKS.values()} or Path(lock).parent.name != "requirements":
                    problems.append(f"{where}: installs from {lock}, not one of requirements/{{{', '.join(p.name for p in LOCKS.values())}}}")
                elif rest:
                    problems.append(f"{where}: nothing but the lock may be installed here (found {rest})")
                else:
                    locks_installed.append(folder / Path(lock).parent.parent)
            elif "--no-deps" in arguments:
                targets = [a for a in arguments if not a.startswith("-")]
                extra = [a for a in options if a not in ("--no-deps", "--no-build-isolation", "-e", "--editable", "-q", "--quiet")]
                if not targets or extra or not all(_LOCAL_PATH.fullmatch(t) for t in targets):
                    problems.append(f"{where}: --no-deps installs only local paths (found {targets}, options {extra})")
                    continue
                if "--no-build-isolation" not in arguments:
                    problems.append(f"{where}: needs --no-build-isolation, so the build backend comes from the lock "
                                    "(with build isolation pip fetches the newest setuptools unpinned)")
                for target in targets:
                    if folder / target not in locks_installed:
                        problems.append(f"{where}: install {folder / target / 'requirements'}/<lock> with --require-hashes first, "
                                        f"in the same job (the lock of the tree being installed; installed here: "
                                        f"{[str(p) for p in locks_installed]})")
            else:
                problems.append(f"{where}: unpinned: use --require-hashes -r requirements/<lock>, or --no-deps of a local path")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=WORKFLOW_IDS)
def test_every_python_set_up_is_the_one_the_locks_are_for(path):
    for lock in LOCKS.values():
        assert "--python-version 3.11" in _header(lock), f"{lock.name}: not locked for CPython 3.11"
    for name, job in _jobs(path).items():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/setup-python@"):
                assert str(step.get("with", {}).get("python-version")) == "3.11", (
                    f"{path.relative_to(REPO)} job {name}: the locks are for CPython 3.11 (requirements/compile.sh)")


@pytest.mark.parametrize("lock", LOCKS.values(), ids=LOCKS.keys())
def test_every_locked_package_is_an_exact_version_with_a_hash(lock):
    entries = _lock_entries(lock)
    assert entries, f"{lock.name} is empty"
    problems = []
    for entry in entries:
        requirement = entry.split(" --hash", 1)[0].strip()
        if requirement.startswith("-"):
            problems.append(f"{lock.name}: option lines are not allowed in a lock: {requirement!r}")
        elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[\w,.-]+\])?==[A-Za-z0-9.+!-]+(\s*;.*)?", requirement):
            problems.append(f"{lock.name}: {requirement!r} is not name==version")
        elif not _HASH.search(entry):
            problems.append(f"{lock.name}: {requirement!r} has no --hash=sha256:")
        elif re.sub(r"\s+", " ", entry.replace(requirement, "", 1)).strip() != " ".join(_HASH.findall(entry)):
            problems.append(f"{lock.name}: {requirement!r} carries something other than hashes")
    assert not problems, "\n".join(problems)


def test_the_locks_satisfy_pyproject_and_agree_with_each_other():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    runtime, test = _pins(LOCKS["guidesite"]), _pins(LOCKS["test"])
    wanted = {
        "guidesite": [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"]],
        "test": [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"],
                 *pyproject["project"]["optional-dependencies"]["test"]],
    }
    problems = []
    for lock, pins in (("guidesite", runtime), ("test", test)):
        for text in wanted[lock]:
            requirement = Requirement(text)
            name = canonicalize_name(requirement.name)
            if name not in pins:
                problems.append(f"{lock}.lock lacks {requirement} (run requirements/compile.sh)")
            elif not requirement.specifier.contains(pins[name], prereleases=True):
                problems.append(f"{lock}.lock pins {name}=={pins[name]}, outside {requirement} (run requirements/compile.sh)")
    different = {name: (version, test.get(name)) for name, version in runtime.items() if test.get(name) != version}
    if different:
        problems.append(f"test.lock must keep guidesite.lock's versions (the tests run on what the judge runs on): {different}")
    assert not problems, "\n".join(problems)


def test_the_build_backend_input_is_pyprojects():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    lines = [line.split("#", 1)[0].strip() for line in (REQUIREMENTS / "build.in").read_text(encoding="utf-8").splitlines()]
    assert [line for line in lines if line] == pyproject["build-system"]["requires"]
