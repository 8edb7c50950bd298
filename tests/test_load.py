"""Stage 1: YAML is read with positions, and its traps are refused, not guessed at."""

from __future__ import annotations

import shutil
import os
from pathlib import Path

import pytest

from guidesite.load import MAX_FILE_BYTES, load_document


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
        ("a:\n\t- b\n", "doc.yaml:2:1: tabs cannot indent YAML; use spaces: expected spaces at the start of this line; got a tab"),
        ("a: [1, 2\nb: 3\n", "doc.yaml:1:4: a '[' opened at line 1 is never closed: expected ']' before line 2; got 'b: 3' there"),
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


def test_bad_bytes_are_refused(tmp_path):
    _, problems = _load(tmp_path, b"a: 1\nb: caf\xe9\n")
    assert [str(p) for p in problems] == ["doc.yaml:2:7: expected UTF-8 text, got the byte 0xe9"]


def test_a_byte_order_mark_at_the_start_is_accepted_and_moves_no_position(tmp_path):
    text = "a: 1\nlist:\n  - x\n  - name: y\n"
    plain, plain_problems = _load(tmp_path, text)
    marked, problems = _load(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert problems == plain_problems == []
    assert (marked.data, marked.marks, marked.key_marks) == (plain.data, plain.marks, plain.key_marks)
    assert marked.where(("a",)) == (1, 4) and marked.where(("list", 1, "name")) == (4, 11)
    # Problems after it are where an editor shows them: the mark is not a column.
    _, problems = _load(tmp_path, b"\xef\xbb\xbfa: [1, 2\nb: 3\n")
    assert [str(p) for p in problems] == ["doc.yaml:1:4: a '[' opened at line 1 is never closed: expected ']' before line 2; got 'b: 3' there"]
    _, problems = _load(tmp_path, b"\xef\xbb\xbfa: 1\na: 2\n")
    assert [str(p) for p in problems] == ["doc.yaml:2:1: a: duplicate key 'a' (first written on line 1); keep one"]


def test_a_byte_order_mark_anywhere_else_is_an_invisible_character(tmp_path):
    _, problems = _load(tmp_path, "a: 1\nb: x\ufeffy\n")
    assert [str(p) for p in problems] == ["doc.yaml:2:5: expected visible text; got U+FEFF (ZERO WIDTH NO-BREAK SPACE), an invisible formatting character"]
    _, problems = _load(tmp_path, b"\xef\xbb\xbf\xef\xbb\xbfa: 1\n")  # only one is the byte-order mark
    assert [str(p) for p in problems] == ["doc.yaml:1:1: expected visible text; got U+FEFF (ZERO WIDTH NO-BREAK SPACE), an invisible formatting character"]


def test_oversized_files_are_refused_before_parsing(tmp_path):
    _, problems = _load(tmp_path, "a: " + "x" * MAX_FILE_BYTES + "\n")
    assert len(problems) == 1
    assert problems[0].message.startswith("expected a file of at most 512 KiB")


def test_an_alias_bomb_is_refused_at_once_without_expanding(tmp_path):
    import tracemalloc

    # Nine levels of nine aliases each would expand to 9**9 (387 million) strings.
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    tracemalloc.start()
    _, problems = _load(tmp_path, "\n".join(lines) + "\n")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [str(p) for p in problems] == ["doc.yaml:1:5: YAML anchors are not allowed (found &a0); write the value out in full"]
    assert peak < 100 * 1024 * 1024  # nothing was expanded (a bound on work that does not depend on the machine's speed)


def test_deep_nesting_is_refused_instead_of_exhausting_the_stack(tmp_path):
    _, problems = _load(tmp_path, "see_also: " + "[" * 100_000 + "]" * 100_000 + "\n")  # no RecursionError
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
    from guidesite.load import load

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
    import guidesite.load.yaml_reader as load_module
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
    import guidesite.load.yaml_reader as load_module

    with monkeypatch.context() as patched:
        patched.setattr(load_module, "_read_events", lambda text: None)
        return read()


def _same_reading(a, b) -> bool:
    (doc_a, problems_a), (doc_b, problems_b) = a, b
    # repr: 1, 1.0 and True are equal in Python but not the same value in an article.
    return (repr(doc_a.data), doc_a.marks, doc_a.key_marks, doc_a.written, problems_a) == (repr(doc_b.data), doc_b.marks, doc_b.key_marks, doc_b.written, problems_b)


def test_reading_from_events_agrees_with_composing_nodes(monkeypatch):
    """Plain files are read straight from libyaml's events; the rest take the careful path.  Both must read the same."""
    import guidesite.load.yaml_reader as load_module
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

    import guidesite.load.yaml_reader as load_module
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


# --- syntax errors in an author's words -------------------------------------------------------

_QUOTE_HINT = "(close the quote; write \\\" for a \" inside the text, or quote it with ' instead)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An indentation slip: one space too many, or too few, next to its siblings.
        ("review:\n  status: submitted\n   author: Someone\n",
         "doc.yaml:3:4: this line is indented differently from the lines around it (check its spaces): expected 2 spaces, like line 2; got 3 spaces"
         " (if this line continues the text above, put that text in quotes: it contains ': ')"),
        ("review:\n  status: submitted\n author: Someone\n",
         "doc.yaml:3:2: this line is indented differently from the lines around it (check its spaces): expected 2 spaces, like line 2; got 1 space"),
        ("sections:\n  - heading: Regimen\n   blocks: []\n",
         "doc.yaml:3:4: this line is indented differently from the lines around it (check its spaces): expected 4 spaces, like line 2; got 3 spaces"),
        ("tags:\n  - a\n - b\n",
         "doc.yaml:3:2: this line is indented differently from the lines around it (check its spaces): expected 2 spaces, like line 2; got 1 space"),
        # A quote never closed: at the end of the file, or running on to the next quote.
        ('id: x\ntitle: "Does drug A help?\nspecialty: y\n',
         f'doc.yaml:2:8: a quoted text starting at line 2 is never closed: expected a closing "; got the end of the file {_QUOTE_HINT}'),
        ('id: x\ntitle: "Does drug A help?\nspecialty: y\nsummary: "Yes."\n',
         f'doc.yaml:2:8: a quoted text starting at line 2 is never closed: expected a closing " on line 2; got text running on to the " on line 4 {_QUOTE_HINT}'),
        ("id: x\ntitle: 'Does drug A help?\n",
         "doc.yaml:2:8: a quoted text starting at line 2 is never closed: expected a closing '; got the end of the file"
         " (close the quote; write '' for a ' inside the text, or quote it with \" instead)"),
        ('title: "He said "no" today"\n',
         'doc.yaml:1:18: expected the end of the value after the closing " (column 17); got more text: \'no" today"\' (write \\" for a " inside the text, or quote it with \' instead)'),
        # A bracket never closed.
        ("tags: [chemotherapy, surgery\naudiences: [clinician]\n",
         "doc.yaml:1:7: a '[' opened at line 1 is never closed: expected ']' before line 2; got 'audiences: [clinician]' there"),
        ("id: x\nevidence: {system: nccn, category: 2A\n",
         "doc.yaml:2:11: a '{' opened at line 2 is never closed: expected '}'; got the end of the file"),
        ("tags: [a, b]]\n",
         "doc.yaml:1:13: expected no ']' here, as no '[' is open; got ']' (put the text in quotes if the bracket belongs to it)"),
        # Tabs.
        ("review:\n\tstatus: submitted\n",
         "doc.yaml:2:1: tabs cannot indent YAML; use spaces: expected spaces at the start of this line; got a tab"),
        ("review:\n  \tstatus: submitted\n",
         "doc.yaml:2:3: tabs cannot indent YAML; use spaces: expected spaces at the start of this line; got a tab"),
        # A colon in a value, a key without its colon.
        ("id: x\ntitle: Drug A: does it help?\n",
         "doc.yaml:2:14: the value of 'title' contains ': ', which YAML reads as the start of another key: expected one ': ' on this line, after 'title';"
         " got another ': ' here (put the whole value in quotes)"),
        ("id: x\ntitle:Drug A\nspecialty: y\n",
         "doc.yaml:2:1: expected 'key: value' on this line, like line 1; got 'title:Drug A', with no ': ' (put a space after the ':')"),
        ("id: x\ntitle Drug A\nspecialty: y\n",
         "doc.yaml:2:1: expected 'key: value' on this line, like line 1; got 'title Drug A', with no ': '"
         " (add ': ' after the key; if this line continues the text above, indent it more or put that text in quotes)"),
        # Lists and mappings mixed at one indentation; text YAML reserves.
        ("id: x\n- chemotherapy\n",
         "doc.yaml:2:1: expected 'key: value' at this indentation, like line 1; got a list item: '- chemotherapy' (indent a list under its key)"),
        ("tags: - chemotherapy\n",
         "doc.yaml:1:7: expected a value after 'tags:' on this line, or a list on the lines below it; got a list item: '- chemotherapy'"
         " (start a list on the next line, indented; put text starting with '- ' in quotes)"),
        ("author: @someone\n",
         "doc.yaml:1:9: expected a value; got text starting with '@', which YAML reserves (put the text in quotes)"),
        ("note: * see below\n",
         "doc.yaml:1:7: expected a value; got text starting with '*', which YAML reads as an alias (put the text in quotes)"),
        ('path: "C:\\dir"\n',
         'doc.yaml:1:10: expected an escape such as \\n, \\" or \\\\ after the backslash in double-quoted text; got \'\\d\' (write a backslash as \\\\, or put the text in single quotes)'),
        ("summary: |\n    first line\n  second line\n",
         "doc.yaml:3:3: this line is indented less than the text of the '|' on line 1: expected 4 spaces, like line 2; got 2 spaces (check its spaces)"),
    ],
    ids=["over-indented", "under-indented", "under-indented-in-list", "list-item-under-indented", "unclosed-quote-at-end",
         "unclosed-quote-runs-on", "unclosed-single-quote", "quote-inside-quotes", "unclosed-bracket", "unclosed-brace", "stray-bracket",
         "tab", "tab-after-spaces", "colon-in-value", "no-space-after-colon", "no-colon", "list-in-mapping", "list-after-key",
         "reserved-character", "star", "backslash", "block-text-dedented"],
)
def test_syntax_errors_are_explained_in_plain_words_where_to_fix_them(tmp_path, text, expected):
    _, problems = _load(tmp_path, text)
    assert [str(p) for p in problems] == [expected]
    # Saved with Windows line endings, the file gets the same message at the same place.
    _, problems = _load(tmp_path, text.replace("\n", "\r\n"))
    assert [str(p).replace("\r", "") for p in problems] == [expected]


_JARGON = ("<block", "<scalar>", "<stream", "<document", "token", "scanning", "parsing", "invalid YAML")


def test_every_syntax_error_names_what_was_expected_and_what_was_found(monkeypatch):
    """Damaged articles: whatever breaks, the message says expected/got, without libyaml's jargon, and names a real place."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    import guidesite.load.yaml_reader as load_module
    from conftest import VALID_ARTICLE

    article = VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology")
    explained: list[str] = []
    real = load_module.explain_syntax_error

    def spy(text, error, tokens=()):
        found = real(text, error, tokens)
        explained.append(found[0])
        return found

    monkeypatch.setattr(load_module, "explain_syntax_error", spy)

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.data())
    def explained_well(data):
        text = article
        for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
            at = data.draw(st.integers(min_value=0, max_value=len(text)))
            cut = data.draw(st.integers(min_value=0, max_value=12))
            text = text[:at] + data.draw(st.one_of(st.sampled_from(_DAMAGE), st.text(alphabet="ab:-[]{}\"' \t\n,#&*!?|>@`%\\", max_size=8))) + text[at + cut:]
        before = len(explained)
        _, problems = load_module.parse_document(text.encode("utf-8"), Path("x.yaml"), "x.yaml")
        if len(explained) == before:
            return
        (problem,) = problems
        lines = text.split("\n")
        assert "expected" in problem.message and "got" in problem.message, problem.message
        assert not any(word in problem.message for word in _JARGON), problem.message
        assert 1 <= problem.line <= len(lines) and 1 <= problem.col <= len(lines[problem.line - 1]) + 1, (problem, text)

    explained_well()
    assert len(explained) > 50  # most damage breaks the syntax


def test_a_syntax_error_costs_nothing_on_files_that_parse(monkeypatch):
    """Good files are read from libyaml's events; only a file that fails goes through the careful reading and its explanation."""
    import guidesite.load.yaml_reader as load_module
    from conftest import REPO

    if load_module._CParser is None:
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(load_module, "_compose", lambda text: pytest.fail("a good file took the careful path"))
    for path in sorted((REPO / "content").rglob("*.yaml")):
        _, problems = load_document(path, REPO)
        assert problems == [], path


# --- no link, pipe or device is followed, opened or printed -----------------------------------

SECRET = "TOP-SECRET-3f9a do not publish"


def _outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(f"{SECRET}\nsecond line\n", encoding="utf-8")
    return secret


def _relink(path: Path, target: Path) -> None:
    path.unlink()
    path.symlink_to(target)


def _no_secret_in(problems) -> None:
    assert problems and all(SECRET not in str(p) and "outside" not in str(p) for p in problems)


def test_a_linked_editorial_policy_is_refused_unread_and_never_published(project, tmp_path):
    from click.testing import CliRunner

    from guidesite.cli import main
    from guidesite.load import load

    project.article()
    _relink(project.root / "site_config" / "editorial-policy.md", _outside_secret(tmp_path))
    loaded = load(project.root)
    assert [str(p) for p in loaded.problems] == [
        "site_config/editorial-policy.md:1:1: expected a regular file; site_config/editorial-policy.md is a symbolic link"]
    assert SECRET not in loaded.policy
    _no_secret_in(loaded.problems)

    result = CliRunner().invoke(main, ["--project", str(project.root), "build", "--no-history"])
    assert result.exit_code == 1, result.output
    assert "site_config/editorial-policy.md is a symbolic link" in result.output
    assert SECRET not in result.output
    for folder in ("site", "build"):
        for path in (project.root / folder).rglob("*"):
            assert not path.is_file() or SECRET.encode() not in path.read_bytes(), path


def test_a_linked_site_file_is_refused_without_printing_its_target(project, tmp_path):
    from guidesite.load import load

    _relink(project.root / "site_config" / "reviewers.yaml", _outside_secret(tmp_path))
    # Even a link to a file of the project itself: what is read must be what the folder holds.
    _relink(project.root / "site_config" / "tags.yaml", project.root / "site_config" / "specialties.yaml")
    loaded = load(project.root)
    assert [str(p) for p in loaded.problems] == [
        "site_config/reviewers.yaml:1:1: expected a regular file; site_config/reviewers.yaml is a symbolic link",
        "site_config/tags.yaml:1:1: expected a regular file; site_config/tags.yaml is a symbolic link",
    ]
    assert "reviewers" not in loaded.site and "tags" not in loaded.site
    _no_secret_in(loaded.problems)


def test_a_linked_site_config_folder_is_refused(project, tmp_path):
    from guidesite.load import load

    real = tmp_path / "elsewhere"
    (project.root / "site_config").rename(real)
    (project.root / "site_config").symlink_to(real, target_is_directory=True)
    loaded = load(project.root)
    assert [str(p) for p in loaded.problems] == ["site_config:1:1: expected a folder; site_config is a symbolic link"]
    assert loaded.site == {} and loaded.policy == ""


def test_a_linked_folder_under_content_is_refused_even_pointing_inside_the_project(project):
    from guidesite.load import load

    project.article()
    (project.root / "content" / "mirror").symlink_to(project.root / "content" / "gynecologic-oncology", target_is_directory=True)
    loaded = load(project.root)
    assert [str(p) for p in loaded.problems] == [
        "content/mirror:1:1: expected a regular file or folder; got a symbolic link (content must not point outside content/)"]
    assert [d.shown for d in loaded.articles] == ["content/gynecologic-oncology/test-question.yaml"]
    # Named on the command line, a file reached through the link is refused too.
    loaded = load(project.root, [project.root / "content" / "mirror" / "test-question.yaml"], only_paths=True)
    assert [str(p) for p in loaded.problems] == [
        "content/mirror:1:1: expected a regular file or folder; got a symbolic link (content must not point outside content/)"]
    assert loaded.articles == []


def test_links_anywhere_in_the_theme_stop_the_run_before_mkdocs_or_jinja_read_them(project, tmp_path):
    from click.testing import CliRunner

    from guidesite.cli import main
    from guidesite.load import load

    project.article()
    secret = _outside_secret(tmp_path)
    (project.root / "theme" / "overrides" / "extra.css").symlink_to(secret)
    shutil.rmtree(project.root / "theme" / "overrides" / "partials", ignore_errors=True)  # the theme's own, replaced by a link
    (project.root / "theme" / "overrides" / "partials").symlink_to(secret.parent, target_is_directory=True)
    (project.root / "theme" / "templates" / "home.md.j2").unlink()
    (project.root / "theme" / "templates" / "home.md.j2").symlink_to(secret)
    loaded = load(project.root)
    assert sorted(str(p) for p in loaded.problems) == [
        "theme/overrides/extra.css:1:1: expected a regular file or folder; theme/overrides/extra.css is a symbolic link",
        "theme/overrides/partials:1:1: expected a regular file or folder; theme/overrides/partials is a symbolic link",
        "theme/templates/home.md.j2:1:1: expected a regular file or folder; theme/templates/home.md.j2 is a symbolic link",
    ]
    _no_secret_in(loaded.problems)
    result = CliRunner().invoke(main, ["--project", str(project.root), "build", "--no-history"])
    assert result.exit_code == 1 and SECRET not in result.output
    assert not (project.root / "site").exists()


def _in_time(run, seconds: float = 10.0):
    """``run()`` in a thread that must finish in time: opening a named pipe would block for ever."""
    import threading

    done: list = []
    thread = threading.Thread(target=lambda: done.append(run()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert done, "reading hung (a named pipe was opened)"
    return done[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_named_pipes_are_refused_without_being_opened(project):
    from guidesite.load import load

    project.article()
    os.mkfifo(project.root / "content" / "gynecologic-oncology" / "pipe.yaml")
    os.mkfifo(project.root / "content" / "gynecologic-oncology" / "notes.txt")
    (project.root / "site_config" / "grading.yaml").unlink()
    os.mkfifo(project.root / "site_config" / "grading.yaml")
    os.mkfifo(project.root / "theme" / "overrides" / "pipe.css")
    loaded = _in_time(lambda: load(project.root))
    assert [str(p) for p in loaded.problems] == [
        "theme/overrides/pipe.css:1:1: expected a regular file or folder; theme/overrides/pipe.css is a named pipe (FIFO)",
        "site_config/grading.yaml:1:1: expected a regular file; site_config/grading.yaml is a named pipe (FIFO)",
        "content/gynecologic-oncology/notes.txt:1:1: expected a regular file or folder; got a named pipe (FIFO)",
        "content/gynecologic-oncology/pipe.yaml:1:1: expected a regular file or folder; got a named pipe (FIFO)",
    ]
    assert [d.shown for d in loaded.articles] == ["content/gynecologic-oncology/test-question.yaml"]
    # Named on the command line, or read on its own, a pipe is refused unopened too.
    pipe = project.root / "content" / "gynecologic-oncology" / "pipe.yaml"
    loaded = _in_time(lambda: load(project.root, [pipe], only_paths=True))
    assert "content/gynecologic-oncology/pipe.yaml:1:1: expected a regular file; content/gynecologic-oncology/pipe.yaml is a named pipe (FIFO)" in [str(p) for p in loaded.problems]
    _, problems = _in_time(lambda: load_document(pipe, project.root))
    assert [p.message for p in problems] == ["expected a regular file; content/gynecologic-oncology/pipe.yaml is a named pipe (FIFO)"]


def test_a_file_swapped_for_a_link_after_it_was_listed_is_still_not_followed(tmp_path, monkeypatch):
    import guidesite.load.files as load_module

    secret = _outside_secret(tmp_path)
    path = tmp_path / "doc.yaml"
    path.symlink_to(secret)
    # As if the check had seen a regular file just before the link took its place: the open itself refuses it.
    monkeypatch.setattr(load_module, "file_kind", lambda mode: None)
    _, problems = load_document(path, tmp_path)
    assert [str(p) for p in problems] == ["doc.yaml:1:1: expected a regular file; doc.yaml is a symbolic link"]
    _no_secret_in(problems)


def test_an_editorial_policy_with_a_byte_order_mark_is_read_without_it(project):
    from guidesite.load import load

    policy = project.root / "site_config" / "editorial-policy.md"
    text = policy.read_text(encoding="utf-8")
    policy.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    loaded = load(project.root)
    assert loaded.problems == [] and loaded.policy == text
