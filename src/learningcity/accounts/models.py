"""Accounts, role assignments scoped to units, API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from learningcity.territory.models import Unit


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    HAMLET_HEAD = "hamlet_head", _("Hamlet / residential-group head")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    PROVINCE_COORDINATOR = "province_coordinator", _("Province / city coordinator")
    EXPERT_REVIEWER = "expert_reviewer", _("Expert reviewer")
    NETWORK_SECRETARIAT = "network_secretariat", _("Network secretariat")


class User(AbstractUser):
    """A login. Personal data of citizens lives on their Person record, not here."""

    is_demo = models.BooleanField(default=False)


class RoleAssignment(models.Model):
    """A role held on a unit; it covers every unit below that unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=24, choices=Role.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="role_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.unit}"


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "lc_" + secrets.token_urlsafe(32)


class AuditEntry(models.Model):
    """One decision or change, appended and never updated or deleted (database triggers enforce it).

    Who (actor), when (at), what (action on object), why (reason), on whose behalf (a person id), and where
    (unit, so the log itself can be scoped).
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on_behalf_of_person_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"
