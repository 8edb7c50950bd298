"""Page weight (issue 6): every article page is at most 40 KB of HTML, whatever the size of the site.

Articles left the navigation so that pages stop growing with the catalogue; what remains is
each page's own weight: Material's frame, our markup and the article's text.  Checked on the
sample site, whose seed article is three times the size of a typical one, and on generated
seed-shaped articles, the kind the benchmark builds by the thousand.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from guidesite.build import build
from guidesite.load import load
from guidesite.render import render
from guidesite.validate import validate

from conftest import REPO, TODAY

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # benchmarks/ is a folder of the repository, not part of the package

from benchmarks.generate import generate  # noqa: E402

BUDGET = 40 * 1024
"""Bytes of HTML an article page may weigh (the benchmark's KB: 1,024 bytes)."""


def _built(root: Path) -> Path:
    return build(render(validate(load(root)), root / "theme" / "templates", today=TODAY), root, site_dir=root / "site")


def _article_pages(site: Path) -> dict[str, int]:
    """Size of every article page (current and permanent copies), by path."""
    pages = {}
    for html in sorted(site.rglob("index.html")):
        if '"@type":"MedicalWebPage"' in html.read_text(encoding="utf-8"):
            pages[html.relative_to(site).as_posix()] = html.stat().st_size
    return pages


def test_every_sample_article_page_is_within_40_kb(sample_site):
    pages = _article_pages(sample_site)
    assert "gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/index.html" in pages
    assert {path: size for path, size in pages.items() if size > BUDGET} == {}


def test_generated_seed_shaped_article_pages_are_within_40_kb(tmp_path):
    generate(tmp_path, 12, seed=6)
    pages = _article_pages(_built(tmp_path))
    assert len(pages) == 12
    assert {path: size for path, size in pages.items() if size > BUDGET} == {}


def test_built_pages_carry_no_indentation_but_keep_preformatted_text(sample_site):
    html = (sample_site / "gynecologic-oncology" / "recurrent-cervical-cancer-omental-metastases" / "index.html").read_text(encoding="utf-8")
    assert "\n " not in html and "\n\n" not in html
    compact = _hooks().compact_whitespace
    assert compact("<div>\n    <p>a\n\n  b</p>\n</div>") == "<div>\n<p>a\nb</p>\n</div>"
    assert compact("<p>x</p>\n  <pre><code>  one\n\n    two\n</code></pre>\n  <p>y</p>") == \
        "<p>x</p>\n<pre><code>  one\n\n    two\n</code></pre>\n<p>y</p>"


def _hooks():
    spec = importlib.util.spec_from_file_location("guidesite_theme_hooks", REPO / "theme" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
