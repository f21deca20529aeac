"""Certificate documents: the PDF a recognised citizen downloads, with its verification code and QR.

The PDF is a bilingual document (Vietnamese first, English below), so its wording does not follow the
reader's language; WeasyPrint renders it from `templates/certificates/pdf.html`. The QR code carries the
absolute address of the public check page, where anyone can confirm name, unit, title and year.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Certificate
from .selectors import assessments_visible

MONTHS_EN = tuple(
    "January February March April May June July August September October November December".split()
)


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A certificate or decision to open in the browser; names people, so never kept by a shared cache."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def certificate_verify_url(*, code: str, request: HttpRequest | None = None) -> str:
    """The absolute public check address of a certificate code.

    `PUBLIC_BASE_URL` (the site's public address) wins, so a QR printed behind a proxy still points outside;
    otherwise the request's own host, otherwise a relative path.
    """
    path = reverse("certificates:check", kwargs={"code": code})
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    if base:
        return f"{base}{path}"
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def certificate_qr_data_uri(url: str) -> str:
    """A QR code of `url` as an SVG data URI (vector, so it prints sharp at any size)."""
    return segno.make_qr(url, error="m").svg_data_uri(scale=4, border=2)


def _context(*, certificate: Certificate, verify_url: str) -> dict[str, Any]:
    issued = timezone.localtime(certificate.issued_at).date()
    return {
        "certificate": certificate,
        "verify_url": verify_url,
        "qr_data_uri": certificate_qr_data_uri(verify_url),
        "issued_vi": f"ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}",
        "issued_en": f"{issued.day} {MONTHS_EN[issued.month - 1]} {issued.year}",
        "is_demo": certificate.assessment.campaign.is_demo,
    }


def certificate_html(*, certificate: Certificate, verify_url: str) -> str:
    """The HTML the PDF is printed from (also what tests read)."""
    return render_to_string("certificates/pdf.html", _context(certificate=certificate, verify_url=verify_url))


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    """The certificate as an A4 landscape PDF.

    Nothing is fetched while printing: the only image (the QR) is a data URI, and the fetcher refuses every
    other scheme, so text typed by users cannot make the renderer read files or call out.
    """
    # Imported here: WeasyPrint loads pango on import, which the rest of the site does not need at start-up.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = certificate_html(certificate=certificate, verify_url=verify_url)
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"}))
    return document.write_pdf()


def certificates_batch_pdf(
    *, certificates: Sequence[Certificate], verify_url_for: Callable[[str], str]
) -> bytes:
    """Many certificates in one PDF to print in a batch, one page each, in the order given.

    Each is laid out exactly as `certificate_pdf` lays it out alone (same template, same fetcher); the pages
    are then joined. Read the certificates with `assessment__campaign` to keep the queries flat.
    """
    if not certificates:
        raise ValueError("a batch needs at least one certificate")
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    fonts = FontConfiguration()  # shared: the fonts are loaded once for the whole batch
    documents = [
        HTML(
            string=certificate_html(certificate=certificate, verify_url=verify_url_for(certificate.code)),
            url_fetcher=fetcher,
        ).render(font_config=fonts)
        for certificate in certificates
    ]
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def certificate_for_reader(*, user: Any, code: str) -> Certificate | None:
    """A valid certificate by code, if `user` may download it: its holder or an officer covering it.

    Anyone else (another commune's officer, an outsider, an anonymous visitor) gets None, as for a code that
    does not exist, so the answer does not reveal which codes are real.
    """
    return (
        Certificate.objects.filter(
            code=code,
            revoked_at__isnull=True,
            assessment__in=assessments_visible(user).values("pk"),
        )
        .select_related("assessment__person")
        .first()
    )
