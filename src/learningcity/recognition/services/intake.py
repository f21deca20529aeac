"""The intake: a submission answered at once with a receipt, and applied by the worker a batch at a time.

At a campaign's peak (the last days before its deadline, a province's citizens on their phones) the
one-record path (`assessment_save(..., submit=True)`) spends its time in its own queries: it locks and reads
the record, scores it, works out its review stages, writes it and its audit entry, one submission at a time.
The intake splits that work. On receipt, only what the request can tell by itself: the caller may submit for
this subject, the record is still open, the answers are the framework's and typed as it declares; then one
row is written. The worker applies the waiting receipts together, oldest first: one read of their
assessments, one scoring and one write per framework version (`scoring.score_in_place`; members' frameworks
first, so that a household's roll-ups read what the batch did to its members), one write of their audit
entries. What is refused then (an answer or evidence missing, the deadline passed, the
record submitted meanwhile) keeps the answers on the draft, as the form does, and the receipt says why.

The rights are those of the moment of receipt, as for any request; the receipt records who sent it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity import bulk
from learningcity.accounts import policy
from learningcity.accounts.models import AuditEntry, User
from learningcity.accounts.services import audit_entry
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled

from .. import selectors
from ..models import (
    EDITABLE_STATUSES,
    SUBJECT_RELATED,
    Assessment,
    Evidence,
    ReceiptState,
    Status,
    SubmissionReceipt,
)
from . import events
from .assessments import (
    answers_put,
    check_group,
    coerce_answers,
    may_edit,
    notes_clean,
    review_stages,
    subject_user_id,
    submission_refused,
    unit_levels,
)
from .scoring import score_in_place

BATCH = 1000  # receipts applied in one transaction

# What applying a receipt changes on its assessment, as `bulk.update` writes it.
WRITTEN: dict[str, Any] = {
    "id": pl.Int64,
    "answers": pl.String,
    "notes": pl.String,
    "group": pl.String,
    "rollups": pl.String,
    "result": pl.String,
    "level": pl.String,
    "score": pl.Float64,
    "status": pl.String,
    "review_stage": pl.String,
    "submitted_at": pl.String,
    "entered_on_behalf": pl.Boolean,
    "entered_by_id": pl.Int64,
    "updated_at": pl.String,
}


@dataclass(frozen=True)
class Submission:
    """One submission: every answer of an assessment, and its group and evidence notes when given (None:
    unchanged)."""

    assessment_id: int
    answers: Mapping[str, Any]
    group: str | None = None
    notes: Mapping[str, str] | None = None


class SubmissionsRefused(Exception):
    """Submissions refused on receipt, none of the batch kept: why, by the submission's index (an Http404,
    a PermissionDenied or a ValidationError, as one submission alone would raise)."""

    def __init__(self, problems: dict[int, Exception]) -> None:
        super().__init__(problems)
        self.problems = problems


def submissions_receive(*, actor: User, items: Sequence[Submission]) -> list[SubmissionReceipt]:
    """Accept submissions for the worker to apply: a receipt for each, in order; all of them or none.

    Checked at once, with a few queries however many there are: the assessment is one the actor may read
    (else Http404) and submit for (else PermissionDenied), still a draft or returned, its answers the
    framework's inputs and typed as it declares, its group one of the framework's (else ValidationError).
    Raises SubmissionsRefused naming every submission refused."""
    found = selectors.assessments_submittable(actor, {item.assessment_id for item in items})
    versions = FrameworkVersion.objects.defer("source_text").in_bulk(
        {assessment.framework_version_id for assessment in found.values()}
    )
    receipts: list[SubmissionReceipt] = []
    problems: dict[int, Exception] = {}
    for index, item in enumerate(items):
        assessment = found.get(item.assessment_id)
        try:
            if assessment is None:
                raise Http404
            if not may_edit(actor, assessment.subject_user_id, assessment.subject_unit_path):
                raise PermissionDenied(_("You cannot submit this assessment."))
            if assessment.status not in EDITABLE_STATUSES:
                raise ValidationError(_("This assessment was already submitted."))
            version = versions[assessment.framework_version_id]
            if item.group is not None:
                check_group(version, item.group)
            receipts.append(
                SubmissionReceipt(
                    assessment_id=item.assessment_id,
                    actor=actor,
                    answers=coerce_answers(version, item.answers),
                    group=item.group,
                    notes=notes_clean(version, item.notes) if item.notes is not None else None,
                )
            )
        except (Http404, PermissionDenied, ValidationError) as refused:
            problems[index] = refused
    if problems:
        raise SubmissionsRefused(problems)
    SubmissionReceipt.objects.bulk_create(receipts)
    # Imported here: the task module imports this one.
    from ..tasks import submissions_apply_later

    transaction.on_commit(submissions_apply_later)
    return receipts


def receipts_apply(*, batch: int = BATCH) -> dict[str, int]:
    """Apply the waiting receipts, oldest first, `batch` at a time until a batch is not full (those that
    arrive meanwhile have queued the next job: a job that chased each new arrival would apply them one by
    one); the counts applied and refused."""
    counts = {ReceiptState.APPLIED.value: 0, ReceiptState.REFUSED.value: 0}
    while True:
        done = _apply_batch(batch)
        for state, count in done.items():
            counts[state] += count
        if sum(done.values()) < batch:
            return counts


@transaction.atomic
def _apply_batch(limit: int) -> dict[str, int]:
    """One transaction: the oldest waiting receipts (none another worker holds), applied in their order."""
    receipts = list(
        SubmissionReceipt.objects.filter(state=ReceiptState.PENDING)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("actor")
        .order_by("pk")[:limit]
    )
    receipts = _in_turn(receipts)
    if not receipts:
        return {}
    # Locked in the order of their keys, as every other batch locks them: two workers never deadlock. The
    # keys go as a plain list (a batch is small): as one array parameter (`bulk.values_in`) PostgreSQL
    # would join every assessment to its relations before picking these.
    assessments = {
        a.pk: a
        for a in Assessment.objects.select_for_update(of=("self",))
        .select_related("framework_version", "unit", "campaign", *SUBJECT_RELATED)
        .filter(pk__in=sorted({r.assessment_id for r in receipts}))
        .order_by("pk")
    }
    files: dict[int, set[str]] = {pk: set() for pk in assessments}
    for assessment_id, code in Evidence.objects.filter(assessment_id__in=list(assessments)).values_list(
        "assessment_id", "input_code"
    ):
        files[assessment_id].add(code)
    levels = unit_levels({a.unit_id: a.unit for a in assessments.values()}.values())
    applicants = User.objects.in_bulk({subject_user_id(a.subject) for a in assessments.values()} - {None})
    policy.remember(applicants.values())

    now = timezone.now()
    changed: dict[int, Assessment] = {}
    sent: list[tuple[SubmissionReceipt, Assessment]] = []
    for receipt in receipts:
        assessment = assessments[receipt.assessment_id]
        receipt.applied_at = now
        if not assessment.is_editable:  # submitted by another receipt or on the web meanwhile
            receipt.state = ReceiptState.REFUSED
            receipt.reason = _("This assessment was already submitted.")
            continue
        answers_put(assessment, receipt.actor, receipt.answers, receipt.group, receipt.notes)
        changed[assessment.pk] = assessment
        refused = submission_refused(assessment, files=files[assessment.pk])
        if refused is not None:
            receipt.state = ReceiptState.REFUSED
            receipt.reason = " ".join(refused.messages)
            continue
        stages = review_stages(assessment, levels=levels[assessment.unit_id], users=applicants)
        assessment.status = Status.SUBMITTED if stages else Status.APPROVED
        assessment.review_stage = stages[0] if stages else ""
        assessment.submitted_at = now
        receipt.state = ReceiptState.APPLIED
        sent.append((receipt, assessment))

    together: dict[tuple[int, int], list[Assessment]] = {}
    for assessment in changed.values():
        together.setdefault((assessment.campaign_id, assessment.framework_version_id), []).append(assessment)
    # Written framework by framework, members first: a household's roll-ups then read its members as this
    # batch left them, whichever of the two was received first.
    for scored in _members_first(list(together.values())):
        score_in_place(scored[0].framework_version, scored[0].campaign, scored)
        _write(scored, now)
    # As `_send` records a submission; `person_id` is None unless the subject is a citizen.
    AuditEntry.objects.bulk_create(
        audit_entry(
            actor=receipt.actor,
            action="assessment.submit",
            obj=assessment,
            unit=assessment.unit,
            on_behalf_of_person_id=(
                assessment.person_id if subject_user_id(assessment.subject) != receipt.actor_id else None
            ),
            data={"score": assessment.score, "level": assessment.level, "receipt": receipt.pk},
        )
        for receipt, assessment in sent
    )
    # Once applied, a receipt's answers are on the assessment (submitted, or kept on the draft when
    # refused): the receipt drops its copy, so a citizen's answers are stored once and the table stays narrow.
    applied = [receipt.pk for receipt, _assessment in sent]
    SubmissionReceipt.objects.filter(pk__in=applied).update(
        state=ReceiptState.APPLIED, applied_at=now, answers={}, notes=None
    )
    refused_receipts = [receipt for receipt in receipts if receipt.state == ReceiptState.REFUSED]
    for receipt in refused_receipts:
        receipt.answers, receipt.notes = {}, None
    SubmissionReceipt.objects.bulk_update(
        refused_receipts, ["state", "reason", "applied_at", "answers", "notes"]
    )
    for campaign_id in {assessment.campaign_id for _receipt, assessment in sent}:
        events.records_changed(campaign_id)
    return {ReceiptState.APPLIED.value: len(applied), ReceiptState.REFUSED.value: len(refused_receipts)}


def _in_turn(receipts: list[SubmissionReceipt]) -> list[SubmissionReceipt]:
    """The receipts of a batch that are next for their assessment. One waiting before them, outside the
    batch (held by another worker, or committed after the batch was read), goes first: those after it are
    left waiting, and a job is queued for them, so that an assessment's receipts apply in the order
    received however many workers share them."""
    held = {receipt.pk for receipt in receipts}
    first_waiting = dict(
        SubmissionReceipt.objects.filter(
            state=ReceiptState.PENDING,
            assessment_id__in=sorted({receipt.assessment_id for receipt in receipts}),
            pk__lt=max(held, default=0),
        )
        .exclude(pk__in=sorted(held))
        .values("assessment_id")
        .annotate(first=Min("pk"))
        .values_list("assessment_id", "first")
    )
    in_turn = [r for r in receipts if r.pk < first_waiting.get(r.assessment_id, r.pk + 1)]
    if len(in_turn) < len(receipts):
        # Imported here: the task module imports this one.
        from ..tasks import submissions_apply_later

        transaction.on_commit(submissions_apply_later)
    return in_turn


def _members_first(groups: list[list[Assessment]]) -> list[list[Assessment]]:
    """Groups of assessments of one framework version each, ordered so that a group whose roll-ups read
    another framework's results comes after the groups of that framework."""
    present = {group[0].framework_version.code for group in groups}
    reads: dict[str, set[str]] = {}
    for group in groups:
        version = group[0].framework_version
        rules = framework_compiled(version).rollups
        reads.setdefault(version.code, set()).update({rule["framework"] for rule in rules} & present)
    try:
        order = list(TopologicalSorter(reads).static_order())
    except CycleError:  # frameworks that read each other (no shipped one does): as they come
        return groups
    return sorted(groups, key=lambda group: order.index(group[0].framework_version.code))


def _write(assessments: list[Assessment], now: dt.datetime) -> None:
    """The applied assessments written in one set-based update."""
    stamp = bulk.now_text(now)
    rows = [
        (
            a.pk,
            json.dumps(a.answers),
            json.dumps(a.notes),
            a.group,
            json.dumps(a.rollups),
            json.dumps(a.result),
            a.level,
            a.score,
            a.status,
            a.review_stage,
            bulk.now_text(a.submitted_at) if a.submitted_at is not None else None,
            a.entered_on_behalf,
            a.entered_by_id,
            stamp,
        )
        for a in assessments
    ]
    bulk.update(Assessment, pl.DataFrame(rows, schema=WRITTEN, orient="row"))
