"""The analytics tables: counts rebuilt by a job from the recognition records, read by every dashboard.

Pages never count assessments on load (at a province's or the country's size that is what brings reporting
systems down); they read these rows, which `services.figures_rebuild` replaces a campaign at a time.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition.models import Campaign
from learningcity.territory.models import LearningCity, Unit


class Dimension(models.TextChoices):
    ALL = "all", _("Everyone")
    LEVEL = "level", _("Level reached")
    GROUP = "group", _("Citizen group")
    SEX = "sex", _("Sex")
    AGE = "age", _("Age band")
    ETHNICITY = "ethnicity", _("Ethnicity")


class RecognitionFigure(models.Model):
    """The counts of one framework in one campaign over one area (a unit of today's tree with everything
    below it, or a learning city), for everyone or for one value of a breakdown."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    framework_version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    city = models.ForeignKey(LearningCity, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=10, choices=Dimension.choices, default=Dimension.ALL)
    value = models.CharField(max_length=80, blank=True)  # the breakdown's value ("F", "g2", "25-34", "Thái")
    registered = models.PositiveIntegerField(default=0)  # subjects of this kind registered in the area
    assessed = models.PositiveIntegerField(default=0)  # with a self-assessment in the campaign
    submitted = models.PositiveIntegerField(default=0)  # sent for review (or further)
    approved = models.PositiveIntegerField(default=0)  # approved at the last review stage, or recognised
    recognised = models.PositiveIntegerField(default=0)  # holding the title
    population = models.PositiveIntegerField(null=True, blank=True)  # the official figure, where entered
    partial = models.BooleanField(default=False)  # a city's figure that includes units only partly in it
    # Not shown on public pages: small, or beside one that is (`services.withholding`); the threshold of
    # the rebuild that wrote it.
    withheld = models.BooleanField(default=False)
    built_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=True) ^ models.Q(city__isnull=True),
                name="figure_unit_xor_city",
            ),
        ]
        indexes = [
            # The dashboard reads a unit's rows and its children's "all" rows through this one.
            models.Index(fields=["campaign", "framework_version", "unit", "dimension"]),
            models.Index(fields=["campaign", "framework_version", "city"]),
            models.Index(fields=["unit", "framework_version"]),
        ]

    def __str__(self) -> str:
        return (
            f"{self.campaign_id}/{self.framework_version_id}/{self.unit_id or self.city_id} {self.dimension}"
        )
