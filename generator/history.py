"""The one reader of the content repository's git history.

Versions (``versions.py``) and review (``review/``) read past states of files
and who committed them through this layer only.  Reads are batched (one
``git log`` and one ``git cat-file --batch`` for a whole folder, however many
files and commits), results are typed, and a git failure is an error: an
empty answer always means "no history", never "git could not say".
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import GuidesiteError, Problem
from .load import RawDocument, parse_document


class GitError(GuidesiteError):
    """git could not answer (not installed, unknown ref, damaged repository, …)."""


@dataclass(frozen=True)
class Commit:
    """Who made a commit, as git records it (anyone can set these: never proof of identity)."""

    sha: str
    author_name: str
    author_email: str
    committer_email: str
    date: str = ""
    """Committer date, ISO 8601."""


@dataclass(frozen=True)
class Revision:
    """A file as one commit left it."""

    commit: str
    path: str
    """Relative to the project folder (which may sit below the repository's top)."""
    data: bytes


@dataclass(frozen=True)
class PastDocument:
    """A content file at a commit, read by the same loader as the working tree."""

    commit: str
    path: str
    doc: RawDocument
    """Data and positions; ``doc.data`` is None when the file could not be read (see ``problems``)."""
    problems: tuple[Problem, ...] = ()

    @property
    def data(self) -> Any:
        return self.doc.data


class History:
    """Git history of the repository holding a project folder."""

    def __init__(self, root: Path, prefix: str, has_head: bool):
        self.root = root
        self.prefix = prefix
        """Where the project sits inside its repository (``""`` at the top)."""
        self.has_head = has_head
        """False in a repository with no commit yet."""

    @classmethod
    def open(cls, root: Path) -> "History | None":
        """The history of ``root``'s repository; None when ``root`` is not in a git repository."""
        root = Path(root).resolve()
        try:
            result = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-prefix"], capture_output=True, text=True)
        except FileNotFoundError:
            if _inside_git_folder(root):
                raise GitError("git is not installed, and the project is a git repository: its history (versions, approvals) cannot be read") from None
            return None
        if result.returncode != 0:
            if "not a git repository" in result.stderr:
                return None
            raise GitError(f"git rev-parse: {result.stderr.strip() or 'failed'}")
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD"], capture_output=True, text=True)
        return cls(root, result.stdout.strip(), head.returncode == 0)

    # -- plumbing ---------------------------------------------------------

    def git(self, *args: str, input: bytes | None = None) -> bytes:
        """Run git in the repository; any failure is a GitError naming the command."""
        result = subprocess.run(["git", "-C", str(self.root), *args], input=input, capture_output=True)
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
            raise GitError(f"git {' '.join(args[:3])}: {detail}")
        return result.stdout

    def resolve(self, ref: str, *, option: str = "--base") -> str:
        """The commit a ref names, or a clear error (naming the command-line ``option`` it came from)."""
        result = subprocess.run(["git", "-C", str(self.root), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], capture_output=True, text=True)
        if result.returncode != 0 or not result.stdout.strip():
            raise GitError(f"expected a git ref for {option}; '{ref}' is not a commit in {self.root}")
        return result.stdout.strip()

    def is_shallow(self) -> bool:
        """Whether this is a shallow clone (part of the history is missing)."""
        return self.git("rev-parse", "--is-shallow-repository").strip() == b"true"

    # -- reading files ----------------------------------------------------

    def files_at(self, ref: str, folder: str, *, yaml_only: bool = True) -> list[str]:
        """Files (YAML files, unless ``yaml_only`` is False) under ``folder`` at ``ref``, relative to the project."""
        out = self.git("ls-tree", "-r", "-z", "--name-only", ref, "--", f"{self.prefix}{folder}").decode("utf-8")
        return [p[len(self.prefix):] for p in out.split("\0") if p and (not yaml_only or p.endswith((".yaml", ".yml")))]

    def read_many(self, wanted: list[tuple[str, str]]) -> list[bytes | None]:
        """The bytes of each ``(ref, path)`` in one git process; None where the file did not exist."""
        if not wanted:
            return []
        request = "".join(f"{ref}:{self.prefix}{path}\n" for ref, path in wanted).encode("utf-8")
        data = self.git("cat-file", "--batch", input=request)
        out: list[bytes | None] = []
        at = 0
        for _ in wanted:
            end = data.index(b"\n", at)
            header = data[at:end].split()
            at = end + 1
            if len(header) < 3 or header[1] != b"blob":
                out.append(None)  # "missing": not there at that commit (or not a file)
                continue
            size = int(header[2])
            out.append(data[at:at + size])
            at += size + 1
        return out

    def documents_at(self, ref: str, folder: str) -> dict[str, PastDocument]:
        """Every content file under ``folder`` at ``ref``, read by our loader, by path."""
        paths = self.files_at(ref, folder)
        return {path: parse_revision(Revision(ref, path, raw)) for path, raw in zip(paths, self.read_many([(ref, p) for p in paths])) if raw is not None}

    def documents_at_commits(self, path: str, commits: list[str]) -> list[PastDocument]:
        """One file as each of ``commits`` left it (data None where it was absent or unreadable)."""
        raws = self.read_many([(sha, path) for sha in commits])
        return [parse_revision(Revision(sha, path, raw)) if raw is not None else PastDocument(sha, path, RawDocument(Path(path), path, None))
                for sha, raw in zip(commits, raws)]

    def revisions(self, folder: str) -> dict[str, list[Revision]]:
        """Every version of every YAML file under ``folder`` on the current branch, oldest first, by the
        path the file has now: a file moved (``git mv``, a rename git detects) keeps its history, each
        revision with the path it had then."""
        if not self.has_head:
            return {}
        log = self.git("log", "--reverse", "-M", "--format=>%H", "--name-status", "--diff-filter=AMR", "HEAD", "--",
                       f"{self.prefix}{folder}").decode("utf-8")
        wanted: list[tuple[str, str, str]] = []  # (commit, path then, lineage)
        lineage: dict[str, str] = {}  # path now → the first path of its file
        commit = ""
        for line in log.splitlines():
            if line.startswith(">"):
                commit = line[1:]
                continue
            fields = line.split("\t")
            if len(fields) < 2:
                continue
            path = fields[-1]
            if not (path.startswith(self.prefix) and path.endswith((".yaml", ".yml"))):
                continue
            path = path[len(self.prefix):]
            if fields[0].startswith("R") and len(fields) == 3:
                old = fields[1][len(self.prefix):]
                lineage[path] = lineage.pop(old, old)
            elif fields[0] == "A":
                lineage[path] = f"{path}@{commit}"  # a new file, even where another once was
            else:
                lineage.setdefault(path, path)
            wanted.append((commit, path, lineage[path]))
        by_lineage: dict[str, list[Revision]] = {}
        for (sha, path, key), raw in zip(wanted, self.read_many([(sha, path) for sha, path, _ in wanted])):
            if raw is None:  # git log named it, so the object must be there
                raise GitError(f"the repository is damaged: {path} at commit {sha[:10]} cannot be read (try: git fsck)")
            by_lineage.setdefault(key, []).append(Revision(sha, path, raw))
        return {path: by_lineage[key] for path, key in lineage.items() if key in by_lineage}

    # -- who ----------------------------------------------------------------

    def commits_touching(self, path: str, since: str | None = None) -> list[Commit]:
        """Commits that changed ``path``, oldest first (after ``since`` when given)."""
        if not self.has_head:
            return []
        span = [f"{since}..HEAD"] if since else ["HEAD"]
        out = self.git("log", "--reverse", "-z", "--format=%H%x1f%an%x1f%ae%x1f%ce%x1f%cI", *span, "--", f"{self.prefix}{path}").decode("utf-8", "replace")
        commits = []
        for record in out.split("\0"):
            record = record.strip("\n")
            if record:
                sha, name, email, committer, when = record.split("\x1f")
                commits.append(Commit(sha, name, email, committer, when))
        return commits


def parse_revision(revision: Revision) -> PastDocument:
    """A past file read exactly as a file of the working tree would be."""
    doc, problems = parse_document(revision.data, Path(revision.path), revision.path)
    if problems:
        doc.data = None
    return PastDocument(revision.commit, revision.path, doc, tuple(problems))


def _inside_git_folder(root: Path) -> bool:
    return any((folder / ".git").exists() for folder in (root, *root.parents))
