"""The README's Quick start is what CI runs."""

from __future__ import annotations

import re
import textwrap

import yaml

from conftest import REPO


def _quick_start_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Quick start"):text.index("\n## ", text.index("## Quick start") + 5)]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_exactly_two_commands():
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert commands[0].endswith("guidesite build")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert _quick_start_commands()[1] in ci.splitlines()


def test_every_block_example_in_the_readme_is_a_valid_block():
    from guidesite.model import Block
    from guidesite.model.site import GradingSystem

    text = (REPO / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```yaml\n(.*?)```", text, re.S)
    blocks = [yaml.safe_load(textwrap.dedent(e)) for e in examples if textwrap.dedent(e).startswith("- ")]
    kinds = {Block.model_validate(b[0]).kind for b in blocks}
    assert {"dosing", "table", "algorithm"} <= kinds
    systems = [yaml.safe_load(textwrap.dedent(e)) for e in examples if textwrap.dedent(e).startswith("oxford:")]
    assert GradingSystem.model_validate(systems[0]["oxford"]).badge == "CEBM"
