"""``guidesite init``: a publisher's own content repository, which builds at once.

What it writes is the publisher's, not the tool's: ``site_config/`` (their name and address, their
specialties, a Medical Advisory Board whose first member is the editor who runs this, the standard
disclaimers and grading systems, an editorial policy to adapt), ``mkdocs.yml`` with the site's name
and address (guidesite supplies the theme), one example article, the JSON Schema editors check
articles with, ``.github/CODEOWNERS`` from the board, pre-commit checks, a ``.gitignore`` and a README for the team.  Nothing is overwritten: the folder must be new or empty (a ``.git`` folder aside).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from string import Template

import yaml

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


def init(target: Path, answers: Answers, *, today: date) -> list[Path]:
    """Write the repository into ``target``; the files written, in order."""
    target = Path(target)
    problems = _problems(target, answers)
    if problems:
        raise UsageProblem("; ".join(problems))
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
    return out


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
