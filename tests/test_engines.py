"""Engines (issue 15): the same site from MkDocs and from Zensical, Material's successor, with our own
stages after either (finish.py: cleaned bodies, valid HTML; the page check; Pagefind; the sitemap)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidesite.build import build
from guidesite.cli import main
from guidesite.errors import BuildError
from guidesite.sanitize import find_hazards

from conftest import REPO, TODAY_EPOCH, copy_sample

SEED = "gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/index.html"


def _zensical_or_skip() -> None:
    try:
        import zensical  # noqa: F401
    except ImportError:
        message = "Zensical is not installed (pip install -e '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site built with ``guidesite build --engine zensical``."""
    _zensical_or_skip()
    root = copy_sample(tmp_path_factory.mktemp("zensical") / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        result = CliRunner().invoke(main, ["--project", str(root), "build", "--no-history", "--engine", "zensical"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "site"


FEATURES = {
    "tracker": '<li aria-current="step" class="gs-step gs-step--current">Submitted',
    "banner": "Educational purpose only",
    "audience switch": '<input type="radio" name="gs-audience" value="patient">',
    "citations": '<span class="gs-cite">',
    "badges": "ESMO level I, grade A",
    "regimens": "<td>50 mg/m²</td>",
    "JSON-LD": '"@type":"MedicalWebPage"',
    "references": 'id="ref-gog240-2014"',
    "disclaimer": 'class="gs-disclaimer"',
    "footer": "gs-footer",
    "script": "assets/guidesite.js",
}


@pytest.mark.parametrize("feature", FEATURES)
def test_the_seed_page_has_the_same_features_from_either_engine(sample_site, zensical_site, feature):
    for site in (sample_site, zensical_site):
        html = (site / SEED).read_text(encoding="utf-8")
        assert FEATURES[feature] in html, (feature, site)


def test_zensical_output_is_finished_by_our_own_stage(zensical_site):
    html = (zensical_site / SEED).read_text(encoding="utf-8")
    assert 'content="zensical-' in html  # it really is Zensical's page
    assert "\n\n" not in html  # compacted
    assert 'autocomplete="off" type="checkbox"' not in html and 'type="checkbox" autocomplete' not in html  # valid HTML
    assert not (zensical_site / "search.json").exists()  # Zensical's own search is off: Pagefind's is there
    assert (zensical_site / "pagefind" / "pagefind.js").is_file()


def test_the_sitemap_lists_the_same_addresses_from_either_engine(sample_site, zensical_site):
    def addresses(site: Path) -> list[str]:
        return sorted(re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8")))

    assert addresses(zensical_site) == addresses(sample_site)
    assert len(addresses(zensical_site)) >= 10
    assert "<lastmod>2025-07-25</lastmod>" in (zensical_site / "sitemap.xml").read_text(encoding="utf-8")  # the seed's own date


def test_a_zensical_build_is_byte_identical_when_repeated(zensical_site, tmp_path):
    root = copy_sample(tmp_path / "again")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        result = CliRunner().invoke(main, ["--project", str(root), "build", "--no-history", "--engine", "zensical"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    first = {p.relative_to(zensical_site): p.read_bytes() for p in zensical_site.rglob("*") if p.is_file()}
    second = {p.relative_to(root / "site"): p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [path for path in first if first[path] != second[path]] == []


def test_the_engine_is_a_setting_of_site_yaml(tmp_path):
    _zensical_or_skip()
    root = copy_sample(tmp_path / "project")
    site_yaml = root / "site_config" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "\nengine: zensical\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--project", str(root), "build", "--no-history"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert 'content="zensical-' in (root / "site" / "index.html").read_text(encoding="utf-8")


def test_hostile_content_is_cleaned_the_same_with_either_engine(tmp_path):
    """Content the validator would refuse, built with its safety checks switched off (as a validation
    bug would let it through): with Zensical, which runs no plugin, our own stage still cleans it."""
    _zensical_or_skip()
    from test_hostile import BROWSER_CASES, _pages_without_safety_checks, _unchecked_project

    bodies, titles = {}, {}
    for engine in ("mkdocs", "zensical"):
        root = _unchecked_project(tmp_path / engine, BROWSER_CASES)
        site = build(_pages_without_safety_checks(root), root, site_dir=root / "site", engine=engine)
        pages = sorted(site.glob("gynecologic-oncology/*/index.html"))
        assert pages
        for page in pages:
            html = page.read_text(encoding="utf-8")
            body = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', html, re.S).group(1)
            # The sanitizer's own scanner, on the elements and attributes of the body (a refused construct
            # may remain as harmless text: "{: onclick=…}").
            assert find_hazards(body, allow_script=lambda *_: False, allow_image=lambda *_: True) == [], (engine, page)
        bodies[engine] = len(pages)
        titles[engine] = {page.parent.name: re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8")).group(1) for page in pages}
    assert bodies["mkdocs"] == bodies["zensical"]
    # A hostile title (escaped at render time, whatever the engine) reads the same from both.
    assert titles["zensical"] == titles["mkdocs"]
    assert titles["zensical"]["img-onerror-in-title"] == "Dose &lt;img src=x onerror=alert(2)&gt;? - Example Guideline Publisher"


def test_a_failed_zensical_build_is_reported_as_our_problem_and_leaves_the_site_as_it_was(tmp_path, monkeypatch):
    root = copy_sample(tmp_path / "project")
    site = root / "site"
    site.mkdir()
    (site / "index.html").write_text("the last good build", encoding="utf-8")

    def failing(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, stdout="Build started\n", stderr="Traceback …\nRuntimeError: unknown method (in main.html:8)\n")

    monkeypatch.setattr("guidesite.engines.run_zensical", failing)
    result = CliRunner().invoke(main, ["--project", str(root), "build", "--no-history", "--engine", "zensical"])
    assert result.exit_code == 1
    assert "theme/overrides/main.html:8: Zensical: RuntimeError: unknown method" in result.output  # located in our template
    assert "Traceback" not in result.output
    assert (site / "index.html").read_text(encoding="utf-8") == "the last good build"


def test_an_unknown_engine_is_a_clear_error():
    with pytest.raises(BuildError) as caught:
        build([], REPO, site_dir=REPO / "no-such-site", engine="hugo")
    assert caught.value.messages == ["expected an engine from mkdocs, zensical; got 'hugo'"]


def test_search_finds_the_seed_article_on_the_zensical_build_and_screenshots_side_by_side(sample_site, zensical_site):
    from PIL import Image

    from browser import ARTIFACTS, chromium, require_chromium, serve_folder

    require_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    shots = []
    with chromium() as browser:
        for engine, site in (("mkdocs", sample_site), ("zensical", zensical_site)):
            with serve_folder(site) as url:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(url + "/search/?q=bevacizumab")
                result = page.locator(".pagefind-ui__result-link[href*='recurrent-cervical-cancer-omental-metastases']").first
                result.wait_for(timeout=10_000)
                page.goto(url + "/" + SEED.removesuffix("index.html"))
                assert page.locator(".gs-banner--pending").is_visible(), engine
                assert page.locator(".gs-audience").is_visible(), engine  # the page script ran
                assert page.locator(".md-header .md-search").count() == 0 or not page.locator(".md-header .md-search").is_visible()
                shot = ARTIFACTS / f"seed-article-{engine}.png"
                page.screenshot(path=str(shot), full_page=True)
                shots.append(Image.open(shot))
                page.close()
    both = Image.new("RGB", (sum(s.width for s in shots), max(s.height for s in shots)), "white")
    both.paste(shots[0], (0, 0))
    both.paste(shots[1], (shots[0].width, 0))
    both.save(ARTIFACTS / "seed-article-mkdocs-vs-zensical.png")


def test_a_published_edition_built_with_zensical_carries_the_version_selector(tmp_path):
    _zensical_or_skip()
    root = copy_sample(tmp_path / "project")
    site_yaml = root / "site_config" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "\nengine: zensical\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    result = CliRunner().invoke(main, ["--project", str(root), "publish", "--edition", "2026.11", "--to", str(tmp_path / "public")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "public" / "2026.11" / "index.html").read_text(encoding="utf-8")
    assert 'content="zensical-' in page
    assert '"version":{"default":"latest","provider":"mike"}' in page  # Material's selector reads versions.json
    # A plain build of the same project asks for no versions.json.
    assert CliRunner().invoke(main, ["--project", str(root), "build", "--no-history"], catch_exceptions=False).exit_code == 0
    assert '"provider":"mike"' not in (root / "site" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "public" / "versions.json").is_file()


def test_a_description_with_quotes_stays_inside_its_attribute_with_either_engine(tmp_path):
    """Descriptions are escaped at render time: Zensical prints front matter as it is given, so a
    summary quoting a word would otherwise break out of the meta tag's attribute."""
    _zensical_or_skip()
    from conftest import VALID_ARTICLE

    root = copy_sample(tmp_path / "project")
    text = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    (root / "content" / "gynecologic-oncology" / "test-question.yaml").write_text(
        text.replace("Drug A improved overall survival in one randomized trial [@trial-a].", 'Drug A \\"won\\" & rates < 25% fell [@trial-a].'),
        encoding="utf-8")
    metas = {}
    for engine in ("mkdocs", "zensical"):
        result = CliRunner().invoke(main, ["--project", str(root), "build", "--no-history", "--engine", engine, "--site-dir", str(tmp_path / engine)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        html = (tmp_path / engine / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
        metas[engine] = re.search(r'<meta name="description" content="[^"]*">', html).group(0)
    assert metas["zensical"] == metas["mkdocs"] == '<meta name="description" content="Drug A &quot;won&quot; &amp; rates &lt; 25% fell.">'
