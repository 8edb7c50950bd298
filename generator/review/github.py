"""Approvals given as GitHub pull-request reviews, signed by the publisher's bot key.

Clinicians who never open a terminal approve a pull request on GitHub.  The
recording workflow (``.github/workflows/review-approval.yml``) runs the default
branch's own workflow file and tool, never the pull request's: it fetches the
review and the pull request from GitHub's API, writes them as one payload
(``{"review": …, "pull_request": …}``, the shapes GitHub documents), checks out
the reviewed commit as data, and hands the payload to ``guidesite approve
--from-github-event``.  That records, for each article the pull request changes,
the reviewer's approval — signed with the bot key (a secret only that workflow's
protected environment reaches; its public key is the registry's ``bot`` entry)
and citing the review's address.  The reviewer's declaration of interests is the
review's ``COI:`` line.

Who the reviewer is, and the bot's key, are read from the *base's* registry: a
pull request that maps a login onto a reviewer in its own registry gains nothing.
What is recorded is the commit the reviewer approved (the review's
``commit_id``): the branch must still be at that commit, and every approval pins
that content's hash, so a later push leaves it visibly stale.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import GuidesiteError
from ..past_site import site_at
from ..signing import public_key_of
from ..approvals import content_hash, fitting_article
from .approve import Approved, approve

if TYPE_CHECKING:
    from ..pipeline import Pipeline

_COI = re.compile(r"^\s*(?:COI|conflicts? of interest)\s*:\s*(?P<text>\S.*?)\s*$", re.IGNORECASE | re.MULTILINE)


class ReviewEventRefused(GuidesiteError):
    """The GitHub review cannot be recorded as an approval."""


@dataclass(frozen=True)
class ReviewEvent:
    login: str
    state: str
    url: str
    submitted: date
    body: str
    pr_author: str
    base_sha: str
    commit_id: str
    """The commit the reviewer saw and approved."""
    head_sha: str
    """Where the pull request's branch is now."""
    base_ref: str


def read_event(path: Path) -> ReviewEvent:
    """The parts of a ``pull_request_review`` payload (as GitHub documents it) that matter here."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        review, pull = payload["review"], payload["pull_request"]
        return ReviewEvent(
            login=review["user"]["login"],
            state=str(review["state"]).lower(),
            url=review["html_url"],
            submitted=datetime.fromisoformat(review["submitted_at"].replace("Z", "+00:00")).date(),
            body=review.get("body") or "",
            pr_author=pull["user"]["login"],
            base_sha=pull["base"]["sha"],
            commit_id=str(review["commit_id"]),
            head_sha=str(pull["head"]["sha"]),
            base_ref=str(pull["base"]["ref"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReviewEventRefused(f"expected a pull_request_review event payload in {path}; {type(exc).__name__}: {exc}") from exc


def approve_from_event(pipeline: "Pipeline", event_path: Path, *, key: Path) -> list[Approved]:
    """Record the review's approval of every article the pull request changes that the reviewer covers."""
    event = read_event(event_path)
    if event.state != "approved":
        raise ReviewEventRefused(f"the review by {event.login} is '{event.state}', not an approval; nothing to record")
    history = pipeline.history
    if history is None:
        raise ReviewEventRefused("the project is not a git repository; the pull request's changes cannot be found")
    if event.commit_id != event.head_sha:
        raise ReviewEventRefused(f"the review by {event.login} approved commit {event.commit_id[:10]}, but the pull request is now at "
                                 f"{event.head_sha[:10]}: what was pushed since is not reviewed (the review is stale: review the latest commit)")
    head = history.resolve("HEAD", option="the checked-out pull request")
    if head != event.commit_id:
        raise ReviewEventRefused(f"expected the reviewed commit {event.commit_id[:10]} checked out; the project is at {head[:10]}")
    if history.git("status", "--porcelain", "--", "content").strip():
        raise ReviewEventRefused("expected content/ exactly as the reviewed commit holds it; the working tree has changes")
    base = history.resolve(event.base_sha, option="the event's base")
    registry = site_at(history, base)  # who the reviewer is, by the registry the change is judged by
    reviewer = next((r for r in registry.reviewers if r.github and r.github.casefold() == event.login.casefold() and not r.is_bot), None)
    if reviewer is None:
        raise ReviewEventRefused(f"GitHub user {event.login} is not a reviewer in the base's registry (site_config/reviewers.yaml at "
                                 f"{base[:10]}, github: field); a registry change in the pull request itself counts only once merged")
    if event.login.casefold() == event.pr_author.casefold():
        raise ReviewEventRefused(f"{event.login} opened this pull request and may not approve it")
    match = _COI.search(event.body)
    if match is None:
        raise ReviewEventRefused(f"the review by {event.login} declares no interests: add a line 'COI: none' (or what they are) to the review")
    bot_key = public_key_of(key)
    bot = next((r for r in registry.reviewers if r.is_bot and r.signing_key == bot_key), None)
    if bot is None:
        raise ReviewEventRefused("the key given is not the signing key of a bot entry in the base's registry (site_config/reviewers.yaml)")
    pipeline.judge_by = base  # approve() then signs by the base's registry and rules too
    validated = pipeline.validate()
    before = history.documents_at(base, "content")
    done = []
    for article in validated.articles:
        past = before.get(validated.sources[article.id].shown)
        unchanged = past is not None and (before_article := fitting_article(past.data)) is not None and content_hash(before_article) == content_hash(article)
        if unchanged:
            continue  # not changed by this pull request
        if article.specialty not in reviewer.specialties or article.review.status == "draft":
            continue
        done.append(approve(pipeline, article.id, reviewer.id, on=event.submitted, coi=match["text"], key=key,
                            github_review=event.url, signed_by=bot.id))
    if not done:
        raise ReviewEventRefused(f"the pull request changes no article {reviewer.id} may approve")
    return done
