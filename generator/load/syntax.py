"""YAML syntax errors in an author's words."""

from __future__ import annotations

import re

import yaml

# --- YAML syntax errors, in an author's words ---------------------------------------------------
#
# PyYAML says "expected <block end>, but found '<block mapping start>'"; an author needs "this
# line is indented differently from the lines around it".  The careful reading stops at the
# error with the tokens it had read; from those, the open collections and the text itself, each
# error is named as what was expected and what was found, at the place to fix.  Only files that
# fail to parse come here: the fast reading of good files is untouched.

_CLOSING = {'"': "write \\\" for a \" inside the text, or quote it with ' instead", "'": "write '' for a ' inside the text, or quote it with \" instead"}
_LEAD = re.compile(r"( *)((?:-(?: +|$))*)")
_DASH = re.compile(r"- *")
_KEY_START = re.compile(r"""(?:"[^"\n]*"|'[^'\n]*'|[^\s#'"\[\]{},][^#\n]*?) *:(?:[ \t]|$)""")
_TOKEN_WORDS = {
    "<block end>": "the end of the indented block",
    "<block mapping start>": "'key: value'",
    "<block sequence start>": "a list item",
    "<document start>": "'---'",
    "<document end>": "'...'",
    "<stream end>": "the end of the file",
    "<scalar>": "text",
}


def explain_syntax_error(text: str, error: yaml.MarkedYAMLError, tokens: list[yaml.Token] = ()) -> tuple[str, int, int]:
    """``(message, line, column)`` for a YAML syntax error: what was expected, what was found, where to look."""
    try:
        found = _explain(text, error, list(tokens))
    except Exception:  # noqa: BLE001 - an explanation must never hide the error it explains
        found = None
    return found or _generic(text, error)


def _explain(text: str, error: yaml.MarkedYAMLError, tokens: list[yaml.Token]) -> tuple[str, int, int] | None:
    problem, context = error.problem or "", error.context or ""
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return None
    lines = text.splitlines()  # as YAML counts them: "\r\n" is one break
    line = lines[mark.line] if mark.line < len(lines) else ""
    before = line[: mark.column]
    opening = error.context_mark

    def at(message: str, where: yaml.Mark = mark) -> tuple[str, int, int]:
        return message, where.line + 1, where.column + 1

    if "quoted scalar" in context and opening is not None and problem.startswith("found unexpected"):
        quote = text[opening.index]
        got = "the end of the file" if "end of stream" in problem else f"a '---' line on line {mark.line + 1}"
        return at(f"a quoted text starting at line {opening.line + 1} is never closed: expected a closing {quote}; got {got} (close the quote; {_CLOSING[quote]})", opening)
    if "double-quoted scalar" in context:
        backslash = text.rfind("\\", 0, mark.index + 1)
        where = _mark_at(text, backslash) if backslash >= 0 else mark
        return at(f"expected an escape such as \\n, \\\" or \\\\ after the backslash in double-quoted text; got '{text[where.index: mark.index + 1]}' (write a backslash as \\\\, or put the text in single quotes)", where)
    if problem.startswith("found character '\\t'"):
        if not before.strip(" \t-"):
            return at("tabs cannot indent YAML; use spaces: expected spaces at the start of this line; got a tab")
        return at("expected a space; got a tab, which YAML does not accept here (use spaces)")
    if problem.startswith("found character"):
        char = text[mark.index] if mark.index < len(text) else ""
        return at(f"expected a value; got text starting with '{char}', which YAML reserves (put the text in quotes)")

    previous = _token_before(tokens, mark, skip_plain=isinstance(error, yaml.scanner.ScannerError))
    if isinstance(previous, yaml.ScalarToken) and previous.style in _CLOSING and previous.end_mark.line == mark.line:
        quote, start = previous.style, previous.start_mark
        if start.line < mark.line and _swallows_lines(text, previous):
            return at(f"a quoted text starting at line {start.line + 1} is never closed: expected a closing {quote} on line {start.line + 1}; "
                      f"got text running on to the {quote} on line {mark.line + 1} (close the quote; {_CLOSING[quote]})", start)
        return at(f"expected the end of the value after the closing {quote} (column {previous.end_mark.column}); "
                  f"got more text: '{_snippet(text, mark.index)}' ({_CLOSING[quote]})")

    if context in ("while parsing a flow sequence", "while parsing a flow mapping") and opening is not None and problem.startswith("expected ','"):
        bracket = text[opening.index]
        closer, kind = ("]", "list") if bracket == "[" else ("}", "mapping")
        got = problem.rsplit("but got ", 1)[-1].strip("'")
        if got == "<stream end>":
            return at(f"a '{bracket}' opened at line {opening.line + 1} is never closed: expected '{closer}'; got the end of the file", opening)
        if mark.line > opening.line and got in (":", "?", "-") and not re.search(r"[,\[\]{}]", before):
            return at(f"a '{bracket}' opened at line {opening.line + 1} is never closed: expected '{closer}' before line {mark.line + 1}; "
                      f"got '{line.strip()[:40]}' there", opening)
        hint = " (put text containing ': ' in quotes)" if got == ":" else ""
        return at(f"expected ',' or '{closer}' between the items of the {kind} opened at line {opening.line + 1}, column {opening.column + 1}; "
                  f"got {_found(text, mark)}{hint}")

    if "expected <block end>" in problem:
        found = problem.rsplit("but found ", 1)[-1].strip("'")
        first = _LEAD.fullmatch(before) is not None
        if first and isinstance(previous, yaml.ScalarToken) and previous.style in ("|", ">") and not _line_levels(line):
            indent = _block_indent(lines, previous.start_mark.line)
            if indent is not None and mark.column < indent:
                return at(f"this line is indented less than the text of the '{previous.style}' on line {previous.start_mark.line + 1}: "
                          f"expected {_spaces(indent)}, like line {previous.start_mark.line + 2}; got {_spaces(mark.column)} (check its spaces)")
        if found in ("]", "}"):
            opener = "[" if found == "]" else "{"
            return at(f"expected no '{found}' here, as no '{opener}' is open; got '{found}' (put the text in quotes if the bracket belongs to it)")
        if first:
            levels = _levels_above(lines, mark.line)
            same = [level for level in levels if level[0] == mark.column]
            if not same:
                return at(_indentation(levels, mark.column))
            _, sibling, dash = same[0]
            if not dash and found in ("-", "<block sequence start>"):
                return at(f"expected 'key: value' at this indentation, like line {sibling}; got a list item: '{_snippet(text, mark.index)}' (indent a list under its key)")
            if dash and found in ("?", "<block mapping start>", "<scalar>"):
                return at(f"expected a list item ('- ') at this indentation, like line {sibling}; got '{_snippet(text, mark.index)}' (indent a key under its list item, past the '- ')")
        if isinstance(previous, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and previous.end_mark.line == mark.line:
            closer = text[previous.start_mark.index]
            return at(f"expected the end of the value after the closing '{closer}' (column {previous.end_mark.column}); got more text: '{_snippet(text, mark.index)}' (put the whole value in quotes if it is text)")
        if found == ":":
            return at(f"expected a key before ':'; got '{_snippet(text, mark.index)}' (write the key before the ':', or put the text in quotes)")
        if found == ",":
            return at(f"expected a value or the end of the line; got '{_snippet(text, mark.index)}', but ',' only separates the items of a [list] or a {{mapping}} (put the text in quotes)")
        return at(f"expected a line that lines up with the lines above it; got '{_snippet(text, mark.index)}' (check the indentation of this line and of the line above it)")

    if problem == "mapping values are not allowed here":
        value = _LEAD.sub("", before, count=1)
        key = re.match(r"(.*?) *:[ \t]", value)
        if key:
            name = key.group(1).strip()[:40]
            return at(f"the value of '{name}' contains ': ', which YAML reads as the start of another key: expected one ': ' on this line, after '{name}'; got another ': ' here (put the whole value in quotes)")
        if len(value) > 1024:
            return at(f"expected a key of at most 1024 characters before ': '; got {len(value)} (make a long text the value of a key, in quotes)")
        indent = len(line) - len(line.lstrip(" "))
        levels = _levels_above(lines, mark.line)
        if all(level[0] != indent for level in levels):
            return _indentation(levels, indent, " (if this line continues the text above, put that text in quotes: it contains ': ')"), mark.line + 1, indent + 1
        above = _line_above(lines, mark.line)
        return (f"the text of line {above + 1} has no ': ', yet this line, which continues it, has one: expected 'key: value' on line {above + 1}; "
                f"got '{_snippet(text, mark.index - len(value))}' here (add the ':' on line {above + 1}, or put the text in quotes)"), mark.line + 1, indent + 1
    if problem == "sequence entries are not allowed here":
        value = _LEAD.sub("", before, count=1).strip()
        if value:
            return at(f"expected a value after '{value[:40]}' on this line, or a list on the lines below it; got a list item: '{_snippet(text, mark.index)}' "
                      "(start a list on the next line, indented; put text starting with '- ' in quotes)")
        return at(_indentation(_levels_above(lines, mark.line), mark.column))
    if problem == "mapping keys are not allowed here":
        return at(f"expected a value; got '{_snippet(text, mark.index)}', where '? ' would start a complex key (put the text in quotes)")
    if problem == "could not find expected ':'" and opening is not None:
        rest = lines[opening.line][opening.column:] if opening.line < len(lines) else ""
        levels = [level for level in _levels_above(lines, opening.line) if level[0] == opening.column]
        like = f", like line {levels[0][1]}" if levels else ""
        if levels and levels[0][2]:
            return at(f"expected a list item ('- ') on this line{like}; got '{_snippet(text, opening.index)}' (add the '- ', or indent the line if it continues the text above)", opening)
        hint = "put a space after the ':'" if re.search(r":[^\s]", rest) else "add ': ' after the key; if this line continues the text above, indent it more or put that text in quotes"
        return at(f"expected 'key: value' on this line{like}; got '{_snippet(text, opening.index)}', with no ': ' ({hint})", opening)
    if opening is not None and ("an alias" in context or "an anchor" in context):
        sign, name = ("*", "alias") if "alias" in context else ("&", "anchor")
        return at(f"expected a value; got text starting with '{sign}', which YAML reads as an {name} (put the text in quotes)", opening)
    if opening is not None and "tag" in context or "tag handle" in problem:
        where = opening or mark
        return at("expected a value; got text starting with '!', which YAML reads as a tag (put the text in quotes)", where)
    if opening is not None and "block scalar" in context:
        sign = text[opening.index]
        return at(f"expected a line break after '{sign}' (the text goes on the lines below it, indented); got '{_snippet(text, opening.index)}' "
                  f"(put text starting with '{sign}' in quotes)", opening)
    if "directive" in context or "directive" in problem or "<document start>" in problem:
        percent = re.search(r"(?m)^%", text)
        if percent and percent.start() <= mark.index:
            where = _mark_at(text, percent.start())
            return at(f"expected '---' after a line starting with '%', which YAML reads as a directive; got '{_snippet(text, percent.start())}' "
                      "(put text starting with '%' in quotes, or remove the line)", where)
        ended = re.search(r"(?m)^\.\.\.", text)
        if ended and ended.start() <= mark.index:
            return at(f"expected nothing after '...' on line {text.count(chr(10), 0, ended.start()) + 1}, the end of the document; got '{_snippet(text, mark.index)}' (remove the '...' line)")
        first = next((index for index, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), None)
        if first is not None and first < mark.line:
            indent = len(lines[first]) - len(lines[first].lstrip(" "))
            if indent > mark.column:  # the first key is indented more than the keys after it
                return (f"this line is indented more than the lines after it (line {mark.line + 1}): expected {_spaces(mark.column)}; "
                        f"got {_spaces(indent)} (check its spaces)"), first + 1, indent + 1
        return None
    if "expected the node content" in problem:
        found = problem.rsplit("but found ", 1)[-1].strip("'")
        hint = " (put the text in quotes if the bracket belongs to it)" if found in ("]", "}") else ""
        return at(f"expected a value; got {_found(text, mark)}{hint}")
    return None


def _generic(text: str, error: yaml.YAMLError) -> tuple[str, int, int]:
    """Any other error: PyYAML's expectation with its token names in words."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    match = re.match(r"expected (.+?), but (?:found|got) (.+)$", problem)
    if match:
        expected = match.group(1)
        for token, words in _TOKEN_WORDS.items():
            expected = expected.replace(f"'{token}'", words).replace(token, words)
        got = _found(text, mark) if mark else match.group(2)
        return f"expected {expected}; got {got}", line, col
    return f"expected YAML that reads as one mapping; got text it cannot read ({problem})", line, col


def _token_before(tokens: list[yaml.Token], mark: yaml.Mark, *, skip_plain: bool) -> yaml.Token | None:
    """The last token read before ``mark``; with ``skip_plain``, the one before a plain text ending there on its line."""
    before = [t for t in tokens if t.start_mark.index < mark.index and t.end_mark.index <= mark.index
              and not isinstance(t, (yaml.KeyToken, yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.BlockEndToken))]
    if skip_plain and before and isinstance(before[-1], yaml.ScalarToken) and before[-1].plain and before[-1].start_mark.line == mark.line:
        before.pop()
    return before[-1] if before else None


def _swallows_lines(text: str, token: yaml.Token) -> bool:
    """Whether a quoted text spanning lines holds lines that look like YAML (a ``key:`` or a ``- ``): then its quote was never closed."""
    inside = text[token.start_mark.index: token.end_mark.index].splitlines()[1:]
    return any(_line_levels(line) for line in inside)


def _line_levels(line: str) -> list[int]:
    """Columns where a ``key:`` line or a list item opens content (its indentation, then after each ``- ``); [] for other lines."""
    line = line.rstrip("\r")
    lead = _LEAD.match(line)
    rest = line[lead.end():]
    dashes = lead.group(2)
    if not dashes and not _KEY_START.match(rest):
        return []
    column = len(lead.group(1))
    levels = [column]
    for dash in _DASH.findall(dashes):
        column += len(dash)
        levels.append(column)
    if not rest or rest.startswith("#"):
        levels.pop()
    return levels


def _levels_above(lines: list[str], before: int) -> list[tuple[int, int, bool]]:
    """``(column, line, is a list item)`` of each block open just above line ``before`` (0-based), innermost first."""
    out: list[tuple[int, int, bool]] = []
    limit: int | None = None
    for index in range(min(before, len(lines)) - 1, -1, -1):
        levels = _line_levels(lines[index])
        for position, column in reversed(list(enumerate(levels))):
            if limit is None or column < limit:
                dash = position < len(levels) - 1 or (levels and lines[index][column:column + 1] == "-")
                out.append((column, index + 1, bool(dash)))
                limit = column
        if limit == 0:
            break
    return out


def _indentation(levels: list[tuple[int, int, bool]], found: int, hint: str = "") -> str:
    if not levels:
        return f"this line is indented differently from the lines around it (check its spaces): expected no spaces; got {_spaces(found)}{hint}"
    column, line, _ = min(levels, key=lambda level: (abs(level[0] - found), -level[0]))
    return f"this line is indented differently from the lines around it (check its spaces): expected {_spaces(column)}, like line {line}; got {_spaces(found)}{hint}"


def _block_indent(lines: list[str], start: int) -> int | None:
    """Indentation of a ``|`` or ``>`` text: that of its first non-blank line."""
    for line in lines[start + 1:]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return None


def _line_above(lines: list[str], index: int) -> int:
    """The nearest line above ``index`` with something other than a comment."""
    for above in range(index - 1, -1, -1):
        stripped = lines[above].strip()
        if stripped and not stripped.startswith("#"):
            return above
    return max(index - 1, 0)


def _spaces(count: int) -> str:
    return "no spaces" if count == 0 else "1 space" if count == 1 else f"{count} spaces"


def _mark_at(text: str, index: int) -> yaml.Mark:
    line = text.count("\n", 0, index)
    return yaml.Mark("", index, line, index - (text.rfind("\n", 0, index) + 1), None, None)


def _snippet(text: str, index: int, limit: int = 40) -> str:
    """The rest of the line from ``index``, shortened."""
    end = text.find("\n", index)
    shown = text[index: len(text) if end < 0 else end].rstrip()
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _found(text: str, mark: yaml.Mark) -> str:
    if mark.index >= len(text.rstrip()):
        return "the end of the file"
    shown = _snippet(text, mark.index)
    return f"'{shown}'" if shown else "the end of the line"
