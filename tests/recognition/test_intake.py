"""The intake: submissions accepted at once with a receipt, applied by the worker a batch at a time, with the
same outcome as the one-at-a-time submission (stages, scores, audit entries), refusals kept as drafts."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from learningcity.accounts import policy
from learningcity.accounts.models import AuditEntry, User
from learningcity.frameworks.selectors import framework_compiled
from learningcity.frameworks.services import framework_version_load
from learningcity.recognition import services
from learningcity.recognition.models import (
    Assessment,
    Campaign,
    ReceiptState,
    Status,
    SubmissionReceipt,
)
from learningcity.recognition.services.intake import (
    Submission,
    SubmissionsRefused,
    receipts_apply,
    submissions_receive,
)
from learningcity.recognition.services.rollups import rollup_values
from learningcity.recognition.tasks import submissions_apply, submissions_apply_later

from ..api.conftest import NOTES, draft
from ..cast import GOOD_ANSWERS, Cast
from .test_rollups import CITIZEN, FAMILY, SEEDS, make_world


def submission_receive(*, actor: User, assessment: Assessment, **fields: Any) -> SubmissionReceipt:
    """One submission received, or its refusal raised as such (Http404, PermissionDenied, ValidationError)."""
    try:
        (receipt,) = submissions_receive(actor=actor, items=[Submission(assessment.pk, **fields)])
    except SubmissionsRefused as refused:
        raise refused.problems[0] from None
    return receipt


def received(cast: Cast, assessment: Assessment, **fields: Any) -> SubmissionReceipt:
    fields = {"answers": GOOD_ANSWERS, "notes": NOTES, **fields}
    return submission_receive(actor=cast.citizen_a, assessment=assessment, **fields)


def stored(assessment: Assessment) -> Assessment:
    return Assessment.objects.get(pk=assessment.pk)


def test_a_receipt_waits_then_is_submitted_as_the_form_would(cast: Cast) -> None:
    receipt = received(cast, draft(cast))
    assessment = receipt.assessment
    assert (receipt.state, stored(assessment).status, stored(assessment).answers) == ("pending", "draft", {})

    assert receipts_apply() == {"applied": 1, "refused": 0}
    receipt.refresh_from_db()
    assert (receipt.state, receipt.reason) == (ReceiptState.APPLIED, "")
    assert (receipt.answers, receipt.notes) == ({}, None)  # the answers are the assessment's now, kept once
    assert receipt.applied_at is not None and receipt.applied_at >= receipt.received_at
    mine = stored(assessment)
    assert (mine.status, mine.review_stage, mine.score) == (Status.SUBMITTED, "hamlet", 83.0)
    assert (mine.answers, mine.notes, mine.submitted_at) == (GOOD_ANSWERS, NOTES, receipt.applied_at)

    # The same answers submitted one at a time (person_b, on a hamlet of the same framework) store the same.
    other = services.assessment_start(
        actor=cast.head_b, campaign=cast.campaign, subject=cast.person_b, version=cast.framework, group="g1"
    )
    one = services.assessment_save(
        actor=cast.head_b, assessment=other, answers=GOOD_ANSWERS, notes=NOTES, submit=True
    )
    assert (mine.result, mine.level, mine.rollups) == (one.result, one.level, one.rollups)
    assert (one.status, one.review_stage) == (mine.status, mine.review_stage)

    entry = AuditEntry.objects.filter(action="assessment.submit", object_id=str(assessment.pk)).get()
    assert (entry.actor, entry.unit, entry.on_behalf_of_person_id) == (cast.citizen_a, cast.hamlet_a, None)
    assert entry.data == {"score": 83.0, "level": mine.level, "receipt": receipt.pk}
    assert receipts_apply() == {"applied": 0, "refused": 0}  # nothing waits any more


def test_what_cannot_be_known_on_receipt_is_refused_later_and_the_answers_stay(cast: Cast) -> None:
    half = dict(list(GOOD_ANSWERS.items())[:4])
    receipt = received(cast, draft(cast), answers=half)
    assert receipts_apply() == {"applied": 0, "refused": 1}
    receipt.refresh_from_db()
    assert receipt.state == ReceiptState.REFUSED
    assert "i2_1" in receipt.reason and "i1_1" not in receipt.reason
    kept = stored(receipt.assessment)
    assert (kept.status, kept.answers, kept.notes) == (Status.DRAFT, half, NOTES)
    assert (receipt.answers, receipt.notes) == ({}, None)  # kept on the draft only
    assert kept.result["short"] and kept.level  # scored as the form scores a draft
    assert not AuditEntry.objects.filter(action="assessment.submit").exists()

    # Evidence required and neither attached nor described.
    again = received(cast, kept, notes={})
    receipts_apply()
    again.refresh_from_db()
    assert again.state == ReceiptState.REFUSED and "i1_2" in again.reason

    # The deadline passed between receipt and application.
    late = received(cast, kept)
    Campaign.objects.filter(pk=cast.campaign.pk).update(
        submission_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    receipts_apply()
    late.refresh_from_db()
    assert late.state == ReceiptState.REFUSED and stored(kept).status == Status.DRAFT


def test_receipts_apply_in_the_order_received_across_batches(cast: Cast) -> None:
    assessment = draft(cast)
    first = received(cast, assessment, answers=dict(list(GOOD_ANSWERS.items())[:4]))  # incomplete
    second = received(cast, assessment)  # complete: submitted
    third = received(cast, assessment, answers={**GOOD_ANSWERS, "i1_1": 2})  # too late: already submitted
    assert receipts_apply(batch=2) == {"applied": 1, "refused": 2}
    states = dict(SubmissionReceipt.objects.values_list("pk", "state"))
    assert [states[r.pk] for r in (first, second, third)] == ["refused", "applied", "refused"]
    third.refresh_from_db()
    assert "already submitted" in third.reason or "đã được gửi" in third.reason
    assert stored(assessment).answers == GOOD_ANSWERS  # the third changed nothing


def test_nothing_is_kept_from_a_submission_refused_on_receipt(cast: Cast) -> None:
    assessment = draft(cast)
    with pytest.raises(Http404):  # another commune's officer does not see it
        submission_receive(actor=cast.officer_b, assessment=assessment, answers=GOOD_ANSWERS)
    with pytest.raises(PermissionDenied):  # the province reads it but does not enter answers
        submission_receive(actor=cast.province, assessment=assessment, answers=GOOD_ANSWERS)
    with pytest.raises(ValidationError, match="zz"):
        received(cast, assessment, answers={**GOOD_ANSWERS, "zz": 1})
    with pytest.raises(ValidationError):
        received(cast, assessment, answers={**GOOD_ANSWERS, "i1_1": 99})  # out of range
    with pytest.raises(ValidationError):
        received(cast, assessment, group="no-such-group")
    received(cast, assessment)
    receipts_apply()
    with pytest.raises(ValidationError):  # submitted now
        received(cast, assessment)
    assert SubmissionReceipt.objects.count() == 1


def test_an_officer_submits_on_behalf_and_a_hamlet_head_never_reviews_their_own(cast: Cast) -> None:
    on_behalf = submission_receive(
        actor=cast.officer_a, assessment=draft(cast), answers=GOOD_ANSWERS, notes=NOTES
    )
    head_person = services.person_register_self(
        user=cast.head_a, unit=cast.hamlet_a, full_name="Cầm Văn Khánh", consent=True, sex="M"
    )
    own = services.assessment_start(
        actor=cast.head_a, campaign=cast.campaign, subject=head_person, version=cast.framework, group="g1"
    )
    submission_receive(actor=cast.head_a, assessment=own, answers=GOOD_ANSWERS, notes=NOTES)
    assert receipts_apply() == {"applied": 2, "refused": 0}

    theirs = stored(on_behalf.assessment)
    assert (theirs.entered_on_behalf, theirs.entered_by, theirs.review_stage) == (
        True,
        cast.officer_a,
        "hamlet",
    )
    entry = AuditEntry.objects.get(action="assessment.submit", object_id=str(theirs.pk))
    assert (entry.actor, entry.on_behalf_of_person_id) == (cast.officer_a, cast.person_a.pk)
    # The hamlet head's own goes past the hamlet stage, as the one-at-a-time path sends it.
    assert stored(own).review_stage == "commune"
    assert stored(own).entered_on_behalf is False


def test_a_household_is_scored_with_its_members_results(cast: Cast) -> None:
    world = make_world(cast)
    father = world.person("Lò Văn Hùng", 1985)
    household = world.household("Hộ ông Lò Văn Hùng", [cast.person_a, father])
    world.assess(cast.person_a, CITIZEN, Status.RECOGNISED, GOOD_ANSWERS)
    family = world.assess(household, FAMILY)
    answers = {item["code"]: item.get("max", True) for item in world.versions[FAMILY].inputs}
    submission_receive(actor=cast.officer_a, assessment=family, answers=answers)
    receipts_apply()
    applied = Assessment.objects.select_related("campaign", "framework_version").get(pk=family.pk)
    assert applied.rollups == {"members": 2, "adults_citizen_share": 0.5} == rollup_values(applied)
    single = services.assessment_evaluate(
        version=applied.framework_version,
        unit=applied.unit,
        group=applied.group,
        answers=answers,
        rollups=applied.rollups,
    )
    assert applied.result == single


def test_a_household_received_before_its_member_reads_what_the_batch_did_to_the_member(cast: Cast) -> None:
    """A framework whose roll-up reads the members' stored levels (a city may load one): applied in one batch,
    the household is scored after its member, whatever the order they came in."""
    world = make_world(cast)
    text = (SEEDS / "vn/learning-family.yaml").read_text(encoding="utf-8")
    rule = "\n".join(
        [
            "  - code: passing_share",
            "    title: {vi: 'Tỷ lệ thành viên đạt', en: 'Share of members who pass'}",
            "    over: person",
            f"    framework: {CITIZEN}",
            '    expr: "AVG(passes::int)"',
            "    type: float",
            "    when_empty: null",
        ]
    )
    by_level = text.replace("id: vn.learning-family", "id: test.family-by-level").replace(
        "\nderived:", f"\n{rule}\nderived:"
    )
    variant, _created = framework_version_load(text=by_level, source="test.yaml")
    world.campaign.frameworks.add(variant)
    world.versions[variant.code] = variant
    household = world.household("Hộ bà Lò Thị Mai", [cast.person_a])
    family = world.assess(household, variant.code)
    member = world.assess(cast.person_a, CITIZEN)
    answers = {item["code"]: item.get("max", True) for item in variant.inputs}
    submission_receive(actor=cast.officer_a, assessment=family, answers=answers)
    received(cast, member)
    assert receipts_apply() == {"applied": 2, "refused": 0}

    passing = framework_compiled(world.versions[CITIZEN]).passing_levels
    assert stored(member).level in passing  # the member passes since this batch
    applied = Assessment.objects.select_related("campaign", "framework_version").get(pk=family.pk)
    assert applied.rollups["passing_share"] == 1.0 == rollup_values(applied)["passing_share"]


def test_a_stream_of_receipts_keeps_one_job_queued(cast: Cast) -> None:
    assessment = draft(cast)
    database = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    with override_settings(TASKS={"default": database}):
        for _ in range(3):
            received(cast, assessment)
            submissions_apply_later()
        assert DBTaskResult.objects.filter(task_path__endswith="submissions_apply").count() == 1
        DBTaskResult.objects.update(status="RUNNING")  # the worker took it: the next receipt queues another
        submissions_apply_later()
        assert DBTaskResult.objects.filter(task_path__endswith="submissions_apply").count() == 2


def _drafts(cast: Cast, count: int) -> list[Assessment]:
    people = [
        services.person_enrol(
            actor=cast.head_a, unit=cast.hamlet_a, full_name=f"Người {n}", consent_confirmed=True, sex="F"
        )
        for n in range(count)
    ]
    return [
        services.assessment_start(
            actor=cast.head_a, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
        )
        for person in people
    ]


def _queries_to_apply(cast: Cast, count: int) -> int:
    for assessment in _drafts(cast, count):
        submission_receive(actor=cast.head_a, assessment=assessment, answers=GOOD_ANSWERS, notes=NOTES)
    with CaptureQueriesContext(connection) as queries:
        assert receipts_apply()["applied"] == count
    return len(queries)


def test_the_queries_of_a_batch_do_not_grow_with_its_receipts(cast: Cast) -> None:
    assert _queries_to_apply(cast, 2) == _queries_to_apply(cast, 12)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_a_second_worker_applies_what_the_first_one_holds_not(flushable_db: None, cast: Cast) -> None:
    """Workers share the receipts without waiting for each other: a batch another worker holds is skipped,
    not waited for, and applied once, by whoever holds it. (Committed data: the second worker is a thread
    with a connection of its own.)"""
    queued = {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": settings.TASK_QUEUES}
    with override_settings(TASKS={"default": queued}):  # the receipts wait: no job runs them on commit
        for assessment in _drafts(cast, 12):
            submission_receive(actor=cast.head_a, assessment=assessment, answers=GOOD_ANSWERS, notes=NOTES)
    outcome: dict[str, Any] = {}

    def second_worker() -> None:
        try:
            outcome["counts"] = receipts_apply(batch=3)
        finally:
            connection.close()  # this thread's own connection

    with transaction.atomic():  # the first worker, in the middle of its batch of four
        held = set(
            SubmissionReceipt.objects.filter(state=ReceiptState.PENDING)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)[:4]
        )
        thread = threading.Thread(target=second_worker)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the second worker waited for the receipts the first one holds"
    assert outcome["counts"] == {"applied": 8, "refused": 0}
    waiting = SubmissionReceipt.objects.filter(state=ReceiptState.PENDING)
    assert set(waiting.values_list("pk", flat=True)) == held
    assert receipts_apply() == {"applied": 4, "refused": 0}
    submitted = AuditEntry.objects.filter(action="assessment.submit")
    assert submitted.count() == 12 == submitted.values("object_id").distinct().count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_an_assessments_receipts_apply_in_the_order_received_across_workers(
    flushable_db: None, cast: Cast
) -> None:
    """A worker leaves a receipt waiting while an earlier one of the same assessment is held by another
    worker, and queues a job for it: the earlier one applies first, the later one is then refused as
    already submitted (as with one worker), not the other way round."""
    queued = {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": settings.TASK_QUEUES}
    with override_settings(TASKS={"default": queued}):
        x, y = _drafts(cast, 2)
        first = submission_receive(actor=cast.head_a, assessment=x, answers=GOOD_ANSWERS, notes=NOTES)
        other = submission_receive(actor=cast.head_a, assessment=y, answers=GOOD_ANSWERS, notes=NOTES)
        later = submission_receive(
            actor=cast.head_a, assessment=x, answers=GOOD_ANSWERS, notes=NOTES, group="g2"
        )
        outcome: dict[str, Any] = {}

        def second_worker() -> None:
            try:
                outcome["counts"] = receipts_apply()
                jobs = submissions_apply.get_backend().results  # this thread's backend
                outcome["jobs"] = [job.task.module_path for job in jobs].count(submissions_apply.module_path)
            finally:
                connection.close()

        with transaction.atomic():  # the first worker holds the first receipt
            SubmissionReceipt.objects.select_for_update().filter(pk=first.pk).get()
            thread = threading.Thread(target=second_worker)
            thread.start()
            thread.join(timeout=30)
            assert not thread.is_alive()
        assert outcome["counts"] == {"applied": 1, "refused": 0}  # the other assessment's only
        states = dict(SubmissionReceipt.objects.values_list("pk", "state"))
        assert states == {first.pk: "pending", other.pk: "applied", later.pk: "pending"}
        assert outcome["jobs"] == 1  # a job for the receipt left waiting
    assert receipts_apply() == {"applied": 1, "refused": 1}
    first.refresh_from_db(), later.refresh_from_db()
    assert (first.state, later.state) == ("applied", "refused")
    assert later.reason == "This assessment was already submitted."
    x.refresh_from_db()
    assert x.status == Status.SUBMITTED and x.group == "g1"  # the first receipt's


def test_a_batch_is_received_whole_or_not_at_all(cast: Cast) -> None:
    first, second, third = _drafts(cast, 3)
    batch = [Submission(a.pk, GOOD_ANSWERS, "g1", NOTES) for a in (first, second, third)]
    refused_batch = [
        batch[0],
        Submission(second.pk, {**GOOD_ANSWERS, "i1_1": 99}),  # out of range
        Submission(cast.person_b.pk + 10_000, GOOD_ANSWERS),  # no such assessment
    ]
    with pytest.raises(SubmissionsRefused) as refused:
        submissions_receive(actor=cast.head_a, items=refused_batch)
    assert sorted(refused.value.problems) == [1, 2]
    assert isinstance(refused.value.problems[1], ValidationError)
    assert isinstance(refused.value.problems[2], Http404)
    assert not SubmissionReceipt.objects.exists()

    receipts = submissions_receive(actor=cast.head_a, items=batch)
    assert [r.assessment_id for r in receipts] == [first.pk, second.pk, third.pk]
    assert all(r.pk for r in receipts)
    assert receipts_apply() == {"applied": 3, "refused": 0}


def _queries_to_receive(cast: Cast, count: int) -> int:
    items = [Submission(a.pk, GOOD_ANSWERS, "g1", NOTES) for a in _drafts(cast, count)]
    policy.forget(cast.officer_a)  # each count reads the officer's roles, as a request does
    with CaptureQueriesContext(connection) as queries:
        submissions_receive(actor=cast.officer_a, items=items)
    return len(queries)


def test_receiving_a_batch_takes_the_same_queries_as_one(cast: Cast) -> None:
    assert _queries_to_receive(cast, 1) == _queries_to_receive(cast, 15)


def test_support_staff_read_receipts_in_the_admin_and_change_none(cast: Cast, client: Any) -> None:
    receipt = received(cast, draft(cast))
    client.force_login(cast.admin)
    listed = client.get("/admin/recognition/submissionreceipt/?state=pending")
    assert listed.status_code == 200 and f">{receipt.pk}<" in listed.content.decode()
    page = client.get(f"/admin/recognition/submissionreceipt/{receipt.pk}/change/")
    assert page.status_code == 200 and "i1_1" not in page.content.decode()  # answers stay with the record
    assert client.get("/admin/recognition/submissionreceipt/add/").status_code == 403


def test_the_assessment_page_tells_of_a_receipt_waiting_or_refused(cast: Cast, client: Any) -> None:
    assessment = draft(cast)
    client.force_login(cast.citizen_a)
    client.cookies["django_language"] = "en"
    page = f"/assessments/{assessment.pk}/"
    assert "another application" not in client.get(page).content.decode()

    received(cast, assessment, answers=dict(list(GOOD_ANSWERS.items())[:4]))
    assert "is being applied" in client.get(page).content.decode()

    receipts_apply()  # refused: six answers missing
    shown = client.get(page).content.decode()
    assert "was not accepted" in shown and "i2_1" in shown

    # Once the citizen changes the record on the web, the old refusal is no longer news.
    services.assessment_save(actor=cast.citizen_a, assessment=stored(assessment), answers=GOOD_ANSWERS)
    assert "another application" not in client.get(page).content.decode()
