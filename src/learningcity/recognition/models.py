"""Grassroots recognition: people, campaigns, self-assessments with evidence, and certificates."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Unit


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other / not stated")


class Person(models.Model):
    """A citizen: minimal personal data (Nghị định 13/2023/NĐ-CP on personal data), kept on their unit.

    The ID card number is never stored: only a keyed hash (to match duplicates) and its last four digits (to
    show it masked).
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people")
    full_name = models.CharField(max_length=150)
    name_folded = models.CharField(max_length=150, db_index=True, editable=False)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.OTHER)
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    ethnicity = models.CharField(max_length=60, blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_last4 = models.CharField(max_length=4, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    consent_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_folded", "pk"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def id_number_masked(self) -> str:
        return f"••••••••{self.id_number_last4}" if self.id_number_last4 else ""


class Campaign(models.Model):
    """A yearly recognition campaign: a year × a territory × a set of framework versions, with deadlines."""

    name = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    territory = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="campaigns")
    frameworks = models.ManyToManyField(FrameworkVersion, related_name="campaigns")
    opens_on = models.DateField()
    submission_deadline = models.DateField()
    review_deadline = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, in review")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved")
    RECOGNISED = "recognised", _("Recognised")


class Assessment(models.Model):
    """One subject's self-assessment in a campaign against one framework version, with its stored result.

    The result is computed by the rule engine whenever the answers change, so no later job re-scores.
    `unit` is the unit the record was made on; reports restate it on today's tree.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="assessments")
    framework_version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assessments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assessments")
    group = models.CharField(max_length=20, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=dict, blank=True)  # evidence described in words, per input
    score = models.FloatField(null=True, blank=True)
    level = models.CharField(max_length=40, blank=True)
    result = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    review_stage = models.CharField(max_length=20, blank=True, db_index=True)
    entered_on_behalf = models.BooleanField(default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    last_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "framework_version", "person"], name="assessment_one_per_campaign"
            )
        ]
        ordering = ["-updated_at", "pk"]

    def __str__(self) -> str:
        return f"{self.person} · {self.framework_version} · {self.campaign.year}"

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.RETURNED)


def evidence_path(instance: Evidence, filename: str) -> str:
    # Random names: nothing about the person or the original name leaks into the storage path.
    return f"evidence/{instance.assessment_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    input_code = models.CharField(max_length=63)
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["input_code", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Certificate(models.Model):
    """Issued when an assessment is recognised; the public check shows only the snapshot fields."""

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(max_length=16, unique=True)
    holder_name = models.CharField(max_length=150)
    unit_name = models.CharField(max_length=300)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.code
