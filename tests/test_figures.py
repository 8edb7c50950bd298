"""Figures (issue 16, item 5): an image stored with its article, checked, stripped of its metadata,
published beside the page, shown with alt text, caption, source and licence; and never a way to
run a script, fetch from elsewhere or read a file outside the article's folder.

Images are made here with Pillow: no binary fixture in the repository.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from guidesite.build import build
from guidesite.errors import ContentError
from guidesite.images import MAX_SIDE, ImageRefused, publishable
from guidesite.load import load
from guidesite.load.files import read_in_folder
from guidesite.render import render
from guidesite.sanitize import check_site, clean_body, find_hazards
from guidesite.validate import validate
from guidesite.validate.figures import figure_images, version_images

from conftest import REPO, TODAY, TODAY_EPOCH, VALID_ARTICLE

ARTICLE = "content/gynecologic-oncology/test-question.yaml"
FOLDER = "content/gynecologic-oncology/test-question"

GPS_LATITUDE = (48.0, 51.0, 29.123)
CAMERA = "GS-SECRET-CAMERA"


def figure_block(image: str = "step-chart.png", caption: str = "Survival with drug A [@trial-a].") -> str:
    return textwrap.indent(textwrap.dedent(f"""\
        - figure:
            image: "{image}"
            alt: "A bar chart of survival at five years, higher with drug A than without"
            caption: {{all: "{caption}"}}
            source: Drawn by the editors from trial A
            licence: CC BY 4.0
        """), "      ")


def stamp(root: Path) -> None:
    """Write each figure's image digest into its article, as an author does from validate's message."""
    import hashlib

    for article in (root / "content").rglob("*.yaml"):
        text = article.read_text(encoding="utf-8")

        def digest(match: re.Match) -> str:
            image = article.parent / article.stem / match.group(2)
            if not image.is_file() or image.is_symlink():
                return match.group(0)
            return f'{match.group(0)}\n{match.group(1)}digest: sha256:{hashlib.sha256(image.read_bytes()).hexdigest()}'

        stamped = re.sub(r'^( +)image: "([a-z0-9.-]+)"(?!\n +digest:)', digest, text, flags=re.M)
        if stamped != text:
            article.write_text(stamped, encoding="utf-8")


def load_stamped(root: Path, *args, **kwargs):
    stamp(root)
    return load(root, *args, **kwargs)


def article_with(*figures: str) -> str:
    return VALID_ARTICLE.format(id="test-question", specialty="gynecologic-oncology").replace(
        "      - list:\n", "".join(figures) + "      - list:\n", 1)


def exif_with_gps() -> Image.Exif:
    from PIL.ExifTags import GPS, IFD

    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = GPS_LATITUDE
    gps[GPS.GPSLongitudeRef] = "E"
    gps[GPS.GPSLongitude] = (2.0, 17.0, 40.5)
    return exif


def png(size=(120, 80), colour=(30, 60, 200), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG", **options)
    return out.getvalue()


def photo(fmt: str = "JPEG") -> bytes:
    """A "photo" carrying everything a camera or phone leaves in a file."""
    from PIL import ImageCms, PngImagePlugin

    image = Image.new("RGB", (64, 48), (200, 120, 40))
    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "GS-SECRET-COMMENT")
        text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GS-SECRET-XMP</x:xmpmeta>")
        image.save(out, "PNG", exif=exif_with_gps(), pnginfo=text, icc_profile=icc)
    elif fmt == "JPEG":
        image.save(out, "JPEG", exif=exif_with_gps(), comment=b"GS-SECRET-COMMENT", icc_profile=icc,
                   xmp=b"<x:xmpmeta>GS-SECRET-XMP</x:xmpmeta>")
    else:
        image.save(out, "WEBP", exif=exif_with_gps(), icc_profile=icc, xmp=b"<x:xmpmeta>GS-SECRET-XMP</x:xmpmeta>")
    data = out.getvalue()
    assert CAMERA.encode() in data  # the test would prove nothing otherwise
    return data


SECRETS = (CAMERA.encode(), b"GS-SECRET-COMMENT", b"GS-SECRET-XMP", b"Exif\x00\x00", b"eXIf", b"iCCP", b"tEXt", b"iTXt", b"ICC_PROFILE")


# --- what readers see ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def figure_site(tmp_path_factory: pytest.TempPathFactory):
    """A site with one article showing a PNG photo and a JPEG photo, both full of metadata."""
    root = tmp_path_factory.mktemp("figures") / "project"
    for name in ("site_config", "theme"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    (root / FOLDER).mkdir(parents=True)
    (root / ARTICLE).write_text(article_with(figure_block("clinic-photo.png"), figure_block("ward-photo.jpg", "A ward.")), encoding="utf-8")
    (root / FOLDER / "clinic-photo.png").write_bytes(photo("PNG"))
    (root / FOLDER / "ward-photo.jpg").write_bytes(photo("JPEG"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        site = build(render(validate(load_stamped(root)), root / "theme" / "templates", today=TODAY), root, site_dir=root / "site")
    return SimpleNamespace(root=root, site=site)


def test_a_photos_gps_position_and_camera_never_reach_readers(figure_site):
    published = figure_site.site / "gynecologic-oncology" / "test-question"
    assert sorted(p.name for p in published.iterdir() if p.suffix != ".html") == ["clinic-photo.png", "ward-photo.jpg"]
    for path in figure_site.site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in SECRETS:
                assert secret not in data, f"{secret!r} in {path.relative_to(figure_site.site)}"
    for name in ("clinic-photo.png", "ward-photo.jpg"):
        with Image.open(published / name) as image:
            assert not image.getexif() and "icc_profile" not in image.info and "exif" not in image.info
            assert image.size == (64, 48)


def test_the_figure_shows_as_an_accessible_figure_with_alt_text_caption_source_and_licence(figure_site):
    html = (figure_site.site / "gynecologic-oncology" / "test-question" / "index.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="gs-figure">.*?</figure>', html, flags=re.DOTALL)
    assert len(figures) == 2
    first = figures[0]
    assert re.search(r'<img src="clinic-photo.png" alt="A bar chart of survival at five years, higher with drug A than without" '
                     r'width="64" height="48" loading="lazy" decoding="async">', first), first
    caption = re.search(r"<figcaption>(.*?)</figcaption>", first, flags=re.DOTALL).group(1)
    assert "Survival with drug A" in caption
    assert re.search(r'<span class="gs-cite">(?:&nbsp;|\u00a0)\[<a [^>]*href="#ref-trial-a">1</a>\]</span>', caption)  # numbered like any citation
    assert "Source: Drawn by the editors from trial A. Licence: CC BY 4.0." in caption
    assert 'data-audience' not in first  # one figure for every audience
    assert check_site(figure_site.site, _theme_dirs(figure_site.root)) == []


def test_two_builds_publish_byte_identical_images(figure_site, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(figure_site.root / "content", again / "content")
    for name in ("site_config", "theme"):
        shutil.copytree(REPO / name, again / name)
    pages = {p.path: p.data for p in render(validate(load_stamped(again)), again / "theme" / "templates", today=TODAY)}
    for name in ("clinic-photo.png", "ward-photo.jpg"):
        built = (figure_site.site / "gynecologic-oncology" / "test-question" / name).read_bytes()
        assert pages[f"gynecologic-oncology/test-question/{name}"] == built
    for fmt, name in (("PNG", "a.png"), ("JPEG", "a.jpg"), ("WEBP", "a.webp")):
        data = photo(fmt)
        assert publishable(name, data).data == publishable(name, data).data


def test_every_format_keeps_its_format_without_metadata():
    for fmt, name in (("PNG", "a.png"), ("JPEG", "a.jpg"), ("WEBP", "a.webp")):
        image = publishable(name, photo(fmt))
        assert (image.width, image.height) == (64, 48)
        for secret in SECRETS:
            assert secret not in image.data, (fmt, secret)
        with Image.open(io.BytesIO(image.data)) as reopened:
            assert reopened.format == fmt
            assert not reopened.getexif() and "icc_profile" not in reopened.info and "xmp" not in reopened.info


def test_exif_orientation_is_applied_before_it_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 0, 0)).save(out, "JPEG", exif=exif)
    image = publishable("a.jpg", out.getvalue())
    assert (image.width, image.height) == (20, 40)


# --- refusals: each a located problem, all in one round -----------------------------------------------


def _fifo_or_skip(path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(path)


def _refusals(project, files: dict[str, bytes | str], image: str = "step-chart.png") -> list[str]:
    project.write(ARTICLE, article_with(figure_block(image)))
    folder = project.root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = folder / name
        if data == "fifo":
            _fifo_or_skip(target)
        elif data == "folder":
            target.mkdir()
        elif isinstance(data, str) and data.startswith("link:"):
            target.symlink_to(data[len("link:"):])
        else:
            target.write_bytes(data)
    with pytest.raises(ContentError) as caught:
        validate(load_stamped(project.root))
    return sorted(str(p) for p in caught.value.problems)


AT = f"{ARTICLE}:22:18: sections[0].blocks[1].figure.image: "


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG")
    return out.getvalue()


def _animated_png() -> bytes:
    frames = [Image.new("RGB", (10, 10), (i * 80, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])
    return out.getvalue()


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, "PNG")  # about 100 KB on disk, 900 million pixels decoded
    assert len(out.getvalue()) < 200_000
    return out.getvalue()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, [AT + f"expected the image file {FOLDER}/step-chart.png (images go in the article's folder {FOLDER}/); there is none"]),
        ({"step-chart.png": _jpeg()}, [AT + "expected a PNG image, as the extension .png says; got a JPEG file"]),
        ({"step-chart.png": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'},
         [AT + "expected a PNG image, as the extension .png says; got an SVG file (SVG can carry scripts: export it as PNG or WebP)"]),
        ({"step-chart.png": b"GIF89a" + b"\0" * 20}, [AT + "expected a PNG image, as the extension .png says; got a GIF file"]),
        ({"step-chart.png": b"just some text"}, [AT + "expected a PNG image, as the extension .png says; got bytes of no image format"]),
        ({"step-chart.png": png()[:60]},
         [AT + "expected a PNG image that can be read to the end; got a damaged or unreadable one (Truncated File Read)"]),
        ({"step-chart.png": png() + b"\0" * (2 * 1024 * 1024)},
         [AT + "expected an image file of at most 2 MB; got 2.0 MB (make it smaller, or export it as WebP)"]),
        ({"step-chart.png": png(size=(MAX_SIDE + 1, 10))}, [AT + f"expected an image of at most 4000×4000 pixels; got {MAX_SIDE + 1}×10"]),
        ({"step-chart.png": _bomb()}, [AT + "expected an image of at most 4000×4000 pixels; got one far larger (refused without decoding)"]),
        ({"step-chart.png": _animated_png()},
         [AT + "expected a still image; got an animated PNG of 3 frames (export the one frame the figure needs)"]),
        ({"step-chart.png": "fifo"}, [AT + f"expected the image as a regular file in {FOLDER}/; got a named pipe (FIFO) (nothing is read through it)",
                                      f"{FOLDER}/step-chart.png:1:1: expected a regular file or folder; got a named pipe (FIFO)"]),
        ({"step-chart.png": "link:/etc/hostname"},
         [AT + f"expected the image as a regular file in {FOLDER}/; got a symbolic link (nothing is read through it)",
          f"{FOLDER}/step-chart.png:1:1: expected a regular file or folder; got a symbolic link (content must not point outside content/)"]),
    ],
    ids=["missing", "jpeg-named-png", "svg-named-png", "gif-named-png", "text", "truncated", "too-large-file", "too-wide",
         "decompression-bomb", "animated", "fifo", "symlink"],
)
def test_an_image_that_cannot_be_published_is_a_located_problem(project, files, expected):
    assert _refusals(project, files) == sorted(expected)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("unused-chart.png", png(), "expected every image in the folder of content/gynecologic-oncology/test-question.yaml to be shown "
                                    "by a figure; no figure uses 'unused-chart.png' (add a figure block with this image, or remove the file)"),
        ("diagram.svg", b"<svg onload='alert(1)'/>", "expected a PNG, JPEG or WebP image; got an SVG file, which can carry scripts "
                                                     "and fetch other files (export it as PNG or WebP)"),
        ("moving.gif", b"GIF89a", "expected only PNG, JPEG or WebP images (.png, .jpg, .jpeg, .webp) in the folder of "
                                  "gynecologic-oncology/test-question.yaml; got 'moving.gif' (remove it: nothing else is published from here)"),
        (".DS_Store", b"\0", "expected only PNG, JPEG or WebP images (.png, .jpg, .jpeg, .webp) in the folder of "
                             "gynecologic-oncology/test-question.yaml; got '.DS_Store' (remove it: nothing else is published from here)"),
        ("Chart.PNG", png(), "expected an image file name of lower-case words joined by hyphens, such as 'step-chart.png'; got 'Chart.PNG'"),
        ("more", "folder", "expected only image files in the folder of gynecologic-oncology/test-question.yaml; got a folder "
                           "(its files would be published nowhere)"),
        ("other.png", "link:../../../../outside.png", "expected a regular file or folder; got a symbolic link (content must not point outside content/)"),
    ],
    ids=["unused", "svg", "gif", "hidden-file", "upper-case", "folder", "symlink"],
)
def test_anything_in_the_folder_that_no_figure_shows_is_a_located_problem(project, name, data, expected):
    assert _refusals(project, {"step-chart.png": png(), name: data}) == [f"{FOLDER}/{name}:1:1: {expected}"]


def test_a_folder_with_no_article_beside_it_is_refused(project):
    project.article()
    project.write("content/gynecologic-oncology/orphan/chart.png", "x")
    with pytest.raises(ContentError) as caught:
        validate(load_stamped(project.root))
    assert [str(p) for p in caught.value.problems] == [
        "content/gynecologic-oncology/orphan/chart.png:1:1: expected images only in the folder of an article "
        "(content/<specialty>/<id>/ beside <id>.yaml); there is no article 'orphan.yaml' beside this folder"]


def test_every_problem_is_reported_in_one_round(project):
    project.write(ARTICLE, article_with(figure_block("missing.png"), figure_block("fake.png")).replace("title: \"Does", "title: 7 #", 1))
    (project.root / FOLDER).mkdir(parents=True)
    (project.root / FOLDER / "fake.png").write_bytes(_jpeg())
    (project.root / FOLDER / "spare.png").write_bytes(png())
    (project.root / FOLDER / "logo.svg").write_bytes(b"<svg/>")
    with pytest.raises(ContentError) as caught:
        validate(load_stamped(project.root))
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 5, messages
    assert any("title" in m for m in messages)
    assert any("figure.image: expected the image file" in m and "missing.png" in m for m in messages)
    assert any("figure.image: expected a PNG image, as the extension .png says; got a JPEG file" in m for m in messages)
    assert any(m.startswith(f"{FOLDER}/spare.png:1:1: expected every image") for m in messages)
    assert any(m.startswith(f"{FOLDER}/logo.svg:1:1: expected a PNG, JPEG or WebP image; got an SVG file") for m in messages)


def test_validate_of_one_article_speaks_for_its_own_folder_only(project):
    from guidesite.validate import check_content

    project.article()
    project.write(ARTICLE.replace("test-question", "other-question"), VALID_ARTICLE.format(id="other-question", specialty="gynecologic-oncology"))
    project.write("content/gynecologic-oncology/other-question/spare.png", "x")
    assert check_content(load(project.root, [project.root / ARTICLE], read_articles=False)) == 1
    with pytest.raises(ContentError):
        check_content(load(project.root, read_articles=False))


# --- no file outside the article's folder can be named ---------------------------------------------


@pytest.mark.parametrize("name", ["../site.png", "../../../site_config/site.yaml", "/etc/passwd", "a/b.png", "..", ".", "", "a\\b.png", "a\0.png"])
def test_a_path_cannot_be_spelled_through_an_image_name(tmp_path, name):
    (tmp_path / "inside").mkdir()
    (tmp_path / "site.png").write_bytes(png())
    with pytest.raises(ValueError):
        read_in_folder(tmp_path / "inside", name)


def test_only_names_the_model_allows_are_ever_used_as_file_names():
    data = {"sections": [{"blocks": [{"figure": {"image": name}} for name in
                                     ("ok-chart.png", "../up.png", "/abs.png", "a/b.png", "x.svg", "ok.png\n", "OK.png", 7, None)]}]}
    assert [name for _, name in figure_images(data)] == ["ok-chart.png"]


def test_a_linked_article_folder_is_never_read_through(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "step-chart.png").write_bytes(png())
    project.write(ARTICLE, article_with(figure_block()))
    (project.root / FOLDER).symlink_to(outside, target_is_directory=True)
    with pytest.raises(ContentError) as caught:
        validate(load_stamped(project.root))
    assert sorted(str(p) for p in caught.value.problems) == sorted([
        AT + f"expected the image as a regular file in {FOLDER}/; got a symbolic link (nothing is read through it)",
        f"{FOLDER}:1:1: expected a regular file or folder; got a symbolic link (content must not point outside content/)",
    ])


# --- the page check: no script and no fetch through an image ---------------------------------------


@pytest.mark.parametrize(
    "dirty",
    [
        '<img src="https://tracker.example/pixel.png" alt="a pixel">',   # a fetch from another host
        '<img src="//tracker.example/pixel.png" alt="a pixel">',         # the same without a scheme
        '<img src="/\\tracker.example/pixel.png" alt="a pixel">',
        '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" alt="x">',  # an inline document
        '<img src="javascript:alert(1)" alt="x">',
        '<img src="jav&#x61;script:alert(1)" alt="x">',
        '<img src="x.png" alt="x" onerror="alert(1)">',                   # a handler (kept image, handler gone)
        '<img src="x.png" alt="x" srcset="https://tracker.example/a.png 2x">',
        '<img src="x.png?u=reader-id" alt="x">',                           # a query to track readers
        '<img src="../../other-article/x.png" alt="x">',                   # another article's folder
        '<img src="/assets/x.png" alt="x">',
        '<img src="x.gif" alt="x">', '<img src="x.html" alt="x">', '<img src="x.png">',  # not an image file, no alt
        '<img src="x.png" alt="x" data-src="https://tracker.example/a.png" style="display:none">',
        '<picture><source srcset="https://tracker.example/a.png"><img src="x.png" alt="x"></picture>',
        '<input type="image" src="https://tracker.example/a.png">',
        '<svg><image href="https://tracker.example/a.png"/></svg>',
        '<video poster="https://tracker.example/a.png"></video>',
    ],
)
def test_the_cleaner_lets_no_image_fetch_from_elsewhere_or_run_anything(dirty):
    cleaned = clean_body(dirty)
    for image in re.findall(r"<img\b[^>]*>", cleaned):
        assert re.fullmatch(r'<img src="x\.png" alt="x">', image), cleaned
    assert not re.search(r"tracker|javascript|data:|onerror|srcset|style|data-src|<source|<svg|<video|\?u=", cleaned), cleaned


def test_the_cleaner_keeps_a_figure_as_the_template_writes_it():
    body = ('<figure class="gs-figure"><p><img src="step-chart.png" alt="A chart" width="64" height="48" loading="lazy" decoding="async"></p>'
            '<figcaption><p>Caption</p></figcaption></figure>'
            '<p class="gs-algorithm__diagram"><img alt="Diagram" src="../algorithm-0123abcd.svg"></p>')
    assert clean_body(body) == body


def _theme_dirs(root: Path) -> list[Path]:
    import material

    return [root / "theme" / "overrides", Path(material.__file__).parent / "templates"]


def test_the_page_check_allows_only_images_of_the_pages_own_article(tmp_path):
    site = tmp_path / "site"
    page_dir = site / "oncology" / "question"
    (page_dir / "v1").mkdir(parents=True)
    (site / "oncology" / "other").mkdir(parents=True)
    (site / "assets").mkdir()
    for path in (page_dir / "chart.png", page_dir / "algorithm-1.svg", page_dir / "v1" / "chart.png", page_dir / "anim.gif",
                 site / "oncology" / "other" / "chart.png", site / "assets" / "logo.svg", site / "top.png"):
        path.write_bytes(b"x")
    (page_dir / "index.html").write_text(
        '<img src="chart.png" alt="ok"><img src="algorithm-1.svg" alt="ok"><img src="../../assets/logo.svg" alt="logo">\n'
        '<img src="missing.png" alt="a">\n'
        '<img src="../other/chart.png" alt="b">\n'
        '<img src="anim.gif" alt="c">\n'
        '<img src="https://tracker.example/chart.png" alt="d">\n'
        '<img src="chart.png">\n'
        '<img src="chart.png" alt="e" srcset="https://tracker.example/a.png 2x">\n'
        '<img src="../../top.png" alt="f">\n', encoding="utf-8")
    (page_dir / "v1" / "index.html").write_text('<img src="chart.png" alt="ok"><img src="../algorithm-1.svg" alt="ok">\n', encoding="utf-8")
    assert check_site(site, []) == [
        "oncology/question/index.html:2: an image that is not a file of the page's article (src='missing.png') on <img>",
        "oncology/question/index.html:3: an image that is not a file of the page's article (src='../other/chart.png') on <img>",
        "oncology/question/index.html:4: an image that is not a file of the page's article (src='anim.gif') on <img>",
        "oncology/question/index.html:5: a https: address in src= on <img>",
        "oncology/question/index.html:6: an image without alt text on <img>",
        "oncology/question/index.html:7: a srcset= on <img> (an image comes from one file of the article)",
        "oncology/question/index.html:8: an image that is not a file of the page's article (src='../../top.png') on <img>",
    ]


def test_the_body_scan_names_what_an_image_could_do():
    found = [h.what for h in find_hazards('<img src="data:image/png;base64,AAAA" alt="x" onload="alert(1)">', allow_script=lambda *_: False)]
    assert found == ["a data: address in src= on <img>", "an event handler (onload=) on <img>"]


# --- permanent copies show the images they were approved with ----------------------------------------


def test_a_versions_page_shows_the_image_at_its_commit_not_todays():
    figure = SimpleNamespace(image="step-chart.png")
    article = SimpleNamespace(id="q", specialty="oncology", sections=[SimpleNamespace(blocks=[SimpleNamespace(figure=figure)])])
    old, new = png(colour=(255, 0, 0)), png(colour=(0, 0, 255))
    versions = {"q": [SimpleNamespace(number=1, article=article, commit="a" * 40), SimpleNamespace(number=2, article=article, commit=None)]}
    asked = []

    def read(wanted):
        asked.extend(wanted)
        return [old for _ in wanted]

    current = {"q": {"step-chart.png": publishable("step-chart.png", new)}}
    images = version_images(read, versions, current)
    assert asked == [("a" * 40, "content/oncology/q/step-chart.png")]
    assert images[("q", 1)]["step-chart.png"].data == publishable("step-chart.png", old).data
    assert images[("q", 2)]["step-chart.png"] is current["q"]["step-chart.png"]
    with pytest.raises(ContentError) as caught:
        version_images(lambda wanted: [None for _ in wanted], versions, current)
    assert [str(p) for p in caught.value.problems] == [
        "content/oncology/q/step-chart.png:1:1: expected the image of version 1 (commit aaaaaaaaaa) in the history; "
        "it is not there, so that version's page cannot show it"]


def test_refused_images_name_the_reason_in_words():
    with pytest.raises(ImageRefused, match="expected a WebP image, as the extension .webp says; got a PNG file"):
        publishable("a.webp", png())


# --- the approval covers the image ---------------------------------------------------------------


def test_a_figure_states_its_images_digest_and_a_replaced_image_is_refused_until_reapproved(project):
    import hashlib

    from guidesite.model import Article
    from guidesite.review import content_hash

    first, second = png(colour=(30, 60, 200)), png(colour=(200, 30, 30))
    (project.root / FOLDER).mkdir(parents=True)
    (project.root / FOLDER / "step-chart.png").write_bytes(first)
    project.write(ARTICLE, article_with(figure_block()))
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    digest = f"sha256:{hashlib.sha256(first).hexdigest()}"
    assert [f"{p.field}: {p.message}" for p in caught.value.problems] == [
        f"sections[0].blocks[1].figure: expected the image's digest, which its approval covers: add 'digest: {digest}'"]
    stamp(project.root)
    approved = validate(load(project.root)).articles[0]
    # Someone replaces the image after approval: refused, and the build writes nothing.
    (project.root / FOLDER / "step-chart.png").write_bytes(second)
    with pytest.raises(ContentError) as caught:
        validate(load(project.root))
    new = f"sha256:{hashlib.sha256(second).hexdigest()}"
    assert [p.message for p in caught.value.problems] == [
        f"expected the digest of step-chart.png as it is now ({new}); got {digest} "
        "(the image was replaced: update the digest, and the article needs approving again)"]
    # With the digest updated the content is no longer what was approved.
    text = (project.root / ARTICLE).read_text(encoding="utf-8").replace(digest, new)
    (project.root / ARTICLE).write_text(text, encoding="utf-8")
    replaced = validate(load(project.root)).articles[0]
    assert isinstance(replaced, Article) and content_hash(replaced) != content_hash(approved)
