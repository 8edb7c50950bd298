"""``guidesite check --base REF``: what a pull request changes, and whether it may.

Compares every article with its state at the base ref and refuses moves the
editorial lifecycle does not allow; finds stale approvals; refuses an approval
by a reviewer who wrote part of the change (``Authorship``: typed e-mails,
SSH signatures by registry keys, GitHub's attribution of the pull request's
commits), and under ``attribution: provable`` any change nothing provable
attributes; and checks that the committed CODEOWNERS matches the reviewer
registry.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from typing import TYPE_CHECKING, Any


from ..errors import ContentError, Problem
from ..history import Commit, GitError, History, PastDocument, Revision
from ..load import RawDocument
from ..model import Article, SiteConfig
from ..model.site import Reviewer, signature_key
from ..signing import fingerprint
from .approvals import COPIED_APPROVAL, NOT_IN_REGISTRY, ApprovalState, approval_state, content_hash, eligible_reviewers, fitting_article, signature_problem
from .codeowners import CODEOWNERS_PATH, codeowners
from ..past_site import site_at
from .. import versions  # (a module: versions imports review, which imports this)
from .governed import GovernedChange, check_governed_change

if TYPE_CHECKING:
    from ..pipeline import Pipeline

ALLOWED_MOVES = {
    None: {"draft", "submitted", "under_review", "approved"},
    "draft": {"draft", "submitted", "under_review"},
    "submitted": {"draft", "submitted", "under_review", "approved"},
    "under_review": {"draft", "submitted", "under_review", "approved"},
    "approved": {"approved", "submitted", "under_review", "retired"},
    "retired": {"retired", "submitted", "under_review"},
}
"""Status at the base ref → statuses allowed at the head (None: a new article)."""


@dataclass
class ArticleChange:
    """One article as this change leaves it."""

    path: str
    id: str
    title: str
    kind: str
    """added, changed, unchanged or removed."""
    before: str | None
    after: str | None
    content_changed: bool
    state: ApprovalState | None
    eligible: list[Reviewer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    old: Article | None = None
    """The article at the base (None: new, or no longer fits the model)."""
    new: Article | None = None


@dataclass
class Analysis:
    base: str
    changes: list[ArticleChange]
    problems: list[Problem]
    governed: GovernedChange


@dataclass(frozen=True)
class Before:
    """An article as the base ref holds it.

    A file that no longer fits today's model (a model change, a migration in
    this very change) is not "new": its status, id and title are read from
    the raw data, so the lifecycle rules still apply, and its content counts
    as changed.
    """

    path: str
    status: str | None
    id: str
    title: str
    version: int | None
    article: Article | None
    """The typed article, when it still fits the model."""

    @property
    def retired_on(self) -> date | None:
        """For a retired article: the date its retirement was approved (its newest approval)."""
        if self.status != "retired" or self.article is None or not self.article.review.approvals:
            return None
        return max(a.date for a in self.article.review.approvals)


def analyse(pipeline: "Pipeline", base: str, *, change_authors: tuple[str, ...] = (),
            pr_commits: dict[str, "GitHubCommit"] | None = None) -> Analysis:
    """Everything ``check`` and ``review-report`` say about the change since ``base``.

    Approvals are judged by the site configuration as the base holds it
    (registry, keys, terms, rules): a change cannot vouch for itself.
    ``change_authors`` are GitHub logins known to have written the change (the
    pull request's author, from CI); with the writers of the commits that
    changed an article, none of them may approve it.  ``pr_commits`` is GitHub's
    attribution of the pull request's commits (``read_pr_commits``), which the
    base's rules may require (``attribution: provable``).
    """
    history = pipeline.history
    if history is None:
        raise GitError(f"expected a git repository to compare with '{base}'; {pipeline.root} is not in one")
    base_sha = history.resolve(base)
    base_date = date.fromisoformat(history.git("show", "-s", "--format=%cs", base_sha).decode().strip())
    validated = pipeline.validate(positions=True)
    base_site = site_at(history, base_sha)
    base_site.record_rules(versions.recorded_rules(history, within=base_sha))  # past approvals: the rules of the commit that recorded them
    before = _articles_at(history, base_sha)
    before_by_id = {old.id: old for old in before.values()}
    past = history.states_by_id("content")  # every state of every article, by id (read once; the versions below reuse it)
    problems: list[Problem] = []
    changes: list[ArticleChange] = []
    seen_paths = set()
    authorship = Authorship(history, base_sha, base_site, pr_commits)
    for article in validated.articles:
        doc = validated.sources[article.id]
        path = doc.shown
        seen_paths.add(path)
        old = previous_state(before, before_by_id, article, path, validated)
        seen_paths.add(old.path if old is not None else path)
        change = _compare(article, doc, old, base_site)
        if old is not None and old.path != path:
            change.kind = "moved"  # the same article (its id) in another file: not a deletion and an addition
        if change.content_changed and change.state is not None and change.state.current:
            change.problems += _authors_who_approve(authorship, article, doc, change.state, change_authors)
            change.problems += _approvals_before_their_content(article, doc, old, change.state, base_date)
        if change.content_changed:
            change.problems += _unattributed(authorship, doc)
        if change.kind != "unchanged":
            dated = {p.field for p in change.problems if p.field.endswith(".date")}  # one word on a date already refused
            change.problems += [p for p in history_problems(past.get(article.id, []), article, doc, change, old) if p.field not in dated]
        changes.append(change)
        problems += change.problems
    for path, old in sorted(before.items()):
        if path in seen_paths:
            continue
        change = ArticleChange(path, old.id, old.title, "removed", old.status, None, True, None, old=old.article)
        if old.status == "approved":
            change.problems.append(Problem(path, 1, 1, "", "expected an approved article to be retired (review.status: retired), not deleted; readers and citations point to it"))
        elif old.status == "retired":
            change.problems.append(Problem(path, 1, 1, "", "expected a retired article to stay (it says it is retired, and why); readers and citations point to it"))
        changes.append(change)
        problems += change.problems
    try:  # permanent copies: no version number may be approved again with other content
        pipeline.versions(validated)
    except ContentError as exc:
        problems += exc.problems
    governed = check_governed_change(pipeline.root, history, base_sha, base_site, pipeline.today)
    problems += governed.problems
    problems += _codeowners_problems(pipeline.root, validated.site)
    return Analysis(base=base, changes=changes, problems=problems, governed=governed)


def check(pipeline: "Pipeline", base: str, *, change_authors: tuple[str, ...] = (),
          pr_commits: dict[str, "GitHubCommit"] | None = None) -> list[Problem]:
    """Every problem with the change since ``base`` (empty when it may be merged)."""
    return analyse(pipeline, base, change_authors=change_authors, pr_commits=pr_commits).problems


def _articles_at(history: History, ref: str) -> dict[str, Before]:
    """Articles at ``ref`` by path, typed where they still fit the model."""
    return {path: _before(past) for path, past in history.documents_at(ref, "content").items()}


def _before(past: PastDocument) -> Before:
    data = past.data if isinstance(past.data, dict) else {}
    review = data.get("review") if isinstance(data.get("review"), dict) else {}
    status = review.get("status") if isinstance(review.get("status"), str) else None
    article = fitting_article(past.data)
    if article is not None:
        return Before(past.path, article.review.status, article.id, article.title, article.review.version, article)
    version = review.get("version", 1)
    version = version if isinstance(version, int) and not isinstance(version, bool) else None
    return Before(past.path, status, _text(data.get("id"), Path(past.path).stem), _text(data.get("title"), past.path), version, None)


def _text(value: Any, fallback: str) -> str:
    return value if isinstance(value, str) and value else fallback


def _compare(article: Article, doc: RawDocument, previous: Before | None, site: SiteConfig) -> ArticleChange:
    after = article.review.status
    before = previous.status if previous else None
    old = previous.article if previous else None
    changed = old is None or content_hash(old) != content_hash(article)
    kind = "added" if previous is None else ("changed" if changed or old != article else "unchanged")
    carried = {a.signature for a in (old.review.approvals if old else []) if a.signature}
    state = approval_state(article, site, newest_rules=any(a.signature not in carried for a in article.review.approvals))
    change = ArticleChange(doc.shown, article.id, article.title, kind, before, after, changed, state, eligible_reviewers(article, site), old=old, new=article)
    problems = change.problems
    status_at = ("review", "status")

    if after not in ALLOWED_MOVES[before]:
        what = "a new article" if before is None else f"'{before}'"
        hint = {
            ("draft", "approved"): "; submit it for review first (status: submitted)",
            ("retired", "approved"): "; a retired article comes back through review (status: submitted)",
        }.get((before, after), "")
        problems.append(doc.problem(status_at, f"expected a status reachable from {what} ({', '.join(sorted(ALLOWED_MOVES[before]))}); got '{after}'{hint}"))
    signed_off = after == "approved" or (after == "retired" and before != "retired")
    if after == "retired" and before != "retired" and not article.review.retired_reason:
        problems.append(doc.problem(status_at, "expected review.retired_reason (shown to readers) when retiring an article; got none"))
    if signed_off:
        for reviewer in state.stale:
            approval = next(a for a in article.review.approvals if a.reviewer == reviewer)
            index = article.review.approvals.index(approval)
            if signature_problem(article, approval, site) == COPIED_APPROVAL:  # signed for another article's content: not an old state of this one
                problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} of {approval.date} does not count: {COPIED_APPROVAL}"))
                continue
            if after == "retired":
                continue  # it approved the article before its retirement: said with the missing approval below
            problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} of {approval.date} is stale: the content changed after it was approved (re-approve with: guidesite approve {article.id} --reviewer {reviewer})"))
        for reviewer, why in state.not_counted.items():
            index = next(i for i, a in enumerate(article.review.approvals) if a.reviewer == reviewer)
            why = "not in the base's registry" if why == NOT_IN_REGISTRY else why  # check judges by the base's registry
            problems.append(doc.problem(("review", "approvals", index), f"approval by {reviewer} does not count: {why}"))
        if after == "retired" and state.missing:
            problems.append(_unapproved_retirement(article, doc, state, site))
        elif state.missing and not state.stale:
            problems.append(doc.problem(status_at, f"expected {state.required} current approval(s) for '{after}'; got {len(state.current)}"
                                        + (" (retiring an article is reviewed like publishing it)" if after == "retired" else "")))
        if before == "retired" and after == "approved":
            problems += _carried_over(article, doc, previous, state)
        old_version = previous.version if previous else None
        if (after == "approved" and old is not None and changed and old_version is not None and article.review.version > old_version
                and article.review.changes == old.review.changes):  # a retirement's note is its retired_reason
            problems.append(doc.problem(("review", "changes"), f"expected a change note for version {article.review.version} saying what changed; "
                                        f"got {'none' if not article.review.changes else 'the note of version ' + str(old_version)}"))
        if previous is not None and before == "approved" and changed and not state.stale and old_version is not None and article.review.version <= old_version:
            problems.append(doc.problem(("review", "version"), f"expected the version raised above {old_version} for a change to approved content; got {article.review.version}"))
    return change


def _carried_over(article: Article, doc: RawDocument, previous: Before, state: ApprovalState) -> list[Problem]:
    """A retired article comes back only through approvals made for its return: none carried over."""
    earlier = {a.signature for a in (previous.article.review.approvals if previous.article else []) if a.signature}
    problems = []
    for index, approval in enumerate(article.review.approvals):
        if approval.reviewer in state.current and (approval.signature in earlier or (previous.retired_on is not None and approval.date <= previous.retired_on)):
            problems.append(doc.problem(("review", "approvals", index), f"approval by {approval.reviewer} of {approval.date} was given before the article was retired; it never counts again (approve it anew)"))
    return problems


_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[^@]+)@users\.noreply\.github\.com$", re.IGNORECASE)


def identity_matches(commit: Commit, reviewer: Reviewer) -> bool:
    """Whether a commit's author e-mail, as git records it (typed in: proof of nothing), is the reviewer's."""
    return _email_is(commit.author_email, reviewer)


def _email_is(email: str, reviewer: Reviewer) -> bool:
    email = email.strip().casefold()
    if reviewer.email and email == reviewer.email.casefold():
        return True
    match = _NOREPLY.match(email)
    return bool(reviewer.github and match and match["login"].casefold() == reviewer.github.casefold())


# -- who wrote the change: what git and GitHub can prove -------------------------------------------------------

WEB_FLOW = "web-flow"
"""The GitHub account that commits what people do on github.com (an edit, a merge, "Update branch");
GitHub signs those commits and names the signed-in person as their author."""

_PR_COMMITS = "the JSON GitHub returns for a pull request's commits (gh api --paginate repos/OWNER/REPO/pulls/N/commits)"


@dataclass(frozen=True)
class GitHubCommit:
    """One commit of the pull request as GitHub attributes it (REST: "List commits on a pull request")."""

    sha: str
    author: str | None
    """The login GitHub maps the author e-mail to (None: no account).  An e-mail is typed in: alone, this proves nothing."""
    committer: str | None
    """The login GitHub maps the committer e-mail to (None: no account)."""
    verified: bool
    """Whether GitHub verified the commit's signature, with a key of the account whose verified e-mail is the committer's."""
    reason: str
    """GitHub's word for the verification (valid, unsigned, no_user, bad_email, unknown_key, …)."""

    @property
    def proven(self) -> str | None:
        """The account that provably made the commit: the committer whose signature GitHub verified; for a commit
        GitHub made itself (web-flow), the signed-in author it made it for.  None: nothing proves who made it."""
        if not self.verified:
            return None
        if self.committer and self.committer.casefold() == WEB_FLOW:
            return self.author
        return self.committer


def read_pr_commits(path: Path) -> dict[str, GitHubCommit]:
    """``check --pr-commits FILE``: the pull request's commits by sha, as GitHub's REST API lists them (one JSON
    array; or the pages ``gh api --paginate`` prints one after the other; or ``--slurp``'s array of pages).
    Any list of GitHub's commit objects will do (``compare/BASE...HEAD``'s ``commits`` for a push).  Fields
    we do not read may be left out.  Anything else is a located problem (ContentError)."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise ContentError([Problem(shown, 1, 1, "", f"expected {_PR_COMMITS}; cannot read it: {why}")]) from None
    decoder = json.JSONDecoder()
    pages: list[tuple[Any, int]] = []
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            break
        try:
            value, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise ContentError([Problem(shown, exc.lineno, exc.colno, "", f"expected {_PR_COMMITS}; {exc.msg}")]) from None
        pages.append((value, at))
        at = end
    if not pages:
        raise ContentError([Problem(shown, 1, 1, "", f"expected {_PR_COMMITS}; got an empty file")])
    problems: list[Problem] = []
    items: list[Any] = []
    for value, offset in pages:
        if not isinstance(value, list):
            line, col = _line_col(text, offset)
            problems.append(Problem(shown, line, col, "", f"expected {_PR_COMMITS}: a JSON array of commits; got {_got(value)}"))
            continue
        for entry in value:
            items.extend(entry if isinstance(entry, list) else [entry])  # --slurp: an array of pages
    commits: dict[str, GitHubCommit] = {}
    for index, item in enumerate(items):
        sha = item.get("sha") if isinstance(item, dict) else None
        found = text.find(f'"{sha}"') if isinstance(sha, str) and sha else -1
        line, col = _line_col(text, found + 1) if found >= 0 else (1, 1)
        where = f"[{index}]"

        def problem(field: str, message: str) -> None:
            problems.append(Problem(shown, line, col, f"{where}{field}", message))

        if not isinstance(item, dict):
            problem("", f"expected a commit object as GitHub lists it; got {_got(item)}")
            continue
        if not (isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha)):
            problem(".sha", f"expected the commit's full sha (40 hexadecimal digits); got {_got(sha)}")
        logins = {}
        for role in ("author", "committer"):
            user = item.get(role)
            if user is None:
                logins[role] = None
            elif isinstance(user, dict) and isinstance(user.get("login"), str) and user["login"]:
                logins[role] = user["login"]
            else:
                problem(f".{role}", f"expected a GitHub user object with a login, or null; got {'an object without a login' if isinstance(user, dict) else _got(user)}")
        commit = item.get("commit")
        verification = commit.get("verification") if isinstance(commit, dict) else None
        if not (isinstance(verification, dict) and isinstance(verification.get("verified"), bool) and isinstance(verification.get("reason"), str)):
            got = "an object without verified (true or false) and reason" if isinstance(verification, dict) else _got(verification)
            problem(".commit.verification", f"expected GitHub's signature verification (verified, reason); got {got}")
            continue
        if isinstance(sha, str) and len(logins) == 2:
            commits[sha] = GitHubCommit(sha, logins["author"], logins["committer"], verification["verified"], verification["reason"])
    if problems:
        raise ContentError(problems)
    return commits


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _got(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value[:60]}'"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return str(value)[:60]


class Authorship:
    """Who wrote each commit since the base that changed an article, from what git and GitHub can prove.

    Evidence that a reviewer wrote a commit is taken from anything (refusing their approval errs on the
    safe side): git's typed author or committer e-mail, an SSH signature by their key in the base's
    registry, GitHub's attribution to their account.  Evidence of who did write it, which the rule
    ``attribution: provable`` asks for, only from what cannot be typed in: a signature by a key of the
    base's registry (checked here, by git and OpenSSH, against an allowed-signers file built from the
    registry), or a signature GitHub verified (``--pr-commits``, fetched by the base's workflow).
    """

    def __init__(self, history: History, base: str, site: SiteConfig, github: dict[str, GitHubCommit] | None = None):
        self.history = history
        self.base = base
        self.site = site
        self.github = github
        """None: no GitHub attribution was given."""
        self.rules = site.settings.rules_on()
        self._writers: dict[str, list[Commit]] = {}
        self._signatures: dict[str, tuple[str, str, str]] | None = None

    def writers(self, path: str) -> list[Commit]:
        """The commits since the base that changed what reviewers vouch for in ``path`` (a commit that only
        adds approvals, or sets the status or version, writes nothing)."""
        if path not in self._writers:
            commits = self.history.commits_touching(path, since=self.base)
            states = self.history.documents_at_commits(path, [self.base] + [c.sha for c in commits])
            hashes = [_vouched(past.data) for past in states]
            self._writers[path] = [commit for commit, previous, now in zip(commits, hashes, hashes[1:]) if now is None or now != previous]
        return self._writers[path]

    def signer(self, commit: Commit) -> tuple[str, Reviewer | None]:
        """git's verdict on the commit's signature (``%G?``), and the registry member whose key made it."""
        if self._signatures is None:
            keyed = [r for r in self.site.reviewers if r.signing_key]
            with tempfile.TemporaryDirectory(prefix="guidesite-signers-") as folder:
                allowed = Path(folder) / "allowed_signers"
                allowed.write_text("".join(f'{r.id} namespaces="git" {r.signing_key}\n' for r in keyed), encoding="utf-8")
                self._signatures = self.history.signatures(self.base, allowed)
        status, principal, key = self._signatures.get(commit.sha, ("N", "", ""))
        if status != "G":
            return status, None
        return status, next((r for r in self.site.reviewers if r.id == principal and r.signing_key and fingerprint(r.signing_key) == key), None)

    def wrote(self, commit: Commit, reviewer: Reviewer) -> str | None:
        """How we know ``reviewer`` wrote ``commit`` (words for the message; "" when by git's author e-mail), or None."""
        _, member = self.signer(commit)
        if member is not None and member.id == reviewer.id:
            return f"signed with {reviewer.id}'s key in the registry"
        ours = self.github.get(commit.sha) if self.github else None
        handle = reviewer.github.casefold() if reviewer.github else None
        if ours is not None and handle:
            if ours.author and ours.author.casefold() == handle:
                return f"which GitHub attributes to {ours.author}"
            if ours.committer and ours.committer.casefold() == handle:
                return f"committed by GitHub user {ours.committer}"
        if identity_matches(commit, reviewer):
            return ""
        if _email_is(commit.committer_email, reviewer):
            return f"committed as <{commit.committer_email}>"
        return None

    def unattributed(self, commit: Commit) -> str | None:
        """Why nothing that cannot be typed in says who made ``commit`` (None: a registry key or GitHub does)."""
        status, member = self.signer(commit)
        ours = self.github.get(commit.sha) if self.github is not None else None
        if member is not None or (ours is not None and ours.proven):
            return None
        signature = {
            "B": "its signature does not verify (the commit was altered after it was signed)",
            "U": "it is signed by a key that is not in the registry",
            "E": "its signature cannot be checked",
            "X": "its signature has expired", "Y": "it is signed by a key that has expired", "R": "it is signed by a revoked key",
        }.get(status, "it is not signed by a key in the registry")
        if self.github is None:
            github = "no GitHub attribution was given (check --pr-commits FILE)"
        elif ours is None:
            github = "it is not among the commits GitHub listed (--pr-commits; GitHub lists at most 250 of a pull request)"
        elif ours.verified:
            github = "GitHub verified its signature but names no account for it"
        elif ours.author is None:
            github = f"GitHub maps its e-mail to no account (its signature: {ours.reason})"
        else:
            github = f"GitHub did not verify its signature ({ours.reason}): it names {ours.author} only from the typed e-mail"
        return f"{signature}, and {github}"


def _authors_who_approve(authorship: Authorship, article: Article, doc: RawDocument, state: ApprovalState,
                         change_authors: tuple[str, ...]) -> list[Problem]:
    """Counted approvals by someone who wrote part of the change (unless the rules allow it).

    The writers are the commits since the base that changed what reviewers vouch for (see ``Authorship``:
    git's typed e-mails, signatures by registry keys, GitHub's attribution), and the logins CI names
    (the pull request's author).
    """
    if state.author_may_approve:
        return []
    writers = authorship.writers(doc.shown)
    reviewers = {r.id: r for r in authorship.site.reviewers}
    problems = []
    for index, approval in enumerate(article.review.approvals):
        reviewer = reviewers.get(approval.reviewer)
        if approval.reviewer not in state.current or reviewer is None:
            continue
        wrote = next(((c, how) for c in writers if (how := authorship.wrote(c, reviewer)) is not None), None)
        if wrote is not None:
            commit, how = wrote
            why = (f"{approval.reviewer} wrote part of this change (commit {commit.sha[:10]} by {commit.author_name} <{commit.author_email}>"
                   + (f", {how})" if how else ")"))
        elif reviewer.github and reviewer.github.casefold() in {login.casefold() for login in change_authors}:
            why = f"{approval.reviewer} opened this change (GitHub {reviewer.github})"
        else:
            continue
        problems.append(doc.problem(("review", "approvals", index), f"approval by {approval.reviewer} does not count: {why}; another reviewer must approve"))
    return problems


def _unattributed(authorship: Authorship, doc: RawDocument) -> list[Problem]:
    """Under ``attribution: provable`` (the base's rules), each commit since the base that changed the
    article must be attributed by what cannot be typed in."""
    if authorship.rules.attribution != "provable":
        return []
    problems = []
    for commit in authorship.writers(doc.shown):
        why = authorship.unattributed(commit)
        if why is not None:
            problems.append(doc.problem(("review", "author"), f"commit {commit.sha[:10]} by {commit.author_name} <{commit.author_email}> changed this article "
                                        f"and cannot be attributed: {why}; the rules ask for provable authorship (attribution: provable)"))
    return problems


def _approvals_before_their_content(article: Article, doc: RawDocument, previous: Before | None, state: ApprovalState, base_date: date) -> list[Problem]:
    """A new approval of content this change wrote cannot be dated before the base it was written on
    (the date main recorded, which the change cannot set): a back-dated approval would slip into an
    old rule set or a term that has ended."""
    carried = {a.signature for a in (previous.article.review.approvals if previous and previous.article else []) if a.signature}
    problems = []
    for index, approval in enumerate(article.review.approvals):
        if approval.reviewer in state.current and approval.signature not in carried and approval.date < base_date:
            problems.append(doc.problem(("review", "approvals", index, "date"),
                                        f"expected an approval dated on or after {base_date} (the base this content was written on); got {approval.date}"))
    return problems


def _vouched(data: Any) -> str | None:
    article = fitting_article(data)
    return content_hash(article) if article is not None else None


def _codeowners_problems(project: Path, site: SiteConfig) -> list[Problem]:
    path = project / CODEOWNERS_PATH
    wanted = codeowners(site)
    have = path.read_text(encoding="utf-8") if path.exists() else None
    if have == wanted:
        return []
    what = "missing" if have is None else "out of date with site_config/reviewers.yaml"
    return [Problem(CODEOWNERS_PATH, 1, 1, "", f"expected CODEOWNERS generated from the reviewer registry; it is {what} (run: guidesite codeowners)")]




# -- an article's whole history, not only base and head -----------------------------------------------------------


def previous_state(before: dict[str, Before], before_by_id: dict[str, Before], article: Article, path: str, validated: Any) -> Before | None:
    """The article as the base held it: the base's file with the same ``id`` (wherever it was: a moved
    article is the same article), else the base's file at this path when its article is gone (an id
    changed in place)."""
    old = before_by_id.get(article.id)
    if old is not None:
        return old
    old = before.get(path)
    if old is not None and old.id in validated.sources:
        return None  # that file's article lives on in another file (matched there by its id)
    return old


def history_problems(states: list[Revision], article: Article, doc: RawDocument, change: ArticleChange, previous: Before | None) -> list[Problem]:
    """What the article's whole history (``states``: every committed state of its id, on every path) says of this change:
    no approval made before a retirement counts after it, however many steps it took; an approval is
    dated on or after ``review.updated`` and on or after the day its content first appeared in history;
    an approved article's next review lies within the review cycle; and a change of the version number
    alone is named as such."""
    state = change.state
    problems: list[Problem] = []
    if state is None:
        return problems
    old = previous.article if previous is not None else None
    if old is not None and not change.content_changed and old.review.version != article.review.version and previous.status == "approved":
        problems.append(doc.problem(("review", "version"), f"expected version {old.review.version}: only the version number changed, and the content is "
                                    f"the one approved as version {old.review.version} (version numbers are given by guidesite approve); "
                                    f"got {article.review.version}"))
    counted = [(i, a) for i, a in enumerate(article.review.approvals) if a.reviewer in state.current and a.content == content_hash(article)]
    if not counted:
        return problems
    if article.review.status != "retired" and change.before != "retired":  # (from a retired base: _carried_over says it)
        retired = versions.last_retirement(states)
        if retired is not None:
            for index, approval in counted:
                if signature_key(approval.signature) in retired.signatures or (retired.on is not None and approval.date <= retired.on):
                    problems.append(doc.problem(("review", "approvals", index), f"approval by {approval.reviewer} of {approval.date} was given before the "
                                                f"article was retired (commit {retired.commit[:10]}); it never counts again (approve it anew)"))
    updated = article.review.updated
    seen = versions.first_seen(states, content_hash(article))
    appeared = date.fromisoformat(seen.day) if seen is not None and seen.day else None
    carried = {a.signature for a in (old.review.approvals if old is not None else []) if a.signature}
    for index, approval in counted:
        if approval.signature in carried:
            continue  # dated as it was when the change that added it was checked (content imported with its approvals keeps them)
        if updated is not None and approval.date < updated:
            problems.append(doc.problem(("review", "approvals", index, "date"), f"expected an approval dated on or after review.updated ({updated}); got {approval.date}"))
        elif appeared is not None and approval.date < appeared:
            problems.append(doc.problem(("review", "approvals", index, "date"), f"expected an approval dated on or after {appeared}, when this content first "
                                        f"appeared in history (commit {seen.commit[:10]}); got {approval.date}"))
    if article.review.status == "approved" and state.rules is not None and any(a.signature not in carried for _, a in counted):
        last = max(a.date for _, a in counted)
        limit = add_months(last, state.rules.review_cycle_months)
        if article.review.next_review > limit:
            problems.append(doc.problem(("review", "next_review"), f"expected the next review within {state.rules.review_cycle_months} months of the approval "
                                        f"of {last} (review_rules.review_cycle_months): on or before {limit}; got {article.review.next_review}"))
    return problems


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the month's last day where it is shorter)."""
    import calendar

    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _unapproved_retirement(article: Article, doc: RawDocument, state: ApprovalState, site: SiteConfig) -> Problem:
    """A retirement without its own approvals: the approvals it carries are of the article before it."""
    earlier = [a for a in article.review.approvals if a.reviewer in state.stale and signature_problem(article, a, site) != COPIED_APPROVAL]
    why = ""
    if earlier:
        which = ", ".join(f"{a.reviewer} of {a.date}" for a in earlier)
        why = (f": the approval{'s' if len(earlier) > 1 else ''} by {which} approved the article before it was retired "
               f"(approve the retirement with: guidesite approve {article.id} --reviewer ID)")
    return doc.problem(("review", "status"), f"expected {state.required} approval(s) of the retirement (retiring an article is reviewed like "
                                             f"publishing it); got {len(state.current)}{why}")
