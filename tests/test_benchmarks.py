"""The benchmark harness: generated articles are valid and seed-shaped, and the runner measures every contender.

No timing is asserted here: speed goals live in the benchmark's table, not in tests.
"""

from __future__ import annotations

import sys

import pytest

from conftest import REPO

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # benchmarks/ is a folder of the repository, not part of the package

from benchmarks import contenders  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from benchmarks.run import bench, main, report  # noqa: E402
from generator.load import load  # noqa: E402
from generator.validate import validate  # noqa: E402


def test_generated_articles_pass_validate_and_are_seed_shaped(tmp_path):
    files = generate(tmp_path, 5, seed=3)

    validated = validate(load(tmp_path))

    assert len(files) == len(validated.articles) == 5
    site_specialties = {s.id for s in validated.site.specialties}
    for article in validated.articles:
        assert article.specialty in site_specialties
        assert article.audiences == ["clinician", "patient"]
        regimens = [b.regimen for s in article.sections for b in s.blocks if b.regimen]
        assert len(regimens) == 2
        assert 4 <= len(article.references) <= 6
        # invented references must never carry an identifier that points at someone's real work
        assert not any(r.pmid or r.pmcid or r.doi or r.nct for r in article.references)
    systems = {e.system for a in validated.articles for s in a.sections for b in s.blocks
               for e in (b.regimen.evidence if b.regimen else b.recommendation.evidence if b.recommendation else [])}
    assert systems == {"nccn", "esmo", "grade"}
    assert all(8_000 <= f.stat().st_size <= 12_000 for f in files)


def test_generation_repeats_byte_for_byte_and_the_seed_changes_it(tmp_path):
    first = generate(tmp_path / "a", 4, seed=1)
    again = generate(tmp_path / "b", 4, seed=1)
    other = generate(tmp_path / "c", 4, seed=2)

    assert [f.read_bytes() for f in first] == [f.read_bytes() for f in again]
    assert [f.read_bytes() for f in first] != [f.read_bytes() for f in other]


def test_runner_measures_every_contender_on_the_same_articles(tmp_path):
    result = bench(3, tmp_path)

    rows = {row.command.key: row for row in result.rows}
    assert list(rows) == list(contenders.KEYS)
    for key in ("validate", "pipeline", "naive", "floor"):
        assert rows[key].ok, rows[key].note
        assert rows[key].run.peak_rss > 0
    for key in ("pipeline", "naive", "floor"):
        output = rows[key].output
        assert output.article_pages_found == 3, key
        assert output.largest_page > 0
    assert rows["pipeline"].output.search.method == "Pagefind"
    assert rows["naive"].output.search.method == "Material lunr"
    assert rows["pipeline"].output.search.bytes > 0
    assert rows["floor"].output.search is None
    zensical = rows["zensical"]
    assert zensical.ok or "not installed" in zensical.note, zensical.note

    table = report([result], contenders.versions(), "test machine")
    assert "| guidesite build (full pipeline) |" in table
    assert "| pipeline time / naive MkDocs |" in table
    assert "mkdocs-material" in table


def test_naive_config_lists_every_article_in_the_nav(tmp_path):
    docs = tmp_path / "build" / "docs"
    for page in ("index.md", "tags.md", "oncology/index.md", "oncology/b.md", "oncology/a.md"):
        (docs / page).parent.mkdir(parents=True, exist_ok=True)
        (docs / page).write_text("---\ntitle: Oncology\n---\n# Page\n", encoding="utf-8")

    assert contenders._every_page(docs) == ["index.md", {"Oncology": ["oncology/index.md", "oncology/a.md", "oncology/b.md"]}, "tags.md"]


def test_the_command_saves_its_table_and_names_what_it_skipped(tmp_path, capsys):
    status = main(["--articles", "2", "--workdir", str(tmp_path / "work"), "--results-dir", str(tmp_path / "results"),
                   "--skip", "pipeline"])

    assert status == 0
    [saved] = (tmp_path / "results").glob("*-n2.md")
    text = saved.read_text(encoding="utf-8")
    assert text in capsys.readouterr().out
    assert "| guidesite build (full pipeline) | — |" in text and "skipped (--skip)" in text
    assert "no rendered Markdown" in text  # the baselines need the pipeline's Markdown
    assert not (tmp_path / "work" / "n2").exists()


@pytest.mark.parametrize("argv", [["--articles", "0"], ["--skip", "nothing"]])
def test_the_command_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/smaps_rollup"), reason="needs Linux /proc")
def test_memory_of_a_command_working_in_several_processes_counts_all_of_them(tmp_path):
    from benchmarks.measure import run_process

    # A parent holding ~80 MB starts a child that holds ~160 MB while the parent waits.
    script = (
        "import subprocess, sys\n"
        "held = b'x' * (80 * 2**20)\n"
        "subprocess.run([sys.executable, '-c', 'import time; more = b\"y\" * (160 * 2**20); time.sleep(1.0)'])\n"
    )
    run = run_process([sys.executable, "-c", script], cwd=tmp_path, env={}, log=tmp_path / "log")
    mb = 2**20
    assert run.ok
    assert run.peak_rss < 200 * mb  # the largest single process (the child)
    assert run.peak_tree >= 230 * mb  # parent and child together
