"""Writes of the recognition workflow, one module per part.

The citizen's path (people, campaigns, assessments, evidence) is imported from here; the larger parts are
used as modules, so a call names its part: `services.subjects` (households, clans, organisations),
`services.duplicates` (merging people), `services.rollups` (values computed from members),
`services.rollover` (next year's campaign) and `services.decisions` (bulk approval, recognition decisions,
revocation and appeals).

Modules depend one way: people and campaigns stand alone; assessments uses neither; evidence uses
assessments (who may edit); rollups reads assessments; subjects, duplicates, rollover and decisions build on
those.
"""

from .assessments import (
    Decision,
    assessment_certify,
    assessment_evaluate,
    assessment_review,
    assessment_save,
    assessment_start,
    assessment_submit,
    can_certify,
    can_edit_for,
    can_review,
    missing_evidence,
    subject_kind_of,
    subject_unit,
    subject_user_id,
)
from .campaigns import campaign_create
from .evidence import EVIDENCE_SIGNATURES, evidence_attach, evidence_content_type, evidence_remove
from .people import id_number_hash, person_enrol, person_register_self, policy_grant_citizen

__all__ = [
    "EVIDENCE_SIGNATURES",
    "Decision",
    "assessment_certify",
    "assessment_evaluate",
    "assessment_review",
    "assessment_save",
    "assessment_start",
    "assessment_submit",
    "can_certify",
    "can_edit_for",
    "can_review",
    "campaign_create",
    "evidence_attach",
    "evidence_content_type",
    "evidence_remove",
    "id_number_hash",
    "missing_evidence",
    "subject_kind_of",
    "subject_unit",
    "subject_user_id",
    "person_enrol",
    "person_register_self",
    "policy_grant_citizen",
]
