"""Reads of recognition data, always scoped to what the reader's role and unit allow; one module per part."""

from .core import (
    READER_ROLES,
    assessments_due,
    assessments_visible,
    campaigns_visible,
    certificate_public,
    evidence_visible,
    people_matching_id_number,
    people_search,
    people_visible,
    person_can_see_sensitive,
)

__all__ = [
    "READER_ROLES",
    "assessments_due",
    "assessments_visible",
    "campaigns_visible",
    "certificate_public",
    "evidence_visible",
    "people_matching_id_number",
    "people_search",
    "people_visible",
    "person_can_see_sensitive",
]
