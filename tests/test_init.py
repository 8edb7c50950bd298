"""``guidesite init``: a publisher's own repository, which validates and builds at once."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from guidesite.cli import main
from guidesite.starter import FILES

from conftest import REPO, TODAY_EPOCH, commit_all

ANSWERS = ["--publisher", "Northfield Clinical Guidance (example)", "--site-url", "https://guidance.northfield.example/",
           "--contact", "editors@northfield.example", "--editor-id", "jane-doe", "--editor-name", "Dr. Jane Doe (example editor)",
           "--editor-credentials", "MD, internal medicine (fictional example)", "--editor-github", "jane-doe-example",
           "--specialty", "cardiology=Cardiology", "--specialty", "infectious-diseases=Infectious diseases"]


def _guidesite(*args: str, project: Path | None = None):
    prefix = ["--project", str(project)] if project else []
    return CliRunner().invoke(main, [*prefix, *args], env={"SOURCE_DATE_EPOCH": TODAY_EPOCH})




def test_init_writes_a_repository_that_validates_and_builds(tmp_path):
    root = tmp_path / "northfield"
    result = _guidesite("init", str(root), *ANSWERS)
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        ".github/CODEOWNERS", ".gitignore", ".pre-commit-config.yaml", "README.md", "content/cardiology/example-question.yaml", "mkdocs.yml", "schema/article.schema.json",
        "site_config/disclaimers.yaml", "site_config/editorial-policy.md", "site_config/grading.yaml", "site_config/reviewers.yaml",
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
