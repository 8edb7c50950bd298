"""Reading the content repository's git history (through the git command)."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import GuidesiteError
from ..load import load_document


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
    raw = read_at(root, ref, path)
    if raw is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / Path(path).name
        copy.write_bytes(raw)
        doc, problems = load_document(copy, Path(scratch))
    return None if problems else doc.data


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
