"""The management system around the relationships (ISO 44001 clauses 4-7, 8.1, 9, 10).

Its catalog is global reference data like the framework catalogs and the maturity models:
one item per requirement an auditor checks, loaded from ``governance/catalogs/`` and versioned.
"""

from __future__ import annotations

from django.db import models


class SystemSection(models.TextChoices):
    CONTEXT = "context", "Context of the organization"
    LEADERSHIP = "leadership", "Leadership"
    PLANNING = "planning", "Planning"
    SUPPORT = "support", "Support"
    OPERATION = "operation", "Operation"
    EVALUATION = "evaluation", "Performance evaluation"
    IMPROVEMENT = "improvement", "Improvement"


class SystemCatalog(models.Model):
    """One version of the management-system catalog."""

    key = models.CharField(max_length=40)  # "management-system"
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="system_catalog_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class SystemItem(models.Model):
    """One requirement of the system: what it asks (in our words), what shows it is met, and
    which kinds of record the product holds for it (``sources``, read by readiness)."""

    catalog = models.ForeignKey(SystemCatalog, on_delete=models.CASCADE, related_name="items")
    item_id = models.CharField(max_length=40, help_text='Stable, e.g. "iso44001:7.5.4".')
    clause = models.CharField(max_length=10)
    section = models.CharField(max_length=20, choices=SystemSection.choices)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    guidance = models.TextField()
    evidence = models.CharField(max_length=300, help_text="What an auditor expects to see.")
    sources = models.JSONField(default=list, help_text="Kinds of record that can show it.")

    class Meta:
        ordering = ["catalog_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "item_id"], name="system_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.clause} {self.title}"
