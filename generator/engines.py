"""The engines that turn our Markdown into HTML: MkDocs with Material (the default) and Zensical.

Material for MkDocs reaches its end of life in 2027 and MkDocs 2.0 drops
plugins; Zensical, Material's successor, reads the same settings.  An
engine only converts ``build/docs`` into a site folder; everything our readers
depend on (cleaning page bodies, valid HTML, the page check, search) runs in
our own stages before and after it (render, finish.py, build.py), whatever
the engine.

Zensical is experimental here: it is pinned to the version tested, built
from a configuration derived from the settings MkDocs builds with (mkdocs.yml
over guidesite's defaults, defaults.settings), with the ``classic`` look, its
own search off, our MkDocs hooks left out and the version selector only for a
published edition, into a temporary folder that build.py swaps in only
when everything has succeeded.  Its diagnostics become our problems.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

from . import __version__, defaults
from .errors import BuildError
from .pool import dies_with_this_process

ENGINES = ("mkdocs", "zensical")
"""Engine names, for ``guidesite build --engine`` and ``engine:`` in site_config/site.yaml."""

ZENSICAL_TIMEOUT = 3600
"""Seconds a Zensical build may take before it is stopped."""


def build_with(engine: str, config_file: Path, docs: Path, site: Path, paths: list[str], *, sizes: dict[str, int],
               on_part: Callable[[int, int], None], site_url: str | None, editions: bool, parts: list | None = None) -> list:
    """Build ``docs`` into the (empty) folder ``site`` with ``engine``; MkDocs' parts' results (anchors
    and links to anchors of the pages built; none from Zensical).  ``parts``: MkDocs builds these
    parts only (a rebuild of the changed pages, reuse.py)."""
    from .finish import finish_site, write_sitemap
    from .render import build_date

    planned = parts
    if engine == "mkdocs":
        from . import parts

        return parts.run(config_file, docs, site, paths, sizes=sizes, on_part=on_part, site_url=site_url, parts=planned,
                         check_anchors=planned is None)
    elif engine == "zensical":
        build_with_zensical(config_file, docs, site, site_url=site_url, editions=editions)
        write_sitemap(site, build_date().isoformat())  # Zensical's is empty: its template differs from ours
        (site / "search.json").unlink(missing_ok=True)  # Zensical's own index: our search is Pagefind's
        # Zensical runs neither our sanitizer plugin nor our hooks: our own stage does their work on its
        # output.  With MkDocs they did it as pages were built (the hooks with finish.py's functions),
        # so a second pass over every page would only repeat it.
        finish_site(site)
        return []
    else:
        raise BuildError([f"expected an engine from {', '.join(ENGINES)}; got '{engine}'"])


def _settings(config_file: Path) -> dict:
    """mkdocs.yml over guidesite's settings (defaults.settings), as written: plain YAML, whose ``!ENV``
    values are read as MkDocs reads them (Zensical is given the settings as one plain file)."""
    from mkdocs.exceptions import ConfigurationError
    from mkdocs.utils.yaml import get_yaml_loader

    try:
        return defaults.settings(config_file, get_yaml_loader(yaml.SafeLoader))
    except (ConfigurationError, OSError) as exc:
        raise BuildError([f"mkdocs.yml: Zensical needs plain YAML (no !relative or !!python tags); {exc}"]) from exc


def _theme_settings(config_file: Path) -> dict:
    """The ``theme`` of the settings."""
    theme = _settings(config_file).get("theme")
    return dict(theme) if isinstance(theme, dict) else {}


def zensical_theme_dirs(config_file: Path) -> list[str]:
    """The templates a Zensical build uses (ours first, then Zensical's own), whose scripts the page
    check allows."""
    import zensical

    custom = _theme_settings(config_file).get("custom_dir")
    own = [str((config_file.parent / custom).resolve())] if custom else []
    return own + [str(defaults.OVERRIDES), str(Path(zensical.__file__).parent / "templates")]


def zensical_config(config_file: Path, docs: Path, site_name: str, *, site_url: str | None, editions: bool) -> dict:
    """mkdocs.yml over guidesite's settings as Zensical must read them for our site (see the module's docstring)."""
    config = _settings(config_file)
    project = config_file.parent.resolve()
    theme = config.get("theme")
    theme = dict(theme) if isinstance(theme, dict) else {"name": theme} if theme else {}  # MkDocs takes a theme's name alone too
    # Zensical reads one custom_dir: guidesite's overrides, with the project's copied over them.
    custom = str((project / theme["custom_dir"]).resolve()) if theme.get("custom_dir") else None
    theme["custom_dir"] = str(defaults.overrides_for(custom, docs.parent / ".zensical-overrides"))
    theme["variant"] = "classic"  # Material's look; Zensical's default 'modern' header hides our logo
    config["theme"] = theme
    config["docs_dir"] = docs.name
    config["site_dir"] = site_name
    config["plugins"] = []  # our search is Pagefind, run after the engine
    config.pop("hooks", None)  # MkDocs hooks: finish.py does their work on the output
    if site_url:
        config["site_url"] = site_url
    extra = dict(config.get("extra") or {})
    if not editions:
        extra.pop("version", None)
    extra["guidesite"] = __version__  # every page names the release that built it (main.html)
    config["extra"] = extra
    return config


def build_with_zensical(config_file: Path, docs: Path, site: Path, *, site_url: str | None, editions: bool) -> None:
    """Zensical builds ``docs`` into ``site``.

    Zensical writes only below the folder of its configuration, so the derived configuration is
    written beside ``docs`` and the site built there is then moved into ``site``.
    """
    work = docs.parent
    built = Path(tempfile.mkdtemp(prefix=".zensical-site-", dir=work))
    shutil.rmtree(built)
    handle, name = tempfile.mkstemp(prefix=".zensical-", suffix=".yml", dir=work)
    derived = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            yaml.safe_dump(zensical_config(config_file, docs, built.name, site_url=site_url, editions=editions), out,
                           sort_keys=False, allow_unicode=True)
        try:
            result = run_zensical([sys.executable, "-m", "zensical", "build", "-f", str(derived), "-s"], work)
        except FileNotFoundError as exc:
            raise BuildError([f"Zensical could not be started: {exc}"]) from exc
        except subprocess.TimeoutExpired as exc:
            raise BuildError([f"Zensical did not finish within {ZENSICAL_TIMEOUT} s"]) from exc
        if result.returncode != 0 or not (built / "index.html").is_file():
            raise BuildError(zensical_problems(result.stdout + "\n" + result.stderr, _template_dirs(config_file), config_file.parent))
        shutil.rmtree(site, ignore_errors=True)
        built.rename(site)
    finally:
        derived.unlink(missing_ok=True)
        shutil.rmtree(built, ignore_errors=True)


def run_zensical(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=ZENSICAL_TIMEOUT, stdin=subprocess.DEVNULL,
                          preexec_fn=dies_with_this_process())  # a killed build takes Zensical with it


_TEMPLATE_PLACE = re.compile(r"\s*\(in ([\w./-]+\.html):(\d+)\)\s*$")
"""Where Zensical says a template error is: ``(in main.html:8)``."""


def _template_dirs(config_file: Path) -> list[str]:
    """Where the templates Zensical reads are, as a problem names them: the project's ``custom_dir`` as
    mkdocs.yml writes it, then guidesite's overrides (relative to the project when inside it)."""
    project = config_file.parent.resolve()
    custom = _theme_settings(config_file).get("custom_dir")
    ours = defaults.OVERRIDES.resolve()
    return [*([str(custom)] if custom else []), ours.relative_to(project).as_posix() if ours.is_relative_to(project) else str(ours)]


def zensical_problems(output: str, template_dir: str | list[str] | None = None, project: Path | None = None) -> list[str]:
    """Zensical's diagnostics as our messages: its errors and warnings without a traceback, located in
    our theme's template when the error names one of them (``theme/overrides/main.html:8: …``): the
    first of ``template_dir`` (relative ones read against ``project``) that holds it."""
    folders = [template_dir] if isinstance(template_dir, str) else list(template_dir or [])
    base = Path(project) if project is not None else Path()
    if "No module named zensical" in output:
        return ["Zensical is not installed: pip install 'zensical==0.0.73' (or build with --engine mkdocs)"]
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    wanted = [line for line in lines if line.lower().startswith(("error", "warning", "runtimeerror", "valueerror"))]
    out = []
    for line in wanted or lines[-1:] or ["no output"]:
        place = _TEMPLATE_PLACE.search(line)
        folder = next((folder for folder in folders if place and (base / folder / place.group(1)).is_file()), None)
        if place and folder:
            out.append(f"{folder.rstrip('/')}/{place.group(1)}:{place.group(2)}: Zensical: {line[:place.start()]}")
        else:
            out.append(f"Zensical: {line}")
    return out
