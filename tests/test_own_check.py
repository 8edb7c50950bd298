"""This repository passes its own editorial check, as CI runs it on a fresh clone: the committed
CODEOWNERS and schema match the registry and the model, and no approval in content/ is stale,
forged or out of its rules."""

from __future__ import annotations

import subprocess

from click.testing import CliRunner

from conftest import REPO
from guidesite.cli import main


def test_the_repository_passes_its_own_check_codeowners_and_schema(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)], check=True)
    runner = CliRunner()
    for args in (["check", "--base", "HEAD"], ["codeowners", "--check"], ["schema", "--check"]):
        result = runner.invoke(main, ["--project", str(clone), *args])
        assert result.exit_code == 0, (args, result.output, result.stderr)
