"""Admin for framework versions: view-only. Versions are loaded through the framework pages (/frameworks/),
which check the file and refuse to change a version that has assessments; they are never edited in place."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from learningcity.territory.admin import ReadOnlyAdminMixin

from .models import FrameworkVersion


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "version",
        "subject",
        "title_en",
        "loaded_at",
        "loaded_by",
        "assessments",
        "provisional",
    )
    list_filter = ("subject", "code")
    list_select_related = ("loaded_by",)
    search_fields = ("code", "version", "title_vi", "title_en")
    exclude = ("spec",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[FrameworkVersion]:
        return super().get_queryset(request).annotate(assessment_count=Count("assessments"))

    @admin.display(description="assessments", ordering="assessment_count")
    def assessments(self, obj: Any) -> int:
        return obj.assessment_count

    @admin.display(description="provisional", boolean=True)
    def provisional(self, obj: FrameworkVersion) -> bool:
        return obj.is_provisional
