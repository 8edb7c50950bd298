"""Stage 5 — publish: a built site becomes one edition of a versioned site.

Two targets.  A folder, for any static host: ``<dir>/<edition>/``, aliases
as full copies (symlinks do not survive most hosts), ``<dir>/versions.json``
in the format Material's version selector reads, and a root page that sends
readers to the default alias.  Or a git branch (gh-pages) through mike,
deploying the folder we already built rather than building again.
Every replacement is made beside the old copy and swapped in at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .build import replace_atomically
from .errors import GuidesiteError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class PublishError(GuidesiteError):
    """The edition could not be published."""


@dataclass
class Published:
    edition: str
    aliases: list[str]
    where: str
    versions: list[dict]


def check_names(edition: str, aliases: list[str]) -> None:
    for name in [edition, *aliases]:
        if not NAME.match(name) or name in (".", ".."):
            raise PublishError(f"expected an edition or alias name of letters, digits, '.', '_' or '-'; got '{name}'")
    if edition in aliases:
        raise PublishError(f"an alias cannot have the edition's own name ('{edition}')")


def publish_to_folder(site_dir: Path, target: Path, edition: str, aliases: list[str], *, title: str | None = None, default: str | None = None) -> Published:
    """Copy ``site_dir`` into ``target/edition`` (and each alias); update versions.json and the root redirect."""
    check_names(edition, aliases)
    site_dir, target = Path(site_dir), Path(target)
    if not (site_dir / "index.html").is_file():
        raise PublishError(f"expected a built site in {site_dir} (run guidesite build first)")
    target.mkdir(parents=True, exist_ok=True)
    versions = _read_versions(target / "versions.json")
    clash = next((v["version"] for v in versions if edition in v.get("aliases", []) or v["version"] in aliases), None)
    if clash:
        raise PublishError(f"'{clash}' is both an edition and an alias; pick other names")

    for name in [edition, *aliases]:
        _replace_folder(site_dir, target / name)
    versions = [v for v in versions if v["version"] != edition]
    for entry in versions:
        entry["aliases"] = [a for a in entry.get("aliases", []) if a not in aliases]
    versions.insert(0, {"version": edition, "title": title or edition, "aliases": list(aliases)})
    _write_atomically(target / "versions.json", json.dumps(versions, indent=2) + "\n")
    landing = default or (aliases[0] if aliases else edition)
    if any(landing == v["version"] or landing in v.get("aliases", []) for v in versions):
        _write_atomically(target / "index.html", _redirect_page(f"{landing}/"))
    return Published(edition, list(aliases), str(target), versions)


def publish_to_branch(project: Path, site_dir: Path, edition: str, aliases: list[str], *, branch: str = "gh-pages", title: str | None = None, default: str | None = None) -> Published:
    """Deploy the built ``site_dir`` as an edition on a git branch, through mike."""
    check_names(edition, aliases)
    from mike import commands
    from mike.commands import AliasType
    from mike.git_utils import GitEmptyCommit

    project, site_dir = Path(project).resolve(), Path(site_dir).resolve()
    if not (site_dir / "index.html").is_file():
        raise PublishError(f"expected a built site in {site_dir} (run guidesite build first)")
    config = {"site_dir": str(site_dir), "use_directory_urls": True}
    previous = Path.cwd()
    os.chdir(project)  # mike works on the repository of the current directory
    try:
        with commands.deploy(config, edition, title, aliases, update_aliases=True, alias_type=AliasType.copy, branch=branch,
                             message=f"Publish edition {edition}" + (f" ({', '.join(aliases)})" if aliases else "")):
            pass
        landing = default or (aliases[0] if aliases else edition)
        try:
            commands.set_default(landing, branch=branch, message=f"Default edition: {landing}")
        except GitEmptyCommit:
            pass  # the root already sends readers there
        listed = commands.list_versions(branch)
        versions = [{"version": str(v.version), "title": v.title, "aliases": sorted(v.aliases)} for v in listed]
    except Exception as exc:  # mike reports git problems with its own exception types
        raise PublishError(f"publishing to the {branch} branch failed: {exc}") from exc
    finally:
        os.chdir(previous)
    return Published(edition, list(aliases), f"branch {branch}", versions)


def _read_versions(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"{path} is not readable JSON ({exc}); fix or remove it") from exc
    if not isinstance(data, list) or not all(isinstance(v, dict) and "version" in v for v in data):
        raise PublishError(f"{path} is not a versions list")
    return data


def _replace_folder(source: Path, destination: Path) -> None:
    fresh = Path(tempfile.mkdtemp(prefix=f".{destination.name}-new-", dir=destination.parent))
    shutil.rmtree(fresh)
    shutil.copytree(source, fresh)
    replace_atomically(destination, fresh)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _redirect_page(url: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>Redirecting to the latest edition</title>\n<meta http-equiv=\"refresh\" content=\"0; url={url}\">\n"
        f"<link rel=\"canonical\" href=\"{url}\">\n</head>\n<body>\n"
        f"<p>This site has moved to its <a href=\"{url}\">latest edition</a>.</p>\n</body>\n</html>\n"
    )
