"""The editorial workflow: approvals pinned to content, lifecycle checks, reports.

``approvals.py`` (hash, rules, effective status), ``check.py`` (a change
against its base ref), ``approve.py`` (write a sign-off), ``report.py``
(pull-request summary), ``codeowners.py`` and ``history.py`` (git).
"""

from .approvals import ApprovalState, approval_state, content_hash, effective_status, eligible_reviewers
from .approve import approve
from .check import analyse, check
from .codeowners import CODEOWNERS_PATH, codeowners
from .report import review_report

__all__ = [
    "CODEOWNERS_PATH", "ApprovalState", "analyse", "approval_state", "approve", "check", "codeowners",
    "content_hash", "effective_status", "eligible_reviewers", "review_report",
]
