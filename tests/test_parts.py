"""A large site is built in parts, by several processes: the reader must not be able to tell."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidesite import parts
from guidesite.build import write_pages
from guidesite.errors import BuildError
from guidesite.load import load
from guidesite.render import Page, render
from guidesite.validate import validate

from conftest import copy_sample, TODAY


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, list[Page]]:
    root = copy_sample(tmp_path_factory.mktemp("sample"))
    return root, render(validate(load(root)), root / "theme" / "templates", today=TODAY)


def _build(root: Path, pages: list[Page], out: Path, **options) -> Path:
    docs = out.with_name(out.name + "-docs")
    write_pages(pages, docs)
    out.mkdir()
    parts.run(root / "mkdocs.yml", docs, out, [page.path for page in pages], **options)
    return out


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_site_built_in_parts_is_byte_for_byte_the_site_built_at_once(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1754006400")
    root, pages = sample
    assert len(parts.plan([p.path for p in pages], workers=2, part_pages=2, split_from=1)) >= 3
    whole = _tree(_build(root, pages, tmp_path / "whole", workers=1))
    in_parts = _tree(_build(root, pages, tmp_path / "parts", workers=2, part_pages=2, split_from=1))
    assert sorted(in_parts) == sorted(whole)
    assert [path for path in whole if in_parts[path] != whole[path]] == []
    # What makes the comparison worth something: the pages, the sitemap and the theme's files are all there.
    assert {"index.html", "sitemap.xml", "sitemap.xml.gz", "404.html", "advisory-board/index.html",
            "gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/index.html",
            "medical-oncology/bevacizumab-surgery-timing/index.html", "assets/guidesite.css"} <= set(whole)
    sitemap = whole["sitemap.xml"].decode()  # written by the first part, from every part's pages
    for url in ("gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/",
                "medical-oncology/bevacizumab-surgery-timing/", "advisory-board/"):
        assert f"<loc>https://guidelines.example.org/{url}</loc>" in sitemap


def test_every_part_reports_its_problems_and_nothing_is_left_behind(sample, tmp_path):
    root, pages = sample
    extra = {
        "gynecologic-oncology/recurrent-cervical-cancer-omental-metastases.md": "[see](no-such-0.md)",
        "medical-oncology/bevacizumab-surgery-timing.md": "[see](no-such-1.md)",
        "gynecologic-oncology/index.md": "[topic](../tags.md#tag-no-such-topic)",
    }
    pages = [Page(p.path, p.text + "\n" + extra[p.path] + "\n") if p.path in extra else p for p in pages]
    broken = list(extra)[:2]
    chosen = parts.plan([p.path for p in pages], workers=2, part_pages=1, split_from=1)
    assert len({part.index for part in chosen for path in broken if path in part.own}) == 2  # two parts fail
    with pytest.raises(BuildError) as failure:
        _build(root, pages, tmp_path / "site", workers=2, part_pages=1, split_from=1)
    messages = "\n".join(failure.value.messages)
    assert "recurrent-cervical-cancer-omental-metastases.md' contains a link 'no-such-0.md'" in messages
    assert "bevacizumab-surgery-timing.md' contains a link 'no-such-1.md'" in messages
    # An anchor in a page another part builds is still checked.
    assert "'gynecologic-oncology/index.md' contains a link '../tags.md#tag-no-such-topic'" in messages
    assert not [p.name for p in tmp_path.iterdir() if "-part" in p.name]


def test_a_small_site_is_one_part_and_a_large_one_is_cut_into_parts_of_bounded_size():
    assert parts.plan([f"s/a{i}.md" for i in range(50)], workers=2) == []
    assert parts.plan([f"s/a{i}.md" for i in range(5000)], workers=1) == []
    paths = ["index.md", "tags.md"] + [f"s/a{i:04}.md" for i in range(5000)]
    chosen = parts.plan(paths, workers=2, part_pages=1500)
    assert len(chosen) == 4 and max(len(part.own) for part in chosen) <= 1500
    owned = [path for part in chosen for path in part.own]
    assert sorted(owned) == sorted(paths[2:])  # every article in exactly one part
    assert [part.role("tags.md", True) for part in chosen] == ["build", "read", "read", "read"]
    assert chosen[1].role("s/a0000.md", False) is None and chosen[0].role("s/a4999.md", False) == "read"


def test_with_page_sizes_the_parts_share_the_work_and_the_first_carries_the_site_pages():
    articles = {f"s/a{i:04}.md": 20_000 for i in range(1000)}
    sizes = {"index.md": 2_000, "tags.md": 2_000_000, **articles}  # a topics page as long as ~80 articles
    chosen = parts.plan(list(sizes), workers=2, sizes=sizes)
    assert len(chosen) == 2
    first, second = (len(part.own) for part in chosen)
    assert first + second == 1000 and 400 < first < 500  # the first part takes fewer articles
    assert sorted(p for part in chosen for p in part.own) == sorted(articles)
