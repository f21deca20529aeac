from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learningcity.recognition import certificates, services
from learningcity.recognition.models import Certificate

from ..cast import GOOD_ANSWERS, Cast

CSRF_VALUE = re.compile(r'value="[A-Za-z0-9]{32,}"')


@pytest.fixture
def certificate(cast: Cast) -> Certificate:
    """Lò Thị Mai (citizen_a, Tổ 1 of Tô Hiệu) walked to recognised: 83 points."""
    a = services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    notes = {code: "Giấy xác nhận của tổ dân phố" for code in GOOD_ANSWERS}
    services.assessment_save(actor=cast.citizen_a, assessment=a, answers=GOOD_ANSWERS, notes=notes)
    a = services.assessment_submit(actor=cast.citizen_a, assessment=a)
    a = services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    a = services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")
    return services.assessment_certify(actor=cast.officer_a, assessment=a)


def client_for(user: object | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def visible_text(response: object) -> str:
    """The page without its CSRF token values (random letters and digits that could match anything)."""
    return CSRF_VALUE.sub("", response.content.decode())  # type: ignore[attr-defined]


# --- the PDF itself ---


def test_the_pdf_is_an_a4_pdf_with_the_holder_the_unit_and_the_code(certificate: Certificate) -> None:
    url = "https://hoctap.example.vn/certificates/verify/" + certificate.code + "/"
    html = certificates.certificate_html(certificate=certificate, verify_url=url)
    assert "Lò Thị Mai" in html and certificate.code in html
    assert "Tổ 1, Phường Tô Hiệu, Tỉnh Sơn La" in html
    assert "Công dân học tập" in html and "Learning citizen" in html
    assert str(certificate.year) in html and url in html
    assert "size: A4 landscape" in html and '"Noto Sans", "DejaVu Sans"' in html
    pdf = certificates.certificate_pdf(certificate=certificate, verify_url=url)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000


def test_the_qr_code_carries_the_public_check_address(
    certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    real = certificates.segno.make_qr

    def spy(content: str, **kwargs: Any):  # noqa: ANN202
        encoded.append(content)
        return real(content, **kwargs)

    monkeypatch.setattr(certificates.segno, "make_qr", spy)
    response = client_for(certificate.assessment.person.user).get(
        reverse("certificates:pdf", kwargs={"code": certificate.code})
    )
    assert response.status_code == 200
    assert encoded == [f"http://testserver/certificates/verify/{certificate.code}/"]


def test_the_public_base_url_wins_for_the_qr_address(certificate: Certificate, settings) -> None:  # noqa: ANN001
    settings.PUBLIC_BASE_URL = "https://hoctap.sonla.example/"
    assert (
        certificates.certificate_verify_url(code=certificate.code)
        == f"https://hoctap.sonla.example/certificates/verify/{certificate.code}/"
    )


def test_a_demo_certificate_is_marked_as_demo(certificate: Certificate) -> None:
    html = certificates.certificate_html(certificate=certificate, verify_url="/x/")
    assert "DEMO" not in html
    certificate.assessment.campaign.is_demo = True
    assert "DEMO" in certificates.certificate_html(certificate=certificate, verify_url="/x/")


# --- who may download it ---


@pytest.mark.parametrize("who", ["citizen_a", "officer_a", "head_a", "province", "admin"])
def test_the_holder_and_officers_covering_the_unit_download_the_pdf(
    cast: Cast, certificate: Certificate, who: str
) -> None:
    response = client_for(getattr(cast, who)).get(
        reverse("certificates:pdf", kwargs={"code": certificate.code})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert certificate.code in response["Content-Disposition"]


@pytest.mark.parametrize("who", ["officer_b", "head_b", "outsider", "expert", "secretariat", None])
def test_anyone_else_gets_404_for_the_pdf(cast: Cast, certificate: Certificate, who: str | None) -> None:
    user = getattr(cast, who) if who else None
    response = client_for(user).get(reverse("certificates:pdf", kwargs={"code": certificate.code}))
    assert response.status_code == 404


def test_a_revoked_certificate_cannot_be_downloaded_or_checked(cast: Cast, certificate: Certificate) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=timezone.now())
    pdf = client_for(cast.citizen_a).get(reverse("certificates:pdf", kwargs={"code": certificate.code}))
    check = client_for(None).get(reverse("certificates:check", kwargs={"code": certificate.code}))
    assert (pdf.status_code, check.status_code) == (404, 404)


# --- the public check ---


def test_the_public_check_shows_name_unit_title_and_year_only(certificate: Certificate) -> None:
    response = client_for(None).get(reverse("certificates:check", kwargs={"code": certificate.code}))
    assert response.status_code == 200
    # Without the certificate's own code (random letters and digits, shown on the page) either.
    text = visible_text(response).replace(certificate.code, "")
    for shown in (
        "Lò Thị Mai",
        "Tổ 1, Phường Tô Hiệu, Tỉnh Sơn La",
        "Learning citizen",
        str(certificate.year),
    ):
        assert shown in text
    # Birth date (17/05/1990), ethnicity, ID card number (…1234), score (83) and group stay private.
    for hidden in ("1990", "17/05", "05/17", "Thái", "1234", "83", "g1", "Farmers"):
        assert hidden not in text, hidden
    assert 'name="robots" content="noindex' in text


def test_the_check_accepts_the_code_in_lower_case(certificate: Certificate) -> None:
    response = client_for(None).get(reverse("certificates:check", kwargs={"code": certificate.code.lower()}))
    assert response.status_code == 200 and "Lò Thị Mai" in response.content.decode()


def test_an_unknown_code_is_a_clear_404(db) -> None:  # noqa: ANN001
    response = client_for(None).get(reverse("certificates:check", kwargs={"code": "ZZZZ2222ZZ"}))
    assert response.status_code == 404
    text = response.content.decode()
    assert "Certificate not found" in text and "ZZZZ2222ZZ" in text


def test_the_verify_form_sends_a_typed_code_to_its_check_page(certificate: Certificate) -> None:
    client = client_for(None)
    assert client.get(reverse("certificates:verify")).status_code == 200
    typed = " " + "-".join([certificate.code[:5].lower(), certificate.code[5:]]) + " "
    response = client.get(reverse("certificates:verify"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:check", kwargs={"code": certificate.code})
    # The home page's box posts the code.
    posted = client.post(reverse("certificates:verify"), {"code": certificate.code})
    assert posted["Location"] == response["Location"]


def test_the_verify_form_explains_a_code_that_cannot_be_one(db) -> None:  # noqa: ANN001
    response = client_for(None).get(reverse("certificates:verify"), {"code": "<script>"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "letters and digits only" in text and "<script>" not in text
