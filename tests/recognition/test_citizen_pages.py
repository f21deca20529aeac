"""The citizen's pages: home, starting and filling a self-assessment, instant feedback, evidence files.

Each page: allowed, 302 to login when anonymous, 403 when visible but not changeable, 404 out of scope.
"""

from __future__ import annotations

import struct
import zlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from learningcity.recognition import services
from learningcity.recognition.models import Assessment, Evidence, Status

from ..cast import GOOD_ANSWERS, Cast

LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    # Assertions read the English msgids; the Vietnamese catalogue may translate the default language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def tiny_png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def started(cast: Cast) -> Assessment:
    return services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )


def page(assessment: Assessment) -> str:
    return reverse("recognition:assessment", kwargs={"pk": assessment.pk})


def preview(assessment: Assessment) -> str:
    return reverse("recognition:assessment-preview", kwargs={"pk": assessment.pk})


def upload_url(assessment: Assessment) -> str:
    return reverse("recognition:evidence-upload", kwargs={"pk": assessment.pk})


def form_data(answers: dict, **extra: str) -> dict:
    return {**{code: str(value) for code, value in answers.items()}, "group": "g1", **extra}


def attach_png(cast: Cast, assessment: Assessment) -> Evidence:
    upload = SimpleUploadedFile("giay-xac-nhan.png", tiny_png(), content_type="image/png")
    return services.evidence_attach(
        actor=cast.citizen_a, assessment=assessment, input_code="i1_1", upload=upload
    )


# ---------------------------------------------------------------------------------------------------------
# Home


def test_home_tells_an_anonymous_visitor_what_it_is_and_offers_login_signup_and_check(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("accounts:signup") in html and reverse("accounts:login") in html
    assert f'action="{reverse("certificates:verify")}"' in html


def test_home_shows_the_citizen_their_record_masked_and_the_open_campaign(client: Client, cast: Cast) -> None:
    client.force_login(cast.citizen_a)
    html = client.get("/").content.decode()
    assert "Lò Thị Mai" in html and "Tổ 1" in html
    assert "••••••••1234" in html and "014190001234" not in html
    assert f'name="campaign" value="{cast.campaign.pk}"' in html
    assert f'name="framework_version" value="{cast.framework.pk}"' in html
    assert "Start self-assessment" in html


def test_home_lists_the_citizens_assessment_with_its_status(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    html = client.get("/").content.decode()
    assert page(assessment) in html and "Draft" in html and "Continue your self-assessment" in html


def test_the_citizen_pages_read_a_fixed_number_of_queries(
    client: Client,
    cast: Cast,
    django_assert_max_num_queries,  # noqa: ANN001
) -> None:
    assessment = started(cast)
    attach_png(cast, assessment)
    client.force_login(cast.citizen_a)
    with django_assert_max_num_queries(12):  # + the households the citizen heads
        client.get("/")
    with django_assert_max_num_queries(8):  # + the names of the units the subject lives in
        client.get(page(assessment))
    with django_assert_max_num_queries(5):
        client.post(preview(assessment), form_data(GOOD_ANSWERS))


def test_the_menu_shows_officer_links_only_to_officers(client: Client, cast: Cast) -> None:
    client.force_login(cast.officer_a)
    response = client.get("/")
    assert response.context["show_officer_menu"] is True
    assert reverse("officer:queue") in response.content.decode()
    client.force_login(cast.citizen_a)
    response = client.get("/")
    assert response.context["show_officer_menu"] is False
    assert reverse("officer:queue") not in response.content.decode()


def test_a_demo_site_says_so_on_every_page(client: Client, settings) -> None:  # noqa: ANN001
    settings.DEMO_MODE = True
    assert "DEMO DATA" in client.get("/").content.decode()
    settings.DEMO_MODE = False
    assert "DEMO DATA" not in client.get("/").content.decode()


# ---------------------------------------------------------------------------------------------------------
# Starting


def test_a_citizen_starts_their_self_assessment(client: Client, cast: Cast) -> None:
    client.force_login(cast.citizen_a)
    data = {"campaign": cast.campaign.pk, "framework_version": cast.framework.pk, "group": "g2"}
    response = client.post(reverse("recognition:assessment-start"), data)
    assessment = Assessment.objects.get(person=cast.person_a)
    assert response.status_code == 302 and response["Location"] == page(assessment)
    assert (assessment.group, assessment.entered_on_behalf, assessment.status) == ("g2", False, Status.DRAFT)


def test_starting_needs_a_login(client: Client, cast: Cast) -> None:
    data = {"campaign": cast.campaign.pk, "framework_version": cast.framework.pk}
    response = client.post(reverse("recognition:assessment-start"), data)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_an_officer_without_a_citizen_record_cannot_start_one_for_themself(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.officer_a)
    data = {"campaign": cast.campaign.pk, "framework_version": cast.framework.pk}
    assert client.post(reverse("recognition:assessment-start"), data).status_code == 403


def test_a_campaign_out_of_sight_is_not_found(client: Client, cast: Cast) -> None:
    client.force_login(cast.outsider)
    data = {"campaign": cast.campaign.pk, "framework_version": cast.framework.pk}
    assert client.post(reverse("recognition:assessment-start"), data).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# The self-assessment page


def test_the_citizen_sees_indicators_by_competency_with_provisional_marks(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    response = client.get(page(assessment))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Learning citizen" in html and "Self-study and lifelong learning" in html
    assert "Reads and keeps up with information" in html
    # the framework title and each of the ten provisional indicators carry the badge
    assert html.count('class="badge provisional"') == 11
    assert 'id="about-provisional"' in html
    assert f'data-saved-at="{assessment.updated_at.isoformat()}"' in html
    assert 'data-editable="true"' in html and 'value="save"' in html and 'value="submit"' in html
    assert "on behalf of" not in html


def test_the_page_speaks_vietnamese_by_default(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.cookies.clear()
    client.force_login(cast.citizen_a)
    html = client.get(page(assessment)).content.decode()
    assert 'lang="vi"' in html and "Năng lực tự học và học tập suốt đời" in html


def test_the_page_needs_a_login(client: Client, cast: Cast) -> None:
    response = client.get(page(started(cast)))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("who", ["officer_b", "head_b", "outsider", "expert"])
def test_people_out_of_scope_get_not_found_everywhere(client: Client, cast: Cast, who: str) -> None:
    assessment = started(cast)
    evidence = attach_png(cast, assessment)
    client.force_login(getattr(cast, who))
    assert client.get(page(assessment)).status_code == 404
    assert client.post(page(assessment), form_data(GOOD_ANSWERS, action="save")).status_code == 404
    assert client.post(preview(assessment), form_data(GOOD_ANSWERS)).status_code == 404
    assert client.get(reverse("recognition:evidence", kwargs={"pk": evidence.pk})).status_code == 404
    png = SimpleUploadedFile("x.png", tiny_png(), content_type="image/png")
    assert client.post(upload_url(assessment), {"input_code": "i1_2", "file": png}).status_code == 404
    assert Evidence.objects.filter(assessment=assessment).count() == 1


def test_the_hamlet_head_edits_on_the_citizens_behalf(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.head_a)
    html = client.get(page(assessment)).content.decode()
    assert "You are entering this on behalf of Lò Thị Mai." in html
    response = client.post(page(assessment), form_data(GOOD_ANSWERS, action="save"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers == GOOD_ANSWERS and assessment.score == 83.0
    assert assessment.entered_on_behalf and assessment.entered_by == cast.head_a


def test_a_coordinator_reads_but_cannot_change(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.province)
    html = client.get(page(assessment)).content.decode()
    assert 'data-editable="false"' in html and 'value="save"' not in html and "disabled" in html
    assert client.post(page(assessment), form_data(GOOD_ANSWERS, action="save")).status_code == 403
    png = SimpleUploadedFile("x.png", tiny_png(), content_type="image/png")
    assert client.post(upload_url(assessment), {"input_code": "i1_1", "file": png}).status_code == 403


def test_saving_stores_answers_notes_and_group(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    data = form_data(GOOD_ANSWERS, action="save", group="g3", note__i1_1="Thẻ thư viện")
    response = client.post(page(assessment), data)
    assert response.status_code == 302 and response["Location"] == page(assessment)
    assessment.refresh_from_db()
    assert assessment.answers == GOOD_ANSWERS and assessment.group == "g3"
    assert assessment.notes == {"i1_1": "Thẻ thư viện"} and not assessment.entered_on_behalf


def test_a_refused_value_is_shown_on_its_field_and_everything_typed_stays(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    data = form_data({**GOOD_ANSWERS, "i2_2": 11}, action="save", note__i1_1="Sổ ghi chép")
    response = client.post(page(assessment), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a value from 0 to 10." in html
    assert 'name="i2_2" value="11"' in html and 'name="i1_1" value="9"' in html and "Sổ ghi chép" in html
    assessment.refresh_from_db()
    assert assessment.answers == {}


def test_submitting_without_evidence_is_refused_but_the_answers_are_saved(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    response = client.post(page(assessment), form_data(GOOD_ANSWERS, action="submit"))
    assert response.status_code == 400
    assert "Attach evidence or describe it for" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT and assessment.answers == GOOD_ANSWERS


def test_a_submitted_assessment_is_read_only_and_shows_its_stage(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    notes = {f"note__{code}": "Giấy xác nhận" for code in GOOD_ANSWERS}
    response = client.post(page(assessment), form_data(GOOD_ANSWERS, action="submit", **notes))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.review_stage) == (Status.SUBMITTED, "hamlet")
    html = client.get(page(assessment)).content.decode()
    assert "Submitted, in review" in html and "Hamlet or residential group head" in html
    assert 'data-editable="false"' in html and 'value="submit"' not in html
    assert client.post(page(assessment), form_data(GOOD_ANSWERS, action="save")).status_code == 400


def test_a_returned_assessment_shows_the_reason_and_can_be_resubmitted(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    notes = {code: "Giấy xác nhận" for code in GOOD_ANSWERS}
    services.assessment_save(actor=cast.citizen_a, assessment=assessment, answers=GOOD_ANSWERS, notes=notes)
    services.assessment_submit(actor=cast.citizen_a, assessment=assessment)
    services.assessment_review(
        actor=cast.head_a, assessment=assessment, decision="return", reason="Thiếu ảnh thẻ thư viện"
    )
    client.force_login(cast.citizen_a)
    html = client.get(page(assessment)).content.decode()
    assert "Thiếu ảnh thẻ thư viện" in html and 'data-editable="true"' in html
    data = form_data(GOOD_ANSWERS, action="submit", **{f"note__{c}": t for c, t in notes.items()})
    assert client.post(page(assessment), data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED


# ---------------------------------------------------------------------------------------------------------
# Instant feedback


def test_the_preview_scores_good_answers(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    response = client.post(preview(assessment), form_data(GOOD_ANSWERS))
    assert response.status_code == 200
    assert response.json() == {
        "score": 83,
        "pass_mark": 80,
        "max_score": 100,
        "passes": True,
        "level": "recognised",
        "short": [],
        "errors": {},
    }
    assessment.refresh_from_db()
    assert assessment.answers == {}  # nothing stored


def test_the_preview_names_the_short_indicators(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    body = client.post(preview(assessment), form_data({**GOOD_ANSWERS, "i2_2": 3})).json()
    assert (body["score"], body["passes"], body["short"], body["errors"]) == (79, False, ["i2_2"], {})


def test_the_preview_reports_an_out_of_range_value_and_scores_the_rest(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.head_a)
    body = client.post(preview(assessment), form_data({**GOOD_ANSWERS, "i1_1": 12})).json()
    assert body["errors"] == {"i1_1": "Enter a value from 0 to 10."}
    assert body["score"] == 74 and "i1_1" in body["short"]


def test_the_preview_answers_401_when_the_session_is_gone(client: Client, cast: Cast) -> None:
    assert client.post(preview(started(cast)), form_data(GOOD_ANSWERS)).status_code == 401


def test_the_preview_only_accepts_post(client: Client, cast: Cast) -> None:
    client.force_login(cast.citizen_a)
    assert client.get(preview(started(cast))).status_code == 405


# ---------------------------------------------------------------------------------------------------------
# Evidence


def test_a_real_png_is_attached_and_downloaded_safely(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    png = SimpleUploadedFile("Thẻ thư viện.png", tiny_png(), content_type="image/png")
    response = client.post(upload_url(assessment), {"input_code": "i1_3", "file": png})
    assert response.status_code == 302 and response["Location"] == f"{page(assessment)}#indicator-i1_3"
    evidence = Evidence.objects.get(assessment=assessment)
    assert (evidence.input_code, evidence.content_type, evidence.original_name) == (
        "i1_3",
        "image/png",
        "Thẻ thư viện.png",
    )
    html = client.get(page(assessment)).content.decode()
    download = reverse("recognition:evidence", kwargs={"pk": evidence.pk})
    assert download in html and "Thẻ thư viện.png" in html

    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == tiny_png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_a_text_file_named_pdf_is_refused_with_a_message(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    fake = SimpleUploadedFile("chung-nhan.pdf", b"just some text, not a PDF", content_type="application/pdf")
    response = client.post(upload_url(assessment), {"input_code": "i1_1", "file": fake}, follow=True)
    assert "Only PDF, JPEG, PNG or WebP files are accepted." in response.content.decode()
    assert not Evidence.objects.filter(assessment=assessment).exists()


def test_an_upload_without_a_file_says_so(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    response = client.post(upload_url(assessment), {"input_code": "i1_1"}, follow=True)
    assert "Choose a file to attach." in response.content.decode()


def test_an_oversized_file_is_refused(client: Client, cast: Cast, settings) -> None:  # noqa: ANN001
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    big = SimpleUploadedFile("big.png", tiny_png() + b"\0" * (1024 * 1024), content_type="image/png")
    response = client.post(upload_url(assessment), {"input_code": "i1_1", "file": big}, follow=True)
    assert "The file is larger than 1 MB." in response.content.decode()
    assert not Evidence.objects.filter(assessment=assessment).exists()


def test_the_hamlet_head_downloads_and_anonymous_is_sent_to_login(client: Client, cast: Cast) -> None:
    evidence = attach_png(cast, started(cast))
    url = reverse("recognition:evidence", kwargs={"pk": evidence.pk})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    client.force_login(cast.head_a)
    assert client.get(url).status_code == 200


def test_the_citizen_removes_a_file(client: Client, cast: Cast) -> None:
    assessment = started(cast)
    evidence = attach_png(cast, assessment)
    client.force_login(cast.citizen_a)
    response = client.post(reverse("recognition:evidence-remove", kwargs={"pk": evidence.pk}))
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
