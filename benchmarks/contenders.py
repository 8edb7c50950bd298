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
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from .generate import REPO

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

    def article_pages(self, articles: list[tuple[str, str]]) -> list[str]:
        if self.layout == "fragment":
            return [f"{specialty}/{id}.html" for specialty, id in articles]
        return [f"{specialty}/{id}/index.html" for specialty, id in articles]


KEYS = ("validate", "pipeline", "naive", "zensical", "floor")


def validate(project: Path) -> Command:
    return Command("validate", "guidesite validate", [sys.executable, "-m", "generator", "--project", str(project), "validate"], project)


def pipeline(project: Path) -> Command:
    site = project / "out" / "guidesite"
    return Command("pipeline", "guidesite build (full pipeline)",
                   [sys.executable, "-m", "generator", "--project", str(project), "build", "--site-dir", str(site)], project, site)


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


IN_ORDER = (validate, pipeline, naive_mkdocs, zensical, floor)
"""Each contender's command maker, in the order they run: the baselines read the pipeline's Markdown."""


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
    """The project's mkdocs.yml with every page in the nav, or why it cannot be made."""
    docs = project / "build" / "docs"
    if not (docs / "index.md").is_file():
        return "no rendered Markdown (guidesite build did not finish)"
    try:
        config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return f"mkdocs.yml is not plain YAML ({type(exc).__name__})"
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
