"""``guidesite preview``: one article and what it links to, without touching site/."""

from __future__ import annotations


from click.testing import CliRunner

from guidesite.cli import main

from conftest import copy_sample


def test_preview_builds_the_article_and_its_links_only(tmp_path, fixed_build_date):
    root = copy_sample(tmp_path / "project")
    # An unrelated broken article elsewhere does not stop a reviewer's preview.
    broken = root / "content" / "medical-oncology" / "unrelated-question.yaml"
    broken.write_text("id: unrelated-question\ntitle: not a question\n", encoding="utf-8")

    result = CliRunner().invoke(main, ["--project", str(root), "preview", "carboplatin-versus-cisplatin-paclitaxel-cervical-cancer"])
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    site = root / "build" / "preview" / "site"
    built = sorted(p.parent.relative_to(site).as_posix() for p in site.glob("*/*/index.html") if p.parent.name != "pagefind")
    assert built == [  # each article's page and its permanent address, which leads there
        "articles/carboplatin-versus-cisplatin-paclitaxel-cervical-cancer",
        "articles/recurrent-cervical-cancer-omental-metastases",
        "gynecologic-oncology/carboplatin-versus-cisplatin-paclitaxel-cervical-cancer",
        "gynecologic-oncology/recurrent-cervical-cancer-omental-metastases",
    ]
    assert not (root / "site").exists()
    html = (site / "gynecologic-oncology" / "carboplatin-versus-cisplatin-paclitaxel-cervical-cancer" / "index.html").read_text(encoding="utf-8")
    assert "Educational purpose only" in html


def test_preview_of_an_unknown_article_is_a_clear_error(tmp_path):
    root = copy_sample(tmp_path / "project")
    result = CliRunner().invoke(main, ["--project", str(root), "preview", "no-such-article"])
    assert result.exit_code == 1
    assert "expected one article with id 'no-such-article'; found no article" in result.stderr
