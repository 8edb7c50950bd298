"""The site configuration: each file checked on its own, then against the others."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem, display_path
from ..load import POLICY_FILE, SITE_FILES, Loaded, RawDocument
from ..model import SiteConfig
from ..model.fields import RESERVED_NAMES
from .markdown import unsafe_markdown
from .messages import message, written_loc
from .text import character_reference, raw_strings, text_problems


def validate_site(loaded: Loaded, problems: list[Problem]) -> SiteConfig | None:
    """Each site_config file is checked on its own, so each problem names its own file."""
    if len(loaded.site) != len(SITE_FILES) or any(d.data is None for d in loaded.site.values()):
        return None
    before = len(problems)
    parts = {}
    for name, doc in loaded.site.items():
        field = "settings" if name == "site" else name
        wrapper = _single_field_model(field, SiteConfig.model_fields[field].annotation)
        try:
            parts[field] = getattr(wrapper.model_validate({field: doc.data}), field)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = written_loc(doc.data, tuple(err["loc"])[1:])
                problems.append(doc.problem(loc, message(err, SiteConfig, (field,) + loc, doc.written.get(loc)), key=err["type"] == "extra_forbidden"))
    if len(problems) > before:
        return None
    site = SiteConfig(**parts, editorial_policy=loaded.policy)
    problems += _check_site(site, loaded.site)
    return None if len(problems) > before else site


_wrappers: dict[str, type[BaseModel]] = {}


def _single_field_model(field: str, annotation: Any) -> type[BaseModel]:
    from pydantic import create_model

    if field not in _wrappers:
        _wrappers[field] = create_model(f"_{field}", **{field: (annotation, ...)})
    return _wrappers[field]


def _check_site(site: SiteConfig, docs: dict[str, RawDocument]) -> list[Problem]:
    out: list[Problem] = []
    audiences = [a.id for a in site.settings.audiences]
    specialties = {s.id for s in site.specialties}
    for name, items in (("specialties", site.specialties), ("reviewers", site.reviewers), ("tags", site.tags)):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                out.append(docs[name].problem((i, "id"), f"expected a unique id; '{item.id}' is used twice"))
            seen.add(item.id)
    for i, specialty in enumerate(site.specialties):
        if specialty.id in RESERVED_NAMES:
            out.append(docs["specialties"].problem((i, "id"), f"expected an id that is not one of the site's own pages or folders ({', '.join(sorted(RESERVED_NAMES))}); got '{specialty.id}'"))
    claimed: dict[tuple[str, str], str] = {}
    for i, reviewer in enumerate(site.reviewers):
        # One person, one entry: two ids sharing an identity would count as two approvals.
        for field in ("email", "github", "signing_key"):
            value = getattr(reviewer, field)
            if not value:
                continue
            owner = claimed.setdefault((field, value.casefold()), reviewer.id)
            if owner != reviewer.id:
                out.append(docs["reviewers"].problem((i, field), f"expected each person once in the registry; this {field.replace('_', ' ')} is also {owner}'s"))
    for i, reviewer in enumerate(site.reviewers):
        for j, specialty in enumerate(reviewer.specialties):
            if specialty not in specialties:
                out.append(docs["reviewers"].problem((i, "specialties", j), f"expected a specialty from specialties.yaml; got '{specialty}'"))
    for key, texts in site.disclaimers.items():
        missing = [a for a in audiences if a not in texts]
        if missing:
            out.append(docs["disclaimers"].problem((key,), f"expected a text for every audience; missing {', '.join(missing)}"))
        for audience in texts:
            if audience not in audiences:
                out.append(docs["disclaimers"].problem((key, audience), f"expected an audience from site.yaml ({', '.join(audiences)}); got '{audience}'", key=True))
    if "standard" not in site.disclaimers:
        out.append(docs["disclaimers"].problem((), "expected a 'standard' disclaimer set (the default)"))
    for system_id, system in site.grading.items():
        for name, grade_field in system.fields.items():
            said: dict[str, str] = {}
            for value, meaning in grade_field.values.items():
                for k, phrase in enumerate(meaning.phrases):
                    owner = said.setdefault(phrase.casefold(), value)
                    if owner != value:
                        out.append(docs["grading"].problem((system_id, "fields", name, "values", value, "phrases", k),
                                                           f"expected each phrase under one value of '{name}'; '{phrase}' is also the wording of '{owner}'"))
    return out


MARKDOWN_SITE_FILES = frozenset({"disclaimers"})
"""Site files whose texts are rendered as Markdown; every other text is plain and may reach a page title."""


def check_site_texts(loaded: Loaded) -> list[Problem]:
    """The site configuration's texts as written: no HTML, no character references, safe Markdown.

    Specialty names and descriptions become page titles and descriptions,
    which the theme prints unescaped, so HTML is refused in every plain text
    here.  The disclaimers and the editorial policy are Markdown.
    """
    out: list[Problem] = []
    for name, doc in loaded.site.items():
        markdown = name in MARKDOWN_SITE_FILES
        for loc, text in raw_strings(doc.data):
            out += text_problems(doc, loc, text, markdown=markdown, printed_raw=not markdown)
            if markdown:
                out += [doc.problem(loc, found) for _, found in unsafe_markdown(text)]
    shown = display_path(loaded.root / "site_config" / POLICY_FILE, loaded.root)
    policy = loaded.policy
    found = list(unsafe_markdown(policy))
    if reference := character_reference(policy):
        found.append((policy.index(reference), f"expected characters typed as themselves, not an HTML character reference; got '{reference}'"))
    for offset, text in found:
        line = policy.count("\n", 0, offset) + 1
        col = offset - (policy.rfind("\n", 0, offset) + 1) + 1
        out.append(Problem(shown, line, col, "", text))
    return out
