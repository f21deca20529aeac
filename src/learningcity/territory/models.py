"""The territory: a versioned tree of administrative units and the learning cities drawn on it.

Units of the tree in force since the 2025 reform (provinces → communes) and of the tree before it
(provinces → districts → communes) live side by side; codes are reused across eras, so a unit is
identified by (era, level, code). Hamlets and residential groups are created by users below today's communes.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Era(models.TextChoices):
    CURRENT = "2025", _("Since 1 July 2025")
    LEGACY = "legacy", _("Before 1 July 2025")


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    HAMLET = "hamlet", _("Hamlet or residential group")


class Unit(models.Model):
    era = models.CharField(max_length=8, choices=Era.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    division_type = models.CharField(max_length=40, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of primary keys ("/12/345/6789/"): a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    # Flags that framework rules read, e.g. {"disadvantaged_area": true}; inherited by the units below.
    flags = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            # Official codes are unique within an era and level; hamlet codes only within their commune.
            models.UniqueConstraint(
                fields=["era", "level", "code"],
                condition=~models.Q(level="hamlet"),
                name="unit_unique_official_code",
            ),
            models.UniqueConstraint(
                fields=["parent", "code"], condition=models.Q(level="hamlet"), name="unit_unique_hamlet_code"
            ),
        ]
        indexes = [models.Index(fields=["era", "level", "code"])]
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class UnitConversion(models.Model):
    """One row of the official old→new commune table (NSO, effective 2025-07-01)."""

    old_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="conversions_out")
    new_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="conversions_in")
    # The old commune was split over several new ones; this row carries only part of it.
    is_partly_merged = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["old_unit", "new_unit"], name="conversion_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.old_unit_id} → {self.new_unit_id}"


class LearningCity(models.Model):
    """A learning city: a named set of units, valid from a date (it outlives the units it was made of)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, default="VN")
    gnlc_joined = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.URLField(max_length=500, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "learning cities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LearningCityUnit(models.Model):
    class Basis(models.TextChoices):
        AS_JOINED = "joined", _("Unit the city covered when it joined")
        DERIVED = "derived", _("Today's unit derived through the old→new table")

    city = models.ForeignKey(LearningCity, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="learning_city_memberships")
    basis = models.CharField(max_length=8, choices=Basis.choices)
    valid_from = models.DateField()
    # Only part of this unit belongs to the city (it also took in communes from outside).
    partial = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "unit", "valid_from"], name="learning_city_unit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.city} ∋ {self.unit}"


class PopulationFigure(models.Model):
    """A unit's population in a year, with its source: the denominators of recognition rates."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="population_figures")
    year = models.PositiveSmallIntegerField()
    people = models.PositiveIntegerField(null=True, blank=True)
    adults = models.PositiveIntegerField(null=True, blank=True)
    households = models.PositiveIntegerField(null=True, blank=True)
    clans = models.PositiveIntegerField(null=True, blank=True)
    hamlets = models.PositiveIntegerField(null=True, blank=True)
    organisations = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=300)
    entered_at = models.DateTimeField(auto_now=True)
    entered_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="population_one_per_unit_year")]
        ordering = ["unit", "-year"]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"


class UnitBoundary(models.Model):
    """A unit's outline, uploaded by an administrator from a GeoJSON file with its source and licence: what
    the dashboards' maps draw. WGS 84 longitude/latitude, as GeoJSON has them."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="boundary")
    geometry = (
        models.JSONField()
    )  # a GeoJSON geometry: {"type": "Polygon" | "MultiPolygon", "coordinates": …}
    # The bounding box, so that a map of many units is fitted without reading every coordinate twice.
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    source = models.CharField(max_length=300)
    licence = models.CharField(max_length=120)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.unit} ({self.source})"
