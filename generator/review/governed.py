"""Everything but the articles is reviewed by editors: code, templates, configuration, workflows.

The registry, the rules, the legends and texts, the templates, the workflows and
guidesite's own code decide what every page says and who may approve, so a
change to any of them must not vouch for itself.  Every file of the project
outside ``content/`` is *governed*: a change to one needs signed approvals from
members with the ``editor`` role in the base's registry, recorded in
``site_config/approvals.yaml``.

An approval is bound to what it approved (a hash of every governed file) *and*
to the commit it was made on (``base``): the editor approved the change from
that state to this one.  It counts only while no other change of governed files
has landed since that commit, so an old approval is never replayed onto a
state that comes back later (a removed reviewer restored, a leaked key).

At publish time :func:`governed_chain` walks the main branch's history from a
trust anchor: every commit that changed governed files must carry such
approvals, made on a trusted commit, by the editors of that commit's registry.
A change that reached the branch without them (a direct push, an unreviewed
merge) stops the publish, and every approval recorded while it was in force
depends on it (``audit``).
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, ValidationError

from ..errors import ContentError, GuidesiteError, Problem
from ..history import GitError, History
from ..load import parse_document
from ..model import SiteConfig
from ..model.fields import CONTENT_HASH_PATTERN, Slug, Strict
from ..past_site import APPROVALS_FILE, site_at
from ..signing import public_key_of, sign, verify

if TYPE_CHECKING:
    from ..pipeline import Pipeline

ARTICLES = "content/"
"""Judged article by article by their reviewers; everything else in the project is governed."""

READER_FACING = ("site_config/", "theme/", "mkdocs.yml")
"""Governed files whose text readers see (shown as diffs in the review report); the rest is code and tooling."""

_SHA = r"^[0-9a-f]{40}$"


def is_governed(path: str) -> bool:
    """Whether a project path needs editors' approval when it changes."""
    return not path.startswith(ARTICLES) and path != APPROVALS_FILE


class ConfigApproval(Strict):
    """An editor's sign-off of every governed file as it is, as a change from the commit ``base``."""

    reviewer: Slug
    date: date
    base: Annotated[str, Field(pattern=_SHA)]
    content: Annotated[str, Field(pattern=CONTENT_HASH_PATTERN)]
    signature: str


def statement(approval: ConfigApproval) -> str:
    """The text an editor signs (v2: bound to its base commit; v1 records, without one, never count)."""
    return "\n".join(["guidesite site approval v2", f"base: {approval.base}", f"content: {approval.content}",
                      f"reviewer: {approval.reviewer}", f"date: {approval.date.isoformat()}"]) + "\n"


# -- the governed files -------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    mode: str
    """git's file mode: 100644, 100755, 120000 (a link: its data is the target)."""
    data: bytes


def governed_files(history: History) -> dict[str, Entry]:
    """The governed files of the project's working tree: every file git tracks or would track (not ignored),
    outside content/ (which git does not list: a large site's articles are never read here)."""
    root = history.root
    listed = history.git("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *_pathspec(history)).decode("utf-8", "surrogateescape")
    staged = history.git("ls-files", "-z", "--stage", "--", *_pathspec(history)).decode("utf-8", "surrogateescape")
    links = {record.split("\t", 1)[1]: record.split()[1] for record in staged.split("\0") if record.startswith("160000 ")}
    out: dict[str, Entry] = {}
    for path in sorted(set(p for p in listed.split("\0") if p)):
        if not is_governed(path):
            continue
        full = Path(root) / path
        if path in links:  # a submodule: the commit it points at
            out[path] = Entry("160000", links[path].encode())
            continue
        if full.is_symlink():
            out[path] = Entry("120000", os.fsencode(os.readlink(full)))
        elif full.is_file():
            out[path] = Entry("100755" if full.stat().st_mode & 0o100 else "100644", full.read_bytes())
    return out


def _tree(history: History, commit: str) -> list[tuple[str, str, str]]:
    """(mode, object id, path) of every governed file at ``commit`` (a full sha: the answer is kept for the run,
    a pure function of the commit).  The project's top level is listed first, and only what lies outside
    content/ is listed in full."""
    key = ("governed tree", commit)
    if key not in history.memo:
        top = [path for _, path in _entries(history.git("ls-tree", "-z", "--full-tree", commit, "--", history.prefix or "."))]
        outside = [path for path in top if path[len(history.prefix):] != ARTICLES.rstrip("/")]
        listed = _entries(history.git("ls-tree", "-r", "-z", "--full-tree", commit, "--", *outside)) if outside else []
        history.memo[key] = [(meta.split()[0], meta.split()[2], path[len(history.prefix):]) for meta, path in listed
                             if meta.split()[1] in ("blob", "commit") and is_governed(path[len(history.prefix):])]  # "commit": a submodule
    return history.memo[key]


def _entries(listed: bytes) -> list[tuple[str, str]]:
    """``(mode type id, path)`` of each record ``git ls-tree -z`` prints."""
    return [tuple(record.split("\t", 1)) for record in listed.decode("utf-8", "surrogateescape").split("\0") if record]  # type: ignore[misc]


def governed_files_at(history: History, ref: str) -> dict[str, Entry]:
    tree = _tree(history, ref)
    files = [(mode, path) for mode, _, path in tree if mode != "160000"]
    raws = history.read_many([(ref, path) for _, path in files])
    out = {path: Entry(mode, raw) for (mode, path), raw in zip(files, raws) if raw is not None}
    out.update({path: Entry(mode, oid.encode()) for mode, oid, path in tree if mode == "160000"})
    return out


def governed_hash(files: dict[str, Entry]) -> str:
    """``sha256:…`` over every governed file's path, mode and bytes."""
    digest = hashlib.sha256()
    for path in sorted(files):
        entry = files[path]
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0" + entry.mode.encode() + b"\0" + hashlib.sha256(entry.data).digest())
    return "sha256:" + digest.hexdigest()


def _state_key(history: History, ref: str) -> str:
    """A cheap fingerprint of the governed files at ``ref`` (git's object ids), to see whether they changed."""
    return hashlib.sha256("\n".join(f"{m} {o} {p}" for m, o, p in _tree(history, ref)).encode("utf-8", "surrogateescape")).hexdigest()


def _pathspec(history: History) -> list[str]:
    # git runs in the project folder, so these are the project's paths wherever it sits in its repository
    return [".", f":(exclude){ARTICLES.rstrip('/')}", f":(exclude){APPROVALS_FILE}"]


# -- approvals ------------------------------------------------------------------------------------


def read_approvals(data: bytes | None, shown: str = APPROVALS_FILE) -> tuple[list[ConfigApproval], list[Problem]]:
    """The approvals an approvals file holds (none when it is absent); records it cannot read are problems."""
    if data is None:
        return [], []
    doc, problems = parse_document(data, Path(shown), shown)
    if problems:
        return [], problems
    records = doc.data if isinstance(doc.data, list) else []
    out: list[ConfigApproval] = []
    for i, record in enumerate(records):
        if isinstance(record, dict) and "base" not in record:
            problems.append(doc.problem((i,), "expected an approval bound to the commit it was made on (base:); this record predates that "
                                              "and never counts (approve again with: guidesite approve-site --base REF)"))
            continue
        try:
            out.append(ConfigApproval.model_validate(record))
        except ValidationError as exc:
            problems.append(doc.problem((i,), f"expected an approval as written by guidesite approve-site; {exc.errors()[0]['msg']}"))
    return out, problems


def _working_approvals(root: Path) -> bytes | None:
    path = Path(root) / APPROVALS_FILE
    return path.read_bytes() if path.is_file() and not path.is_symlink() else None


def _why_not(approval: ConfigApproval, digest: str, site: SiteConfig, latest_day: date) -> str | None:
    """Why an approval does not count for ``digest`` under ``site``'s registry (None: it does).  Whether its
    base is the right commit is the caller's to judge."""
    editor = next((r for r in site.reviewers if r.id == approval.reviewer), None)
    if approval.content != digest:
        return "it approved other files than these (the code or configuration changed after it was given)"
    if editor is None:
        return f"{approval.reviewer} is not in the registry of the commit it was made on"
    if "editor" not in editor.roles or editor.is_bot:
        return f"{approval.reviewer} is not an editor in the registry of the commit it was made on"
    if not editor.signing_key:
        return f"{approval.reviewer} has no signing key in that registry"
    if approval.date > latest_day:
        return f"it is dated {approval.date}, after {latest_day}"
    if not editor.active_on(approval.date):
        return f"{approval.reviewer} was not an editor on {approval.date}"
    if not verify(statement(approval), approval.signature, editor.signing_key):
        return "its signature does not verify against that registry's key (forged, altered or copied)"
    return None


def _landed_since(history: History, older: str, newer: str) -> list[str]:
    """Commits that changed governed files after ``older`` up to ``newer`` (``older`` must be an ancestor of ``newer``)."""
    out = history.git("rev-list", f"{older}..{newer}", "--", *_pathspec(history)).decode()
    return out.split()


def _is_ancestor(history: History, older: str, newer: str) -> bool:
    try:
        return history.git("merge-base", older, newer).decode().strip() == older
    except GitError:
        return False


# -- a change against its base ----------------------------------------------------------------------


@dataclass
class GovernedChange:
    """What a change does to the governed files, and whether it may."""

    changed: list[str] = field(default_factory=list)
    """Files added, changed or removed."""
    diffs: dict[str, str] = field(default_factory=dict)
    """A unified diff per changed text that readers see (site_config/, theme/, mkdocs.yml)."""
    code: list[tuple[str, str]] = field(default_factory=list)
    """The other changed files (code, workflows, tooling) with what happened to each (``+12 −3``, ``added``, …)."""
    approvers: list[str] = field(default_factory=list)
    required: int = 1
    problems: list[Problem] = field(default_factory=list)


def check_governed_change(root: Path, history: History, base: str, base_site: SiteConfig, today: date) -> GovernedChange:
    """Compare the governed files with the base; a change needs the base's editors' signed approvals, made on the base."""
    before, after = governed_files_at(history, base), governed_files(history)
    change = GovernedChange(required=base_site.settings.rules_on().site_approvals_required)
    change.changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    for path in change.changed:
        old, new = before.get(path), after.get(path)
        if path.startswith(READER_FACING) and _is_text(old) and _is_text(new):
            a = old.data.decode("utf-8") if old else ""
            b = new.data.decode("utf-8") if new else ""
            change.diffs[path] = "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), f"{path} (base)", f"{path} (this change)"))
        else:
            change.code.append((path, _what_happened(old, new)))
    if not change.changed:
        return change
    digest = governed_hash(after)
    approvals, change.problems = read_approvals(_working_approvals(root))
    refused: list[str] = []
    for approval in approvals:
        if approval.content != digest:
            continue  # an approval of an earlier state of this change: dropped at the next approve-site
        why = _why_not(approval, digest, base_site, today)
        if why is None and approval.base != base:
            if not _is_ancestor(history, approval.base, base):
                why = f"it was made on commit {approval.base[:10]}, which is not the base ({base[:10]}) nor before it"
            elif landed := _landed_since(history, approval.base, base):
                why = (f"it was made on commit {approval.base[:10]}; code or configuration changed since (commit {landed[-1][:10]}): "
                       f"approve the change against its base again")
        if why is None and approval.date < history.commit_day(approval.base):
            why = f"it is dated {approval.date}, before the commit it names was made"
        if why is None:
            if approval.reviewer not in change.approvers:
                change.approvers.append(approval.reviewer)
        else:
            refused.append(f"{approval.reviewer}: {why}")
    if len(change.approvers) < change.required:
        editors = sorted(r.id for r in base_site.reviewers if "editor" in r.roles and not r.is_bot)
        names = ", ".join(editors) or "none: the base registry has no member with the editor role"
        shown = ", ".join(change.changed[:8]) + (f" and {len(change.changed) - 8} more" if len(change.changed) > 8 else "")
        detail = f"; not counted: {'; '.join(refused)}" if refused else ""
        change.problems.append(Problem(
            change.changed[0], 1, 1, "",
            f"code or configuration changed ({shown}): expected {change.required} signed approval(s) by editors of the base's "
            f"registry ({names}) made on the base {base[:10]}; got {len(change.approvers)}{detail} "
            f"(approve with: guidesite approve-site --base {base[:10]} --reviewer ID --key PATH)"))
    return change


def _is_text(entry: Entry | None) -> bool:
    if entry is None:
        return True
    try:
        entry.data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return entry.mode != "120000"


def _what_happened(old: Entry | None, new: Entry | None) -> str:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if old.mode != new.mode:
        return f"mode {old.mode} → {new.mode}"
    if not (_is_text(old) and _is_text(new)):
        return "binary changed"
    a, b = old.data.decode("utf-8").splitlines(), new.data.decode("utf-8").splitlines()
    plus = minus = 0
    for line in difflib.unified_diff(a, b, lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            plus += 1
        elif line.startswith("-") and not line.startswith("---"):
            minus += 1
    return f"+{plus} −{minus}"


def approve_governed(pipeline: "Pipeline", reviewer_id: str, *, base: str, on: date, key: Path) -> tuple[int, str, list[str]]:
    """Sign an editor's approval of every governed file as it is, as a change from ``base``.

    Returns the approvals now recorded for this state, the base commit and the files changed since it."""
    history = pipeline.history
    if history is None:
        raise GitError(f"expected a git repository (an approval names the commit it was made on); {pipeline.root} is not in one")
    base_sha = history.resolve(base)
    site = site_at(history, base_sha)  # the editor must be an editor of the base, as check will judge
    editor = next((r for r in site.reviewers if r.id == reviewer_id), None)
    if editor is None or "editor" not in editor.roles or editor.is_bot:
        raise GuidesiteError(f"'{reviewer_id}' is not an editor in the registry of {base} (site_config/reviewers.yaml, roles: [editor])")
    if not editor.signing_key:
        raise GuidesiteError(f"{reviewer_id} has no signing_key in the registry of {base}")
    if on > pipeline.today or not editor.active_on(on) or on < history.commit_day(base_sha):
        raise GuidesiteError(f"an approval dated {on} is after today, outside {reviewer_id}'s term, or before {base} was made")
    if public_key_of(key) != editor.signing_key:
        raise GuidesiteError(f"the key {key} is not the signing key registered for {reviewer_id}")
    files = governed_files(history)
    before = governed_files_at(history, base_sha)
    changed = sorted(p for p in set(before) | set(files) if before.get(p) != files.get(p))
    digest = governed_hash(files)
    record = ConfigApproval(reviewer=reviewer_id, date=on, base=base_sha, content=digest, signature="-")
    record = record.model_copy(update={"signature": sign(statement(record), key)})
    existing, problems = read_approvals(_working_approvals(pipeline.root))
    problems = [p for p in problems if "predates that" not in p.message]  # old records are dropped below
    if problems:
        raise ContentError(problems)
    kept = [a for a in existing if a.content == digest and a.base == base_sha and a.reviewer != reviewer_id] + [record]
    out = io.StringIO()
    out.write("# Editors' signed approvals of the code and configuration as they are (written by guidesite approve-site).\n")
    for approval in kept:
        out.write(f"- reviewer: {approval.reviewer}\n  date: {approval.date.isoformat()}\n  base: {approval.base}\n"
                  f"  content: {approval.content}\n  signature: |\n")
        out.write("".join(f"    {line}\n" for line in approval.signature.splitlines()))
    (pipeline.root / APPROVALS_FILE).parent.mkdir(parents=True, exist_ok=True)
    (pipeline.root / APPROVALS_FILE).write_text(out.getvalue(), encoding="utf-8")
    return len(kept), base_sha, changed


# -- the chain of approvals on the published branch ---------------------------------------------------


@dataclass
class Untrusted:
    commit: str
    subject: str
    why: str


@dataclass
class ChainVerdict:
    """Which states of the governed files on the branch rest on editors' approvals."""

    anchor: str
    head_trusted: bool
    untrusted: list[Untrusted] = field(default_factory=list)
    """Commits that changed governed files without valid approvals, oldest first."""
    last_trusted: str = ""
    """The newest commit whose code and configuration are the approved ones."""
    trusted_states: set[str] = field(default_factory=set)
    """Fingerprints (``_state_key``) of every trusted state."""

    def problems(self) -> list[Problem]:
        """One problem naming the first change that reached the branch unapproved (and how many followed it)."""
        if self.head_trusted or not self.untrusted:
            return []
        first, later = self.untrusted[0], len(self.untrusted) - 1
        more = f"; {later} later commit(s) changed code or configuration without them too" if later else ""
        return [Problem(APPROVALS_FILE, 1, 1, "", f"commit {first.commit[:10]} ({first.subject}) changed code or configuration without editors' "
                                                   f"approvals made on an approved commit: {first.why}{more}; nothing built on it is published. "
                                                   f"An editor approves the state as it is against the last approved commit, "
                                                   f"{self.last_trusted[:10]} (guidesite approve-site --base {self.last_trusted[:10]}); "
                                                   f"a repository that adopts editors' approvals of code starts its chain later "
                                                   f"(publish --trusted-since REF)")]

    def depends_on_untrusted(self, history: History, commit: str) -> Untrusted | None:
        """The first unapproved change a commit's code and configuration rest on (None: it rests on approved ones)."""
        if not self.untrusted or _state_key(history, history.resolve(commit, option="a commit of the audit")) in self.trusted_states:
            return None
        return self.untrusted[0]


def governed_chain(history: History, *, today: date, head: str = "HEAD", anchor: str | None = None) -> ChainVerdict:
    """Walk the first-parent history from ``anchor`` (default: the first commit) to ``head``.

    A commit's governed state is trusted when it equals the current trusted state, or when its
    approvals file holds the required approvals of exactly that state, each made on a trusted
    commit at or after the last trusted change, by editors of that commit's registry."""
    head_sha = history.resolve(head, option="HEAD")
    if anchor:
        anchor_sha = history.resolve(anchor, option="--trusted-since")
        if not _is_ancestor(history, anchor_sha, head_sha):
            raise GitError(f"expected --trusted-since to name a commit of the published history; {anchor} is not an ancestor of {head}")
    else:
        anchor_sha = history.git("rev-list", "--first-parent", "--max-parents=0", head_sha).decode().split()[-1]
    chain = [anchor_sha] + history.git("rev-list", "--first-parent", "--reverse", f"{anchor_sha}..{head_sha}").decode().split()
    # Commits that changed governed files or recorded approvals (which may approve a state reached earlier).
    changed = set(history.git("rev-list", "--first-parent", f"{anchor_sha}..{head_sha}", "--", *_pathspec(history)[:2]).decode().split())
    position = {sha: i for i, sha in enumerate(chain)}
    trusted_key = _state_key(history, anchor_sha)
    verdict = ChainVerdict(anchor=anchor_sha, head_trusted=True, trusted_states={trusted_key})
    trusted = [True] + [False] * (len(chain) - 1)
    epoch = 0  # where the current trusted state was established
    current_key = trusted_key
    sites: dict[str, SiteConfig] = {}
    for i in range(1, len(chain)):
        sha = chain[i]
        if sha in changed:
            current_key = _state_key(history, sha)
            if current_key != trusted_key:
                why = _approved_at(history, sha, chain, position, trusted, epoch, sites, today)
                if why is None:
                    trusted_key, epoch = current_key, i
                    verdict.trusted_states.add(trusted_key)
                else:
                    subject = history.git("show", "-s", "--format=%s", sha).decode("utf-8", "replace").strip()
                    verdict.untrusted.append(Untrusted(sha, subject, why))
        trusted[i] = current_key == trusted_key
    verdict.head_trusted = trusted[-1]
    verdict.last_trusted = next(chain[i] for i in range(len(chain) - 1, -1, -1) if trusted[i])
    # A change a later approval covered (the editors approved the state it led to) no longer stops anything.
    verdict.untrusted = [u for u in verdict.untrusted if position[u.commit] > epoch]
    return verdict


def _approved_at(history: History, sha: str, chain: list[str], position: dict[str, int], trusted: list[bool], epoch: int,
                 sites: dict[str, SiteConfig], today: date) -> str | None:
    """Why the governed state of commit ``sha`` is not approved (None: it is)."""
    raw = history.read_many([(sha, APPROVALS_FILE)])[0]
    approvals, problems = read_approvals(raw)
    if not approvals:
        return "no approvals recorded" if not problems else f"its approvals cannot be read ({problems[0].message})"
    digest = governed_hash(governed_files_at(history, sha))
    counted: list[str] = []
    reasons: list[str] = []
    required = None
    for approval in approvals:
        at = position.get(approval.base)
        if at is None or at >= position[sha]:
            reasons.append(f"{approval.reviewer}'s was made on {approval.base[:10]}, not an earlier commit of this branch")
            continue
        if at < epoch:
            reasons.append(f"{approval.reviewer}'s was made on {approval.base[:10]}, before a later approved change ({chain[epoch][:10]}): "
                           f"it approved a change from another state")
            continue
        if not trusted[at]:
            reasons.append(f"{approval.reviewer}'s was made on {approval.base[:10]}, whose code or configuration was not the approved one")
            continue
        if approval.base not in sites:
            try:
                sites[approval.base] = site_at(history, approval.base)
            except ContentError as exc:
                reasons.append(f"the registry at {approval.base[:10]} cannot be read ({exc.problems[0].message})")
                continue
        site = sites[approval.base]
        required = site.settings.rules_on().site_approvals_required
        why = _why_not(approval, digest, site, today)
        if why is None and approval.date < history.commit_day(approval.base):
            why = f"it is dated {approval.date}, before the commit it names was made"
        if why is None:
            if approval.reviewer not in counted:
                counted.append(approval.reviewer)
        else:
            reasons.append(f"{approval.reviewer}'s: {why}")
    if required is not None and len(counted) >= required:
        return None
    return f"{len(counted)} valid approval(s)" + (f" ({'; '.join(reasons)})" if reasons else "")
