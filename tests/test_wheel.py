"""guidesite as publishers install it: the wheel, not this repository.

.ci/run builds the wheel from pyproject.toml into ``GUIDESITE_WHEEL_DIR``; this installs it (not
editable) into a fresh virtual environment outside the repository, whose other packages are this
environment's (no download at test time), and runs the tool there on a publisher's project that has
no theme of its own: the site is built and published from what the wheel carries, and its article
opens in Chromium.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from browser import chromium, serve_folder
from conftest import REPO, TODAY_EPOCH, VALID_ARTICLE

WHEELS = os.environ.get("GUIDESITE_WHEEL_DIR")
ARTICLE = "medical-oncology/bevacizumab-surgery-timing/"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh environment with the wheel installed: its ``bin/``."""
    if not WHEELS:
        pytest.skip("no wheel built: set GUIDESITE_WHEEL_DIR to a folder holding guidesite's wheel (.ci/run builds it)")
    wheels = sorted(Path(WHEELS).glob("guidesite-*.whl"))
    assert len(wheels) == 1, f"expected one guidesite wheel in {WHEELS}; found {[w.name for w in wheels]}"
    venv = tmp_path_factory.mktemp("publisher") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site_packages = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        capture_output=True, text=True, check=True).stdout.strip())
    # The wheel's requirements are this environment's packages (a path line: its .pth files, this
    # repository's editable install among them, are not read from there).
    (site_packages / "requirements-from-test-environment.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheels[0])], check=True, capture_output=True)
    return venv / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(cwd), "SOURCE_DATE_EPOCH": TODAY_EPOCH,
           "GIT_AUTHOR_NAME": "Publisher", "GIT_AUTHOR_EMAIL": "publisher@example.org",
           "GIT_COMMITTER_NAME": "Publisher", "GIT_COMMITTER_EMAIL": "publisher@example.org"}
    return subprocess.run([str(bin_dir / "guidesite"), *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_the_installed_wheel_builds_and_publishes_a_project_without_a_theme(installed, tmp_path):
    import guidesite

    where = subprocess.run([str(installed / "python"), "-c", "import guidesite, guidesite.defaults as d; print(guidesite.__file__); print(d.THEME)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert all(not Path(path).is_relative_to(REPO) for path in where), where  # the wheel's code and theme, not this repository's
    assert Path(where[1], "templates", "article.md.j2").is_file() and Path(where[1], "overrides", "main.html").is_file()

    project = tmp_path / "publisher-site"
    project.mkdir()
    for name in ("content", "site_config"):
        shutil.copytree(REPO / name, project / name)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8").replace("  custom_dir: theme/overrides\n", "")
    (project / "mkdocs.yml").write_text(re.sub(r"\nhooks:\n  - theme/hooks.py\n", "\n", config), encoding="utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Our guidance"]):
        subprocess.run(["git", "-C", str(project), "-c", "user.name=Publisher", "-c", "user.email=publisher@example.org", *args],
                       check=True, capture_output=True)

    version = _run(installed, project, "--version")
    assert version.returncode == 0 and version.stdout == f"guidesite {guidesite.__version__}\n"
    written = _run(installed, project, "new", "cardiology/a-new-question")
    assert written.returncode == 0, written.stderr
    assert _run(installed, project, "validate").returncode == 0
    (project / "content" / "cardiology" / "a-new-question.yaml").unlink()  # a draft: not part of what is published
    built = _run(installed, project, "build")
    assert built.returncode == 0, built.stderr
    page = (project / "site" / ARTICLE / "index.html").read_text(encoding="utf-8")
    assert f'<meta name="generator" content="guidesite {guidesite.__version__}">' in page
    assert 'class="gs-approved' in page and "assets/guidesite.js" in page  # the wheel's templates and overrides
    published = _run(installed, project, "publish", "--edition", "2025.07", "--to", str(tmp_path / "public"), "--no-build")
    assert published.returncode == 0, published.stderr

    with serve_folder(tmp_path / "public") as url, chromium() as browser:
        reader = browser.new_page()
        reader.goto(f"{url}/{ARTICLE}")
        assert reader.get_by_role("heading", level=1).inner_text().startswith("How long should bevacizumab be withheld")
        assert reader.locator(".gs-approved").is_visible()
        assert reader.locator(".gs-cite-this").count() == 1


def test_a_publisher_starts_from_init_with_the_installed_wheel(installed, tmp_path, signing_keys):
    """init, new, validate, an article approved with the first editor's key, check against the base,
    build, serve (one request), publish: every step from the wheel."""
    import guidesite

    from test_serve import _free_port, _wait_for

    key = signing_keys["example-reviewer-1"]  # a fictional key pair, standing for the editor's own
    written = _run(installed, tmp_path, "init", "northfield", "--publisher", "Northfield Clinical Guidance (example)",
                   "--site-url", "https://guidance.northfield.example/", "--contact", "editors@northfield.example",
                   "--editor-id", "jane-doe", "--editor-name", "Dr. Jane Doe (example editor)",
                   "--editor-credentials", "MD, internal medicine (fictional example)", "--editor-key", f"{key}.pub",
                   "--specialty", "cardiology=Cardiology")
    assert written.returncode == 0, written.stderr
    project = tmp_path / "northfield"
    # The wheel carries the workflows, and the lock pins the release and what it runs on as installed there.
    assert sorted(p.name for p in (project / ".github" / "workflows").iterdir()) == [
        "preview.yml", "publish.yml", "pull-request.yml", "review-approval.yml", "review-submitted.yml"]
    lock = [line for line in (project / "requirements" / "guidesite.lock").read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert lock[0] == f"guidesite=={guidesite.__version__}" and any(line.startswith("mkdocs==") for line in lock)

    def git(*args: str, who: tuple[str, str] = ("Editor", "editor@example.org")) -> str:
        dated = {**os.environ, "GIT_AUTHOR_DATE": "2025-01-15T12:00:00+00:00", "GIT_COMMITTER_DATE": "2025-01-15T12:00:00+00:00"}
        return subprocess.run(["git", "-C", str(project), "-c", f"user.name={who[0]}", "-c", f"user.email={who[1]}", *args],
                              check=True, capture_output=True, text=True, env=dated).stdout

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "Start")
    base = git("rev-parse", "HEAD").strip()
    assert _run(installed, project, "new", "cardiology/which-statin").returncode == 0
    article = VALID_ARTICLE.format(id="test-question", specialty="cardiology").replace("tags: [chemotherapy]", "tags: []")
    (project / "content" / "cardiology" / "test-question.yaml").write_text(article, encoding="utf-8")
    assert _run(installed, project, "validate").returncode == 0
    git("add", "-A")
    git("commit", "-q", "-m", "A first article", who=("Example Author", "author@example.org"))
    approved = _run(installed, project, "approve", "test-question", "--reviewer", "jane-doe", "--coi", "none", "--key", str(key),
                    "--date", "2025-02-10")
    assert approved.returncode == 0, approved.stderr
    git("add", "-A")
    git("commit", "-q", "-m", "Approve", who=("Dr. Jane Doe", "editor@example.org"))
    checked = _run(installed, project, "check", "--base", base)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    built = _run(installed, project, "build")
    assert built.returncode == 0, built.stderr
    page = (project / "site" / "cardiology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert "Dr. Jane Doe (example editor)" in page and 'class="gs-approved' in page
    assert "Northfield Clinical Guidance (example)" in (project / "site" / "index.html").read_text(encoding="utf-8")

    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen([str(installed / "guidesite"), "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=project,
                                  stdout=output, stderr=subprocess.STDOUT,
                                  env={"PATH": f"{installed}:/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONUNBUFFERED": "1",
                                       "SOURCE_DATE_EPOCH": TODAY_EPOCH})
    try:
        _wait_for(f"http://127.0.0.1:{port}/cardiology/test-question/", "Does drug A improve survival in condition B?", server, log)
    finally:
        server.terminate()
        server.wait(timeout=60)
    published = _run(installed, project, "publish", "--edition", "2025.02", "--to", str(tmp_path / "public"), "--no-build")
    assert published.returncode == 0, published.stderr
    assert (tmp_path / "public" / "articles" / "test-question" / "v1" / "index.html").is_file()
