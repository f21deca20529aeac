"""Reads of review at scale and of recognition decisions, scoped to what the reader's role and unit allow.

A decision is visible to the officers whose scope covers its issuing unit: a commune's decisions to that
commune's officers and to the province's coordinators, never to another commune (its list names people).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DateField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Unit

from ..models import Assessment, Campaign, CampaignFramework, DecisionItem, RecognitionDecision, Status
from ..services.decisions import decision_roles
from .core import READER_ROLES, assessments_visible

# The subject of every kind, read with an assessment (each nullable: LEFT OUTER JOINs).
SUBJECTS = ("person", "household", "clan", "organisation", "community")


def with_review_due(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Annotate `due_on`: the framework's review deadline in the campaign when set, else the campaign's."""
    framework_deadline = CampaignFramework.objects.filter(
        campaign=OuterRef("campaign"), framework_version=OuterRef("framework_version")
    ).values("review_deadline")[:1]
    return assessments.annotate(
        due_on=Coalesce(
            Subquery(framework_deadline, output_field=DateField()),
            F("campaign__review_deadline"),
            output_field=DateField(),
        )
    )


def review_deadline(assessment: Assessment) -> dt.date:
    """The review deadline of one assessment (as `with_review_due` computes it for many)."""
    due_on = getattr(assessment, "due_on", None)
    if due_on is not None:
        return due_on  # type: ignore[no-any-return]
    own = (
        CampaignFramework.objects.filter(
            campaign_id=assessment.campaign_id, framework_version_id=assessment.framework_version_id
        )
        .values_list("review_deadline", flat=True)
        .first()
    )
    return own or assessment.campaign.review_deadline


def overdue_q() -> Q:
    """On an assessment annotated by `with_review_due`: still waiting and past its deadline."""
    return Q(status__in=[Status.SUBMITTED, Status.APPROVED, Status.APPEALED], due_on__lt=timezone.localdate())


def name_q(folded: str) -> Q:
    """Assessments whose subject's folded name contains `folded` (whatever kind the subject is)."""
    return (
        Q(person__name_folded__contains=folded)
        | Q(household__name_folded__contains=folded)
        | Q(clan__name_folded__contains=folded)
        | Q(organisation__name_folded__contains=folded)
        | Q(community__name_folded__contains=folded)
    )


def decisions_visible(user: User) -> QuerySet[RecognitionDecision]:
    """Decisions whose issuing unit lies in the user's officer scope, with their item count."""
    return (
        policy.scoped(RecognitionDecision.objects.all(), user, READER_ROLES, "issuing_unit")
        .select_related("issuing_unit", "campaign", "framework_version")
        .annotate(item_count=Count("items"))
        .order_by("-issued_on", "-sequence", "-pk")
    )


def decision_items(decision: RecognitionDecision) -> QuerySet[DecisionItem]:
    """The listed assessments of a decision, in the decision's order, with subjects and certificates."""
    return (
        DecisionItem.objects.filter(decision=decision)
        .select_related(
            "assessment__unit__parent",
            "assessment__certificate",
            *(f"assessment__{subject}" for subject in SUBJECTS),
        )
        .order_by("position")
    )


def decision_candidates(
    user: User, *, campaign: Campaign, framework_version: FrameworkVersion, issuing_unit: Unit
) -> QuerySet[Assessment]:
    """Approved assessments a decision of `issuing_unit` could list: this campaign and framework, under the
    unit, in the user's recognising scope, not the user's own, and in no decision yet.

    A listing for the form; `services.decision_issue` checks each one again.
    """
    own = Q(person__user_id=user.pk) | Q(household__head__user_id=user.pk)
    return (
        assessments_visible(user)
        .filter(
            policy.scope_q(user, decision_roles(framework_version), "unit"),
            status=Status.APPROVED,
            campaign=campaign,
            framework_version=framework_version,
            unit__path__startswith=issuing_unit.path,
            decision_item__isnull=True,
        )
        .exclude(own)
        .select_related("unit__parent", *SUBJECTS)
        .order_by("unit__path", "pk")
    )
