"""Figure images: checked as what their name says, limited, and re-encoded without metadata.

An image of a figure is published only as :func:`publishable` makes it:

* the bytes must be the format the extension names (magic bytes), and that
  format's own decoder (Pillow, told to try no other) must read the whole of it;
* at most :data:`MAX_IMAGE_BYTES` on disk and :data:`MAX_SIDE` pixels a side,
  judged from the header before any pixel is decoded (a small file that
  inflates to gigabytes, a "decompression bomb", is refused unread);
* not animated (a moving figure distracts and cannot be paused: WCAG 2.2.2;
  export one frame);
* re-encoded from its pixels alone, in the same format: EXIF (GPS position,
  camera, date), XMP, ICC profiles, text chunks and comments never reach
  readers.  EXIF orientation is applied first, and an ICC profile is turned
  into sRGB pixels before it is dropped, so the image still looks as it did.
  The same bytes in give the same bytes out, so rebuilds are identical.

Everything here works on bytes: reading the files is the load stage's.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

MAX_IMAGE_BYTES = 2 * 1024 * 1024
"""Largest image file accepted (2 MiB): a figure, not a photo archive; pages stay light on phones."""

MAX_SIDE = 4000
"""Largest width or height in pixels accepted."""

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
"""Image extensions a figure may use, and the format each promises."""

FORMAT_NAMES = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}

ALLOWED = "PNG, JPEG or WebP (.png, .jpg, .jpeg, .webp)"


class ImageRefused(Exception):
    """Why an image cannot be published, in an author's words (``expected …; got …``)."""


@dataclass(frozen=True)
class PublishedImage:
    """An image as readers get it: metadata stripped, with its size for the page's layout."""

    name: str
    data: bytes
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The format the first bytes announce (PNG, JPEG, WEBP, or a few others by name), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        return "SVG"
    if data[:2] == b"BM":
        return "BMP"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data[4:12] in (b"ftypavif", b"ftypheic", b"ftypmif1", b"ftypheix"):
        return "HEIF/AVIF"
    if data.startswith(b"%PDF"):
        return "PDF"
    return None


def publishable(name: str, data: bytes) -> PublishedImage:
    """The image as it will be published; raises :class:`ImageRefused` saying why it cannot be."""
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    expected = FORMATS.get(suffix)
    if expected is None:
        raise ImageRefused(f"expected a {ALLOWED} image; got '{name}'")
    shown = FORMAT_NAMES[expected]
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused(f"expected an image file of at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB; "
                           f"got {len(data) / (1024 * 1024):.1f} MB (make it smaller, or export it as WebP)")
    found = sniff(data)
    if found != expected:
        what = "bytes of no image format" if found is None else f"{'an' if found[0] in 'AEFHILMNORSX' else 'a'} {found} file"
        hint = " (SVG can carry scripts: export it as PNG or WebP)" if found == "SVG" else ""
        raise ImageRefused(f"expected a {shown} image, as the extension {suffix} says; got {what}{hint}")
    return _reencode(name, data, expected)


def _reencode(name: str, data: bytes, fmt: str) -> PublishedImage:
    from PIL import Image, ImageOps

    shown = FORMAT_NAMES[fmt]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the promised format's decoder may read the bytes: no guessing among Pillow's dozens.
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width > MAX_SIDE or height > MAX_SIDE:  # from the header: no pixel decoded yet
                    raise ImageRefused(f"expected an image of at most {MAX_SIDE}×{MAX_SIDE} pixels; got {width}×{height}")
                if getattr(image, "is_animated", False) or getattr(image, "n_frames", 1) > 1:
                    raise ImageRefused(f"expected a still image; got an animated {shown} of {getattr(image, 'n_frames', 2)} frames "
                                       "(export the one frame the figure needs)")
                if fmt == "PNG":
                    image.verify()  # the checksum of every chunk
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                image.load()
                quantization = getattr(image, "quantization", None)
                sampling = _jpeg_sampling(image) if fmt == "JPEG" else -1
                lossless = fmt == "WEBP" and _webp_lossless(data)
                pixels = _pixels_only(ImageOps.exif_transpose(image) or image, fmt)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(f"expected an image of at most {MAX_SIDE}×{MAX_SIDE} pixels; got one far larger (refused without decoding)") from None
    except Exception as exc:  # Pillow raises many kinds for broken data: each is a refusal, named
        detail = re.sub(r"\s*<[^>]*object at 0x[0-9a-f]+>", "", str(exc)).strip() or type(exc).__name__
        raise ImageRefused(f"expected a {shown} image that can be read to the end; got a damaged or unreadable one ({detail})") from None
    out = io.BytesIO()
    if fmt == "PNG":
        options = {"transparency": pixels.info["transparency"]} if "transparency" in pixels.info else {}
        pixels.info = {}
        pixels.save(out, "PNG", optimize=False, compress_level=9, **options)
    elif fmt == "JPEG":
        pixels.info = {}
        options = {"qtables": quantization} if quantization else {"quality": 90}
        if sampling != -1:
            options["subsampling"] = sampling
        pixels.save(out, "JPEG", optimize=False, progressive=False, **options)
    else:
        pixels.info = {}
        pixels.save(out, "WEBP", lossless=lossless, quality=100 if lossless else 90, method=4, exact=False)
    return PublishedImage(name=name, data=out.getvalue(), width=pixels.width, height=pixels.height)


def _pixels_only(image, fmt: str):
    """A copy of the pixels with nothing else: colours turned to sRGB if a profile said otherwise,
    and a mode the format and every browser show the same."""
    icc = image.info.get("icc_profile")
    if icc:
        image = _to_srgb(image, icc)
    keep = {"PNG": ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"), "JPEG": ("L", "RGB"), "WEBP": ("RGB", "RGBA")}[fmt]
    if image.mode not in keep:
        alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode == "P" and "transparency" in image.info)
        image = image.convert("RGBA" if alpha and fmt != "JPEG" else "RGB")
    clean = image.copy()
    clean.info = {k: v for k, v in image.info.items() if k == "transparency"}
    return clean


def _to_srgb(image, icc: bytes):
    """The image's colours converted from its embedded profile to sRGB (the profile is then dropped);
    left as it is when the profile cannot be read."""
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if image.mode not in ("RGB", "RGBA", "L", "CMYK"):
            return image
        target_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=target_mode)
    except Exception:  # an unreadable or unusual profile: the pixels as they are, still without it
        return image


def _jpeg_sampling(image) -> int:
    try:
        from PIL import JpegImagePlugin

        return JpegImagePlugin.get_sampling(image)
    except Exception:
        return -1


def _webp_lossless(data: bytes) -> bool:
    """Whether a WebP file holds lossless (VP8L) image data."""
    position = 12
    while position + 8 <= len(data):
        chunk, size = data[position:position + 4], int.from_bytes(data[position + 4:position + 8], "little")
        if chunk == b"VP8L":
            return True
        if chunk == b"VP8 ":
            return False
        position += 8 + size + (size & 1)
    return False
