"""Django admin of the platform's own models (territory, accounts, frameworks, recognition): every list and
record opens for an administrator; what only services may write is read-only; the audit log cannot change."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from learningcity.accounts.models import AuditEntry
from learningcity.territory.models import Unit

from ..cast import Cast

APPS = ("territory", "accounts", "frameworks", "recognition")
READ_ONLY = {
    "territory.unitconversion",
    "accounts.auditentry",
    "frameworks.frameworkversion",
    "recognition.person",
    "recognition.campaign",
    "recognition.assessment",
    "recognition.certificate",
    "recognition.submissionreceipt",
}
NO_ADD = READ_ONLY | {"territory.unit", "accounts.apitoken"}


def models() -> list[type]:
    return [model for model in admin.site._registry if model._meta.app_label in APPS]


def url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff(client: Client, cast: Cast) -> Client:
    client.force_login(cast.admin)
    return client


def test_every_model_of_the_platform_is_registered() -> None:
    labels = {model._meta.label_lower for model in models()}
    assert labels >= NO_ADD | {"accounts.user", "accounts.roleassignment", "territory.learningcity"}


@pytest.mark.django_db
def test_every_list_and_record_opens(staff: Client, cast: Cast) -> None:
    for model in models():
        assert staff.get(url(model, "changelist")).status_code == 200, model
        record = model._default_manager.order_by("pk").last()
        if record is not None:
            assert staff.get(url(model, "change", record.pk)).status_code == 200, model
        expected = 403 if model._meta.label_lower in NO_ADD else 200
        assert staff.get(url(model, "add")).status_code == expected, model


@pytest.mark.django_db
def test_the_audit_log_cannot_be_changed_or_deleted_from_the_admin(staff: Client, cast: Cast) -> None:
    entry = AuditEntry.objects.latest("pk")
    page = staff.get(url(AuditEntry, "change", entry.pk)).content.decode()
    assert 'name="_save"' not in page
    assert staff.post(url(AuditEntry, "change", entry.pk), {"reason": "rewritten"}).status_code == 403
    assert staff.post(url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).reason == entry.reason


@pytest.mark.django_db
def test_units_are_found_without_accents_and_only_flags_are_editable(staff: Client, cast: Cast) -> None:
    page = staff.get(url(Unit, "changelist"), {"q": "chieng coi", "era__exact": "2025"}).content.decode()
    assert "Phường Chiềng Cơi" in page
    form = staff.get(url(Unit, "change", cast.commune_b.pk)).context["adminform"].form
    assert set(form.fields) == {"valid_from", "valid_until", "flags", "source"}


@pytest.mark.django_db
def test_only_an_administrator_opens_the_admin(client: Client, cast: Cast) -> None:
    client.force_login(cast.province)
    assert client.get(url(Unit, "changelist")).status_code == 302  # to the admin login
