"""Stage 2 — validate: raw documents become typed objects, or every problem at once.

Two passes.  The model (pydantic) checks each file on its own; then the
cross-checks below check what one file names in another: specialties, tags,
audiences, reviewers, disclaimers, citations, related articles.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .errors import ContentError, Problem
from .load import Loaded, RawDocument, format_loc
from .model import Article, SiteConfig, grading_values
from .model.fields import KEY_PATTERN, SLUG_PATTERN, MarkdownText, describe
from .model.walk import CITATION, citation_keys, iter_citations, iter_texts


@dataclass
class Validated:
    """The typed site: configuration and articles, each with its source file."""

    site: SiteConfig
    articles: list[Article]
    sources: dict[str, RawDocument]
    """Raw document of each article, by article id."""


def validate(loaded: Loaded) -> Validated:
    """Check everything that was loaded; raise ContentError listing every problem."""
    problems = list(loaded.problems)
    site = _validate_site(loaded, problems)
    articles: list[Article] = []
    sources: dict[str, RawDocument] = {}
    pairs: list[tuple[Article, RawDocument]] = []
    for doc in loaded.articles:
        if doc.data is None:
            continue  # already reported by load
        # Text checks read the raw data, so they run even when the model refuses the file.
        problems += _check_markdown(doc)
        article = _to_model(Article, doc, doc.data, (), problems)
        if article is None:
            continue
        if site is not None:
            problems += _check_article(article, doc, site)
        articles.append(article)
        pairs.append((article, doc))
        sources.setdefault(article.id, doc)
    problems += _check_collection(pairs)
    if site is not None:
        problems += _check_cross_links(articles, sources)
    if loaded.only is not None:
        article_paths = {d.shown for d in loaded.articles}
        problems = [p for p in problems if p.path in loaded.only or p.path not in article_paths]
    if problems:
        raise ContentError(problems)
    assert site is not None
    return Validated(site=site, articles=articles, sources=sources)


# --- model errors as located, plain-language problems ---------------------------


def _to_model(cls: type[BaseModel], doc: RawDocument, data: Any, base: tuple, problems: list[Problem]) -> Any:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = _written_loc(data, tuple(err["loc"]))
            key = err["type"] == "extra_forbidden"
            problems.append(doc.problem(base + loc, _message(err, cls, loc), key=key))
        return None


def _written_loc(data: Any, loc: tuple) -> tuple:
    """Drop the parts of a pydantic loc the author never wrote (union tags, 'all')."""
    out: list = []
    current = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, dict) and part in current:
            out.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            out.append(part)
            current = current[part]
        elif last and part != "all":
            out.append(part)
    return tuple(out)


_PATTERNS = {
    SLUG_PATTERN: "lower-case words joined by hyphens, such as 'cervical-cancer'",
    KEY_PATTERN: "a key of lower-case letters and digits joined by '-' or '_', such as 'tewari-2014'",
    r"^[1-9][0-9]{0,8}$": "a PMID of 1 to 9 digits, such as 24552320",
    r"^PMC[0-9]{4,9}$": "a PMCID such as PMC4010094",
    r"^10\.[0-9]{4,9}/[^\s]+$": "a DOI such as 10.1056/NEJMoa1309748 (no https://doi.org/ prefix)",
    r"^NCT[0-9]{8}$": "an NCT number: NCT and 8 digits",
    r"\?$": "a question ending with '?'",
}


def _message(err: dict, cls: type[BaseModel], loc: tuple) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    found = describe(err.get("input"))
    if kind == "missing":
        return "expected this required field; it is missing"
    if kind == "extra_forbidden":
        allowed = _fields_at(cls, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        tip = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown field{tip}; expected one of {', '.join(allowed)}"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected')}; got {found}"
    if kind == "string_pattern_mismatch":
        return f"expected {_PATTERNS.get(ctx.get('pattern'), 'text matching ' + str(ctx.get('pattern')))}; got {found}"
    if kind == "string_type":
        tip = " (put it in quotes to keep it as text)" if isinstance(err.get("input"), (int, float, bool)) else ""
        return f"expected text; got {found}{tip}"
    if kind == "string_too_short":
        return "expected text; got an empty value"
    if kind == "string_too_long":
        return f"expected at most {ctx.get('max_length')} characters; got {len(str(err.get('input')))}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number; got {found}"
    if kind in ("decimal_type", "decimal_parsing", "float_type", "float_parsing"):
        return f"expected a number; got {found}"
    if kind.startswith("date"):
        return f"expected a date as YYYY-MM-DD; got {found}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false; got {found}"
    if kind == "list_type":
        return f"expected a list; got {found}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of fields; got {found}"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length')} item(s); got {ctx.get('actual_length')}"
    if kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
        bound = {"greater_than": "greater than", "greater_than_equal": "at least", "less_than_equal": "at most", "less_than": "less than"}[kind]
        limit = next(iter(ctx.values()), "?")
        return f"expected a number {bound} {limit}; got {found}"
    if kind == "union_tag_invalid":
        return f"expected system to be one of {ctx.get('expected_tags')}; got {describe(ctx.get('tag'))}"
    if kind == "union_tag_not_found":
        return f"expected a '{ctx.get('discriminator', 'system').strip(chr(39))}' field naming the grading system (nccn, esmo, grade)"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return f"{err['msg']}; got {found}"


def _fields_at(cls: type[BaseModel], loc: tuple) -> list[str]:
    """Names of the fields of the model found at ``loc`` inside ``cls``."""
    current: Any = cls
    for part in loc:
        if isinstance(part, int):
            continue
        model = _model_in(current)
        if model is None or part not in model.model_fields:
            return []
        current = model.model_fields[part].annotation
    model = _model_in(current)
    return list(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    if get_origin(annotation) is not None and hasattr(annotation, "__origin__"):
        return _model_in(annotation.__origin__) if annotation.__origin__ is not annotation else None
    return None


# --- site configuration -------------------------------------------------------------


def _validate_site(loaded: Loaded, problems: list[Problem]) -> SiteConfig | None:
    if len(loaded.site) != 6 or any(d.data is None for d in loaded.site.values()):
        return None
    data = {name: doc.data for name, doc in loaded.site.items()}
    data["settings"] = data.pop("site")
    data["editorial_policy"] = loaded.policy
    before = len(problems)
    # Validate each file on its own so each problem is reported in its own file.
    parts = {}
    for name, doc in loaded.site.items():
        field = "settings" if name == "site" else name
        annotation = SiteConfig.model_fields[field].annotation
        wrapper = _single_field_model(field, annotation)
        value = _to_model(wrapper, doc, {field: doc.data}, (), [])
        if value is None:
            # Re-run to report with the file's own locations (without the wrapper field).
            try:
                wrapper.model_validate({field: doc.data})
            except ValidationError as exc:
                for err in exc.errors(include_url=False):
                    loc = _written_loc(doc.data, tuple(err["loc"])[1:])
                    problems.append(doc.problem(loc, _message(err, SiteConfig, (field,) + loc), key=err["type"] == "extra_forbidden"))
        else:
            parts[field] = getattr(value, field)
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
    for system in ("nccn", "esmo", "grade"):
        if system not in site.grading:
            out.append(docs["grading"].problem((), f"expected a legend for the grading system '{system}'"))
            continue
        legend = site.grading[system].dimensions
        for dimension, values in grading_values(system).items():
            have = legend.get(dimension, {})
            missing = [v for v in values if v not in have]
            extra = [v for v in have if v not in values]
            if missing:
                out.append(docs["grading"].problem((system, "dimensions", dimension), f"expected a legend line for every value; missing {', '.join(missing)}"))
            if extra:
                out.append(docs["grading"].problem((system, "dimensions", dimension, extra[0]), f"expected only values of the model ({', '.join(values)}); got '{extra[0]}'", key=True))
    return out


# --- one article against the site ---------------------------------------------------


def _check_article(article: Article, doc: RawDocument, site: SiteConfig) -> list[Problem]:
    out: list[Problem] = []
    stem = doc.path.stem
    folder = doc.path.parent.name
    if article.id != stem:
        out.append(doc.problem(("id",), f"expected the file name '{stem}'; got '{article.id}'"))
    specialties = {s.id for s in site.specialties}
    if article.specialty not in specialties:
        out.append(doc.problem(("specialty",), f"expected a specialty from site_config/specialties.yaml ({', '.join(sorted(specialties))}); got '{article.specialty}'"))
    elif article.specialty != folder:
        out.append(doc.problem(("specialty",), f"expected the folder name '{folder}' (content/<specialty>/<id>.yaml); got '{article.specialty}'"))
    tags = {t.id for t in site.tags}
    for i, tag in enumerate(article.tags):
        if tag not in tags:
            out.append(doc.problem(("tags", i), f"expected a tag from site_config/tags.yaml; got '{tag}'"))
    site_audiences = [a.id for a in site.settings.audiences]
    for i, audience in enumerate(article.audiences):
        if audience not in site_audiences:
            out.append(doc.problem(("audiences", i), f"expected an audience from site_config/site.yaml ({', '.join(site_audiences)}); got '{audience}'"))
    if len(set(article.audiences)) != len(article.audiences):
        out.append(doc.problem(("audiences",), "expected each audience once; got a repeat"))
    out += _check_wordings(article, doc)
    for i, section in enumerate(article.sections):
        for j, audience in enumerate(section.audiences or []):
            if audience not in article.audiences:
                out.append(doc.problem(("sections", i, "audiences", j), f"expected one of the article's audiences ({', '.join(article.audiences)}); got '{audience}'"))
    out += _check_citations(article, doc)
    if article.disclaimer not in site.disclaimers:
        out.append(doc.problem(("disclaimer",), f"expected a disclaimer set from site_config/disclaimers.yaml ({', '.join(sorted(site.disclaimers))}); got '{article.disclaimer}'"))
    out += _check_review(article, doc, site)
    return out


def _check_wordings(article: Article, doc: RawDocument) -> list[Problem]:
    out = []
    raw_texts: dict[tuple, set[str]] = {}
    for loc, audience, _ in iter_texts(article):
        if audience == "all":
            continue
        parent = loc[:-1]
        raw_texts.setdefault(parent, set()).add(audience)
        served = _audiences_at(article, loc)
        if audience not in served:
            out.append(doc.problem(loc, f"expected a wording for one of the audiences who see this text ({', '.join(served)}); got '{audience}'", key=True))
    for parent, given in raw_texts.items():
        missing = [a for a in _audiences_at(article, parent) if a not in given]
        if missing:
            out.append(doc.problem(parent, f"expected a wording for every audience of the article; missing {', '.join(missing)}"))
    return out


def _audiences_at(article: Article, loc: tuple) -> list[str]:
    """Who reads the text at ``loc``: the section's audiences, else the article's."""
    if len(loc) >= 2 and loc[0] == "sections" and isinstance(loc[1], int) and loc[1] < len(article.sections):
        section = article.sections[loc[1]].audiences
        if section:
            return [a for a in article.audiences if a in section]
    return list(article.audiences)


def _check_citations(article: Article, doc: RawDocument) -> list[Problem]:
    """Every reference key unique; and, when the file is otherwise valid, every reference cited."""
    out = []
    keys: dict[str, int] = {}
    for i, ref in enumerate(article.references):
        if ref.key in keys:
            out.append(doc.problem(("references", i, "key"), f"expected a unique reference key; '{ref.key}' is also reference {keys[ref.key] + 1}"))
        keys.setdefault(ref.key, i)
    cited = {key for _, key in iter_citations(article)}
    for key, i in keys.items():
        if key not in cited:
            out.append(doc.problem(("references", i, "key"), f"expected every reference to be cited; '{key}' is never cited (cite it as [@{key}] or remove it)"))
    return out


def _check_review(article: Article, doc: RawDocument, site: SiteConfig) -> list[Problem]:
    out = []
    review = article.review
    reviewers = {r.id for r in site.reviewers}
    for i, approval in enumerate(review.approvals):
        if approval.reviewer not in reviewers:
            out.append(doc.problem(("review", "approvals", i, "reviewer"), f"expected a reviewer id from site_config/reviewers.yaml; got '{approval.reviewer}'"))
        elif article.specialty not in site.reviewer(approval.reviewer).specialties:
            covered = ", ".join(site.reviewer(approval.reviewer).specialties)
            out.append(doc.problem(("review", "approvals", i, "reviewer"), f"expected a reviewer who covers {article.specialty}; '{approval.reviewer}' covers {covered}"))
        if approval.date < review.created:
            out.append(doc.problem(("review", "approvals", i, "date"), f"expected a date on or after created ({review.created}); got {approval.date}"))
    if review.status == "approved" and not review.approvals:
        out.append(doc.problem(("review", "status"), "expected at least one approval for status 'approved'; got none"))
    if review.replaced_by and review.status != "retired":
        out.append(doc.problem(("review", "replaced_by"), f"expected replaced_by only on a retired article; status is '{review.status}'"))
    return out


# --- safety of Markdown text --------------------------------------------------------------

_RAW_HTML = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>|<!--")
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]*)")
_UNSAFE_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_ATTR_LIST = re.compile(r"\{\s*[:.#][^}]*\}")
_SAFE_SCHEMES = {"http", "https", "mailto"}


def _check_markdown(doc: RawDocument) -> list[Problem]:
    """Checks on every Markdown text as written: safety, and citations that resolve."""
    out = []
    data = doc.data if isinstance(doc.data, dict) else {}
    refs = data.get("references")
    keys = [r.get("key") for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    known = ", ".join(str(k) for k in keys) or "none defined"
    for loc, text in _raw_texts(data, ()):
        cite_list = len(loc) >= 2 and loc[-2] == "cite"
        if not cite_list and not _is_markdown(loc):
            continue
        cited = [text] if cite_list else []
        if not cite_list:
            out += _unsafe(doc, loc, text)
            for match in CITATION.finditer(text):
                for key in citation_keys(match.group(1)):
                    if not re.match(KEY_PATTERN, key):
                        out.append(doc.problem(loc, f"expected citations written as [@key] or [@key1; @key2]; got '{match.group(0)}'"))
                    else:
                        cited.append(key)
        for key in cited:
            if key not in keys:
                out.append(doc.problem(loc, f"expected a citation key from references ({known}); got '[@{key}]'"))
    return out


def _raw_texts(value: Any, loc: tuple):
    if isinstance(value, dict):
        for key, child in value.items():
            if key != "references":
                yield from _raw_texts(child, loc + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _raw_texts(child, loc + (i,))
    elif isinstance(value, str):
        yield loc, value


def _is_markdown(loc: tuple) -> bool:
    """Whether a raw value sits in a Markdown field (directly, in a list, or as an audience wording)."""
    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return False
    if names[-1] in MARKDOWN_FIELDS:
        return True
    if names[-1] in _ITEM_LISTS and isinstance(loc[-1], int):
        return True  # a list item written as plain text is its Markdown text
    return len(names) >= 2 and names[-2] in MARKDOWN_FIELDS and not isinstance(loc[-1], int)


def _markdown_fields() -> frozenset[str]:
    from .model import article as article_module

    names = set()
    for cls in vars(article_module).values():
        if isinstance(cls, type) and issubclass(cls, BaseModel):
            for name, info in cls.model_fields.items():
                if _marked(info.annotation) or any(isinstance(m, MarkdownText) for m in info.metadata):
                    names.add(name)
    return frozenset(names)


def _marked(annotation: Any) -> bool:
    if any(isinstance(m, MarkdownText) for m in getattr(annotation, "__metadata__", ())):
        return True
    return any(_marked(arg) for arg in get_args(annotation))


_ITEM_LISTS = frozenset({"list", "numbered", "items"})
"""Fields holding ListItem lists, whose items may be written as bare text."""

MARKDOWN_FIELDS = _markdown_fields()
"""Names of the model's Markdown (Wording) fields, found from the model itself."""


def _unsafe(doc: RawDocument, loc: tuple, text: str) -> list[Problem]:
    out = []
    if m := _RAW_HTML.search(text):
        out.append(doc.problem(loc, f"expected Markdown without raw HTML; got '{m.group(0)[:40]}'"))
    if m := _ATTR_LIST.search(text):
        out.append(doc.problem(loc, f"expected Markdown without attribute lists; got '{m.group(0)[:40]}'"))
    if "![" in text:
        out.append(doc.problem(loc, "expected Markdown without images; got an image ('![…](…)')"))
    for target in _LINK_TARGET.findall(text):
        normal = unicodedata.normalize("NFKC", target).replace("\\", "")
        scheme = _UNSAFE_SCHEME.match(normal)
        if scheme and scheme.group(1).lower() not in _SAFE_SCHEMES:
            out.append(doc.problem(loc, f"expected a link to http, https or mailto; got '{target[:40]}'"))
    return out


# --- the collection ---------------------------------------------------------------------


def _check_collection(pairs: list[tuple[Article, RawDocument]]) -> list[Problem]:
    out = []
    first_of: dict[str, RawDocument] = {}
    for article, doc in pairs:
        folded = unicodedata.normalize("NFKC", article.id).casefold()
        if folded in first_of:
            out.append(doc.problem(("id",), f"expected a unique id; '{article.id}' is also the id of {first_of[folded].shown}"))
            continue
        first_of[folded] = doc
    return out


def _check_cross_links(articles: list[Article], sources: dict[str, RawDocument]) -> list[Problem]:
    out = []
    ids = {a.id for a in articles}
    for article in articles:
        doc = sources[article.id]
        for i, other in enumerate(article.see_also):
            if other == article.id:
                out.append(doc.problem(("see_also", i), "expected another article; got the article itself"))
            elif other not in ids:
                out.append(doc.problem(("see_also", i), f"expected the id of an existing article; got '{other}'"))
        if article.review.replaced_by and article.review.replaced_by not in ids:
            out.append(doc.problem(("review", "replaced_by"), f"expected the id of an existing article; got '{article.review.replaced_by}'"))
    return out
