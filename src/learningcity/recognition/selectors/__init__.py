"""Reads of recognition data, always scoped to what the reader's role and unit allow; one module per part.

The citizen's path is imported from here; `selectors.subjects` (households, clans, organisations,
communities, duplicates) and `selectors.decisions` (review deadlines, decisions) are used as modules.
"""

from .core import (
    READER_ROLES,
    assessment_visible,
    assessments_due,
    assessments_submittable,
    assessments_visible,
    campaigns_visible,
    certificate_public,
    evidence_visible,
    people_matching_id_number,
    people_search,
    people_visible,
    person_can_see_sensitive,
    receipt_to_show,
    receipts_own,
)

__all__ = [
    "READER_ROLES",
    "assessment_visible",
    "assessments_submittable",
    "assessments_due",
    "assessments_visible",
    "campaigns_visible",
    "certificate_public",
    "evidence_visible",
    "people_matching_id_number",
    "people_search",
    "people_visible",
    "person_can_see_sensitive",
    "receipt_to_show",
    "receipts_own",
]
