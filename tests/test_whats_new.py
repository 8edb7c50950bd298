"""The "What's new" page: every approved change, newest first, the same list as the Atom feed
(one meaning of "new": approved, by approval date), never an edit still under review."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from test_approvals import ARTICLE, REVIEWER_C, _approve, _approved_and_merged
from test_review import AUTHOR, _cli, _commit, repo  # noqa: F401 - the repository fixture

ATOM = "{http://www.w3.org/2005/Atom}"


def _built(project) -> tuple[str, list[str], list[str]]:
    result = _cli(project, "build")
    assert result.exit_code == 0, result.output + result.stderr
    page = (project.root / "site" / "whats-new" / "index.html").read_text(encoding="utf-8")
    content = page[page.index('<h1 id="whats-new"'):page.index("<footer")]
    items = [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li>(.*?)</li>", content)]
    feed = ET.parse(project.root / "site" / "feed.xml").getroot()
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    return page, items, titles


def test_whats_new_lists_approved_versions_newest_first_as_the_feed_does(repo):
    _approved_and_merged(repo)  # version 1, approved February 10, 2025
    path = repo.root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8").replace("dose: 50 mg/m2", "dose: 60 mg/m2").replace(
        "  updated: 2025-02-01", "  updated: 2025-03-01\n  changes: Drug A dose raised to 60 mg/m2."), encoding="utf-8")
    _commit(repo.root, AUTHOR, "Raise the dose")
    page, items, titles = _built(repo)
    assert "60 mg/m2" not in page and len(items) == 1  # an edit under review is not new
    _approve(repo, "example-reviewer-3", "2025-03-05")
    _commit(repo.root, REVIEWER_C, "Approve version 2")
    page, items, titles = _built(repo)
    assert items == [
        "March 5, 2025 · Does drug A improve survival in condition B? · version 2: Drug A dose raised to 60 mg/m2.",
        "February 10, 2025 · Does drug A improve survival in condition B? · new article",
    ]
    assert titles == ["Does drug A improve survival in condition B? (version 2)", "Does drug A improve survival in condition B? (new article)"]
    assert 'href="../articles/test-question/v2/"' in page and 'href="../articles/test-question/v1/"' in page
    assert '<a href="../feed.xml">Atom feed</a>' in page
