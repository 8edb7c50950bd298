"""What guidesite supplies when a project does not: its default theme.

A project's ``theme/`` holds only what it changes, the way Material's ``custom_dir`` works: a
template in ``theme/templates/`` replaces guidesite's template of the same name, a file in the
project's ``custom_dir`` replaces guidesite's override at the same path, and everything else comes
from the installed package: the Markdown templates, Material's overrides (``main.html``, the footer,
the CSS and script) and the MkDocs hooks.  In this repository the defaults are its own ``theme/``;
in an installed wheel they are ``guidesite/theme/``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent
THEME = _PACKAGE / "theme" if (_PACKAGE / "theme").is_dir() else _PACKAGE.parent / "theme"
"""guidesite's own theme: inside the wheel, or beside the package's source in this repository."""

TEMPLATES = THEME / "templates"
OVERRIDES = THEME / "overrides"
HOOKS = THEME / "hooks.py"


def templates(project: Path) -> list[Path]:
    """Where the Markdown templates are looked for, first match winning: the project's, then guidesite's."""
    own = Path(project) / "theme" / "templates"
    found = [own] if own.is_dir() else []
    if not any(folder.resolve() == TEMPLATES for folder in found):
        found.append(TEMPLATES)
    return found


def add_to(config: Any) -> Any:
    """A loaded MkDocs configuration with guidesite's overrides and hooks where mkdocs.yml does not
    name them: the overrides right after the project's ``custom_dir`` (which wins) and before
    Material's templates; the hooks after the project's own, unless mkdocs.yml names the project's
    ``theme/hooks.py``, which then replaces guidesite's."""
    dirs = config.theme.dirs
    if OVERRIDES.resolve() not in [Path(folder).resolve() for folder in dirs]:
        dirs.insert(1 if config.theme.custom_dir else 0, str(OVERRIDES))
    hooks = config.hooks
    listed = [Path(module.__file__).resolve() for module in hooks.values()]
    own = Path(config.config_file_path).resolve().parent / "theme" / "hooks.py"  # the project's replaces guidesite's
    if HOOKS.resolve() not in listed and own not in listed:
        module = _hooks_module()
        hooks["guidesite/hooks"] = module
        config.plugins["guidesite/hooks"] = module
    return config


def overrides_for(custom_dir: str | None, into: Path) -> Path:
    """One folder of overrides for an engine that reads a single ``custom_dir`` (Zensical): guidesite's,
    with the project's ``custom_dir`` copied over them in ``into`` when it has one of its own."""
    import shutil

    if not custom_dir or Path(custom_dir).resolve() == OVERRIDES.resolve():
        return OVERRIDES
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(OVERRIDES, into)
    shutil.copytree(custom_dir, into, dirs_exist_ok=True)
    return into


_loaded: list[Any] = []


def _hooks_module() -> Any:
    if not _loaded:
        spec = importlib.util.spec_from_file_location("guidesite_default_hooks", HOOKS)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded.append(module)
    return _loaded[0]
