"""The editorial workflow: lifecycle checks, sign-offs, reports.

``check.py`` (a change against its base ref), ``authorship.py`` (who wrote it),
``governed.py`` (editors' approvals of code and configuration, the chain at
publish), ``approve.py`` and ``github.py`` (write a sign-off), ``report.py``
(pull-request summary), ``audit.py``, ``codeowners.py``.  What an approval is
(hash, signature, rules, effective status) is ``generator/approvals.py``, one
floor down, since versions, the feed and rendering read it too.
"""

from ..approvals import ApprovalState, approval_state, content_hash, effective_status, eligible_reviewers
from .approve import approve
from .check import analyse, check
from .codeowners import CODEOWNERS_PATH, codeowners
from .report import review_report

__all__ = [
    "CODEOWNERS_PATH", "ApprovalState", "analyse", "approval_state", "approve", "check", "codeowners",
    "content_hash", "effective_status", "eligible_reviewers", "review_report",
]
