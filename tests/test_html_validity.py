"""Every page type of the built sample site is valid HTML by the Nu HTML Checker (vnu.jar).

Material's base template writes two faults on every page (``autocomplete`` on checkbox toggles, a
``<label for="__toc">`` naming a control an article page does not have); theme/hooks.py mends them
in the built page.  The checker needs Java and vnu.jar (the npm package ``vnu-jar``):

    apt-get install -y default-jre-headless
    npm install --prefix ~/.cache/guidesite/vnu --ignore-scripts vnu-jar

(``.ci/run`` does both and names the jar in ``GUIDESITE_VNU_JAR``).  Without them the checker's test
skips with the reason, except under CI, where it fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load_hooks():
    """theme/hooks.py, MkDocs' hook file (loaded by MkDocs as a file, not as a package)."""
    spec = importlib.util.spec_from_file_location("guidesite_theme_hooks", REPO / "theme" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load_hooks()

VNU_CACHE = Path.home() / ".cache" / "guidesite" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
"""Where ``npm install --prefix ~/.cache/guidesite/vnu vnu-jar`` puts the checker."""

PAGE_TYPES = {
    "home": "index.html",
    "specialty": "gynecologic-oncology/index.html",
    "article": "gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/index.html",
    "article with a table and an algorithm": "cardiology/hypertension-drug-treatment/index.html",
    "board": "advisory-board/index.html",
    "policy": "editorial-policy/index.html",
    "evidence grades": "evidence-grades/index.html",
    "topics": "tags/index.html",
    "search": "search/index.html",
    "404": "404.html",
}


def _vnu() -> tuple[str, Path]:
    """Java and the checker's jar, or a skip (a failure under CI) saying how to get them."""
    java = shutil.which("java")
    named = os.environ.get("GUIDESITE_VNU_JAR") or os.environ.get("VNU_JAR")
    jar = Path(named) if named else VNU_CACHE
    missing = []
    if java is None:
        missing.append("Java (apt-get install -y default-jre-headless)")
    if not jar.is_file():
        missing.append(f"vnu.jar at {jar} (npm install --prefix ~/.cache/guidesite/vnu --ignore-scripts vnu-jar, "
                       "or name it in GUIDESITE_VNU_JAR)")
    if missing:
        message = "the Nu HTML Checker needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return java, jar


def _errors(java: str, jar: Path, pages: list[Path]) -> list[dict]:
    result = subprocess.run([java, "-jar", str(jar), "--errors-only", "--format", "json", *map(str, pages)],
                            capture_output=True, text=True, timeout=600)
    report = json.loads(result.stderr or result.stdout)  # vnu writes its report on stderr
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


def test_every_page_type_is_valid_html(sample_site):
    java, jar = _vnu()
    pages = sorted(p for p in sample_site.rglob("*.html") if "pagefind" not in p.relative_to(sample_site).parts)
    checked = {p.relative_to(sample_site).as_posix() for p in pages}
    assert set(PAGE_TYPES.values()) <= checked, set(PAGE_TYPES.values()) - checked
    errors = _errors(java, jar, pages)
    found = [f"{m['url'].rsplit(str(sample_site), 1)[-1]}:{m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()[:120]}]"
             for m in errors]
    assert found == [], f"{len(found)} error(s) on {len(pages)} pages:\n" + "\n".join(found)


def test_material_s_checkbox_toggles_lose_autocomplete_and_keep_everything_else():
    html = ('<input class="md-toggle" data-md-toggle="drawer" type="checkbox" id="__drawer" autocomplete="off">'
            '<input type="search" name="q" autocomplete="off">')
    assert hooks.valid_html(html) == ('<input class="md-toggle" data-md-toggle="drawer" type="checkbox" id="__drawer">'
                                      '<input type="search" name="q" autocomplete="off">')


def test_the_toc_label_stays_a_label_only_where_its_control_exists():
    toc = '<label class="md-nav__title" for="__toc">\n<span class="md-nav__icon md-icon"></span>\nTable of contents\n</label>'
    article = hooks.valid_html(f'<nav class="md-nav md-nav--secondary">{toc}<ul></ul></nav>')
    assert article == ('<nav class="md-nav md-nav--secondary"><div class="md-nav__title">\n<span class="md-nav__icon md-icon"></span>'
                       '\nTable of contents\n</div><ul></ul></nav>')
    in_nav = f'<input class="md-nav__toggle md-toggle" type="checkbox" id="__toc">{toc}'
    assert hooks.valid_html(in_nav) == in_nav
