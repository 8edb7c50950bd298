"""The benchmark: generate N articles, build them with every contender, print one table per N.

    python -m benchmarks.run --articles 1000 5000 20000

For each N the project is generated once (same seed, same bytes), then each
contender runs once, in a fresh process, on the same machine, one after the
other: guidesite validate, guidesite build, naive MkDocs, Zensical (if
installed), the Python-Markdown floor and, last, guidesite build again after
one article was edited.  The tables, the targets of issue 17 (met or not) and,
for two sizes or more, an extrapolation to 100,000 articles go to standard
output and to ``benchmarks/results/<UTC time>-n<N…>.md``.  Progress is shown
only on a terminal.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

from . import contenders
from .contenders import Command, Edit
from .generate import REPO, generate
from .measure import Output, Run, SearchCost, measure_output, run_process

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
    edit: Edit | None = None
    """The article edited before the command ran (the one-edit rebuild)."""

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
    env = {**os.environ, "SOURCE_DATE_EPOCH": BUILD_DATE_EPOCH, "GUIDESITE_CACHE": str(project / "cache")}  # a cache of its own, cold at first

    rows = []
    for make in contenders.IN_ORDER:
        command = make(project)  # made in turn: the baselines read what the pipeline wrote
        if command.key in skip:
            rows.append(Row(command, note="skipped (--skip)"))
            continue
        if command.argv is None:
            rows.append(Row(command, note=command.skipped or "skipped"))
            continue
        if command.needs and not any(r.command.key == command.needs and r.ok for r in rows):
            needed = next((r.command.label for r in rows if r.command.key == command.needs), command.needs)
            rows.append(Row(command, note=f"skipped: needs {needed}, which did not run or failed"))
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
    if command.clean and command.site is not None and command.site.exists():
        shutil.rmtree(command.site)
    edit = None
    if command.edit is not None:
        try:
            edit = command.edit()
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
            return Row(command, note=f"could not edit an article: {type(exc).__name__}: {str(exc)[:120]}")
    run = run_process(command.argv, cwd=command.cwd, env=env, log=logs / f"{name or command.key}.log")
    row = Row(command, run, edit=edit)
    if not run.ok:
        row.note = f"failed (exit {run.returncode}): {run.last_line()[:160]}"
        return row
    notes = []
    if command.site is not None:
        row.output = measure_output(command.site, command.article_pages(articles))
        if row.output.article_pages_found < len(articles):
            notes.append(f"{row.output.article_pages_found} of {len(articles)} article pages found")
    if edit is not None and command.site is not None:
        [page] = command.article_pages([edit.article])
        try:
            edit.found = edit.text in (command.site / page).read_text(encoding="utf-8", errors="replace")
        except OSError:
            edit.found = False
        notes.append(f"edited `{edit.path.parent.name}/{edit.path.name}`" + ("" if edit.found else "; edit not found in the page"))
    row.note = "; ".join(notes)
    return row


# --- the targets -----------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """One goal of issue 17 that holds at one size: ``value`` of the Result at ``n`` ≤ ``limit``."""

    measure: str
    """Which line of the ratios table it belongs to."""
    what: str
    n: int
    limit: float
    unit: str
    value: Callable[[Result], float | None]
    detail: Callable[[Result], str] | None = None
    """What the verdict line adds after the value (which figure was judged, and the others)."""

    def limit_text(self) -> str:
        return f"≤ {_number(self.limit, self.unit)} (at {self.n:,})"

    def met(self, result: Result) -> bool | None:
        """Whether ``result`` meets it, or None when the value is missing (its N is not checked here)."""
        value = self.value(result)
        return None if value is None else value <= self.limit

    def verdict(self, result: Result) -> str | None:
        """``✓``/``✗`` with the value and the margin, or None when the value is missing."""
        value = self.value(result)
        return None if value is None else _verdict(value, self.limit, self.unit)


LINEAR = 1.15
"""Time per article at the largest N over that at 5,000 (or the smallest N) taken as linear growth."""

ESTIMATE_AT = 100_000


def _ratio(key: str) -> Callable[[Result], float | None]:
    def ratio(result: Result) -> float | None:
        pipeline, other = result.row("pipeline"), result.row(key)
        return pipeline.run.wall / other.run.wall if pipeline and other else None
    return ratio


def _pipeline_memory(result: Result) -> float | None:
    pipeline = result.row("pipeline")
    return _tree_bytes(pipeline.run) / MB if pipeline else None


def _search(result: Result) -> SearchCost | None:
    pipeline = result.row("pipeline")
    return pipeline.output.search if pipeline and pipeline.output else None


def _pessimistic_query(result: Result) -> float | None:
    search = _search(result)
    return search.bytes / KB if search else None


def _real_query(result: Result) -> float | None:
    """The largest of the real queries (measure.QUERIES), counted from the index, when they were."""
    search = _search(result)
    return largest.bytes / KB if search and (largest := search.largest_query) else None


def _first_query(result: Result) -> float | None:
    """What the search target is judged on: the largest real query, else the pessimistic estimate."""
    real = _real_query(result)
    return real if real is not None else _pessimistic_query(result)


def _first_query_detail(result: Result) -> str:
    search = _search(result)
    if not search:
        return ""
    pessimistic = f"pessimistic estimate {search.bytes / KB:,.0f} KB"
    if largest := search.largest_query:
        return f'largest real query, "{largest.query}"; {pessimistic}'
    return f"{pessimistic}; real queries: {search.queries_note}" if search.queries_note else pessimistic


def _wall(key: str) -> Callable[[Result], float | None]:
    def wall(result: Result) -> float | None:
        row = result.row(key)
        return row.run.wall if row else None
    return wall


TARGETS = (
    Target("naive", "full pipeline time / naive MkDocs", 1_000, 0.40, "×", _ratio("naive")),
    Target("zensical", "full pipeline time / Zensical", 1_000, 0.50, "×", _ratio("zensical")),
    Target("floor", "full pipeline time / Python-Markdown floor", 1_000, 1.3, "×", _ratio("floor")),
    Target("memory", "peak memory of all the pipeline's processes", 5_000, 1_024, "MB", _pipeline_memory),
    Target("memory", "peak memory of all the pipeline's processes", 20_000, 2_048, "MB", _pipeline_memory),
    Target("search", "first search query (the largest real query; the pessimistic estimate when real queries are not measured)",
           20_000, 1_024, "KB", _first_query, _first_query_detail),
    Target("one-edit", "one article edited, rebuild", 5_000, 10, "s", _wall("one-edit")),
    Target("validate", "guidesite validate", 5_000, 5, "s", _wall("validate")),
    Target("validate-warm", "guidesite validate of a one-article change, warm cache (issue 27)", 5_000, 1, "s", _wall("validate-warm")),
    Target("validate-warm", "guidesite validate of a one-article change, warm cache (issue 27)", 20_000, 2, "s", _wall("validate-warm")),
)
"""The measurable goals of issue 17 ("100,000 articles: bounded memory, builds sharded over CI
machines, one-edit rebuilds in seconds"), besides linear growth (``LINEAR``)."""


def targets(results: list[Result]) -> list[str]:
    """One line per target of issue 17: met (✓) or not (✗) and by how much, when its N was measured."""
    by_n = {r.n: r for r in results}
    out = ["## Targets (issue 17)", ""]
    for target in TARGETS:
        line = f"- {target.what} ≤ {_number(target.limit, target.unit)} at {target.n:,} articles: "
        if target.n not in by_n:
            line += f"not measured (no run at {target.n:,})"
        else:
            verdict = target.verdict(by_n[target.n])
            line += verdict or "no value (a contender it needs did not run or failed)"
            if verdict and target.detail and (detail := target.detail(by_n[target.n])):
                line += f"; {detail}"
        out.append(line)
    line = f"- time per article growing linearly (at the largest N / at 5,000, or the smallest N; ≤ {LINEAR:.2f}× taken as linear): "
    growth = _growth(results, "pipeline")
    if growth is None:
        line += "not measured (needs the pipeline at two sizes)"
    else:
        large, base, ratio = growth
        line += f"{large:,} / {base:,}: " + _verdict(ratio, LINEAR, "×")
    out.append(line)
    return out


def _verdict(value: float, limit: float, unit: str) -> str:
    margin = abs(value / limit - 1) * 100 if limit else 0.0
    if value <= limit:
        return f"✓ {_number(value, unit)} ({margin:.0f}% under)"
    return f"✗ {_number(value, unit)} ({margin:.0f}% over)"


def _number(value: float, unit: str) -> str:
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "s":
        return f"{value:,.1f} s"
    return f"{value:,.0f} {unit}"


def _tree_bytes(run: Run) -> int:
    """Peak memory of all the command's processes, or of its one process where that is not sampled."""
    return run.peak_tree or run.peak_rss


def _scaling_base(ns: list[int]) -> int:
    """The size time per article is compared with: 5,000 when measured below the largest, else the smallest."""
    return 5_000 if 5_000 in ns and 5_000 < max(ns) else min(ns)


def _growth(results: list[Result], key: str) -> tuple[int, int, float] | None:
    """(largest N, base N, time per article at the largest / at the base) for a contender measured at both."""
    per = {r.n: row.run.wall / r.n for r in results if (row := r.row(key))}
    if len(per) < 2:
        return None
    large, base = max(per), _scaling_base(list(per))
    return large, base, per[large] / per[base]


# --- the estimate for 100,000 ------------------------------------------------------

@dataclass
class Estimate:
    """A quantity measured at two sizes and extrapolated with a power law ``v = a·N^b`` through them."""

    what: str
    unit: str
    n1: int
    v1: float
    n2: int
    v2: float

    @property
    def b(self) -> float:
        return math.log(self.v2 / self.v1) / math.log(self.n2 / self.n1)

    @property
    def a(self) -> float:
        return self.v2 / self.n2 ** self.b

    def at(self, n: int = ESTIMATE_AT) -> float:
        return self.v2 * (n / self.n2) ** self.b


def estimates(results: list[Result]) -> list[Estimate]:
    """The pipeline's wall time, peak memory (all processes), first search query and one-edit rebuild,
    extrapolated from the two largest sizes at which each was measured."""
    quantities: tuple[tuple[str, str, Callable[[Result], float | None]], ...] = (
        ("pipeline wall time", "s", _wall("pipeline")),
        ("pipeline peak memory, all processes", "MB", _pipeline_memory),
        ("first search query (pessimistic)", "KB", _pessimistic_query),
        ("first search query (typical)", "KB", _typical_query),
        ("first search query (largest real query)", "KB", _real_query),
        ("one article edited, rebuild", "s", _wall("one-edit")),
    )
    out = []
    for what, unit, value in quantities:
        points = {}
        for result in sorted(results, key=lambda r: r.n):  # a size measured twice: the last run counts
            if (v := value(result)) is not None and v > 0:
                points[result.n] = v
        if len(points) >= 2:
            (n1, v1), (n2, v2) = sorted(points.items())[-2:]
            out.append(Estimate(what, unit, n1, v1, n2, v2))
    return out


def _typical_query(result: Result) -> float | None:
    pipeline = result.row("pipeline")
    search = pipeline.output.search if pipeline and pipeline.output else None
    return search.typical_bytes / KB if search and search.typical_bytes is not None else None


def _estimate_section(results: list[Result]) -> list[str]:
    found = estimates(results)
    if not found:
        return []
    pairs = sorted({(e.n1, e.n2) for e in found}, key=lambda p: (-p[1], -p[0]))
    sizes = "; ".join(f"{n1:,} and {n2:,}" for n1, n2 in pairs)
    out = [f"## Estimate for {ESTIMATE_AT:,} articles (from {sizes}; not measured)", "",
           f"An extrapolation, not a measurement: each quantity is fitted with a power law v = a·N^b through the two "
           f"largest sizes at which it was measured, and the curve is followed to {ESTIMATE_AT:,}. b = 1 is linear "
           f"growth; two points cannot show a change of trend, and small sizes are dominated by fixed costs.", "",
           f"| quantity | measured at N1 | measured at N2 | b | at {ESTIMATE_AT:,} (extrapolated) |", "|---|---:|---:|---:|---:|"]
    for e in found:
        b = f"{e.b:.2f}".replace("-0.00", "0.00")
        out.append(f"| {e.what} | {_number(e.v1, e.unit)} at {e.n1:,} | {_number(e.v2, e.unit)} at {e.n2:,} | {b} | {_number(e.at(), e.unit)} |")
    return out


# --- the report -------------------------------------------------------------------

def report(results: list[Result], versions: dict[str, str], machine: str) -> str:
    lines = ["# guidesite benchmark", "", f"- when: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
             f"- machine: {machine}", "- versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
             f"- guidesite: {_commit()}", "- one run per cell; every contender builds the same generated content", ""]
    for result in results:
        lines += _table(result) + [""] + _ratios(result) + [""]
    if len({r.n for r in results}) > 1:
        lines += _scaling(results) + [""]
        if estimate := _estimate_section(results):
            lines += estimate + [""]
    lines += targets(results) + [""]
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
        per_article = f"{run.wall / n * 1000:.1f}" if row.command.per_article else "—"
        search = _search_cell(output.search) if output and output.search else "—"
        out.append(f"| {label} | {run.wall:.1f} | {per_article} | {_memory(run)} | {size} | {largest} | {search} | {_cell(row.note)} |")
    return out


def _search_cell(cost: SearchCost) -> str:
    typical = f"typical {cost.typical_bytes / KB:,.0f} KB; " if cost.typical_bytes is not None else ""
    bundles = f", {cost.bundles} bundle{'s' if cost.bundles != 1 else ''}" if cost.bundles is not None else ""
    real = f"; {text}" if (text := _real_text(cost)) else ""
    return f"{cost.bytes / KB:,.0f} KB ({typical}gzip {cost.gzip_bytes / KB:,.0f} KB; {cost.method}{bundles}{real})"


def _real_text(cost: SearchCost) -> str:
    """The real queries (measure.QUERIES): the largest, and typed letter by letter when that loads more; or why not."""
    if (largest := cost.largest_query) is None:
        return f"real queries: {cost.queries_note}" if cost.queries_note else ""
    text = f'real queries: up to {largest.bytes / KB:,.0f} KB for "{largest.query}"'
    typed = max(cost.queries, key=lambda q: q.typed_bytes or 0)
    if typed.typed_bytes is not None and typed.typed_bytes > largest.bytes:
        text += f', {typed.typed_bytes / KB:,.0f} KB typed letter by letter ("{typed.query}")'
    return text


def _memory(run: Run) -> str:
    """Peak memory of the whole process tree (PSS, sampled) and, in brackets, of its largest process."""
    largest = f"{run.peak_rss / MB:,.0f}"
    return f"{run.peak_tree / MB:,.0f} ({largest})" if run.peak_tree else largest


def _target_cell(result: Result, measure: str) -> str:
    """The targets of issue 17 for one line of the ratios table, the one at this N marked met or not."""
    cells = []
    for target in (t for t in TARGETS if t.measure == measure):
        met = target.met(result) if target.n == result.n else None
        cells.append(target.limit_text() + ("" if met is None else " ✓" if met else " ✗"))
    return "; ".join(cells)


def _ratios(result: Result) -> list[str]:
    pipeline = result.row("pipeline")
    out = ["| measure | value | target (issue 17) |", "|---|---:|---|"]
    for key, label in (("naive", "naive MkDocs"), ("zensical", "Zensical"), ("floor", "Python-Markdown floor")):
        other = result.row(key)
        value = f"{pipeline.run.wall / other.run.wall:.2f}×" if pipeline and other else "—"
        out.append(f"| pipeline time / {label} | {value} | {_target_cell(result, key)} |")
    if pipeline:
        output = pipeline.output
        out.append(f"| pipeline peak memory, all its processes (largest one) | {_memory(pipeline.run)} MB | {_target_cell(result, 'memory')} |")
        if output and output.largest_page is not None:
            out.append(f"| largest article page | {output.largest_page / KB:.1f} KB (`{output.largest_page_path}`) | — (issue 6: ≤ 40 KB) |")
        if output and output.search:
            search = output.search
            notes = ([f"typical {search.typical_bytes / KB:,.0f} KB"] if search.typical_bytes is not None else []) + \
                    ([text] if (text := _real_text(search)) else [])
            extra = f" ({'; '.join(notes)})" if notes else ""
            out.append(f"| first search query | {search.bytes / KB:,.0f} KB pessimistic{extra} | {_target_cell(result, 'search')} |")
    if edited := result.row("one-edit"):
        found = "" if edited.edit is None or edited.edit.found else " (edit not found in the page)"
        out.append(f"| one article edited, rebuild | {edited.run.wall:.1f} s{found} | {_target_cell(result, 'one-edit')} |")
    if validate := result.row("validate"):
        out.append(f"| guidesite validate | {validate.run.wall:.1f} s | {_target_cell(result, 'validate')} |")
    return out


def _scaling(results: list[Result]) -> list[str]:
    ordered = sorted(results, key=lambda r: r.n)
    large, base = ordered[-1].n, _scaling_base([r.n for r in ordered])
    out = [f"## Scaling: time per article at {large:,} / at {base:,} (issue 17: growing linearly; ≤ {LINEAR:.2f}× taken as linear)", "",
           "| contender | " + " | ".join(f"ms / article at {r.n:,}" for r in ordered) + " | ratio |",
           "|---|" + "---:|" * (len(ordered) + 1)]
    for key in contenders.KEYS:
        commands = [row.command for r in ordered for row in r.rows if row.command.key == key]
        if not commands or not commands[0].per_article:
            continue
        cells, per = [], {}
        for r in ordered:
            row = r.row(key)
            if row:
                per[r.n] = row.run.wall / r.n
            cells.append(f"{per[r.n] * 1000:.1f}" if r.n in per else "—")
        if not per:
            continue
        ratio = f"{per[large] / per[base]:.2f}×" if base in per and large in per else "—"
        out.append(f"| {commands[0].label} | " + " | ".join(cells) + f" | {ratio} |")
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
