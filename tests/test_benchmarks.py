"""The benchmark harness: generated articles are valid and seed-shaped, and the runner measures every contender.

No timing is asserted here: speed goals live in the benchmark's table, not in tests.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest

from conftest import REPO

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # benchmarks/ is a folder of the repository, not part of the package

from benchmarks import contenders  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from benchmarks import measure  # noqa: E402
from benchmarks.measure import (  # noqa: E402
    PAGEFIND_SIGNATURE, QUERIES, Output, QueryCost, Run, SearchCost, first_query_cost, pagefind_search,
    pagefind_stems, pagefind_terms, read_pagefind_chunk, read_pagefind_meta)
from benchmarks.run import Result, Row, bench, estimates, main, report, targets  # noqa: E402
from guidesite.load import load  # noqa: E402
from guidesite.validate import validate  # noqa: E402


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
    assert rows["pipeline"].output.search.typical_bytes > 0
    assert rows["pipeline"].output.search.bundles >= 1
    if measure.cbor2 is not None:  # the real queries, counted from the index the pipeline built
        queries = rows["pipeline"].output.search.queries
        assert [q.query for q in queries] == list(QUERIES), rows["pipeline"].output.search.queries_note
        assert all(q.chunks and q.bytes > 0 and q.typed_bytes >= q.bytes for q in queries)
        assert any(q.results > 0 for q in queries)
    assert rows["floor"].output.search is None

    # The rebuild after one edit ran last, on the pipeline's site, and its page shows the edit;
    # the baselines built the Markdown from before the edit.
    edited = rows["one-edit"]
    assert edited.ok, edited.note
    middle = sorted((tmp_path / "n3" / "content").glob("*/*.yaml"))[1]
    assert edited.edit.path == middle and edited.edit.found, edited.note
    assert "edit not found" not in edited.note
    specialty, id = edited.edit.article
    assert edited.edit.text in (rows["pipeline"].command.site / specialty / id / "index.html").read_text(encoding="utf-8")
    assert edited.edit.text not in (rows["naive"].command.site / specialty / id / "index.html").read_text(encoding="utf-8")
    assert edited.edit.text not in (rows["floor"].command.site / specialty / f"{id}.html").read_text(encoding="utf-8")
    zensical = rows["zensical"]
    assert zensical.ok or "not installed" in zensical.note, zensical.note

    table = report([result], contenders.versions(), "test machine")
    assert "| guidesite build (full pipeline) |" in table
    assert "| pipeline time / naive MkDocs |" in table
    assert "| guidesite build after one edit |" in table and "| one article edited, rebuild |" in table
    assert "mkdocs-material" in table
    assert "## Targets (issue 17)" in table and "not measured (no run at 1,000)" in table
    assert "Estimate for 100,000" not in table  # one size: nothing to extrapolate from


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
    assert "| guidesite build after one edit | — |" in text and "needs guidesite build (full pipeline)" in text
    assert not (tmp_path / "work" / "n2").exists()


def test_every_contender_can_be_skipped_the_one_edit_too(tmp_path, capsys):
    skip = [arg for key in contenders.KEYS for arg in ("--skip", key)]

    assert main(["--articles", "1", "--workdir", str(tmp_path), "--no-save", *skip]) == 0

    out = capsys.readouterr().out
    assert "| guidesite build after one edit | — |" in out
    assert out.count("skipped (--skip)") == len(contenders.KEYS)


def test_one_edit_changes_only_the_summary_of_the_middle_article(tmp_path):
    import difflib

    files = generate(tmp_path, 3, seed=5)
    before = {f: f.read_text(encoding="utf-8") for f in files}

    edit = contenders.edit_one_article(tmp_path)

    assert edit.path == sorted(files)[1]
    assert edit.article == (edit.path.parent.name, edit.path.stem)
    for f in files:
        if f != edit.path:
            assert f.read_text(encoding="utf-8") == before[f]
    after = edit.path.read_text(encoding="utf-8")
    assert after.startswith("# SYNTHETIC")  # the comment lines are kept
    changed = [line for line in difflib.unified_diff(before[edit.path].splitlines(), after.splitlines(), n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed and len(changed) <= 8  # a few lines of the summary's clinician wording
    [article] = [a for a in validate(load(tmp_path)).articles if a.id == edit.article[1]]
    summary = article.summary if isinstance(article.summary, str) else next(iter(article.summary.values()))
    assert summary.endswith(contenders.EDIT_TEXT)


def _bundle(folder, sizes):
    """A fake Pagefind bundle: each name (``index/`` and ``fragment/`` files too) with its size in bytes."""
    for name, size in sizes.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x" * size)


FIXED = {"pagefind-ui.js": 1000, "pagefind-ui.css": 100, "pagefind.js": 2000, "pagefind-worker.js": 3000, "pagefind-entry.json": 50}


def test_first_search_query_over_several_bundles(tmp_path):
    site = tmp_path / "site"
    # The primary: UI, library, worker, entry and metadata once, English WebAssembly only.
    _bundle(site / "pagefind", {**FIXED, "pagefind.abc.pf_meta": 500, "wasm.de.pagefind": 70_000, "wasm.en.pagefind": 60_000,
                                "index/a.pf_index": 40, "index/b.pf_index": 10, "index/c.pf_index": 30, "index/d.pf_index": 20,
                                **{f"fragment/f{i}.pf_fragment": i for i in range(1, 8)}})
    # Merged bundles: their own WebAssembly and UI are not loaded, their entry, metadata and one chunk are.
    _bundle(site / "pagefind-1", {**FIXED, "pagefind-entry.json": 6, "pagefind.def.pf_meta": 600, "wasm.en.pagefind": 99_999,
                                  "index/a.pf_index": 100, "index/b.pf_index": 50, "index/c.pf_index": 70,
                                  "fragment/big.pf_fragment": 90, "fragment/small.pf_fragment": 8})
    _bundle(site / "pagefind-2", {"pagefind-entry.json": 7, "pagefind.ghi.pf_meta": 700, "index/only.pf_index": 5})
    _bundle(site / "pagefind-ui", {"pagefind-entry.json": 123_456})  # not a bundle: not numbered

    cost = pagefind_search(site)

    fixed = 1000 + 100 + 2000 + 3000 + 50 + 60_000 + 500
    fragments = 90 + 8 + 7 + 6 + 5  # the 5 largest over every bundle
    assert cost.method == "Pagefind" and cost.bundles == 3
    assert cost.bytes == fixed + 40 + (6 + 600 + 100) + (7 + 700 + 5) + fragments
    # typical: each bundle's median chunk (of an even number, the smaller middle one)
    assert cost.typical_bytes == fixed + 20 + (6 + 600 + 70) + (7 + 700 + 5) + fragments
    assert not any(f.parent.name == "pagefind-1" and f.suffix in (".js", ".pagefind") for f in cost.files)
    assert 0 < cost.gzip_bytes < cost.bytes


def test_first_search_query_of_one_bundle_is_counted_as_before(tmp_path):
    site = tmp_path / "site"
    _bundle(site / "pagefind", {**FIXED, "pagefind.abc.pf_meta": 500, "wasm.unknown.pagefind": 60_000,
                                "index/a.pf_index": 40, "index/b.pf_index": 10, "index/c.pf_index": 30,
                                **{f"fragment/f{i}.pf_fragment": 100 * i for i in range(1, 8)}})

    cost = pagefind_search(site)

    # Before issue 17: the fixed files, the first WebAssembly, the metadata, the largest chunk, the 5 largest fragments.
    bundle = site / "pagefind"
    largest = lambda folder, n: sorted((bundle / folder).glob("*"), key=lambda f: f.stat().st_size, reverse=True)[:n]  # noqa: E731
    before = [bundle / name for name in ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js", "pagefind-worker.js", "pagefind-entry.json")]
    before += sorted(bundle.glob("wasm.*.pagefind"))[:1] + sorted(bundle.glob("pagefind.*.pf_meta"))[:1] + largest("index", 1) + largest("fragment", 5)
    assert cost.bytes == sum(f.stat().st_size for f in before)
    assert cost.bundles == 1 and cost.typical_bytes == cost.bytes - 40 + 30
    assert pagefind_search(tmp_path / "no-site") is None


# --- real queries, counted from an index Pagefind built ---------------------------------------

def _page(folder, name, text, title="Page"):
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f'<!doctype html><html lang="en"><head><title>{title}</title></head><body>'
                               f'<main data-pagefind-body><h1>{title}</h1><p>{text}</p></main></body></html>', encoding="utf-8")


def _pagefind(site, subdir="pagefind", glob=None):
    """Pagefind (the installed one, offline) indexing ``site`` into ``site/subdir``."""
    argv = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-subdir", subdir, "--silent"]
    subprocess.run(argv + (["--glob", glob] if glob else []), check=True, capture_output=True, timeout=120)
    return site / subdir


def _unpacked(path):
    raw = gzip.decompress(path.read_bytes())
    assert raw.startswith(PAGEFIND_SIGNATURE)
    return raw[len(PAGEFIND_SIGNATURE):]


def test_the_decoder_reads_the_index_pagefind_writes(tmp_path):
    pytest.importorskip("cbor2")
    site = tmp_path / "site"
    # Enough distinct words for Pagefind to cut its index into several chunks.
    filler = [f"q{i:05d}x" for i in range(12_000)]
    for n, words in enumerate((filler[0::3], filler[1::3], filler[2::3])):
        _page(site, f"p{n}.html", f"Bevacizumab therapy for cervical cancer, page {n}. " + " ".join(words), title=f"Cervical cancer {n}")
    bundle = _pagefind(site)

    [meta_file] = bundle.glob("pagefind.*.pf_meta")
    meta = read_pagefind_meta(meta_file)

    assert meta.version == __import__("importlib.metadata").metadata.version("pagefind")
    assert len(meta.pages) == 3 and all((bundle / "fragment" / f"{h}.pf_fragment").is_file() for h, _ in meta.pages)
    # the fragment a result loads is the one its page hash names
    urls = {json.loads(_unpacked(bundle / "fragment" / f"{h}.pf_fragment"))["url"] for h, _ in meta.pages}
    assert urls == {"/p0.html", "/p1.html", "/p2.html"}
    assert len(meta.chunks) >= 2 and sorted(c.hash for c in meta.chunks) == sorted(f.stem for f in (bundle / "index").glob("*"))
    assert all(a.first <= a.last < b.first <= b.last for a, b in zip(meta.chunks, meta.chunks[1:]))

    # Pagefind's stemmer, asked through a one-page index: the query words as the index holds them.
    stems = pagefind_stems(["bevacizumab", "cervical", "therapy"])
    assert stems == {"bevacizumab": "bevacizumab", "cervical": "cervic", "therapy": "therapi"}
    for word in ("bevacizumab", "cervical", "therapy"):
        [chunk] = meta.chunks_for(word, stems[word])
        path = bundle / "index" / f"{chunk.hash}.pf_index"
        assert path.is_file() and stems[word].encode() in _unpacked(path)
        assert read_pagefind_chunk(path)[stems[word]].keys() == {0, 1, 2}
    # every word of every chunk leads back to its chunk, whatever Pagefind cut its bounds to
    for chunk in meta.chunks:
        words = read_pagefind_chunk(bundle / "index" / f"{chunk.hash}.pf_index")
        assert words and all(chunk in meta.chunks_for(word, word) for word in words)
    # positions, delta-coded from 0 again after each weight marker: "Cervical cancer 1" heading, then the text
    [chunk] = meta.chunks_for("cancer", "cancer")
    assert sorted(read_pagefind_chunk(bundle / "index" / f"{chunk.hash}.pf_index")["cancer"][1]) == [1, 7]


def test_the_query_is_normalised_as_the_search_library_does():
    assert pagefind_terms("  Cervical   cancer, (recurrent) Pâté!") == ["cervical", "cancer", "recurrent", "pate"]
    assert pagefind_terms("platinum-resistant snake_case") == ["platinumresistant", "snake_case"]


def test_a_first_query_over_two_bundles_counts_each_file_once(tmp_path):
    pytest.importorskip("cbor2")
    site = tmp_path / "site"
    # Seven pages mention the drug, of different lengths (sizes that gzip cannot even out), over two bundles; two do not.
    for n in range(4):
        _page(site, f"a/p{n}.html", "Bevacizumab is given every three weeks. " + " ".join(f"dose{i}" for i in range(40 * n)))
    for n in range(3):
        _page(site, f"b/p{n}.html", "Bevacizumab with paclitaxel. " + " ".join(f"cycle{i}" for i in range(40 * n + 20)))
    _page(site, "a/other.html", "Paclitaxel only.")
    _page(site, "b/other.html", "Tiredness that does not go away with rest.")
    primary, merged = _pagefind(site, "pagefind", "a/*.html"), _pagefind(site, "pagefind-1", "b/*.html")

    cost = first_query_cost(site, "Bevacizumab", typed=True)

    def fragments(bundle, word):
        return [f for f in (bundle / "fragment").glob("*") if word in json.loads(_unpacked(f))["content"].lower()]

    matching = fragments(primary, "bevacizumab") + fragments(merged, "bevacizumab")
    assert len(matching) == 7 and cost.results == 7
    assert len({f.stat().st_size for f in matching}) == 7
    shown = sorted(matching, key=lambda f: f.stat().st_size, reverse=True)[:5]
    fixed = [primary / name for name in ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js", "pagefind-worker.js",
                                         "pagefind-entry.json", "wasm.en.pagefind")]
    metas = [*primary.glob("pagefind.*.pf_meta"), merged / "pagefind-entry.json", *merged.glob("pagefind.*.pf_meta")]
    chunks = [*(primary / "index").glob("*"), *(merged / "index").glob("*")]  # one chunk each at this size
    assert len(chunks) == 2 and sorted(cost.chunks) == sorted(chunks)
    assert sorted(cost.files) == sorted(fixed + metas + chunks + shown)
    assert len(cost.files) == len(set(cost.files))
    assert cost.bytes == sum(f.stat().st_size for f in fixed + metas + chunks + shown)
    # the merged bundle's own WebAssembly and interface are not fetched
    assert not any(f.parent == merged and f.suffix in (".js", ".css", ".pagefind") for f in cost.files)
    assert cost.typed_bytes == cost.bytes  # one chunk per bundle: typing loads nothing more

    # A word in one bundle only: that bundle's chunk is still loaded in both (its range covers the word),
    # and only the matching page's fragment is.
    tired = first_query_cost(site, ["tiredness"])
    assert tired.results == 1 and [f for f in tired.files if f.suffix == ".pf_fragment"] == fragments(merged, "tiredness")
    nothing = first_query_cost(site, "zzzz")
    assert nothing.results == 0 and not [f for f in nothing.files if f.suffix == ".pf_fragment"]
    # a word that matches nothing is left out of an otherwise matching query, as Pagefind does
    assert first_query_cost(site, "bevacizumab zzzz").results == 7


def test_the_search_cost_counts_the_real_queries_or_says_why_not(tmp_path, monkeypatch):
    pytest.importorskip("cbor2")
    site = tmp_path / "site"
    _page(site, "p.html", "Bevacizumab and paclitaxel for cervical cancer; side effects include tiredness.")
    _pagefind(site)

    cost = pagefind_search(site)

    assert [q.query for q in cost.queries] == list(QUERIES) and cost.queries_note == ""
    assert all(q.results == 1 for q in cost.queries)
    assert cost.largest_query.bytes <= cost.bytes  # one chunk: the pessimistic estimate bounds it (not so for two words in two chunks)
    cell = report([_made_up(tmp_path, 20_000, wall=1.0, memory_mb=1, search=cost)], {}, "test machine")
    assert f'real queries: up to {cost.largest_query.bytes / 1024:,.0f} KB for "{cost.largest_query.query}"' in cell

    monkeypatch.setattr(measure, "cbor2", None)
    without = pagefind_search(site)
    assert without.queries is None and without.queries_note == "cbor2 not installed"
    assert without.bytes == cost.bytes and without.typical_bytes == cost.typical_bytes
    assert "real queries: cbor2 not installed" in report([_made_up(tmp_path, 20_000, wall=1.0, memory_mb=1, search=without)], {}, "m")


def test_the_search_target_is_judged_on_the_largest_real_query(tmp_path):
    def made(name, size):
        (tmp_path / name).write_bytes(b"x" * size)
        return tmp_path / name

    queries = [QueryCost("small", [made("s", 300 * 1024)], [], 3), QueryCost("big one", [made("b", 600 * 1024)], [], 4,
                                                                            typed_files=[made("t", 700 * 1024)])]
    real = SearchCost("Pagefind", [made("worst", 1_500 * 1024)], typical_files=[made("typical", 800 * 1024)], bundles=20,
                      queries=queries)
    unread = SearchCost("Pagefind", [tmp_path / "worst"], bundles=20, queries_note="cbor2 not installed")

    line = lambda result: next(l for l in targets([result]) if l.startswith("- first search query"))  # noqa: E731, E741
    assert line(_made_up(tmp_path, 20_000, wall=1.0, memory_mb=1, search=real)).endswith(
        '≤ 1,024 KB at 20,000 articles: ✓ 600 KB (41% under); largest real query, "big one"; pessimistic estimate 1,500 KB')
    assert line(_made_up(tmp_path, 20_000, wall=1.0, memory_mb=1, search=unread)).endswith(
        "✗ 1,500 KB (46% over); pessimistic estimate 1,500 KB; real queries: cbor2 not installed")
    table = report([_made_up(tmp_path, 20_000, wall=1.0, memory_mb=1, search=real)], {}, "test machine")
    assert ('| first search query | 1,500 KB pessimistic (typical 800 KB; real queries: up to 600 KB for "big one", '
            '700 KB typed letter by letter ("big one")) | ≤ 1,024 KB (at 20,000) ✓ |') in table
    [row] = [line for line in table.splitlines() if line.startswith("| pipeline |")]  # the contender's cell too
    assert 'gzip 1 KB; Pagefind, 20 bundles; real queries: up to 600 KB for "big one", 700 KB typed letter by letter' in row


def _made_up(tmp_path, n, *, wall, memory_mb, query_kb=None, naive=None, validate_s=None, search=None):
    """A Result with the pipeline's numbers given (no build is run)."""
    mb, kb = 2**20, 2**10
    command = lambda key: contenders.Command(key, key, ["true"], tmp_path)  # noqa: E731
    if query_kb is not None:
        worst, typical = tmp_path / f"worst-{n}", tmp_path / f"typical-{n}"
        worst.write_bytes(b"x" * int(query_kb * kb))
        typical.write_bytes(b"x" * int(query_kb * kb / 2))
        search = SearchCost("Pagefind", [worst], typical_files=[typical], bundles=1)
    rows = [Row(command("pipeline"), Run(wall, peak_rss=memory_mb * mb // 2, peak_tree=memory_mb * mb),
                Output(0, 0, search=search))]
    if naive is not None:
        rows.append(Row(command("naive"), Run(naive, peak_rss=mb)))
    if validate_s is not None:
        rows.append(Row(command("validate"), Run(validate_s, peak_rss=mb)))
    return Result(n, 0, 0.0, n, rows)


def test_the_estimate_for_100000_follows_a_power_law_through_the_two_largest_sizes(tmp_path):
    results = [
        _made_up(tmp_path, 1_000, wall=10.0, memory_mb=100, query_kb=256, naive=50.0),
        _made_up(tmp_path, 250, wall=99.0, memory_mb=999, query_kb=999),  # not one of the two largest: ignored
        _made_up(tmp_path, 4_000, wall=80.0, memory_mb=200, query_kb=512, validate_s=6.0),
    ]

    found = {e.what: e for e in estimates(results)}

    wall, memory = found["pipeline wall time"], found["pipeline peak memory, all processes"]
    assert (wall.n1, wall.n2) == (1_000, 4_000)
    assert wall.b == pytest.approx(1.5) and wall.at() == pytest.approx(10.0 * 100**1.5)  # 10,000 s
    assert wall.a * 1_000**1.5 == pytest.approx(10.0)
    assert memory.b == pytest.approx(0.5) and memory.at() == pytest.approx(1_000)
    assert found["first search query (pessimistic)"].at() == pytest.approx(2_560)
    assert found["first search query (typical)"].at() == pytest.approx(1_280)
    assert "one article edited, rebuild" not in found  # measured at no size

    text = report(results, {}, "test machine")
    assert "## Estimate for 100,000 articles (from 1,000 and 4,000; not measured)" in text
    assert "extrapolation, not a measurement" in text
    assert "| pipeline wall time | 10.0 s at 1,000 | 80.0 s at 4,000 | 1.50 | 10,000.0 s |" in text
    assert "| pipeline peak memory, all processes | 100 MB at 1,000 | 200 MB at 4,000 | 0.50 | 1,000 MB |" in text
    assert "Estimate for 100,000" not in report(results[:1], {}, "test machine")


def test_each_target_says_whether_it_is_met_at_its_size(tmp_path):
    lines = targets([_made_up(tmp_path, 1_000, wall=10.0, memory_mb=100, naive=50.0),
                     _made_up(tmp_path, 5_000, wall=60.0, memory_mb=1_100, validate_s=6.0)])

    line = lambda start: next(l for l in lines if l.startswith(start))  # noqa: E731, E741
    assert line("- full pipeline time / naive MkDocs ≤ 0.40× at 1,000").endswith("✓ 0.20× (50% under)")
    assert line("- full pipeline time / Zensical").endswith("no value (a contender it needs did not run or failed)")
    assert line("- peak memory of all the pipeline's processes ≤ 1,024 MB at 5,000").endswith("✗ 1,100 MB (7% over)")
    assert line("- peak memory of all the pipeline's processes ≤ 2,048 MB at 20,000").endswith("not measured (no run at 20,000)")
    assert line("- guidesite validate ≤ 5.0 s at 5,000").endswith("✗ 6.0 s (20% over)")
    assert line("- time per article growing linearly").endswith("5,000 / 1,000: ✗ 1.20× (4% over)")


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
