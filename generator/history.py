"""The one reader of the content repository's git history.

Versions (``versions.py``) and review (``review/``) read past states of files
and who committed them through this layer only.  Reads are batched (one
``git log`` and one ``git cat-file --batch`` for a whole folder, however many
files and commits), results are typed, and a git failure is an error: an
empty answer always means "no history", never "git could not say".
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .errors import GuidesiteError, Problem
from .load import RawDocument, parse_document, read_as_current_model


_EARLIEST_ZONE = timezone(timedelta(hours=-12))
"""Where the calendar is furthest behind: a date earlier than a moment's date here is before it everywhere."""


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
    day: str = ""
    """The earliest calendar day anywhere on Earth at the commit's committer time (its date at UTC-12),
    ``YYYY-MM-DD`` (set by :meth:`History.states`): nothing dated before it can have seen this state."""
    blob: str = ""
    """The file's object id (set by :meth:`History.states`): equal blobs, equal bytes."""


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
        self.memo: dict[Any, Any] = {}
        """Answers already read in this run, each a pure function of the commits it names (never of the working tree)."""

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

    def read_many(self, wanted: list[tuple[str, str]], *, raw: bool = False) -> list[bytes | None]:
        """The bytes of each ``(ref, path)`` in one git process; None where the file did not exist.
        (``raw``: each ``ref`` is an object id and ``path`` is ignored.)"""
        if not wanted:
            return []
        request = "".join(f"{ref}\n" if raw else f"{ref}:{self.prefix}{path}\n" for ref, path in wanted).encode("utf-8")
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

    def read_objects(self, names: list[str]) -> list[bytes | None]:
        """The bytes of each object (a blob id) in one git process; None where there is none."""
        return self.read_many([(name, "") for name in names], raw=True) if names else []

    def states(self, folder: str, ref: str = "HEAD") -> list[Revision]:
        """Every state of every YAML file under ``folder`` that a commit reachable from ``ref`` wrote, parents
        before children, each with its commit, date and blob.

        No rename detection: what a file *is* (an article) is decided by what it holds, not by git's guess
        of where it came from, so a file deleted and added again, moved, or copied reads like any other.
        No history simplification (``--full-history``): a merge that kept one side's files does not hide
        the other side's commits.  A merge commit counts with what it wrote compared with its first parent
        (a conflict resolved by hand is a state too).  One ``git log`` and one ``git cat-file --batch`` (each blob read once).
        """
        if not self.has_head:
            return []
        ref = self.git("rev-parse", "--verify", f"{ref}^{{commit}}").decode("ascii").strip()  # the memo is by commit, not by name
        key = ("states", folder, ref)
        if key in self.memo:
            return self.memo[key]
        log = self.git("log", "--reverse", "--topo-order", "--full-history", "--no-renames", "--diff-merges=first-parent", "--raw", "--no-abbrev",
                       "--diff-filter=AM", "--format=>%H %ct", ref, "--", f"{self.prefix}{folder}").decode("utf-8")
        wanted: list[tuple[str, str, str, str]] = []  # (commit, day, path, blob)
        commit = day = ""
        for line in log.splitlines():
            if line.startswith(">"):
                commit, _, seconds = line[1:].partition(" ")
                day = datetime.fromtimestamp(int(seconds), _EARLIEST_ZONE).date().isoformat()
                continue
            meta, _, path = line.partition("\t")
            fields = meta.split()
            if len(fields) < 5 or not fields[0].startswith(":") or fields[1] not in ("100644", "100755"):
                continue  # not a regular file (a link, a submodule) or not a change line
            if not (path.startswith(self.prefix) and path.endswith((".yaml", ".yml"))):
                continue  # (a quoted name with odd characters is no article's either)
            wanted.append((commit, day, path[len(self.prefix):], fields[3]))
        blobs = list(dict.fromkeys(blob for *_, blob in wanted))
        data = dict(zip(blobs, self.read_objects(blobs)))
        out = []
        for sha, day, path, blob in wanted:
            raw = data.get(blob)
            if raw is None:  # git log named it, so the object must be there
                raise GitError(f"the repository is damaged: {path} at commit {sha[:10]} cannot be read (try: git fsck)")
            out.append(Revision(sha, path, raw, day, blob))
        self.memo[key] = out
        return out

    def states_by_id(self, folder: str, ref: str = "HEAD") -> dict[str, list[Revision]]:
        """:meth:`states` grouped by the ``id`` each state holds (an article is its id, wherever its file was)."""
        if not self.has_head:
            return {}
        ref = self.git("rev-parse", "--verify", f"{ref}^{{commit}}").decode("ascii").strip()
        key = ("states_by_id", folder, ref)
        if key not in self.memo:
            ids: dict[str, str | None] = {}
            grouped: dict[str, list[Revision]] = {}
            for revision in self.states(folder, ref):
                if revision.blob not in ids:
                    ids[revision.blob] = article_id_of(revision)
                found = ids[revision.blob]
                if found is not None:
                    grouped.setdefault(found, []).append(revision)
            self.memo[key] = grouped
        return self.memo[key]

    def commit_day(self, ref: str) -> date:
        """The day ``ref`` was committed (its committer's calendar)."""
        return date.fromisoformat(self.git("show", "-s", "--format=%cs", ref).decode("ascii").strip())

    def earliest_day(self, ref: str = "HEAD") -> str:
        """The earliest calendar day anywhere on Earth at ``ref``'s committer time (``YYYY-MM-DD``, as :attr:`Revision.day`)."""
        seconds = int(self.git("show", "-s", "--format=%ct", ref).decode("ascii").strip())
        return datetime.fromtimestamp(seconds, _EARLIEST_ZONE).date().isoformat()

    def ancestors(self, ref: str) -> frozenset[str]:
        """Every commit reachable from ``ref`` (itself included)."""
        ref = self.git("rev-parse", "--verify", f"{ref}^{{commit}}").decode("ascii").strip()
        key = ("ancestors", ref)
        if key not in self.memo:
            self.memo[key] = frozenset(self.git("rev-list", ref).decode("ascii").split())
        return self.memo[key]

    def file_at_commits(self, path: str, commits: list[str]) -> dict[str, bytes | None]:
        """One file's bytes as each commit holds it (None where absent): one ``cat-file --batch-check``
        for their blob ids, one ``--batch`` for the distinct blobs."""
        todo = [c for c in dict.fromkeys(commits) if ("blob_at", c, path) not in self.memo]
        if todo:
            request = "".join(f"{c}:{self.prefix}{path}\n" for c in todo).encode("utf-8")
            lines = self.git("cat-file", "--batch-check", input=request).decode("utf-8").splitlines()
            for c, line in zip(todo, lines):
                fields = line.split()
                self.memo[("blob_at", c, path)] = fields[0] if len(fields) == 3 and fields[1] == "blob" else None
        blobs = {self.memo[("blob_at", c, path)] for c in commits} - {None}
        unread = [b for b in blobs if ("blob", b) not in self.memo]
        for blob, raw in zip(unread, self.read_objects(unread)):
            self.memo[("blob", blob)] = raw
        return {c: self.memo[("blob", self.memo[("blob_at", c, path)])] if self.memo[("blob_at", c, path)] else None for c in commits}

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

    def signatures(self, since: str, allowed_signers: Path) -> dict[str, tuple[str, str, str]]:
        """git's verdict on the signature of each commit after ``since``, by sha: ``(status, principal,
        fingerprint)``.  SSH signatures are checked against ``allowed_signers`` (an OpenSSH allowed-signers
        file); status is git's ``%G?``: G a good signature by a key of that file (``principal`` names its
        line), U good but by a key not in it, B bad, N none, E cannot be checked, X/Y/R expired or revoked."""
        if not self.has_head:
            return {}
        out = self.git("-c", f"gpg.ssh.allowedSignersFile={allowed_signers}", "log", "-z", "--format=%H%x1f%G?%x1f%GS%x1f%GF",
                       f"{since}..HEAD").decode("utf-8", "replace")
        verdicts = {}
        for record in out.split("\0"):
            record = record.strip("\n")
            if record:
                sha, status, principal, key = record.split("\x1f")
                verdicts[sha] = (status, principal, key)
        return verdicts


def parse_revision(revision: Revision) -> PastDocument:
    """A past file read exactly as a file of the working tree would be."""
    doc, problems = parse_document(revision.data, Path(revision.path), revision.path)
    if problems:
        doc.data = None
    elif revision.path.startswith("content/"):
        problems = read_as_current_model(doc)
    doc.source = None  # past states are many; their problems are named by commit, not by line
    return PastDocument(revision.commit, revision.path, doc, tuple(problems))


_ID = re.compile(rb"^id:[ \t]*(?:\"([^\"\n]*)\"|'([^'\n]*)'|([^\s#'\"][^\s#]*))[ \t]*(?:#[^\n]*)?\r?$", re.M)


def article_id_of(revision: Revision) -> str | None:
    """The ``id`` a content file's state holds (its top-level ``id:`` line; the whole file is read only
    when that line is written some other way), or None."""
    found = _ID.findall(revision.data)
    if len(found) == 1:
        return b"".join(found[0]).decode("utf-8", "replace").strip() or None
    data = parse_revision(revision).data
    value = data.get("id") if isinstance(data, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _inside_git_folder(root: Path) -> bool:
    return any((folder / ".git").exists() for folder in (root, *root.parents))
