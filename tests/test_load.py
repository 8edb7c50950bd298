"""Stage 1: YAML is read with positions, and its traps are refused, not guessed at."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.load import MAX_FILE_BYTES, load_document


def _load(tmp_path: Path, text: str | bytes):
    path = tmp_path / "doc.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return load_document(path, tmp_path)


def test_values_keep_their_line_and_column(tmp_path):
    doc, problems = _load(tmp_path, "a: 1\nlist:\n  - x\n  - name: y\n")
    assert problems == []
    assert doc.data == {"a": 1, "list": ["x", {"name": "y"}]}
    assert doc.where(("list", 1, "name")) == (4, 11)
    assert doc.where(("list", 1, "name"), key=True) == (4, 5)
    # A missing field is reported at its nearest written parent.
    assert doc.where(("list", 1, "absent")) == (4, 5)


def test_yes_no_dates_and_versions_stay_text(tmp_path):
    doc, problems = _load(tmp_path, "answer: no\ncountry: NO\nwhen: 2025-07-25\nversion: '1.10'\nflag: true\n")
    assert problems == []
    assert doc.data == {"answer": "no", "country": "NO", "when": "2025-07-25", "version": "1.10", "flag": True}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: 2\na: 3\n", "doc.yaml:3:1: a: duplicate key 'a' (first written on line 1); keep one"),
        ("base: &b {x: 1}\nother: *b\n", "doc.yaml:1:7: YAML anchors are not allowed (found &b); write the value out in full"),
        ("a: 1\n---\nb: 2\n", "doc.yaml:2:1: expected one YAML document, got several (remove the '---' separator)"),
        ("", "doc.yaml:1:1: expected a YAML mapping, got an empty file"),
        ("a:\n\t- b\n", "doc.yaml:2:1: invalid YAML: found character '\\t' that cannot start any token (while scanning for the next token); indent with spaces, not tabs"),
        ("a: [1, 2\nb: 3\n", "doc.yaml:2:2: invalid YAML: expected ',' or ']', but got ':' (in a flow sequence that starts on line 1)"),
    ],
    ids=["duplicate-key", "anchor", "two-documents", "empty", "tab", "syntax"],
)
def test_yaml_traps_are_refused_with_their_place(tmp_path, text, expected):
    _, problems = _load(tmp_path, text)
    assert [str(p) for p in problems] == [expected]


def test_an_alias_is_refused(tmp_path):
    # An alias without an anchor cannot be composed; with one, the anchor is refused first.
    _, problems = _load(tmp_path, "a: *nothing\n")
    assert len(problems) == 1 and "alias" in problems[0].message.lower()


def test_byte_order_mark_and_bad_bytes_are_refused(tmp_path):
    _, problems = _load(tmp_path, b"\xef\xbb\xbfa: 1\n")
    assert [str(p) for p in problems] == ["doc.yaml:1:1: expected UTF-8 without a byte-order mark, got a byte-order mark; save the file as plain UTF-8"]
    _, problems = _load(tmp_path, b"a: 1\nb: caf\xe9\n")
    assert [str(p) for p in problems] == ["doc.yaml:2:7: expected UTF-8 text, got the byte 0xe9"]


def test_oversized_files_are_refused_before_parsing(tmp_path):
    _, problems = _load(tmp_path, "a: " + "x" * MAX_FILE_BYTES + "\n")
    assert len(problems) == 1
    assert problems[0].message.startswith("expected a file of at most 512 KiB")
