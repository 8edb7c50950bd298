"""The floor: every rendered Markdown page through Python-Markdown alone, in one process.

No theme, no navigation, no search, no YAML front matter parsing: what no
Markdown-based pipeline can go below.  The extensions are the site's
(``mkdocs.yml``: tables, md_in_html, toc with permalinks, abbr).

    python -m benchmarks.floor DOCS_DIR OUT_DIR
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import markdown

EXTENSIONS = ["tables", "md_in_html", "toc", "abbr"]
EXTENSION_CONFIGS = {"toc": {"permalink": True}}

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def convert_all(docs: Path, out: Path) -> int:
    """Convert every ``*.md`` under ``docs`` to an HTML fragment under ``out``; return the count."""
    converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    count = 0
    for source in sorted(docs.rglob("*.md")):
        body = _FRONT_MATTER.sub("", source.read_text(encoding="utf-8"), count=1)
        html = converter.reset().convert(body)
        target = out / source.relative_to(docs).with_suffix(".html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    docs, out = (Path(a) for a in (argv if argv is not None else sys.argv[1:]))
    print(f"converted {convert_all(docs, out)} pages")


if __name__ == "__main__":
    main()
