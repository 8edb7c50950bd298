"""A project's theme/ and mkdocs.yml hold only what it changes; everything else comes from guidesite itself.

The sample site, built from a copy that has no theme/ and whose mkdocs.yml names neither a
custom_dir nor hooks, is the same site byte for byte as the sample built with its own theme; a
project that overrides one Markdown template and one file of Material's overrides gets exactly
those two changes.

Build settings likewise: guidesite's theme/mkdocs-defaults.yml supplies everything but the site's
name and address, and a project's mkdocs.yml is merged over it exactly as MkDocs merges a file over
the one its INHERIT names (mkdocs.utils.yaml): a mapping (theme, palette, extra) key by key, so a
project that sets one theme key keeps guidesite's others; a list (markdown_extensions, extra_css) or
a value replaced whole, so a project's markdown_extensions is the whole list, not an addition to
guidesite's (it must repeat what it keeps).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidesite import defaults, engines, reuse
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
    config.write_text(config.read_text(encoding="utf-8") + "theme:\n  custom_dir: theme/overrides\n", encoding="utf-8")
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


# -- build settings: guidesite's defaults under the project's mkdocs.yml ------------------------------

PUBLISHER = ["--publisher", "Harbour Guidance (example)", "--site-url", "https://guidance.harbour.example/",
             "--contact", "editors@harbour.example", "--editor-id", "ann-lee", "--editor-name", "Dr. Ann Lee (example editor)",
             "--editor-credentials", "MD (fictional example)", "--editor-github", "ann-lee-example", "--specialty", "cardiology=Cardiology"]


def _settings_of(root: Path, text: str, **options) -> object:
    """The configuration MkDocs builds ``root`` with when its mkdocs.yml is ``text``."""
    (root / "build" / "docs").mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    return defaults.load_config(root / "mkdocs.yml", **options)


def test_the_defaults_are_written_in_one_file_the_wheel_carries():
    assert defaults.SETTINGS == defaults.THEME / "mkdocs-defaults.yml" and defaults.SETTINGS.is_file()
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"guidesite.theme" = ["**/*"]' in text  # every file of theme/, this one too (tests/test_wheel.py builds from the wheel)
    # This repository's own mkdocs.yml holds only what is the sample site's: its name, address and description.
    own = [line.split(":")[0] for line in (REPO / "mkdocs.yml").read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert own == ["site_name", "site_url", "site_description"]


def test_a_mkdocs_yml_of_a_name_and_an_address_builds_guidesites_site(tmp_path):
    root = tmp_path / "harbour"
    written = CliRunner().invoke(main, ["init", str(root), *PUBLISHER], env={"SOURCE_DATE_EPOCH": TODAY_EPOCH})
    assert written.exit_code == 0, written.output + (written.stderr if written.stderr_bytes else "")
    (root / "mkdocs.yml").write_text("site_name: Harbour Guidance\nsite_url: https://guidance.harbour.example/\n", encoding="utf-8")
    site = _build(commit_all(root))

    home = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>Home - Harbour Guidance</title>" in home
    assert '<link rel="canonical" href="https://guidance.harbour.example/">' in home
    # Material, as guidesite configures it: its palette, logo and features, guidesite's stylesheet and script.
    assert 'data-md-color-scheme="default" data-md-color-primary="indigo" data-md-color-accent="indigo"' in home
    assert '<img src="assets/logo.svg" alt="logo">' in home and '"features":["navigation.top","content.tooltips"]' in home
    assert 'href="assets/guidesite.css"' in home and 'src="assets/guidesite.js"' in home
    # The built site is in site/ with directory addresses; Pagefind's search, not Material's (plugins: []).
    assert (site / "advisory-board" / "index.html").is_file() and (site / "pagefind").is_dir()
    assert not (site / "search" / "search_index.json").exists()
    assert 'class="headerlink"' in (site / "advisory-board" / "index.html").read_text(encoding="utf-8")  # toc's permalinks


def test_the_defaults_written_out_in_full_build_the_same_site(tmp_path, sample_site):
    """What the defaults leave to guidesite is exactly what the file says: the sample with the
    defaults copied into its own mkdocs.yml (as every project's mkdocs.yml once held them) is the same site."""
    root = copy_sample(tmp_path / "project")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + defaults.SETTINGS.read_text(encoding="utf-8")
                      + "hooks:\n  - theme/hooks.py\n", encoding="utf-8")
    built = _files(_build(commit_all(root)))
    assert built == sample_site


def test_a_project_setting_one_theme_key_keeps_the_others(tmp_path):
    root = _bare(tmp_path / "project")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "theme:\n  palette:\n    primary: teal\n", encoding="utf-8")
    (root / "build" / "docs").mkdir(parents=True)
    settings = defaults.load_config(config, docs_dir=str(root / "build" / "docs"))  # what MkDocs is given
    assert settings.theme["palette"] == {"scheme": "default", "primary": "teal", "accent": "indigo"}
    assert settings.theme["features"] == ["navigation.top", "content.tooltips"] and settings.theme["logo"] == "assets/logo.svg"
    assert settings.theme["font"] is False and settings.strict is True

    page = (_build(commit_all(root)) / "medical-oncology" / "bevacizumab-surgery-timing" / "index.html").read_text(encoding="utf-8")
    assert 'data-md-color-scheme="default" data-md-color-primary="teal" data-md-color-accent="indigo"' in page
    assert '<img src="../../assets/logo.svg" alt="logo">' in page and '"features":["navigation.top","content.tooltips"]' in page


def test_a_projects_markdown_extensions_replace_guidesites_list(tmp_path):
    """As with MkDocs' INHERIT a list is replaced, never extended: a project that names its Markdown
    extensions names all of them (here guidesite's, with toc's ¶ links left out)."""
    root = _bare(tmp_path / "project")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "markdown_extensions:\n  - tables\n  - md_in_html\n  - abbr\n  - toc\n",
                      encoding="utf-8")
    (root / "build" / "docs").mkdir(parents=True)
    settings = defaults.load_config(config, docs_dir=str(root / "build" / "docs"))
    assert settings.markdown_extensions == ["toc", "tables", "fenced_code", "md_in_html", "abbr"]  # MkDocs adds toc and fenced_code itself
    assert settings.mdx_configs.get("toc", {}) == {}

    page = (_build(commit_all(root)) / "medical-oncology" / "bevacizumab-surgery-timing" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="bottom-line">Bottom line</h2>' in page and 'class="headerlink"' not in page
    assert 'data-md-color-primary="indigo"' in page  # every other setting is still guidesite's


def test_the_defaults_not_in_nav_applies_unless_the_project_names_its_own(tmp_path):
    root = tmp_path / "project"
    settings = _settings_of(root, "site_name: x\nsite_url: https://example.org/\n")
    article, specialty, version = "cardiology/some-question.md", "cardiology/index.md", "cardiology/some-question/v2.md"
    assert settings.not_in_nav.match_file(article) and settings.not_in_nav.match_file(version)
    assert not settings.not_in_nav.match_file(specialty)

    class Page:  # what the reuse check reads of a rendered page
        def __init__(self, path: str) -> None:
            self.path, self.data = path, b"---\ntitle: T\n---\n"

    pages = [Page(path) for path in (article, specialty, version, "index.md")]
    assert [title.split("\0")[0] for title in reuse.nav_titles(pages, root / "mkdocs.yml")] == ["cardiology/index.md", "index.md"]

    own = _settings_of(root, "site_name: x\nsite_url: https://example.org/\nnot_in_nav: /cardiology/*.md\n")
    assert own.not_in_nav.match_file(specialty) and not own.not_in_nav.match_file(version)
    assert [title.split("\0")[0] for title in reuse.nav_titles(pages, root / "mkdocs.yml")] == ["cardiology/some-question/v2.md", "index.md"]


def test_inherit_tags_and_relative_paths_still_work(tmp_path, monkeypatch):
    """The project's own INHERIT is merged first, then the whole over guidesite's; !ENV, !relative
    and !!python/name read as MkDocs reads them; the project's paths against the project's folder."""
    root = tmp_path / "project"
    (root / "settings").mkdir(parents=True)
    (root / "ours").mkdir()
    (root / "hooks.py").write_text("", encoding="utf-8")
    (root / "settings" / "base.yml").write_text("site_name: Inherited\ntheme:\n  custom_dir: ours\n  palette:\n    accent: red\n"
                                                "extra:\n  from_base: yes\n", encoding="utf-8")
    monkeypatch.setenv("GUIDESITE_TEST_ADDRESS", "https://env.example/")
    settings = _settings_of(root, (
        "INHERIT: settings/base.yml\n"
        "site_url: !ENV GUIDESITE_TEST_ADDRESS\n"
        "theme:\n  palette:\n    primary: teal\n"
        "hooks:\n  - hooks.py\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "extra:\n  config_dir: !relative $config_dir/ours\n  docs_dir: !relative $docs_dir/assets\n"), docs_dir=str(root / "build" / "docs"))
    assert settings.config_file_path == str(root / "mkdocs.yml")
    assert settings.site_name == "Inherited" and settings.site_url == "https://env.example/"
    assert settings.theme["palette"] == {"scheme": "default", "primary": "teal", "accent": "red"}
    assert settings.theme["features"] == ["navigation.top", "content.tooltips"]
    assert settings.theme.custom_dir == str(root / "ours") and settings.theme.dirs[:2] == [str(root / "ours"), str(defaults.OVERRIDES)]
    assert [Path(module.__file__) for module in settings.hooks.values()] == [root / "hooks.py", defaults.HOOKS]
    from material.extensions.emoji import twemoji
    assert settings.mdx_configs["pymdownx.emoji"]["emoji_index"] is twemoji
    assert settings.extra["from_base"] is True and settings.extra["generator"] is False
    assert str(settings.extra["config_dir"]) == str(root / "ours") and str(settings.extra["docs_dir"]) == str(root / "build" / "docs" / "assets")


def test_zensical_is_given_the_same_merged_settings(tmp_path):
    root = tmp_path / "project"
    (root / "build" / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: x\nsite_url: https://example.org/\ntheme:\n  palette:\n    primary: teal\n", encoding="utf-8")
    config = engines.zensical_config(root / "mkdocs.yml", root / "build" / "docs", "out", site_url=None, editions=False)
    assert config["theme"]["palette"] == {"scheme": "default", "primary": "teal", "accent": "indigo"}
    assert config["theme"]["features"] == ["navigation.top", "content.tooltips"] and config["theme"]["logo"] == "assets/logo.svg"
    assert config["not_in_nav"].startswith("/*/*.md") and config["extra_css"] == ["assets/guidesite.css"] and config["strict"] is True
    assert config["markdown_extensions"][-1] == {"toc": {"permalink": True, "permalink_title": ""}}


def test_serve_previews_with_the_same_settings(tmp_path):
    """MkDocs' own server reads the settings itself (and again before each rebuild): it too gets
    guidesite's defaults under the project's mkdocs.yml, and guidesite's overrides and hooks."""
    root = _bare(tmp_path / "project")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "theme:\n  palette:\n    primary: teal\n", encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "guidesite", "--project", str(root), "serve", "--dev-addr", f"127.0.0.1:{port}"],
                                  stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "SOURCE_DATE_EPOCH": TODAY_EPOCH})
    try:
        page, deadline = "", time.monotonic() + 120
        while "</html>" not in page and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/medical-oncology/bevacizumab-surgery-timing/", timeout=2) as response:
                    page = response.read().decode("utf-8")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        assert "</html>" in page, log.read_text(encoding="utf-8", errors="replace")[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert 'data-md-color-scheme="default" data-md-color-primary="teal" data-md-color-accent="indigo"' in page
    assert '"features":["navigation.top","content.tooltips"]' in page and 'class="headerlink"' in page
    assert "assets/guidesite.js" in page and 'class="gs-nav"' in page  # guidesite's overrides (main.html)
    assert "\n    " not in page.split("</head>")[0]  # guidesite's hooks ran
