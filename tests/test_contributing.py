"""The contributor's walk "add a block kind", done for real: a copy of guidesite gains a toy kind
(`callout`) by its model alone, a project gains its template, and the toy article builds.

What the walk proves is what a newcomer would otherwise find out the hard way: the kinds, the
template dispatch, the JSON Schema and the one-kind-per-block rule follow from the declaration in
`Block`, so no other file of the tool changes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from conftest import REPO, TODAY_EPOCH, VALID_ARTICLE

CALLOUT_MODEL = '''

class Callout(Strict):
    """A toy kind of block for the contributor's walk: a short note set apart."""

    text: Wording
    """What the note says (Markdown, citations allowed)."""
'''

CALLOUT_TEMPLATE = """\
{% from "_wording.md.j2" import wording %}
**Note.** {{ wording(page, block.callout.text) }}

"""


def _tool_with_a_callout(tmp_path):
    """A copy of guidesite whose Block model declares one more kind (the only file of the tool that changes)."""
    tool = tmp_path / "tool"
    shutil.copytree(REPO / "generator", tool / "guidesite", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "theme", tool / "theme")  # its default theme, beside it as in this repository
    model = tool / "guidesite" / "model" / "article.py"
    text = model.read_text(encoding="utf-8")
    anchor = "@dataclass(frozen=True)\nclass Marked:"
    assert anchor in text
    text = text.replace(anchor, CALLOUT_MODEL.lstrip("\n") + "\n\n" + anchor)
    field = ('    algorithm: Annotated[Algorithm | None, Marked("algorithm")] = None\n'
             '    """A decision algorithm (condition → action → next step), as a numbered list and a diagram."""\n')
    assert field in text
    text = text.replace(field, field + '    callout: Callout | None = None\n    """A short note set apart."""\n', 1)
    model.write_text(text, encoding="utf-8")
    return tool


def _guidesite(tool, project, *args):
    return subprocess.run([sys.executable, "-m", "guidesite", "--project", str(project), *args], cwd=tool, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": TODAY_EPOCH, "HOME": str(tool)})


def test_adding_a_block_kind_is_its_model_and_its_template(tmp_path, project):
    tool = _tool_with_a_callout(tmp_path)
    changed = [p for p in (tool / "guidesite").rglob("*.py")
               if p.read_bytes() != (REPO / "generator" / p.relative_to(tool / "guidesite")).read_bytes()]
    assert [p.relative_to(tool).as_posix() for p in changed] == ["guidesite/model/article.py"]
    (project.root / "theme" / "templates" / "blocks" / "callout.md.j2").write_text(CALLOUT_TEMPLATE, encoding="utf-8")
    article = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "      - list:\n", '      - callout:\n          text: "Check renal function before each cycle [@label-b]."\n      - list:\n', 1)
    project.article(text=article)

    built = _guidesite(tool, project.root, "build", "--no-history")
    assert built.returncode == 0, built.stdout + built.stderr
    page = (project.root / "site" / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert "<strong>Note.</strong> Check renal function before each cycle" in page

    # The schema editors use knows the kind, and a block still holds exactly one.
    assert _guidesite(tool, project.root, "schema").returncode == 0
    schema = json.loads((project.root / "schema" / "article.schema.json").read_text(encoding="utf-8"))
    assert "callout" in schema["definitions"]["Block"]["properties"]
    project.article(text=article.replace("      - callout:\n", "      - prose: Also prose.\n        callout:\n", 1))
    refused = _guidesite(tool, project.root, "validate")
    assert refused.returncode == 1
    assert "expected exactly one of prose, list, numbered, regimen, recommendation, dosing, warning, key_points, table, figure, algorithm, callout in a block; got prose, callout" in refused.stderr

    # The skeleton `guidesite new` writes lists the kind, from its declaration, and still validates.
    assert _guidesite(tool, project.root, "new", "gynecologic-oncology/a-new-question").returncode == 0
    skeleton = (project.root / "content" / "gynecologic-oncology" / "a-new-question.yaml").read_text(encoding="utf-8")
    assert "#   callout: A short note set apart.\n#       {text}\n" in skeleton
    assert "#   table: A table with a caption" in skeleton and "#       {caption, columns: [label or {label, unit}]" in skeleton


def test_every_kind_of_block_has_its_template():
    from guidesite.model.article import BLOCK_KINDS

    templates = {p.name.removesuffix(".md.j2") for p in (REPO / "theme" / "templates" / "blocks").glob("*.md.j2")}
    assert templates == set(BLOCK_KINDS)


def test_adding_a_site_page_is_its_declaration_and_its_template(tmp_path, project):
    """The walk "add a site page": one declaration in generator/site_pages.py and one template; the page is
    built, linked from the footer of every page, and its name is reserved for articles and specialties."""
    tool = tmp_path / "tool"
    shutil.copytree(REPO / "generator", tool / "guidesite", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "theme", tool / "theme")  # its default theme, beside it as in this repository
    declared = tool / "guidesite" / "site_pages.py"
    text = declared.read_text(encoding="utf-8")
    anchor = '    SitePage("search", "search.md.j2", "Search", header=3, search=False),\n'
    assert anchor in text
    declared.write_text(text.replace(anchor, anchor + '    SitePage("glossary", "glossary.md.j2", "Glossary", footer=5),\n'), encoding="utf-8")
    (project.root / "theme" / "templates" / "glossary.md.j2").write_text(
        "{{ front_matter }}\n# Glossary\n\n{{ articles | length }} articles explain their terms where they use them.\n", encoding="utf-8")
    project.article()
    built = _guidesite(tool, project.root, "build", "--no-history")
    assert built.returncode == 0, built.stdout + built.stderr
    page = (project.root / "site" / "glossary" / "index.html").read_text(encoding="utf-8")
    assert "1 articles explain their terms" in page
    article = (project.root / "site" / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert '<li><a href="../../glossary/">Glossary</a></li>' in article
    project.article(id="glossary")
    refused = _guidesite(tool, project.root, "validate")
    assert refused.returncode == 1 and "expected an id that is not one of the site's own pages or folders" in refused.stderr


TOY_SYSTEM = """\
toy:
  name: "Toy Ranking (fictional, used only by the test suite)"
  badge: "TOY"
  source: >-
    A fictional system for the contributor's walk
  fields:
    rank:
      name: "Rank"
      values:
        "gold": {label: "gold rank", plain: "the toy's best", meaning: "The toy's highest rank (fictional)."}
        "silver": {label: "silver rank", plain: "the toy's second", meaning: "The toy's second rank (fictional)."}
"""


def test_adding_a_grading_system_is_configuration_only(project):
    """The walk "add a grading system": site_config/grading.yaml alone; no code, no template."""
    from click.testing import CliRunner

    from guidesite.cli import main

    grading = project.root / "site_config" / "grading.yaml"
    grading.write_text(grading.read_text(encoding="utf-8") + TOY_SYSTEM, encoding="utf-8")
    graded = "evidence: [{system: grade, certainty: moderate, strength: strong}]"
    article = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    assert graded in article
    article = article.replace(graded, "evidence: [{system: toy, rank: gold}]")
    project.article(text=article)
    runner = CliRunner()
    built = runner.invoke(main, ["--project", str(project.root), "build", "--no-history"], env={"SOURCE_DATE_EPOCH": TODAY_EPOCH})
    assert built.exit_code == 0, built.output + (built.stderr if built.stderr_bytes else "")
    page = (project.root / "site" / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert "TOY" in page and "gold rank" in page
    legend = (project.root / "site" / "evidence-grades" / "index.html").read_text(encoding="utf-8")
    assert "Toy Ranking (fictional, used only by the test suite)" in legend and "highest rank (fictional)." in legend
    assert runner.invoke(main, ["--project", str(project.root), "schema"]).exit_code == 0
    schema = json.loads((project.root / "schema" / "article.schema.json").read_text(encoding="utf-8"))
    assert any(s["properties"]["system"]["const"] == "toy" for s in schema["definitions"]["Evidence"]["oneOf"])
    project.article(text=article.replace("rank: gold", "rank: bronze"))
    refused = runner.invoke(main, ["--project", str(project.root), "validate"])
    assert refused.exit_code == 1 and "bronze" in refused.stderr


def test_adding_a_recommendation_field_is_its_model_and_its_template(tmp_path, project):
    """The walk "add a field to a recommendation" (who it is for): the model and the kind's template."""
    tool = tmp_path / "tool"
    shutil.copytree(REPO / "generator", tool / "guidesite", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "theme", tool / "theme")  # its default theme, beside it as in this repository
    model = tool / "guidesite" / "model" / "article.py"
    text = model.read_text(encoding="utf-8")
    anchor = '''    text: Wording
    """The recommendation (Markdown, citations allowed)."""
'''
    assert anchor in text
    model.write_text(text.replace(anchor, anchor + '    population: Text | None = None\n    """Who it is for (plain text)."""\n', 1), encoding="utf-8")
    template = project.root / "theme" / "templates" / "blocks" / "recommendation.md.j2"
    markup = template.read_text(encoding="utf-8")
    line = "{{ wording(page, block.recommendation.text) }}\n"
    assert line in markup
    template.write_text(markup.replace(line, line + "{% if block.recommendation.population %}\n*For: {{ block.recommendation.population | plain }}*\n{% endif %}\n"),
                        encoding="utf-8")
    article = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "      - list:\n", '      - recommendation:\n          text: "We suggest drug A [@trial-a]."\n'
        '          population: adults with condition B\n          evidence: [{system: grade, certainty: low, strength: conditional}]\n'
        "      - list:\n", 1)
    project.article(text=article)
    built = _guidesite(tool, project.root, "build", "--no-history")
    assert built.returncode == 0, built.stdout + built.stderr
    page = (project.root / "site" / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    assert "<em>For: adults with condition B</em>" in page
