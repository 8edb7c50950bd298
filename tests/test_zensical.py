"""Zensical (Material's successor) builds the same generated docs with the same mkdocs.yml.

Material for MkDocs reaches its end of life in 2027; this keeps our output on a road forward:
the seed page Zensical builds must still carry the status tracker, the banner and the references.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SEED = "gynecologic-oncology/recurrent-cervical-cancer-omental-metastases/index.html"


def test_zensical_builds_our_docs_with_tracker_banner_and_references(sample_build, tmp_path):
    try:
        import zensical  # noqa: F401
    except ImportError:
        message = "Zensical is not installed (pip install -e '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # The generated docs (build/docs), mkdocs.yml and theme of the session's shared sample build,
    # copied: that build is read-only, and Zensical writes its site beside them.
    root = tmp_path / "project"
    shutil.copytree(sample_build.root, root, ignore=lambda folder, names: ["site"] if Path(folder) == sample_build.root else [])

    result = subprocess.run([sys.executable, "-m", "zensical", "build"], cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (root / "site" / SEED).read_text(encoding="utf-8")
    assert "Educational purpose only" in html
    assert 'class="gs-step gs-step--current">Submitted <span class="gs-step__state">(current step)</span>' in html
    assert 'id="ref-gog240-2014"' in html and "https://pubmed.ncbi.nlm.nih.gov/24552320/" in html
    assert "<td>50 mg/m²</td>" in html
