"""Reading the content repository's git history (through the git command)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import GuidesiteError
from ..load import parse_document


class GitError(GuidesiteError):
    """git could not answer (not a repository, unknown ref, …)."""


def git(root: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout


def resolve(root: Path, ref: str) -> str:
    """The commit a ref names, or a clear error."""
    out = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
    if not out:
        raise GitError(f"expected a git ref for --base; '{ref}' is not a commit in {root}")
    return out


def files_at(root: Path, ref: str, folder: str) -> list[str]:
    """Paths (relative to the repository root) of the files under ``folder`` at ``ref``."""
    prefix = _prefix(root)
    out = git(root, "ls-tree", "-r", "--name-only", ref, "--", f"{prefix}{folder}")
    return [line[len(prefix):] for line in out.splitlines() if line.endswith((".yaml", ".yml"))]


def read_at(root: Path, ref: str, path: str) -> bytes | None:
    """A file's bytes at ``ref``; None where it did not exist."""
    result = subprocess.run(["git", "-C", str(root), "show", f"{ref}:{_prefix(root)}{path}"], capture_output=True)
    return result.stdout if result.returncode == 0 else None


def data_at(root: Path, ref: str, path: str) -> Any:
    """A content file at ``ref``, read by our own loader (no aliases, no surprises); None if unreadable."""
    return parse_at(read_at(root, ref, path), path)


def parse_at(raw: bytes | None, path: str) -> Any:
    """Bytes of a content file from git history as data; None if absent or not readable."""
    if raw is None:
        return None
    doc, problems = parse_document(raw, Path(path), path)
    return None if problems else doc.data


def history_of(root: Path, folder: str) -> dict[str, list[tuple[str, bytes]]]:
    """Every version of every file under ``folder`` on the current branch, oldest first:
    ``path → [(commit, bytes), …]``.  Two git processes for the whole folder, not several per file."""
    prefix = _prefix(root)
    log = git(root, "log", "--reverse", "--format=>%H", "--name-only", "--diff-filter=AMR", "HEAD", "--", f"{prefix}{folder}", check=False)
    wanted: list[tuple[str, str]] = []
    commit = ""
    for line in log.splitlines():
        if line.startswith(">"):
            commit = line[1:]
        elif line.startswith(prefix) and line.endswith((".yaml", ".yml")):
            wanted.append((commit, line[len(prefix):]))
    if not wanted:
        return {}
    request = "".join(f"{sha}:{prefix}{path}\n" for sha, path in wanted).encode("utf-8")
    result = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], input=request, capture_output=True)
    if result.returncode != 0:
        raise GitError(f"git cat-file: {result.stderr.decode('utf-8', 'replace').strip() or 'failed'}")
    out: dict[str, list[tuple[str, bytes]]] = {}
    data, at = result.stdout, 0
    for sha, path in wanted:
        end = data.index(b"\n", at)
        header = data[at:end].split()
        at = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue  # "missing": the path was renamed or removed in that commit
        size = int(header[2])
        out.setdefault(path, []).append((sha, data[at:at + size]))
        at += size + 1
    return out


def is_repository(root: Path) -> bool:
    result = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD"], capture_output=True)
    return result.returncode == 0


@dataclass(frozen=True)
class Commit:
    sha: str
    author_name: str
    author_email: str
    committer_email: str
    date: str = ""
    """Committer date, ISO 8601."""


def commits_touching(root: Path, path: str, since: str | None = None) -> list[Commit]:
    """Commits that changed ``path``, oldest first (after ``since`` when given)."""
    span = [f"{since}..HEAD"] if since else ["HEAD"]
    out = git(root, "log", "--reverse", "--format=%H%x1f%an%x1f%ae%x1f%ce%x1f%cI", *span, "--", path, check=False)
    commits = []
    for line in out.splitlines():
        sha, name, email, committer, when = line.split("\x1f")
        commits.append(Commit(sha, name, email, committer, when))
    return commits


def _prefix(root: Path) -> str:
    """Where ``root`` sits inside its repository (``""`` at the top)."""
    return git(root, "rev-parse", "--show-prefix").strip()
