"""The intake through the API: 202 with a receipt at once, the outcome read back from the receipt."""

from __future__ import annotations

from typing import Any

from django.test import Client

from learningcity.accounts.services import api_token_create
from learningcity.recognition import services
from learningcity.recognition.models import SubmissionReceipt

from ..cast import GOOD_ANSWERS, Cast
from .conftest import NOTES, assert_problem, draft


def _citizen(cast: Cast) -> dict[str, str]:
    _token, key = api_token_create(user=cast.citizen_a, name="phone app")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _send(client: Client, assessment_id: int, body: Any, auth: dict[str, str]) -> Any:
    return client.post(
        f"/api/assessments/{assessment_id}/submission", data=body, content_type="application/json", **auth
    )


def test_a_citizen_sends_and_reads_the_outcome(
    cast: Cast, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    auth = _citizen(cast)
    assessment = draft(cast)
    # The worker runs once the request has committed (here at once: the tests' task backend is immediate).
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        sent = _send(client, assessment.pk, {"answers": GOOD_ANSWERS, "notes": NOTES}, auth)
    assert sent.status_code == 202, sent.content
    receipt = sent.json()
    assert (receipt["assessment_id"], receipt["state"], receipt["applied_at"]) == (
        assessment.pk,
        "pending",
        None,
    )
    assert client.get(f"/api/receipts/{receipt['id']}", **auth).json()["state"] == "pending"

    for callback in waiting:
        callback()
    read = client.get(f"/api/receipts/{receipt['id']}", **auth).json()
    assert (read["state"], read["reason"]) == ("applied", "")
    mine = client.get(f"/api/assessments/{assessment.pk}", **auth).json()
    assert (mine["status"], mine["review_stage"], mine["score"]) == ("submitted", "hamlet", 83.0)

    # Sent again once submitted: refused at once, nothing kept.
    assert_problem(_send(client, assessment.pk, {"answers": GOOD_ANSWERS}, auth), 400)
    assert SubmissionReceipt.objects.count() == 1
    listed = client.get("/api/receipts", {"assessment": assessment.pk, "state": "applied"}, **auth).json()
    assert [item["id"] for item in listed["items"]] == [receipt["id"]]
    assert client.get("/api/receipts", {"state": "refused"}, **auth).json()["count"] == 0


def test_a_refusal_is_read_from_the_receipt(
    cast: Cast, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    auth = _citizen(cast)
    assessment = draft(cast)
    with django_capture_on_commit_callbacks(execute=True):
        sent = _send(client, assessment.pk, {"answers": {"i1_1": 9}}, auth)
    read = client.get(f"/api/receipts/{sent.json()['id']}", **auth).json()
    assert read["state"] == "refused" and "i3_2" in read["reason"]
    kept = client.get(f"/api/assessments/{assessment.pk}", **auth).json()
    assert (kept["status"], kept["answers"]) == ("draft", {"i1_1": 9})


def test_bad_answers_are_refused_at_once_as_problems(cast: Cast, client: Client) -> None:
    auth = _citizen(cast)
    assessment = draft(cast)
    unknown = assert_problem(_send(client, assessment.pk, {"answers": {"zz": 1}}, auth), 400)
    assert "zz" in unknown["detail"]
    assert_problem(_send(client, assessment.pk, {"answers": {**GOOD_ANSWERS, "i1_1": 99}}, auth), 400)
    assert_problem(_send(client, assessment.pk, {"answers": ["i1_1", 9]}, auth), 422)
    assert_problem(_send(client, assessment.pk + 1000, {"answers": GOOD_ANSWERS}, auth), 404)
    assert not SubmissionReceipt.objects.exists()


def test_a_partner_system_sends_many_at_once_all_or_none(cast: Cast, client: Client) -> None:
    _token, key = api_token_create(user=cast.officer_a, name="commune tablets")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    mine = draft(cast)
    other = services.assessment_start(
        actor=cast.head_b, campaign=cast.campaign, subject=cast.person_b, version=cast.framework, group="g1"
    )
    good = {"assessment_id": mine.pk, "answers": GOOD_ANSWERS, "notes": NOTES}
    refused = client.post(
        "/api/submissions",
        data={
            "items": [
                good,
                {"assessment_id": mine.pk, "answers": {**GOOD_ANSWERS, "i1_1": 99}},
                {"assessment_id": other.pk, "answers": GOOD_ANSWERS},  # commune B: not officer_a's
            ]
        },
        content_type="application/json",
        **auth,
    )
    problem = assert_problem(refused, 400)
    assert [error["loc"] for error in problem["errors"]] == [["items", 1, "i1_1"], ["items", 2]]
    assert not SubmissionReceipt.objects.exists()

    sent = client.post("/api/submissions", data={"items": [good]}, content_type="application/json", **auth)
    assert sent.status_code == 202, sent.content
    (receipt,) = sent.json()["receipts"]
    assert (receipt["assessment_id"], receipt["state"]) == (mine.pk, "pending")

    too_many = {"items": [good] * 501}
    assert_problem(
        client.post("/api/submissions", data=too_many, content_type="application/json", **auth), 422
    )
    assert_problem(
        client.post("/api/submissions", data={"items": []}, content_type="application/json", **auth), 422
    )
