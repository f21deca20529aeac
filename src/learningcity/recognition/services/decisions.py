"""Writes of review at scale, recognition decisions, revocations and appeals.

Each write is one transaction that checks the actor's role and scope (accounts.policy), validates, saves and
appends to the audit log (who, when, what, why). The state machine of `services.assessments` gains:

    submitted ──bulk approve (each exactly as assessment_review)──▶ next stage / approved
    approved ──decision_issue (the competent level)──▶ recognised, certificate tied to the decision
    recognised ──assessment_revoke (a reason)──▶ revoked, certificate revoked
    rejected ──assessment_appeal (the applicant; a reason; once)──▶ appealed
    appealed ──appeal_decide(uphold=True)──▶ submitted again at the stage that rejected
             └─appeal_decide(uphold=False)──▶ rejected, final

Decision numbers follow the Vietnamese administrative form (Nghị định 30/2020/NĐ-CP): "<sequence>/QĐ-UBND",
the issuing body's abbreviation after "QĐ-" — the People's Committee (Ủy ban nhân dân) of the issuing unit,
which the document's header names. The sequence runs per issuing unit and campaign year, from 1.

The stage that rejected an assessment is read from the audit log (the latest `assessment.reject` entry), which
is append-only, so an appeal always knows whose decision it contests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import AuditEntry, Role, User
from learningcity.accounts.services import audit_append
from learningcity.frameworks.engine import REVIEW_STAGES
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Era, Level, Unit
from learningcity.text import fold, nfc

from ..models import (
    SUBJECT_RELATED,
    Assessment,
    Campaign,
    CampaignFramework,
    Certificate,
    DecisionItem,
    RecognitionDecision,
    Status,
)
from . import events
from .assessments import (
    Decision,
    _is_own,
    _locked,
    assessment_review,
    can_certify,
    can_edit_for,
    recognise,
    review_stages,
    subject_user_id,
)
from .rollups import dependents_refresh_later

# The units that issue recognition decisions: a commune's or a province's People's Committee.
ISSUING_LEVELS = (Level.COMMUNE, Level.PROVINCE)
DECISION_NUMBER = "{sequence}/QĐ-UBND"
REASON_MAX_LENGTH = 2000


def _message(exc: PermissionDenied | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("Not allowed.")


def _reason(reason: str, message: str) -> str:
    text = nfc(reason or "")
    if not text:
        raise ValidationError({"reason": message})
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX_LENGTH}}
        )
    return text


def _on_behalf_id(actor: User, assessment: Assessment) -> int | None:
    """The citizen an act was done for, when someone else did it (recorded in the audit log)."""
    return assessment.person_id if subject_user_id(assessment.subject) != actor.pk else None


# --------------------------------------------------------------------------------------------------------
# Review at scale


@dataclass
class BulkResult:
    """What a bulk approval did: the assessments approved (as they are now) and the others with the reason."""

    approved: list[Assessment] = field(default_factory=list)
    refused: list[tuple[Assessment, str]] = field(default_factory=list)


@transaction.atomic
def assessments_bulk_approve(*, actor: User, assessments: Iterable[Assessment]) -> BulkResult:
    """Approve each assessment at its current stage with exactly the checks of `assessment_review`.

    The ones that pass are approved (each with its own audit entry, as one by one); the others are left as
    they were and reported with the reason. Returning and rejecting stay one by one, each with its reason.
    """
    result = BulkResult()
    for assessment in assessments:
        try:
            # Each review is its own savepoint: a refused one leaves nothing behind and the rest go on.
            approved = assessment_review(actor=actor, assessment=assessment, decision=Decision.APPROVE)
        except (PermissionDenied, ValidationError) as exc:
            result.refused.append((assessment, _message(exc)))
        except Assessment.DoesNotExist:
            result.refused.append((assessment, _("This assessment no longer exists.")))
        else:
            result.approved.append(approved)
    return result


# --------------------------------------------------------------------------------------------------------
# Who recognises


def _last_stage_role(chain: Sequence[str]) -> str:
    return policy.STAGE_ROLES.get(chain[-1], Role.COMMUNE_OFFICER) if chain else Role.COMMUNE_OFFICER


def decision_roles(version: FrameworkVersion) -> frozenset[str]:
    """The roles that recognise under a framework: its review chain's last stage, or a province
    coordinator."""
    return frozenset({_last_stage_role(version.review_chain), Role.PROVINCE_COORDINATOR})


def competent_roles(assessment: Assessment) -> frozenset[str]:
    """The roles that recognise (and revoke) one assessment, as `can_certify` reads them: the last stage of
    the chain that applies to it, or a province coordinator."""
    chain = review_stages(assessment) or assessment.framework_version.review_chain
    return frozenset({_last_stage_role(chain), Role.PROVINCE_COORDINATOR})


def can_issue_decision(actor: User, version: FrameworkVersion, issuing_unit: Unit) -> bool:
    """The competent level for `version`, holding its role on `issuing_unit` (a commune or a province)."""
    return (
        issuing_unit.era == Era.CURRENT
        and issuing_unit.level in ISSUING_LEVELS
        and policy.covers(actor, decision_roles(version), issuing_unit)
    )


# --------------------------------------------------------------------------------------------------------
# Recognition decisions


def _why_not_listed(
    actor: User,
    assessment: Assessment,
    *,
    campaign: Campaign,
    version: FrameworkVersion,
    issuing_unit: Unit,
    listed: set[int],
) -> str:
    """Why an assessment cannot be in this decision ("" when it can)."""
    if assessment.pk in listed:
        return _("it is already in a recognition decision")
    if assessment.campaign_id != campaign.pk:
        return _("it belongs to another campaign")
    if assessment.framework_version_id != version.pk:
        return _("it was assessed against another framework")
    if not assessment.unit.path.startswith(issuing_unit.path):
        return _("it lies outside %(unit)s") % {"unit": issuing_unit.name}
    if assessment.status != Status.APPROVED:
        return _("it is not approved (%(status)s)") % {"status": assessment.get_status_display()}
    if not can_certify(actor, assessment):
        return _("you cannot recognise it")
    return ""


def _next_sequence(issuing_unit: Unit, year: int) -> int:
    latest = RecognitionDecision.objects.filter(issuing_unit=issuing_unit, campaign__year=year).aggregate(
        latest=Max("sequence")
    )["latest"]
    return (latest or 0) + 1


@transaction.atomic
def decision_issue(
    *,
    actor: User,
    campaign: Campaign,
    framework_version: FrameworkVersion,
    issuing_unit: Unit,
    assessments: Iterable[Assessment],
    issued_on: dt.date,
    signer_name: str,
    signer_title: str,
) -> RecognitionDecision:
    """Issue a numbered recognition decision that recognises exactly `assessments`.

    Only the competent level (`decision_roles`) in scope of `issuing_unit` issues it. Every listed
    assessment must be approved, of this campaign and framework, under `issuing_unit`, recognisable by the
    actor and in no other decision; otherwise nothing is issued and the ValidationError (on "assessments")
    names each one with its reason. Each listed assessment is recognised as `assessment_certify` does it, and
    its certificate carries the decision. The number is the next of the issuing unit in the campaign's year.
    """
    if not can_issue_decision(actor, framework_version, issuing_unit):
        raise PermissionDenied(_("You cannot issue recognition decisions for this unit and framework."))
    errors: dict[str, list[str]] = {}
    if not CampaignFramework.objects.filter(campaign=campaign, framework_version=framework_version).exists():
        errors["framework_version"] = [_("This framework is not part of the campaign.")]
    signer_name, signer_title = nfc(signer_name or ""), nfc(signer_title or "")
    if not signer_name:
        errors["signer_name"] = [_("Enter the name of the person who signs.")]
    if not signer_title:
        errors["signer_title"] = [_("Enter the title of the person who signs.")]
    if issued_on > timezone.localdate():
        errors["issued_on"] = [_("A decision cannot be dated in the future.")]
    elif issued_on < campaign.opens_on:
        errors["issued_on"] = [_("A decision cannot be dated before its campaign opened.")]

    wanted = sorted({assessment.pk for assessment in assessments})
    # Locked in key order, so two officers listing overlapping assessments cannot deadlock each other.
    rows = list(
        Assessment.objects.select_for_update(of=("self",))
        .filter(pk__in=wanted)
        .select_related("framework_version", "unit", "campaign", *SUBJECT_RELATED)
        .order_by("pk")
    )
    if not wanted:
        errors["assessments"] = [_("Choose at least one approved assessment.")]
    elif len(rows) != len(wanted):
        errors["assessments"] = [_("Some of the chosen assessments no longer exist.")]
    else:
        listed = set(
            DecisionItem.objects.filter(assessment_id__in=wanted).values_list("assessment_id", flat=True)
        )
        problems = []
        for assessment in rows:
            why = _why_not_listed(
                actor,
                assessment,
                campaign=campaign,
                version=framework_version,
                issuing_unit=issuing_unit,
                listed=listed,
            )
            if why:
                problems.append(_("%(name)s: %(reason)s") % {"name": assessment.subject_name, "reason": why})
        if problems:
            errors["assessments"] = problems
    if errors:
        raise ValidationError(errors)

    # One numbering per issuing unit: hold its row until the decision is stored (PostgreSQL; SQLite's
    # immediate transactions already serialise writers). The unique constraint is the last guard.
    list(Unit.objects.select_for_update().filter(pk=issuing_unit.pk).values_list("pk", flat=True))
    sequence = _next_sequence(issuing_unit, campaign.year)
    decision = RecognitionDecision(
        campaign=campaign,
        framework_version=framework_version,
        issuing_unit=issuing_unit,
        sequence=sequence,
        number=DECISION_NUMBER.format(sequence=sequence),
        issued_on=issued_on,
        signer_name=signer_name,
        signer_title=signer_title,
        created_by=actor,
    )
    decision.full_clean()
    decision.save()
    ordered = sorted(rows, key=lambda a: (a.unit.path, fold(a.subject_name), a.pk))
    certificates = [recognise(actor=actor, assessment=assessment) for assessment in ordered]
    dependents_refresh_later(campaign, framework_version)
    Certificate.objects.filter(pk__in=[c.pk for c in certificates]).update(decision=decision)
    DecisionItem.objects.bulk_create(
        [
            DecisionItem(decision=decision, assessment=assessment, position=position)
            for position, assessment in enumerate(ordered, start=1)
        ]
    )
    audit_append(
        actor=actor,
        action="decision.issue",
        obj=decision,
        unit=issuing_unit,
        data={
            "number": decision.number,
            "campaign": campaign.pk,
            "framework": str(framework_version),
            "issued_on": issued_on.isoformat(),
            "assessments": [a.pk for a in ordered],
            "certificates": [c.code for c in certificates],
        },
    )
    return decision


# --------------------------------------------------------------------------------------------------------
# Revocation


def can_revoke(actor: User, assessment: Assessment) -> bool:
    """A recognised assessment, by the level that recognises it (or a province coordinator), in scope."""
    return (
        assessment.status == Status.RECOGNISED
        and not _is_own(actor, assessment)
        and policy.covers(actor, competent_roles(assessment), assessment.unit)
    )


@transaction.atomic
def assessment_revoke(*, actor: User, assessment: Assessment, reason: str) -> Assessment:
    """Withdraw a recognition: the assessment becomes revoked and its certificate no longer checks out.

    The decision that recognised it stays as issued (it is a dated document); its certificate is marked
    revoked.
    """
    assessment = _locked(assessment.pk, assessment.subject_kind)
    if not can_revoke(actor, assessment):
        raise PermissionDenied(_("You cannot revoke this recognition."))
    reason = _reason(reason, _("Give the reason for revoking; the holder will read it."))
    now = timezone.now()
    certificate = Certificate.objects.select_for_update().filter(assessment=assessment).first()
    if certificate is not None:
        certificate.revoked_at = now
        certificate.save(update_fields=["revoked_at"])
    assessment.status = Status.REVOKED
    assessment.decided_at = now
    assessment.last_reason = reason
    assessment.save(update_fields=["status", "decided_at", "last_reason", "updated_at"])
    dependents_refresh_later(assessment.campaign, assessment.framework_version)
    audit_append(
        actor=actor,
        action="assessment.revoke",
        obj=assessment,
        unit=assessment.unit,
        reason=reason,
        data={
            "certificate": certificate.code if certificate else None,
            "decision": certificate.decision_id if certificate else None,
        },
    )
    events.records_changed(assessment.campaign_id)
    return assessment


# --------------------------------------------------------------------------------------------------------
# Appeals


def _trail(assessment: Assessment, action: str) -> AuditEntry | None:
    return (
        AuditEntry.objects.filter(
            object_type=Assessment._meta.label_lower, object_id=str(assessment.pk), action=action
        )
        .order_by("-at", "-pk")
        .first()
    )


def rejection_of(assessment: Assessment) -> tuple[str, int | None]:
    """The stage whose rejection stands (or is appealed) and who rejected, from the audit log."""
    entry = _trail(assessment, "assessment.reject")
    if entry is None:
        stages = review_stages(assessment)
        return (stages[-1] if stages else "", None)
    return (str(entry.data.get("stage") or ""), entry.actor_id)


def has_appealed(assessment: Assessment) -> bool:
    return _trail(assessment, "assessment.appeal") is not None


def can_appeal(actor: User, assessment: Assessment) -> bool:
    """A rejected assessment never appealed before, by its applicant or an enrolment officer in scope."""
    return (
        assessment.status == Status.REJECTED
        and actor.is_authenticated
        and can_edit_for(actor, assessment.subject)
        and not has_appealed(assessment)
    )


def appeal_roles(stage: str) -> frozenset[str]:
    """Who decides an appeal against a rejection at `stage`: the reviewer level above it, or the province."""
    roles = {Role.PROVINCE_COORDINATOR}
    if stage in REVIEW_STAGES and REVIEW_STAGES.index(stage) + 1 < len(REVIEW_STAGES):
        roles.add(policy.STAGE_ROLES[REVIEW_STAGES[REVIEW_STAGES.index(stage) + 1]])
    return frozenset(roles)


def can_decide_appeal(actor: User, assessment: Assessment) -> bool:
    """The level above the one that rejected (or a province coordinator), in scope; never the reviewer who
    rejected, nor anyone on their own assessment."""
    if assessment.status != Status.APPEALED or _is_own(actor, assessment):
        return False
    stage, rejected_by = rejection_of(assessment)
    if rejected_by is not None and rejected_by == actor.pk:
        return False
    return policy.covers(actor, appeal_roles(stage), assessment.unit)


@transaction.atomic
def assessment_appeal(*, actor: User, assessment: Assessment, reason: str) -> Assessment:
    """The applicant (or an enrolment officer on their behalf) contests a rejection, once, with a reason."""
    assessment = _locked(assessment.pk, assessment.subject_kind)
    if not can_edit_for(actor, assessment.subject):
        raise PermissionDenied(_("You cannot appeal for this assessment."))
    if assessment.status != Status.REJECTED:
        raise ValidationError(_("Only a rejected assessment can be appealed."))
    if has_appealed(assessment):
        raise ValidationError(_("This assessment was appealed already; the decision on the appeal is final."))
    reason = _reason(reason, _("Say why the rejection should be reconsidered."))
    stage, rejected_by = rejection_of(assessment)
    assessment.status = Status.APPEALED
    assessment.save(update_fields=["status", "updated_at"])
    audit_append(
        actor=actor,
        action="assessment.appeal",
        obj=assessment,
        unit=assessment.unit,
        reason=reason,
        on_behalf_of_person_id=_on_behalf_id(actor, assessment),
        data={"stage": stage, "rejected_by": rejected_by},
    )
    events.records_changed(assessment.campaign_id)
    return assessment


@transaction.atomic
def appeal_decide(*, actor: User, assessment: Assessment, uphold: bool, reason: str) -> Assessment:
    """Decide an appeal with a reason: uphold it (the assessment goes back to the stage that rejected it, to
    be reviewed again) or dismiss it (the rejection becomes final: there is no second appeal)."""
    assessment = _locked(assessment.pk, assessment.subject_kind)
    if not can_decide_appeal(actor, assessment):
        raise PermissionDenied(_("This appeal is not yours to decide."))
    reason = _reason(reason, _("Give the reason for your decision on the appeal; the citizen will read it."))
    stage, _rejected_by = rejection_of(assessment)
    stages = review_stages(assessment)
    if uphold:
        assessment.status = Status.SUBMITTED
        # The stage that rejected reviews it again (the first stage when the chain no longer has it).
        assessment.review_stage = stage if stage in stages else (stages[0] if stages else "")
        if not assessment.review_stage:
            assessment.status = Status.APPROVED
            assessment.decided_at = timezone.now()
    else:
        assessment.status = Status.REJECTED
        assessment.review_stage = ""
        assessment.decided_at = timezone.now()
    assessment.last_reason = reason
    assessment.save(update_fields=["status", "review_stage", "decided_at", "last_reason", "updated_at"])
    audit_append(
        actor=actor,
        action="assessment.appeal_upheld" if uphold else "assessment.appeal_dismissed",
        obj=assessment,
        unit=assessment.unit,
        reason=reason,
        data={"stage": stage, "review_stage": assessment.review_stage},
    )
    events.records_changed(assessment.campaign_id)
    return assessment
