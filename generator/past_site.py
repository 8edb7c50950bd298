"""The site configuration as a git commit holds it, read and checked as the working tree's is.

A change is judged by its base's registry and rules, and a past approval by the
rules of its day: both read ``site_config/`` at a commit.  This sits one floor
below the pipeline and the review so that both can ask it without importing
each other.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ContentError, Problem
from .history import History
from .load import POLICY_FILE, SITE_FILES, Loaded, RawDocument, parse_document
from .model import SiteConfig

APPROVALS_FILE = "site_config/approvals.yaml"
"""Editors' signed approvals of the code and configuration (not itself part of what they approve)."""


def site_files_at(history: History, ref: str) -> dict[str, bytes]:
    """Every file of site_config/ at ``ref`` (but the approvals file), by path."""
    paths = [p for p in history.files_at(ref, "site_config", yaml_only=False) if p != APPROVALS_FILE]
    return {p: raw for p, raw in zip(paths, history.read_many([(ref, p) for p in paths])) if raw is not None}


def site_at(history: History, ref: str) -> SiteConfig:
    """The site configuration as ``ref`` holds it, checked as the working tree's is."""
    from .validate.site import validate_site

    files = site_files_at(history, ref)
    problems: list[Problem] = []
    docs: dict[str, RawDocument] = {}
    for name in SITE_FILES:
        path = f"site_config/{name}.yaml"
        if path not in files:
            problems.append(Problem(path, 1, 1, "", f"expected this file at {ref[:10]} to judge by; it is missing"))
            continue
        doc, found = parse_document(files[path], Path(path), path)
        problems += found
        docs[name] = doc
    policy = files.get(f"site_config/{POLICY_FILE}", b"").decode("utf-8", "replace")
    loaded = Loaded(root=history.root, site=docs, policy=policy, articles=[], problems=[])
    site = validate_site(loaded, problems) if not problems else None
    if site is None:
        raise ContentError([Problem(p.path, p.line, p.col, p.field, f"at {ref[:10]}: {p.message}") for p in problems])
    return site
