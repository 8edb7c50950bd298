"""Publishing never leaves a cited address empty or an edition half-written.

Unpublishing the newest edition moves its alias to the edition before (the root and every address
under the alias keep answering) and the only edition is never removed; two publishes of one target
never interleave; a published site is readable by a web server whatever the umask of the build; an
edition published before is replaced only when asked, with what changed said; and a checkout without
git history (whose build lacks the permanent copies of approved versions) is not published over an
edition that holds them.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from guidesite.cli import main

from conftest import TODAY_EPOCH, commit_all, copy_sample

CITED = "articles/bevacizumab-surgery-timing/v1/index.html"
"""A permanent version page of the sample, the kind of address a citation gives."""


def _run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--project", str(root), *args])


def _ok(root: Path, *args: str):
    result = _run(root, *args)
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    return result


@pytest.fixture
def project(tmp_path, fixed_build_date):
    """The sample in a git repository (publishing reads the approved versions from its history)."""
    root = copy_sample(tmp_path / "sample")
    commit_all(root)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample built once from its repository, with the permanent copy of its approved version."""
    root = copy_sample(tmp_path_factory.mktemp("built") / "sample")
    commit_all(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        _ok(root, "build")
    assert (root / "site" / CITED).is_file()
    return root / "site"


@pytest.fixture
def site(tmp_path, built):
    """A writable copy of that build."""
    copy = tmp_path / "site"
    shutil.copytree(built, copy)
    return copy


def _publish(root, site, out, edition, *extra):
    return _run(root, "publish", "--no-build", "--site-dir", str(site), "--edition", edition, "--to", str(out), *extra)


def _versions(out: Path) -> dict[str, list[str]]:
    return {v["version"]: v["aliases"] for v in json.loads((out / "versions.json").read_text(encoding="utf-8"))}


def test_unpublishing_the_newest_edition_moves_latest_to_the_one_before(project, site, tmp_path):
    out = tmp_path / "published"
    assert _publish(project, site, out, "2025.07").exit_code == 0          # then the newest, which takes "latest"
    (site / "index.html").write_text((site / "index.html").read_text(encoding="utf-8") + "<!-- August -->\n", encoding="utf-8")
    assert _publish(project, site, out, "2025.08").exit_code == 0
    assert _versions(out) == {"2025.08": ["latest"], "2025.07": []}
    assert "<!-- August -->" in (out / "latest" / "index.html").read_text(encoding="utf-8")

    result = _ok(project, "unpublish", "2025.08", "--to", str(out))
    assert "moved latest to edition 2025.07" in result.output
    assert _versions(out) == {"2025.07": ["latest"]}
    assert not (out / "2025.08").exists()
    # Every address under the alias still answers, now with the July edition; the root still leads there.
    assert (out / "latest" / CITED).read_bytes() == (out / "2025.07" / CITED).read_bytes()
    assert "<!-- August -->" not in (out / "latest" / "index.html").read_text(encoding="utf-8")
    # The current site at the root is July's again, whole: home, sitemap, feed, 404; the cited copies stay.
    for name in ("index.html", "sitemap.xml", "feed.xml", "404.html", "medical-oncology/bevacizumab-surgery-timing/index.html"):
        assert (out / name).read_bytes() == (out / "2025.07" / name).read_bytes(), name
    assert (out / CITED).is_file()


def test_the_only_edition_is_never_unpublished(project, site, tmp_path):
    out = tmp_path / "published"
    assert _publish(project, site, out, "2025.07").exit_code == 0
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    result = _run(project, "unpublish", "2025.07", "--to", str(out))
    assert result.exit_code == 1
    assert "edition 2025.07 is the only one published" in result.stderr
    assert "publish the edition that replaces it first" in result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before


def test_unpublishing_on_gh_pages_moves_the_alias_too(project, site, monkeypatch):
    for name, value in {"GIT_AUTHOR_NAME": "Publisher", "GIT_AUTHOR_EMAIL": "publisher@example.org",
                        "GIT_COMMITTER_NAME": "Publisher", "GIT_COMMITTER_EMAIL": "publisher@example.org"}.items():
        monkeypatch.setenv(name, value)
    publish = ["publish", "--no-build", "--site-dir", str(site), "--branch", "gh-pages"]
    _ok(project, *publish, "--edition", "2025.07")
    (site / "index.html").write_text((site / "index.html").read_text(encoding="utf-8") + "<!-- August -->\n", encoding="utf-8")
    _ok(project, *publish, "--edition", "2025.08")

    result = _ok(project, "unpublish", "2025.08", "--branch", "gh-pages")
    assert "moved latest to edition 2025.07" in result.output

    def shown(path: str) -> str:
        return subprocess.run(["git", "-C", str(project), "show", f"gh-pages:{path}"], capture_output=True, text=True, check=True).stdout

    listed = json.loads(shown("versions.json"))
    assert [(v["version"], v["aliases"]) for v in listed] == [("2025.07", ["latest"])]
    assert shown(f"latest/{CITED}") == shown(f"2025.07/{CITED}")
    assert "<!-- August -->" not in shown("latest/index.html")
    assert shown("index.html") == shown("2025.07/index.html")  # the current site at the root is July's again
    assert shown(CITED) == shown(f"2025.07/{CITED}")
    assert _run(project, "unpublish", "2025.07", "--branch", "gh-pages").exit_code == 1  # the last one stays


def test_a_second_publish_of_the_same_folder_is_refused_while_one_runs(project, site, tmp_path):
    out = tmp_path / "published"
    assert _publish(project, site, out, "2025.07").exit_code == 0
    before = (out / "versions.json").read_bytes()
    with open(tmp_path / ".published.publish-lock", "a+") as held:  # what a running publish holds
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = _publish(project, site, out, "2025.08")
        removal = _run(project, "unpublish", "2025.07", "--to", str(out))
    assert result.exit_code == 1 and removal.exit_code == 1
    assert "another publish or unpublish of" in result.stderr and "is running; wait for it to finish" in result.stderr
    assert (out / "versions.json").read_bytes() == before and not (out / "2025.08").exists()
    assert _publish(project, site, out, "2025.08").exit_code == 0  # once it has finished
    assert set(_versions(out)) == {"2025.07", "2025.08"}


def test_a_published_site_is_readable_by_a_web_server_whatever_the_umask(project, site, tmp_path):
    for path in [site, *site.rglob("*")]:  # what a build under umask 077 leaves
        path.chmod(0o700 if path.is_dir() else 0o600)
    out = tmp_path / "published"
    saved = os.umask(0o077)
    try:
        assert _publish(project, site, out, "2025.07").exit_code == 0
    finally:
        os.umask(saved)
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*")}
    wrong = {path: oct(mode) for path, mode in modes.items() if mode != (0o755 if (out / path).is_dir() else 0o644)}
    assert wrong == {}
    assert {"index.html", "versions.json", "404.html", "latest/index.html", f"2025.07/{CITED}"} <= set(modes)


def test_republishing_an_edition_with_other_content_needs_replace_and_says_what_changed(project, site, tmp_path):
    out = tmp_path / "published"
    assert _publish(project, site, out, "2025.07").exit_code == 0
    assert "Nothing to publish" in _publish(project, site, out, "2025.07").output  # the same content: nothing to do
    page = site / "medical-oncology" / "bevacizumab-surgery-timing" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<!-- changed --></body>"), encoding="utf-8")

    refused = _publish(project, site, out, "2025.07")
    assert refused.exit_code == 1
    assert "edition 2025.07 is already published" in refused.stderr
    assert "1 file(s) changed (medical-oncology/bevacizumab-surgery-timing/index.html)" in refused.stderr
    assert "give --replace" in refused.stderr
    assert "<!-- changed -->" not in (out / "2025.07" / "medical-oncology" / "bevacizumab-surgery-timing" / "index.html").read_text(encoding="utf-8")

    replaced = _publish(project, site, out, "2025.07", "--replace")
    assert replaced.exit_code == 0
    assert "Note: replaced edition 2025.07: 1 file(s) changed" in replaced.output
    assert "<!-- changed -->" in (out / "2025.07" / "medical-oncology" / "bevacizumab-surgery-timing" / "index.html").read_text(encoding="utf-8")


def test_a_copy_without_history_is_not_published_over_the_versions_it_lacks(project, site, tmp_path):
    out = tmp_path / "published"
    assert _publish(project, site, out, "2025.07").exit_code == 0
    exported = tmp_path / "exported"  # a `git archive` copy: the same files, no .git
    shutil.copytree(project, exported, ignore=shutil.ignore_patterns(".git"))

    refused = _run(exported, "publish", "--edition", "2025.08", "--to", str(out))
    assert refused.exit_code == 1
    assert "expected a git repository" in refused.stderr and "--no-history" in refused.stderr
    # Nor is it built, unless asked for current pages only (a preview), which says what it left out.
    refused = _run(exported, "build")
    assert refused.exit_code == 1 and not (exported / "site").exists()
    assert "expected a git repository" in refused.stderr and "give --no-history to build current pages only" in refused.stderr
    preview = _run(exported, "build", "--no-history")
    assert preview.exit_code == 0 and "built without git history: current pages only" in preview.stderr
    assert (exported / "site" / "index.html").is_file()

    # Told to go on without history, it still refuses where its build lacks a cited version.
    lacking = tmp_path / "lacking"
    shutil.copytree(site, lacking)
    shutil.rmtree(lacking / Path(CITED).parent)
    refused = _run(exported, "publish", "--no-build", "--site-dir", str(lacking), "--edition", "2025.08", "--to", str(out), "--no-history")
    assert refused.exit_code == 1
    assert f"holds 1 permanent version page(s) this build without history lacks ({CITED})" in refused.stderr
    assert set(_versions(out)) == {"2025.07"}

    # Into a new folder there is nothing to drop.
    assert _run(exported, "publish", "--no-build", "--site-dir", str(lacking), "--edition", "2025.08",
                "--to", str(tmp_path / "fresh"), "--no-history").exit_code == 0


def test_a_hostile_redirect_rule_in_the_built_site_writes_nothing_outside_the_target(project, site, tmp_path):
    """Publishing writes pages that lead on from the built site's _redirects: only ids and homes made of
    slugs are read, so a rule smuggled in by a theme file cannot write outside the target or put markup
    into a page."""
    out = tmp_path / "deep" / "published"
    assert _publish(project, site, out, "2025.07").exit_code == 0
    later = tmp_path / "later"
    shutil.copytree(site, later)
    rules = later / "_redirects"
    rules.write_text(rules.read_text(encoding="utf-8") + "/articles/x/ /../../escaped/ 302\n"
                     + '/articles/y/ /a"><script>alert(1)</script>/b/ 302\n', encoding="utf-8")
    assert _publish(project, later, out, "2025.08").exit_code == 0
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "deep" / "escaped").exists()
    assert not [p for p in out.rglob("*") if "<script>" in p.as_posix() or (p.is_file() and p.suffix == ".html"
                                                                           and "alert(1)" in p.read_text(encoding="utf-8"))]
