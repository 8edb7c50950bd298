"""The images a page's figures show, for ``_figure.md.j2``.

Each page's images are published in the page's own folder: the article's
``<specialty>/<id>/<image>`` (its page is ``<specialty>/<id>/``), a version's
``<specialty>/<id>/v<N>/<image>``.  So an image's address on the page is its
bare file name, and the page check (``sanitize.check_site``) can require every
``<img>`` to name a file beside the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..errors import BuildError
from ..images import PublishedImage

if TYPE_CHECKING:
    from . import Page


class FigureImages:
    """The images one page may show, and those it did."""

    def __init__(self, images: Mapping[str, PublishedImage], of: str = "the article") -> None:
        self._images = images
        self._of = of
        self._shown: dict[str, PublishedImage] = {}

    def image(self, name: str) -> PublishedImage:
        """The image a figure names, as published (its address on the page is ``name``)."""
        image = self._images.get(name)
        if image is None:  # validation checks every image of the articles as they are; never guess
            raise BuildError([f"the image '{name}' of {self._of} was not checked for publishing; it is not published without that"])
        self._shown[name] = image
        return image

    def pages(self, folder: str) -> list[Page]:
        """The images shown, as files in ``folder`` (the page's own folder in the docs)."""
        from . import Page

        return [Page.file(f"{folder}/{name}", image.data) for name, image in sorted(self._shown.items())]
