"""Writes of the recognition workflow, one module per part; import them from here.

Modules depend one way: people and campaigns stand alone; assessments uses neither; evidence uses
assessments (who may edit).
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
