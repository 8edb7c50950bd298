"""``guidesite serve``: an author edits a YAML file and the preview follows."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from guidesite.serve import refresh

from conftest import TODAY_EPOCH, VALID_ARTICLE

ARTICLE_URL = "/gynecologic-oncology/test-question/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(url: str, needle: str, server: subprocess.Popen, log: Path, seconds: float = 120) -> str:
    """The page at ``url`` once it contains ``needle``; fails at once if the server stops, else after ``seconds``."""
    deadline = time.monotonic() + seconds
    page = None
    while time.monotonic() < deadline and server.poll() is None:
        page = _get(url)
        if page and needle in page:
            return page
        time.sleep(0.1)
    state = f"the server exited with {server.returncode}" if server.poll() is not None else f"not within {seconds}s"
    raise AssertionError(f"{needle!r} not served at {url} ({state}); last page: {(page or '')[:200]}\n"
                         f"server output:\n{log.read_text(encoding='utf-8', errors='replace')[-2000:]}")


def test_refresh_writes_only_what_changed(project, tmp_path, fixed_build_date):
    project.article()
    staging = tmp_path / "docs"
    first = refresh(project.root, staging, drafts=True)
    assert first > 0
    assert refresh(project.root, staging, drafts=True) == 0
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    project.article(text=text.replace("A point for everyone", "A point for every reader"))
    assert refresh(project.root, staging, drafts=True) == 1


def test_bad_content_keeps_the_last_good_preview(project, tmp_path, fixed_build_date):
    project.article()
    staging = tmp_path / "docs"
    refresh(project.root, staging, drafts=True)
    before = (staging / "gynecologic-oncology" / "test-question.md").read_text(encoding="utf-8")
    project.article(text=VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("dose: 50 mg/m2", "dose: lots"))
    assert refresh(project.root, staging, drafts=True) == 0
    assert (staging / "gynecologic-oncology" / "test-question.md").read_text(encoding="utf-8") == before


def test_serve_reloads_when_an_article_changes(project, tmp_path):
    project.article()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as output:  # a file, not a pipe nobody reads: a chatty server can never block on it
        server = subprocess.Popen(
            [sys.executable, "-m", "guidesite", "--project", str(project.root), "serve", "--dev-addr", f"127.0.0.1:{port}"],
            stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "SOURCE_DATE_EPOCH": TODAY_EPOCH},
        )
    try:
        served = _wait_for(base + ARTICLE_URL, "Does drug A improve survival in condition B?", server, log)
        assert "\n    " not in served.split("</head>")[0]  # the site's own hooks (theme/hooks.py) ran, as in a build
        text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
        project.article(text=text.replace("Does drug A improve survival", "Does drug A lengthen survival"))
        _wait_for(base + ARTICLE_URL, "Does drug A lengthen survival in condition B?", server, log)
    finally:
        server.terminate()
        server.wait(timeout=60)
