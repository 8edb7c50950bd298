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
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .swap import replace_atomically
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
    changed: bool = True
    """False when the target already held exactly this edition: nothing was written."""


def version_key(name: str) -> tuple:
    """Editions in version order, not in the order they were published: ``2026.10`` < ``2026.9``
    is wrong, so digits compare as numbers (``2026.9`` < ``2026.10``)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|\D+", name))


def existing_editions(target: Path | None = None, *, project: Path | None = None, branch: str | None = None) -> list[str]:
    """The editions already published in a folder or on a branch."""
    if target is not None:
        return [v["version"] for v in _read_versions(Path(target) / "versions.json")]
    from mike import commands

    previous = Path.cwd()
    os.chdir(project)
    try:
        return [str(v.version) for v in commands.list_versions(branch)]
    except Exception:  # no such branch yet: nothing published
        return []
    finally:
        os.chdir(previous)


def default_aliases(edition: str, existing: list[str], alias: str) -> list[str]:
    """The site's alias moves to an edition only when it is the newest: republishing an older edition
    (a correction of last month's) never takes "latest" away from the newest one."""
    newer = [name for name in existing if name != edition and version_key(name) > version_key(edition)]
    return [] if newer else [alias]


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

    previous = next((v for v in versions if v["version"] == edition), None)
    unchanged = (previous is not None and set(previous.get("aliases", [])) == set(aliases) and (title or edition) == previous.get("title")
                 and all(_same_tree(site_dir, target / name) for name in [edition, *aliases]))
    if unchanged:
        return Published(edition, list(aliases), str(target), versions, changed=False)
    for name in [edition, *aliases]:
        _replace_folder(site_dir, target / name)
    versions = [v for v in versions if v["version"] != edition]
    for entry in versions:
        entry["aliases"] = [a for a in entry.get("aliases", []) if a not in aliases]
    versions.append({"version": edition, "title": title or edition, "aliases": list(aliases)})
    versions.sort(key=lambda v: version_key(v["version"]), reverse=True)
    _write_atomically(target / "versions.json", json.dumps(versions, indent=2) + "\n")
    landing = default or (aliases[0] if aliases else edition)
    if any(landing == v["version"] or landing in v.get("aliases", []) for v in versions):
        _write_root(target, landing)
    return Published(edition, list(aliases), str(target), versions)


def unpublish_from_folder(target: Path, edition: str) -> list[dict]:
    """Remove an edition (and the aliases that point at it) from a published folder."""
    target = Path(target)
    versions = _read_versions(target / "versions.json")
    entry = next((v for v in versions if v["version"] == edition), None)
    if entry is None:
        raise PublishError(f"no edition '{edition}' in {target}/versions.json (editions: {', '.join(v['version'] for v in versions) or 'none'})")
    for name in [edition, *entry.get("aliases", [])]:
        if (target / name).is_dir():
            shutil.rmtree(target / name)
    versions = [v for v in versions if v["version"] != edition]
    _write_atomically(target / "versions.json", json.dumps(versions, indent=2) + "\n")
    return versions


def _write_root(target: Path, landing: str) -> None:
    """What a host serves at the root: a redirect into the default alias, a sitemap index of it, its
    feed, and a 404 page that leads readers there (the root holds no pages of its own)."""
    _write_atomically(target / "index.html", _redirect_page(f"{landing}/"))
    edition = target / landing
    if (edition / "feed.xml").is_file():
        _write_atomically(target / "feed.xml", (edition / "feed.xml").read_text(encoding="utf-8"))
    sitemap = edition / "sitemap.xml"
    if sitemap.is_file():
        loc = re.search(r"<loc>(.*?)</loc>", sitemap.read_text(encoding="utf-8"))
        base = loc.group(1).split(f"/{landing}/")[0] + f"/{landing}/" if loc and f"/{landing}/" in loc.group(1) else f"{landing}/"
        _write_atomically(target / "sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                          f"  <sitemap><loc>{base}sitemap.xml</loc></sitemap>\n</sitemapindex>\n")
    _write_atomically(target / "404.html", (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"robots\" content=\"noindex\">\n"
        "<title>Page not found</title>\n</head>\n<body>\n<h1>Page not found</h1>\n"
        f"<p>This address holds no page. <a href=\"/{landing}/\">Go to the current guidance</a> or search it there.</p>\n</body>\n</html>\n"))


def _source(project: Path) -> str:
    """The commit an edition is built from, for its publishing commit (a past edition is rebuilt from it, with its locks)."""
    result = subprocess.run(["git", "-C", str(project), "rev-parse", "--verify", "--quiet", "HEAD"], capture_output=True, text=True)
    return f"\n\nBuilt from commit {result.stdout.strip()}" if result.returncode == 0 and result.stdout.strip() else ""


def _same_tree(a: Path, b: Path) -> bool:
    if not b.is_dir():
        return False
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)


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
        changed = True
        try:
            with commands.deploy(config, edition, title, aliases, update_aliases=True, alias_type=AliasType.copy, branch=branch,
                                 message=f"Publish edition {edition}" + (f" ({', '.join(aliases)})" if aliases else "") + _source(project)):
                pass
        except GitEmptyCommit:
            changed = False  # the branch already holds exactly this edition
        landing = default or (aliases[0] if aliases else edition)
        try:
            commands.set_default(landing, branch=branch, message=f"Default edition: {landing}")
        except GitEmptyCommit:
            pass  # the root already sends readers there
        listed = commands.list_versions(branch)
        versions = [{"version": str(v.version), "title": v.title, "aliases": sorted(v.aliases)} for v in listed]
        versions.sort(key=lambda v: version_key(v["version"]), reverse=True)
    except Exception as exc:  # mike reports git problems with its own exception types
        raise PublishError(f"publishing to the {branch} branch failed: {exc}") from exc
    finally:
        os.chdir(previous)
    return Published(edition, list(aliases), f"branch {branch}", versions, changed=changed)


def unpublish_from_branch(project: Path, edition: str, *, branch: str = "gh-pages") -> None:
    """Remove an edition (and its aliases) from the branch, through mike."""
    from mike import commands

    previous = Path.cwd()
    os.chdir(Path(project).resolve())
    try:
        commands.delete([edition], branch=branch, message=f"Remove edition {edition}")
    except Exception as exc:
        raise PublishError(f"removing edition {edition} from the {branch} branch failed: {exc}") from exc
    finally:
        os.chdir(previous)


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
