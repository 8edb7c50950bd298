"""The images of an article's figures: there, real, within limits, and every one used.

Each ``figure.image`` names a file in the article's own folder
(``content/<specialty>/<id>/``, beside ``<id>.yaml``).  The model's name
pattern allows no ``/`` and no ``..``, and the file is opened relative to that
folder without following links (``load.read_in_folder``), so no file outside
it can be named, let alone read.  Each image is checked and re-encoded as it
will be published (``images.publishable``); a file in the folder that no
figure shows is an error too, so nothing sits there unseen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import ContentError, Problem
from ..images import MAX_IMAGE_BYTES, ImageRefused, PublishedImage, publishable
from ..load import RawDocument
from ..load.files import _NotRegular, _TooLarge, _IMAGE_NAME, read_in_folder, regular_files_in


def image_folder(article_file: Path) -> Path:
    """The folder of an article's images: ``content/<specialty>/<id>/`` for ``content/<specialty>/<id>.yaml``."""
    return article_file.parent / article_file.stem


def check_figures(doc: RawDocument, images: dict[str, PublishedImage] | None = None, *, unused: bool = True) -> list[Problem]:
    """Problems with the images the article's figures name (and, with ``unused``, with images no figure names).

    ``images``, when given, receives each image as it will be published, by name.
    """
    out: list[Problem] = []
    folder = image_folder(doc.path)
    shown_folder = Path(doc.shown).with_suffix("").as_posix()
    used = list(figure_images(doc.data))
    out += _digests(doc, folder, used)
    done: dict[str, str | None] = {}
    for loc, name in used:
        if name in done:  # the same image in two figures: checked once, reported at each
            if done[name]:
                out.append(doc.problem(loc, done[name]))
            continue
        message = None
        try:
            image = publishable(name, read_in_folder(folder, name, limit=MAX_IMAGE_BYTES))
            if images is not None:
                images[name] = image
        except FileNotFoundError:
            message = f"expected the image file {shown_folder}/{name} (images go in the article's folder {shown_folder}/); there is none"
        except _NotRegular as exc:
            message = f"expected the image as a regular file in {shown_folder}/; got {exc.kind} (nothing is read through it)"
        except _TooLarge as exc:
            message = (f"expected an image file of at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB; "
                       f"got {exc.size / (1024 * 1024):.1f} MB (make it smaller, or export it as WebP)")
        except ImageRefused as exc:
            message = str(exc)
        except OSError as exc:
            message = f"expected an image file that can be read; got an error: {exc.strerror or exc}"
        done[name] = message
        if message:
            out.append(doc.problem(loc, message))
    if unused:
        named = {name for _, name in used}
        for name in sorted(regular_files_in(folder)):
            if _IMAGE_NAME.fullmatch(name) and name not in named:  # other names: the layout check refuses them
                out.append(Problem(f"{shown_folder}/{name}", 1, 1, "",
                                   f"expected every image in the folder of {doc.shown} to be shown by a figure; no figure uses '{name}' "
                                   "(add a figure block with this image, or remove the file)"))
    return out


def _digests(doc: RawDocument, folder: Path, used: list[tuple[tuple, str]]) -> list[Problem]:
    """Each figure states its image's digest, and the file still has it.

    What a reviewer approves is the article's YAML (its content hash); the digest
    brings the image's bytes into it.  A replaced image is refused here until its
    digest is updated, and the changed digest makes every approval stale.
    """
    out = []
    for loc, name in used:
        try:
            data = read_in_folder(folder, name, limit=MAX_IMAGE_BYTES)
        except (OSError, _NotRegular, _TooLarge):
            continue  # reported by the image check
        actual = "sha256:" + hashlib.sha256(data).hexdigest()
        figure = _at(doc.data, loc[:-1])
        stated = figure.get("digest") if isinstance(figure, dict) else None
        if stated is None:
            out.append(doc.problem(loc[:-1], f"expected the image's digest, which its approval covers: add 'digest: {actual}'"))
        elif isinstance(stated, str) and stated != actual:
            out.append(doc.problem(loc[:-1] + ("digest",), f"expected the digest of {name} as it is now ({actual}); got {stated} "
                                   "(the image was replaced: update the digest, and the article needs approving again)"))
    return out


def _at(data: Any, loc: tuple) -> Any:
    for part in loc:
        data = data[part]
    return data


def figure_images(data: Any) -> Iterator[tuple[tuple, str]]:
    """``(loc, name)`` of every figure image the raw article names as a valid file name
    (a name the model refuses is reported by the model, and never used as a path)."""
    sections = data.get("sections") if isinstance(data, dict) else None
    for i, section in enumerate(sections if isinstance(sections, list) else []):
        blocks = section.get("blocks") if isinstance(section, dict) else None
        for j, block in enumerate(blocks if isinstance(blocks, list) else []):
            figure = block.get("figure") if isinstance(block, dict) else None
            name = figure.get("image") if isinstance(figure, dict) else None
            if isinstance(name, str) and _IMAGE_NAME.fullmatch(name):
                yield ("sections", i, "blocks", j, "figure", "image"), name


def version_images(read: Callable[[list[tuple[str, str]]], list[bytes | None]], versions: Mapping[str, list[Any]],
                   current: Mapping[str, Mapping[str, PublishedImage]]) -> dict[tuple[str, int], dict[str, PublishedImage]]:
    """The figures' images of every approved version, as it was approved, by ``(article id, number)``.

    ``read`` gives the bytes of ``(commit, path)`` pairs (``History.read_many``).  A
    version held only in the working tree shows the images there (``current``).  An
    image a version names that cannot be found at its commit, or no longer passes
    the checks, is a problem naming the commit: a permanent copy is never published
    with another image than the one approved, nor without it.
    """
    out: dict[tuple[str, int], dict[str, PublishedImage]] = {}
    wanted: list[tuple[tuple[str, int], str, str, str]] = []  # (key, name, commit, path)
    for article_id, history in versions.items():
        for version in history:
            names = sorted({block.figure.image for section in version.article.sections for block in section.blocks
                            if getattr(block, "figure", None) is not None})
            if not names:
                continue
            key = (article_id, version.number)
            folder = f"content/{version.article.specialty}/{version.article.id}"
            if version.commit is None:
                out[key] = {name: current[article_id][name] for name in names if name in current.get(article_id, {})}
                continue
            wanted += [(key, name, version.commit, f"{folder}/{name}") for name in names]
    problems: list[Problem] = []
    for (key, name, commit, path), data in zip(wanted, read([(commit, path) for _, _, commit, path in wanted])):
        where = f"version {key[1]} (commit {commit[:10]})"
        if data is None:
            problems.append(Problem(path, 1, 1, "", f"expected the image of {where} in the history; it is not there, so that version's page cannot show it"))
            continue
        try:
            out.setdefault(key, {})[name] = publishable(name, data)
        except ImageRefused as exc:
            problems.append(Problem(path, 1, 1, "", f"{exc} (the image of {where})"))
    if problems:
        raise ContentError(problems)
    return out
