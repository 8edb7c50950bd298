"""schema.org ``MedicalWebPage`` metadata for an article (JSON-LD in the page head)."""

from __future__ import annotations

import json
from typing import Any

from jinja2.utils import htmlsafe_json_dumps

from ..model import Article, Reference, SiteConfig
from ..approvals import approval_state, effective_status

_AUDIENCE_TYPES = {"clinician": "Clinician", "patient": "Patient"}


def medical_web_page(article: Article, site: SiteConfig, *, url: str | None, citation_order: list[str]) -> dict[str, Any]:
    """The structured description search engines and citation tools read.

    The summary is the page's ``<meta name="description">``; it is not written twice.
    """
    review = article.review
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "about": _about(article, site),
        "audience": [_audience(a, site) for a in article.audiences],
        "datePublished": review.created.isoformat(),
        "dateModified": review.updated.isoformat(),
        "version": str(review.version),
        "creativeWorkStatus": effective_status(article, site).replace("_", " "),
        "publisher": {"@type": "Organization", "name": site.settings.publisher.name},
    }
    if site.settings.publisher.url:
        data["publisher"]["url"] = site.settings.publisher.url
    if url:
        data["url"] = url
    current = approval_state(article, site).current
    if effective_status(article, site) == "approved" and current:
        approvals = [a for a in review.approvals if a.reviewer in current]
        data["lastReviewed"] = max(a.date for a in approvals).isoformat()
        data["reviewedBy"] = [_reviewer(site, a.reviewer) for a in approvals]
    references = {r.key: r for r in article.references}
    data["citation"] = [_citation(references[key]) for key in citation_order]
    return data


def _about(article: Article, site: SiteConfig) -> list[dict[str, Any]]:
    specialty = site.specialty(article.specialty)
    about: list[dict[str, Any]] = [{"@type": "MedicalSpecialty", "name": specialty.name}]
    labels = {t.id: t.label for t in site.tags}
    about += [{"@type": "Thing", "name": labels[tag]} for tag in article.tags]
    return about


def _audience(audience: str, site: SiteConfig) -> dict[str, Any]:
    label = next(a.label for a in site.settings.audiences if a.id == audience)
    kind = _AUDIENCE_TYPES.get(audience)
    entry: dict[str, Any] = {"@type": "MedicalAudience", "name": label}
    if kind:
        entry["audienceType"] = kind
    return entry


def _reviewer(site: SiteConfig, reviewer_id: str) -> dict[str, Any]:
    reviewer = site.reviewer(reviewer_id)
    return {"@type": "Person", "name": reviewer.name, "jobTitle": reviewer.credentials}


def _citation(ref: Reference) -> dict[str, Any]:
    """The cited work by its identifiers (DOI, PubMed, ClinicalTrials.gov, address), or by its
    title when it has none; authors, journal and year are in the page's reference list."""
    entry: dict[str, Any] = {"@type": "ScholarlyArticle" if ref.journal else "CreativeWork"}
    same_as = []
    if ref.doi:
        same_as.append(f"https://doi.org/{ref.doi}")
    if ref.pmid:
        same_as.append(f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/")
    if ref.nct:
        same_as.append(f"https://clinicaltrials.gov/study/{ref.nct}")
    if ref.url:
        same_as.append(ref.url)
    if same_as:
        entry["sameAs"] = same_as
    else:
        entry["name"] = ref.title
    return entry


def script_json(data: dict[str, Any]) -> str:
    """``data`` as the text of a ``<script type="application/ld+json">``: compact JSON with
    ``<``, ``>``, ``&`` and ``'`` escaped, so no value can close the script (what Jinja's
    ``tojson`` writes).  Carried in the front matter as one string, which MkDocs reads
    far faster than the same data as nested YAML."""
    return str(htmlsafe_json_dumps(data, dumps=json.dumps, sort_keys=True, separators=(",", ":")))
