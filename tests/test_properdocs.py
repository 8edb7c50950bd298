"""The fallback for MkDocs itself (issue 15, item 4): the sample site built with ProperDocs, the
maintained fork of MkDocs 1.x, in an environment without MkDocs (installed as the README's section
"Engines and Material's end of life" says; .ci/run does it), is the MkDocs build byte for byte,
apart from the generator meta tag of each page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TODAY_EPOCH, copy_sample

SEED = "gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/index.html"
GENERATOR = re.compile(rb'<meta name="generator" content="([^"]*)">')


def _properdocs_python() -> Path:
    """The ProperDocs environment's Python, or skip (fail under CI, where .ci/run installs it)."""
    venv = Path(os.environ.get("GUIDESITE_PROPERDOCS_VENV") or REPO / "build" / "properdocs-venv")
    python = venv / "bin" / "python"
    if not python.is_file():
        message = (f"no ProperDocs environment at {venv} (set it up as in README, 'Engines and Material's end of life', "
                   "or point GUIDESITE_PROPERDOCS_VENV at one)")
        if os.environ.get("CI"):
            pytest.fail(message + ": .ci/run installs it")
        pytest.skip(message)
    return python


def _build(python: Path, root: Path) -> Path:
    env = {**os.environ, "SOURCE_DATE_EPOCH": TODAY_EPOCH}
    result = subprocess.run([str(python), "-m", "guidesite", "--project", str(root), "build", "--no-history"], capture_output=True, text=True,
                            env=env, stdin=subprocess.DEVNULL, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "site"


def _probe(python: Path, code: str) -> str:
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout.strip()


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample built by ``guidesite build`` with MkDocs (this environment) and with ProperDocs."""
    properdocs = _properdocs_python()
    engine = _probe(properdocs, "import guidesite.build, mkdocs; print(mkdocs.__name__, mkdocs.__version__)")
    assert engine.startswith("properdocs "), f"the ProperDocs environment does not build with ProperDocs: {engine}"
    material = "from importlib.metadata import version; print(version('mkdocs-material'))"
    assert _probe(properdocs, material) == _probe(Path(sys.executable), material), "compare like with like: the same Material"
    mkdocs_site = _build(Path(sys.executable), copy_sample(tmp_path_factory.mktemp("mkdocs") / "project"))
    properdocs_site = _build(properdocs, copy_sample(tmp_path_factory.mktemp("properdocs") / "project"))
    return mkdocs_site, properdocs_site


def test_properdocs_builds_the_seed_page_as_mkdocs_does_apart_from_the_generator_tag(two_sites):
    mkdocs_site, properdocs_site = two_sites
    from_mkdocs, from_properdocs = (site.joinpath(SEED).read_bytes() for site in two_sites)
    assert GENERATOR.search(from_mkdocs).group(1).startswith(b"mkdocs-1.6.")
    assert GENERATOR.search(from_properdocs).group(1).startswith(b"mkdocs-ProperDocs 1.6.")  # it really is ProperDocs' page
    assert GENERATOR.sub(b"", from_properdocs) == GENERATOR.sub(b"", from_mkdocs)


def test_properdocs_builds_the_whole_site_as_mkdocs_does_apart_from_the_generator_tag(two_sites):
    mkdocs_site, properdocs_site = two_sites

    def files(site: Path) -> dict[str, bytes]:
        return {p.relative_to(site).as_posix(): GENERATOR.sub(b"", p.read_bytes()) for p in sorted(site.rglob("*")) if p.is_file()}

    built_by_mkdocs, built_by_properdocs = files(mkdocs_site), files(properdocs_site)
    assert sorted(built_by_properdocs) == sorted(built_by_mkdocs)
    assert [name for name in built_by_mkdocs if built_by_mkdocs[name] != built_by_properdocs[name]] == []
