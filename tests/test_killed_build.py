"""Nothing outlives a killed build: a ``kill -9`` of ``guidesite build`` takes every process it started
with it (worker processes, multiprocessing's forkserver and resource tracker, Pagefind), whatever it
was doing, and the next build cleans what the killed one left and succeeds.

The build runs in a session of its own; only its main process is killed (as ``kill -9 PID`` or the
OOM killer would), and the session is then watched until none of its processes is left.  Each kill
waits for a state seen from outside (a kind of process appearing), never for a time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, TODAY_EPOCH

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and relies on Linux's PR_SET_PDEATHSIG")

ARTICLES = 400
"""Enough for every stage that uses worker processes to use them (validation and rendering from 200
articles, MkDocs in parts from 300 pages), and few enough for a quick build."""

REACH = 300.0
"""Most seconds a build may take to reach a stage (a loaded machine is slow; reaching it ends the wait)."""

GONE = 30.0
"""Most seconds the processes of a killed build may take to go (they go at once; the deadline only
bounds a failing test)."""


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    session: int
    state: str
    cmdline: tuple[str, ...]

    def runs(self, program: str) -> bool:
        """Whether this is ``program`` (``python -m program`` or an executable of that name)."""
        args = self.cmdline[:3]
        return program in args or any(os.path.basename(arg) == program for arg in args)

    @property
    def forkserver(self) -> bool:
        return any("multiprocessing.forkserver" in arg for arg in self.cmdline)

    @property
    def resource_tracker(self) -> bool:
        return any("multiprocessing.resource_tracker" in arg for arg in self.cmdline)

    def __str__(self) -> str:
        return f"{self.pid} (parent {self.ppid}, {self.state}): {' '.join(self.cmdline)[:160]}"


def session_processes(session: int) -> list[Proc]:
    """The live processes (zombies excepted: they hold nothing) of a session."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                args = tuple(arg.decode(errors="replace") for arg in cmdline.read().split(b"\0") if arg)
        except OSError:  # gone meanwhile
            continue
        state, ppid, sid = fields[0].decode(), int(fields[1]), int(fields[3])
        if sid == session and state not in ("Z", "X"):
            found.append(Proc(int(entry.name), ppid, sid, state, args))
    return found


# --- the stages a build is killed in, as /proc shows them --------------------------------------


def validation_workers(build: int, processes: list[Proc]) -> bool:
    """Early: the build's own forked workers (validating or rendering) run, MkDocs has not started."""
    me = next((p for p in processes if p.pid == build), None)
    forked = [p for p in processes if me and p.ppid == build and p.cmdline == me.cmdline]
    return bool(forked) and not any(p.forkserver for p in processes)


def mkdocs_workers(build: int, processes: list[Proc]) -> bool:
    """The forkserver's workers build the site's parts with MkDocs."""
    servers = {p.pid for p in processes if p.forkserver}
    return any(p.ppid in servers for p in processes)


def pagefind(build: int, processes: list[Proc]) -> bool:
    """Pagefind indexes the built pages."""
    return any(p.runs("pagefind") for p in processes)


STAGES: dict[str, Callable[[int, list[Proc]], bool]] = {
    "while its forked workers validate or render": validation_workers,
    "while the forkserver's workers run MkDocs": mkdocs_workers,
    "while Pagefind indexes": pagefind,
}


# --- running and killing a build ----------------------------------------------------------------


def build_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "guidesite", "--project", str(root), "build", "--no-history"]


def environment() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": TODAY_EPOCH}


def kill_when(root: Path, reached: Callable[[int, list[Proc]], bool]) -> tuple[list[Proc], list[Proc]]:
    """Start a build of ``root`` in a session of its own, ``kill -9`` its main process once ``reached``
    says so, and wait for the session to empty.  What ran when it was killed, and what is left."""
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would stop the build
    process = subprocess.Popen(build_command(root), env=environment(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=errors, start_new_session=True)
    session = process.pid  # a session leader's id is the session's
    try:
        deadline = time.monotonic() + REACH
        while True:
            running = session_processes(session)
            if reached(process.pid, running):
                break
            if process.poll() is not None:
                errors.seek(0)
                pytest.fail(f"the build ended (exit {process.returncode}) before the stage was reached: {errors.read()[-2000:].decode()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the stage was not reached in {REACH:.0f} s")
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        left = session_processes(session)
        deadline = time.monotonic() + GONE
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = session_processes(session)
        return running, left
    finally:
        # Whatever the outcome, nothing of this test stays behind (the build's processes keep its
        # process group).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(session, signal.SIGKILL)
        process.wait()
        errors.close()


def scratch(root: Path) -> list[str]:
    """Temporary folders a build makes beside its output (removed when it ends, however it ends)."""
    names = [p.name for p in root.iterdir() if p.name.startswith(".") or "-part" in p.name]
    names += [f"build/{p.name}" for p in (root / "build").iterdir() if p.name != "docs"] if (root / "build").is_dir() else []
    return sorted(names)


@pytest.fixture
def large_project(tmp_path) -> Path:
    root = tmp_path / "project"
    subprocess.run([sys.executable, "-m", "benchmarks.generate", str(root), str(ARTICLES)], cwd=REPO, check=True, capture_output=True)
    return root


def test_nothing_outlives_a_killed_build_and_the_next_build_cleans_up(large_project):
    left_by_kills: list[str] = []
    for stage, reached in STAGES.items():
        running, left = kill_when(large_project, reached)
        assert not left, f"killed {stage}, {len(left)} of its processes still run:\n" + "\n".join(map(str, left))
        assert len(running) > 1, running
        left_by_kills += scratch(large_project)
    assert left_by_kills, "the killed builds left no temporary folder: the next build's clean-up was not put to the test"

    result = subprocess.run(build_command(large_project), env=environment(), capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (large_project / "site" / "pagefind" / "pagefind-entry.json").is_file()
    assert scratch(large_project) == []

    # A build killed after a good one, whose next build finds nothing to do (what the killed build
    # was made from is undone): the leftovers go all the same.
    config = large_project / "mkdocs.yml"
    original = config.read_bytes()
    config.write_bytes(original + b"\n# an edit that changes every page\n")
    _, left = kill_when(large_project, mkdocs_workers)
    assert not left, "\n".join(map(str, left))
    assert scratch(large_project)
    config.write_bytes(original)
    result = subprocess.run(build_command(large_project), env=environment(), capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Nothing changed" in result.stdout
    assert scratch(large_project) == []


RACE = """
import os, sys, time
from guidesite.pool import die_with_parent

parent = os.getpid()
if os.fork():
    os._exit(0)  # the parent is gone before its child asks to die with it
while os.getppid() == parent:
    time.sleep(0.01)
die_with_parent(parent)
open(sys.argv[1], "w").close()
"""


def test_a_process_whose_parent_died_before_it_asked_to_die_with_it_dies_at_once(tmp_path):
    # The kernel sends nothing to a process whose parent died before the request: it must see that.
    survived = tmp_path / "survived"
    # Returns when the child has closed its end of the output pipe, i.e. when it is gone.
    subprocess.run([sys.executable, "-c", RACE, str(survived)], cwd=REPO, capture_output=True, check=True, timeout=120)
    assert not survived.exists()
