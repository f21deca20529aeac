"""Review at scale and recognition decisions: bulk approval with exactly the one-by-one checks, a decision
that lists exactly the approved subjects it names (and refuses, naming them, every other), its numbering, its
certificates, its documents. The helpers here are shared with test_appeals and test_decision_pages."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone

from learningcity.accounts.models import AuditEntry, User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.services import framework_version_load
from learningcity.recognition import certificates as certificate_docs
from learningcity.recognition import decision_pdf, services
from learningcity.recognition.models import (
    Assessment,
    Campaign,
    CampaignFramework,
    Certificate,
    DecisionItem,
    Person,
    RecognitionDecision,
    Status,
)
from learningcity.recognition.selectors.decisions import decision_candidates, decisions_visible
from learningcity.recognition.services.decisions import assessments_bulk_approve, decision_issue
from learningcity.territory.models import Unit

from ..cast import CITIZEN_FRAMEWORK, GOOD_ANSWERS, Cast

NOTES = {code: "Giấy xác nhận của tổ dân phố" for code in GOOD_ANSWERS}
ANSWERS_SHORT = {**GOOD_ANSWERS, "i2_2": 4}  # 80 in all, but one indicator below 5: never approved


# --------------------------------------------------------------------------------------------------------
# Helpers (shared)


def enrolled(cast: Cast, name: str, unit: Unit | None = None) -> Person:
    unit = unit or cast.hamlet_a
    head = cast.head_a if unit == cast.hamlet_a else cast.head_b
    return services.person_enrol(actor=head, unit=unit, full_name=name, consent_confirmed=True)


def _head_of(cast: Cast, person: Person) -> User:
    return cast.head_a if person.unit_id == cast.hamlet_a.pk else cast.head_b


def _officer_of(cast: Cast, person: Person) -> User:
    return cast.officer_a if person.unit_id == cast.hamlet_a.pk else cast.officer_b


def submitted(
    cast: Cast,
    person: Person | None = None,
    *,
    answers: dict[str, Any] | None = None,
    version: FrameworkVersion | None = None,
    campaign: Campaign | None = None,
) -> Assessment:
    """A complete self-assessment at its first stage (the hamlet), entered by the citizen or their hamlet
    head."""
    person = person or cast.person_a
    actor = cast.citizen_a if person == cast.person_a else _head_of(cast, person)
    a = services.assessment_start(
        actor=actor,
        campaign=campaign or cast.campaign,
        subject=person,
        version=version or cast.framework,
        group="g1",
    )
    services.assessment_save(actor=actor, assessment=a, answers=answers or GOOD_ANSWERS, notes=NOTES)
    return services.assessment_submit(actor=actor, assessment=a)


def approved(cast: Cast, person: Person | None = None, **kwargs: Any) -> Assessment:
    """Approved at the hamlet, then at the commune: waiting for recognition."""
    a = submitted(cast, person, **kwargs)
    person = a.person
    assert person is not None
    a = services.assessment_review(actor=_head_of(cast, person), assessment=a, decision="approve")
    return services.assessment_review(actor=_officer_of(cast, person), assessment=a, decision="approve")


def rejected(cast: Cast, person: Person | None = None, *, at: str = "hamlet") -> Assessment:
    """Rejected with a reason at `at` (the hamlet head, or the commune officer after the hamlet approved)."""
    a = submitted(cast, person)
    person = a.person
    assert person is not None
    if at == "commune":
        a = services.assessment_review(actor=_head_of(cast, person), assessment=a, decision="approve")
        reviewer = _officer_of(cast, person)
    else:
        reviewer = _head_of(cast, person)
    return services.assessment_review(
        actor=reviewer, assessment=a, decision="reject", reason="Minh chứng không khớp với sổ theo dõi"
    )


def issue(cast: Cast, assessments: list[Assessment], **changes: Any) -> RecognitionDecision:
    arguments: dict[str, Any] = {
        "actor": cast.officer_a,
        "campaign": cast.campaign,
        "framework_version": cast.framework,
        "issuing_unit": cast.commune_a,
        "assessments": assessments,
        "issued_on": timezone.localdate(),
        "signer_name": "Lò Văn Minh",
        "signer_title": "Chủ tịch",
    }
    return decision_issue(**{**arguments, **changes})


def recognised(cast: Cast, person: Person | None = None) -> Assessment:
    """Recognised by a decision of the person's commune."""
    a = approved(cast, person)
    person = a.person
    assert person is not None
    officer = _officer_of(cast, person)
    unit = cast.commune_a if officer == cast.officer_a else cast.commune_b
    issue(cast, [a], actor=officer, issuing_unit=unit)
    a.refresh_from_db()
    return a


def second_version(cast: Cast) -> FrameworkVersion:
    """Another version of the learning-citizen framework, added to the cast's campaign."""
    text = (cast.framework.source_text or "").replace('version: "2022.1"', 'version: "2099.1"')
    assert 'version: "2099.1"' in text
    version, _created = framework_version_load(text=text, source=f"{CITIZEN_FRAMEWORK}-2099.yaml")
    CampaignFramework.objects.create(campaign=cast.campaign, framework_version=version)
    return version


def snapshot() -> dict[str, Any]:
    return {
        "assessments": [model_to_dict(a) for a in Assessment.objects.order_by("pk")],
        "certificates": Certificate.objects.count(),
        "decisions": RecognitionDecision.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# --------------------------------------------------------------------------------------------------------
# Bulk approval


def test_bulk_approve_approves_the_passing_ones_and_reports_the_others_with_the_reason(cast: Cast) -> None:
    good = [submitted(cast), submitted(cast, enrolled(cast, "Đặng Văn Đức"))]
    short = submitted(cast, enrolled(cast, "Hà Thị Lan"), answers=ANSWERS_SHORT)
    elsewhere = submitted(cast, cast.person_b)
    draft = services.assessment_start(
        actor=cast.head_a,
        campaign=cast.campaign,
        subject=enrolled(cast, "Vì Văn Sáu"),
        version=cast.framework,
    )
    audit_before = AuditEntry.objects.count()

    result = assessments_bulk_approve(actor=cast.head_a, assessments=[*good, short, elsewhere, draft])

    assert [a.pk for a in result.approved] == [a.pk for a in good]
    assert all((a.status, a.review_stage) == (Status.SUBMITTED, "commune") for a in result.approved)
    refused = {a.pk: reason for a, reason in result.refused}
    assert set(refused) == {short.pk, elsewhere.pk, draft.pk}
    assert "does not meet the criteria" in refused[short.pk]
    assert "not waiting for your review" in refused[elsewhere.pk]
    assert "not waiting for your review" in refused[draft.pk]
    for a in (short, elsewhere, draft):
        after = Assessment.objects.get(pk=a.pk)
        assert (after.status, after.review_stage) == (a.status, a.review_stage)
    # One audit entry per approval, exactly as one by one; nothing for the refused.
    entries = AuditEntry.objects.filter(pk__gt=0).order_by("pk")[audit_before:]
    assert [(e.action, e.object_id, e.actor_id) for e in entries] == [
        ("assessment.approve", str(a.pk), cast.head_a.pk) for a in good
    ]


def test_bulk_approve_at_the_last_stage_approves_for_recognition(cast: Cast) -> None:
    rows = [submitted(cast), submitted(cast, enrolled(cast, "Đặng Văn Đức"))]
    rows = [services.assessment_review(actor=cast.head_a, assessment=a, decision="approve") for a in rows]
    for refused in (cast.officer_b, cast.head_b, cast.expert, cast.outsider, cast.citizen_a):
        result = assessments_bulk_approve(actor=refused, assessments=rows)
        assert not result.approved and len(result.refused) == 2, refused.username
    result = assessments_bulk_approve(actor=cast.officer_a, assessments=rows)
    assert not result.refused
    assert {a.status for a in Assessment.objects.filter(pk__in=[a.pk for a in rows])} == {Status.APPROVED}


# --------------------------------------------------------------------------------------------------------
# A decision lists exactly the approved subjects


def test_a_decision_recognises_exactly_the_approved_assessments_it_lists(cast: Cast) -> None:
    mai = approved(cast)
    duc = approved(cast, enrolled(cast, "Đặng Văn Đức"))
    left_out = approved(cast, enrolled(cast, "Hà Thị Lan"))

    decision = issue(cast, [mai, duc])

    items = list(DecisionItem.objects.filter(decision=decision).order_by("position"))
    assert [(i.position, i.assessment.subject_name) for i in items] == [
        (1, "Đặng Văn Đức"),
        (2, "Lò Thị Mai"),
    ]
    assert set(decision.assessments.values_list("pk", flat=True)) == {mai.pk, duc.pk}
    statuses = dict(Assessment.objects.values_list("pk", "status"))
    assert statuses == {mai.pk: Status.RECOGNISED, duc.pk: Status.RECOGNISED, left_out.pk: Status.APPROVED}
    # Each recognised one has its certificate, issued as assessment_certify issues it, with the decision.
    certificates = Certificate.objects.filter(assessment__in=[mai, duc])
    assert {c.decision_id for c in certificates} == {decision.pk}
    assert {c.holder_name for c in certificates} == {"Lò Thị Mai", "Đặng Văn Đức"}
    assert {c.unit_name for c in certificates} == {"Tổ 1, Phường Tô Hiệu, Tỉnh Sơn La"}
    assert {c.title_vi for c in certificates} == {"Công dân học tập"}
    assert {c.issued_by_id for c in certificates} == {cast.officer_a.pk}
    assert not Certificate.objects.filter(assessment=left_out).exists()
    assert (decision.signer_name, decision.signer_title, decision.created_by) == (
        "Lò Văn Minh",
        "Chủ tịch",
        cast.officer_a,
    )


def test_a_decision_refuses_every_assessment_that_is_not_approved_here_and_names_each(cast: Cast) -> None:
    ok = approved(cast)
    waiting = submitted(cast, enrolled(cast, "Chờ Duyệt"))
    refused_one = rejected(cast, enrolled(cast, "Bị Từ Chối"))
    other_commune = approved(cast, cast.person_b)
    other_framework = approved(cast, enrolled(cast, "Khung Khác"), version=second_version(cast))
    already = recognised(cast, enrolled(cast, "Đã Công Nhận"))
    before = snapshot()

    for intruder, reason in (
        (waiting, "Chờ Duyệt: it is not approved"),
        (refused_one, "Bị Từ Chối: it is not approved"),
        (other_commune, "Nguyễn Văn Bình: it lies outside Phường Tô Hiệu"),
        (other_framework, "Khung Khác: it was assessed against another framework"),
        (already, "Đã Công Nhận: it is already in a recognition decision"),
    ):
        with pytest.raises(ValidationError) as refused:
            issue(cast, [ok, intruder])
        messages = refused.value.message_dict["assessments"]
        assert len(messages) == 1 and messages[0].startswith(reason), messages
        assert snapshot() == before

    # All at once: every one is named.
    with pytest.raises(ValidationError) as refused:
        issue(cast, [ok, waiting, refused_one, other_commune, other_framework])
    assert len(refused.value.message_dict["assessments"]) == 4
    assert snapshot() == before


def test_a_decision_refuses_an_assessment_of_another_campaign(cast: Cast) -> None:
    today = timezone.localdate()
    other = services.campaign_create(
        actor=cast.province,
        name="Đợt bổ sung",
        year=today.year,
        territory=cast.son_la,
        frameworks=[cast.framework],
        opens_on=today - dt.timedelta(days=10),
        submission_deadline=today + dt.timedelta(days=10),
        review_deadline=today + dt.timedelta(days=20),
    )
    elsewhere = approved(cast, campaign=other)
    with pytest.raises(ValidationError, match="another campaign"):
        issue(cast, [elsewhere])
    assert not RecognitionDecision.objects.exists()


def test_a_decision_needs_at_least_one_assessment_a_signer_and_a_date_not_in_the_future(cast: Cast) -> None:
    a = approved(cast)
    with pytest.raises(ValidationError) as refused:
        issue(
            cast,
            [],
            signer_name=" ",
            signer_title="",
            issued_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert set(refused.value.message_dict) == {"assessments", "signer_name", "signer_title", "issued_on"}
    with pytest.raises(ValidationError, match="before its campaign opened"):
        issue(cast, [a], issued_on=cast.campaign.opens_on - dt.timedelta(days=1))
    assert Assessment.objects.get(pk=a.pk).status == Status.APPROVED


def test_only_the_competent_level_in_scope_issues_a_decision(cast: Cast) -> None:
    a = approved(cast)
    before = snapshot()
    for actor in (cast.head_a, cast.officer_b, cast.head_b, cast.expert, cast.outsider, cast.citizen_a):
        with pytest.raises(PermissionDenied):
            issue(cast, [a], actor=actor)
    # A commune officer issues for their commune only; never for the province, never as a hamlet.
    for unit in (cast.son_la, cast.hamlet_a, cast.commune_b):
        with pytest.raises(PermissionDenied):
            issue(cast, [a], issuing_unit=unit)
    assert snapshot() == before
    decision = issue(cast, [a], actor=cast.province, issuing_unit=cast.son_la)
    assert decision.issuing_unit == cast.son_la and decision.number == "1/QĐ-UBND"


def test_decisions_are_numbered_per_issuing_unit_and_year(cast: Cast) -> None:
    first = issue(cast, [approved(cast)])
    second = issue(cast, [approved(cast, enrolled(cast, "Đặng Văn Đức"))])
    in_b = issue(cast, [approved(cast, cast.person_b)], actor=cast.officer_b, issuing_unit=cast.commune_b)
    assert [(d.sequence, d.number) for d in (first, second, in_b)] == [
        (1, "1/QĐ-UBND"),
        (2, "2/QĐ-UBND"),
        (1, "1/QĐ-UBND"),
    ]
    # A campaign of the next year starts again from 1.
    today = timezone.localdate()
    next_year = services.campaign_create(
        actor=cast.province,
        name="Công dân học tập năm sau",
        year=today.year + 1,
        territory=cast.son_la,
        frameworks=[cast.framework],
        opens_on=today - dt.timedelta(days=5),
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )
    a = approved(cast, enrolled(cast, "Hà Thị Lan"), campaign=next_year)
    assert issue(cast, [a], campaign=next_year).sequence == 1


def test_an_assessment_is_in_one_decision_at_most(cast: Cast) -> None:
    a = approved(cast)
    issue(cast, [a])
    with pytest.raises(ValidationError, match="already in a recognition decision"):
        issue(cast, [a])
    assert DecisionItem.objects.filter(assessment=a).count() == 1


def test_issuing_a_decision_is_in_the_audit_log(cast: Cast) -> None:
    a = approved(cast)
    decision = issue(cast, [a])
    entry = AuditEntry.objects.get(action="decision.issue")
    certificate = Certificate.objects.get(assessment=a)
    assert (entry.actor, entry.object_id, entry.unit_id) == (
        cast.officer_a,
        str(decision.pk),
        cast.commune_a.pk,
    )
    assert entry.data["number"] == "1/QĐ-UBND" and entry.data["assessments"] == [a.pk]
    assert entry.data["certificates"] == [certificate.code]
    assert AuditEntry.objects.filter(action="assessment.certify", object_id=str(a.pk)).count() == 1


def test_the_candidates_are_the_approved_assessments_the_officer_may_list(cast: Cast) -> None:
    mine = approved(cast)
    submitted(cast, enrolled(cast, "Chờ Duyệt"))
    approved(cast, cast.person_b)
    listed = recognised(cast, enrolled(cast, "Đã Công Nhận"))
    found = decision_candidates(
        cast.officer_a, campaign=cast.campaign, framework_version=cast.framework, issuing_unit=cast.commune_a
    )
    assert list(found) == [mine]
    assert listed.status == Status.RECOGNISED
    assert not decision_candidates(
        cast.officer_b, campaign=cast.campaign, framework_version=cast.framework, issuing_unit=cast.commune_a
    ).exists()


def test_an_officer_of_another_commune_does_not_see_the_decisions(cast: Cast) -> None:
    in_a = issue(cast, [approved(cast)])
    in_b = issue(cast, [approved(cast, cast.person_b)], actor=cast.officer_b, issuing_unit=cast.commune_b)
    assert list(decisions_visible(cast.officer_a)) == [in_a]
    assert list(decisions_visible(cast.officer_b)) == [in_b]
    assert set(decisions_visible(cast.province)) == {in_a, in_b}
    for user in (cast.head_a, cast.citizen_a, cast.expert, cast.outsider):
        assert not decisions_visible(user).exists(), user.username


# --------------------------------------------------------------------------------------------------------
# Documents


def test_the_decision_document_is_in_the_administrative_form_and_lists_the_subjects(cast: Cast) -> None:
    mai, duc = approved(cast), approved(cast, enrolled(cast, "Đặng Văn Đức"))
    decision = issue(cast, [mai, duc])
    html = decision_pdf.decision_html(decision=decision)
    for text in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG TÔ HIỆU",
        "Số: 1/QĐ-UBND",
        f"Tô Hiệu, {decision_pdf.date_vi(timezone.localdate())}",
        f"Về việc công nhận danh hiệu “Công dân học tập” năm {cast.campaign.year}",
        "Căn cứ QĐ 677/QĐ-TTg ngày 03 tháng 6 năm 2022 của Thủ tướng Chính phủ;",
        "cho 2 công dân có tên trong danh sách",
        "CHỦ TỊCH",
        "Lò Văn Minh",
        "size: A4 portrait",
        '"Noto Serif", "DejaVu Serif"',
    ):
        assert text in html, text
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>", html)
    assert rows == [
        ("1", "Đặng Văn Đức", "Tổ 1, Phường Tô Hiệu"),
        ("2", "Lò Thị Mai", "Tổ 1, Phường Tô Hiệu"),
    ]
    for certificate in Certificate.objects.filter(decision=decision):
        assert certificate.code in html
    pdf = decision_pdf.decision_pdf(decision=decision)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000


def pdf_pages(pdf: bytes) -> int:
    """How many page objects a PDF has, looking into its compressed object streams too."""
    texts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.DOTALL):
        try:
            texts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", text)) for text in texts)


def test_the_batch_has_one_page_per_certificate_in_the_decisions_order(cast: Cast) -> None:
    decision = issue(cast, [approved(cast), approved(cast, enrolled(cast, "Đặng Văn Đức"))])
    batch = list(
        Certificate.objects.filter(decision=decision)
        .select_related("assessment__campaign")
        .order_by("assessment__decision_item__position")
    )
    assert [c.holder_name for c in batch] == ["Đặng Văn Đức", "Lò Thị Mai"]
    pdf = certificate_docs.certificates_batch_pdf(
        certificates=batch, verify_url_for=lambda code: f"https://hoctap.example.vn/v/{code}/"
    )
    single = certificate_docs.certificate_pdf(certificate=batch[0], verify_url="https://hoctap.example.vn/")
    assert pdf.startswith(b"%PDF-")
    assert (pdf_pages(pdf), pdf_pages(single)) == (2, 1)
    with pytest.raises(ValueError):
        certificate_docs.certificates_batch_pdf(certificates=[], verify_url_for=str)


def test_the_date_line_writes_leading_zeros_as_the_administrative_form_asks() -> None:
    assert decision_pdf.date_vi(dt.date(2025, 1, 5)) == "ngày 05 tháng 01 năm 2025"
    assert decision_pdf.date_vi(dt.date(2025, 3, 5)) == "ngày 05 tháng 3 năm 2025"
    assert decision_pdf.date_vi(dt.date(2025, 12, 25)) == "ngày 25 tháng 12 năm 2025"
    assert decision_pdf.place_name("Phường Tô Hiệu", "phường") == "Tô Hiệu"
    assert decision_pdf.place_name("Tỉnh Sơn La", "tỉnh") == "Sơn La"
    assert decision_pdf.place_name("Sơn La", "") == "Sơn La"
