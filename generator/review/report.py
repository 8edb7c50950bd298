"""``guidesite review-report --base REF``: the pull request's review summary in Markdown.

Written for the GitHub job summary: what the change adds and alters, how each
article's status moves, who must still approve, and which approvals are stale.
"""

from __future__ import annotations

from ..model.article import STATUS_LABELS
from .check import Analysis
from .diff import clinical_diff

_LABELS = {None: "—", **STATUS_LABELS}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def review_report(analysis: Analysis) -> str:
    """The report as Markdown."""
    touched = [c for c in analysis.changes if c.kind != "unchanged"]
    lines = [f"## Content review against `{analysis.base}`", ""]
    if not touched:
        lines += ["No article is added, changed or removed.", ""]
    else:
        counts = {kind: sum(1 for c in touched if c.kind == kind) for kind in ("added", "changed", "moved", "removed")}
        lines += [", ".join(f"{n} {kind}" for kind, n in counts.items() if n) + ".", ""]
        lines += ["| Article | Change | Status | Medical content | Approvals |", "|---|---|---|---|---|"]
        for c in touched:
            move = _LABELS[c.after] if c.before == c.after else f"{_LABELS[c.before]} → {_LABELS[c.after]}"
            content = "changed" if c.content_changed and c.kind != "added" else ("new" if c.kind == "added" else "unchanged")
            if c.state is None:
                approvals = "—"
            else:
                approvals = f"{len(c.state.current)} of {c.state.required} current"
                if c.state.stale:
                    approvals += f"; stale: {', '.join(c.state.stale)}"
            lines.append(f"| `{c.path}` — {_cell(c.title)} | {c.kind} | {move} | {content} | {approvals} |")
        lines.append("")

    waiting = [c for c in touched if c.state is not None and c.after in ("submitted", "under_review", "approved") and not c.state.rules_met]
    if waiting:
        lines += ["### Approvals still needed", ""]
        for c in waiting:
            names = ", ".join(f"{r.name} (`{r.id}`{', @' + r.github if r.github else ''})" for r in c.eligible) or "no eligible reviewer in the registry"
            lines.append(f"- `{c.id}` needs {c.state.missing} more approval(s) from: {names}. "
                         f"A reviewer approves with `guidesite approve {c.id} --reviewer <id> --coi <declaration> --key <ssh key>`, or by approving this pull request on GitHub.")
        lines.append("")

    changed = [c for c in touched if c.content_changed]
    if changed:
        lines += ["### What changed, as data", ""]
        for c in changed:
            diff = clinical_diff(c.old, c.new)
            lines += [f"<details><summary><code>{c.id}</code>: {len(diff)} change(s)</summary>", "", "```text", *diff, "```", "", "</details>", ""]

    governed = analysis.governed
    if governed.changed:
        lines += ["### Code and configuration changed", "",
                  f"{len(governed.changed)} file(s) outside `content/`. Editors' signed approvals: {len(governed.approvers)} of "
                  f"{governed.required} ({', '.join(governed.approvers) or 'none yet'}). The registry, rules, legends, texts, templates "
                  "and guidesite's own code decide what every page says and who may approve; they are reviewed by editors.", ""]
        if governed.diffs:
            lines += ["Texts and templates readers see:", ""]
            for path, text in governed.diffs.items():
                lines += [f"<details><summary><code>{_cell(path)}</code></summary>", "", "```diff", text.rstrip("\n").replace("```", "`\u200b``"),
                          "```", "", "</details>", ""]
        if governed.code:
            lines += ["Code, workflows and tooling (read the diff on GitHub):", ""]
            lines += [f"- `{_cell(path)}`: {what}" for path, what in governed.code]
            lines.append("")

    stale = [c for c in analysis.changes if c.state is not None and c.state.stale]
    if stale:
        lines += ["### Stale approvals", ""]
        for c in stale:
            lines.append(f"- `{c.id}`: approval by {', '.join(c.state.stale)} was given to earlier content; the page shows Under Review until re-approved.")
        lines.append("")

    if analysis.problems:
        lines += [f"### Problems ({len(analysis.problems)})", ""]
        lines += [f"- `{p}`" for p in analysis.problems]
        lines.append("")
    else:
        lines += ["No problems: the change may be merged as far as the editorial rules go.", ""]
    return "\n".join(lines)
