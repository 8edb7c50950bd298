"""Hostile and broken content: refused clearly, never executed, nothing lost.

tests/cases/hostile/ holds one hostile or malformed article per case.  Its
header says where it goes in a scratch project and, as ``# expect:`` lines,
every problem the validator must print for it, no more and no fewer.
Header directives:

* ``# with:`` also write the valid test article (for collisions and links);
* ``# write: body only`` write the file without its header lines (for an
  empty file and a byte-order mark, which must come first);
* ``# pad-to-bytes: N`` pad the file with a YAML comment up to N bytes;
* ``# browser:`` the case is also built with the safety checks skipped and
  loaded in Chromium, to prove the sanitizer holds on its own.

The second wall, the sanitizer of the built site (generator/sanitize.py), is
tested here too: on hostile pages built directly, on the sample site (which
it must leave as it was), and in a real browser.
"""

from __future__ import annotations

import gzip
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from guidesite import sanitize
from guidesite.build import build
from guidesite.errors import BuildError, ContentError
from guidesite.load import load
from guidesite.render import Page, render
from guidesite.sanitize import check_site, clean_body, find_hazards, quick_hazards
from guidesite.validate import validate

from conftest import REPO, TODAY, VALID_ARTICLE

CASES = sorted((Path(__file__).parent / "cases" / "hostile").glob("*.yaml"))


def _header(fixture: bytes) -> list[str]:
    lines = []
    for raw in fixture.split(b"\n"):
        if not raw.startswith(b"#"):
            break
        lines.append(raw.decode("utf-8", errors="replace"))
    return lines


def _directive(header: list[str], key: str) -> list[str]:
    prefix = f"# {key}: "
    return [line[len(prefix):] for line in header if line.startswith(prefix)]


def place_case(root: Path, fixture: bytes) -> Path:
    """Write a hostile fixture into the project at ``root`` as its header says."""
    header = _header(fixture)
    (place,) = _directive(header, "place")
    if _directive(header, "with"):
        valid = root / "content" / "gynecologic-oncology" / "test-question.yaml"
        valid.parent.mkdir(parents=True, exist_ok=True)
        valid.write_text(VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology"), encoding="utf-8")
    data = fixture
    if _directive(header, "write"):
        data = fixture.split(b"\n", len(header))[-1] if header else fixture
    for size in _directive(header, "pad-to-bytes"):
        data += b"#" * (int(size) - len(data)) + b"\n"
    target = root / place
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def test_there_are_at_least_forty_hostile_cases_each_with_its_messages():
    assert len(CASES) >= 40
    for case in CASES:
        header = _header(case.read_bytes())
        assert _directive(header, "case"), case.name
        assert _directive(header, "expect"), case.name


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_hostile_article_is_refused_with_exactly_its_messages(project, case):
    fixture = case.read_bytes()
    expected = _directive(_header(fixture), "expect")
    place_case(project.root, fixture)
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    assert [str(p) for p in caught.value.problems] == expected


# --- the second wall: the sanitizer ---------------------------------------------------------


def _render_and_build(root: Path, site: Path | None = None) -> Path:
    pages = render(validate(load(root)), root / "theme" / "templates", today=TODAY)
    return build(pages, root, site_dir=site or root / "site")


class _Tokens(HTMLParser):
    """Tags, attributes and text of an HTML fragment, whitespace and serialisation aside."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("start", tag, tuple(sorted((k, v or "") for k, v in attrs))))

    def handle_startendtag(self, tag, attrs):  # <img /> and <img> are the same element
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag))

    def handle_data(self, data):
        if " ".join(data.split()):
            self.tokens.append(("text", " ".join(data.split())))


def _tokens(html: str) -> list[tuple]:
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    return parser.tokens


def test_the_sanitizer_leaves_every_page_of_the_sample_site_as_it_was(tmp_path, monkeypatch):
    # If a reader-facing feature needs a new element, attribute or class, this says which.
    seen: list[tuple[str, str, str]] = []
    original = sanitize.SanitizePlugin.on_page_content

    def spy(self, html, page, **kwargs):
        cleaned = original(self, html, page=page, **kwargs)
        seen.append((page.file.src_uri, html, cleaned))
        return cleaned

    monkeypatch.setattr(sanitize.SanitizePlugin, "on_page_content", spy)
    for name in ("content", "site_config", "theme"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / "mkdocs.yml", tmp_path)
    _render_and_build(tmp_path)
    assert len(seen) >= 10
    for uri, html, cleaned in seen:
        assert _tokens(cleaned) == _tokens(html), f"the sanitizer changed {uri}"


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<p>a<script>alert(1)</script>b</p>', "<p>ab</p>"),
        ('<img src=x onerror="alert(1)">', ""),
        ('<p onclick="alert(1)" class="gs-summary">x</p>', '<p class="gs-summary">x</p>'),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="jav&#x61;script:alert(1)">x</a>', "<a>x</a>"),
        ('<a href=" java&#9;script:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>', "<a>x</a>"),
        ('<a href="//evil.example/">x</a>', "<a>x</a>"),
        ('<a href="/\\evil.example/">x</a>', "<a>x</a>"),
        ('<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>', ""),
        ('<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>', ""),
        ('<form action="javascript:alert(1)"><button>go</button></form>', "go"),
        ('<span style="display:none">hidden warning</span>', "<span>hidden warning</span>"),
        ('<style>.gs-summary{display:none}</style><p>x</p>', "<p>x</p>"),
        ('<div id="__config" data-md-component="search">x</div>', "<div>x</div>"),
        ('<p class="md-banner gs-summary">x</p>', '<p class="gs-summary">x</p>'),
        ('<input type="text" name="gs-audience"><input type="radio" name="__palette">', '<input name="gs-audience"><input type="radio">'),
        ('<!-- hidden --><p>x</p>', "<p>x</p>"),
        ('<table><tr><td style="text-align: center; position: fixed">x</td></tr></table>',
         '<table><tbody><tr><td style="text-align:center">x</td></tr></tbody></table>'),
    ],
)
def test_the_sanitizer_removes_what_could_run_hide_or_leave_the_site(dirty, clean):
    assert clean_body(dirty) == clean


def test_the_sanitizer_keeps_what_our_pages_are_made_of():
    body = (
        '<h2 id="regimen">Regimen<a class="headerlink" href="#regimen" title="Permanent link">¶</a></h2>'
        '<div class="gs-variant" data-audience="patient" hidden><p>Text<sup class="gs-cite">'
        '<a id="cite-x-1" href="#ref-x" class="gs-cite__link" aria-label="Reference 1">1</a></sup></p></div>'
        '<p><a href="https://pubmed.ncbi.nlm.nih.gov/1/">PubMed 1</a> <a href="mailto:e@example.org">mail</a> '
        '<a href="../../advisory-board/">board</a></p>'
        '<label class="gs-audience__choice"><input type="radio" name="gs-audience" value="patient" checked> Patients</label>'
        '<time class="gs-due" datetime="2026-02-01">February 1, 2026</time>'
    )
    assert _tokens(clean_body(body)) == _tokens(body)


_HOSTILE_PAGE = """\
---
title: "<img src=x onerror=console.log('GS-XSS-title')>Hostile page?"
description: '0;url=https://evil.example/" http-equiv="refresh'
---
# Hostile page

## <img src=x onerror="console.log('GS-XSS-heading')"> A heading

<script>console.log('GS-XSS-script'); alert('script')</script>

<p onmouseover="alert('mouse')" id="__config" class="md-dialog">{"base": "evil"}</p>

[Read more](javascript:alert('link')) [Read more](JaVaScRiPt:alert('case'))
[Read more](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [Read more](//evil.example/)

[Read more][1]

[1]: javascript:alert('reference')

<iframe srcdoc="<script>parent.alert('frame')</script>"></iframe>
<svg><a><animate attributeName="href" values="javascript:alert('svg')"/><text y="20">Read more</text></a></svg>
<form action="javascript:alert('form')"><button>Read more</button></form>
<span style="display:none">dose must be halved in renal failure</span>
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<object data="javascript:alert('object')"></object>
<a href="#" onclick="alert('click')">Read more</a>

A safe paragraph about survival.
"""


def _theme_dirs(root: Path) -> list[Path]:
    import material

    return [root / "theme" / "overrides", Path(material.__file__).parent / "templates"]


def _hostile_pages() -> list[Page]:
    """Pages as a content bug could produce them: raw HTML, script links, a hostile title."""
    home = "---\ntitle: Home\n---\n# Home\n\n[The hostile page](hostile.md)\n"
    return [Page("index.md", home), Page("hostile.md", _HOSTILE_PAGE)]


def test_hostile_pages_are_built_without_anything_that_could_run(project):
    site = build(_hostile_pages(), project.root, site_dir=project.root / "site")
    html = (site / "hostile" / "index.html").read_text(encoding="utf-8")
    assert check_site(site, _theme_dirs(project.root)) == []
    # Scripts go with their content; dangerous attributes go with their values.
    for gone in ("GS-XSS-script", "alert('link')", "alert('case')", "alert('reference')", "parent.alert", "alert('svg')",
                 "alert('form')", "alert('object')", "alert('click')", "alert('mouse')", "GS-XSS-heading"):
        assert gone not in html, gone
    # The title shows as text wherever Material prints it; the description stays inside its attribute.
    assert "<title>&lt;img src=x onerror=console.log('GS-XSS-title')&gt;Hostile page? - " in html
    assert '<meta name="description" content="0;url=https://evil.example/&quot; http-equiv=&quot;refresh">' in html
    assert "A safe paragraph about survival." in html
    assert "dose must be halved" in html  # the text stays; only the style that hid it is gone
    # What search shows (Pagefind's fragments: gzip-compressed JSON) carries no markup either.
    index = "".join(gzip.decompress(f.read_bytes()).decode("utf-8") for f in (site / "pagefind" / "fragment").iterdir())
    assert "Hostile page" in index
    assert not re.search(r"<(script|img|svg|iframe|object)\b", index)


def test_a_template_that_prints_a_field_raw_fails_the_build_and_nothing_is_published(project):
    project.article()
    good = _render_and_build(project.root)
    before = {p: p.read_bytes() for p in good.rglob("*") if p.is_file()}
    staging = project.root / "build" / "docs"
    staging_before = {p: p.read_bytes() for p in staging.rglob("*") if p.is_file()}
    # A theme change that prints a front-matter field without escaping it: only the page check can catch this.
    project.write("theme/overrides/partials/copyright.html", "<div>{{ page.meta.note if page and page.meta and page.meta.note }}</div>\n")
    project.write("mkdocs.yml", (project.root / "mkdocs.yml").read_text(encoding="utf-8") + "theme:\n  custom_dir: theme/overrides\n")
    pages = [Page("index.md", "---\ntitle: Home\nnote: \"<script>alert('raw')</script>\"\n---\n# Home\n")]
    with pytest.raises(BuildError) as caught:
        build(pages, project.root, site_dir=good)
    assert caught.value.messages == ["unsafe markup in the built page index.html:%d: a script the theme did not write (inline)" % _line_of(caught.value.messages)]
    assert {p: p.read_bytes() for p in good.rglob("*") if p.is_file()} == before
    assert {p: p.read_bytes() for p in staging.rglob("*") if p.is_file()} == staging_before
    assert sorted(p.name for p in project.root.iterdir()) == ["build", "content", "mkdocs.yml", "site", "site_config", "theme"]


def _line_of(messages: list[str]) -> int:
    match = re.search(r"index\.html:(\d+):", messages[0]) if messages else None
    return int(match.group(1)) if match else -1


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ('<script>alert(1)</script>', ["1: a script the theme did not write (inline)"]),
        ('<script src="https://evil.example/x.js"></script>', ["1: a script the theme did not write (src='https://evil.example/x.js')"]),
        ('<script src="assets/missing.js"></script>', ["1: a script the theme did not write (src='assets/missing.js')"]),
        ('<script type="application/ld+json">{"a": 1}</script>', []),
        ('<script type="module">import("//evil")</script>', ["1: a script the theme did not write (inline)"]),
        ('<p>\n<a href=" JAVASCRIPT:alert(1)">x</a>', ["2: a javascript: address in href= on <a>"]),
        ('<img src="x.png" alt="A chart" onerror="alert(1)">', ["1: an event handler (onerror=) on <img>"]),
        ('<img src="x" onerror="alert(1)">', ["1: an image without alt text on <img>",
                                               "1: an image that is not a file of the page's article (src='x') on <img>",
                                               "1: an event handler (onerror=) on <img>"]),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', ["1: a <meta http-equiv> (it can redirect the reader)"]),
        ('<span style="Display: None">x</span>', ["1: a style that hides or moves text on <span>"]),
        ('<base href="https://evil.example/">', ["1: a <base> element"]),
        ('<script>var palette=1', ["1: a script the theme did not write (inline)"]),
    ],
)
def test_the_page_check_finds_what_could_run(html, found):
    allow = lambda attrs, body: (attrs.get("type") or "") == "application/ld+json"  # noqa: E731
    hazards = find_hazards(html, allow_script=allow)
    assert [f"{h.line}: {h.what}" for h in hazards] == found
    # The fast HTML5 pass that decides which pages get the careful scan finds the same things.
    quick = quick_hazards(html, allow_script=allow)
    assert [what.split(" (")[0] for what in quick] == [f.split(": ", 1)[1].split(" (")[0] for f in found]


def test_the_page_check_allows_the_themes_own_scripts_only(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "base.html").write_text('<script>__md_scope=new URL("{{ base_url }}",location)</script>\n', encoding="utf-8")
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "assets" / "bundle.js").write_text("", encoding="utf-8")
    (site / "index.html").write_text(
        '<script>__md_scope=new URL("..",location)</script><script src="assets/bundle.js"></script>\n'
        '<script>__md_scope=new URL("javascript:alert(1)",location)</script>\n'
        '<script src="assets/../../outside.js"></script>\n',
        encoding="utf-8",
    )
    assert check_site(site, [templates]) == [
        "index.html:2: a script the theme did not write (inline)",
        "index.html:3: a script the theme did not write (src='assets/../../outside.js')",
    ]


# --- the browser proof ----------------------------------------------------------------------------

BROWSER_CASES = [c for c in CASES if _directive(_header(c.read_bytes()), "browser")]


def _unchecked_project(root: Path, cases: list[Path]) -> Path:
    """A project holding the given hostile cases, each under its own id."""
    for name in ("site_config", "theme"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root)
    for case in cases:
        text = case.read_text(encoding="utf-8").replace("id: test-question", f"id: {case.stem}", 1)
        target = root / "content" / "gynecologic-oncology" / f"{case.stem}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def _pages_without_safety_checks(root: Path) -> list[Page]:
    """Validate with the text and Markdown safety checks switched off, as a validation bug would; render as usual."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("guidesite.validate.check_text", lambda *args, **kwargs: [])
        patch.setattr("guidesite.validate.check_markdown", lambda *args, **kwargs: [])
        validated = validate(load(root))
    return render(validated, root / "theme" / "templates", today=TODAY)


@pytest.mark.parametrize("case", ["backslash-host", "javascript-entity", "javascript-newline", "javascript-tab", "relative-file-link"])
def test_mkdocs_strict_build_refuses_links_it_cannot_resolve_even_without_validation(tmp_path, case):
    # A third wall for these cases: MkDocs reads their targets as links to missing files and fails the strict build.
    root = _unchecked_project(tmp_path, [Path(__file__).parent / "cases" / "hostile" / f"{case}.yaml"])
    with pytest.raises(BuildError) as caught:
        build(_pages_without_safety_checks(root), root, site_dir=root / "site")
    assert any("relative link" in m or "absolute link" in m for m in caught.value.messages)
    assert not (root / "site").exists()


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The browser cases and the raw hostile pages, built through the real sanitizer, served on 127.0.0.1."""
    from browser import serve_folder

    root = _unchecked_project(tmp_path_factory.mktemp("hostile-site"), BROWSER_CASES)
    pages = _pages_without_safety_checks(root) + [Page("hostile.md", _HOSTILE_PAGE)]
    site = build(pages, root, site_dir=root / "site")
    with serve_folder(site) as url:
        yield site, url


def test_no_script_runs_on_pages_built_from_hostile_content(hostile_site):
    from browser import chromium

    site, url = hostile_site
    # Every page but those that only lead elsewhere at once (an article's permanent address), which the
    # browser leaves for the page they lead to, visited in its turn.
    paths = sorted("/" + p.parent.relative_to(site).as_posix() + "/" for p in site.rglob("index.html")
                   if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8"))
    paths = [p.replace("/./", "/") for p in paths]
    assert len(paths) >= len(BROWSER_CASES) + 2
    ran: list[str] = []
    with chromium() as browser:
        context = browser.new_context()
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: (ran.append(f"dialog {dialog.message!r} on {page.url}"), dialog.dismiss()))
        page.on("console", lambda message: "GS-XSS" in message.text and ran.append(f"console {message.text!r} on {page.url}"))
        page.on("pageerror", lambda error: "GS-XSS" in str(error) and ran.append(f"error {error} on {page.url}"))
        for path in paths:
            response = page.goto(url + path)
            assert response is not None and response.ok, path
            page.wait_for_load_state("load")
            # Links whose hostile target was removed are still there as text: clicking them does nothing.
            assert page.locator("a[href^='javascript:' i], a[href^='data:' i], a[href^='vbscript:' i]").count() == 0, path
            for link in page.locator("article a:not([href])").all():
                link.click()
            assert page.url == url + path, f"a click on {path} went to {page.url}"
        # Search results show titles and text of every page: they must stay text too.
        for query in ("hostile", "onerror"):
            page.goto(f"{url}/search/?q={query}")
            page.wait_for_selector(".pagefind-ui__results-area, .pagefind-ui__message")
            page.wait_for_timeout(500)
        # Search reads articles only: the hostile title "Dose <img src=x onerror=alert(2)>?" is a result, as text.
        page.goto(url + "/search/?q=onerror")
        page.locator(".pagefind-ui__result-link").first.wait_for()
        assert "<img src=x onerror=alert(2)>" in page.locator(".pagefind-ui__results").inner_text()
        context.close()
    assert ran == []


# --- nothing lost ------------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_refused_build_prints_every_problem_once_and_changes_nothing(project, fixed_build_date):
    from click.testing import CliRunner

    from guidesite.cli import main

    def run(*args):
        return CliRunner().invoke(main, ["--project", str(project.root), *args])

    project.article()
    assert run("build", "--no-history").exit_code == 0
    hostile = Path(__file__).parent / "cases" / "hostile"
    for case, where in (("script-in-title", "gynecologic-oncology/a-script"), ("python-object-tag", "medical-oncology/a-tag"),
                        ("javascript-mixed-case", "medical-oncology/a-link"), ("bidi-override-in-comment", "medical-oncology/a-bidi")):
        text = (hostile / f"{case}.yaml").read_text(encoding="utf-8").replace("id: test-question", f"id: {where.split('/')[1]}")
        text = text.replace("specialty: gynecologic-oncology", f"specialty: {where.split('/')[0]}")
        project.write(f"content/{where}.yaml", text)
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    expected = [str(p) for p in caught.value.problems]
    assert {p.split(":")[0] for p in expected} == {f"content/{w}.yaml" for w in ("gynecologic-oncology/a-script", "medical-oncology/a-tag", "medical-oncology/a-link", "medical-oncology/a-bidi")}
    before = {name: _tree(project.root / name) for name in ("site", "build", "content")}
    for command in (("validate",), ("build", "--no-history")):
        result = run(*command)
        assert result.exit_code == 1
        assert result.stderr.splitlines() == expected + [f"{len(expected)} problem(s) found; nothing was written."]
        assert "Traceback" not in result.output
        assert {name: _tree(project.root / name) for name in ("site", "build", "content")} == before
    assert sorted(p.name for p in project.root.iterdir()) == ["build", "content", "mkdocs.yml", "site", "site_config", "theme"]
    assert [p.name for p in (project.root / "build").iterdir()] == ["docs"]
