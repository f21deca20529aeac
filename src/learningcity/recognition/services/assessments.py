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

import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import Role, User
from learningcity.accounts.services import audit_append
from learningcity.frameworks.engine import REVIEW_STAGES
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled
from learningcity.territory.models import Unit
from learningcity.territory.selectors import units_flags
from learningcity.text import nfc

from ..models import (
    SUBJECT_FIELDS,
    SUBJECT_RELATED_OF_KIND,
    Assessment,
    Campaign,
    Certificate,
    Clan,
    Household,
    Organisation,
    Person,
    Status,
    SubjectKind,
)
from . import events

Subject = Person | Household | Clan | Organisation | Unit


def subject_kind_of(subject: Subject) -> str:
    kinds: dict[type, str] = {
        Person: SubjectKind.PERSON,
        Household: SubjectKind.HOUSEHOLD,
        Clan: SubjectKind.CLAN,
        Organisation: SubjectKind.ORGANISATION,
        Unit: SubjectKind.COMMUNITY,
    }
    return kinds[type(subject)]


def subject_unit(subject: Subject) -> Unit:
    """The unit a subject belongs to; a community (a hamlet or commune) is its own unit."""
    return subject if isinstance(subject, Unit) else subject.unit


def subject_user_id(subject: Subject) -> int | None:
    """The account that speaks for the subject itself: a citizen, or the head of a household."""
    if isinstance(subject, Person):
        return subject.user_id
    if isinstance(subject, Household) and subject.head is not None:
        return subject.head.user_id
    return None


def can_edit_for(actor: User, subject: Subject) -> bool:
    """The subject's own account (a citizen, a household head), or an enrolment officer of its unit."""
    return may_edit(actor, subject_user_id(subject), lambda: subject_unit(subject).path)


def may_edit(actor: User, subject_user_id: int | None, unit_path: str | Callable[[], str]) -> bool:
    """`can_edit_for` from what it reads: the subject's account and its unit's path (a callable is asked
    only when the actor is not the subject: reading the unit may be a query)."""
    if subject_user_id is not None and subject_user_id == actor.pk:
        return True
    return policy.covers_path(
        actor, policy.ENROLMENT_ROLES, unit_path if isinstance(unit_path, str) else unit_path()
    )


def contexts(
    version: FrameworkVersion, pairs: Iterable[tuple[Unit, str]]
) -> dict[tuple[int, str], dict[str, Any]]:
    """The framework's context values (unit flags, the subject's group) for each distinct (unit, group), by
    (unit id, group), as the rule engine reads them beside the answers. One query, however many pairs."""
    wanted = {(unit.pk, group): unit for unit, group in pairs}
    flags = units_flags(wanted.values())
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for unit_id, group in wanted:
        values: dict[str, Any] = {}
        for item in version.spec.get("context", []):
            origin = item["from"]
            if origin.startswith("unit.flag."):
                values[item["code"]] = flags[unit_id].get(origin.removeprefix("unit.flag."), False)
            elif origin == "subject.group":
                values[item["code"]] = group or None
        found[(unit_id, group)] = values
    return found


def _context(assessment: Assessment) -> dict[str, Any]:
    return contexts(assessment.framework_version, [(assessment.unit, assessment.group)])[
        (assessment.unit_id, assessment.group)
    ]


def coerce_answers(version: FrameworkVersion, answers: Mapping[str, Any]) -> dict[str, Any]:
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
    *,
    version: FrameworkVersion,
    unit: Unit,
    group: str,
    answers: Mapping[str, Any],
    rollups: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Score answers without storing them (the form's instant feedback). Same engine as everything else.

    `rollups` are the subject's values computed from its members (stored with the assessment when it was
    last saved); without them a framework that depends on members shows those criteria as not met.
    """
    probe = Assessment(framework_version=version, unit=unit, group=group)
    clean = coerce_answers(version, answers)
    row = framework_compiled(version).evaluate_one({**clean, **_context(probe), **(rollups or {})})
    return summarise(version, row)


def summarise(version: FrameworkVersion, row: Mapping[str, Any]) -> dict[str, Any]:
    """The stored result of one engine row: level, score, what is short, and whether it earns the title."""
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
        "passes": row["level"] in framework_compiled(version).passing_levels,
    }


def _store_result(assessment: Assessment) -> None:
    """Score the assessment and keep the result; roll-ups are read first from the members' stored results."""
    # Imported here: the roll-up module imports this one (for `_context` and `summarise`).
    from .rollups import rollup_values

    assessment.rollups = rollup_values(assessment)
    summary = summarise(
        assessment.framework_version,
        framework_compiled(assessment.framework_version).evaluate_one(
            {**assessment.answers, **_context(assessment), **assessment.rollups}
        ),
    )
    assessment.result = summary
    assessment.level = summary["level"]
    score = summary["score"]
    assessment.score = float(score) if score is not None else None


def _locked(pk: int, kind: str) -> Assessment:
    """The assessment, its row locked until the transaction ends (not its relations'), with its framework
    version, unit, campaign and subject of `kind` (an assessment never changes its kind)."""
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("framework_version", "unit", "campaign", *SUBJECT_RELATED_OF_KIND[kind])
        .get(pk=pk)
    )


def check_group(version: FrameworkVersion, group: str) -> None:
    codes = [g["code"] for g in version.spec.get("groups", [])]
    if codes and group not in codes:
        raise ValidationError({"group": _("Choose your citizen group.")})


@transaction.atomic
def assessment_start(
    *, actor: User, campaign: Campaign, subject: Subject, version: FrameworkVersion, group: str = ""
) -> Assessment:
    """Open (or return the existing) self-assessment of a subject in a campaign against one framework."""
    if not can_edit_for(actor, subject):
        raise PermissionDenied(_("You cannot assess this subject."))
    kind = subject_kind_of(subject)
    if version.subject != kind:
        raise ValidationError({"framework": _("This framework does not assess this kind of subject.")})
    if not campaign.frameworks.filter(pk=version.pk).exists():
        raise ValidationError({"framework": _("This framework is not part of the campaign.")})
    unit = subject_unit(subject)
    if not unit.path.startswith(campaign.territory.path):
        raise ValidationError({"campaign": _("This subject lies outside the campaign's territory.")})
    field = SUBJECT_FIELDS[kind]
    existing = Assessment.objects.filter(
        campaign=campaign, framework_version=version, **{field: subject}
    ).first()
    if existing is not None:
        return existing
    if group:
        check_group(version, group)
    on_behalf = subject_user_id(subject) != actor.pk
    assessment = Assessment(
        campaign=campaign,
        framework_version=version,
        subject_kind=kind,
        unit=unit,
        group=group,
        entered_on_behalf=on_behalf,
        entered_by=actor,
        **{field: subject},
    )
    _store_result(assessment)
    assessment.save()
    audit_append(
        actor=actor,
        action="assessment.start",
        obj=assessment,
        unit=assessment.unit,
        on_behalf_of_person_id=subject.pk if on_behalf and isinstance(subject, Person) else None,
    )
    return assessment


def notes_clean(version: FrameworkVersion, notes: Mapping[str, str]) -> dict[str, str]:
    """Evidence notes as stored: NFC, at most 1,000 characters, only for the framework's inputs, no blanks."""
    codes = {item["code"] for item in version.inputs}
    return {code: nfc(text)[:1000] for code, text in notes.items() if code in codes and nfc(text)}


def _answers_apply(
    actor: User,
    assessment: Assessment,
    answers: Mapping[str, Any],
    group: str | None,
    notes: Mapping[str, str] | None,
) -> None:
    """Put a draft's new answers (and group and notes) on the locked assessment, unsaved and unscored."""
    if not can_edit_for(actor, assessment.subject):
        raise PermissionDenied(_("You cannot change this assessment."))
    if not assessment.is_editable:
        raise ValidationError(_("This assessment was submitted and can no longer be changed."))
    version = assessment.framework_version
    if group is not None:
        check_group(version, group)
    answers_put(
        assessment,
        actor,
        coerce_answers(version, answers),
        group,
        notes_clean(version, notes) if notes is not None else None,
    )


def answers_put(
    assessment: Assessment,
    actor: User,
    answers: dict[str, Any],
    group: str | None,
    notes: dict[str, str] | None,
) -> None:
    """Put checked answers (and the group and notes, unless None) on the assessment, unsaved and unscored,
    with who entered them."""
    assessment.answers = answers
    if group is not None:
        assessment.group = group
    if notes is not None:
        assessment.notes = notes
    if subject_user_id(assessment.subject) != actor.pk:
        assessment.entered_on_behalf = True
    assessment.entered_by = actor


def assessment_save(
    *,
    actor: User,
    assessment: Assessment,
    answers: Mapping[str, Any],
    group: str | None = None,
    notes: Mapping[str, str] | None = None,
    submit: bool = False,
) -> Assessment:
    """Store a draft's answers (all or some) and its fresh result; only drafts and returned ones change.

    With `submit` (the form's submit button) it is also sent to its first review stage, in the same
    transaction with one locked read and one scoring, as `assessment_submit` would. A refused save stores
    nothing; a refused submission still stores the answers (nothing typed is lost) and then raises."""
    with transaction.atomic():
        assessment = _locked(assessment.pk, assessment.subject_kind)
        _answers_apply(actor, assessment, answers, group, notes)
        _store_result(assessment)
        refused = submission_refused(assessment) if submit else None
        if submit and refused is None:
            _send(actor, assessment)
            return assessment
        assessment.save()
    if refused is not None:
        raise refused
    return assessment


def missing_evidence(assessment: Assessment, *, files: set[str] | None = None) -> list[str]:
    """Inputs whose evidence is required and has neither a file nor a written note. `files`: the inputs
    with a file, when the caller has read them already (for many assessments at once)."""
    described = [
        item["code"]
        for item in assessment.framework_version.inputs
        if item.get("evidence") == "required" and not assessment.notes.get(item["code"])
    ]
    if not described:  # every required piece is described in words: no need to look for files
        return []
    with_files = files if files is not None else set(assessment.evidence.values_list("input_code", flat=True))
    return [code for code in described if code not in with_files]


def unit_levels(units: Iterable[Unit]) -> dict[int, set[str]]:
    """The levels of each unit and of the units above it (a unit under a hamlet has a hamlet stage), by unit
    id: one query, however many units."""
    ancestors = {unit.pk: unit.ancestor_ids for unit in units}
    levels = dict(
        Unit.objects.filter(pk__in={a for ids in ancestors.values() for a in ids}).values_list("pk", "level")
    )
    return {pk: {levels[a] for a in ids} for pk, ids in ancestors.items()}


def review_chain(version: FrameworkVersion, levels: set[str]) -> list[str]:
    """The framework's review stages that apply on a unit with these levels (and above)."""
    return [stage for stage in version.review_chain if stage in levels]


def review_stages(
    assessment: Assessment,
    *,
    actor: User | None = None,
    levels: set[str] | None = None,
    users: Mapping[int, User] | None = None,
) -> list[str]:
    """The review chain that applies to the assessment: a hamlet stage only below a hamlet.

    Nobody reviews their own assessment: a stage whose reviewer role the applicant holds there (a hamlet
    head's own self-assessment) goes up to the next level instead, so it is never stuck. What the caller
    has read already is not read again: the actor when they are the applicant, the unit's `levels`
    (`unit_levels`), `users` by id (with their roles remembered: `policy.remember`).
    """
    if levels is None:
        levels = unit_levels([assessment.unit])[assessment.unit_id]
    chain = review_chain(assessment.framework_version, levels)
    applicant_id = subject_user_id(assessment.subject)
    if applicant_id is None:
        return chain
    if users is not None:
        applicant = users.get(applicant_id)
    elif actor is not None and actor.pk == applicant_id:
        applicant = actor
    else:
        applicant = User.objects.filter(pk=applicant_id).first()
    # Most applicants review nothing there: one look at all the reviewer roles instead of one per stage.
    if applicant is None or not policy.covers(applicant, policy.STAGE_ROLES.values(), assessment.unit):
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


def submission_refused(assessment: Assessment, *, files: set[str] | None = None) -> ValidationError | None:
    """Why the (editable) assessment cannot be submitted yet, or None (`files`: see `missing_evidence`)."""
    version = assessment.framework_version
    if version.spec.get("groups") and not assessment.group:
        return ValidationError({"group": _("Choose your citizen group.")})
    unanswered = [item["code"] for item in version.inputs if item["code"] not in assessment.answers]
    if unanswered:
        return ValidationError(
            _("Answer every indicator before submitting (missing: %(codes)s).")
            % {"codes": ", ".join(unanswered)}
        )
    lacking = missing_evidence(assessment, files=files)
    if lacking:
        return ValidationError(
            _("Attach evidence or describe it for: %(codes)s.") % {"codes": ", ".join(lacking)}
        )
    if timezone.localdate() > assessment.campaign.submission_deadline:
        return ValidationError(_("The campaign's submission deadline has passed."))
    return None


def _send(actor: User, assessment: Assessment) -> None:
    """Send the locked, scored assessment to its first stage: save, audit, and tell after commit."""
    stages = review_stages(assessment, actor=actor)
    assessment.status = Status.SUBMITTED if stages else Status.APPROVED
    assessment.review_stage = stages[0] if stages else ""
    assessment.submitted_at = timezone.now()
    assessment.save()
    on_behalf = subject_user_id(assessment.subject) != actor.pk
    audit_append(
        actor=actor,
        action="assessment.submit",
        obj=assessment,
        unit=assessment.unit,
        on_behalf_of_person_id=assessment.person_id if on_behalf else None,  # None unless a citizen
        data={"score": assessment.score, "level": assessment.level},
    )
    events.records_changed(assessment.campaign_id)


@transaction.atomic
def assessment_submit(*, actor: User, assessment: Assessment) -> Assessment:
    """Send a complete self-assessment to its first review stage."""
    assessment = _locked(assessment.pk, assessment.subject_kind)
    if not can_edit_for(actor, assessment.subject):
        raise PermissionDenied(_("You cannot submit this assessment."))
    if not assessment.is_editable:
        raise ValidationError(_("This assessment was already submitted."))
    refused = submission_refused(assessment)
    if refused is not None:
        raise refused
    _store_result(assessment)
    _send(actor, assessment)
    return assessment


class Decision:
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    ALL = (APPROVE, RETURN, REJECT)


def _is_own(actor: User, assessment: Assessment) -> bool:
    user_id = subject_user_id(assessment.subject)
    return user_id is not None and user_id == actor.pk


def can_review(actor: User, assessment: Assessment) -> bool:
    """The role of the assessment's current stage, within its scope; nobody reviews their own assessment."""
    if assessment.status != Status.SUBMITTED or not assessment.review_stage or _is_own(actor, assessment):
        return False
    role = policy.STAGE_ROLES.get(assessment.review_stage)
    return role is not None and policy.covers(actor, [role], assessment.unit)


@transaction.atomic
def assessment_review(*, actor: User, assessment: Assessment, decision: str, reason: str = "") -> Assessment:
    """A reviewer's decision at the current stage: approve, or return or reject (each with a reason)."""
    assessment = _locked(assessment.pk, assessment.subject_kind)
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
        stages = review_stages(assessment)
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
    events.records_changed(assessment.campaign_id)
    return assessment


def can_certify(actor: User, assessment: Assessment) -> bool:
    """The role of the last stage (or a province coordinator) within its scope; never one's own assessment."""
    if _is_own(actor, assessment):
        return False
    chain = review_stages(assessment) or assessment.framework_version.review_chain
    role = policy.STAGE_ROLES.get(chain[-1], Role.COMMUNE_OFFICER) if chain else Role.COMMUNE_OFFICER
    roles = {role, Role.PROVINCE_COORDINATOR}
    return assessment.status == Status.APPROVED and policy.covers(actor, roles, assessment.unit)


def _certificate_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
    return "".join(secrets.choice(alphabet) for _ in range(10))


@transaction.atomic
def assessment_certify(*, actor: User, assessment: Assessment) -> Certificate:
    """The competent level recognises an approved assessment and issues its certificate.

    The subjects whose roll-ups read this result (a household reading its members) are refreshed after commit.
    """
    # Imported here: the roll-up module imports this one.
    from .rollups import dependents_refresh_later

    certificate = recognise(actor=actor, assessment=assessment)
    dependents_refresh_later(certificate.assessment.campaign, certificate.assessment.framework_version)
    return certificate


def recognise(*, actor: User, assessment: Assessment) -> Certificate:
    """`assessment_certify` without the refresh of what depends on it: a decision recognising many subjects
    refreshes their dependents once. Call inside a transaction."""
    assessment = _locked(assessment.pk, assessment.subject_kind)
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
        holder_name=assessment.subject_name,
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
    events.records_changed(assessment.campaign_id)
    return certificate
