"""Stage 4: a strict MkDocs + Material build that never leaves a half-written site."""

from __future__ import annotations

import contextlib
import gzip
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from guidesite.build import build
from guidesite.errors import BuildError
from guidesite.load import load
from guidesite.render import Page, render
from guidesite.validate import validate

from conftest import TODAY, TODAY_EPOCH, copy_sample

SEED = "gynecologic-oncology/recurrent-cervical-cancer-omental-metastases"

# The tests that only read the built sample site use the session's shared build (conftest.sample_site).


def test_seed_article_is_built_at_its_url(sample_site):
    html = (sample_site / SEED / "index.html").read_text(encoding="utf-8")
    assert "What is the treatment for recurrent cervical cancer with omental (omentum) metastases?" in html
    assert "Educational purpose only" in html
    assert '<li aria-current="step" class="gs-step gs-step--current">Submitted <span class="gs-step__state">(current step)</span></li>' in html
    assert "<td>50 mg/m²</td>" in html and "<td>AUC 5 (target AUC)</td>" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/24552320/"' in html
    assert 'href="https://doi.org/10.1016/S0140-6736(17)31607-0"' in html
    assert 'href="https://clinicaltrials.gov/study/NCT00295789"' in html
    assert 'href="../../editorial-policy/"' in html and 'href="../../advisory-board/"' in html


def test_every_page_type_is_built(sample_site):
    for page in ("index.html", "gynecologic-oncology/index.html", "medical-oncology/index.html",
                 "advisory-board/index.html", "editorial-policy/index.html", "evidence-grades/index.html", "404.html"):
        assert (sample_site / page).is_file(), page
    board = (sample_site / "advisory-board" / "index.html").read_text(encoding="utf-8")
    assert "Example reviewer:" in board


def test_no_page_loads_anything_from_another_host(sample_site):
    for html in sample_site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text, html
        assert "<script src=\"http" not in text, html


def test_a_failing_build_leaves_the_previous_site_and_staging_untouched(project):
    project.article()
    pages = render(validate(load(project.root)), project.root / "theme" / "templates", today=TODAY)
    site = build(pages, project.root, site_dir=project.root / "site")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    staging_before = {p: p.read_bytes() for p in (project.root / "build" / "docs").rglob("*") if p.is_file()}
    broken = pages + [Page("broken.md", "# Broken\n\n[a link to nowhere](missing.md)\n")]
    with pytest.raises(BuildError) as caught:
        build(broken, project.root, site_dir=site)
    assert any("missing.md" in m for m in caught.value.messages)
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert {p: p.read_bytes() for p in (project.root / "build" / "docs").rglob("*") if p.is_file()} == staging_before
    assert sorted(p.name for p in project.root.iterdir()) == sorted(["build", "content", "mkdocs.yml", "site", "site_config", "theme"])
    assert [p.name for p in (project.root / "build").iterdir()] == ["docs"]


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _environment(**env) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    environment.update(env)
    return environment


def _cli_command(root: Path, site: Path) -> list[str]:
    return [sys.executable, "-m", "guidesite", "--project", str(root), "build", "--no-history", "--site-dir", str(site)]


def _cli_build(root: Path, site: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(_cli_command(root, site), capture_output=True, text=True, env=_environment(**env))


@pytest.fixture
def sample_project(tmp_path) -> Path:
    root = copy_sample(tmp_path / "sample")
    return root


def test_two_builds_of_the_same_content_are_byte_identical(sample_project, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert _cli_build(sample_project, first).returncode == 0
    time.sleep(1.1)  # a build that stamped the clock anywhere would now differ
    assert _cli_build(sample_project, second).returncode == 0
    assert _tree(first) == _tree(second)
    # And with SOURCE_DATE_EPOCH set, as CI does.
    third, fourth = tmp_path / "third", tmp_path / "fourth"
    assert _cli_build(sample_project, third, SOURCE_DATE_EPOCH="1767225600").returncode == 0
    assert _cli_build(sample_project, fourth, SOURCE_DATE_EPOCH="1767225600").returncode == 0
    assert _tree(third) == _tree(fourth)


def test_sitemap_lastmod_is_each_pages_content_date(sample_site):
    # The shared build is dated TODAY (2025-08-01): pages without a content date carry it.
    sitemap = (sample_site / "sitemap.xml").read_text(encoding="utf-8")
    home = sitemap[sitemap.index("<loc>https://guidelines.example.org/</loc>"):]
    assert home.split("<lastmod>")[1].startswith(f"{TODAY.isoformat()}</lastmod>")
    entry = sitemap[sitemap.index("/medical-oncology/bevacizumab-surgery-timing/</loc>"):]
    assert entry.split("<lastmod>")[1].startswith("2025-07-25</lastmod>")
    with gzip.open(sample_site / "sitemap.xml.gz", "rt", encoding="utf-8") as packed:
        assert packed.read() == sitemap


def _until(condition: Callable[[], bool], process: subprocess.Popen, what: str, seconds: float = 120) -> None:
    """Wait until ``condition()`` holds while ``process`` runs; fail if it ends first or the time runs out."""
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the build ended (exit {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no sign within {seconds}s that {what}")
        time.sleep(0.005)


def _has_files(folder: Path) -> bool:
    try:
        return any(folder.iterdir())
    except FileNotFoundError:  # renamed into place or removed meanwhile
        return False


def test_a_killed_build_leaves_the_last_good_site(sample_project, tmp_path):
    epoch = {"SOURCE_DATE_EPOCH": TODAY_EPOCH}
    site = tmp_path / "site"
    assert _cli_build(sample_project, site, **epoch).returncode == 0
    old = _tree(site)
    article = sample_project / "content" / "medical-oncology" / "bevacizumab-surgery-timing.yaml"
    article.write_text(article.read_text(encoding="utf-8").replace("Why the interval matters", "Why the gap matters"), encoding="utf-8")
    reference = tmp_path / "reference"
    assert _cli_build(sample_project, reference, **epoch).returncode == 0
    new = _tree(reference)
    assert new != old

    def temporary_sites() -> set[Path]:
        return {p for p in tmp_path.iterdir() if p.name.startswith(".site-")}

    # Killed at each stage a build goes through, seen from outside rather than guessed from the clock
    # (in the temporary site folder of this build, not in one an earlier killed build left behind).
    stages = {
        "it made its temporary site folder": lambda fresh: bool(fresh),
        "MkDocs wrote a file": lambda fresh: any(_has_files(p) for p in fresh),
        "MkDocs finished (the sitemap is written) and the page check and search index run":
            lambda fresh: any((p / "sitemap.xml").is_file() for p in fresh),
    }
    for stage, reached in stages.items():
        leftovers = temporary_sites()
        # The build and its helpers (Pagefind) are killed together, as a cancelled CI job is.
        process = subprocess.Popen(_cli_command(sample_project, site), env=_environment(**epoch),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            _until(lambda: reached(temporary_sites() - leftovers), process, stage)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        now = _tree(site)
        assert now in (old, new), f"site is neither the old nor the new build after a kill when {stage}"
        old = now
    assert _cli_build(sample_project, site, **epoch).returncode == 0
    assert _tree(site) == new
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-")]


def _stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_a_second_build_with_no_change_writes_nothing_and_one_edit_regenerates_only_its_pages(sample_project, fixed_build_date):
    from click.testing import CliRunner

    from guidesite.cli import main

    def build_now():
        result = CliRunner().invoke(main, ["--project", str(sample_project), "build", "--no-history"])
        assert result.exit_code == 0, result.output
        return result.output

    build_now()
    site, staging = sample_project / "site", sample_project / "build" / "docs"
    before_site, before_staging = _stamps(site), _stamps(staging)
    time.sleep(0.05)
    assert "Nothing changed" in build_now()
    assert _stamps(site) == before_site and _stamps(staging) == before_staging

    article = sample_project / "content" / "gynecologic-oncology" / "carboplatin-versus-cisplatin-paclitaxel-cervical-cancer.yaml"
    article.write_text(article.read_text(encoding="utf-8").replace('heading: "Results"', 'heading: "Trial results"'), encoding="utf-8")
    output = build_now()
    after = _stamps(staging)
    changed = sorted(path for path, stamp in after.items() if before_staging.get(path) != stamp and path not in (".guidesite-build", ".guidesite-record.json"))
    assert changed == ["gynecologic-oncology/carboplatin-versus-cisplatin-paclitaxel-cervical-cancer.md"]
    assert "1 source file(s) regenerated" in output


def test_an_edited_build_hook_is_not_mistaken_for_nothing_changed(sample_project, fixed_build_date):
    from click.testing import CliRunner

    from guidesite.cli import main

    def build_now():
        result = CliRunner().invoke(main, ["--project", str(sample_project), "build", "--no-history"])
        assert result.exit_code == 0, result.output
        return result.output

    build_now()
    assert "Nothing changed" in build_now()
    hook = sample_project / "theme" / "hooks.py"
    hook.write_text(hook.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert "Built" in build_now()
