"""The recognition workflow: every transition by an allowed role and by refused ones, the pass rule at
review, and personal data kept minimal (ID numbers as a keyed hash and the last four digits)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone

from learningcity.accounts.models import AuditEntry, User
from learningcity.recognition import selectors, services
from learningcity.recognition.models import Assessment, Person, Status
from learningcity.territory.models import Unit

from ..cast import GOOD_ANSWERS, Cast

NOTES = {code: "Giấy xác nhận" for code in GOOD_ANSWERS}
# Every indicator at least 5, 72 in all: passes only in a disadvantaged area.
ANSWERS_72 = dict(zip(GOOD_ANSWERS, [8, 7, 7, 7, 7, 7, 7, 7, 7, 8], strict=True))
ANSWERS_SHORT = {**GOOD_ANSWERS, "i2_2": 4}  # 80 in all, but one indicator below 5


def actors(cast: Cast, *names: str) -> list[User]:
    return [getattr(cast, name) for name in names]


def _draft(cast: Cast, person: Person | None = None, actor: User | None = None) -> Assessment:
    person = person or cast.person_a
    actor = actor or (cast.citizen_a if person == cast.person_a else cast.head_b)
    return services.assessment_start(
        actor=actor, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
    )


def _submitted(cast: Cast, answers: dict | None = None, person: Person | None = None) -> Assessment:
    a = _draft(cast, person)
    actor = cast.citizen_a if a.person == cast.person_a else cast.head_b
    services.assessment_save(actor=actor, assessment=a, answers=answers or GOOD_ANSWERS, notes=NOTES)
    return services.assessment_submit(actor=actor, assessment=a)


def assert_refused(refused: list[User], act: Callable[[User], object], assessment: Assessment) -> None:
    """Each actor is refused, and the assessment stays exactly as it was."""
    before = model_to_dict(Assessment.objects.get(pk=assessment.pk))
    entries = AuditEntry.objects.count()
    for actor in refused:
        with pytest.raises(PermissionDenied):
            act(actor)
    assert model_to_dict(Assessment.objects.get(pk=assessment.pk)) == before
    assert AuditEntry.objects.count() == entries


def test_it_walks_a_citizen_from_draft_to_recognised(cast: Cast) -> None:
    a = _submitted(cast)
    assert (a.status, a.review_stage, a.score) == (Status.SUBMITTED, "hamlet", 83.0)
    a = services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    assert (a.status, a.review_stage) == (Status.SUBMITTED, "commune")
    a = services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")
    assert a.status == Status.APPROVED
    certificate = services.assessment_certify(actor=cast.officer_a, assessment=a)
    a.refresh_from_db()
    assert a.status == Status.RECOGNISED and certificate.holder_name == "Lò Thị Mai"
    actions = list(
        AuditEntry.objects.filter(object_id=str(a.pk), object_type="recognition.assessment").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "assessment.start",
        "assessment.submit",
        "assessment.approve",
        "assessment.approve",
        "assessment.certify",
    ]


def test_an_officer_of_another_commune_cannot_review(cast: Cast) -> None:
    a = _submitted(cast)
    with pytest.raises(PermissionDenied):
        services.assessment_review(actor=cast.head_b, assessment=a, decision="approve")


# ---------------------------------------------------------------------------------------------------------
# Each transition: allowed, refused


def test_start_by_the_citizen_or_an_officer_of_their_unit_only(cast: Cast) -> None:
    refused = actors(cast, "head_b", "officer_b", "province", "expert", "secretariat", "outsider")
    for actor in refused:
        with pytest.raises(PermissionDenied):
            services.assessment_start(
                actor=actor, campaign=cast.campaign, subject=cast.person_a, version=cast.framework
            )
    assert not Assessment.objects.exists()
    by_head = services.assessment_start(
        actor=cast.head_a, campaign=cast.campaign, subject=cast.person_a, version=cast.framework, group="g1"
    )
    assert by_head.entered_on_behalf and by_head.entered_by == cast.head_a
    # Starting again returns the same assessment, for whoever may.
    assert _draft(cast) == by_head
    assert (
        services.assessment_start(
            actor=cast.officer_a, campaign=cast.campaign, subject=cast.person_a, version=cast.framework
        )
        == by_head
    )


def test_save_by_the_citizen_or_an_officer_of_their_unit_only(cast: Cast) -> None:
    a = _draft(cast)
    refused = actors(cast, "head_b", "officer_b", "province", "expert", "secretariat", "outsider")
    assert_refused(refused, lambda actor: services.assessment_save(actor=actor, assessment=a, answers={}), a)
    a = services.assessment_save(actor=cast.citizen_a, assessment=a, answers={"i1_1": "9"})
    assert a.answers == {"i1_1": 9} and not a.entered_on_behalf and a.result["short"][0] == "i1_2"
    a = services.assessment_save(actor=cast.head_a, assessment=a, answers=GOOD_ANSWERS, notes=NOTES)
    assert a.entered_on_behalf and a.entered_by == cast.head_a and a.score == 83.0


def test_submit_by_the_citizen_or_an_officer_of_their_unit_only(cast: Cast) -> None:
    a = _draft(cast)
    services.assessment_save(actor=cast.citizen_a, assessment=a, answers=GOOD_ANSWERS, notes=NOTES)
    refused = actors(cast, "head_b", "officer_b", "province", "expert", "secretariat", "outsider")
    assert_refused(refused, lambda actor: services.assessment_submit(actor=actor, assessment=a), a)
    a = services.assessment_submit(actor=cast.head_a, assessment=a)
    assert (a.status, a.review_stage) == (Status.SUBMITTED, "hamlet")
    with pytest.raises(ValidationError):
        services.assessment_submit(actor=cast.citizen_a, assessment=a)  # once only
    with pytest.raises(ValidationError):
        services.assessment_save(actor=cast.citizen_a, assessment=a, answers=GOOD_ANSWERS)  # locked in review


def test_an_incomplete_assessment_cannot_be_submitted(cast: Cast) -> None:
    a = _draft(cast)
    services.assessment_save(
        actor=cast.citizen_a, assessment=a, answers={**GOOD_ANSWERS, "i3_2": ""}, notes=NOTES
    )
    with pytest.raises(ValidationError, match="i3_2"):
        services.assessment_submit(actor=cast.citizen_a, assessment=a)
    services.assessment_save(actor=cast.citizen_a, assessment=a, answers=GOOD_ANSWERS, notes={})
    with pytest.raises(ValidationError, match="evidence"):
        services.assessment_submit(actor=cast.citizen_a, assessment=a)


def test_approve_at_the_hamlet_stage_by_the_hamlet_head_only(cast: Cast) -> None:
    a = _submitted(cast)
    refused = actors(
        cast, "head_b", "officer_a", "officer_b", "province", "expert", "secretariat", "outsider", "citizen_a"
    )
    assert_refused(
        refused, lambda actor: services.assessment_review(actor=actor, assessment=a, decision="approve"), a
    )
    a = services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    assert (a.status, a.review_stage) == (Status.SUBMITTED, "commune")


def test_approve_at_the_commune_stage_by_the_commune_officer_only(cast: Cast) -> None:
    a = services.assessment_review(actor=cast.head_a, assessment=_submitted(cast), decision="approve")
    refused = actors(cast, "head_a", "head_b", "officer_b", "province", "expert", "outsider", "citizen_a")
    assert_refused(
        refused, lambda actor: services.assessment_review(actor=actor, assessment=a, decision="approve"), a
    )
    a = services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")
    assert (a.status, a.review_stage) == (Status.APPROVED, "")
    assert a.decided_at is not None


def test_a_person_on_a_commune_skips_the_hamlet_stage(cast: Cast) -> None:
    person = services.person_enrol(
        actor=cast.officer_a, unit=cast.commune_a, full_name="Cầm Văn Hùng", consent_confirmed=True
    )
    a = services.assessment_start(
        actor=cast.officer_a, campaign=cast.campaign, subject=person, version=cast.framework, group="g2"
    )
    services.assessment_save(actor=cast.officer_a, assessment=a, answers=GOOD_ANSWERS, notes=NOTES)
    a = services.assessment_submit(actor=cast.officer_a, assessment=a)
    assert a.review_stage == "commune"
    with pytest.raises(PermissionDenied):
        services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")


def test_return_needs_a_reason_and_the_citizen_edits_and_resubmits(cast: Cast) -> None:
    a = _submitted(cast)
    refused = actors(cast, "head_b", "officer_b", "province", "expert", "outsider", "citizen_a")
    assert_refused(
        refused,
        lambda actor: services.assessment_review(
            actor=actor, assessment=a, decision="return", reason="Thiếu"
        ),
        a,
    )
    with pytest.raises(ValidationError, match="reason"):
        services.assessment_review(actor=cast.head_a, assessment=a, decision="return", reason="   ")
    assert Assessment.objects.get(pk=a.pk).status == Status.SUBMITTED
    a = services.assessment_review(
        actor=cast.head_a, assessment=a, decision="return", reason=" Bổ sung minh chứng chỉ số 2.2 "
    )
    assert (a.status, a.review_stage, a.last_reason) == (Status.RETURNED, "", "Bổ sung minh chứng chỉ số 2.2")
    # The citizen edits and resubmits; the review starts again at the first stage.
    a = services.assessment_save(
        actor=cast.citizen_a, assessment=a, answers={**GOOD_ANSWERS, "i2_2": 8}, notes=NOTES
    )
    a = services.assessment_submit(actor=cast.citizen_a, assessment=a)
    assert (a.status, a.review_stage, a.score) == (Status.SUBMITTED, "hamlet", 84.0)
    a = services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    assert a.review_stage == "commune"


def test_a_return_at_the_commune_stage_goes_back_to_the_citizen(cast: Cast) -> None:
    a = services.assessment_review(actor=cast.head_a, assessment=_submitted(cast), decision="approve")
    with pytest.raises(PermissionDenied):
        services.assessment_review(actor=cast.head_a, assessment=a, decision="return", reason="Xem lại")
    a = services.assessment_review(actor=cast.officer_a, assessment=a, decision="return", reason="Xem lại")
    assert (a.status, a.review_stage) == (Status.RETURNED, "")


def test_reject_needs_a_reason_and_is_final(cast: Cast) -> None:
    a = _submitted(cast)
    refused = actors(cast, "head_b", "officer_b", "province", "expert", "outsider", "citizen_a")
    assert_refused(
        refused,
        lambda actor: services.assessment_review(
            actor=actor, assessment=a, decision="reject", reason="Không"
        ),
        a,
    )
    with pytest.raises(ValidationError, match="reason"):
        services.assessment_review(actor=cast.head_a, assessment=a, decision="reject")
    a = services.assessment_review(
        actor=cast.head_a, assessment=a, decision="reject", reason="Hồ sơ không đúng"
    )
    assert (a.status, a.review_stage, a.last_reason) == (Status.REJECTED, "", "Hồ sơ không đúng")
    with pytest.raises(ValidationError):
        services.assessment_save(actor=cast.citizen_a, assessment=a, answers=GOOD_ANSWERS)
    with pytest.raises(PermissionDenied):
        services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")


def test_an_unknown_decision_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.assessment_review(actor=cast.head_a, assessment=_submitted(cast), decision="recognise")


def test_certify_by_the_commune_officer_or_the_province_only(cast: Cast) -> None:
    a = _submitted(cast)
    with pytest.raises(PermissionDenied):
        services.assessment_certify(actor=cast.officer_a, assessment=a)  # not approved yet
    a = services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    a = services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")
    refused = actors(cast, "head_a", "head_b", "officer_b", "expert", "secretariat", "outsider", "citizen_a")
    assert_refused(refused, lambda actor: services.assessment_certify(actor=actor, assessment=a), a)
    certificate = services.assessment_certify(actor=cast.province, assessment=a)
    assert certificate.year == cast.campaign.year and certificate.title_en == "Learning citizen"
    assert certificate.unit_name == "Tổ 1, Phường Tô Hiệu, Tỉnh Sơn La"
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", certificate.code)
    with pytest.raises(PermissionDenied):
        services.assessment_certify(actor=cast.officer_a, assessment=a)  # once only


def test_nobody_reviews_or_certifies_their_own_assessment(cast: Cast) -> None:
    # The hamlet head's own assessment waits for another reviewer, and is not in their queue.
    person = services.person_register_self(
        user=cast.head_a, unit=cast.hamlet_a, full_name="Lò Văn Pọm", consent=True
    )
    a = services.assessment_start(
        actor=cast.head_a, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
    )
    services.assessment_save(actor=cast.head_a, assessment=a, answers=GOOD_ANSWERS, notes=NOTES)
    a = services.assessment_submit(actor=cast.head_a, assessment=a)
    with pytest.raises(PermissionDenied):
        services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    assert not services.can_review(cast.head_a, a)
    assert not selectors.assessments_due(cast.head_a).filter(pk=a.pk).exists()

    # The province coordinator, registered as a citizen of a ward, cannot recognise themself.
    person = services.person_register_self(
        user=cast.province, unit=cast.commune_a, full_name="Hà Văn Tỉnh", consent=True
    )
    b = services.assessment_start(
        actor=cast.province, campaign=cast.campaign, subject=person, version=cast.framework, group="g3"
    )
    services.assessment_save(actor=cast.province, assessment=b, answers=GOOD_ANSWERS, notes=NOTES)
    b = services.assessment_submit(actor=cast.province, assessment=b)
    b = services.assessment_review(actor=cast.officer_a, assessment=b, decision="approve")
    with pytest.raises(PermissionDenied):
        services.assessment_certify(actor=cast.province, assessment=b)
    assert services.assessment_certify(actor=cast.officer_a, assessment=b).holder_name == "Hà Văn Tỉnh"


# ---------------------------------------------------------------------------------------------------------
# The rule at review


def test_an_assessment_that_does_not_pass_cannot_be_approved(cast: Cast) -> None:
    a = _submitted(cast, ANSWERS_SHORT)
    assert (a.score, a.level, a.result["short"]) == (80.0, "not_yet", ["i2_2"])
    with pytest.raises(ValidationError, match="criteria"):
        services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    assert Assessment.objects.get(pk=a.pk).review_stage == "hamlet"
    a = services.assessment_review(
        actor=cast.head_a, assessment=a, decision="return", reason="Chỉ số 2.2 dưới 5"
    )
    assert a.status == Status.RETURNED


def test_a_disadvantaged_hamlet_passes_at_72_and_a_normal_one_does_not(cast: Cast) -> None:
    Unit.objects.filter(pk=cast.hamlet_a.pk).update(flags={"disadvantaged_area": True})
    flagged = _submitted(cast, ANSWERS_72)
    assert (flagged.score, flagged.result["pass_mark"], flagged.level) == (72.0, 70, "recognised")
    flagged = services.assessment_review(actor=cast.head_a, assessment=flagged, decision="approve")
    flagged = services.assessment_review(actor=cast.officer_a, assessment=flagged, decision="approve")
    assert flagged.status == Status.APPROVED

    normal = _submitted(cast, ANSWERS_72, person=cast.person_b)
    assert (normal.score, normal.result["pass_mark"], normal.level) == (72.0, 80, "not_yet")
    with pytest.raises(ValidationError):
        services.assessment_review(actor=cast.head_b, assessment=normal, decision="approve")


def test_the_instant_feedback_uses_the_same_rule(cast: Cast) -> None:
    feedback = services.assessment_evaluate(
        version=cast.framework, unit=cast.hamlet_a, group="g1", answers={**GOOD_ANSWERS, "i1_1": ""}
    )
    assert (feedback["score"], feedback["passes"], feedback["short"]) == (74, False, ["i1_1"])
    with pytest.raises(ValidationError):
        services.assessment_evaluate(
            version=cast.framework, unit=cast.hamlet_a, group="g1", answers={"i1_1": 11}
        )


# ---------------------------------------------------------------------------------------------------------
# Personal data


def test_an_id_number_is_kept_only_as_a_keyed_hash_and_its_last_four_digits(cast: Cast) -> None:
    row = Person.objects.filter(pk=cast.person_a.pk).values().get()
    assert row["id_number_last4"] == "1234" and row["id_number_hash"] == services.id_number_hash(
        "014190001234"
    )
    for field, value in row.items():
        assert "014190001234" not in str(value), field
        if field != "id_number_hash":
            assert not re.search(r"\d{9,}", str(value)), field
    assert cast.person_a.id_number_masked == "••••••••1234"
    logged = " ".join(str(v) for v in AuditEntry.objects.values_list("data", "reason", "object_id"))
    assert "014190001234" not in logged


def test_id_numbers_hashed_in_bulk_match_one_at_a_time_and_are_keyed_with_the_pepper(settings) -> None:
    from learningcity.recognition.services.people import id_number_hashes

    settings.ID_NUMBER_PEPPER = "pepper-one"
    numbers = ["014190001234", None, "123456789"]
    hashed = id_number_hashes(numbers)
    assert hashed[1] is None
    assert hashed[0] == services.id_number_hash("0141 9000 1234")
    assert hashed[2] == hmac.new(b"pepper-one", b"123456789", hashlib.sha256).hexdigest()
    settings.ID_NUMBER_PEPPER = "pepper-two"
    assert id_number_hashes(["014190001234"])[0] != hashed[0]


def test_a_duplicate_id_number_is_matched_and_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.person_enrol(
            actor=cast.officer_a,
            unit=cast.commune_a,
            full_name="Lò Thị Mai",
            consent_confirmed=True,
            id_number="0141 9000 1234",
        )
    assert "id_number" in refusal.value.message_dict
    assert list(selectors.people_matching_id_number(cast.officer_a, "014190001234")) == [cast.person_a]
    assert list(selectors.people_matching_id_number(cast.province, "0141-9000-1234")) == [cast.person_a]
    assert not selectors.people_matching_id_number(cast.officer_b, "014190001234").exists()  # not in scope
    assert not selectors.people_matching_id_number(cast.officer_a, "").exists()
    assert Person.objects.filter(id_number_hash=services.id_number_hash("014190001234")).count() == 1


def test_an_id_number_must_have_12_or_9_digits(cast: Cast) -> None:
    for bad in ("12345", "01419000123x", "0141900012345"):
        with pytest.raises(ValidationError):
            services.person_enrol(
                actor=cast.head_a,
                unit=cast.hamlet_a,
                full_name="Lò Văn Ơn",
                consent_confirmed=True,
                id_number=bad,
            )


def test_registration_needs_consent_and_enrolment_needs_a_covering_role(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.person_register_self(
            user=cast.outsider, unit=cast.hamlet_a, full_name="Lò Văn Ơn", consent=False
        )
    for actor in actors(cast, "head_b", "officer_b", "province", "expert", "outsider", "citizen_a"):
        with pytest.raises(PermissionDenied):
            services.person_enrol(
                actor=actor, unit=cast.hamlet_a, full_name="Lò Văn Ơn", consent_confirmed=True
            )


def test_a_hamlet_heads_own_assessment_goes_to_the_commune(cast: Cast) -> None:
    head = Person.objects.create(
        unit=cast.hamlet_a,
        full_name="Quàng Văn Tổ",
        name_folded="quang van to",
        user=cast.head_a,
        consent_at=timezone.now(),
    )
    a = services.assessment_start(
        actor=cast.head_a, campaign=cast.campaign, subject=head, version=cast.framework, group="g1"
    )
    services.assessment_save(
        actor=cast.head_a, assessment=a, answers=GOOD_ANSWERS, notes={c: "Sổ học tập" for c in GOOD_ANSWERS}
    )
    a = services.assessment_submit(actor=cast.head_a, assessment=a)
    assert (a.status, a.review_stage) == (Status.SUBMITTED, "commune")
    with pytest.raises(PermissionDenied):
        services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    a = services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")
    assert a.status == Status.APPROVED
