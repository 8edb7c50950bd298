"""The contenders, each one command on the same generated project.

1. ``guidesite validate`` — the checks alone.
2. ``guidesite build`` — the full pipeline, search included; its ``build/docs``
   is the rendered Markdown every baseline below builds.
3. naive MkDocs — that Markdown, plain ``mkdocs build``, the site's own
   ``mkdocs.yml`` with a nav that lists every article (what a naive
   generator emits) and Material's default search.
4. Zensical — the same config and Markdown, when Zensical is installed (the
   ``bench`` extra).
5. the Python-Markdown floor — every page through Python-Markdown alone.
6. one edit — one article's summary gains a sentence, then ``guidesite build``
   runs again on the pipeline's site (run last: the baselines above must build
   the Markdown as it was).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import itertools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from .generate import REPO, _dump

PageLayout = Literal["directory", "fragment"]


@dataclass
class Command:
    """One contender's command and where its output lands."""

    key: str
    """Short name used in ratios and on the command line (``--skip``)."""
    label: str
    argv: list[str] | None
    """None when the contender cannot run here; ``skipped`` says why."""
    cwd: Path
    site: Path | None = None
    """Output folder, or None for a command that writes nothing (validate)."""
    layout: PageLayout = "directory"
    """``directory``: an article is ``<specialty>/<id>/index.html``; ``fragment``: ``<specialty>/<id>.html``."""
    skipped: str | None = None
    retry: "Command | None" = None
    """Run instead when this one fails (Zensical without the theme overrides)."""
    retry_note: str = ""
    needs: str | None = None
    """Key of the contender whose output this one works on; skipped when that one did not succeed."""
    clean: bool = True
    """Remove ``site`` before running (False: rebuild over the site already there)."""
    edit: "Callable[[], Edit] | None" = None
    """Changes the project just before the command runs (not timed); its page is checked afterwards."""
    per_article: bool = True
    """Whether time per article means anything (not for a rebuild after one edit)."""

    def article_pages(self, articles: list[tuple[str, str]]) -> list[str]:
        if self.layout == "fragment":
            return [f"{specialty}/{id}.html" for specialty, id in articles]
        return [f"{specialty}/{id}/index.html" for specialty, id in articles]


KEYS = ("validate", "pipeline", "naive", "zensical", "floor", "one-edit", "validate-warm")


def validate(project: Path) -> Command:
    """Cold: no entry of the checks cache yet (this run writes them)."""
    return Command("validate", "guidesite validate (cold)", [sys.executable, "-m", "guidesite", "--project", str(project), "validate"], project)


def validate_warm(project: Path) -> Command:
    """``guidesite validate`` again after one more article was edited: every other file's checks come from the cache."""
    return Command("validate-warm", "guidesite validate after one edit (warm cache)", validate(project).argv, project, needs="validate",
                   edit=lambda: edit_one_article(project), per_article=False)


def pipeline(project: Path) -> Command:
    site = project / "out" / "guidesite"
    return Command("pipeline", "guidesite build (full pipeline)",
                   [sys.executable, "-m", "guidesite", "--project", str(project), "build", "--no-history", "--site-dir", str(site)], project, site)


def naive_mkdocs(project: Path) -> Command:
    """Plain MkDocs on the pipeline's Markdown, every article in the nav, default search."""
    label = "naive MkDocs (every article in nav)"
    config = _baseline_config(project, "out/naive")
    if isinstance(config, str):
        return Command("naive", label, None, project, skipped=config)
    path = _write_config(project / "mkdocs-naive.yml", config)
    return Command("naive", label, [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(path)], project, project / "out" / "naive")


def zensical(project: Path) -> Command:
    """Zensical on the same config as naive MkDocs; without the theme overrides if they stop it."""
    label = "Zensical (every article in nav)"
    if importlib.util.find_spec("zensical") is None:
        return Command("zensical", label, None, project, skipped="not installed (pip install -e '.[bench]')")
    label = f"Zensical {importlib.metadata.version('zensical')} (every article in nav)"
    config = _baseline_config(project, "out/zensical")
    if isinstance(config, str):
        return Command("zensical", label, None, project, skipped=config)
    site = project / "out" / "zensical"
    argv = [sys.executable, "-m", "zensical", "build", "--clean", "-f"]
    command = Command("zensical", label, argv + [str(_write_config(project / "zensical.yml", config))], project, site)
    if "custom_dir" in config.get("theme", {}):
        plain = {**config, "theme": {k: v for k, v in config["theme"].items() if k != "custom_dir"}}
        plain.pop("extra_css", None)
        plain.pop("extra_javascript", None)
        command.retry = Command("zensical", label, argv + [str(_write_config(project / "zensical-plain.yml", plain))], project, site)
        command.retry_note = "without theme/overrides, which it could not build"
    return command


def floor(project: Path) -> Command:
    site = project / "out" / "floor"
    return Command("floor", "Python-Markdown floor", [sys.executable, "-m", "benchmarks.floor", str(project / "build" / "docs"), str(site)],
                   REPO, site, layout="fragment")


def one_edit(project: Path) -> Command:
    """``guidesite build`` again, on the pipeline's site, after one article's text was edited."""
    built = pipeline(project)
    return Command("one-edit", "guidesite build after one edit", built.argv, project, built.site, needs="pipeline",
                   clean=False, edit=lambda: edit_one_article(project), per_article=False)


IN_ORDER = (validate, pipeline, naive_mkdocs, zensical, floor, one_edit, validate_warm)
"""Each contender's command maker, in the order they run: the baselines read the pipeline's Markdown,
and the one edit comes after them, so that they build the Markdown as the pipeline first wrote it."""


# --- the one edit ---------------------------------------------------------------

EDIT_TEXT = "This sentence was added by the one-edit benchmark."
"""Appended to one article's summary; looked for in its page after the rebuild."""


@dataclass
class Edit:
    """One article edited for the rebuild, and whether its page showed the edit afterwards."""

    path: Path
    """The article's YAML."""
    article: tuple[str, str]
    """Its specialty and id."""
    text: str
    found: bool | None = None


def edit_one_article(project: Path) -> Edit:
    """Append :data:`EDIT_TEXT` to the summary of the middle article of ``content/*/*.yaml`` (sorted).

    The summary's first wording (the clinician's, when there are two) gains the sentence.  The file is
    read and written back with the generator's own dumper, which gives back a generated file byte for
    byte, so that only the summary's lines change; the comment lines at its top are kept.
    """
    files = sorted((project / "content").glob("*/*.yaml"))
    if not files:
        raise FileNotFoundError(f"no article under {project / 'content'}")
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    header = "".join(itertools.takewhile(lambda line: line.startswith("#"), text.splitlines(keepends=True)))
    data = yaml.safe_load(text)
    summary = data["summary"]
    if isinstance(summary, dict):
        audience = next(iter(summary))
        summary[audience] = f"{summary[audience].rstrip()} {EDIT_TEXT}"
    else:
        data["summary"] = f"{summary.rstrip()} {EDIT_TEXT}"
    path.write_text(header + _dump(data), encoding="utf-8")
    return Edit(path, (path.parent.name, data.get("id", path.stem)), EDIT_TEXT)


def versions() -> dict[str, str]:
    """Versions of everything the numbers depend on."""
    import platform

    out = {"python": platform.python_version()}
    for package in ("mkdocs", "mkdocs-material", "zensical", "markdown", "pyyaml", "jinja2", "pydantic"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


# --- the baseline config --------------------------------------------------------

def _baseline_config(project: Path, site_dir: str) -> dict[str, Any] | str:
    """The settings guidesite builds the project with, every page in the nav, or why they cannot be made."""
    docs = project / "build" / "docs"
    if not (docs / "index.md").is_file():
        return "no rendered Markdown (guidesite build did not finish)"
    from mkdocs.exceptions import ConfigurationError
    from mkdocs.utils.yaml import get_yaml_loader

    from guidesite import defaults

    try:  # the settings guidesite builds with: mkdocs.yml over guidesite's defaults
        config = defaults.settings(project / "mkdocs.yml", get_yaml_loader(yaml.SafeLoader))
    except ConfigurationError as exc:
        return f"mkdocs.yml is not plain YAML ({exc})"
    # guidesite's overrides and hooks, as its build adds them when mkdocs.yml names none (defaults.add_to).
    config["theme"] = {"custom_dir": str(defaults.OVERRIDES), **config.get("theme", {})}
    config.setdefault("hooks", [str(defaults.HOOKS)])
    # What a naive generator emits: every page in the nav, Material's default search.
    config.update(docs_dir="build/docs", site_dir=site_dir, strict=False, nav=_every_page(docs), plugins=["search"])
    config.pop("not_in_nav", None)
    return config


def _every_page(docs: Path) -> list[Any]:
    """Home, then each folder as a section listing every page in it, then the other top-level pages."""
    nav: list[Any] = ["index.md"]
    for folder in sorted(p for p in docs.iterdir() if p.is_dir()):
        pages = sorted(folder.glob("*.md"), key=lambda p: (p.name != "index.md", p.name))
        nav.append({_title(folder / "index.md") or folder.name: [f"{folder.name}/{p.name}" for p in pages]})
    nav += [p.name for p in sorted(docs.glob("*.md")) if p.name != "index.md"]
    return nav


def _title(page: Path) -> str | None:
    try:
        head = page.read_text(encoding="utf-8")[:2000]
    except FileNotFoundError:
        return None
    match = re.search(r"^title: *(.+)$", head, re.MULTILINE)
    return yaml.safe_load(match.group(1)) if match else None


def _write_config(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
