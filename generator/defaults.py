"""What guidesite supplies when a project does not: its default theme.

A project's ``theme/`` holds only what it changes, the way Material's ``custom_dir`` works: a
template in ``theme/templates/`` replaces guidesite's template of the same name, a file in the
project's ``custom_dir`` replaces guidesite's override at the same path, and everything else comes
from the installed package: the Markdown templates, Material's overrides (``main.html``, the footer,
the CSS and script) and the MkDocs hooks.  In this repository the defaults are its own ``theme/``;
in an installed wheel they are ``guidesite/theme/``.

The same holds for the build settings: a project's ``mkdocs.yml`` needs only the site's name and
address; guidesite's ``theme/mkdocs-defaults.yml`` supplies the rest (Material and its features, no
search plugin, the Markdown extensions, strictness), and the project's file is merged over it exactly
as MkDocs merges a file over the one its ``INHERIT`` names.  :func:`load_config` is the one way
guidesite reads the settings it builds with.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from . import compat  # noqa: F401, I001  (before any mkdocs import: MkDocs, or ProperDocs in its place)
from mkdocs import exceptions
from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.utils import yaml as mkdocs_yaml

_PACKAGE = Path(__file__).resolve().parent
THEME = _PACKAGE / "theme" if (_PACKAGE / "theme").is_dir() else _PACKAGE.parent / "theme"
"""guidesite's own theme: inside the wheel, or beside the package's source in this repository."""

TEMPLATES = THEME / "templates"
OVERRIDES = THEME / "overrides"
HOOKS = THEME / "hooks.py"
SETTINGS = THEME / "mkdocs-defaults.yml"
"""guidesite's MkDocs settings, under the project's mkdocs.yml (:func:`settings`)."""


def templates(project: Path) -> list[Path]:
    """Where the Markdown templates are looked for, first match winning: the project's, then guidesite's."""
    own = Path(project) / "theme" / "templates"
    found = [own] if own.is_dir() else []
    if not any(folder.resolve() == TEMPLATES for folder in found):
        found.append(TEMPLATES)
    return found


def settings(config_file: str | os.PathLike, loader: Any = None) -> dict[str, Any]:
    """The settings guidesite builds with, as written (before MkDocs checks them): the project's
    ``mkdocs.yml``, with the file its own ``INHERIT`` names merged under it, merged over
    :data:`SETTINGS`, both read and merged by MkDocs' own machinery (``yaml_load`` and the deep merge
    ``INHERIT`` uses: mappings merged key by key, any other value, a list too, replaced whole).

    ``loader``: the YAML loader (MkDocs' own, with ``!ENV``, by default); it reads both files."""
    loader = loader or mkdocs_yaml.get_yaml_loader()
    with open(SETTINGS, "rb") as fd:
        merged = mkdocs_yaml.yaml_load(fd, loader)
    try:
        fd = open(config_file, "rb")  # noqa: SIM115  (a named file: its INHERIT is read against its folder)
    except FileNotFoundError:
        raise exceptions.ConfigurationError(f"Config file '{os.fspath(config_file)}' does not exist.") from None
    with fd:
        own = mkdocs_yaml.yaml_load(fd, loader)
    if not isinstance(own, dict):
        raise exceptions.ConfigurationError(f"The configuration is invalid. Expected a key-value mapping (dict) but received: {type(own)}")
    return _merge(merged, own)


def _merge(parent: dict, child: dict) -> dict:
    """The merge the engine's own ``INHERIT`` uses: MkDocs' mergedeep, ProperDocs' deep_merge_dicts (the
    same rule: mappings key by key, anything else replaced)."""
    own_merge = getattr(mkdocs_yaml, "deep_merge_dicts", None)
    if own_merge is not None:
        return own_merge(parent, child)
    return mkdocs_yaml.mergedeep.merge(parent, child)


def load_config(config_file: str | os.PathLike, **overrides: Any) -> Any:
    """The MkDocs configuration guidesite builds with: MkDocs' ``load_config`` on :func:`settings`
    rather than on the project's file alone, then :func:`add_to`.

    As in MkDocs, ``overrides`` that are not None replace the settings, relative paths are read
    against the project's folder (the configuration's file stays its ``mkdocs.yml``), problems are
    logged on MkDocs' logger and any error (any warning, under ``strict``) aborts."""
    config = _Config(config_file_path=os.path.abspath(config_file))
    config.load_dict(settings(config_file, mkdocs_yaml.get_yaml_loader(config=config)))  # !relative points at this configuration
    config.load_dict({key: value for key, value in overrides.items() if value is not None})
    # The rest as MkDocs' own load_config does it (mkdocs/config/base.py).
    errors, warnings = config.validate()
    for name, warning in warnings:
        base.log.warning(f"Config value '{name}': {warning}")
    for name, error in errors:
        base.log.error(f"Config value '{name}': {error}")
    for key, value in config.items():
        base.log.debug(f"Config value '{key}' = {value!r}")
    if len(errors) > 0:
        raise exceptions.Abort("Aborted with a configuration error!")
    elif config.strict and len(warnings) > 0:
        raise exceptions.Abort(f"Aborted with {len(warnings)} configuration warnings in 'strict' mode!")
    return add_to(config)


class _Config(MkDocsConfig):
    """MkDocs' configuration, never copied: the merge copies the settings it takes from a file, and a
    ``!relative`` path among them must still point at the configuration being built (a copy would
    never learn its docs_dir or the page being converted)."""

    def __deepcopy__(self, memo: dict) -> _Config:
        return self


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
