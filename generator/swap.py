"""Putting a freshly built folder where the old one is, with no moment when neither is there.

Builds, assembly and publishing all end here; it sits below them so none of them imports another
for it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def replace_atomically(target: Path, fresh: Path) -> None:
    """Put ``fresh`` where ``target`` is, with no moment when ``target`` is missing.

    Files whose bytes did not change keep their inode and modification time
    (hard links into the new tree), so rsync and HTTP caches see only what
    changed.  On Linux the two folders are exchanged in one system call
    (renameat2 RENAME_EXCHANGE); elsewhere the old folder is renamed aside
    just before the new one takes its place.
    """
    readable(fresh)
    if target.is_dir() and not target.is_symlink():
        _keep_unchanged(target, fresh)
        if _exchange(fresh, target):
            shutil.rmtree(fresh, ignore_errors=True)  # fresh now holds the old tree
            return
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.replace(target, old)
    os.replace(fresh, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def readable(folder: Path) -> None:
    """Give a folder made by mkdtemp (mode 0700) the permissions the umask allows, so that a web
    server running as another user can read the site."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)


def _keep_unchanged(old: Path, new: Path) -> None:
    for path in new.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        before = old / path.relative_to(new)
        try:
            stat = before.stat()
            mine = path.stat()
            if (stat.st_dev, stat.st_ino) == (mine.st_dev, mine.st_ino):
                continue  # kept from the last build: already the same file (renaming a link onto it would do nothing)
            if before.is_symlink() or stat.st_size != path.stat().st_size or before.read_bytes() != path.read_bytes():
                continue
            link = path.with_name(path.name + ".same")
            os.link(before, link)
            os.replace(link, path)
        except OSError:
            continue  # a changed, missing or unlinkable file: the new copy stands


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    if sys.platform != "linux":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
