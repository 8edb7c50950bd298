"""``guidesite preview ARTICLE``: a site of one article and the articles it links to.

For reviewers: the page as readers will see it, built in seconds whatever the
size of the site, because only those few files are read, checked, rendered and
built (into ``build/preview/``, never over ``site/``).
"""

from __future__ import annotations

from pathlib import Path

from dataclasses import dataclass

from .errors import ContentError, Problem
from .load import load_document
from .pipeline import Pipeline

PREVIEW_DIR = Path("build") / "preview"


@dataclass(frozen=True)
class Preview:
    site_dir: Path
    articles: int
    page: str
    """The previewed article's page, relative to the site folder: ``<specialty>/<id>/index.html``."""


def preview(pipeline: Pipeline, article: str) -> Preview:
    """Build the preview of ``article`` (an id or a file) with the same chain as a full build."""
    project = pipeline.root
    target = _article_file(project, article)
    linked = _linked_files(project, target)
    built = pipeline.build(project / PREVIEW_DIR / "site", drafts=True, paths=[target, *linked], staging_dir=project / PREVIEW_DIR / "docs")
    return Preview(built.site_dir, built.articles, f"{target.parent.name}/{target.stem}/index.html")


def _article_file(project: Path, article: str) -> Path:
    given = Path(article)
    if given.suffix in (".yaml", ".yml"):
        path = given if given.is_absolute() else project / given
        if path.is_file():
            return path
    matches = sorted((project / "content").glob(f"*/{given.stem}.yaml"))
    if len(matches) != 1:
        found = "no article" if not matches else f"{len(matches)} articles"
        raise ContentError([Problem("content", 1, 1, "", f"expected one article with id '{given.stem}'; found {found}")])
    return matches[0]


def _linked_files(project: Path, path: Path) -> list[Path]:
    """Files of the articles this one links to ("see also", "replaced by") that exist."""
    doc, problems = load_document(path, project)
    if problems or not isinstance(doc.data, dict):
        return []  # validation will report the article's own problems
    review = doc.data.get("review")
    ids = list(doc.data.get("see_also") or []) + ([review.get("replaced_by")] if isinstance(review, dict) and review.get("replaced_by") else [])
    files = []
    for other in ids:
        if isinstance(other, str):
            files += sorted((project / "content").glob(f"*/{Path(other).name}.yaml"))[:1]
    return [f for f in files if f != path]
