"""The checks cache of ``guidesite validate`` (issue 27, item 1): an unchanged file is not read as YAML
again, what validate reports with the cache is what it reports without it after every kind of change,
and an entry is data that is thrown away unless it is exactly the one asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guidesite import load as load_package
from guidesite.errors import ContentError
from guidesite.pipeline import Pipeline
from guidesite.validate import cache as cache_module
from guidesite.validate import workers

from conftest import TODAY, VALID_ARTICLE

FIRST = "content/gynecologic-oncology/first-question.yaml"
SECOND = "content/gynecologic-oncology/second-question.yaml"


@pytest.fixture
def site(project, tmp_path, monkeypatch):
    monkeypatch.setenv("GUIDESITE_CACHE", str(tmp_path / "cache"))
    project.write(FIRST, VALID_ARTICLE.format(id="first-question", specialty="gynecologic-oncology").replace(
        "review:\n", "see_also: [second-question]\nreview:\n"))
    project.write(SECOND, VALID_ARTICLE.format(id="second-question", specialty="gynecologic-oncology"))
    return project


def _validate(root: Path, *, cache: bool, today=TODAY) -> list[str]:
    try:
        Pipeline(root, today=today).validate_files(cache=cache)
    except ContentError as caught:
        return sorted(str(p) for p in caught.problems)
    return []


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The files read as YAML (the cache's point is that an unchanged one is not)."""
    seen: list[str] = []
    real = workers.parse_document

    def counting(raw, path, shown):
        seen.append(shown)
        return real(raw, path, shown)

    monkeypatch.setattr(workers, "parse_document", counting)
    return seen


def test_an_unchanged_file_is_not_read_again_and_the_answer_is_the_same(site, parsed):
    site.write(SECOND, (site.root / SECOND).read_text(encoding="utf-8").replace("[@trial-a]", "[@no-such-key]", 1))
    cold = _validate(site.root, cache=True)
    assert any("no-such-key" in p for p in cold) and sorted(parsed) == [FIRST, SECOND]
    parsed.clear()
    assert _validate(site.root, cache=True) == cold and parsed == []
    site.write(FIRST, (site.root / FIRST).read_text(encoding="utf-8").replace("Drug A improved", "Drug A lengthened"))
    assert _validate(site.root, cache=True) == cold and parsed == [FIRST]  # only the edited file is read


@pytest.mark.parametrize("change", ["article", "configuration", "linked article removed", "moved", "another day"])
def test_after_every_kind_of_change_the_cached_answer_is_the_fresh_one(site, change):
    _validate(site.root, cache=True)  # warm
    today = TODAY
    if change == "article":
        site.write(FIRST, (site.root / FIRST).read_text(encoding="utf-8").replace("tags: [chemotherapy]", "tags: [no-such-tag]"))
    elif change == "configuration":  # the tag the articles use leaves the closed list
        tags = site.root / "site_config" / "tags.yaml"
        tags.write_text(tags.read_text(encoding="utf-8").replace("- id: chemotherapy\n", "- id: chemotherapy-old\n"), encoding="utf-8")
    elif change == "linked article removed":  # first-question's see_also now names nothing: a check across articles
        (site.root / SECOND).unlink()
    elif change == "moved":
        moved = site.root / "content" / "medical-oncology" / "second-question.yaml"
        moved.parent.mkdir(exist_ok=True)
        (site.root / SECOND).rename(moved)
    elif change == "another day":  # an approval dated after the build date is refused: the day is part of the key
        site.write(SECOND, (site.root / SECOND).read_text(encoding="utf-8").replace(
            "  next_review: 2026-02-01\n", "  next_review: 2026-02-01\n  approvals:\n    - {reviewer: example-reviewer-1, date: 2025-07-01}\n"))
        _validate(site.root, cache=True, today=TODAY.replace(year=2025, month=7, day=20))
        today = TODAY.replace(year=2025, month=6, day=1)
    fresh = _validate(site.root, cache=False, today=today)
    assert fresh, "the change was meant to make a problem"
    assert _validate(site.root, cache=True, today=today) == fresh


def _entries(root: Path) -> list[Path]:
    return sorted(cache_module.folder_for(root).rglob("*.json"))


def test_an_entry_that_is_not_the_one_asked_for_is_thrown_away(site, parsed):
    site.write(SECOND, (site.root / SECOND).read_text(encoding="utf-8").replace("[@trial-a]", "[@no-such-key]", 1))
    cold = _validate(site.root, cache=True)
    entries = {json.loads(p.read_text())["shown"]: p for p in _entries(site.root)}
    clean = json.loads(entries[FIRST].read_text())
    # Second-question's entry replaced by first-question's (no problems): it names another key.
    entries[SECOND].write_text(json.dumps(clean))
    parsed.clear()
    assert _validate(site.root, cache=True) == cold and parsed == [SECOND]
    # An entry that does not read as one: thrown away, the file checked afresh.
    entries[SECOND].write_text("{not json")
    parsed.clear()
    assert _validate(site.root, cache=True) == cold and parsed == [SECOND]
    entry = json.loads(entries[SECOND].read_text())
    entries[SECOND].write_text(json.dumps({**entry, "problems": [{"path": 1}]}))
    parsed.clear()
    assert _validate(site.root, cache=True) == cold and parsed == [SECOND]


def test_the_cache_lives_outside_the_project_so_a_pull_request_cannot_bring_its_own(site, monkeypatch):
    # A change that commits files where a cache could be (build/cache/..., .cache/...) brings nothing that is read,
    # and a cache that would fall inside the project (a home folder that is the project) is not used at all.
    monkeypatch.delenv("GUIDESITE_CACHE")
    monkeypatch.setenv("HOME", str(site.root))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert not cache_module.usable_for(site.root)
    assert _validate(site.root, cache=True) == []
    assert not (site.root / ".cache").exists()  # nothing written into the project
    monkeypatch.setenv("HOME", str(site.root.parent / "elsewhere"))
    assert cache_module.usable_for(site.root) and not cache_module.folder_for(site.root).is_relative_to(site.root)


def test_entries_no_file_asks_for_are_removed(site):
    _validate(site.root, cache=True)
    before = _entries(site.root)
    site.write(FIRST, (site.root / FIRST).read_text(encoding="utf-8").replace("Drug A improved", "Drug A lengthened"))
    _validate(site.root, cache=True)
    after = _entries(site.root)
    assert len(after) == len(before) == 2 and after != before


def test_validate_without_the_cache_writes_none(site):
    assert _validate(site.root, cache=False) == []
    assert _entries(site.root) == []


def test_reading_a_file_is_the_same_with_or_without_the_cache(site):
    """The one reading function (load_document) is read_article then parse_document."""
    shown, raw, problems = load_package.read_article(site.root / FIRST, site.root)
    assert shown == FIRST and problems == [] and raw == (site.root / FIRST).read_bytes()


def test_an_image_replaced_beside_an_unchanged_article_is_checked_again(project, tmp_path, monkeypatch):
    """A figure's image is part of what its article's checks read: the entry is the article's bytes and its folder's."""
    from test_figures import ARTICLE, FOLDER, article_with, figure_block, png, stamp

    monkeypatch.setenv("GUIDESITE_CACHE", str(tmp_path / "cache"))
    project.write(ARTICLE, article_with(figure_block()))
    (project.root / FOLDER).mkdir()
    (project.root / FOLDER / "step-chart.png").write_bytes(png())
    stamp(project.root)
    assert _validate(project.root, cache=True) == []
    (project.root / FOLDER / "step-chart.png").write_bytes(png(colour=(200, 30, 30)))  # the article's bytes do not change
    fresh = _validate(project.root, cache=False)
    assert any("digest" in p for p in fresh), fresh
    assert _validate(project.root, cache=True) == fresh
