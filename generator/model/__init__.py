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
from .fields import Dose, Evidence, format_minutes
from .site import SiteConfig

__all__ = [
    "Approval", "Article", "Block", "Component", "Dose", "Evidence", "ListItem",
    "Recommendation", "Reference", "Regimen", "Review", "Section", "SiteConfig", "Status",
    "format_minutes",
]
