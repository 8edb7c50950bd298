"""MkDocs hooks (``hooks:`` in mkdocs.yml): the same pages in fewer bytes, valid HTML, and no
version selector outside published editions.

Material's templates are indented for people reading them; a built page
carries that indentation and thousands of blank lines.  Browsers render a run
of spaces and line breaks between words or tags the same as one line break,
so every run that holds a line break is written as one, except inside
``<pre>`` and ``<textarea>``, where whitespace is shown as written.  JSON the
templates print (the article's JSON-LD, Material's configuration block) is
written without spaces after ``,`` and ``:``.

Two things Material's base template writes are not valid HTML (the Nu HTML
Checker reports them on every page), and are mended in the built page:
``autocomplete`` on its checkbox toggles (an attribute text fields have, not
checkboxes), and, on a page that is not in the navigation (an article), a
``<label for="__toc">`` over the table of contents that names a control the
page does not have (the toggle is written by the navigation's entry for the
page): that label becomes the ``<div>`` it acts as.  Nothing else is removed.

mkdocs.yml's ``extra.version`` (Material's version selector, which asks for
``../versions.json``) is kept only while ``guidesite publish`` builds an
edition (``GUIDESITE_EDITIONS=1``, set by generator/build.py): a plain build or
the preview would ask for a file that is not there, on every page.

Zensical does not run these hooks: generator/finish.py does the same on its
output, and the build leaves the version selector out of its configuration.
"""

from __future__ import annotations

import os
from typing import Any

from guidesite.finish import compact_whitespace, valid_html  # the same mending after any engine (generator/finish.py)


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:
    """A page whose front matter names a ``canonical`` page (a permanent copy of an article's
    version) points search engines at that page instead of at itself."""
    target = page.meta.get("canonical") if isinstance(page.meta, dict) else None
    if isinstance(target, str) and config.site_url:
        page.canonical_url = config.site_url.rstrip("/") + "/" + target.lstrip("/")
    return markdown


def on_config(config: Any, **_: Any) -> Any:
    """Material's version selector only in a published edition (see the module's docstring)."""
    if os.environ.get("GUIDESITE_EDITIONS") != "1":
        config.extra.pop("version", None)
    return config


def on_env(env: Any, **_: Any) -> Any:
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    return env


def on_post_page(output: str, **_: Any) -> str:
    return compact_whitespace(valid_html(output))


def on_post_template(output_content: str, template_name: str, **_: Any) -> str:
    """The 404 page (a page of the theme, not of the docs) is mended and compacted like the others."""
    if template_name.endswith(".html"):
        return compact_whitespace(valid_html(output_content))
    return output_content
