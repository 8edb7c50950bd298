"""The command line as authors and CI use it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys

from click.testing import CliRunner

from guidesite.cli import main

from conftest import VALID_ARTICLE


def _run(project, *args):
    return CliRunner().invoke(main, ["--project", str(project.root), *args])


def test_validate_passes_on_good_content(project):
    project.article()
    result = _run(project, "validate")
    assert result.exit_code == 0, result.output
    assert "OK: 1 article(s)" in result.output


def test_validate_prints_every_problem_and_exits_1_without_traceback(project):
    bad = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("dose: 50 mg/m2", "dose: 50 mgs").replace("year: 2020", "year: soon")
    project.article(text=bad)
    result = _run(project, "validate")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("content/gynecologic-oncology/test-question.yaml:18:36: sections[0].blocks[0].regimen.components[0].dose: expected a unit")
    assert lines[1] == "content/gynecologic-oncology/test-question.yaml:30:11: references[0].year: expected a whole number; got 'soon'"
    assert lines[2] == "2 problem(s) found; nothing was written."
    assert "Traceback" not in result.output


def test_github_format_annotates_the_lines(project):
    bad = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("tags: [chemotherapy]", "tags: [chemo]")
    project.article(text=bad)
    result = _run(project, "validate", "--format", "github")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "::error file=content/gynecologic-oncology/test-question.yaml,line=4,col=8::tags[0]: expected a tag from site_config/tags.yaml; got 'chemo'"


def test_build_with_bad_content_writes_nothing(project, fixed_build_date):
    project.article()
    assert _run(project, "build", "--no-history").exit_code == 0
    site = project.root / "site"
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    project.article(text=VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("cycle_days: 21", "cycle_days: soon"))
    result = _run(project, "build", "--no-history")
    assert result.exit_code == 1
    assert "cycle_days: expected a whole number; got 'soon'" in result.stderr
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_new_writes_a_commented_skeleton_that_validates(project, fixed_build_date):
    result = _run(project, "new", "medical-oncology/my-new-question")
    assert result.exit_code == 0, result.output
    path = project.root / "content" / "medical-oncology" / "my-new-question.yaml"
    text = path.read_text(encoding="utf-8")
    assert "# The clinical question" in text and "status: draft" in text
    assert _run(project, "validate").exit_code == 0
    # A draft is not published.
    assert _run(project, "build", "--no-history").exit_code == 0
    assert not (project.root / "site" / "medical-oncology" / "my-new-question").exists()
    # Never overwrites.
    again = _run(project, "new", "medical-oncology/my-new-question")
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_new_refuses_a_bad_name(project):
    result = _run(project, "new", "../escape")
    assert result.exit_code == 1
    assert "expected <specialty>/<slug>" in result.stderr


def test_usage_errors_exit_2(project):
    assert _run(project, "build", "--no-such-flag").exit_code == 2


def test_python_dash_m_guidesite_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "guidesite", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "Usage: guidesite" in result.stdout


def test_the_release_is_named_by_the_tool_every_built_page_and_the_build_record(project, fixed_build_date):
    import json
    from importlib.metadata import version

    import guidesite

    assert version("guidesite") == guidesite.__version__  # one place: pyproject.toml reads it from the package
    shown = subprocess.run([sys.executable, "-m", "guidesite", "--version"], capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stdout == f"guidesite {guidesite.__version__}\n"
    project.article()
    assert _run(project, "build", "--no-history").exit_code == 0
    tag = f'<meta name="generator" content="guidesite {guidesite.__version__}">'
    pages = sorted((project.root / "site").rglob("*.html"))
    assert pages and all(tag in page.read_text(encoding="utf-8") for page in pages)
    record = json.loads((project.root / "build" / "docs" / ".guidesite-record.json").read_text(encoding="utf-8"))
    assert record["guidesite"] == guidesite.__version__


def test_a_ci_log_gets_one_line_per_stage_with_its_time(project, monkeypatch):
    project.article()
    monkeypatch.setenv("CI", "true")
    result = CliRunner().invoke(main, ["--project", str(project.root), "build", "--no-history"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert not [line for line in result.stderr.splitlines() if line.startswith("[")]  # problems' stream stays clean
    stages = [re.fullmatch(r"\[\s*\d+\.\d s\] (.+) \((\d+\.\d) s\)", line) for line in lines]
    assert all(stages), lines
    named = [m.group(1) for m in stages]
    assert named[0] == "reading content/" and any(n.startswith("building ") and n.endswith("with MkDocs") for n in named)
    assert named[-1] == "replacing site/"


def test_a_long_build_says_pages_done_rate_and_time_left():
    from guidesite.build import parts_progress

    assert parts_progress(1, 2, 32_000, 421.0) == "building: 1 of 2 parts done (16,000 of 32,000 pages, 38 pages/s, about 7 min left)"
    assert parts_progress(2, 2, 32_000, 800.0) == "building: 2 of 2 parts done (32,000 of 32,000 pages)"
    assert parts_progress(2, 3, 300, 8.0) == "building: 2 of 3 parts done (200 of 300 pages, 25 pages/s, about 4 s left)"
