"""Shared fixtures: a scratch project written from dedented strings.

The scratch project carries the repository's own site_config/, theme/ and
mkdocs.yml, and only the articles a test writes, so each test says exactly
what content it is about.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

os.environ.setdefault("GUIDESITE_CACHE", tempfile.mkdtemp(prefix="guidesite-cache-"))
"""The checks cache of every command a test runs (and the subprocesses it starts), never the user's."""

TODAY = date(2025, 8, 1)
"""The build date the tests render with, so that "review overdue" does not move with the calendar."""

TODAY_EPOCH = str(int(datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=timezone.utc).timestamp()))
"""TODAY as ``SOURCE_DATE_EPOCH``: the build date of the command line (which is otherwise the real today)."""

VALID_ARTICLE = """\
id: {id}
title: "Does drug A improve survival in condition B?"
specialty: {specialty}
tags: [chemotherapy]
audiences: [clinician, patient]
summary:
  clinician: "Drug A improved overall survival in one randomized trial [@trial-a]."
  patient: "In a large study, people who had drug A lived longer [@trial-a]."
sections:
  - heading: Regimen
    blocks:
      - regimen:
          name: Drug A with drug B
          evidence:
            - {{system: nccn, category: "2A", preference: preferred}}
          cite: [trial-a]
          components:
            - {{drug: drug a, dose: 50 mg/m2, days: 1, infusion: 3 h}}
            - {{drug: drug b, dose: AUC 5, days: 1}}
          cycle_days: 21
      - list:
          - "A point for everyone [@label-b]"
          - text: "A graded point"
            evidence: [{{system: grade, certainty: moderate, strength: strong}}]
references:
  - key: trial-a
    authors: [Example AB, Sample CD, et al.]
    title: A fictional trial used only by the test suite
    journal: Test J
    year: 2020
    volume: 1
    pages: 1-10
  - key: label-b
    authors: [Example Pharma]
    title: Fictional prescribing information
    publisher: Example Pharma
    year: 2021
review:
  status: submitted
  author: Example Author (test)
  created: 2025-01-10
  updated: 2025-02-01
  next_review: 2026-02-01
"""


@dataclass
class Project:
    root: Path

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def article(self, specialty: str = "gynecologic-oncology", id: str = "test-question", text: str | None = None) -> Path:
        body = text if text is not None else VALID_ARTICLE.format(id=id, specialty=specialty)
        return self.write(f"content/{specialty}/{id}.yaml", body)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty-content project with the repository's configuration and theme."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("site_config", "theme"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    (root / "content").mkdir()
    return Project(root)


@pytest.fixture
def fixed_build_date(monkeypatch: pytest.MonkeyPatch) -> str:
    """For tests that run the command line: its build date is TODAY, not the day the suite runs."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    return TODAY_EPOCH


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the current output (review the diff).")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def copy_sample(destination: Path) -> Path:
    """A copy of the bundled sample project (content, configuration, theme, mkdocs.yml)."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("content", "site_config", "theme"):
        shutil.copytree(REPO / name, destination / name)
    shutil.copy(REPO / "mkdocs.yml", destination / "mkdocs.yml")
    return destination


@dataclass(frozen=True)
class SampleBuild:
    root: Path
    """The copy of the sample project it was built from (content, configuration, theme, build/docs)."""
    site: Path
    """The built site."""


def commit_all(root: Path, message: str = "content") -> Path:
    """``root`` as a git repository whose one commit holds everything in it (a publisher's repository)."""
    import subprocess

    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=Publisher", "-c", "user.email=publisher@example.org", "commit", "-q", "-m", message]):
        subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True)
    return root


def _fingerprint(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleBuild]:
    """The bundled sample site, built once per test session, for tests that only read it.

    Built as the reading tests always built it (the pipeline in-process: no drafts, rendered as
    of TODAY), with ``SOURCE_DATE_EPOCH`` set to TODAY so that nothing in it (sitemap dates, gzip
    headers) depends on the day the suite runs.

    READ ONLY: every test of the session shares these files.  A test that edits the project,
    builds again or tests the build itself makes its own copy (``copy_sample``).  Writing here
    fails the session at teardown.
    """
    from guidesite.build import build
    from guidesite.load import load
    from guidesite.render import render
    from guidesite.validate import validate

    root = copy_sample(tmp_path_factory.mktemp("sample-build"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        site = build(render(validate(load(root)), root / "theme" / "templates", today=TODAY), root, site_dir=root / "site")
    before = _fingerprint(root)
    yield SampleBuild(root, site)
    assert _fingerprint(root) == before, "a test wrote into the shared sample build (sample_build is read-only: use copy_sample)"


@pytest.fixture(scope="session")
def sample_site(sample_build: SampleBuild) -> Path:
    """The shared, read-only build of the sample site (see sample_build)."""
    return sample_build.site


KEYS = REPO / "tests" / "keys"
"""Fictional signing keys of the fictional sample reviewers (see tests/keys/README.md)."""


@pytest.fixture(scope="session")
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each fictional key pair, copied with the permissions ssh-keygen insists on (git keeps 0644)."""
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for public in sorted(KEYS.glob("*.pub")):
        private = folder / public.stem
        shutil.copy(KEYS / public.stem, private)
        private.chmod(0o600)
        shutil.copy(public, folder / public.name)
        out[public.stem] = private
    return out


def signer(keys: dict[str, Path], reviewer: str, coi: str = "none") -> list[str]:
    """``approve`` options for a fictional reviewer signing with their own key."""
    return ["--reviewer", reviewer, "--coi", coi, "--key", str(keys[reviewer])]


def signed_approvals(keys: dict[str, Path], article, approvals: list[tuple[str, str]], *, version: int = 1, coi: str = "none") -> str:
    """The YAML of ``review.approvals`` holding each ``(reviewer, YYYY-MM-DD)``'s signed approval of
    ``article`` (a typed Article) as it is, as ``guidesite approve`` would write it (indented for ``review:``)."""
    from datetime import date as _date

    from guidesite.model import Approval
    from guidesite.approvals import content_hash, statement
    from guidesite.signing import sign

    lines = ["  approvals:"]
    for reviewer, day in approvals:
        record = Approval(reviewer=reviewer, date=_date.fromisoformat(day), content=content_hash(article), coi=coi)
        signature = sign(statement(article.id, version, record), keys[reviewer])
        lines += [f"    - reviewer: {reviewer}", f"      date: {day}", f"      content: {record.content}", f"      coi: {coi}", "      signature: |"]
        lines += [f"        {line}" for line in signature.splitlines()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def site_url(sample_site: Path) -> Iterator[str]:
    """The session's shared build of the sample site (read-only), served on 127.0.0.1."""
    from browser import serve_folder

    with serve_folder(sample_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium for a test module."""
    from browser import chromium

    with chromium() as running:
        yield running

