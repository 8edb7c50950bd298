"""Editing an author's YAML file in place: comments, key order, quoting and layout kept (ruamel.yaml's
round trip), and the new text put in place whole or not at all.  ``approve`` rewrites a review block
with it, ``migrate`` an article written for an older model."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML


def round_trip() -> YAML:
    """The reader and writer of files authors keep editing: the house layout (two-space mappings,
    list dashes indented under their key) and no line folded."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def dumped(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def replace_text(path: Path, text: str, original: str) -> None:
    """Write ``text`` over ``path`` through a file beside it, renamed into place, keeping the file's mode;
    the original text is put back if the rename fails."""
    temporary = path.with_name(f".{path.name}.rewrite")
    temporary.write_text(text, encoding="utf-8")
    try:
        temporary.chmod(path.stat().st_mode & 0o777)
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
        path.write_text(original, encoding="utf-8")
        raise
