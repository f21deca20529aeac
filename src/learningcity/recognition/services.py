"""Writes of the recognition workflow.

Every write is one transaction that checks the actor's role and scope (accounts.policy), validates, saves,
and appends to the audit log. State machine of an assessment:

    draft ──submit──▶ submitted(first stage) ──approve──▶ … submitted(last stage) ──approve──▶ approved
      ▲                   │                                                                     │
      │                   ├── reject (with a reason) ──▶ rejected                            certify
      └──── returned ◀────┴── return (with a reason; the citizen edits and resubmits)          ▼
                                                                                          recognised

The stages come from the framework's `review_chain`; a hamlet stage applies only to people registered on a
hamlet. Each stage is acted on by the role `accounts.policy.STAGE_ROLES` names, within its scope.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import Role, RoleAssignment, User
from learningcity.accounts.services import audit_append
from learningcity.frameworks.engine import REVIEW_STAGES
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled
from learningcity.territory.models import Era, Level, Unit
from learningcity.territory.selectors import unit_flag
from learningcity.text import fold, nfc

from .models import Assessment, Campaign, Certificate, Evidence, Person, Sex, Status

# --------------------------------------------------------------------------------------------------------
# People


def id_number_hash(id_number: str) -> str:
    """Keyed hash of an ID card number: equal numbers match, the number itself is not recoverable."""
    digits = re.sub(r"\D", "", id_number)
    return hmac.new(settings.ID_NUMBER_PEPPER.encode(), digits.encode(), hashlib.sha256).hexdigest()


def _clean_id_number(id_number: str) -> str:
    digits = re.sub(r"\s", "", id_number or "")
    if digits and not re.fullmatch(r"\d{9}|\d{12}", digits):
        raise ValidationError({"id_number": _("An ID card number has 12 digits (or 9 for an old card).")})
    return digits


def _person_fields(
    *, full_name: str, sex: str, birth_date: dt.date | None, ethnicity: str, id_number: str, phone: str
) -> dict[str, Any]:
    name = nfc(full_name)
    if len(name) < 2:
        raise ValidationError({"full_name": _("Enter the full name.")})
    if sex not in Sex.values:
        raise ValidationError({"sex": _("Choose a value from the list.")})
    if birth_date is not None and not (dt.date(1900, 1, 1) <= birth_date <= timezone.localdate()):
        raise ValidationError({"birth_date": _("Enter a birth date between 1900 and today.")})
    digits = _clean_id_number(id_number)
    return {
        "full_name": name,
        "name_folded": fold(name),
        "sex": sex,
        "birth_date": birth_date,
        "birth_year": birth_date.year if birth_date else None,
        "ethnicity": nfc(ethnicity),
        "id_number_hash": id_number_hash(digits) if digits else "",
        "id_number_last4": digits[-4:] if digits else "",
        "phone": nfc(phone),
    }


def _check_not_registered(id_hash: str) -> None:
    """One person, one record: an ID card number already on file is refused (matched by its keyed hash).

    The message does not say where the other record is: the actor may not be allowed to see it.
    """
    if id_hash and Person.objects.filter(id_number_hash=id_hash).exists():
        raise ValidationError({"id_number": _("A person with this ID card number is already registered.")})


def _check_person_unit(unit: Unit) -> None:
    if unit.era != Era.CURRENT or unit.level not in (Level.COMMUNE, Level.HAMLET):
        raise ValidationError({"unit": _("Choose today's commune, hamlet or residential group.")})


@transaction.atomic
def person_register_self(
    *,
    user: User,
    unit: Unit,
    full_name: str,
    consent: bool,
    sex: str = Sex.OTHER,
    birth_date: dt.date | None = None,
    ethnicity: str = "",
    id_number: str = "",
    phone: str = "",
) -> Person:
    """A citizen registers themself; consent to processing their personal data is required."""
    if not consent:
        raise ValidationError(
            {"consent": _("Registration needs your consent to the processing of your data.")}
        )
    if hasattr(user, "person"):
        raise ValidationError(_("This account is already registered as a citizen."))
    _check_person_unit(unit)
    fields = _person_fields(
        full_name=full_name,
        sex=sex,
        birth_date=birth_date,
        ethnicity=ethnicity,
        id_number=id_number,
        phone=phone,
    )
    _check_not_registered(fields["id_number_hash"])
    person = Person.objects.create(unit=unit, user=user, consent_at=timezone.now(), entered_by=user, **fields)
    policy_grant_citizen(user=user, unit=unit)
    audit_append(actor=user, action="person.register", obj=person, unit=unit)
    return person


def policy_grant_citizen(*, user: User, unit: Unit) -> None:
    RoleAssignment.objects.get_or_create(user=user, role=Role.CITIZEN, unit=unit)


@transaction.atomic
def person_enrol(
    *,
    actor: User,
    unit: Unit,
    full_name: str,
    consent_confirmed: bool,
    sex: str = Sex.OTHER,
    birth_date: dt.date | None = None,
    ethnicity: str = "",
    id_number: str = "",
    phone: str = "",
    is_demo: bool = False,
) -> Person:
    """A hamlet head or commune officer enters a citizen who cannot use the web, on their behalf.

    The officer confirms that the citizen consented; the audit log records who entered them.
    """
    if not policy.covers(actor, policy.ENROLMENT_ROLES, unit):
        raise PermissionDenied(_("You cannot register people in this unit."))
    if not consent_confirmed:
        raise ValidationError(
            {"consent_confirmed": _("Confirm that the citizen agreed to the processing of their data.")}
        )
    _check_person_unit(unit)
    fields = _person_fields(
        full_name=full_name,
        sex=sex,
        birth_date=birth_date,
        ethnicity=ethnicity,
        id_number=id_number,
        phone=phone,
    )
    _check_not_registered(fields["id_number_hash"])
    person = Person.objects.create(
        unit=unit, consent_at=timezone.now(), entered_by=actor, is_demo=is_demo, **fields
    )
    audit_append(actor=actor, action="person.enrol", obj=person, unit=unit, on_behalf_of_person_id=person.pk)
    return person


# --------------------------------------------------------------------------------------------------------
# Campaigns


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    name: str,
    year: int,
    territory: Unit,
    frameworks: list[FrameworkVersion],
    opens_on: dt.date,
    submission_deadline: dt.date,
    review_deadline: dt.date,
    is_demo: bool = False,
) -> Campaign:
    if not policy.covers(actor, policy.CAMPAIGN_ROLES, territory):
        raise PermissionDenied(_("You cannot run a campaign on this territory."))
    if not frameworks:
        raise ValidationError({"frameworks": _("Choose at least one framework.")})
    if not (opens_on <= submission_deadline <= review_deadline):
        raise ValidationError(
            {"review_deadline": _("Dates must run in order: opening, submission deadline, review deadline.")}
        )
    if not (2000 <= year <= 2100):
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    campaign = Campaign.objects.create(
        name=nfc(name),
        year=year,
        territory=territory,
        opens_on=opens_on,
        submission_deadline=submission_deadline,
        review_deadline=review_deadline,
        created_by=actor,
        is_demo=is_demo,
    )
    campaign.frameworks.set(frameworks)
    audit_append(
        actor=actor,
        action="campaign.create",
        obj=campaign,
        unit=territory,
        data={"frameworks": [str(f) for f in frameworks]},
    )
    return campaign


# --------------------------------------------------------------------------------------------------------
# Assessments


def can_edit_for(actor: User, person: Person) -> bool:
    """The citizen themself, or an enrolment officer of the person's unit (then on their behalf)."""
    return (person.user_id is not None and person.user_id == actor.pk) or policy.covers(
        actor, policy.ENROLMENT_ROLES, person.unit
    )


def _context(assessment: Assessment) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in assessment.framework_version.spec.get("context", []):
        origin = item["from"]
        if origin.startswith("unit.flag."):
            values[item["code"]] = unit_flag(assessment.unit, origin.removeprefix("unit.flag."))
        elif origin == "subject.group":
            values[item["code"]] = assessment.group or None
    return values


def _coerce_answers(version: FrameworkVersion, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as the declared types; blank means missing. Raises ValidationError per input."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for item in version.inputs:
        code = item["code"]
        raw = answers.get(code)
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            continue
        try:
            if item["type"] == "int":
                value: Any = int(str(raw).strip()) if not isinstance(raw, int) else raw
            elif item["type"] == "float":
                value = float(str(raw).replace(",", "."))
            elif item["type"] == "bool":
                value = raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes", "on", "có"}
            else:
                value = nfc(str(raw))
        except (TypeError, ValueError):
            errors[code] = _("Enter a number.")
            continue
        if "min" in item and not (item["min"] <= value <= item["max"]):
            errors[code] = _("Enter a value from %(min)s to %(max)s.") % {
                "min": item["min"],
                "max": item["max"],
            }
            continue
        clean[code] = value
    unknown = sorted(set(answers) - {item["code"] for item in version.inputs})
    if unknown:
        errors["__all__"] = _("Unknown answers: %(codes)s.") % {"codes": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)
    return clean


def assessment_evaluate(
    *, version: FrameworkVersion, unit: Unit, group: str, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Score answers without storing them (the form's instant feedback). Same engine as everything else."""
    probe = Assessment(framework_version=version, unit=unit, group=group)
    clean = _coerce_answers(version, answers)
    return _summarise(version, framework_compiled(version).evaluate_one({**clean, **_context(probe)}))


def _summarise(version: FrameworkVersion, row: Mapping[str, Any]) -> dict[str, Any]:
    feedback = version.spec.get("feedback", {})

    def pick(key: str) -> Any:
        ref = feedback.get(key)
        return row.get(ref) if isinstance(ref, str) else ref

    derived = {name: row.get(name) for name in version.spec.get("derived", {})}
    return {
        "level": row["level"],
        "score": pick("score"),
        "pass_mark": pick("pass_mark"),
        "max_score": pick("max_score"),
        "short": list(row["short"]),
        "derived": derived,
        "passes": row["level"] == (version.spec.get("certificate") or {}).get("level"),
    }


def _store_result(assessment: Assessment) -> None:
    summary = _summarise(
        assessment.framework_version,
        framework_compiled(assessment.framework_version).evaluate_one(
            {**assessment.answers, **_context(assessment)}
        ),
    )
    assessment.result = summary
    assessment.level = summary["level"]
    score = summary["score"]
    assessment.score = float(score) if score is not None else None


def _check_group(version: FrameworkVersion, group: str) -> None:
    codes = [g["code"] for g in version.spec.get("groups", [])]
    if codes and group not in codes:
        raise ValidationError({"group": _("Choose your citizen group.")})


@transaction.atomic
def assessment_start(
    *, actor: User, campaign: Campaign, person: Person, version: FrameworkVersion, group: str = ""
) -> Assessment:
    """Open (or return the existing) self-assessment of a person in a campaign."""
    if not can_edit_for(actor, person):
        raise PermissionDenied(_("You cannot assess this person."))
    if not campaign.frameworks.filter(pk=version.pk).exists():
        raise ValidationError({"framework": _("This framework is not part of the campaign.")})
    if not person.unit.path.startswith(campaign.territory.path):
        raise ValidationError({"campaign": _("This person lives outside the campaign's territory.")})
    existing = Assessment.objects.filter(campaign=campaign, framework_version=version, person=person).first()
    if existing is not None:
        return existing
    if group:
        _check_group(version, group)
    on_behalf = person.user_id != actor.pk
    assessment = Assessment(
        campaign=campaign,
        framework_version=version,
        person=person,
        unit=person.unit,
        group=group,
        entered_on_behalf=on_behalf,
        entered_by=actor,
    )
    _store_result(assessment)
    assessment.save()
    audit_append(
        actor=actor,
        action="assessment.start",
        obj=assessment,
        unit=assessment.unit,
        on_behalf_of_person_id=person.pk if on_behalf else None,
    )
    return assessment


@transaction.atomic
def assessment_save(
    *,
    actor: User,
    assessment: Assessment,
    answers: Mapping[str, Any],
    group: str | None = None,
    notes: Mapping[str, str] | None = None,
) -> Assessment:
    """Store a draft's answers (all or some) and its fresh result; only drafts and returned ones change."""
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("framework_version", "unit", "person")
        .get(pk=assessment.pk)
    )
    if not can_edit_for(actor, assessment.person):
        raise PermissionDenied(_("You cannot change this assessment."))
    if not assessment.is_editable:
        raise ValidationError(_("This assessment was submitted and can no longer be changed."))
    version = assessment.framework_version
    if group is not None:
        _check_group(version, group)
        assessment.group = group
    assessment.answers = _coerce_answers(version, answers)
    if notes is not None:
        codes = {item["code"] for item in version.inputs}
        assessment.notes = {
            code: nfc(text)[:1000] for code, text in notes.items() if code in codes and nfc(text)
        }
    if assessment.person.user_id != actor.pk:
        assessment.entered_on_behalf = True
    assessment.entered_by = actor
    _store_result(assessment)
    assessment.save()
    return assessment


def missing_evidence(assessment: Assessment) -> list[str]:
    """Inputs whose evidence is required and has neither a file nor a written note."""
    with_files = set(assessment.evidence.values_list("input_code", flat=True))
    return [
        item["code"]
        for item in assessment.framework_version.inputs
        if item.get("evidence") == "required"
        and item["code"] not in with_files
        and not assessment.notes.get(item["code"])
    ]


def _stages(assessment: Assessment) -> list[str]:
    """The review chain that applies to the assessment: a hamlet stage only below a hamlet.

    Nobody reviews their own assessment: a stage whose reviewer role the applicant holds there (a hamlet
    head's own self-assessment) goes up to the next level instead, so it is never stuck.
    """
    levels = set(Unit.objects.filter(pk__in=assessment.unit.ancestor_ids).values_list("level", flat=True))
    chain = [stage for stage in assessment.framework_version.review_chain if stage in levels]
    applicant = assessment.person.user
    if applicant is None:
        return chain
    stages: list[str] = []
    for stage in chain:
        position = REVIEW_STAGES.index(stage)
        while position + 1 < len(REVIEW_STAGES) and policy.covers(
            applicant, [policy.STAGE_ROLES[REVIEW_STAGES[position]]], assessment.unit
        ):
            position += 1
        if REVIEW_STAGES[position] not in stages:
            stages.append(REVIEW_STAGES[position])
    return stages


@transaction.atomic
def assessment_submit(*, actor: User, assessment: Assessment) -> Assessment:
    """Send a complete self-assessment to its first review stage."""
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("framework_version", "unit", "person")
        .get(pk=assessment.pk)
    )
    if not can_edit_for(actor, assessment.person):
        raise PermissionDenied(_("You cannot submit this assessment."))
    if not assessment.is_editable:
        raise ValidationError(_("This assessment was already submitted."))
    version = assessment.framework_version
    if version.spec.get("groups") and not assessment.group:
        raise ValidationError({"group": _("Choose your citizen group.")})
    unanswered = [item["code"] for item in version.inputs if item["code"] not in assessment.answers]
    if unanswered:
        raise ValidationError(
            _("Answer every indicator before submitting (missing: %(codes)s).")
            % {"codes": ", ".join(unanswered)}
        )
    lacking = missing_evidence(assessment)
    if lacking:
        raise ValidationError(
            _("Attach evidence or describe it for: %(codes)s.") % {"codes": ", ".join(lacking)}
        )
    if timezone.localdate() > assessment.campaign.submission_deadline:
        raise ValidationError(_("The campaign's submission deadline has passed."))
    stages = _stages(assessment)
    _store_result(assessment)
    assessment.status = Status.SUBMITTED if stages else Status.APPROVED
    assessment.review_stage = stages[0] if stages else ""
    assessment.submitted_at = timezone.now()
    assessment.save()
    on_behalf = assessment.person.user_id != actor.pk
    audit_append(
        actor=actor,
        action="assessment.submit",
        obj=assessment,
        unit=assessment.unit,
        on_behalf_of_person_id=assessment.person_id if on_behalf else None,
        data={"score": assessment.score, "level": assessment.level},
    )
    return assessment


class Decision:
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    ALL = (APPROVE, RETURN, REJECT)


def _is_own(actor: User, assessment: Assessment) -> bool:
    return assessment.person.user_id is not None and assessment.person.user_id == actor.pk


def can_review(actor: User, assessment: Assessment) -> bool:
    """The role of the assessment's current stage, within its scope; nobody reviews their own assessment."""
    if assessment.status != Status.SUBMITTED or not assessment.review_stage or _is_own(actor, assessment):
        return False
    role = policy.STAGE_ROLES.get(assessment.review_stage)
    return role is not None and policy.covers(actor, [role], assessment.unit)


@transaction.atomic
def assessment_review(*, actor: User, assessment: Assessment, decision: str, reason: str = "") -> Assessment:
    """A reviewer's decision at the current stage: approve, or return or reject (each with a reason)."""
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("framework_version", "unit", "person")
        .get(pk=assessment.pk)
    )
    if decision not in Decision.ALL:
        raise ValidationError({"decision": _("Choose approve, return or reject.")})
    if not can_review(actor, assessment):
        raise PermissionDenied(_("This assessment is not waiting for your review."))
    reason = nfc(reason)
    if decision in (Decision.RETURN, Decision.REJECT) and not reason:
        raise ValidationError({"reason": _("Give the reason; the citizen will read it.")})
    stage = assessment.review_stage
    if decision == Decision.APPROVE:
        _store_result(assessment)
        if not assessment.result.get("passes"):
            raise ValidationError(_("The self-assessment does not meet the criteria; return or reject it."))
        stages = _stages(assessment)
        following = stages[stages.index(stage) + 1 :] if stage in stages else []
        if following:
            assessment.review_stage = following[0]
        else:
            assessment.status = Status.APPROVED
            assessment.review_stage = ""
            assessment.decided_at = timezone.now()
    elif decision == Decision.RETURN:
        assessment.status = Status.RETURNED
        assessment.review_stage = ""
    else:
        assessment.status = Status.REJECTED
        assessment.review_stage = ""
        assessment.decided_at = timezone.now()
    assessment.last_reason = reason
    assessment.save()
    audit_append(
        actor=actor,
        action=f"assessment.{decision}",
        obj=assessment,
        unit=assessment.unit,
        reason=reason,
        data={"stage": stage, "score": assessment.score},
    )
    return assessment


def can_certify(actor: User, assessment: Assessment) -> bool:
    """The role of the last stage (or a province coordinator) within its scope; never one's own assessment."""
    if _is_own(actor, assessment):
        return False
    chain = _stages(assessment) or assessment.framework_version.review_chain
    role = policy.STAGE_ROLES.get(chain[-1], Role.COMMUNE_OFFICER) if chain else Role.COMMUNE_OFFICER
    roles = {role, Role.PROVINCE_COORDINATOR}
    return assessment.status == Status.APPROVED and policy.covers(actor, roles, assessment.unit)


def _certificate_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
    return "".join(secrets.choice(alphabet) for _ in range(10))


@transaction.atomic
def assessment_certify(*, actor: User, assessment: Assessment) -> Certificate:
    """The competent level recognises an approved assessment and issues its certificate."""
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("framework_version", "unit", "person", "campaign")
        .get(pk=assessment.pk)
    )
    if not can_certify(actor, assessment):
        raise PermissionDenied(_("You cannot recognise this assessment."))
    certificate_spec = assessment.framework_version.spec.get("certificate") or {}
    title = certificate_spec.get("title") or assessment.framework_version.spec["title"]
    unit_names = list(
        Unit.objects.filter(pk__in=assessment.unit.ancestor_ids)
        .order_by("-path")
        .values_list("name", flat=True)
    )
    certificate = Certificate.objects.create(
        assessment=assessment,
        code=_certificate_code(),
        holder_name=assessment.person.full_name,
        unit_name=", ".join(unit_names),
        title_vi=title["vi"],
        title_en=title["en"],
        year=assessment.campaign.year,
        issued_by=actor,
    )
    assessment.status = Status.RECOGNISED
    assessment.decided_at = timezone.now()
    assessment.save(update_fields=["status", "decided_at", "updated_at"])
    audit_append(
        actor=actor,
        action="assessment.certify",
        obj=assessment,
        unit=assessment.unit,
        data={"certificate": certificate.code},
    )
    return certificate


# --------------------------------------------------------------------------------------------------------
# Evidence

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
    if not can_edit_for(actor, assessment.person):
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
    if not can_edit_for(actor, assessment.person) or not assessment.is_editable:
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
