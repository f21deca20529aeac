"""Admin for the territory. Official units come from the NSO list and hamlets from the officers' pages, so
units are not added or deleted here; an administrator may adjust flags, validity dates and the source note."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from learningcity.text import fold

from .models import LearningCity, LearningCityUnit, Unit, UnitConversion


class ReadOnlyAdminMixin:
    """View-only: records that only services write (with their checks and audit entries)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FoldedSearchMixin:
    """Search Vietnamese names with diacritics folded ("chieng coi" finds "Chiềng Cơi"), or an exact code."""

    folded_field = "name_folded"
    code_field = "code"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(
            Q(**{f"{self.folded_field}__contains": fold(term)}) | Q(**{self.code_field: term})
        ), False


@admin.register(Unit)
class UnitAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("name", "code", "level", "era", "division_type", "parent", "valid_from", "valid_until")
    list_filter = ("era", "level")
    list_select_related = ("parent",)
    search_fields = ("name_folded", "code")
    search_help_text = "Name (accents optional) or exact code"
    fields = (
        "era",
        "level",
        "code",
        "name",
        "division_type",
        "parent",
        "path",
        "valid_from",
        "valid_until",
        "flags",
        "source",
    )
    readonly_fields = ("era", "level", "code", "name", "division_type", "parent", "path")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UnitConversion)
class UnitConversionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("old_unit", "old_code", "new_unit", "new_code", "is_partly_merged")
    list_filter = ("is_partly_merged",)
    list_select_related = ("old_unit", "new_unit")
    search_fields = ("old_unit__code", "new_unit__code", "old_unit__name_folded", "new_unit__name_folded")
    show_full_result_count = False

    @admin.display(description="old code")
    def old_code(self, obj: UnitConversion) -> str:
        return obj.old_unit.code

    @admin.display(description="new code")
    def new_code(self, obj: UnitConversion) -> str:
        return obj.new_unit.code


class LearningCityUnitInline(admin.TabularInline):
    model = LearningCityUnit
    extra = 0
    raw_id_fields = ("unit",)
    fields = ("unit", "basis", "valid_from", "partial")


@admin.register(LearningCity)
class LearningCityAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "slug", "country", "gnlc_joined", "is_demo")
    list_filter = ("country", "gnlc_joined", "is_demo")
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    inlines = (LearningCityUnitInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
