"""Worker processes for the stages that use every core (validate, render, build).

On Linux a worker is forked: it starts with everything imported and the
parent's data in memory, so only small results travel back.  Elsewhere
(macOS, Windows) forking is unsafe or absent and workers start afresh.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

CAN_FORK = sys.platform.startswith("linux")
"""Whether workers are forked (and so inherit the parent's data)."""

LINUX = sys.platform.startswith("linux")

FORKSERVER_OF = "GUIDESITE_FORKSERVER_OF"
"""Set (to the build's process id) only while :func:`fresh_process_pool` starts multiprocessing's
forkserver: the forkserver, which imports this module first, then asks to die with the build."""


def usable_cpus() -> int:
    """Cores this process may run on (a container or ``taskset`` may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def process_pool(workers: int, *, initializer: Any = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, forked where that is safe, that die with the build
    (a ``kill -9`` of the build must not leave workers running)."""
    context = multiprocessing.get_context("fork") if CAN_FORK else multiprocessing.get_context()
    _prctl()  # looked up here, not in the forked workers (dies_with_this_process says why)
    # The workers are forked by the thread that submits the first task (ProcessPoolExecutor forks them
    # all then, before its own thread starts): the caller, which holds the pool until it is done.
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(initializer, initargs, os.getpid()))


def fresh_process_pool(workers: int, *, preload: list[str]) -> ProcessPoolExecutor:
    """A pool whose every task runs in a new process that did not inherit this one's memory.

    On Linux the processes are forked from a small server started afresh (``forkserver``), which has
    imported only ``preload``: a worker then holds what its own task builds, not a copy of what the
    build's main process held before (the typed articles of a large site), and a task never inherits
    what an earlier one left behind.  Nothing of this process reaches them: a task is given what it
    needs, environment included.  Elsewhere: fresh processes as the platform starts them.

    Every process of the pool dies with this one, even by ``kill -9`` (:func:`_start_forkserver`).
    """
    if CAN_FORK:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__, *preload])  # this module first: it arms the server
        _start_forkserver()
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(None, (), None), max_tasks_per_child=1)


# How a killed build takes its forkserver's processes with it (Linux).
#
# The forkserver is started by multiprocessing, not forked by a pool, so nothing asked it to die with
# the build; and its workers are its children, so their PR_SET_PDEATHSIG (_start) fires only when *it*
# dies.  Left alone, a kill -9 of the build leaves them all running under PID 1, each waiting for
# the others: the forkserver exits when every holder of its "alive" pipe has closed it, and every
# worker holds it (multiprocessing hands it to each), while the workers wait for tasks on a queue
# whose writing end they hold themselves.
#
# So the forkserver asks for PR_SET_PDEATHSIG itself, as the first thing it does: it imports this
# module before any other (the preload list) and, seeing FORKSERVER_OF, which this process sets for
# the moment it starts the server only, calls die_with_parent.  Then a killed build kills the
# forkserver, which kills its workers.  The resource tracker (multiprocessing's, started beside the
# forkserver) is left as it is: it reads a pipe that the build, the forkserver and its workers hold,
# and when they are all gone it unlinks the semaphores they left and exits by itself (killed, it
# would leave them in /dev/shm).
#
# PR_SET_PDEATHSIG fires when the *thread* that started the child ends, not the process: the server
# is started here, from the main thread (which lasts as long as the build), or, when a pool is made
# in another thread, from a thread kept for it that never ends (_in_keeper).

_forkserver_lock = threading.Lock()
_forkserver_pid: int | None = None
"""In a forkserver started by :func:`_start_forkserver` and in its workers: the forkserver's process id."""


def _start_forkserver() -> None:
    from multiprocessing import forkserver, resource_tracker

    def start() -> None:
        resource_tracker.ensure_running()  # before the flag is set: the tracker must not see it
        with _forkserver_lock:
            os.environ[FORKSERVER_OF] = str(os.getpid())
            try:
                forkserver.ensure_running()  # nothing if it runs already
            finally:
                os.environ.pop(FORKSERVER_OF, None)

    if threading.current_thread() is threading.main_thread():
        start()
    else:
        _in_keeper(start)


_keeper: queue.SimpleQueue | None = None
_keeper_lock = threading.Lock()


def _in_keeper(task: Callable[[], None]) -> None:
    """Run ``task`` in a thread that lasts as long as this process (started on first use), and wait."""
    global _keeper
    with _keeper_lock:
        if _keeper is None:
            _keeper = queue.SimpleQueue()
            threading.Thread(target=_keep, args=(_keeper,), name="forkserver-keeper", daemon=True).start()
    outcome: list[BaseException | None] = []
    done = threading.Event()
    _keeper.put((task, outcome, done))
    done.wait()
    if outcome[0] is not None:
        raise outcome[0]


def _keep(requests: queue.SimpleQueue) -> None:
    while True:
        task, outcome, done = requests.get()
        try:
            task()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            outcome.append(exc)
        done.set()


def _arm_forkserver() -> None:
    """In a forkserver that :func:`_start_forkserver` started (its preload imports this module):
    die with the build."""
    global _forkserver_pid
    if "multiprocessing.forkserver" not in sys.modules or FORKSERVER_OF not in os.environ:
        return
    build = os.environ.pop(FORKSERVER_OF)  # the server's workers, forked from it, must not see it
    _forkserver_pid = os.getpid()
    if build.isdigit():
        die_with_parent(int(build))


def _start(initializer: Any, initargs: tuple, parent: int | None) -> None:
    # A forkserver's worker is the forkserver's child: it dies with the server, which dies with the build.
    die_with_parent(parent if parent is not None else _forkserver_pid)
    if initializer is not None:
        initializer(*initargs)


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG); nothing elsewhere.

    ``parent``: the process id of the parent this process was started by.  If it is no longer the
    parent, it died before the request was made (the kernel then never sends the signal), and this
    process is killed now as it would have been.
    """
    prctl = _prctl()
    if prctl is None:
        return
    prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


def dies_with_this_process() -> Callable[[], None] | None:
    """A ``preexec_fn`` for :class:`subprocess.Popen` (``None`` off Linux): the program it starts is
    killed when this process dies, ``kill -9`` included (the setting is kept through ``exec``).

    It fires when the *thread* calling Popen ends: call it from the main thread or one that waits
    for the program.  What the child runs between fork and exec is resolved here, beforehand: a
    library loaded in the child of a process with threads could wait for a lock no thread will free.
    """
    if _prctl() is None:
        return None
    parent = os.getpid()
    return lambda: die_with_parent(parent)


_prctl_function: list[Any] = []


def _prctl() -> Any:
    """libc's ``prctl`` (looked up once), or ``None`` off Linux or without it."""
    if not _prctl_function:
        function = None
        if LINUX:
            try:
                import ctypes

                function = ctypes.CDLL(None, use_errno=True).prctl
            except (OSError, AttributeError):
                function = None
        _prctl_function.append(function)
    return _prctl_function[0]


def release_memory() -> None:
    """Collect, then hand freed heap memory back to the system (glibc keeps it otherwise) before the
    build's worker processes start: they would share it for nothing."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


_arm_forkserver()
