"""Approvals given as GitHub pull-request reviews, signed by the publisher's bot key.

Clinicians who never open a terminal approve a pull request on GitHub.  A
workflow on ``pull_request_review`` hands the event payload GitHub writes
(``$GITHUB_EVENT_PATH``) to ``guidesite approve --from-github-event``, which
records, for each article the pull request changes, the reviewer's approval —
signed with the bot key (a repository secret whose public key is the
registry's ``bot`` entry) and citing the review's address.  The reviewer's
declaration of interests is the review's ``COI:`` line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import GuidesiteError
from ..signing import public_key_of
from .approvals import content_hash, fitting_article
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
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReviewEventRefused(f"expected a pull_request_review event payload in {path}; {type(exc).__name__}: {exc}") from exc


def approve_from_event(pipeline: "Pipeline", event_path: Path, *, key: Path) -> list[Approved]:
    """Record the review's approval of every article the pull request changes that the reviewer covers."""
    event = read_event(event_path)
    if event.state != "approved":
        raise ReviewEventRefused(f"the review by {event.login} is '{event.state}', not an approval; nothing to record")
    site = pipeline.validate().site
    reviewer = next((r for r in site.reviewers if r.github and r.github.casefold() == event.login.casefold() and not r.is_bot), None)
    if reviewer is None:
        raise ReviewEventRefused(f"GitHub user {event.login} is not a reviewer in site_config/reviewers.yaml (github: field)")
    if event.login.casefold() == event.pr_author.casefold():
        raise ReviewEventRefused(f"{event.login} opened this pull request and may not approve it")
    match = _COI.search(event.body)
    if match is None:
        raise ReviewEventRefused(f"the review by {event.login} declares no interests: add a line 'COI: none' (or what they are) to the review")
    bot_key = public_key_of(key)
    bot = next((r for r in site.reviewers if r.is_bot and r.signing_key == bot_key), None)
    if bot is None:
        raise ReviewEventRefused("the key given is not the signing key of a bot entry in site_config/reviewers.yaml")
    history = pipeline.history
    if history is None:
        raise ReviewEventRefused("the project is not a git repository; the pull request's changes cannot be found")
    before = history.documents_at(history.resolve(event.base_sha, option="the event's base"), "content")
    validated = pipeline.validate()
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
