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


def test_an_alias_bomb_is_refused_at_once_without_expanding(tmp_path):
    import time
    import tracemalloc

    # Nine levels of nine aliases each would expand to 9**9 (387 million) strings.
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    tracemalloc.start()
    started = time.perf_counter()
    _, problems = _load(tmp_path, "\n".join(lines) + "\n")
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [str(p) for p in problems] == ["doc.yaml:1:5: YAML anchors are not allowed (found &a0); write the value out in full"]
    assert elapsed < 1.0
    assert peak < 100 * 1024 * 1024


def test_deep_nesting_is_refused_quickly_instead_of_exhausting_the_stack(tmp_path):
    import time

    started = time.perf_counter()
    _, problems = _load(tmp_path, "see_also: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert time.perf_counter() - started < 1.0
    assert [str(p) for p in problems] == ["doc.yaml:1:42: expected at most 32 levels of nesting; got more (check the brackets and indentation)"]


def test_yaml_tags_are_refused_never_constructed(tmp_path):
    _, problems = _load(tmp_path, "title: !!python/object/apply:os.system ['touch pwned']\nversion: !!str 1.10\n")
    assert [str(p) for p in problems] == ["doc.yaml:1:8: YAML tags are not allowed (found !!python/object/apply:os.system); write a plain value"]
    assert not (tmp_path / "pwned").exists()


def test_invisible_characters_are_refused_where_they_are_written(tmp_path):
    # A right-to-left override in a comment can make a reviewer read something else.
    _, problems = _load(tmp_path, "a: 1 # note \u202e\nb: caf\x00e\n")
    assert [str(p) for p in problems] == [
        "doc.yaml:1:13: expected visible text; got U+202E (RIGHT-TO-LEFT OVERRIDE), an invisible formatting character",
        "doc.yaml:2:7: expected visible text; got U+0000, an invisible control character",
    ]
    _, problems = _load(tmp_path, 'drug: "cis\\u200bplatin"\nnote: "\\e[31mred"\n')
    assert [str(p) for p in problems] == [
        "doc.yaml:1:7: drug: expected visible text; got U+200B (ZERO WIDTH SPACE), an invisible formatting character (written as an escape)",
        "doc.yaml:2:7: note: expected visible text; got U+001B, an invisible control character (written as an escape)",
    ]


def test_numbers_that_are_identifiers_or_too_long_stay_text_and_numbers_remember_how_they_were_written(tmp_path):
    doc, problems = _load(tmp_path, f"pmid: 024552320\nyear: {'9' * 5000}\nversion: 1.10\nflag: True\n")
    assert problems == []
    assert doc.data["pmid"] == "024552320"
    assert doc.data["year"] == "9" * 5000
    assert doc.data["version"] == 1.1 and doc.written[("version",)] == "1.10"
    assert doc.written[("flag",)] == "True"


def test_content_must_be_regular_files_at_specialty_slash_id(tmp_path):
    from generator.load import load

    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n", encoding="utf-8")
    content = tmp_path / "content"
    (content / "gyn").mkdir(parents=True)
    (content / "gyn" / "linked.yaml").symlink_to(secret)
    (content / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (content / "gyn" / "Upper-Case.yaml").write_text("id: x\n", encoding="utf-8")
    (content / "gyn" / "shouting.YAML").write_text("id: x\n", encoding="utf-8")
    (content / "gyn" / "deeper").mkdir()
    (content / "gyn" / "deeper" / "nested.yaml").write_text("id: x\n", encoding="utf-8")
    (content / "Big-Folder").mkdir()
    loaded = load(tmp_path)
    layout = [str(p) for p in loaded.problems if not p.path.startswith("site_config/")]
    assert layout == [
        "content/Big-Folder:1:1: expected a specialty folder named in lower-case words joined by hyphens; got 'Big-Folder'",
        "content/elsewhere:1:1: expected a regular file or folder; got a symbolic link (content must not point outside content/)",
        "content/gyn/Upper-Case.yaml:1:1: expected a file name of lower-case words joined by hyphens, such as 'cervical-cancer.yaml'; got 'Upper-Case.yaml'",
        "content/gyn/linked.yaml:1:1: expected a regular file or folder; got a symbolic link (content must not point outside content/)",
        "content/gyn/shouting.YAML:1:1: expected the extension .yaml; got '.YAML' (the article would be left out)",
        "content/gyn/deeper/nested.yaml:1:1: expected content/<specialty>/<id>.yaml; got a file 2 folder(s) below content/",
    ]
    # The link was never read: nothing of the secret reaches a message or the loaded data.
    assert all("hunter2" not in str(p) for p in loaded.problems)
    assert [d.shown for d in loaded.articles] == ["content/gyn/Upper-Case.yaml"]


def test_libyaml_and_pure_python_readings_agree(monkeypatch):
    """The fast path (libyaml under our composer) must read exactly what the tested pure-Python path reads."""
    import generator.load as load_module
    from conftest import REPO

    if load_module._FastLoader is None:
        pytest.skip("PyYAML was built without libyaml")
    files = sorted((REPO / "content").rglob("*.yaml")) + sorted((REPO / "tests" / "cases").rglob("*.yaml"))
    monkeypatch.setattr(load_module, "_read_events", lambda text: None)  # compare the careful readings
    fast = [load_document(f, REPO) for f in files]
    monkeypatch.setattr(load_module, "_FastLoader", None)
    pure = [load_document(f, REPO) for f in files]
    for path, (a, pa), (b, pb) in zip(files, fast, pure):
        assert (a.data, a.marks, a.key_marks, pa) == (b.data, b.marks, b.key_marks, pb), path


def _careful_reading(monkeypatch, read):
    """``read()`` with the event reading switched off: every file through nodes and the converter."""
    import generator.load as load_module

    with monkeypatch.context() as patched:
        patched.setattr(load_module, "_read_events", lambda text: None)
        return read()


def _same_reading(a, b) -> bool:
    (doc_a, problems_a), (doc_b, problems_b) = a, b
    # repr: 1, 1.0 and True are equal in Python but not the same value in an article.
    return (repr(doc_a.data), doc_a.marks, doc_a.key_marks, doc_a.written, problems_a) == (repr(doc_b.data), doc_b.marks, doc_b.key_marks, doc_b.written, problems_b)


def test_reading_from_events_agrees_with_composing_nodes(monkeypatch):
    """Plain files are read straight from libyaml's events; the rest take the careful path.  Both must read the same."""
    import generator.load as load_module
    from conftest import REPO

    if load_module._CParser is None:
        pytest.skip("PyYAML was built without libyaml")
    files = sorted((REPO / "content").rglob("*.yaml")) + sorted((REPO / "tests" / "cases").rglob("*.yaml")) + sorted((REPO / "site_config").glob("*.yaml"))
    fast = [load_document(f, REPO) for f in files]
    careful = _careful_reading(monkeypatch, lambda: [load_document(f, REPO) for f in files])
    for path, a, b in zip(files, fast, careful):
        assert _same_reading(a, b), path
    # The sample articles are plain YAML: they are read from events, not through the careful path.
    articles = sorted((REPO / "content").rglob("*.yaml"))
    assert all(load_module._read_events(f.read_text(encoding="utf-8")) is not None for f in articles)


_DAMAGE = ["\t", ": ", "- ", "&a ", "*a", "!!str ", "!x ", "{", "[", "]", '"', "'", "~", "null", "yes", "1.0", "01", "? ", "---\n", "...\n",
           '"\\u202e"', "\u202e", "#", "|\n", ">", "\n  ", "{a: 1, a: 2}", "[" * 40, "x: y\nx: z\n", "%YAML 1.2\n", "1e3", "+1", "-.5", "TRUE", "Null"]


def test_reading_from_events_agrees_with_composing_nodes_on_damaged_files(monkeypatch):
    from hypothesis import HealthCheck, given, settings, strategies as st

    import generator.load as load_module
    from conftest import VALID_ARTICLE

    if load_module._CParser is None:
        pytest.skip("PyYAML was built without libyaml")
    article = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.data())
    def agree(data):
        text = article
        for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
            at = data.draw(st.integers(min_value=0, max_value=len(text)))
            cut = data.draw(st.integers(min_value=0, max_value=20))
            text = text[:at] + data.draw(st.one_of(st.sampled_from(_DAMAGE), st.text(alphabet="ab:-[]{}\"' \n,#&*!?|>0", max_size=8))) + text[at + cut:]
        raw = text.encode("utf-8")
        fast = load_module.parse_document(raw, Path("x.yaml"), "x.yaml")
        careful = _careful_reading(monkeypatch, lambda: load_module.parse_document(raw, Path("x.yaml"), "x.yaml"))
        assert _same_reading(fast, careful), text

    agree()
