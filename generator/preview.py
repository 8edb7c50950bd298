"""``guidesite preview ARTICLE``: a site of one article and the articles it links to.

For reviewers: the page as readers will see it, built in seconds whatever the
size of the site, because only those few files are read, checked, rendered and
built (into ``build/preview/``, never over ``site/``).
"""

from __future__ import annotations

from pathlib import Path

from .build import build, site_url
from .errors import ContentError, Problem
from .load import load, load_document
from .render import build_date, content_epoch, render
from .validate import validate

PREVIEW_DIR = Path("build") / "preview"


def preview(project: Path, article: str) -> tuple[Path, int]:
    """Build the preview; returns the site folder and the number of articles in it."""
    project = Path(project).resolve()
    target = _article_file(project, article)
    linked = _linked_files(project, target)
    loaded = load(project, [target, *linked], only_paths=True)
    validated = validate(loaded)
    pages = render(validated, project / "theme" / "templates", today=build_date(), drafts=True, site_url=site_url(project))
    site = build(pages, project, site_dir=project / PREVIEW_DIR / "site", source_date_epoch=content_epoch(validated),
                 staging_dir=project / PREVIEW_DIR / "docs")
    return site, len(validated.articles)


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
