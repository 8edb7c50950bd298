"""Finding article files, and refusing links, pipes and devices without opening them."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path


from ..errors import Problem, display_path
from ..model.blocks import IMAGE_NAME_PATTERN
from ..model.fields import SLUG_PATTERN

ARTICLE_SUFFIXES = (".yaml", ".yml")

_SLUG = re.compile(SLUG_PATTERN)
"""The model's slug pattern (file and folder names become URLs)."""

_IMAGE_NAME = re.compile(IMAGE_NAME_PATTERN)
"""The model's image file name pattern: a slug with .png, .jpg, .jpeg or .webp, never a path."""


def find_articles(content_dir: Path) -> list[Path]:
    """Every regular ``*.yaml`` file below ``content_dir``, in a stable order.

    Symbolic links are neither followed nor read, nor are named pipes or
    devices: :func:`layout_problems` reports them.
    """
    return sorted(_walk_content(content_dir, content_dir)[1])


def layout_problems(root: Path, content_dir: Path) -> list[Problem]:
    """Files and folders of ``content/`` that are not ``<specialty>/<id>.yaml``.

    Names become URLs and output paths, so each must be a lower-case slug; a
    symbolic link could make the build read (and print) a file from anywhere,
    and a named pipe would hang it; an article at the wrong depth or with an
    upper-case extension would be left out or misfiled without a word.
    """
    return _walk_content(root, content_dir)[0]


class _Name:
    """An entry's path as the walk reads it (suffix, stem): pathlib only for the files it keeps."""

    __slots__ = ("full", "name", "stem", "suffix")

    def __init__(self, full: str, name: str):
        self.full, self.name = full, name
        self.stem, self.suffix = os.path.splitext(name)

    def __fspath__(self) -> str:
        return self.full


def _walk_content(root: Path, content_dir: Path) -> tuple[list[Problem], list[Path]]:
    """``(problems of the layout, regular article files)`` of ``content_dir``, from directory entries alone.

    Each entry's type comes with the folder listing (``scandir``), so telling a
    link or a pipe from a file costs no extra system call and opens nothing.

    A folder beside an article and named like it (``content/<specialty>/<id>/``
    next to ``<id>.yaml``) holds that article's images: only regular files
    named as the model's ``figure.image`` allows may be in it (an SVG, a GIF,
    a stray note or a sub-folder would be published nowhere, or worse).
    """
    problems: list[Problem] = []
    files: list[Path] = []

    def visit(folder: Path, depth: int, images_of: str | None = None) -> None:  # depth: of the entries of this folder
        # images_of: for an article's image folder, the article file it belongs to ("" for a folder with no article)
        try:
            folders, others = _entries(folder)
        except FileNotFoundError:
            return
        except OSError as exc:
            problems.append(Problem(_shown(folder, root), 1, 1, "", f"expected a folder that can be read; got an error: {exc.strerror or exc}"))
            return
        articles_here = {os.path.splitext(e.name)[0]: e.name for e in others
                         if os.path.splitext(e.name)[1] in ARTICLE_SUFFIXES and e.is_file(follow_symlinks=False)}
        for entry in folders + others:
            name = entry.name
            path = _Name(entry.path, name)
            if entry.is_symlink():
                message = "expected a regular file or folder; got a symbolic link (content must not point outside content/)"
            elif entry in folders:
                if images_of:
                    message = f"expected only image files in the folder of {images_of}; got a folder (its files would be published nowhere)"
                elif depth != 1 or _SLUG.match(name):
                    continue
                else:
                    message = f"expected a specialty folder named in lower-case words joined by hyphens; got '{name}'"
            elif not entry.is_file(follow_symlinks=False):
                message = f"expected a regular file or folder; got {_entry_kind(entry)}"
            elif path.suffix.lower() in ARTICLE_SUFFIXES and path.suffix not in ARTICLE_SUFFIXES:
                message = f"expected the extension .yaml; got '{path.suffix}' (the article would be left out)"
            elif path.suffix in ARTICLE_SUFFIXES:
                files.append(Path(path.full))
                if depth != 2:
                    message = f"expected content/<specialty>/<id>.yaml; got a file {depth - 1} folder(s) below content/"
                elif not _SLUG.match(path.stem):
                    message = f"expected a file name of lower-case words joined by hyphens, such as 'cervical-cancer.yaml'; got '{name}'"
                else:
                    continue
            elif images_of == "":
                message = (f"expected images only in the folder of an article (content/<specialty>/<id>/ beside <id>.yaml); "
                           f"there is no article '{folder.name}.yaml' beside this folder")
            elif images_of:
                message = image_file_name_problem(name, images_of)
                if message is None:
                    continue
            else:
                continue
            problems.append(Problem(_shown(path, root), 1, 1, "", message))
        for entry in folders:
            inner = None
            if depth == 2:
                owner = articles_here.get(entry.name)
                inner = f"{Path(entry.path).parent.name}/{owner}" if owner else ""
            visit(Path(entry.path), depth + 1, inner)

    visit(Path(content_dir), 1)
    return problems, files


def image_file_name_problem(name: str, article: str) -> str | None:
    """What is wrong with a file name in an article's image folder (None: a name a figure may use)."""
    if _IMAGE_NAME.fullmatch(name):
        return None
    suffix = Path(name).suffix.lower()
    if suffix == ".svg":
        return ("expected a PNG, JPEG or WebP image; got an SVG file, which can carry scripts and fetch other files "
                "(export it as PNG or WebP)")
    if suffix in (".png", ".jpg", ".jpeg", ".webp"):
        return f"expected an image file name of lower-case words joined by hyphens, such as 'step-chart.png'; got '{name}'"
    return (f"expected only PNG, JPEG or WebP images (.png, .jpg, .jpeg, .webp) in the folder of {article}; "
            f"got '{name}' (remove it: nothing else is published from here)")


def _entries(folder: Path) -> tuple[list[os.DirEntry], list[os.DirEntry]]:
    """The real folders and every other entry of ``folder``, each by name; a link to a folder is an "other"."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    folders = [entry for entry in entries if entry.is_dir(follow_symlinks=False)]
    return folders, [entry for entry in entries if not entry.is_dir(follow_symlinks=False)]


def _entry_kind(entry: os.DirEntry) -> str:
    if entry.is_symlink():
        return "a symbolic link"
    try:
        return file_kind(entry.stat(follow_symlinks=False).st_mode) or "a regular file"
    except OSError:
        return "not a regular file"


def file_kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (from ``lstat``); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _special_entries(root: Path, folder: Path, expected: str) -> list[Problem]:
    """A problem for each symbolic link or special file (pipe, device, socket) anywhere below ``folder``.

    Links are reported, not followed, whether they point inside the project or
    not: what MkDocs and Jinja read from ``theme/`` must be the project's own files.
    """
    out: list[Problem] = []
    try:
        folders, others = _entries(folder)
    except FileNotFoundError:
        return out
    except OSError as exc:
        return [Problem(_shown(folder, root), 1, 1, "", f"expected a folder that can be read; got an error: {exc.strerror or exc}")]
    for entry in others:
        if not entry.is_file(follow_symlinks=False):
            shown = _shown(Path(entry.path), root)
            out.append(Problem(shown, 1, 1, "", f"{expected}; {shown} is {_entry_kind(entry)}"))
    for entry in folders:
        out += _special_entries(root, Path(entry.path), expected)
    return out


def _top_folder(root: Path, folder: Path) -> Problem | None:
    """A problem when one of the project's folders is itself a link or a special file (a missing one is for others to report)."""
    try:
        kind = file_kind(os.lstat(folder).st_mode)
    except OSError:
        return None
    if kind == "a folder":
        return None
    shown = _shown(folder, root)
    return Problem(shown, 1, 1, "", f"expected a folder; {shown} is {kind or 'a regular file'}")


def _link_on_the_way(root: Path, path: Path) -> Path | None:
    """The first symbolic link on the way from the project folder down to ``path`` (``path`` included)."""
    try:
        relative = Path(path).absolute().relative_to(Path(root).absolute())
    except ValueError:
        return Path(path) if Path(path).is_symlink() else None
    current = Path(root).absolute()
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


class _NotRegular(Exception):
    def __init__(self, kind: str):
        self.kind = kind


class _TooLarge(Exception):
    def __init__(self, size: int):
        self.size = size


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
"""Even if a file is swapped for a link or a pipe after it was checked, opening it neither follows nor waits."""


def read_regular_file(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file; a symbolic link, pipe, device or folder raises ``_NotRegular`` unopened.

    ``lstat`` decides before anything is opened; the open refuses links
    (``O_NOFOLLOW``) and does not wait on a pipe (``O_NONBLOCK``), and what was
    opened is checked again, so no byte of a link's target is ever read.
    """
    kind = file_kind(os.lstat(path).st_mode)
    if kind:
        raise _NotRegular(kind)
    return _open_and_read(path, limit)


def _open_and_read(name: str | Path, limit: int | None, dir_fd: int | None = None) -> bytes:
    """Open without following a link or waiting on a pipe, check again what was opened, then read."""
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise _NotRegular("a symbolic link") from None
        raise
    with open(fd, "rb", buffering=0) as file:
        info = os.fstat(fd)
        kind = file_kind(info.st_mode)
        if kind:
            raise _NotRegular(kind)
        if limit is not None and info.st_size > limit:
            raise _TooLarge(info.st_size)
        return file.readall()


def read_in_folder(folder: Path, name: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``name`` directly inside ``folder``; nothing outside it is ever opened.

    ``name`` must be a bare file name (no separator, not ``.`` or ``..``), so no
    path can be spelled through it; the folder is opened without following a
    link (``O_NOFOLLOW``) and the file is opened relative to it, also without
    following one.  A link, pipe or device (the folder or the file) raises
    ``_NotRegular`` unopened; a file over ``limit`` bytes raises ``_TooLarge`` unread.
    """
    if not name or name in (".", "..") or any(c in name for c in "/\\\0"):
        raise ValueError(f"expected a bare file name; got {name!r}")
    try:
        folder_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise _NotRegular("a symbolic link") from None
        if exc.errno == errno.ENOTDIR:
            raise _NotRegular(file_kind(os.lstat(folder).st_mode) or "a regular file") from None
        raise
    try:
        kind = file_kind(os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode)
        if kind:
            raise _NotRegular(kind)
        return _open_and_read(name, limit, dir_fd=folder_fd)
    finally:
        os.close(folder_fd)


def regular_files_in(folder: Path) -> list[str]:
    """Names of the regular files directly in ``folder`` (none if it is missing, or is not a real folder)."""
    try:
        if file_kind(os.lstat(folder).st_mode) != "a folder":
            return []
        _, others = _entries(folder)
    except OSError:
        return []
    return [entry.name for entry in others if entry.is_file(follow_symlinks=False)]


def _shown(path: Path, root: Path | None) -> str:
    """Like display_path, without following a symbolic link to where it points."""
    text, base = os.fspath(path), os.fspath(root) if root is not None else os.getcwd()
    if os.path.isabs(text) and os.path.isabs(base) and ".." not in text.split(os.sep):  # the common case, without pathlib
        prefix = base.rstrip(os.sep) + os.sep
        if text.startswith(prefix):
            return text[len(prefix):].replace(os.sep, "/")
    path = Path(path)
    try:
        return path.absolute().relative_to(Path(root or Path.cwd()).absolute()).as_posix()
    except ValueError:
        pass
    # Reached through a different spelling of the project folder: resolve the folder, never the file itself.
    parent = display_path(path.parent, root)
    return path.name if parent == "." else f"{parent}/{path.name}"
