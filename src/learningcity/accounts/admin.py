"""Admin for accounts. The audit log is read-only here as in the database (triggers refuse UPDATE/DELETE)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from learningcity.territory.admin import ReadOnlyAdminMixin

from .models import ApiToken, AuditEntry, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ("unit",)
    fields = ("role", "unit", "granted_at")
    readonly_fields = ("granted_at",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "is_staff", "is_superuser", "is_active", "is_demo")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_demo")
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Platform", {"fields": ("is_demo",)}))
    inlines = (RoleAssignmentInline,)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "granted_at")
    list_filter = ("role",)
    list_select_related = ("user", "unit")
    raw_id_fields = ("user", "unit")
    search_fields = ("user__username", "unit__name_folded", "unit__code")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owner (the key is shown once); here they can be seen and revoked."""

    list_display = ("name", "prefix", "user", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    fields = ("name", "prefix", "user", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "unit", "on_behalf_of_person_id")
    list_filter = ("action", "object_type")
    list_select_related = ("actor", "unit")
    search_fields = ("action", "object_type", "object_id", "actor__username", "reason")
    date_hierarchy = "at"
    show_full_result_count = False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # not even "delete selected"
