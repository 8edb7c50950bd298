"""Worker processes for the stages that use every core (validate, render, build).

On Linux a worker is forked: it starts with everything imported and the
parent's data in memory, so only small results travel back.  Elsewhere
(macOS, Windows) forking is unsafe or absent and workers start afresh.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

CAN_FORK = sys.platform.startswith("linux")
"""Whether workers are forked (and so inherit the parent's data)."""


def usable_cpus() -> int:
    """Cores this process may run on (a container or ``taskset`` may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def process_pool(workers: int, *, initializer: Any = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, forked where that is safe, that die with the build
    (a ``kill -9`` of the build must not leave workers running)."""
    context = multiprocessing.get_context("fork") if CAN_FORK else multiprocessing.get_context()
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(initializer, initargs))


def fresh_process_pool(workers: int, *, preload: list[str]) -> ProcessPoolExecutor:
    """A pool whose every task runs in a new process that did not inherit this one's memory.

    On Linux the processes are forked from a small server started afresh (``forkserver``), which has
    imported only ``preload``: a worker then holds what its own task builds, not a copy of what the
    build's main process held before (the typed articles of a large site), and a task never inherits
    what an earlier one left behind.  Nothing of this process reaches them: a task is given what it
    needs, environment included.  Elsewhere: fresh processes as the platform starts them.
    """
    if CAN_FORK:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(preload)
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(None, ()), max_tasks_per_child=1)


def _start(initializer: Any, initargs: tuple) -> None:
    die_with_parent()
    if initializer is not None:
        initializer(*initargs)


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG); nothing elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def release_memory() -> None:
    """Collect, then hand freed heap memory back to the system (glibc keeps it otherwise) before the
    build's worker processes start: they would share it for nothing."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
