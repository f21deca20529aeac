"""Uploads are never kept past the largest file any form takes: a larger one is refused by its form with its
own message, and only the first `UPLOAD_MAX_BYTES` of it ever reach the handlers that keep files."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client
from django.urls import reverse

from learningcity.frameworks import forms as framework_forms
from learningcity.recognition.models import Evidence
from learningcity.territory import boundaries, population

from .cast import Cast
from .recognition.test_citizen_pages import started, tiny_png, upload_url

CAP = 2 * 1024 * 1024


class Kept(FileUploadHandler):
    """Stands for the handlers that keep a file (in memory, on disk): counts the bytes that reach them."""

    bytes_seen: ClassVar[int] = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        Kept.bytes_seen += len(raw_data)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def capped(settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = CAP
    settings.EVIDENCE_MAX_BYTES = CAP // 2
    capping, *keeping = django_settings.FILE_UPLOAD_HANDLERS
    settings.FILE_UPLOAD_HANDLERS = [capping, f"{__name__}.Kept", *keeping]
    Kept.bytes_seen = 0


def big_png() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.png", tiny_png() + b"\0" * (5 * CAP), content_type="image/png")


def test_a_file_past_the_cap_is_refused_by_its_form_and_never_kept_whole(
    client: Client, cast: Cast, settings: Any
) -> None:
    capped(settings)
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    response = client.post(upload_url(assessment), {"input_code": "i1_1", "file": big_png()}, follow=True)
    assert "Tệp lớn hơn 1 MB." in response.content.decode()
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert 0 < Kept.bytes_seen <= CAP  # of the 10 MB sent


def test_the_fields_after_a_refused_file_are_still_read(cast: Cast, settings: Any) -> None:
    """The CSRF token (and any field) after the file in the body: the form answers, not a CSRF refusal."""
    capped(settings)
    assessment = started(cast)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.citizen_a)
    browser.get(reverse("recognition:assessment", kwargs={"pk": assessment.pk}))
    token = browser.cookies[django_settings.CSRF_COOKIE_NAME].value
    body = {"file": big_png(), "input_code": "i1_1", "csrfmiddlewaretoken": token}  # in this order
    response = browser.post(upload_url(assessment), body, follow=True)
    assert response.status_code == 200
    assert "Tệp lớn hơn 1 MB." in response.content.decode()


def test_a_file_within_the_cap_reaches_its_form_whole(client: Client, cast: Cast, settings: Any) -> None:
    capped(settings)
    assessment = started(cast)
    client.force_login(cast.citizen_a)
    png = SimpleUploadedFile("small.png", tiny_png(), content_type="image/png")
    client.post(upload_url(assessment), {"input_code": "i1_1", "file": png})
    (evidence,) = Evidence.objects.filter(assessment=assessment)
    assert evidence.file.read() == tiny_png() and Kept.bytes_seen == len(tiny_png())


def test_the_cap_is_the_largest_limit_of_any_upload_form() -> None:
    limits = [
        django_settings.IMPORT_MAX_BYTES,
        django_settings.EVIDENCE_MAX_BYTES,
        boundaries.max_bytes(),
        population.MAX_FILE_BYTES,
        framework_forms.MAX_BYTES,
    ]
    assert django_settings.UPLOAD_MAX_BYTES == max(limits)
