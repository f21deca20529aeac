"""The audit log: one entry per decision (who, what, why, where, on whose behalf), and append-only in the
database itself: UPDATE, DELETE (and on PostgreSQL TRUNCATE) raise, whatever the client."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from learningcity.accounts.models import AuditEntry
from learningcity.recognition import services

from ..cast import GOOD_ANSWERS, Cast

pytestmark = pytest.mark.django_db
NOTES = {code: "Ảnh chụp giấy chứng nhận" for code in GOOD_ANSWERS}


def entries(obj) -> list[AuditEntry]:  # noqa: ANN001
    return list(AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)))


def test_every_decision_writes_one_entry_with_who_what_why_and_where(cast: Cast) -> None:
    a = services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    services.assessment_save(actor=cast.citizen_a, assessment=a, answers=GOOD_ANSWERS, notes=NOTES)
    a = services.assessment_submit(actor=cast.citizen_a, assessment=a)
    a = services.assessment_review(actor=cast.head_a, assessment=a, decision="return", reason="Thiếu ảnh")
    a = services.assessment_submit(actor=cast.citizen_a, assessment=a)
    a = services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    a = services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")
    certificate = services.assessment_certify(actor=cast.officer_a, assessment=a)
    log = [(e.actor, e.action, e.reason, e.unit, e.on_behalf_of_person_id) for e in entries(a)]
    assert log == [
        (cast.citizen_a, "assessment.start", "", cast.hamlet_a, None),
        (cast.citizen_a, "assessment.submit", "", cast.hamlet_a, None),
        (cast.head_a, "assessment.return", "Thiếu ảnh", cast.hamlet_a, None),
        (cast.citizen_a, "assessment.submit", "", cast.hamlet_a, None),
        (cast.head_a, "assessment.approve", "", cast.hamlet_a, None),
        (cast.officer_a, "assessment.approve", "", cast.hamlet_a, None),
        (cast.officer_a, "assessment.certify", "", cast.hamlet_a, None),
    ]
    stages = [
        e.data.get("stage") for e in entries(a) if e.action in ("assessment.return", "assessment.approve")
    ]
    assert stages == ["hamlet", "hamlet", "commune"]
    assert entries(a)[-1].data == {"certificate": certificate.code}
    assert all(e.at is not None for e in entries(a))


def test_a_rejection_records_its_reason(cast: Cast) -> None:
    a = services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    services.assessment_save(actor=cast.citizen_a, assessment=a, answers=GOOD_ANSWERS, notes=NOTES)
    a = services.assessment_submit(actor=cast.citizen_a, assessment=a)
    services.assessment_review(actor=cast.head_a, assessment=a, decision="reject", reason="Khai không đúng")
    last = entries(a)[-1]
    assert (last.actor, last.action, last.reason) == (cast.head_a, "assessment.reject", "Khai không đúng")


def test_work_done_on_a_citizens_behalf_names_them(cast: Cast) -> None:
    (enrolled,) = entries(cast.person_b)
    assert (enrolled.actor, enrolled.action, enrolled.on_behalf_of_person_id) == (
        cast.head_b,
        "person.enrol",
        cast.person_b.pk,
    )
    a = services.assessment_start(
        actor=cast.head_b, campaign=cast.campaign, subject=cast.person_b, version=cast.framework, group="g2"
    )
    services.assessment_save(actor=cast.head_b, assessment=a, answers=GOOD_ANSWERS, notes=NOTES)
    services.assessment_submit(actor=cast.head_b, assessment=a)
    assert [(e.actor, e.action, e.on_behalf_of_person_id) for e in entries(a)] == [
        (cast.head_b, "assessment.start", cast.person_b.pk),
        (cast.head_b, "assessment.submit", cast.person_b.pk),
    ]
    # The citizen's own registration is not on anyone's behalf.
    (registered,) = entries(cast.person_a)
    assert (registered.actor, registered.on_behalf_of_person_id) == (cast.citizen_a, None)


def test_a_refused_decision_writes_nothing(cast: Cast) -> None:
    before = AuditEntry.objects.count()
    a = services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    services.assessment_save(
        actor=cast.citizen_a, assessment=a, answers={**GOOD_ANSWERS, "i1_1": 4}, notes=NOTES
    )
    a = services.assessment_submit(actor=cast.citizen_a, assessment=a)
    with pytest.raises(ValidationError, match="criteria"):
        services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    assert AuditEntry.objects.count() == before + 2  # start and submit only


def raw(sql: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_the_database_refuses_to_update_or_delete_an_entry(cast: Cast) -> None:
    entry = AuditEntry.objects.latest("pk")
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE accounts_auditentry SET reason = %s WHERE id = %s", ["rewritten", entry.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM accounts_auditentry WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM accounts_auditentry")
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()
    entry_after = AuditEntry.objects.get(pk=entry.pk)
    assert entry_after.reason == entry.reason and AuditEntry.objects.count() >= 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_to_truncate_the_log(cast: Cast) -> None:
    # The test's own inserts leave deferred foreign-key checks pending, which would refuse TRUNCATE first.
    raw("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only"):
        raw("TRUNCATE accounts_auditentry")
    assert AuditEntry.objects.exists()
