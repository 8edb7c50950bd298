"""A build sharded over CI machines, then assembled into one site.

``guidesite build --shard K/N --site-dir parts/K`` builds shard K of N: every
machine reads, checks and renders the whole content (links between articles
are checked against all of it), but converts and writes only its own pages,
and indexes only its own search buckets (search.py).  Shards are cut along
the search buckets, which depend on the articles alone, so a page and the
bucket indexing it are always in the same shard and the search index of a
sharded build is the one-machine build's.  The first shard also writes the
site's own pages, the specialty pages, the sitemap, the static files and the
figures' images.

``guidesite assemble parts/* --to site/`` joins the shards: it refuses shards
of different builds (each carries the digest of what it was built from), a
missing or repeated shard, and two shards writing one file; it checks the
links with an ``#anchor`` between shards, checks every page as a build does,
and only then replaces ``site/``.  The assembled site is byte for byte the
site one machine builds from the same commit (tested).

In CI the shards are a job matrix and assembling is a final job (see the
README's "Building on several machines").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import search
from .errors import BuildError
from .parts import PartResult, Part, missing_anchors, plan

MANIFEST = ".guidesite-shard.json"
"""What a shard's folder says of itself (which shard, of which build, what it found)."""


@dataclass(frozen=True)
class Shard:
    """Shard ``number`` (1-based, as CI matrices count) of ``count``."""

    number: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            raise ValueError(f"expected K/N with 1 ≤ K ≤ N (e.g. 2/3); got '{text}'")
        return cls(int(match[1]), int(match[2]))

    @property
    def main(self) -> bool:
        return self.number == 1

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"


def _article_key(path: str) -> str:
    """The article a docs path belongs to (``a/b.md``, ``a/b/v2.md``, ``a/b/figure.png`` → ``a/b``)."""
    return "/".join(path.split("/")[:2]).removesuffix(".md")


def bucket_range(shard: Shard, buckets: int) -> range:
    """The search buckets shard K of N builds: a contiguous, near-equal share."""
    k = shard.number - 1
    # Rounded up: with fewer buckets than shards, the first shard (which holds the site's own pages,
    # indexed when there is no article) gets the first bucket.
    return range(-(-k * buckets // shard.count), -(-(k + 1) * buckets // shard.count))


def own_pages(paths: Iterable[str], groups: list[list[str]], shard: Shard) -> set[str]:
    """The docs paths shard K builds: those of the articles in its buckets (the first shard: and
    everything that belongs to no current article)."""
    paths = list(paths)
    every = {page.removesuffix("/index.html") for group in groups for page in group}
    mine = {page.removesuffix("/index.html") for index in bucket_range(shard, len(groups)) for page in groups[index]}
    return {path for path in paths if _article_key(path) in mine or (shard.main and _article_key(path) not in every)}


def shard_parts(own: set[str], shard: Shard, *, workers: int, sizes: dict[str, int]) -> list[Part]:
    """The shard's pages cut into parts for this machine's cores (the first part of the first shard is
    the site's main part)."""
    pages = sorted(path for path in own if path.endswith(".md"))
    chunks = plan(pages, workers=workers, sizes=sizes)
    if not chunks:
        return [Part(0, frozenset(own), main=shard.main)]
    return [Part(part.index, part.own, main=shard.main and part.index == 0) for part in chunks]


def write_manifest(folder: Path, shard: Shard, digest: str, buckets: int, results: list[PartResult]) -> None:
    data = {"shard": shard.number, "of": shard.count, "built_from": digest.strip(), "search_bundles": buckets,
            "results": [result.to_json() for result in results]}
    (folder / MANIFEST).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


@dataclass
class _Read:
    folder: Path
    shard: Shard
    built_from: str
    bundles: int
    results: list[PartResult]


def _read(folder: Path) -> _Read:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise BuildError([f"{folder}: not the output of 'guidesite build --shard' (no {MANIFEST})"])
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return _Read(folder, Shard(int(data["shard"]), int(data["of"])), str(data["built_from"]), int(data["search_bundles"]),
                     [PartResult.from_json(result) for result in data["results"]])
    except (ValueError, KeyError, TypeError) as exc:
        raise BuildError([f"{manifest}: expected a shard's manifest; it cannot be read ({exc})"]) from exc


def assemble(folders: list[Path], to: Path, *, check: Callable[[Path], list[str]], stage: Callable[[str], None] = lambda _: None) -> int:
    """Join the shards' folders into ``to`` (replaced only if everything passes); the number of files.

    ``check`` is the page check of a build (hazards of the assembled site, as messages).
    """
    from .swap import replace_atomically

    shards = [_read(Path(folder)) for folder in folders]
    problems = _mismatches(shards)
    if problems:
        raise BuildError(problems)
    to = Path(to).resolve()
    to.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{to.name}-", dir=to.parent))
    try:
        stage(f"joining {len(shards)} shards")
        files = 0
        for shard in sorted(shards, key=lambda s: s.shard.number):
            files += _link_tree(shard.folder, fresh)
        problems = missing_anchors([result for shard in shards for result in shard.results])
        bundles = shards[0].bundles
        problems += [f"search bundle {search.bundle_name(i)}/ is missing: a shard did not index it"
                     for i in range(bundles) if not (fresh / search.bundle_name(i) / "pagefind-entry.json").is_file()]
        if problems:
            raise BuildError(problems)
        stage("checking the assembled pages")
        hazards = check(fresh)
        if hazards:
            raise BuildError([f"unsafe markup in the built page {hazard}" for hazard in hazards])
        stage(f"replacing {to.name}/")
        replace_atomically(to, fresh)
    finally:
        if fresh.exists():
            shutil.rmtree(fresh, ignore_errors=True)
    return files


def _mismatches(shards: list[_Read]) -> list[str]:
    if not shards:
        return ["expected the folders of every shard of a build; got none"]
    problems = []
    digests = {s.built_from for s in shards}
    if len(digests) > 1:
        problems.append("the shards were built from different content, settings or tool versions: "
                        + "; ".join(f"{s.folder} (shard {s.shard}) from {s.built_from[:12]}" for s in shards))
    counts = {s.shard.count for s in shards}
    if len(counts) > 1:
        problems.append("the shards cut the site differently: " + ", ".join(f"{s.folder} is shard {s.shard}" for s in shards))
        return problems
    (count,) = counts
    numbers = [s.shard.number for s in shards]
    for number in range(1, count + 1):
        if numbers.count(number) == 0:
            problems.append(f"shard {number}/{count} is missing")
        elif numbers.count(number) > 1:
            problems.append(f"shard {number}/{count} is given twice: " + ", ".join(str(s.folder) for s in shards if s.shard.number == number))
    return problems


def _link_tree(source: Path, target: Path) -> int:
    """Hard-link (or copy) every file of a shard into the site; a file two shards wrote is refused."""
    count = 0
    for root, _dirs, names in os.walk(source):
        for name in names:
            path = Path(root, name)
            relative = path.relative_to(source)
            if relative.as_posix() == MANIFEST:
                continue
            if path.is_symlink():
                raise BuildError([f"{path}: a shard holds no links; this one is a symbolic link"])
            destination = target / relative
            if destination.exists():
                raise BuildError([f"two shards wrote {relative.as_posix()}"])
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, destination)
            except OSError:
                shutil.copy2(path, destination)
            count += 1
    return count
