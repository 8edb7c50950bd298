"""The one declared model: articles and site configuration."""

from .article import (
    Approval,
    Article,
    Block,
    Component,
    ListItem,
    Recommendation,
    Reference,
    Regimen,
    Review,
    Section,
    Status,
)
from .fields import Dose, EsmoEvidence, GradeEvidence, NccnEvidence, format_minutes, grading_values
from .site import SiteConfig

__all__ = [
    "Approval", "Article", "Block", "Component", "Dose", "EsmoEvidence", "GradeEvidence", "ListItem",
    "NccnEvidence", "Recommendation", "Reference", "Regimen", "Review", "Section", "SiteConfig", "Status",
    "format_minutes", "grading_values",
]
