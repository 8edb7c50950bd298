"""Who wrote a change, from what git and GitHub can prove (a reviewer may not approve what they wrote).

A commit's typed author and committer e-mails are evidence against a reviewer only; a commit
SSH-signed with a key of the base's registry is that member's, whatever name it carries; GitHub's
attribution of the pull request's commits (``check --pr-commits``: a verified committer, or the
signed-in author of a commit made on github.com) names accounts.  Under ``attribution: provable``
a content commit nothing provable attributes is refused.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ContentError, Problem
from ..history import Commit, History
from ..load import RawDocument
from ..model import Article, SiteConfig
from ..model.site import Reviewer
from ..signing import fingerprint
from ..approvals import ApprovalState, content_hash, fitting_article


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


def authors_who_approve(authorship: Authorship, article: Article, doc: RawDocument, state: ApprovalState,
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


def unattributed(authorship: Authorship, doc: RawDocument) -> list[Problem]:
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


def _vouched(data: Any) -> str | None:
    article = fitting_article(data)
    return content_hash(article) if article is not None else None
