"""``guidesite approve ARTICLE --reviewer ID``: record a sign-off pinned to the content.

The reviewer never computes a hash by hand: this writes the approval (who,
when, which content) into the article's ``review.approvals``, drops
approvals of earlier content, and moves the status to approved once the
rules are met.  The file is edited in place with its comments and layout
kept (ruamel.yaml round trip); only the review block changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from ..errors import ContentError, GuidesiteError, Problem
from ..rewrite import dumped, replace_text, round_trip
from ..model import Approval, Article
from ..signing import default_key, public_key_of, sign
from .. import versions as history_of  # (a module: versions imports review, which imports this)
from ..approvals import approval_state, content_hash, is_author, statement
from .diff import clinical_diff


class ApprovalRefused(GuidesiteError):
    """The reviewer may not approve this article."""


if TYPE_CHECKING:
    from ..pipeline import Pipeline


@dataclass
class Approved:
    path: Path
    status: str
    version: int
    current: list[str]
    dropped: list[str]
    missing: int


def approve(
    pipeline: "Pipeline",
    article_id: str,
    reviewer_id: str,
    *,
    on: date,
    coi: str,
    key: Path | None = None,
    github_review: str | None = None,
    signed_by: str | None = None,
    show: Callable[[str], None] | None = None,
) -> Approved:
    """Sign and write ``reviewer_id``'s approval of the article as it is now.

    ``key`` is the reviewer's SSH key (or, with ``signed_by``, the publisher's bot
    key recording a GitHub review at ``github_review``).  The version is the
    tool's to assign: the last approved version's number when the content is
    the one approved then, the next number when it changed.
    """
    validated = pipeline.validate()
    article = next((a for a in validated.articles if a.id == article_id), None)
    if article is None:
        raise ApprovalRefused(f"no article with id '{article_id}' in content/")
    site = validated.site
    reviewer = next((r for r in site.reviewers if r.id == reviewer_id), None)
    if reviewer is None or reviewer.is_bot:
        raise ApprovalRefused(f"'{reviewer_id}' is not a reviewer in site_config/reviewers.yaml")
    if article.specialty not in reviewer.specialties:
        raise ApprovalRefused(f"{reviewer_id} covers {', '.join(reviewer.specialties)}, not {article.specialty}")
    if not site.settings.rules_on(on).author_may_approve and is_author(article, reviewer):
        raise ApprovalRefused(f"{reviewer_id} is the author of {article_id} and may not approve it")
    if article.review.status == "draft":
        raise ApprovalRefused(f"{article_id} is a draft; set review.status to submitted before approval")
    retiring = article.review.status == "retired"  # retiring is approved like publishing; the status stays
    if on > pipeline.today:
        raise ApprovalRefused(f"an approval cannot be dated after today ({pipeline.today}); got {on}")
    if not reviewer.active_on(on):
        raise ApprovalRefused(f"{reviewer_id} is not on the board on {on} (active_from/active_until in site_config/reviewers.yaml)")
    if not coi.strip():
        raise ApprovalRefused("declare conflicts of interest for this article with --coi ('none' if there are none)")
    if on < article.review.updated:
        raise ApprovalRefused(f"an approval cannot be dated before the content's review.updated ({article.review.updated}); got {on}")

    digest = content_hash(article)
    states = history_of.article_states(pipeline.history, article.id)
    seen = history_of.first_seen(states, digest)
    if seen is not None and seen.day and on < date.fromisoformat(seen.day):
        raise ApprovalRefused(f"an approval cannot be dated before its content first appeared in history ({seen.day}, commit {seen.commit[:10]}); got {on}")
    if seen is None and pipeline.history is not None and pipeline.history.has_head and on < date.fromisoformat(head := pipeline.history.earliest_day()):
        raise ApprovalRefused(f"an approval cannot be dated before its content existed: it is not committed yet, so it is newer than the last commit ({head}); got {on}")
    versions = pipeline.versions(validated).get(article.id, [])
    version = _version_for(versions, article, digest)
    if show is not None:  # what the reviewer is about to vouch for, before anything is signed
        last = versions[-1] if versions else None
        changes = clinical_diff(last.article if last else None, article) if not last or content_hash(last.article) != digest else []
        show(f"Approving {article_id} version {version}" + (f"; changes since version {last.number}:" if last else " (never approved before):")
             if changes else f"Approving {article_id} version {version}, the content approved before.")
        for line in changes:
            show(f"  {line}")
    record = Approval(reviewer=reviewer_id, date=on, content=digest, coi=coi.strip(), signed_by=signed_by, github_review=github_review)
    if key is None:
        key = default_key()
        if key is None:
            raise ApprovalRefused("no signing key: give --key PATH (your ~/.ssh/id_ed25519, or its .pub with the key in ssh-agent)")
    signer = next((r for r in site.reviewers if r.id == signed_by), None) if signed_by else reviewer
    if signer is None or not signer.signing_key:
        who = signed_by if signed_by else reviewer_id
        raise ApprovalRefused(f"{who} has no signing_key in site_config/reviewers.yaml; add the public key (ssh-ed25519 AAAA…) first")
    if public_key_of(key) != signer.signing_key:
        raise ApprovalRefused(f"the key {key} is not the signing key registered for {signer.id} in site_config/reviewers.yaml")
    record = record.model_copy(update={"signature": sign(statement(article_id, version, record), key)})

    retired = None if retiring else history_of.last_retirement(states)

    def before_retirement(approval: Approval) -> bool:  # never counts again once the article is back (check refuses it)
        return retired is not None and retired.precedes(approval)

    kept = [a for a in article.review.approvals if a.content == digest and a.reviewer != reviewer_id and not before_retirement(a)]
    dropped = [a.reviewer for a in article.review.approvals if a.content != digest or before_retirement(a)]
    approvals = [*kept, record]
    review = article.review.model_copy(update={"approvals": approvals, "version": version})
    # Judged as check judges a change that adds an approval: by the newest rules, whatever date it carries.
    state = approval_state(article.model_copy(update={"review": review}), site, newest_rules=True)
    if reviewer_id not in state.current:
        why = state.not_counted.get(reviewer_id, "it does not count under the rules")
        raise ApprovalRefused(f"the approval would not count: {why}")
    if not retiring and state.rules is not None:
        last = max(a.date for a in approvals)
        limit = state.rules.review_due_by(last)
        if article.review.next_review > limit:
            raise ApprovalRefused(f"review.next_review ({article.review.next_review}) is more than {state.rules.review_cycle_months} months after the approval "
                                  f"(review_rules.review_cycle_months): set it on or before {limit} first")
    status = "retired" if retiring else "approved" if state.rules_met else "under_review"

    path = validated.sources[article_id].path
    original = _rewrite(path, approvals=approvals, status=status, version=version)
    try:
        pipeline.validate([path])
    except ContentError as exc:  # never leave a file we broke
        path.write_text(original, encoding="utf-8")
        shown = validated.sources[article_id].shown
        raise ContentError([Problem(shown, 1, 1, "", "approve produced an invalid file; the original was put back")] + exc.problems) from exc
    return Approved(path, status, version, state.current, dropped, state.missing)


def _version_for(versions: list, article: Article, digest: str) -> int:
    """The number this content has or will have: the last approved version's when it is that
    content, else the next one.  Never typed by hand, so a permanent copy cannot be re-approved
    with other content under its number."""
    if not versions:
        return article.review.version
    last = versions[-1]
    return last.number if content_hash(last.article) == digest else last.number + 1


def _rewrite(path: Path, *, approvals: list[Approval], status: str, version: int) -> str:
    """Rewrite the review block; returns the file's previous text."""
    original = path.read_text(encoding="utf-8")
    yaml = round_trip()
    data = yaml.load(original)
    review = data["review"]
    review["status"] = status
    if "version" in review or version != 1:
        review["version"] = version
    records = CommentedSeq()
    for approval in approvals:
        record = CommentedMap()
        for name, value in approval.model_dump(exclude_none=True).items():
            record[name] = LiteralScalarString(value + "\n") if name == "signature" else value
        records.append(record)
    records.fa.set_block_style()
    review["approvals"] = records
    replace_text(path, dumped(yaml, data), original)
    return original
