"""A build sharded over CI machines: each shard builds its share, ``assemble`` joins them, and the
reader gets byte for byte the site one machine builds (search index included)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from guidesite import search
from guidesite.build import build
from guidesite.errors import BuildError
from guidesite.load import load
from guidesite.pipeline import Pipeline
from guidesite.render import Page, render
from guidesite.shards import MANIFEST, Shard
from guidesite.validate import validate

from conftest import TODAY, TODAY_EPOCH, copy_sample

LINKED = "medical-oncology/bevacizumab-surgery-timing.md"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def small_buckets(monkeypatch):
    """Search buckets of 3 articles: the 9 sample articles make 3 bundles, one per shard of 3."""
    monkeypatch.setattr(search, "BUCKET", 3)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)


def _pages(root: Path) -> list[Page]:
    return render(validate(load(root)), root / "theme" / "templates", today=TODAY)


def test_three_shards_assembled_are_the_site_one_machine_builds(tmp_path, small_buckets):
    root = copy_sample(tmp_path / "project")
    whole = build(_pages(root), root, site_dir=tmp_path / "whole")
    folders = [build(_pages(root), root, site_dir=tmp_path / f"shard-{k}", shard=Shard(k, 3)) for k in (1, 2, 3)]

    shares = [{path for path in _tree(folder) if path != MANIFEST} for folder in folders]
    # Each shard wrote its own share: articles and their search bundle; the first also the site's own pages.
    assert all(share for share in shares) and not (shares[0] & shares[1]) and not (shares[1] & shares[2])
    assert {"index.html", "sitemap.xml", "404.html", "assets/guidesite.css", "pagefind/pagefind-ui.js"} <= shares[0]
    assert "pagefind-1/pagefind-entry.json" in shares[1] and "pagefind-2/pagefind-entry.json" in shares[2]
    assert not any(path.startswith("assets/") or "/" not in path for path in shares[1] | shares[2])

    Pipeline(root).assemble(folders, tmp_path / "assembled")
    expected, assembled = _tree(whole), _tree(tmp_path / "assembled")
    assert sorted(assembled) == sorted(expected)
    assert [path for path in expected if assembled[path] != expected[path]] == []
    # What makes the comparison worth something: every article page and every search bundle is there.
    assert sum(1 for path in expected if path.count("/") == 2 and path.endswith("/index.html")) >= 6
    assert {"pagefind/pagefind-entry.json", "pagefind-1/pagefind-entry.json", "pagefind-2/pagefind-entry.json"} <= set(expected)


def test_assembling_refuses_a_missing_repeated_or_foreign_shard_and_keeps_the_site(tmp_path, small_buckets):
    root = copy_sample(tmp_path / "project")
    folders = [build(_pages(root), root, site_dir=tmp_path / f"shard-{k}", shard=Shard(k, 3)) for k in (1, 2, 3)]
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the last good site", encoding="utf-8")
    pipeline = Pipeline(root)

    def refused(given: list[Path]) -> str:
        with pytest.raises(BuildError) as failure:
            pipeline.assemble(given, site)
        assert (site / "index.html").read_text(encoding="utf-8") == "the last good site"
        return "\n".join(failure.value.messages)

    assert "shard 2/3 is missing" in refused([folders[0], folders[2]])
    assert "shard 3/3 is given twice" in refused([folders[0], folders[1], folders[2], folders[2]])
    assert "not the output of 'guidesite build --shard'" in refused([folders[0], folders[1], tmp_path / "project"])

    # A shard built after an article changed is from another build.
    article = next((root / "content").rglob("bevacizumab-surgery-timing.yaml"))
    article.write_text(article.read_text(encoding="utf-8").replace("How long should bevacizumab", "How long should bevacizumab (edited)", 1), encoding="utf-8")
    other = build(_pages(root), root, site_dir=tmp_path / "other-2", shard=Shard(2, 3))
    assert "built from different content" in refused([folders[0], other, folders[2]])

    # Two shards writing one file (a tampered artifact) is refused, not silently overwritten.
    (folders[2] / "index.html").write_text("<p>mine</p>", encoding="utf-8")
    assert "two shards wrote index.html" in refused(folders)


def test_a_link_to_a_missing_anchor_in_another_shard_fails_the_assembly(tmp_path, small_buckets):
    root = copy_sample(tmp_path / "project")
    pages = _pages(root)
    seed = next(p for p in pages if p.path.endswith("recurrent-cervical-cancer-omental-metastases.md"))
    groups = search.buckets(search.html_path(p.path) for p in pages if p.searchable)
    from guidesite.shards import own_pages

    holder = {path: k for k in (1, 2, 3) for path in own_pages([p.path for p in pages], groups, Shard(k, 3))}
    assert holder[LINKED] != holder[seed.path]  # the link crosses shards
    broken = [Page(p.path, p.text + "\n[see](../medical-oncology/bevacizumab-surgery-timing.md#no-such-part)\n") if p is seed else p
              for p in pages]
    folders = [build(list(broken), root, site_dir=tmp_path / f"shard-{k}", shard=Shard(k, 3)) for k in (1, 2, 3)]
    with pytest.raises(BuildError) as failure:
        Pipeline(root).assemble(folders, tmp_path / "site")
    assert any("does not contain an anchor '#no-such-part'" in message for message in failure.value.messages), failure.value.messages
    assert not (tmp_path / "site").exists()


def test_the_command_line_builds_shards_and_assembles_them(tmp_path):
    """As a CI matrix runs it: three ``build --shard K/3`` jobs, then ``assemble`` (here the sample's six
    articles are one search bucket: the second and third shards have no article, and that is fine)."""
    root = copy_sample(tmp_path / "project")
    env = {"SOURCE_DATE_EPOCH": TODAY_EPOCH, "PATH": "/usr/bin:/bin", "CI": "true"}

    def guidesite(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "guidesite", "--project", str(root), *args], capture_output=True, text=True, env=env)

    one = guidesite("build", "--no-history", "--site-dir", str(tmp_path / "whole"))
    assert one.returncode == 0, one.stderr
    for k in (1, 2, 3):
        done = guidesite("build", "--no-history", "--shard", f"{k}/3", "--site-dir", str(tmp_path / "parts" / str(k)))
        assert done.returncode == 0, done.stderr
        assert f"building shard {k}/3" in done.stdout  # the CI log's stage lines
    joined = guidesite("assemble", *(str(tmp_path / "parts" / str(k)) for k in (1, 2, 3)), "--to", str(tmp_path / "site"))
    assert joined.returncode == 0, joined.stderr
    assert "Assembled 3 shards" in joined.stdout
    expected, assembled = _tree(tmp_path / "whole"), _tree(tmp_path / "site")
    assert sorted(assembled) == sorted(expected) and [p for p in expected if assembled[p] != expected[p]] == []

    wrong = guidesite("build", "--no-history", "--shard", "4/3", "--site-dir", str(tmp_path / "x"))
    assert wrong.returncode != 0 and "1 ≤ K ≤ N" in wrong.stderr
    nowhere = guidesite("build", "--no-history", "--shard", "1/3")
    assert nowhere.returncode != 0 and "--shard needs --site-dir" in nowhere.stderr


def test_a_tampered_shard_cannot_leak_a_file_or_bring_a_script(tmp_path, small_buckets):
    """A shard's folder travels between CI jobs as an artifact: assembling it trusts nothing in it."""
    root = copy_sample(tmp_path / "project")
    folders = [build(_pages(root), root, site_dir=tmp_path / f"shard-{k}", shard=Shard(k, 3)) for k in (1, 2, 3)]
    secret = tmp_path / "secret.txt"
    secret.write_text("a key", encoding="utf-8")
    pipeline = Pipeline(root)

    (folders[1] / "leak.txt").symlink_to(secret)
    with pytest.raises(BuildError) as linked:
        pipeline.assemble(folders, tmp_path / "site")
    assert "symbolic link" in linked.value.messages[0]
    assert not (tmp_path / "site").exists()

    (folders[1] / "leak.txt").unlink()
    page = next(p for p in folders[2].rglob("index.html") if p.parent.parent != folders[2])
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<script>alert(1)</script></body>"), encoding="utf-8")
    with pytest.raises(BuildError) as scripted:
        pipeline.assemble(folders, tmp_path / "site")
    assert any("unsafe markup" in message and "script" in message for message in scripted.value.messages), scripted.value.messages
    assert not (tmp_path / "site").exists()
