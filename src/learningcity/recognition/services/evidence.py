"""Writes of evidence files attached to an assessment."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.accounts.models import User
from learningcity.accounts.services import audit_append
from learningcity.text import nfc

from ..models import Assessment, Evidence
from .assessments import can_edit_for

# Accepted evidence types, recognised by their first bytes (the name and the browser's word are not trusted).
EVIDENCE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def evidence_content_type(head: bytes) -> str | None:
    for signature, content_type in EVIDENCE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@transaction.atomic
def evidence_attach(
    *, actor: User, assessment: Assessment, input_code: str, upload: UploadedFile
) -> Evidence:
    """Attach one evidence file to one input: size- and type-checked, stored under a random private name."""
    if not can_edit_for(actor, assessment.subject):
        raise PermissionDenied(_("You cannot add evidence to this assessment."))
    if not assessment.is_editable:
        raise ValidationError(_("This assessment was submitted and can no longer be changed."))
    if input_code not in {item["code"] for item in assessment.framework_version.inputs}:
        raise ValidationError({"input_code": _("Unknown indicator.")})
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    head = upload.read(16)
    content_type = evidence_content_type(head)
    if content_type is None:
        raise ValidationError({"file": _("Only PDF, JPEG, PNG or WebP files are accepted.")})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        assessment=assessment,
        input_code=input_code,
        original_name=nfc(upload.name or "evidence")[:200],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    evidence.file.save("evidence", upload, save=False)
    evidence.save()
    audit_append(
        actor=actor,
        action="evidence.attach",
        obj=evidence,
        unit=assessment.unit,
        data={"input": input_code, "sha256": evidence.sha256},
    )
    return evidence


@transaction.atomic
def evidence_remove(*, actor: User, evidence: Evidence) -> None:
    assessment = evidence.assessment
    if not can_edit_for(actor, assessment.subject) or not assessment.is_editable:
        raise PermissionDenied(_("You cannot remove this evidence."))
    audit_append(
        actor=actor,
        action="evidence.remove",
        obj=evidence,
        unit=assessment.unit,
        data={"input": evidence.input_code, "sha256": evidence.sha256},
    )
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name) if name else None)
