"""Versioned framework records: each is one YAML file, parsed and checked, as loaded into the database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class FrameworkVersion(models.Model):
    code = models.CharField(max_length=100)  # the file's stable `id`, e.g. "vn.learning-citizen"
    version = models.CharField(max_length=40)
    subject = models.CharField(max_length=20)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    spec = models.JSONField()  # the parsed, checked file
    source_text = models.TextField()  # the file as uploaded, for the record
    sha256 = models.CharField(max_length=64)
    loaded_from = models.CharField(max_length=300)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="framework_version_unique")]
        ordering = ["code", "-loaded_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"

    def title(self, language: str) -> str:
        return self.title_en if language.startswith("en") else self.title_vi

    @property
    def inputs(self) -> list[dict[str, Any]]:
        return list(self.spec["inputs"])

    @property
    def review_chain(self) -> list[str]:
        return list(self.spec.get("review_chain", []))

    @property
    def is_provisional(self) -> bool:
        """Whether any part of the file (the whole, a group, an input, a roll-up, a level) is unconfirmed."""
        parts = [
            self.spec,
            *self.spec.get("groups", []),
            *self.spec["inputs"],
            *self.spec.get("rollups", []),
            *self.spec.get("levels", []),
        ]
        return any(part.get("provisional") for part in parts)
