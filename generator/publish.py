"""Stage 5 — publish: a built site becomes one edition of a versioned site.

Two targets.  A folder, for any static host: ``<dir>/<edition>/``, aliases
as full copies (symlinks do not survive most hosts), ``<dir>/versions.json``
in the format Material's version selector reads, and a root page that sends
readers to the default alias.  Or a git branch (gh-pages) through mike,
deploying the folder we already built rather than building again.
Every replacement is made beside the old copy and swapped in at the end.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .swap import replace_atomically
from .errors import GuidesiteError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

DIRECTORY_MODE = 0o755
FILE_MODE = 0o644
"""What a published site's folders and files are given, whatever the umask of the steps before:
a web server running as another user must read them (and no one but their owner write them)."""

VERSION_PAGE = re.compile(r"(?:^|/)v[0-9]+/index\.html$")
"""A permanent copy of an approved version, as built: ``<specialty>/<id>/v<N>/index.html``."""


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
    notes: list[str] = field(default_factory=list)
    """What else was done, in words (an alias moved, an edition replaced)."""


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


def dropped_versions(site_dir: Path, target: Path | None = None, *, project: Path | None = None, branch: str | None = None) -> list[str]:
    """Permanent version pages that an edition already published holds and ``site_dir`` lacks."""
    def pages(folder: Path) -> set[str]:
        return {p.relative_to(folder).as_posix() for p in folder.rglob("index.html") if VERSION_PAGE.search(p.relative_to(folder).as_posix())}

    built = pages(Path(site_dir))
    held: set[str] = set()
    if target is not None:
        for edition in existing_editions(target):
            held |= pages(Path(target) / edition) if (Path(target) / edition).is_dir() else set()
    elif project is not None and branch is not None:
        for edition in existing_editions(project=project, branch=branch):
            held |= {path for path in _branch_tree(project, branch, edition) if VERSION_PAGE.search(path)}
    return sorted(held - built)


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


def publish_to_folder(site_dir: Path, target: Path, edition: str, aliases: list[str], *, title: str | None = None, default: str | None = None,
                      replace: bool = False) -> Published:
    """Copy ``site_dir`` into ``target/edition`` (and each alias); update versions.json and the root redirect.

    One publish at a time per folder; an edition published before with other content is replaced
    only with ``replace``."""
    check_names(edition, aliases)
    site_dir, target = Path(site_dir), Path(target)
    if not (site_dir / "index.html").is_file():
        raise PublishError(f"expected a built site in {site_dir} (run guidesite build first)")
    if not target.exists():
        target.mkdir(parents=True)
        os.chmod(target, DIRECTORY_MODE)  # made here: a web server must enter it
    with _locked(_folder_lock(target), str(target)):
        versions = _read_versions(target / "versions.json")
        clash = next((v["version"] for v in versions if edition in v.get("aliases", []) or v["version"] in aliases), None)
        if clash:
            raise PublishError(f"'{clash}' is both an edition and an alias; pick other names")

        previous = next((v for v in versions if v["version"] == edition), None)
        notes = []
        if previous is not None:
            differences = _differences(_tree(target / edition), _tree(site_dir))
            if differences and not replace:
                raise PublishError(_replace_message(edition, str(target), differences))
            if differences:
                notes.append(f"replaced edition {edition}: {_summary(differences)}")
            unchanged = (not differences and set(previous.get("aliases", [])) == set(aliases) and (title or edition) == previous.get("title")
                         and all(_same_tree(site_dir, target / name) for name in aliases))
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
        return Published(edition, list(aliases), str(target), versions, notes=notes)


def unpublish_from_folder(target: Path, edition: str, *, default: str | None = None) -> Published:
    """Remove an edition from a published folder.  Its aliases move to the newest edition left (the
    root and every address under an alias keep answering); the only edition is never removed."""
    target = Path(target)
    with _locked(_folder_lock(target), str(target)):
        versions = _read_versions(target / "versions.json")
        entry = next((v for v in versions if v["version"] == edition), None)
        if entry is None:
            raise PublishError(f"no edition '{edition}' in {target}/versions.json (editions: {', '.join(v['version'] for v in versions) or 'none'})")
        left = [v for v in versions if v["version"] != edition]
        if not left:
            raise PublishError(_only_edition(edition, str(target)))
        aliases = list(entry.get("aliases", []))
        heir = max(left, key=lambda v: version_key(v["version"]))
        notes = []
        for name in aliases:  # the alias's new copy is swapped in before the edition goes
            _replace_folder(target / heir["version"], target / name)
        if aliases:
            heir["aliases"] = sorted(set(heir.get("aliases", [])) | set(aliases))
            notes.append(f"moved {', '.join(aliases)} to edition {heir['version']}")
        if (target / edition).is_dir():
            shutil.rmtree(target / edition)
        _write_atomically(target / "versions.json", json.dumps(left, indent=2) + "\n")
        landing = default if default and any(default == v["version"] or default in v.get("aliases", []) for v in left) else None
        landing = landing or (aliases[0] if aliases else None)
        if landing is not None:
            _write_root(target, landing)
        return Published(edition, aliases, str(target), left, notes=notes)


def _only_edition(edition: str, where: str) -> str:
    return (f"edition {edition} is the only one published in {where}: removing it would leave the site and every address "
            "ever cited from it without content; publish the edition that replaces it first, then remove this one")


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


def publish_to_branch(project: Path, site_dir: Path, edition: str, aliases: list[str], *, branch: str = "gh-pages", title: str | None = None,
                      default: str | None = None, replace: bool = False) -> Published:
    """Deploy the built ``site_dir`` as an edition on a git branch, through mike (one publish at a
    time per repository; an edition published before with other content is replaced only with ``replace``)."""
    check_names(edition, aliases)
    from mike import commands
    from mike.commands import AliasType
    from mike.git_utils import GitEmptyCommit

    project, site_dir = Path(project).resolve(), Path(site_dir).resolve()
    if not (site_dir / "index.html").is_file():
        raise PublishError(f"expected a built site in {site_dir} (run guidesite build first)")
    _set_modes(site_dir)  # mike records each file's mode as it finds it
    config = {"site_dir": str(site_dir), "use_directory_urls": True}
    with _locked(_branch_lock(project), f"the {branch} branch"):
        notes = []
        published = _branch_tree(project, branch, edition)
        if published:
            differences = _differences(published, _blob_ids(project, site_dir))
            if differences and not replace:
                raise PublishError(_replace_message(edition, f"the {branch} branch", differences))
            if differences:
                notes.append(f"replaced edition {edition}: {_summary(differences)}")
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
            versions = _branch_versions(commands, branch)
        except Exception as exc:  # mike reports git problems with its own exception types
            raise PublishError(f"publishing to the {branch} branch failed: {exc}") from exc
        finally:
            os.chdir(previous)
    return Published(edition, list(aliases), f"branch {branch}", versions, changed=changed, notes=notes)


def unpublish_from_branch(project: Path, edition: str, *, branch: str = "gh-pages", default: str | None = None) -> Published:
    """Remove an edition from the branch, through mike.  Its aliases move to the newest edition left;
    the only edition is never removed."""
    from mike import commands
    from mike.commands import AliasType

    project = Path(project).resolve()
    with _locked(_branch_lock(project), f"the {branch} branch"):
        previous = Path.cwd()
        os.chdir(project)
        try:
            versions = _branch_versions(commands, branch)
            entry = next((v for v in versions if v["version"] == edition), None)
            if entry is None:
                raise PublishError(f"no edition '{edition}' on the {branch} branch (editions: {', '.join(v['version'] for v in versions) or 'none'})")
            left = [v for v in versions if v["version"] != edition]
            if not left:
                raise PublishError(_only_edition(edition, f"the {branch} branch"))
            aliases = list(entry["aliases"])
            heir = max(left, key=lambda v: version_key(v["version"]))["version"]
            notes = []
            if aliases:  # copied to the heir first: an alias never answers 404 between two commits
                commands.alias({"use_directory_urls": True}, heir, aliases, update_aliases=True, alias_type=AliasType.copy, branch=branch,
                               message=f"Move {', '.join(aliases)} to edition {heir}")
                notes.append(f"moved {', '.join(aliases)} to edition {heir}")
            commands.delete([edition], branch=branch, message=f"Remove edition {edition}")
            if aliases:
                landing = default if default and any(default == v["version"] or default in v["aliases"] for v in left) else aliases[0]
                commands.set_default(landing, branch=branch, message=f"Default edition: {landing}", allow_empty=True)
            left = _branch_versions(commands, branch)
        except PublishError:
            raise
        except Exception as exc:
            raise PublishError(f"removing edition {edition} from the {branch} branch failed: {exc}") from exc
        finally:
            os.chdir(previous)
    return Published(edition, aliases, f"branch {branch}", left, notes=notes)


def _branch_versions(commands, branch: str) -> list[dict]:
    listed = commands.list_versions(branch)
    versions = [{"version": str(v.version), "title": v.title, "aliases": sorted(v.aliases)} for v in listed]
    versions.sort(key=lambda v: version_key(v["version"]), reverse=True)
    return versions


# -- one publish at a time, and what an edition holds ---------------------------------------------


def _folder_lock(target: Path) -> Path:
    """Beside the published folder, not in it (a host would serve it)."""
    return target.parent / f".{target.name}.publish-lock"


def _branch_lock(project: Path) -> Path:
    result = subprocess.run(["git", "-C", str(project), "rev-parse", "--absolute-git-dir"], capture_output=True, text=True)
    if result.returncode != 0:
        raise PublishError(f"expected a git repository at {project} to publish onto a branch")
    return Path(result.stdout.strip()) / "guidesite-publish.lock"


@contextmanager
def _locked(lock: Path, what: str) -> Iterator[None]:
    """Hold the publishing lock of ``what``; another publish or unpublish of it is refused, not interleaved
    (two at once would each write versions.json from what it read, and one edition would be lost)."""
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"another publish or unpublish of {what} is running; wait for it to finish, then run this again") from None
        yield
    finally:
        os.close(descriptor)


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file of a folder → its content's digest."""
    import hashlib

    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).digest() for p in folder.rglob("*") if p.is_file()}


def _branch_tree(project: Path, branch: str, edition: str) -> dict[str, str]:
    """Every file of an edition on the branch → its blob id (empty: not published there)."""
    result = subprocess.run(["git", "-C", str(project), "ls-tree", "-r", "-z", f"{branch}:{edition}"], capture_output=True)
    if result.returncode != 0:
        return {}
    out = {}
    for entry in result.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if entry:
            meta, _, path = entry.partition("\t")
            out[path] = meta.split()[2]
    return out


def _blob_ids(project: Path, folder: Path) -> dict[str, str]:
    """Every file of a folder → the blob id git would give it."""
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    if not paths:
        return {}
    result = subprocess.run(["git", "-C", str(project), "hash-object", "--no-filters", "--stdin-paths"], input="\n".join(map(str, paths)) + "\n",
                            capture_output=True, text=True, check=True)
    return dict(zip((p.relative_to(folder).as_posix() for p in paths), result.stdout.split()))


def _differences(old: dict, new: dict) -> dict[str, list[str]]:
    """Files added, removed and changed from ``old`` to ``new`` (empty when the same)."""
    found = {"changed": sorted(p for p in old.keys() & new.keys() if old[p] != new[p]),
             "added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys())}
    return {k: v for k, v in found.items() if v}


def _summary(differences: dict[str, list[str]]) -> str:
    parts = []
    for kind, paths in differences.items():
        shown = ", ".join(paths[:3]) + (", …" if len(paths) > 3 else "")
        parts.append(f"{len(paths)} file(s) {kind} ({shown})")
    return "; ".join(parts)


def _replace_message(edition: str, where: str, differences: dict[str, list[str]]) -> str:
    return (f"edition {edition} is already published in {where} with other content: {_summary(differences)}; "
            "to replace it give --replace, or publish under a new --edition name")


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
    _set_modes(fresh)
    replace_atomically(destination, fresh)
    os.chmod(destination, DIRECTORY_MODE)  # the swap gives the folder what the umask allows


def _set_modes(folder: Path) -> None:
    """Folders 755 and files 644 (see ``FILE_MODE``), whatever modes the build's umask gave them."""
    os.chmod(folder, DIRECTORY_MODE)
    for path in folder.rglob("*"):
        if not path.is_symlink():
            os.chmod(path, DIRECTORY_MODE if path.is_dir() else FILE_MODE)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.chmod(temporary, FILE_MODE)
    os.replace(temporary, path)


def _redirect_page(url: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>Redirecting to the latest edition</title>\n<meta http-equiv=\"refresh\" content=\"0; url={url}\">\n"
        f"<link rel=\"canonical\" href=\"{url}\">\n</head>\n<body>\n"
        f"<p>This site has moved to its <a href=\"{url}\">latest edition</a>.</p>\n</body>\n</html>\n"
    )
