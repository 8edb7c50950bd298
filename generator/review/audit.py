"""``guidesite audit``: every approval ever recorded, from history, for an accreditor.

Each distinct approval record found in any commit of ``content/`` (and in the
working tree) is listed once, with the commit that first held it: the article,
its version, the content hash, the reviewer, the date, whether the signature
verifies against the registry's key, what it rests on (the reviewer's key, or
the publisher's bot key and a GitHub review) and the declared interests.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING


from ..history import parse_revision
from ..model import Article, SiteConfig
from ..signing import fingerprint
from ..approvals import fitting_article, signature_problem
from .governed import governed_chain

if TYPE_CHECKING:
    from ..pipeline import Pipeline


@dataclass(frozen=True)
class AuditRow:
    article: str
    path: str
    version: int
    content: str
    reviewer: str
    date: str
    signature: str
    """valid, unsigned, or invalid (with why)."""
    trust: str
    """The key that vouches for it (fingerprint), and for a GitHub review its address."""
    coi: str
    commit: str
    """The first commit that held the record ("working tree" when not yet committed)."""
    chain: str = "approved"
    """Whether the registry and rules it was recorded under rest on editors' approvals (``approved``), or the
    unapproved change of code or configuration they rest on."""


def audit(pipeline: "Pipeline", *, trusted_since: str | None = None) -> list[AuditRow]:
    """Every approval record in the history of content/, oldest first, each with whether the code and
    configuration it was recorded under rest on editors' approvals (the chain from ``trusted_since``)."""
    site = pipeline.validate().site
    rows: list[AuditRow] = []
    seen: set[tuple] = set()
    history = pipeline.history
    revisions: dict[str, list] = {}  # every committed state of every file, by its path then (no rename guessing:
    for revision in history.states("content") if history is not None else []:  # a file deleted and added again keeps its past)
        revisions.setdefault(revision.path, []).append(revision)
    verdict = governed_chain(history, today=pipeline.today, anchor=trusted_since) if history is not None and history.has_head else None
    chains: dict[str, str] = {}

    def chain_of(commit: str) -> str:
        if verdict is None:
            return "not in a git repository"
        if commit not in chains:
            at = "HEAD" if commit == "working tree" else commit
            untrusted = verdict.depends_on_untrusted(history, at)
            chains[commit] = "approved" if untrusted is None else f"rests on unapproved change {untrusted.commit[:10]} ({untrusted.subject})"
        return chains[commit]

    working = {p.relative_to(pipeline.root).as_posix(): p for p in sorted((pipeline.root / "content").glob("*/*.yaml"))}
    for path in sorted(set(revisions) | set(working)):
        states = [(r.commit, parse_revision(r).data) for r in revisions.get(path, [])]
        if path in working:
            from ..load import load_document

            doc, problems = load_document(working[path], pipeline.root)
            states.append(("working tree", None if problems else doc.data))
        for commit, data in states:
            article = fitting_article(data)
            if article is None:
                continue
            for approval in article.review.approvals:
                key = (article.id, approval.reviewer, approval.content, approval.date, approval.signature)  # a move is not a new record
                if key in seen:
                    continue
                seen.add(key)
                rows.append(_row(article, path, approval, site, commit[:10] if commit != "working tree" else commit, chain_of(commit)))
    return rows


def _row(article: Article, path: str, approval, site: SiteConfig, commit: str, chain: str) -> AuditRow:
    problem = signature_problem(article, approval, site) if approval.signature else None
    status = "unsigned" if not approval.signature else "valid" if problem is None else f"invalid: {problem}"
    signer = site.reviewer(approval.signed_by) if approval.signed_by and approval.signed_by in {r.id for r in site.reviewers} else None
    if signer is None and approval.reviewer in {r.id for r in site.reviewers}:
        signer = site.reviewer(approval.reviewer)
    if status != "valid":
        trust = "none: nothing verifiable vouches for this record"
    else:
        trust = f"key {fingerprint(signer.signing_key)} ({signer.id})"
    if approval.github_review and status == "valid":
        trust += f"; GitHub review {approval.github_review}"
    return AuditRow(article.id, path, article.review.version, approval.content or "", approval.reviewer, approval.date.isoformat(),
                    status, trust, approval.coi or "", commit, chain)


def audit_text(rows: list[AuditRow], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(AuditRow.__dataclass_fields__))
    for row in rows:
        writer.writerow(list(asdict(row).values()))
    return out.getvalue()
