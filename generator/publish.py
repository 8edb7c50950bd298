"""Stage 5 — publish: a built site becomes one edition of a versioned site.

Two targets.  A folder, for any static host, or a git branch (gh-pages) through mike, deploying
the folder we already built rather than building again.  Either holds:

- the current site at its root (the newest edition with the site's alias), so that every address
  a page or a citation gives (``/<specialty>/<id>/``, ``/articles/<id>/v<N>/``) is served there,
  outside any edition or alias;
- ``articles/``, the permanent copies of approved versions, which only ever grows: a copy once
  published stays, whatever edition is unpublished, republished or lacks it;
- each edition in its own folder (``/<edition>/``), its aliases as full copies (``/latest/``),
  ``versions.json`` in the format Material's version selector reads.

Every replacement is made beside the old copy and swapped in at the end; one publish runs at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import addresses
from .swap import replace_atomically
from .errors import GuidesiteError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

DIRECTORY_MODE = 0o755
FILE_MODE = 0o644
"""What a published site's folders and files are given, whatever the umask of the steps before:
a web server running as another user must read them (and no one but their owner write them)."""

ARTICLES = addresses.ARTICLES
ROOT_MANIFEST = ".guidesite-root.json"
"""The top-level names the current site placed at the root of a target (so that the next one removes
what it no longer has, and nothing else: editions, aliases, a host's own files such as CNAME)."""

VERSION_PAGE = re.compile(r"(?:^|/)v[0-9]+/index\.html$")
"""A permanent copy of an approved version, as built: ``articles/<id>/v<N>/index.html``."""


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
    """Copy ``site_dir`` into ``target/edition`` (and each alias); update versions.json, the current site
    at the root (when this edition is the one the site's alias names) and the permanent copies.

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
            built = _tree(site_dir)
            differences = _differences(_tree(target / edition), built)
            if differences and not replace:
                raise PublishError(_replace_message(edition, str(target), differences))
            if differences:
                notes.append(f"replaced edition {edition}: {_summary(differences)}")
            unchanged = (not differences and set(previous.get("aliases", [])) == set(aliases) and (title or edition) == previous.get("title")
                         and all(_tree(target / name) == built for name in aliases))
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
        current = landing == edition or landing in aliases
        if current or not (target / ROOT_MANIFEST).is_file():
            shown = edition if current else _edition_named(versions, landing)
            if shown is not None:
                _place_current(target, target / shown, _names(versions))
        _keep_permanent(target, site_dir, update=current)
        return Published(edition, list(aliases), str(target), versions, notes=notes)


def unpublish_from_folder(target: Path, edition: str) -> Published:
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
        if aliases:  # the current site at the root was this edition's (or may have been): now the heir's
            _place_current(target, target / heir["version"], _names(left))
        return Published(edition, aliases, str(target), left, notes=notes)


def _only_edition(edition: str, where: str) -> str:
    return (f"edition {edition} is the only one published in {where}: removing it would leave the site and every address "
            "ever cited from it without content; publish the edition that replaces it first, then remove this one")


def _names(versions: list[dict]) -> set[str]:
    """The editions' and aliases' folder names."""
    return {v["version"] for v in versions} | {a for v in versions for a in v.get("aliases", [])}


def _edition_named(versions: list[dict], name: str) -> str | None:
    """The edition ``name`` is, or that the alias ``name`` points at."""
    return next((v["version"] for v in versions if name == v["version"] or name in v.get("aliases", [])), None)


def _current_names(source: Path, editions: set[str]) -> list[str]:
    """The top-level entries of a built site that make the current site at a target's root."""
    names = sorted(p.name for p in source.iterdir() if not p.name.startswith(".") and p.name != ARTICLES)
    for name in names:
        _check_top(name, editions)
    return names


def _check_top(name: str, editions: set[str]) -> None:
    if name in editions or name == "versions.json":
        raise PublishError(f"the site has a top-level '{name}', the name of an edition or alias; publish under another name")


def _place_current(target: Path, source: Path, editions: set[str]) -> None:
    """Make the built site at ``source`` the current site at ``target``'s root: each of its top-level
    entries swapped in, then what :func:`_root_plan` says is left to do."""
    names = _current_names(source, editions)
    previous, homes = _read_root(target / ROOT_MANIFEST)
    for name in names:
        if (source / name).is_dir():
            _replace_folder(source / name, target / name)
        else:
            _copy_file(source / name, target / name)
    for page in sorted((source / ARTICLES).glob("*/index.html")):  # each permanent address leads to the current site's page
        _folders_for(target, target / ARTICLES / page.parent.name / "index.html")
        _copy_file(page, target / ARTICLES / page.parent.name / "index.html")
    built = source / addresses.REDIRECTS
    redirects = built.read_text(encoding="utf-8") if built.is_file() else ""
    stale, homes, pages, rules = _root_plan(
        previous, homes, names, redirects, editions, served=lambda path: (source / path).is_file(),
        versions=lambda article_id: [int(p.parent.name[1:]) for p in (target / ARTICLES / article_id).glob("v*/index.html")
                                     if p.parent.name[1:].isdigit()])
    for name in stale:
        if (target / name).exists():
            shutil.rmtree(target / name) if (target / name).is_dir() else (target / name).unlink()
    for path, text in pages.items():
        _folders_for(target, target / path)
        _write_atomically(target / path, text)
    if rules != redirects:
        _write_atomically(target / addresses.REDIRECTS, rules)
    _write_atomically(target / ROOT_MANIFEST, json.dumps({"names": names, "homes": homes}, indent=1, sort_keys=True) + "\n")


def _root_plan(previous: list[str], homes: dict[str, str], names: list[str], redirects: str, editions: set[str], *,
               served: Callable[[str], bool], versions: Callable[[str], list[int]]) -> tuple[list[str], dict[str, str], dict[str, str], str]:
    """What placing a current site (its top-level ``names``, its ``_redirects``) at a target's root
    leaves to do, on a folder or a branch alike, so that every address once given keeps answering:

    - the previous current site's top-level entries this one lacks, to remove (never an edition, an
      alias, ``articles/``, ``versions.json`` or a host's own hidden file);
    - every article home ever served (home → id), kept in the root's record;
    - pages to write (path → HTML): where an article's page is gone from the root (a move in an edition
      since unpublished, an article removed), a page leading to its permanent address; and where an
      article's permanent address is not the new site's (the article is removed), one leading to its
      newest approved version (``versions(id)``: the numbers held), or saying it is withdrawn;
    - the ``_redirects`` text, with a rule for each page that leads on.
    ``served(path)``: whether the new current site has that file."""
    stale = sorted(n for n in set(previous) - set(names) - editions - {ARTICLES, "versions.json"} if "/" not in n and not n.startswith("."))
    homes = {**homes, **_homes(redirects)}
    pages: dict[str, str] = {}
    rules = [redirects] if redirects else []
    for article_id in sorted(set(homes.values())):
        here = addresses.permanent(article_id)
        if not served(addresses.page_url(here) + "index.html"):
            held = versions(article_id)
            lead = addresses.version_base(article_id, max(held)) if held else None
            pages[addresses.page_url(here) + "index.html"] = _leading_page(here, lead)
            if lead:
                rules.append(f"/{addresses.page_url(here)} /{addresses.page_url(lead)} 302\n")
    for home, article_id in sorted(homes.items()):
        if not served(addresses.page_url(home) + "index.html") and home.split("/", 1)[0] not in editions | {ARTICLES}:
            pages[addresses.page_url(home) + "index.html"] = _leading_page(home, addresses.permanent(article_id))
            rules.append(f"/{addresses.page_url(home)} /{addresses.page_url(addresses.permanent(article_id))} 302\n")
    return stale, homes, pages, "".join(rules)


_LEADS = re.compile(rf"{ARTICLES}/[^/]+/index\.html")
"""An article's permanent address: the page leading to its home."""

_PERMANENT_RULE = re.compile(rf"^/{ARTICLES}/([a-z0-9][a-z0-9-]*)/ /([a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*)/ 30[12]$", re.MULTILINE)
"""The rule a built site's ``_redirects`` has for each article's permanent address: only ids and homes
made of slugs are read (the pages written from them print them)."""


def _homes(redirects: str) -> dict[str, str]:
    """Each article's home → its id, from a built site's ``_redirects`` (the permanent address's rule)."""
    return {home: article_id for article_id, home in _PERMANENT_RULE.findall(redirects)}


def _leading_page(here: str, to: str | None) -> str:
    """The page left at ``here`` (a folder of the site) that leads at once to ``to``; with no ``to``,
    a page saying the article is withdrawn, with a link to the site's home."""
    up = "../" * (here.count("/") + 1)
    if to is None:
        return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"robots\" content=\"noindex\">\n"
                "<title>This article is withdrawn</title>\n</head>\n<body>\n<h1>This article is withdrawn</h1>\n"
                f"<p>It is no longer published, and no version of it was approved. <a href=\"{up}\">Go to the site's home</a>.</p>\n</body>\n</html>\n")
    target = f"{up}{addresses.page_url(to)}"
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"robots\" content=\"noindex\">\n"
            f"<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n<title>This article is elsewhere now</title>\n</head>\n<body>\n"
            f"<h1>This article is elsewhere now</h1>\n<p>It is no longer at this address. <a href=\"{target}\">Go to the article</a>.</p>\n</body>\n</html>\n")


def _keep_permanent(target: Path, source: Path, *, update: bool) -> None:
    """Add the permanent copies of ``source`` to ``target/articles/``; with ``update`` (the current
    site's own), also refresh those it holds (a superseded copy gains its notice).  Nothing is ever
    removed from there."""
    folder = source / ARTICLES
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        destination = target / ARTICLES / path.relative_to(folder)
        if destination.is_file() and (not update or destination.read_bytes() == path.read_bytes()):
            continue
        _folders_for(target, destination)
        _copy_file(path, destination)


def _folders_for(target: Path, path: Path) -> None:
    """The folders ``path`` (inside ``target``) needs, made with the mode a web server reads."""
    for parent in reversed(path.relative_to(target).parents[:-1]):
        if not (target / parent).is_dir():
            (target / parent).mkdir()
            os.chmod(target / parent, DIRECTORY_MODE)


def _read_root(path: Path) -> tuple[list[str], dict[str, str]]:
    """What the current site placed at a target's root: its top-level names, and every article home
    ever served there (home → article id)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [], {}
    return _root_record(data)


def _root_record(data: object) -> tuple[list[str], dict[str, str]]:
    if isinstance(data, list):  # the first form of the record: the names alone
        data = {"names": data}
    if not isinstance(data, dict):
        return [], {}
    names = [n for n in data.get("names", []) if isinstance(n, str)]
    homes = {h: i for h, i in (data.get("homes") or {}).items() if isinstance(h, str) and isinstance(i, str)}
    return names, homes


def _copy_file(source: Path, destination: Path) -> None:
    temporary = destination.with_name(f".{destination.name}.tmp")
    shutil.copyfile(source, temporary)
    os.chmod(temporary, FILE_MODE)
    os.replace(temporary, destination)


def _source(project: Path) -> str:
    """The commit an edition is built from, for its publishing commit (a past edition is rebuilt from it, with its locks)."""
    result = subprocess.run(["git", "-C", str(project), "rev-parse", "--verify", "--quiet", "HEAD"], capture_output=True, text=True)
    return f"\n\nBuilt from commit {result.stdout.strip()}" if result.returncode == 0 and result.stdout.strip() else ""


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
            versions = _branch_versions(commands, branch)
            landing = default or (aliases[0] if aliases else edition)
            current = landing == edition or landing in aliases
            if current or not _on_branch(project, branch, ROOT_MANIFEST):
                shown = edition if current else _edition_named(versions, landing)
                if shown is not None:
                    files = _local_files(site_dir) if current else _branch_files(branch, shown)
                    changed = _branch_root(project, branch, files, _names(versions), update=True,
                                           message=f"Current site: edition {shown}") or changed
            if not current:
                changed = _branch_root(project, branch, _local_files(site_dir), _names(versions), update=False, root=False,
                                       message=f"Permanent copies of edition {edition}") or changed
        except Exception as exc:  # mike reports git problems with its own exception types
            raise PublishError(f"publishing to the {branch} branch failed: {exc}") from exc
        finally:
            os.chdir(previous)
    return Published(edition, list(aliases), f"branch {branch}", versions, changed=changed, notes=notes)


def unpublish_from_branch(project: Path, edition: str, *, branch: str = "gh-pages") -> Published:
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
            left = _branch_versions(commands, branch)
            if aliases:  # the current site at the root was this edition's (or may have been): now the heir's
                _branch_root(project, branch, _branch_files(branch, heir), _names(left), update=False, message=f"Current site: edition {heir}")
        except PublishError:
            raise
        except Exception as exc:
            raise PublishError(f"removing edition {edition} from the {branch} branch failed: {exc}") from exc
        finally:
            os.chdir(previous)
    return Published(edition, aliases, f"branch {branch}", left, notes=notes)


def _local_files(folder: Path) -> Iterator[tuple[str, bytes, int]]:
    """``(path, content, git mode)`` of every file of a built site."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(folder).as_posix(), path.read_bytes(), 0o100755 if os.access(path, os.X_OK) else 0o100644


def _branch_files(branch: str, edition: str) -> Iterator[tuple[str, bytes, int]]:
    """The same, of an edition on the branch (paths from the edition's folder)."""
    from mike import git_utils

    for info in git_utils.walk_files(branch, edition):
        yield posixpath.relpath(info.path, edition), info.data, info.mode


def _on_branch(project: Path, branch: str, path: str) -> bool:
    return subprocess.run(["git", "-C", str(project), "cat-file", "-e", f"{branch}:{path}"], capture_output=True).returncode == 0


def _branch_root(project: Path, branch: str, files: Iterable[tuple[str, bytes, int]], editions: set[str], *, update: bool,
                 message: str, root: bool = True) -> bool:
    """On the branch, what ``_place_current`` and ``_keep_permanent`` do in a folder, in one commit:
    with ``root``, the files make the current site at the root (the previous one's other entries go,
    and an article home once served keeps a page leading on); their permanent copies join
    ``articles/`` (with ``update``, replacing those held).  False when the branch already held exactly that."""
    from mike import git_utils

    held = set(subprocess.run(["git", "-C", str(project), "ls-tree", "-r", "-z", "--name-only", branch, "--", ARTICLES],
                              capture_output=True).stdout.decode("utf-8", "surrogateescape").split("\0")) - {""}
    previous: list[str] = []
    homes: dict[str, str] = {}
    if root and _on_branch(project, branch, ROOT_MANIFEST):
        previous, homes = _root_record(json.loads(git_utils.read_file(branch, ROOT_MANIFEST)))
    names: list[str] = []
    served: set[str] = set()
    redirects = ""
    try:
        with git_utils.Commit(branch, message) as commit:
            for path, data, mode in files:
                top = path.split("/", 1)[0]
                if top == ARTICLES:  # a permanent address leads to the current site's page: the root's decides
                    if path not in held or update or (root and _LEADS.fullmatch(path)):
                        commit.add_file(git_utils.FileInfo(path, data, mode))
                    held.add(path)
                    served.add(path)
                elif root and not top.startswith("."):
                    if top not in names:
                        _check_top(top, editions)
                        names.append(top)
                        commit.delete_files([top])  # the previous current site's copy, whatever it held
                    served.add(path)
                    if path == addresses.REDIRECTS:
                        redirects = data.decode("utf-8")
                    else:
                        commit.add_file(git_utils.FileInfo(path, data, mode))
            if root:
                stale, homes, pages, rules = _root_plan(
                    previous, homes, names, redirects, editions, served=served.__contains__,
                    versions=lambda article_id: [int(m.group(1)) for p in held
                                                 if (m := re.fullmatch(rf"{ARTICLES}/{re.escape(article_id)}/v(\d+)/index\.html", p))])
                commit.delete_files(stale)
                for path, text in pages.items():
                    commit.add_file(git_utils.FileInfo(path, text))
                if rules:
                    commit.add_file(git_utils.FileInfo(addresses.REDIRECTS, rules))
                record = {"names": sorted(names), "homes": homes}
                commit.add_file(git_utils.FileInfo(ROOT_MANIFEST, json.dumps(record, indent=1, sort_keys=True) + "\n"))
    except git_utils.GitEmptyCommit:
        return False
    return True


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
