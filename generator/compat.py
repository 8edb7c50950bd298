"""MkDocs, or ProperDocs in its place.

MkDocs 1.6 is the engine this project pins and tests.  Where it is not installed (say 1.6.1 no
longer installs on a newer Python) but ProperDocs is (the maintained fork of MkDocs 1.x: the same
modules under the name ``properdocs``), ProperDocs' own alias makes every ``mkdocs.*`` import load
the ``properdocs.*`` module of the same name: ours, Material's and our hooks' alike.  With MkDocs
installed nothing changes.  build.py and parts.py import this module before their first ``mkdocs``
import (pipeline.py and serve.py import build.py first).

``python -m guidesite.compat`` prints what guidesite (with its ``properdocs`` extra), Material and
mike require, except MkDocs, for an environment without it (README: "Engines and Material's end of
life"): install those three with ``pip install --no-deps``, then this list.
"""

import importlib.util

if importlib.util.find_spec("mkdocs") is None and importlib.util.find_spec("properdocs") is not None:
    import properdocs.replacement  # noqa: F401  (the one line: mkdocs.* now loads properdocs.*)

NEED_MKDOCS = ("guidesite", "mkdocs-material", "mike")
"""The distributions that name MkDocs as a requirement (installed with ``--no-deps``)."""


def requirements_without_mkdocs() -> list[str]:
    """Requirement lines (markers kept, for pip to judge) of NEED_MKDOCS, less MkDocs and themselves."""
    import re
    from importlib.metadata import requires

    lines = []
    for distribution in NEED_MKDOCS:
        for line in requires(distribution) or []:
            name = re.match(r"[A-Za-z0-9._-]+", line).group().lower().replace("_", "-")
            extra = re.search(r"""extra\s*==\s*["']([^"']+)["']""", line)
            if name in ("mkdocs", *NEED_MKDOCS) or (extra and (distribution, extra.group(1)) != ("guidesite", "properdocs")):
                continue
            lines.append(re.sub(r"""\s*(and\s+)?extra\s*==\s*["'][^"']+["']""", "", line).rstrip(" ;"))
    return sorted(set(lines))


if __name__ == "__main__":
    print("\n".join(requirements_without_mkdocs()))
