"""The one place the stages are chained: load → validate → versions → render → build.

``guidesite build``, ``serve``, ``preview``, ``publish``, ``check``,
``review-report``, ``approve`` and the tests all go through a
:class:`Pipeline`.  It owns what every stage shares and decides every policy a
stage should not decide alone: the project's configuration (``mkdocs.yml``,
read once by MkDocs' own loader), the templates, the build date, the git
history, and memory (what is released before the engine runs).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import defaults
from .build import STAGING, BuildReport, build as build_site
from .errors import ContentError, Problem
from .history import History
from .pool import release_memory
from .load import Loaded, load
from .model import SiteConfig
from .shards import Shard
from .render import Page, build_date, content_date, content_epoch, render
from .validate import Validated, check_content, validate
from .versions import ArticleVersion, article_versions

log = logging.getLogger(__name__)

CONFIG_FILE = "mkdocs.yml"


@dataclass(frozen=True)
class Built:
    """What a build produced, for the command line to report."""

    site_dir: Path
    pages: int
    articles: int
    site: SiteConfig


class Pipeline:
    """One project, and the stages run over it."""

    def __init__(self, root: Path, *, today: date | None = None, progress: Callable[[str], None] | None = None, judge_by: str | None = None,
                 site_url: str | None = None):
        self.root = Path(root).resolve()
        self._site_url = site_url
        """The address the site is built for, instead of mkdocs.yml's (an edition: the default alias's address)."""
        self.judge_by = judge_by
        """A git ref whose reviewer registry and review rules decide which approvals count on the pages
        (a pull request's build is judged by its base: the change cannot vouch for itself)."""
        self.config_file = self.root / CONFIG_FILE
        self.templates = defaults.templates(self.root)
        """Where the Markdown templates are looked for: the project's ``theme/templates``, then guidesite's."""
        self.today = today or build_date()
        """Today (``SOURCE_DATE_EPOCH`` when set): what approvals and commands are dated against."""
        self._render_date = today
        self._moves: dict[str, list[str]] = {}
        """Old specialties of moved articles, by id (found while reading versions)."""
        self.progress = progress or (lambda _stage: None)

    # -- what the stages share ------------------------------------------------

    @cached_property
    def engine_config(self) -> Any:
        """``mkdocs.yml`` over guidesite's settings, as MkDocs reads it (its own loader: ``!ENV``,
        ``!!python/name`` and hooks included; defaults.load_config).

        A file MkDocs cannot read is a located problem, never a silent default.
        """
        from mkdocs.exceptions import MkDocsException
        from yaml import YAMLError

        shown = CONFIG_FILE
        if not self.config_file.is_file() or self.config_file.is_symlink():
            raise ContentError([Problem(shown, 1, 1, "", "expected the site's build settings in a regular file mkdocs.yml; found none")])
        docs = self.root / STAGING
        docs.mkdir(parents=True, exist_ok=True)  # MkDocs checks that its docs folder exists
        inherited = _outside_inherit(self.config_file, self.root)
        if inherited:
            raise ContentError([inherited])
        try:
            config = defaults.load_config(self.config_file, docs_dir=str(docs))
            problems = engine_config_problems(config, self.root)
            if problems:
                raise ContentError(problems)
            return config
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            raise ContentError([Problem(shown, line, col, "", f"expected YAML MkDocs can read; {getattr(exc, 'problem', None) or exc}")]) from exc
        except (MkDocsException, OSError, ValueError) as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, YAMLError):  # MkDocs wraps the YAML error: say where it is
                mark = getattr(cause, "problem_mark", None)
                line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                raise ContentError([Problem(shown, line, col, "", f"expected YAML MkDocs can read; {getattr(cause, 'problem', None) or cause}")]) from exc
            raise ContentError([Problem(shown, 1, 1, "", f"expected settings MkDocs accepts; {exc or type(exc).__name__}")]) from exc

    @property
    def site_url(self) -> str | None:
        return self._site_url or self.engine_config.site_url or None

    @property
    def hook_files(self) -> list[str]:
        """The ``hooks`` of mkdocs.yml, as files (for ``serve``, which adds the sanitizer after them)."""
        return [module.__file__ for module in self.engine_config.hooks.values()]

    @property
    def theme_dirs(self) -> list[str]:
        return list(self.engine_config.theme.dirs)

    @cached_property
    def history(self) -> History | None:
        """The project's git history (None outside a repository)."""
        return History.open(self.root)

    # -- the stages ---------------------------------------------------------

    def load(self, paths: list[Path] | None = None, **options: Any) -> Loaded:
        return load(self.root, paths, **options)

    def validate(self, paths: list[Path] | None = None, *, only_paths: bool = False, positions: bool = False) -> Validated:
        """Every article (or those of ``paths``) and the site configuration, typed; or ContentError.

        Articles are read one at a time and only their typed form is kept, unless
        ``positions`` keeps each file's data and positions (for commands that
        report problems located in the articles after validation: check, approve).
        """
        self.progress("reading content/")
        loaded = load(self.root, paths, read_articles=positions, only_paths=only_paths)
        self.progress(f"reading and validating {len(loaded.files)} articles")
        validated = validate(loaded, today=self.today)
        if self.judge_by is not None:
            validated.site = self._judged_by_base(validated.site)
        return validated

    def _judged_by_base(self, site: SiteConfig) -> SiteConfig:
        """``site`` with the registry and review rules of ``judge_by`` (members the change adds count for nothing)."""
        from .history import GitError
        from .past_site import site_at

        if self.history is None:
            raise GitError(f"expected a git repository to judge by '{self.judge_by}'; {self.root} is not in one")
        base = site_at(self.history, self.history.resolve(self.judge_by, option="--judge-by"))
        settings = site.settings.model_copy(update={"review_rules": base.settings.review_rules})
        return site.model_copy(update={"reviewers": base.reviewers, "settings": settings})

    def validate_files(self, paths: list[Path] | None = None, *, cache: bool = False) -> int:
        """``guidesite validate``: every problem, or the number of articles checked; keeps nothing but,
        with ``cache``, what each unchanged file's own checks found (validate/cache.py)."""
        return check_content(load(self.root, paths, read_articles=False), today=self.today, cache=cache)

    def versions(self, validated: Validated) -> dict[str, list[ArticleVersion]]:
        self.progress("reading approved versions from git history")
        if self.history is not None and self.history.is_shallow():
            raise ContentError([Problem(".git", 1, 1, "", "expected the whole git history (approved versions and their permalinks are read "
                                        "from it); this is a shallow clone: run 'git fetch --unshallow' (in GitHub Actions: "
                                        "actions/checkout with fetch-depth: 0)")])
        return article_versions(self.history, validated, self._moves, judged_by=self.judge_by)

    def pages(self, validated: Validated, *, drafts: bool) -> list[Page]:
        """Every page of the site as Markdown: versions read from history, then rendered."""
        versions = self.versions(validated)
        images = self.version_images(validated, versions)
        self.progress(f"rendering {len(validated.articles)} articles")
        return render(validated, self.templates, today=self.render_date(validated), drafts=drafts, versions=versions, site_url=self.site_url,
                      moves=self._moves, version_images=images)

    def version_images(self, validated: Validated, versions: dict[str, list[ArticleVersion]]) -> dict[tuple[str, int], dict[str, Any]]:
        """The figures' images of each approved version, read from its commit (stripped like any image)."""
        from .validate.figures import version_images

        read = self.history.read_many if self.history is not None else (lambda wanted: [None] * len(wanted))
        return version_images(read, versions, validated.images)

    def render_date(self, validated: Validated) -> date:
        """The date the pages speak for ("review overdue" without JavaScript, the board's former members):
        ``SOURCE_DATE_EPOCH`` when set, else the newest date in the content — never the clock, so the
        same commit builds the same bytes on any day (the page's script re-checks "overdue" when read)."""
        if self._render_date is not None:
            return self._render_date
        if os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
            return build_date()
        return content_date(validated)

    def build(
        self,
        site_dir: Path,
        *,
        drafts: bool = False,
        paths: list[Path] | None = None,
        staging_dir: Path | None = None,
        report: BuildReport | None = None,
        editions: bool = False,
        engine: str | None = None,
        shard: Shard | None = None,
    ) -> Built:
        """The whole chain into ``site_dir`` (atomically: a failure at any stage leaves it as it was).

        ``paths`` builds a site of just those article files (``guidesite preview``); ``editions`` builds
        it to be published as an edition (with Material's version selector: ``guidesite publish``);
        ``engine`` overrides site.yaml's (mkdocs or zensical, see engines.py); ``shard`` builds one
        shard of the site into ``site_dir`` (shards.py).
        """
        config = self.engine_config  # a bad mkdocs.yml is reported before any work
        validated = self.validate(paths, only_paths=paths is not None)
        pages = self.pages(validated, drafts=drafts)
        epoch, articles, site = content_epoch(validated), len(validated.articles), validated.site
        # The typed articles are done with: let the engine have the memory.
        del validated
        release_memory()
        count = sum(1 for page in pages if page.path.endswith(".md"))
        out = build_site(pages, self.root, site_dir=site_dir, config_file=self.config_file, source_date_epoch=epoch,
                         staging_dir=staging_dir, report=report, on_stage=self.progress, theme_dirs=list(config.theme.dirs),
                         site_url=self.site_url, editions=editions, engine=engine or site.settings.engine, release=True,
                         shard=shard)
        return Built(out, count, articles, site)

    def assemble(self, folders: list[Path], to: Path) -> int:
        """Join the folders of a sharded build's shards into ``to``, checked as a build checks its
        pages (shards.py); the number of files."""
        from .sanitize import check_site
        from .shards import assemble

        dirs = self.theme_dirs
        base = urlsplit(self.site_url).path or "/" if self.site_url else "/"
        return assemble(folders, to, check=lambda site: check_site(site, dirs, base), stage=self.progress)


SAFE_MARKDOWN_EXTENSIONS = frozenset({
    "abbr", "admonition", "attr_list", "def_list", "fenced_code", "footnotes", "md_in_html", "meta", "nl2br",
    "sane_lists", "smarty", "tables", "toc", "wikilinks",
    *(f"pymdownx.{name}" for name in ("arithmatex", "betterem", "caret", "critic", "details", "emoji", "highlight",
                                      "inlinehilite", "keys", "magiclink", "mark", "saneheaders", "smartsymbols",
                                      "superfences", "tabbed", "tasklist", "tilde")),
})
"""Markdown extensions known to read no file (Python-Markdown's own and PyMdown's, without
``pymdownx.snippets``): mkdocs.yml (a pull request may change it) may name only these.  An extension
that includes files would put any file the build can read into a page."""


def engine_config_problems(config: Any, root: Path) -> list[Problem]:
    """What in mkdocs.yml would let a build read outside the project: a theme folder elsewhere (MkDocs
    copies its files into the site) or a Markdown extension that is not known to read no file."""
    out = []
    custom = config.theme.custom_dir
    if custom:
        inside = Path(os.path.abspath(custom))
        real = inside.resolve()
        if real != inside or not real.is_relative_to(root.resolve()):
            out.append(Problem(CONFIG_FILE, 1, 1, "theme.custom_dir", f"expected a folder of the project (its files are copied into the site); got '{custom}'"))
    for name in config.markdown_extensions:
        short = str(name).removeprefix("markdown.extensions.")
        if short not in SAFE_MARKDOWN_EXTENSIONS:
            out.append(Problem(CONFIG_FILE, 1, 1, "markdown_extensions",
                               f"expected a Markdown extension known to read no file ({', '.join(sorted(SAFE_MARKDOWN_EXTENSIONS))}); got '{name}'"))
    return out


def _outside_inherit(config_file: Path, root: Path) -> Problem | None:
    """mkdocs.yml's ``INHERIT`` naming a file outside the project, refused before MkDocs reads it."""
    for number, line in enumerate(config_file.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if line.startswith("INHERIT:"):
            target = line.split(":", 1)[1].strip().strip("'\"")
            path = Path(os.path.abspath(config_file.parent / target))
            if path.resolve() != path or not path.is_relative_to(root.resolve()):
                return Problem(CONFIG_FILE, number, 1, "INHERIT", f"expected a file of the project; got '{target}'")
    return None
