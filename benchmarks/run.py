"""The benchmark: generate N articles, build them with every contender, print one table per N.

    python -m benchmarks.run --articles 500 1000

For each N the project is generated once (same seed, same bytes), then each
contender runs once, in a fresh process, on the same machine, one after the
other: guidesite validate, guidesite build, naive MkDocs, Zensical (if
installed) and the Python-Markdown floor.  The table goes to standard output
and to ``benchmarks/results/<UTC time>-n<N…>.md``.  Progress is shown only on
a terminal.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import contenders
from .contenders import Command
from .generate import REPO, generate
from .measure import Output, Run, measure_output, run_process

BUILD_DATE_EPOCH = "1754006400"
"""SOURCE_DATE_EPOCH of every build (2025-08-01): the same 'review overdue' flags in every run."""

RESULTS = Path(__file__).resolve().parent / "results"

KB, MB = 1024, 1024 * 1024


@dataclass
class Row:
    """One contender's cell values for one N."""

    command: Command
    run: Run | None = None
    output: Output | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.run is not None and self.run.ok


@dataclass
class Result:
    n: int
    seed: int
    generate_seconds: float
    article_bytes: int
    rows: list[Row]

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.command.key == key and r.ok), None)


def bench(n: int, workdir: Path, *, seed: int = 0, skip: frozenset[str] = frozenset(), progress=None,
          failed_before: dict[str, str] | None = None) -> Result:
    """Generate ``n`` articles under ``workdir`` and measure every contender on them.

    ``failed_before`` carries, from one N to the next, the contenders whose first
    form failed and why, so that a larger N goes straight to the fallback.
    """
    failed_before = {} if failed_before is None else failed_before
    project = workdir / f"n{n}"
    if project.exists():
        shutil.rmtree(project)
    say = progress or (lambda message: None)
    say(f"[{n}] generating {n} articles")
    started = time.perf_counter()
    files = generate(project, n, seed=seed)
    generated = time.perf_counter() - started
    articles = [(f.parent.name, f.stem) for f in files]
    env = {**os.environ, "SOURCE_DATE_EPOCH": BUILD_DATE_EPOCH}

    rows = []
    for make in contenders.IN_ORDER:
        command = make(project)  # made in turn: the baselines read what the pipeline wrote
        if command.key in skip:
            rows.append(Row(command, note="skipped (--skip)"))
            continue
        if command.argv is None:
            rows.append(Row(command, note=command.skipped or "skipped"))
            continue
        say(f"[{n}] {command.label} …")
        if command.key in failed_before and command.retry is not None:
            row = _measure(command.retry, articles, env, project / "logs", name=f"{command.key}-retry")
            reason = failed_before[command.key]
        else:
            row = _measure(command, articles, env, project / "logs")
            reason = "" if row.ok or row.run is None else row.run.last_line()
            if reason and command.retry is not None:
                failed_before[command.key] = reason
                say(f"[{n}] {command.label}: failed ({reason[:80]}); retrying {command.retry_note}")
                row = _measure(command.retry, articles, env, project / "logs", name=f"{command.key}-retry")
        if reason and command.retry is not None:
            row.note = f"{command.retry_note} ({reason[:100]})" + (f"; {row.note}" if row.note else "")
        if row.run is not None:
            say(f"[{n}] {command.label}: {row.run.wall:.1f} s" + ("" if row.ok else " (failed)"))
        rows.append(row)
    return Result(n, seed, generated, sum(f.stat().st_size for f in files), rows)


def _measure(command: Command, articles: list[tuple[str, str]], env: dict[str, str], logs: Path, *, name: str | None = None) -> Row:
    if command.site is not None and command.site.exists():
        shutil.rmtree(command.site)
    run = run_process(command.argv, cwd=command.cwd, env=env, log=logs / f"{name or command.key}.log")
    row = Row(command, run)
    if not run.ok:
        row.note = f"failed (exit {run.returncode}): {run.last_line()[:160]}"
        return row
    if command.site is not None:
        row.output = measure_output(command.site, command.article_pages(articles))
        if row.output.article_pages_found < len(articles):
            row.note = f"{row.output.article_pages_found} of {len(articles)} article pages found"
    return row


# --- the report -------------------------------------------------------------------

TARGETS = """\
Targets (issue 6): at 1,000 articles the full pipeline ≤ 0.40× naive MkDocs, ≤ 0.50× Zensical,
≤ 1.3× the Markdown floor; time per article at 5,000 ≤ 1.15× that at 500; peak memory at 5,000 ≤ 1 GB;
every article page ≤ 40 KB; first search query at 5,000 ≤ 1 MB; validate at 5,000 ≤ 5 s."""


def report(results: list[Result], versions: dict[str, str], machine: str) -> str:
    lines = ["# guidesite benchmark", "", f"- when: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
             f"- machine: {machine}", "- versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
             f"- guidesite: {_commit()}", "- one run per cell; every contender builds the same generated content", ""]
    for result in results:
        lines += _table(result) + [""] + _ratios(result) + [""]
    if len(results) > 1:
        lines += _scaling(results) + [""]
    lines += [TARGETS, ""]
    return "\n".join(lines)


def _table(result: Result) -> list[str]:
    n = result.n
    out = [f"## {n:,} articles (seed {result.seed}; {result.article_bytes / n / KB:.1f} KB of YAML each; generated in {result.generate_seconds:.1f} s)", "",
           "| contender | wall s | ms / article | peak memory MB, all processes (largest one) | output MB | largest article page KB | first search query | notes |",
           "|---|---:|---:|---:|---:|---:|---|---|"]
    for row in result.rows:
        label = row.command.label
        if row.run is None or not row.run.ok:
            out.append(f"| {label} | — | — | — | — | — | — | {_cell(row.note)} |")
            continue
        run, output = row.run, row.output
        size = f"{output.total_bytes / MB:.1f}" if output else "—"
        largest = f"{output.largest_page / KB:.1f}" if output and output.largest_page is not None else "—"
        search = "—"
        if output and output.search:
            cost = output.search
            search = f"{cost.bytes / KB:,.0f} KB (gzip {cost.gzip_bytes / KB:,.0f} KB, {cost.method})"
        out.append(f"| {label} | {run.wall:.1f} | {run.wall / n * 1000:.1f} | {_memory(run)} | {size} | {largest} | {search} | {_cell(row.note)} |")
    return out


def _memory(run: Run) -> str:
    """Peak memory of the whole process tree (PSS, sampled) and, in brackets, of its largest process."""
    largest = f"{run.peak_rss / MB:,.0f}"
    return f"{run.peak_tree / MB:,.0f} ({largest})" if run.peak_tree else largest


def _ratios(result: Result) -> list[str]:
    pipeline = result.row("pipeline")
    out = ["| measure | value | target |", "|---|---:|---|"]
    for key, label, target in (("naive", "naive MkDocs", "≤ 0.40× (at 1,000)"), ("zensical", "Zensical", "≤ 0.50× (at 1,000)"),
                               ("floor", "Python-Markdown floor", "≤ 1.3× (at 1,000)")):
        other = result.row(key)
        value = f"{pipeline.run.wall / other.run.wall:.2f}×" if pipeline and other else "—"
        out.append(f"| pipeline time / {label} | {value} | {target} |")
    if pipeline:
        output = pipeline.output
        out.append(f"| pipeline peak memory, all its processes (largest one) | {_memory(pipeline.run)} MB | ≤ 1,024 MB (at 5,000) |")
        if output and output.largest_page is not None:
            out.append(f"| largest article page | {output.largest_page / KB:.1f} KB (`{output.largest_page_path}`) | ≤ 40 KB |")
        if output and output.search:
            out.append(f"| first search query | {output.search.bytes / KB:,.0f} KB | ≤ 1,024 KB (at 5,000) |")
    if validate := result.row("validate"):
        out.append(f"| guidesite validate | {validate.run.wall:.1f} s | ≤ 5 s (at 5,000) |")
    return out


def _scaling(results: list[Result]) -> list[str]:
    ordered = sorted(results, key=lambda r: r.n)
    small, large = ordered[0], ordered[-1]
    out = [f"## Scaling: time per article at {large.n:,} / at {small.n:,} (target ≤ 1.15× for 5,000 / 500)", "",
           "| contender | " + " | ".join(f"ms / article at {r.n:,}" for r in ordered) + " | ratio |",
           "|---|" + "---:|" * (len(ordered) + 1)]
    for key in contenders.KEYS:
        cells, per = [], {}
        for r in ordered:
            row = r.row(key)
            if row:
                per[r.n] = row.run.wall / r.n
            cells.append(f"{per[r.n] * 1000:.1f}" if r.n in per else "—")
        if not per:
            continue
        ratio = f"{per[large.n] / per[small.n]:.2f}×" if small.n in per and large.n in per else "—"
        label = next(row.command.label for r in ordered for row in r.rows if row.command.key == key)
        out.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _commit() -> str:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "generator", "theme", "mkdocs.yml", "site_config"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return head + (" with uncommitted changes to the pipeline" if dirty else "")


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            kb = int(info.readline().split()[1])
        memory = f", {kb / MB:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    try:
        # Other work on the machine slows every contender; the 5 and 15 minute averages cover the run.
        load = ", load average at the end {:.2f} / {:.2f} / {:.2f} (1 / 5 / 15 min)".format(*os.getloadavg())
    except OSError:
        load = ""
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs{memory}{load}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[500, 1000], metavar="N", help="Site sizes to measure (default: 500 1000).")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the generated content (default: 0).")
    parser.add_argument("--skip", action="append", default=[], choices=contenders.KEYS, help="Leave out a contender (repeatable).")
    parser.add_argument("--workdir", type=Path, default=None, help="Where the projects are generated (default: a temporary folder, removed afterwards).")
    parser.add_argument("--keep", action="store_true", help="Keep the generated projects, their output and logs.")
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help="Where the table is saved (default: benchmarks/results).")
    parser.add_argument("--no-save", action="store_true", help="Print the table only.")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.articles):
        parser.error("--articles: each N must be at least 1")

    progress = (lambda message: print(message, file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="guidesite-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    failed_before: dict[str, str] = {}
    try:
        for n in args.articles:
            results.append(bench(n, workdir, seed=args.seed, skip=frozenset(args.skip), progress=progress, failed_before=failed_before))
            if not args.keep:
                shutil.rmtree(workdir / f"n{n}", ignore_errors=True)
    finally:
        if args.workdir is None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report(results, contenders.versions(), machine())
    print(text)
    if not args.no_save:
        args.results_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        path = args.results_dir / f"{stamp}-n{'-'.join(str(n) for n in args.articles)}.md"
        path.write_text(text, encoding="utf-8")
        print(f"Saved to {path}", file=sys.stderr)
    if args.keep:
        print(f"Projects, output and logs kept in {workdir}", file=sys.stderr)
    pipeline_ok = all(r.row("pipeline") for r in results if "pipeline" not in args.skip)
    return 0 if pipeline_ok else 1


if __name__ == "__main__":
    sys.exit(main())
