"""Submitting from the assessment page: one save-and-submit, with the same stored result, status, audit and
events as saving then submitting; the queries it costs; and the figures rebuild it queues, kept to one."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from learningcity.accounts.models import AuditEntry, User
from learningcity.analytics.apps import rebuild_later
from learningcity.analytics.tasks import figures_rebuild_campaign
from learningcity.recognition import services
from learningcity.recognition.models import Assessment, Person, Status
from learningcity.recognition.services import events
from learningcity.recognition.services.assessments import assessment_save

from ..cast import GOOD_ANSWERS, Cast

NOTES = {code: "Giấy xác nhận" for code in GOOD_ANSWERS}
# What the submit button posts: the answers, a note per indicator, the group.
FORM = {
    **{code: str(value) for code, value in GOOD_ANSWERS.items()},
    **{f"note__{code}": text for code, text in NOTES.items()},
    "group": "g1",
    "action": "submit",
}
# What a submission stores, compared field by field.
STORED = (
    "status",
    "review_stage",
    "answers",
    "notes",
    "group",
    "score",
    "level",
    "result",
    "rollups",
    "entered_on_behalf",
)


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def draft(cast: Cast, person: Person, actor: User) -> Assessment:
    return services.assessment_start(
        actor=actor, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
    )


def page(assessment: Assessment) -> str:
    return reverse("recognition:assessment", kwargs={"pk": assessment.pk})


def neighbour(cast: Cast) -> tuple[Person, User]:
    """A second citizen with an account in the same hamlet as `person_a`: the same flags, the same stages."""
    account = User.objects.create_user(username="citizen_a2")
    person = services.person_enrol(
        actor=cast.head_a, unit=cast.hamlet_a, full_name="Lò Văn Hùng", consent_confirmed=True
    )
    Person.objects.filter(pk=person.pk).update(user=account)
    person.refresh_from_db()
    return person, account


def audit_of(assessment: Assessment) -> list[tuple[Any, ...]]:
    return list(
        AuditEntry.objects.filter(object_type="recognition.assessment", object_id=str(assessment.pk))
        .order_by("pk")
        .values_list("action", "actor_id", "unit_id", "on_behalf_of_person_id", "data")
    )


def test_the_form_stores_what_saving_then_submitting_stores(
    client: Client,
    cast: Cast,
    django_capture_on_commit_callbacks,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heard: list[int] = []
    monkeypatch.setattr(events, "_listeners", [heard.append])
    by_form = draft(cast, cast.person_a, cast.citizen_a)
    client.force_login(cast.citizen_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(by_form), FORM)
    assert response.status_code == 302 and response["Location"] == page(by_form)
    assert heard == [cast.campaign.pk]  # told once, after commit

    person, account = neighbour(cast)
    by_services = draft(cast, person, account)
    services.assessment_save(actor=account, assessment=by_services, answers=GOOD_ANSWERS, notes=NOTES)
    services.assessment_submit(actor=account, assessment=by_services)

    by_services.refresh_from_db()
    by_form.refresh_from_db()
    assert {field: getattr(by_form, field) for field in STORED} == {
        field: getattr(by_services, field) for field in STORED
    }
    assert (by_form.status, by_form.review_stage, by_form.score) == (Status.SUBMITTED, "hamlet", 83.0)
    assert by_form.entered_by == cast.citizen_a and by_form.submitted_at is not None
    started, submitted = audit_of(by_form)
    assert started[0] == "assessment.start"
    score = {"score": 83.0, "level": "recognised"}
    assert submitted == ("assessment.submit", cast.citizen_a.pk, cast.hamlet_a.pk, None, score)
    assert [entry[0] for entry in audit_of(by_services)] == ["assessment.start", "assessment.submit"]
    assert audit_of(by_services)[-1][1:] == (account.pk, cast.hamlet_a.pk, None, score)
    assert client.get(page(by_form)).content.decode().count("Submitted.") == 1


def test_a_hamlet_head_submitting_on_the_citizens_behalf_is_audited_so(client: Client, cast: Cast) -> None:
    assessment = draft(cast, cast.person_a, cast.citizen_a)
    client.force_login(cast.head_a)
    assert client.post(page(assessment), FORM).status_code == 302
    assessment.refresh_from_db()
    assert assessment.entered_on_behalf and assessment.entered_by == cast.head_a
    # The hamlet head enters it, the hamlet head does not review it: hamlet is the applicant's stage.
    assert (assessment.status, assessment.review_stage) == (Status.SUBMITTED, "hamlet")
    assert audit_of(assessment)[-1][:4] == (
        "assessment.submit",
        cast.head_a.pk,
        cast.hamlet_a.pk,
        cast.person_a.pk,
    )


def test_a_refused_submission_keeps_the_answers_and_records_nothing_else(
    cast: Cast,
    django_capture_on_commit_callbacks,  # noqa: ANN001
) -> None:
    assessment = draft(cast, cast.person_a, cast.citizen_a)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError, match="evidence"):
        assessment_save(actor=cast.citizen_a, assessment=assessment, answers=GOOD_ANSWERS, submit=True)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.answers, assessment.score) == (Status.DRAFT, GOOD_ANSWERS, 83.0)
    assert [entry[0] for entry in audit_of(assessment)] == ["assessment.start"] and not callbacks


def test_a_refused_save_stores_nothing(cast: Cast) -> None:
    assessment = draft(cast, cast.person_a, cast.citizen_a)
    with pytest.raises(ValidationError):
        assessment_save(
            actor=cast.citizen_a,
            assessment=assessment,
            answers={**GOOD_ANSWERS, "i2_2": 11},
            notes=NOTES,
            submit=True,
        )
    assessment.refresh_from_db()
    assert (assessment.status, assessment.answers, assessment.notes) == (Status.DRAFT, {}, {})


def test_the_submit_flow_reads_a_fixed_number_of_queries(
    client: Client,
    cast: Cast,
    django_assert_max_num_queries,  # noqa: ANN001
) -> None:
    assessment = draft(cast, cast.person_a, cast.citizen_a)
    client.force_login(cast.citizen_a)
    # Session, user, the user's scope, the subject's kind, the row, the place, the evidence, the menu's roles.
    with django_assert_max_num_queries(8):
        assert client.get(page(assessment)).status_code == 200
    # Session, user, scope, kind, row; then in one transaction (2 savepoint statements in tests): the locked
    # row, the unit flags, the review levels, the applicant's reviewer roles, the update, the audit entry.
    # It was 20: a save and a submission, each locking, scoring and saving.
    with django_assert_max_num_queries(13):
        assert client.post(page(assessment), FORM).status_code == 302
    with django_assert_max_num_queries(8):
        assert "Submitted." in client.get(page(assessment)).content.decode()


def test_a_stream_of_changes_keeps_one_rebuild_waiting(
    cast: Cast,
    settings,  # noqa: ANN001
    django_assert_max_num_queries,  # noqa: ANN001
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    waiting = DBTaskResult.objects.filter(task_path=figures_rebuild_campaign.module_path)
    rebuild_later(cast.campaign.pk)  # what a submission's listener does after commit
    (first,) = waiting
    long_ago = "2000-01-01T00:00:00+00:00"
    waiting.update(args_kwargs={"args": [cast.campaign.pk, long_ago], "kwargs": {}})
    with django_assert_max_num_queries(1):  # the waiting job's request moves to now: no new job
        rebuild_later(cast.campaign.pk)
    (job,) = waiting
    assert job.pk == first.pk and job.status == TaskResultStatus.READY
    assert job.args_kwargs["args"][0] == cast.campaign.pk
    assert job.args_kwargs["args"][1] > long_ago
    # Once the worker started it, the next change queues a rebuild of its own.
    waiting.update(status=TaskResultStatus.RUNNING)
    rebuild_later(cast.campaign.pk)
    assert waiting.filter(status=TaskResultStatus.READY).count() == 1 and waiting.count() == 2
