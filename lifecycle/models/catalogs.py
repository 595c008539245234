"""Framework catalogs: versioned reference data loaded from ``lifecycle/catalogs/*.yaml``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from lifecycle.models.choices import ItemScope
from relationships.models import FrameworkProfile


class Catalog(models.Model):
    """One version of one framework profile's list of lifecycle requirements.

    Shared reference data, not tenant data: every organization reads the same catalogs. A
    relationship keeps the version it started with until someone upgrades it explicitly.
    """

    profile = models.CharField(max_length=30, choices=FrameworkProfile.choices)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    source_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["profile", "version"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "version"], name="catalog_profile_version")
        ]

    def __str__(self) -> str:
        return f"{self.profile} v{self.version}"


class CatalogItem(models.Model):
    """A requirement of a catalog, addressed by a stable key such as ``iso44001:8.6.4``."""

    catalog = models.ForeignKey(Catalog, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=60)
    stage = models.PositiveSmallIntegerField()
    scope = models.CharField(max_length=10, choices=ItemScope.choices)
    title = models.CharField(max_length=200)
    guidance = models.TextField()
    mandatory = models.BooleanField(default=True)
    evidence = models.CharField(max_length=200, help_text="The kind of evidence expected.")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["catalog", "stage", "position"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "key"], name="catalog_item_key"),
            models.CheckConstraint(
                condition=Q(stage__gte=1, stage__lte=8), name="catalog_item_stage_1_to_8"
            ),
            models.CheckConstraint(
                condition=Q(scope__in=ItemScope.values), name="catalog_item_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"
