"""``guidesite serve``: an author edits a YAML file and the preview follows."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from generator.serve import refresh

from conftest import VALID_ARTICLE

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


def _wait_for(url: str, needle: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    page = None
    while time.monotonic() < deadline:
        page = _get(url)
        if page and needle in page:
            return page
        time.sleep(0.3)
    raise AssertionError(f"{needle!r} not served at {url} within {seconds}s; last page: {(page or '')[:200]}")


def test_refresh_writes_only_what_changed(project, tmp_path):
    project.article()
    staging = tmp_path / "docs"
    first = refresh(project.root, staging, drafts=True)
    assert first > 0
    assert refresh(project.root, staging, drafts=True) == 0
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    project.article(text=text.replace("A point for everyone", "A point for every reader"))
    assert refresh(project.root, staging, drafts=True) == 1


def test_bad_content_keeps_the_last_good_preview(project, tmp_path):
    project.article()
    staging = tmp_path / "docs"
    refresh(project.root, staging, drafts=True)
    before = (staging / "gynecologic-oncology" / "test-question.md").read_text(encoding="utf-8")
    project.article(text=VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace("dose: 50 mg/m2", "dose: lots"))
    assert refresh(project.root, staging, drafts=True) == 0
    assert (staging / "gynecologic-oncology" / "test-question.md").read_text(encoding="utf-8") == before


def test_serve_reloads_when_an_article_changes(project):
    project.article()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "generator", "--project", str(project.root), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        served = _wait_for(base + ARTICLE_URL, "Does drug A improve survival in condition B?")
        assert "\n    " not in served.split("</head>")[0]  # the site's own hooks (theme/hooks.py) ran, as in a build
        text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
        project.article(text=text.replace("Does drug A improve survival", "Does drug A lengthen survival"))
        _wait_for(base + ARTICLE_URL, "Does drug A lengthen survival in condition B?")
    finally:
        server.terminate()
        server.wait(timeout=10)
