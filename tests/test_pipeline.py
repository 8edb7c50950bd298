"""The one pipeline and the one history layer: what used to fail silently now says so.

Each test is something a maintainer or an attacker saw go wrong: a setting
read as nothing, a permanent copy that vanished, a git failure taken for an
empty history, a page that took another page's address, a broken build later
called "up to date".
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidesite.build import build
from guidesite.cli import main
from guidesite.errors import BuildError, ContentError
from guidesite.history import GitError, History
from guidesite.model.fields import RESERVED_NAMES
from guidesite.pipeline import Pipeline
from guidesite.render import Page

from conftest import TODAY, VALID_ARTICLE, copy_sample

ARTICLE = "content/gynecologic-oncology/test-question.yaml"
AUTHOR = ("Example Author", "author@example.org")


def _cli(root: Path, *args: str):
    return CliRunner().invoke(main, ["--project", str(root), *args])


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", f"user.name={AUTHOR[0]}", "-c", f"user.email={AUTHOR[1]}", *args],
                          capture_output=True, text=True, check=True).stdout


def _commit_all(root: Path, message: str) -> str:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD").strip()


# -- mkdocs.yml is read by MkDocs' own loader, once ------------------------------------

def test_mkdocs_yml_with_python_name_tags_keeps_site_url_feed_and_hooks(project):
    project.article()
    config = project.root / "mkdocs.yml"
    # Material's own documentation configures emoji this way; yaml.safe_load cannot read it.
    config.write_text(config.read_text(encoding="utf-8") + (
        "markdown_extensions:\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n"), encoding="utf-8")
    pipeline = Pipeline(project.root, today=TODAY)
    assert pipeline.site_url == "https://guidelines.example.org/"
    assert [Path(f).name for f in pipeline.hook_files] == ["hooks.py"]
    built = pipeline.build(project.root / "site")
    assert (built.site_dir / "feed.xml").is_file()
    page = (built.site_dir / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://guidelines.example.org/gynecologic-oncology/test-question/">' in page


def test_an_unreadable_mkdocs_yml_is_a_located_problem_not_a_missing_setting(project):
    project.article()
    (project.root / "mkdocs.yml").write_text("site_name: x\nsite_url: [unclosed\n", encoding="utf-8")
    result = _cli(project.root, "build", "--no-history")
    assert result.exit_code == 1
    assert result.stderr.startswith("mkdocs.yml:"), result.stderr
    assert not (project.root / "site").exists()


# -- one history layer --------------------------------------------------------------

def test_an_approved_past_version_that_no_longer_fits_the_model_is_reported_with_its_commit(project):
    # A state that was published as approved, with a field today's model no longer has.
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    project.write(ARTICLE, text.replace("  status: submitted", "  status: approved\n  legacy_flag: yes"))
    _git(project.root, "init", "-q", "-b", "main")
    old = _commit_all(project.root, "an approved state under an older model")
    project.write(ARTICLE, text)
    _commit_all(project.root, "resubmitted")
    with pytest.raises(ContentError) as caught:
        Pipeline(project.root, today=TODAY).build(project.root / "site")
    (problem,) = caught.value.problems
    assert problem.path == ARTICLE and problem.field == "review.legacy_flag"
    assert f"the approved state at commit {old[:10]} no longer fits the article model" in problem.message
    assert not (project.root / "site").exists()


def test_a_damaged_repository_is_an_error_not_an_empty_history(project):
    project.article()
    _git(project.root, "init", "-q", "-b", "main")
    _commit_all(project.root, "add")
    blob = _git(project.root, "rev-parse", f"HEAD:{ARTICLE}").strip()
    (project.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    with pytest.raises(GitError, match="damaged"):
        History.open(project.root).states("content")


def test_a_failing_git_command_is_an_error(project):
    _git(project.root, "init", "-q", "-b", "main")
    _commit_all(project.root, "empty")
    with pytest.raises(GitError, match="git log"):
        History.open(project.root).git("log", "--no-such-option")


def test_outside_a_repository_there_is_simply_no_history(project):
    assert History.open(project.root) is None


def _base_with(project, text: str) -> str:
    (project.root / ".gitignore").write_text("site/\nbuild/\n", encoding="utf-8")
    project.write(ARTICLE, text)
    _git(project.root, "init", "-q", "-b", "main")
    return _commit_all(project.root, "base")


def test_check_still_refuses_deleting_an_approved_article_that_no_longer_fits_the_model(project):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    base = _base_with(project, text.replace("  status: submitted", "  status: approved\n  legacy_flag: yes"))
    (project.root / ARTICLE).unlink()
    from guidesite.review import check

    problems = check(Pipeline(project.root), base)
    assert any("expected an approved article to be retired" in p.message for p in problems), [str(p) for p in problems]


def test_check_still_refuses_draft_to_approved_when_the_base_no_longer_fits_the_model(project):
    from guidesite.review import check

    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    base = _base_with(project, text.replace("  status: submitted", "  status: draft\n  legacy_flag: yes"))
    project.write(ARTICLE, text.replace("  status: submitted", "  status: approved\n  approvals: [{reviewer: example-reviewer-1, date: 2025-02-10}]"))
    problems = check(Pipeline(project.root), base)
    assert any("expected a status reachable from 'draft'" in p.message for p in problems), [str(p) for p in problems]


# -- pages that would take another page's address -----------------------------------------

def test_every_top_level_page_and_folder_of_the_site_is_a_reserved_name(project):
    project.article()
    pipeline = Pipeline(project.root, today=TODAY)
    pages = pipeline.pages(pipeline.validate(), drafts=True)
    specialties = {p.path.split("/")[0] for p in pages if "/" in p.path}
    top = {p.path.removesuffix(".md").removesuffix(".xml") for p in pages if "/" not in p.path}
    assert top - specialties <= RESERVED_NAMES, top - specialties - RESERVED_NAMES
    assert {"assets", "pagefind", "search", "index", "404"} <= RESERVED_NAMES


def test_an_article_called_index_is_refused_and_leaves_site_as_it_was(project):
    project.article()
    assert _cli(project.root, "build", "--no-history").exit_code == 0
    before = {p: p.read_bytes() for p in (project.root / "site").rglob("*") if p.is_file()}
    project.article(id="index")
    result = _cli(project.root, "build", "--no-history")
    assert result.exit_code == 1
    assert "content/gynecologic-oncology/index.yaml:1:5: id: expected an id that is not one of the site's own pages" in result.stderr
    assert {p: p.read_bytes() for p in (project.root / "site").rglob("*") if p.is_file()} == before
    (project.root / "content" / "gynecologic-oncology" / "index.yaml").unlink()
    assert "Nothing changed" in _cli(project.root, "build", "--no-history").output


def test_two_pages_at_one_address_fail_the_build_before_anything_is_written(project, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("last good", encoding="utf-8")
    pages = [Page("index.md", "# Home\n"), Page("a/index.md", "# A\n"), Page("a/index.md", "# B\n")]
    with pytest.raises(BuildError) as caught:
        build(pages, project.root, site_dir=site, staging_dir=tmp_path / "docs")
    assert caught.value.messages == ["two pages would be written to a/index.md; each page needs its own address"]
    assert (site / "index.html").read_text(encoding="utf-8") == "last good"


def test_a_specialty_called_search_is_refused(project):
    specialties = project.root / "site_config" / "specialties.yaml"
    specialties.write_text(specialties.read_text(encoding="utf-8") + "- id: search\n  name: Search medicine\n  description: x\n", encoding="utf-8")
    result = _cli(project.root, "validate")
    assert result.exit_code == 1
    assert "id: expected an id that is not one of the site's own pages or folders" in result.stderr
    assert "got 'search'" in result.stderr


# -- texts that would mislead ---------------------------------------------------------------

def test_an_all_wording_beside_audience_wordings_is_refused(project):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    project.write(ARTICLE, text.replace('  patient: "In a large study', '  all: "Shown to everyone."\n  patient: "In a large study'))
    result = _cli(project.root, "validate")
    assert result.exit_code == 1
    assert "summary: expected one text for every audience (all) or one wording per audience; got all beside clinician, patient" in result.stderr


@pytest.mark.parametrize("where", ["reference", "markdown"])
def test_an_address_with_a_user_name_before_the_host_is_refused(project, where):
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    phishing = "https://dailymed.nlm.nih.gov@evil.example/label"
    if where == "reference":
        text = text.replace("    publisher: Example Pharma\n", f"    publisher: Example Pharma\n    url: {phishing}\n")
    else:
        text = text.replace("A point for everyone [@label-b]", f"A point for everyone, see [the label]({phishing}) [@label-b]")
    project.write(ARTICLE, text)
    result = _cli(project.root, "validate")
    assert result.exit_code == 1
    assert "without a user name before the host" in result.stderr and "evil.example" in result.stderr


# -- the command line, as an author meets it ---------------------------------------------------

def test_new_refuses_an_unknown_specialty_and_lists_the_known_ones(project):
    result = _cli(project.root, "new", "nosuch/thing")
    assert result.exit_code == 1
    assert "expected a specialty from site_config/specialties.yaml (gynecologic-oncology" in result.stderr
    assert "got 'nosuch'" in result.stderr
    assert not (project.root / "content" / "nosuch").exists()


def test_validate_of_one_file_counts_that_file(tmp_path):
    root = copy_sample(tmp_path / "project")
    one = next((root / "content").glob("*/*.yaml"))
    result = _cli(root, "validate", str(one))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 1 article(s)"), result.output


def test_serve_on_a_busy_port_is_a_usage_error(project):
    project.article()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _cli(project.root, "serve", "--dev-addr", f"127.0.0.1:{port}")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: 127.0.0.1:{port} is already in use; choose another with --dev-addr HOST:PORT"


def test_preview_prints_the_address_of_the_article(tmp_path):
    root = copy_sample(tmp_path / "project")
    article = "carboplatin-versus-cisplatin-paclitaxel-cervical-cancer"
    result = _cli(root, "preview", article)
    assert result.exit_code == 0, result.output
    page = root / "build" / "preview" / "site" / "gynecologic-oncology" / article / "index.html"
    assert f"The article: {page}" in result.output
    assert f"/gynecologic-oncology/{article}/" in result.output


def test_validate_refuses_a_path_outside_the_projects_content(tmp_path):
    root = copy_sample(tmp_path / "project")
    outside = tmp_path / "elsewhere" / "secret.yaml"
    outside.parent.mkdir()
    outside.write_text("id: secret\ntitle: 'top secret line'\n", encoding="utf-8")
    result = _cli(root, "validate", str(outside))
    assert result.exit_code == 1
    assert "expected an article file or folder inside content/ of the project" in result.stderr
    assert "top secret line" not in result.stderr


def test_the_same_content_builds_the_same_bytes_with_the_clock_a_year_ahead(tmp_path, monkeypatch):
    import datetime as real

    root = copy_sample(tmp_path / "project")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

    def site_bytes(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert _cli(root, "build", "--no-history", "--site-dir", str(tmp_path / "now")).exit_code == 0

    class Later(real.datetime):
        @classmethod
        def now(cls, tz=None):
            return real.datetime.now(tz) + real.timedelta(days=366)

    monkeypatch.setattr("guidesite.render.datetime", Later)
    assert __import__("guidesite.render", fromlist=["build_date"]).build_date() > real.date.today()
    assert _cli(root, "build", "--no-history", "--site-dir", str(tmp_path / "later")).exit_code == 0
    assert site_bytes(tmp_path / "now") == site_bytes(tmp_path / "later")


def _refused_settings(project, text: str) -> list[str]:
    from click.testing import CliRunner

    from guidesite.cli import main

    (project.root / "mkdocs.yml").write_text(text, encoding="utf-8")
    project.article()
    result = CliRunner().invoke(main, ["--project", str(project.root), "build", "--no-history"])
    assert result.exit_code == 1
    assert not (project.root / "site").exists()
    return [line for line in result.stderr.splitlines() if line.startswith("mkdocs.yml")]


def test_a_theme_folder_outside_the_project_is_refused_before_its_files_reach_the_site(project, tmp_path):
    # MkDocs copies a theme folder's files into the site: a pull request pointing it at a secret would publish it.
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "id_rsa.txt").write_text("SECRET", encoding="utf-8")
    base = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    assert _refused_settings(project, base + f"theme:\n  custom_dir: {secret}\n") == [
        f"mkdocs.yml:1:1: theme.custom_dir: expected a folder of the project (its files are copied into the site); got '{secret}'"]


def test_a_markdown_extension_that_reads_files_is_refused(project):
    base = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    lines = _refused_settings(project, base + "markdown_extensions:\n  - abbr\n  - pymdownx.snippets\n")
    assert len(lines) == 1 and lines[0].endswith("got 'pymdownx.snippets'")


def test_settings_inherited_from_outside_the_project_are_refused_unread(project, tmp_path):
    outside = tmp_path / "outside.yml"
    outside.write_text("site_name: SECRET\n", encoding="utf-8")
    base = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    assert _refused_settings(project, f"INHERIT: {outside}\n" + base) == [
        f"mkdocs.yml:1:1: INHERIT: expected a file of the project; got '{outside}'"]
