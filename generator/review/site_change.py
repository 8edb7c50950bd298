"""A change to ``site_config/`` is judged by the base's rules and needs editors' signed approval.

The registry, the review rules, the grading legends, the disclaimers and the
editorial policy decide what readers are told and who may approve; a pull
request that changes them must not vouch for itself.  So ``check --base``
judges every approval by the site configuration *as the base holds it*, and a
change to ``site_config/`` itself needs signed approvals of its own
(``site_config/approvals.yaml``) from members with the ``editor`` role in the
base's registry, pinned to a hash of the whole folder.
"""

from __future__ import annotations

import difflib
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, ValidationError

from ..errors import ContentError, GuidesiteError, Problem
from ..history import History
from ..load import POLICY_FILE, SITE_FILES, Loaded, RawDocument, parse_document
from ..model import SiteConfig
from ..model.fields import CONTENT_HASH_PATTERN, Slug, Strict
from ..signing import public_key_of, sign, verify

if TYPE_CHECKING:
    from ..pipeline import Pipeline

APPROVALS_FILE = "site_config/approvals.yaml"
"""Editors' signed approvals of the site configuration (not itself part of what they approve)."""


class SiteApproval(Strict):
    """An editor's sign-off of the whole of site_config/ as it is."""

    reviewer: Slug
    date: date
    content: Annotated[str, Field(pattern=CONTENT_HASH_PATTERN)]
    signature: str


@dataclass
class SiteChange:
    """What a change does to site_config/, and whether it may."""

    changed: list[str] = field(default_factory=list)
    """Files added, changed or removed."""
    diffs: dict[str, str] = field(default_factory=dict)
    """A unified diff per changed text file."""
    approvers: list[str] = field(default_factory=list)
    required: int = 1
    problems: list[Problem] = field(default_factory=list)


def site_files(root: Path) -> dict[str, bytes]:
    """Every file of the working tree's site_config/ (but the approvals file), by path."""
    folder = Path(root) / "site_config"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.relative_to(root).as_posix() != APPROVALS_FILE}


def site_files_at(history: History, ref: str) -> dict[str, bytes]:
    paths = [p for p in history.files_at(ref, "site_config", yaml_only=False) if p != APPROVALS_FILE]
    return {p: raw for p, raw in zip(paths, history.read_many([(ref, p) for p in paths])) if raw is not None}


def site_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(files[path]).digest())
    return "sha256:" + digest.hexdigest()


def statement(approval: SiteApproval) -> str:
    return "\n".join(["guidesite site approval v1", f"content: {approval.content}", f"reviewer: {approval.reviewer}",
                      f"date: {approval.date.isoformat()}"]) + "\n"


def site_at(history: History, ref: str) -> SiteConfig:
    """The site configuration as ``ref`` holds it, checked as the working tree's is."""
    from ..validate.site import validate_site

    files = site_files_at(history, ref)
    problems: list[Problem] = []
    docs: dict[str, RawDocument] = {}
    for name in SITE_FILES:
        path = f"site_config/{name}.yaml"
        if path not in files:
            problems.append(Problem(path, 1, 1, "", f"expected this file at the base ({ref[:10]}) to judge the change by; it is missing"))
            continue
        doc, found = parse_document(files[path], Path(path), path)
        problems += found
        docs[name] = doc
    policy = files.get(f"site_config/{POLICY_FILE}", b"").decode("utf-8", "replace")
    loaded = Loaded(root=history.root, site=docs, policy=policy, articles=[], problems=[])
    site = validate_site(loaded, problems) if not problems else None
    if site is None:
        raise ContentError([Problem(p.path, p.line, p.col, p.field, f"at the base ({ref[:10]}): {p.message}") for p in problems])
    return site


def read_approvals(root: Path) -> tuple[list[SiteApproval], list[Problem]]:
    path = Path(root) / APPROVALS_FILE
    if not path.is_file() or path.is_symlink():
        return [], []
    doc, problems = parse_document(path.read_bytes(), path, APPROVALS_FILE)
    if problems:
        return [], problems
    records = doc.data if isinstance(doc.data, list) else []
    out: list[SiteApproval] = []
    for i, record in enumerate(records):
        try:
            out.append(SiteApproval.model_validate(record))
        except ValidationError as exc:
            problems.append(doc.problem((i,), f"expected an approval as written by guidesite approve-site; {exc.errors()[0]['msg']}"))
    return out, problems


def check_site_change(root: Path, history: History, base: str, base_site: SiteConfig, today: date) -> SiteChange:
    """Compare site_config/ with the base; a change needs the base's editors' signed approvals."""
    before, after = site_files_at(history, base), site_files(root)
    change = SiteChange(required=base_site.settings.rules_on().site_approvals_required)
    change.changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    for path in change.changed:
        old, new = before.get(path, b"").decode("utf-8", "replace"), after.get(path, b"").decode("utf-8", "replace")
        change.diffs[path] = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"{path} (base)", f"{path} (this change)"))
    if not change.changed:
        return change
    digest = site_hash(after)
    approvals, change.problems = read_approvals(root)
    editors = {r.id: r for r in base_site.reviewers if "editor" in r.roles}
    for approval in approvals:
        editor = editors.get(approval.reviewer)
        if approval.content != digest or editor is None or not editor.signing_key:
            continue
        if approval.date > today or not editor.active_on(approval.date):
            continue
        if verify(statement(approval), approval.signature, editor.signing_key) and approval.reviewer not in change.approvers:
            change.approvers.append(approval.reviewer)
    if len(change.approvers) < change.required:
        names = ", ".join(sorted(editors)) or "none: the base registry has no member with the editor role"
        change.problems.append(Problem(
            change.changed[0], 1, 1, "",
            f"site_config/ changed ({', '.join(change.changed)}): expected {change.required} signed approval(s) by editors of the base's "
            f"registry ({names}); got {len(change.approvers)} (approve with: guidesite approve-site --reviewer ID --key PATH)"))
    return change


def approve_site(pipeline: "Pipeline", reviewer_id: str, *, on: date, key: Path) -> int:
    """Sign and record an editor's approval of site_config/ as it is; returns the approvals now current."""
    site = pipeline.validate().site
    editor = next((r for r in site.reviewers if r.id == reviewer_id), None)
    if editor is None or "editor" not in editor.roles:
        raise GuidesiteError(f"'{reviewer_id}' is not an editor in site_config/reviewers.yaml (roles: [editor])")
    if not editor.signing_key:
        raise GuidesiteError(f"{reviewer_id} has no signing_key in site_config/reviewers.yaml")
    if on > pipeline.today or not editor.active_on(on):
        raise GuidesiteError(f"an approval dated {on} is after today or outside {reviewer_id}'s term")
    if public_key_of(key) != editor.signing_key:
        raise GuidesiteError(f"the key {key} is not the signing key registered for {reviewer_id}")
    digest = site_hash(site_files(pipeline.root))
    record = SiteApproval(reviewer=reviewer_id, date=on, content=digest, signature="-")
    record = record.model_copy(update={"signature": sign(statement(record), key)})
    existing, problems = read_approvals(pipeline.root)
    if problems:
        raise ContentError(problems)
    kept = [a for a in existing if a.content == digest and a.reviewer != reviewer_id] + [record]
    out = io.StringIO()
    out.write("# Editors' signed approvals of site_config/ as it is (written by guidesite approve-site).\n")
    for approval in kept:
        out.write(f"- reviewer: {approval.reviewer}\n  date: {approval.date.isoformat()}\n  content: {approval.content}\n  signature: |\n")
        out.write("".join(f"    {line}\n" for line in approval.signature.splitlines()))
    (pipeline.root / APPROVALS_FILE).write_text(out.getvalue(), encoding="utf-8")
    return len(kept)
