"""guidesite: structured YAML medical articles → validated → Markdown → MkDocs Material site.

Stages, one module each: load → validate → render → build (see cli.py).
"""

__version__ = "0.2.0.dev0"
"""The release: pyproject.toml reads it from here; every built page names it (``<meta name="generator">``),
as does the build record."""
