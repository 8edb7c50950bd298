"""Evidence grades against the grading systems of ``site_config/grading.yaml``.

The model reads a grade as a system id and field → value pairs; what the
systems are, which fields each has and which values are allowed is
configuration, so it is checked here, with the article's other checks against
the site.  A recommendation's wording must fit its grade: under GRADE "we
suggest" is a conditional recommendation, and a badge reading "strong" beside
it would tell a clinician the opposite of the text.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel

from ..errors import Problem
from ..load import RawDocument
from ..model import Article, Evidence, SiteConfig
from ..model.article import Recommendation
from ..model.registry import fields_holding
from ..model.walk import walk

Loc = tuple[str | int, ...]


def check_grades(article: Article, doc: RawDocument, site: SiteConfig) -> list[Problem]:
    """Every grade names a known system, its fields and allowed values; every recommendation is
    graded (unless the site allows ungraded ones) and worded as its grade says."""
    out: list[Problem] = []

    def enter(loc: Loc, node: Any) -> bool:  # a partial article holds None where a part was refused
        if isinstance(node, Evidence):
            out.extend(_check_grade(node, loc, doc, site))
            return False
        if isinstance(node, list) and node and all(isinstance(item, Evidence) for item in node):
            out.extend(_check_populations(node, loc, doc))
        if isinstance(node, Recommendation):
            out.extend(_check_recommendation(node, loc, doc, site))
        return isinstance(node, (BaseModel, list))

    walk(article, enter, fields=_holding_grades)
    return out


def _holding_grades(cls: type[BaseModel]) -> tuple[str, ...]:
    """Only the fields where a grade or a recommendation can be: the walk never visits the rest."""
    return fields_holding(cls, (Evidence, Recommendation))


def _one_of(values: list[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _check_grade(grade: Evidence, loc: Loc, doc: RawDocument, site: SiteConfig) -> list[Problem]:
    if grade.system is None:
        return []
    system = site.grading.get(grade.system)
    if system is None:
        return [doc.problem(loc + ("system",), f"expected a grading system of site_config/grading.yaml ({', '.join(site.grading)}); got '{grade.system}'")]
    if grade.statement is not None:
        if not system.statements:
            return [doc.problem(loc + ("statement",), f"expected a grade: {system.badge} issues no ungraded statements in site_config/grading.yaml")]
        if system.statement_named(grade.statement) is None:
            return [doc.problem(loc + ("statement",), f"expected one of {_one_of(list(system.statements))}; got '{grade.statement}'")]
        return [doc.problem(loc + (name,), f"expected no grade beside an ungraded {grade.statement}; got {name}", key=True) for name in grade.values]
    out = []
    hinted = set()
    given = set()
    for name, value in grade.values.items():
        field_id = system.field_named(name)
        if field_id is None:
            hint = difflib.get_close_matches(name, list(system.fields) + [w for f in system.fields.values() for w in f.also], n=1)
            hinted.update(system.field_named(h) for h in hint)
            tip = f" (did you mean '{hint[0]}'?)" if hint else ""
            statements = f", or statement ({_one_of(list(system.statements))})" if system.statements else ""
            out.append(doc.problem(loc + (name,), f"unknown field{tip}; expected one of system, {', '.join(system.fields)} ({system.badge}){statements}", key=True))
            continue
        given.add(field_id)
        field = system.fields[field_id]
        if field.value_named(value) is None:
            also = [w for m in field.values.values() for w in m.also]
            out.append(doc.problem(loc + (name,), f"expected one of {_one_of(list(field.values) + also)}; got '{value}'"))
    for name, field in system.fields.items():
        if field.required and name not in given and name not in hinted:  # a misspelt field is reported once
            statements = f", or an ungraded statement ({_one_of(list(system.statements))})" if system.statements else ""
            out.append(doc.problem(loc, f"expected the field '{name}' of {system.badge} ({_one_of(list(field.values))}){statements}; it is missing"))
    return out


def _check_populations(evidence: list, loc: Loc, doc: RawDocument) -> list[Problem]:
    """Two grades of one system on one part say for whom each is (``population: adults``), or a
    reader cannot tell which badge covers them."""
    systems = [grade.system for grade in evidence if grade is not None]
    return [doc.problem(loc + (i, "population") if grade.population else loc + (i,),
                        f"expected population (whom this grade is for) on each of the {systems.count(grade.system)} {grade.system} grades of this part; "
                        "got none" if not grade.population else "expected each grade of one system for another population; this one repeats another's")
            for i, grade in enumerate(evidence)
            if grade is not None and systems.count(grade.system) > 1
            and (not grade.population or [g.population for g in evidence if g is not None and g.system == grade.system].count(grade.population) > 1)]


def _check_recommendation(recommendation: Recommendation, loc: Loc, doc: RawDocument, site: SiteConfig) -> list[Problem]:
    out = []
    if recommendation.evidence is not None and not recommendation.evidence and not site.settings.ungraded_recommendations:
        out.append(doc.problem(loc + ("evidence",), "expected at least one evidence grade (site_config/site.yaml does not allow ungraded "
                                                    "recommendations: set ungraded_recommendations: true to allow them); got none"))
    if not recommendation.text:
        return out
    for grade in recommendation.evidence or []:
        system = site.grading.get(grade.system) if grade is not None else None
        if system is None:
            continue
        for name, value in system.canonical(grade.values).items():
            field = system.fields.get(name)
            if field is None or value not in field.values or not any(m.phrases for m in field.values.values()):
                continue
            for audience, text in recommendation.text.items():
                said = phrases_in(text, {v: m.phrases for v, m in field.values.items()})
                if said and value not in said:
                    where = loc + ("text",) + (() if audience == "all" else (audience,))
                    own = field.values[value].phrases
                    expected = f"wording that states {system.badge} {name} '{value}'" + (f" ({_one_of(own)})" if own else "")
                    other = next(iter(said))
                    out.append(doc.problem(where, f"expected {expected}; the text says '{said[other]}', which is the wording of '{other}'"))
    return out


def phrases_in(text: str, phrases: dict[str, list[str]]) -> dict[str, str]:
    """Value → the first phrase of it that ``text`` uses (whole words, any case).  A longer phrase
    wins over one inside it: "do not offer" is not also "offer"."""
    lowered = " ".join(text.casefold().split())
    found: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    ordered = sorted(((p, v) for v, ps in phrases.items() for p in ps), key=lambda pv: -len(pv[0]))
    for phrase, value in ordered:
        for match in re.finditer(rf"(?<![\w-]){re.escape(' '.join(phrase.casefold().split()))}(?![\w-])", lowered):
            if any(start <= match.start() < end for start, end in spans):
                continue
            spans.append(match.span())
            found.setdefault(value, phrase)
    return found
