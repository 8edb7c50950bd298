"""What ``guidesite validate`` found in each article file, kept so that an unchanged file is not read
as YAML, typed or checked again (issue 27, item 1: work proportional to the change).

An entry is the file's own problems and the little the checks across articles need of it
(``ArticleLinks``); the checks across articles (links, see-also, replacements) still run over every
file, every time.  An entry is keyed by the SHA-256 of the file's bytes, its path, the files of its image folder, and
everything else its checks read: the site's configuration (every file of ``site_config/``), guidesite's own code,
the article model's version, the versions of the libraries that check, and the day (some checks
depend on it).  Change any of these and every entry misses.

An entry is data, never trusted: it is JSON (never unpickled), it names the key it was written for
and is discarded unless that key is the one asked for, and anything in it that does not read as an
entry is discarded too; the file is then checked afresh.  Nothing here vouches for an approval:
validation reads approvals' form (reviewer ids, dates) and never their signatures, which ``check``
and every build verify each time.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from dataclasses import asdict
from datetime import date
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import Problem
from ..load import RawDocument
from ..model.article import MODEL_VERSION
from .article import ArticleLinks

def folder_for(root: Path) -> Path:
    """Where one project's entries live: in the user's cache (``GUIDESITE_CACHE``, else
    ``$XDG_CACHE_HOME/guidesite``, else ``~/.cache/guidesite``), never in the project, whose files a pull
    request controls (a cache it could write would vouch for its own files)."""
    base = os.environ.get("GUIDESITE_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "guidesite")
    project = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return Path(base) / "checks" / project


def usable_for(root: Path) -> bool:
    """Whether the cache may be used for this project: not when it would be inside the project (a home
    folder that is the project, a setting pointing into it), whose files a change controls and whose
    every file a review lists."""
    return not folder_for(root).resolve().is_relative_to(Path(root).resolve())

FORMAT = 1
"""The entries' own format; a change makes every entry miss."""

_PACKAGE = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """guidesite's own code: every module of the package, by content."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _library_versions() -> str:
    found = []
    for name in ("pydantic", "pydantic-core", "PyYAML", "Markdown", "pillow"):
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=none")
    return ";".join(found)


class ChecksCache:
    """The entries of one project, for one run (one configuration, one day)."""

    def __init__(self, root: Path, today: date | None):
        self.folder = folder_for(root)
        self._folder = os.fspath(self.folder)
        digest = hashlib.sha256()
        for part in (f"format {FORMAT}", f"guidesite {__version__}", f"model {MODEL_VERSION}", _code_digest(), _library_versions(),
                     f"python {platform.python_implementation()} {sys.version_info[:3]}", f"today {today}"):
            digest.update(part.encode() + b"\0")
        config = Path(root) / "site_config"
        for path in sorted(config.rglob("*")) if config.is_dir() else []:
            if path.is_file() and not path.is_symlink():
                digest.update(path.relative_to(config).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        self.context = digest.hexdigest()
        self.used: set[str] = set()

    def key(self, shown: str, raw: bytes, path: str | os.PathLike) -> str:
        """The entry of one article file: its bytes and path, and every file of its image folder
        (``content/<specialty>/<id>/``, beside it), whose images its figures are checked against."""
        digest = hashlib.sha256(self.context.encode() + b"\0" + shown.encode() + b"\0" + raw)
        folder = os.path.splitext(os.fspath(path))[0]
        if os.path.isdir(folder):
            with os.scandir(folder) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    digest.update(b"\0" + entry.name.encode("utf-8", "surrogateescape") + b"\0")
                    if entry.is_file(follow_symlinks=False):
                        with open(entry.path, "rb") as file:
                            digest.update(hashlib.sha256(file.read()).digest())
                    else:  # a link or a folder: its kind is part of what the checks see
                        digest.update(b"not a regular file")
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self._folder, key[:2], f"{key}.json")  # (no pathlib: thousands are asked for in a run)

    def get(self, key: str, shown: str, path: Path | None = None) -> tuple[list[Problem], ArticleLinks] | None:
        """The entry for ``key``; None (and the entry removed) when there is none or it does not read as one."""
        self.used.add(key)
        path = self._path(key)
        try:
            with open(path, "rb") as file:
                entry = json.loads(file.read())
            if entry.get("key") != key or entry.get("shown") != shown:
                raise ValueError("written for another key")
            return [Problem(**p) for p in entry["problems"]], _links(entry["links"], path)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            Path(path).unlink(missing_ok=True)  # not an entry of ours: check the file afresh
            return None

    def put(self, key: str, shown: str, problems: list[Problem], links: ArticleLinks) -> None:
        """Keep an entry (a folder that cannot be written keeps nothing, silently: the cache only saves time)."""
        self.used.add(key)
        path = Path(self._path(key))
        entry = {"key": key, "shown": shown, "problems": [asdict(p) for p in problems], "links": _links_data(links)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            temporary.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            temporary.replace(path)
        except OSError:
            pass

    def prune(self, used: set[str]) -> None:
        """Remove every entry no file of this run asked for (older versions of files, other days)."""
        if not self.folder.is_dir():
            return
        for sub in self.folder.iterdir():
            for path in sub.glob("*.json") if sub.is_dir() else ():
                if path.stem not in used:
                    path.unlink(missing_ok=True)


def _links_data(links: ArticleLinks) -> dict[str, Any]:
    return {"id": links.id, "status": links.status, "see_also": list(links.see_also), "replaced_by": links.replaced_by,
            "path": str(links.source.path), "shown": links.source.shown,
            "marks": [[list(loc), list(mark)] for loc, mark in links.source.marks.items()],
            "mentions": [[list(loc), target] for loc, target in links.mentions]}


def _links(data: dict[str, Any], path: Path | None = None) -> ArticleLinks:
    source = RawDocument(path=path if path is not None else Path(data["path"]), shown=str(data["shown"]), data=None,
                         marks={tuple(loc): (int(mark[0]), int(mark[1])) for loc, mark in data["marks"]})
    return ArticleLinks(str(data["id"]), str(data["status"]), tuple(str(x) for x in data["see_also"]),
                        None if data["replaced_by"] is None else str(data["replaced_by"]), source,
                        tuple((tuple(loc), str(target)) for loc, target in data["mentions"]))
