"""``guidesite init``: a publisher's own content repository, which builds at once.

What it writes is the publisher's, not the tool's: ``site_config/`` (their name and address, their
specialties, a Medical Advisory Board whose first member is the editor who runs this, the standard
disclaimers and grading systems, an editorial policy to adapt), ``mkdocs.yml`` with the site's name
and address (guidesite supplies the theme), one example article, the JSON Schema editors check
articles with, ``.github/CODEOWNERS`` from the board, pre-commit checks, a ``.gitignore``, a README
for the team, and the continuous integration: the workflows of guidesite's own repository
(``.github/workflows/``: the pull request's verdict by the base's tool, its preview, GitHub reviews
recorded as approvals, publishing), which install guidesite from ``requirements/guidesite.lock``: the
running guidesite and every package it runs on, at the versions installed here.  Nothing is
overwritten: the folder must be new or empty (a ``.git`` folder aside).
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path
from string import Template
from urllib.parse import unquote, urlsplit

import yaml

from . import __version__
from .errors import UsageProblem
from .model.fields import RESERVED_NAMES, SLUG_PATTERN
from .model.schema import SCHEMA_PATH, schema_text
from .model.site import GradingSystem
from .pipeline import Pipeline
from .review.codeowners import CODEOWNERS_PATH, codeowners
from .scaffold import new_article

FILES = Path(__file__).resolve().parent / "starter-files"
"""The texts ``init`` starts from (packaged with guidesite)."""

EXAMPLE = "example-question"

WORKFLOWS = ("pull-request", "preview", "review-submitted", "review-approval", "publish")
"""The workflows init writes into ``.github/workflows/``, each from ``starter-files/workflow-<name>.yml``:
this repository's own workflows but for how guidesite is installed (from the lock, not from the
checked-out tree; tests/test_init.py holds them to that)."""

LOCK = "requirements/guidesite.lock"
LOCK_INPUT = "requirements/guidesite.in"


@dataclass
class Editor:
    """The first member of the board: an editor, who approves changes to the site's configuration too."""

    id: str
    name: str
    credentials: str
    github: str | None = None
    email: str | None = None
    signing_key: str | None = None


@dataclass
class Answers:
    publisher: str
    site_url: str
    contact: str
    editor: Editor
    specialties: list[tuple[str, str]] = field(default_factory=list)
    """``(id, name)`` of each specialty, in order."""
    publisher_url: str = ""
    install_from: str | None = None
    """Where the workflows install guidesite from, when not from the package index: the ``https://``
    address of a guidesite wheel of the running version (``--install-from``)."""


def init(target: Path, answers: Answers, *, today: date) -> list[Path]:
    """Write the repository into ``target``; the files written, in order."""
    target = Path(target)
    problems = _problems(target, answers)
    if problems:
        raise UsageProblem("; ".join(problems))
    # Read before anything is written: what the workflows install, pinned at the versions running here.
    requirement, pins = _guidesite_requirement(answers.install_from), installed_requirements()
    values = {"publisher": answers.publisher, "publisher_url": answers.publisher_url or answers.site_url, "contact": answers.contact,
              "site_name": answers.publisher, "site_url": answers.site_url.rstrip("/") + "/",
              "site_description": f"Clinical questions answered from graded evidence, reviewed by {answers.publisher}'s medical advisory board.",
              "first_specialty": answers.specialties[0][0]}
    written: list[Path] = []

    def write(relative: str, text: str) -> None:
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    def filled(name: str) -> str:
        return Template((FILES / name).read_text(encoding="utf-8")).substitute(values)

    write("mkdocs.yml", filled("mkdocs.yml"))
    write("site_config/site.yaml", _quoted_fill(FILES / "site.yaml", values))
    write("site_config/editorial-policy.md", filled("editorial-policy.md"))
    write("site_config/disclaimers.yaml", (FILES / "disclaimers.yaml").read_text(encoding="utf-8"))
    write("site_config/grading.yaml", (FILES / "grading.yaml").read_text(encoding="utf-8"))
    write("site_config/specialties.yaml", "# Specialties: each article lives in content/<specialty id>/.\n" + _dump(
        [{"id": sid, "name": name, "description": f"Articles on {name[0].lower() + name[1:]}."} for sid, name in answers.specialties]))
    write("site_config/tags.yaml", "# Closed tag vocabulary: articles may only use these ids, e.g.\n#   - id: antibiotics\n#     label: \"Antibiotics\"\n[]\n")
    write("site_config/reviewers.yaml", _board(answers))
    grading = yaml.safe_load((FILES / "grading.yaml").read_text(encoding="utf-8"))
    write(SCHEMA_PATH, schema_text({name: GradingSystem.model_validate(system) for name, system in grading.items()}))
    write(".gitignore", (FILES / "gitignore").read_text(encoding="utf-8"))
    write(".pre-commit-config.yaml", (FILES / "pre-commit-config.yaml").read_text(encoding="utf-8"))
    write("README.md", filled("README.md"))
    # Continuous integration: this repository's workflows, installing the release the lock pins.
    for name in WORKFLOWS:
        write(f".github/workflows/{name}.yml", (FILES / f"workflow-{name}.yml").read_text(encoding="utf-8"))
    write(LOCK_INPUT, requirement + "\n")
    write(LOCK, lock_text(requirement, pins))
    # Who owns what (GitHub asks the board to review): generated from the registry just written.
    site = Pipeline(target).validate([], only_paths=True).site
    write(CODEOWNERS_PATH, codeowners(site))
    example = new_article(target, f"{answers.specialties[0][0]}/{EXAMPLE}", today=today)
    example.write_text("# AN EXAMPLE: read it, then delete it when you write your first article.\n"
                       + example.read_text(encoding="utf-8"), encoding="utf-8")
    written.append(example)
    return written


def _problems(target: Path, answers: Answers) -> list[str]:
    """Every answer that cannot make a site, at once."""
    out = []
    if target.exists() and not target.is_dir():
        out.append(f"{target}: expected a new or empty folder; this is a file, left untouched")
    elif target.exists() and any(p.name != ".git" for p in target.iterdir()):
        out.append(f"{target}: expected a new or empty folder; this one has files, which were left untouched")
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", answers.site_url):
        out.append(f"--site-url: expected the address the site is published at, such as https://guidance.example.org/; got '{answers.site_url}'")
    if "@" not in answers.contact:
        out.append(f"--contact: expected the editors' e-mail address; got '{answers.contact}'")
    if not re.match(SLUG_PATTERN, answers.editor.id):
        out.append(f"--editor-id: expected lower-case words joined by hyphens, such as jane-doe; got '{answers.editor.id}'")
    if not answers.specialties:
        out.append("--specialty: expected at least one specialty, as ID=Name, such as cardiology=Cardiology")
    for sid, name in answers.specialties:
        if not re.match(SLUG_PATTERN, sid) or sid in RESERVED_NAMES or not name.strip():
            out.append(f"--specialty: expected ID=Name with a lower-case id that is not one of the site's own pages, such as cardiology=Cardiology; got '{sid}={name}'")
    if answers.install_from is not None:
        out.extend(_source_problems(answers.install_from))
    return out


def _source_problems(spec: str) -> list[str]:
    """Why ``--install-from`` cannot be what the workflows install guidesite from, if it cannot.

    The workflows install only what pip checks against a hash (``--require-hashes``), and install
    nothing they would have to build (a build runs a build backend the lock does not pin): so the
    address of a wheel, of this very release, whose dependencies are the ones the lock pins."""
    from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
    from packaging.version import Version

    example = f"such as https://github.com/OWNER/guidesite/releases/download/v{__version__}/guidesite-{__version__}-py3-none-any.whl"
    if spec.startswith("git+") or spec.endswith(".git"):
        return [f"--install-from: a git source cannot be installed hash-checked (pip's --require-hashes refuses it) and is built "
                f"on every run with a build backend no lock pins; build a wheel from that commit (pip wheel --no-deps git+URL@COMMIT), "
                f"publish it (a release asset) and give its https:// address, {example}; got '{spec}'"]
    url = urlsplit(spec)
    if url.scheme != "https" or not url.netloc or any(c.isspace() for c in spec):
        return [f"--install-from: expected the https:// address of a guidesite wheel, {example}; got '{spec}'"]
    try:
        name, version, _, _ = parse_wheel_filename(unquote(url.path.rsplit("/", 1)[-1]))
    except InvalidWheelFilename:
        return [f"--install-from: expected the address of a wheel (a .whl file: the workflows never build guidesite), {example}; got '{spec}'"]
    if name != canonicalize_name("guidesite"):
        return [f"--install-from: expected a guidesite wheel; this one is {name}: '{spec}'"]
    if version != Version(__version__):
        return [f"--install-from: the wheel is guidesite {version}, and this is guidesite {__version__}: run the init of the "
                f"release you pin (the lock pins the packages that release runs on, as installed here); got '{spec}'"]
    return []


def _guidesite_requirement(install_from: str | None) -> str:
    return f"guidesite @ {install_from}" if install_from else f"guidesite=={__version__}"


def installed_requirements(name: str = "guidesite") -> dict[str, str]:
    """Every package ``name`` runs on, as installed in this environment: its requirements, theirs, and
    so on (with the extras a requirement asks for, such as pagefind[bin]; never ``name``'s own extras,
    such as test), by canonical name, with the installed version."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, tuple[str, frozenset[str]]] = {}
    todo: list[tuple[str, frozenset[str], str]] = [(name, frozenset(), "")]
    while todo:
        wanted, extras, by = todo.pop()
        try:
            dist = metadata.distribution(wanted)
        except metadata.PackageNotFoundError:
            raise UsageProblem(f"{wanted}{f' (required by {by})' if by else ''} is not installed here, so its version cannot be pinned: "
                               f"install guidesite with its dependencies (pip install guidesite=={__version__})") from None
        key = canonicalize_name(dist.metadata["Name"])
        seen = found.get(key, (dist.version, frozenset()))[1]
        if key in found and extras <= seen:
            continue
        found[key] = (dist.version, seen | extras)
        for text in dist.requires or []:
            requirement = Requirement(text)
            # "extra" is "" for what every install needs; a requirement of an extra counts only when that extra is asked for
            if requirement.marker is None or any(requirement.marker.evaluate({"extra": extra}) for extra in ("", *extras)):
                todo.append((requirement.name, frozenset(requirement.extras), key))
    del found[canonicalize_name(name)]
    return {key: version for key, (version, _) in sorted(found.items())}


def lock_text(requirement: str, dependencies: dict[str, str]) -> str:
    """``requirements/guidesite.lock`` as init writes it: exact versions, no hashes (explained in its header)."""
    python = f"Python {platform.python_version()} on {platform.system() or 'an unknown system'} {platform.machine()}".rstrip()
    head = f"""\
# What this repository's workflows (.github/workflows/) install: guidesite and every package it
# runs on, at exact versions.  Written by `guidesite init` from the versions installed where it ran:
#   guidesite {__version__}, {python}
# README.md says more: "Continuous integration" and "Upgrading guidesite".
#
# Upgrading guidesite is changing this pin, and the one in {LOCK_INPUT}, in a pull
# request that editors approve like any change outside content/.  The verdict on a pull request
# always runs the BASE's pin: the pull request that changes it is judged by the release it replaces;
# the next one, by the new release.
#
# The workflows install this file with `pip install --require-hashes` and refuse it without hashes,
# so that no package index, mirror or replaced file can change what runs in the jobs that hold the
# bot's key and set the verdict.  init cannot know the hashes of files on an index without
# downloading them, so it writes exact versions only.  Before the first push, and after every
# change of {LOCK_INPUT}, add the hashes with Python 3.11 (the runners'):
#   pip install pip-tools
#   pip-compile --generate-hashes --output-file {LOCK} {LOCK_INPUT}
# pip-compile keeps the versions below (--upgrade-package NAME moves one), adds the hash of every
# file of each, and writes its own header in place of this one; commit the result.
"""
    return head + f"{requirement}\n" + "".join(f"{key}=={version}\n" for key, version in dependencies.items())


def _quoted_fill(path: Path, values: dict[str, str]) -> str:
    """A YAML template filled with values that are written inside double quotes."""
    quoted = {k: v.replace("\\", "\\\\").replace('"', '\\"') for k, v in values.items()}
    return Template(path.read_text(encoding="utf-8")).substitute(quoted)


def _board(answers: Answers) -> str:
    editor = answers.editor
    entry = {"id": editor.id, "name": editor.name, "credentials": editor.credentials,
             "specialties": [sid for sid, _ in answers.specialties], "disclosures": "None declared",
             "roles": ["reviewer", "editor"]}
    for key in ("github", "email", "signing_key"):
        if getattr(editor, key):
            entry[key] = getattr(editor, key)
    head = ("# Medical Advisory Board registry: who may approve articles (reviewer) and changes to the site's\n"
            "# configuration (editor).  Add each member with the public SSH key they sign approvals with\n"
            "# (signing_key: the line of their ~/.ssh/id_ed25519.pub) and their interests (disclosures).\n")
    if not editor.signing_key:
        head += "# The first editor has no signing_key yet: add it before approving anything.\n"
    return head + _dump([entry])


def _dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
