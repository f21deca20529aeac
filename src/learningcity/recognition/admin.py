"""Admin for recognition: view-only. Every change of a person, an assessment or a certificate goes through the
services, which check the actor's role and scope and append to the audit log; the admin would bypass both."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from learningcity.territory.admin import FoldedSearchMixin, ReadOnlyAdminMixin

from .models import Assessment, Campaign, Certificate, Evidence, Person, SubmissionReceipt


@admin.register(Person)
class PersonAdmin(FoldedSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    code_field = "id_number_last4"
    list_display = ("full_name", "unit", "sex", "birth_year", "id_number_masked", "user", "is_demo")
    list_filter = ("sex", "is_demo")
    list_select_related = ("unit", "user")
    search_fields = ("name_folded", "id_number_last4")
    search_help_text = "Name (accents optional) or the last 4 digits of the ID number"
    # The hash matches duplicates; it is of no use to a reader, so it is not shown.
    exclude = ("id_number_hash",)
    show_full_result_count = False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "year",
        "territory",
        "opens_on",
        "submission_deadline",
        "review_deadline",
        "is_demo",
    )
    list_filter = ("year", "is_demo")
    list_select_related = ("territory",)
    search_fields = ("name",)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ("input_code", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "person",
        "campaign",
        "framework_version",
        "unit",
        "status",
        "review_stage",
        "score",
        "level",
    )
    list_filter = ("status", "review_stage", "level", "framework_version")
    list_select_related = ("person", "campaign", "framework_version", "unit")
    search_fields = ("person__name_folded",)
    inlines = (EvidenceInline,)
    show_full_result_count = False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "holder_name", "unit_name", "title_vi", "year", "issued_at", "revoked_at")
    list_filter = ("year",)
    search_fields = ("code", "holder_name")


@admin.register(SubmissionReceipt)
class SubmissionReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The intake's receipts: support staff see what waits, and why one was refused."""

    list_display = ("pk", "assessment_id", "actor", "state", "received_at", "applied_at", "reason")
    list_filter = ("state",)
    list_select_related = ("actor",)
    # The answers stay with the assessment: a receipt is read for its state, not its content.
    exclude = ("answers", "notes")
    show_full_result_count = False
