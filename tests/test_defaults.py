"""A project's theme/ holds only what it changes; everything else comes from guidesite itself.

The sample site, built from a copy that has no theme/ and whose mkdocs.yml names neither a
custom_dir nor hooks, is the same site byte for byte as the sample built with its own theme; a
project that overrides one Markdown template and one file of Material's overrides gets exactly
those two changes.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidesite import defaults
from guidesite.cli import main

from conftest import REPO, TODAY_EPOCH, commit_all, copy_sample




def _bare(root: Path) -> Path:
    """The sample as a publisher's repository would hold it: content and configuration, no theme."""
    root.mkdir(parents=True)
    for name in ("content", "site_config"):
        shutil.copytree(REPO / name, root / name)
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    text = text.replace("  custom_dir: theme/overrides\n", "")
    text = re.sub(r"\nhooks:\n  - theme/hooks.py\n", "\n", text)
    assert "custom_dir" not in text and "theme/hooks.py\n" not in text
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    return root


def _build(root: Path) -> Path:
    result = CliRunner().invoke(main, ["--project", str(root), "build"], env={"SOURCE_DATE_EPOCH": TODAY_EPOCH})
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    return root / "site"


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> dict[str, bytes]:
    """The sample built with its own theme/ (this repository's, which is guidesite's default)."""
    return _files(_build(commit_all(copy_sample(tmp_path_factory.mktemp("themed") / "project"))))


def test_the_defaults_are_this_repositorys_theme_until_installed():
    assert defaults.THEME == REPO / "theme"
    assert (defaults.TEMPLATES / "article.md.j2").is_file() and (defaults.OVERRIDES / "main.html").is_file() and defaults.HOOKS.is_file()


def test_a_project_without_a_theme_builds_the_same_site(tmp_path, sample_site):
    root = commit_all(_bare(tmp_path / "project"))
    assert not (root / "theme").exists()
    assert _files(_build(root)) == sample_site


def test_a_project_theme_holds_only_what_it_changes(tmp_path, sample_site):
    root = _bare(tmp_path / "project")
    (root / "theme" / "templates").mkdir(parents=True)
    whats_new = (defaults.TEMPLATES / "whats-new.md.j2").read_text(encoding="utf-8")
    (root / "theme" / "templates" / "whats-new.md.j2").write_text(
        whats_new + "\nOur editors list every approved change here each Monday.\n", encoding="utf-8")
    (root / "theme" / "overrides" / "assets").mkdir(parents=True)
    css = "/* the publisher's own colours */\n.gs-byline { color: #1f2937; }\n"
    (root / "theme" / "overrides" / "assets" / "guidesite.css").write_text(css, encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  name: material\n", "  name: material\n  custom_dir: theme/overrides\n", 1),
                      encoding="utf-8")
    built = _files(_build(commit_all(root)))

    changed = sorted(path for path in built if built[path] != sample_site.get(path))
    assert "whats-new/index.html" in changed and "assets/guidesite.css" in changed
    assert b"Our editors list every approved change here each Monday." in built["whats-new/index.html"]
    assert built["assets/guidesite.css"] == css.encode("utf-8")
    # Everything else is guidesite's: the article pages (main.html, the footer, the script) are unchanged.
    article = "medical-oncology/bevacizumab-surgery-timing/index.html"
    assert built[article] == sample_site[article]
    assert built["assets/guidesite.js"] == sample_site["assets/guidesite.js"]
    # Only what the two overrides touch differs (the search index and the sitemap follow the page's text).
    assert {path for path in changed if not path.startswith(("pagefind", "sitemap"))} == {"whats-new/index.html", "assets/guidesite.css"}
