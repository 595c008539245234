"""The management system around the relationships (ISO 44001 clauses 4-7, 8.1, 9, 10).

Its catalog is global reference data like the framework catalogs and the maturity models:
one item per requirement an auditor checks, loaded from ``governance/catalogs/`` and versioned.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from relationships.models import Membership, Organization, Relationship


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


class Profile(models.TextChoices):
    """How the organization runs a relationship, decided from its place in the portfolio."""

    FULL = "full", "Full lifecycle"
    SME = "sme", "Light (SME) profile"
    NONE = "none", "No collaborative programme"


class PortfolioCriteria(models.Model):
    """What the organization means by a relationship's value and risk (1-5 each), and where the
    profiles start: the full lifecycle from ``full_from`` on either axis, a collaborative
    programme at all from ``programme_from``."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    value_meaning = models.TextField(blank=True, help_text="What 1 and 5 mean for value.")
    risk_meaning = models.TextField(blank=True, help_text="What 1 and 5 mean for risk.")
    full_from = models.PositiveSmallIntegerField(default=4)
    programme_from = models.PositiveSmallIntegerField(default=2)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(programme_from__gte=1, full_from__lte=5)
                & Q(programme_from__lt=models.F("full_from")),
                name="portfolio_thresholds_in_order",
            ),
        ]
        triggers = [audit_trigger(organization_column="organization_id")]

    def __str__(self) -> str:
        return f"Portfolio criteria of {self.organization_id}"


class PortfolioPlacement(models.Model):
    """One relationship on the organization's value x risk matrix, with the profile decided
    for it, why, by whom and when. The organization's own: partners never see it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField()
    risk = models.PositiveSmallIntegerField()
    profile = models.CharField(max_length=10, choices=Profile.choices)
    rationale = models.TextField(blank=True, max_length=5000)
    decided_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        ordering = ["-value", "-risk", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "relationship"], name="portfolio_placed_once"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5, risk__gte=1, risk__lte=5),
                name="portfolio_scores_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(profile__in=Profile.values), name="portfolio_profile_known"
            ),
        ]
        triggers = [audit_trigger(organization_column="organization_id")]

    def __str__(self) -> str:
        return f"{self.relationship_id}: value {self.value}, risk {self.risk}"


class CompetenceTheme(models.Model):
    """One collaborative competence people are assessed on (communication, negotiation...), of a
    version of the competence catalog (a ``SystemCatalog`` keyed ``competence-themes``)."""

    catalog = models.ForeignKey(
        SystemCatalog, on_delete=models.CASCADE, related_name="competence_themes"
    )
    key = models.SlugField(max_length=40)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField()
    good = models.TextField(help_text="What it looks like when someone is good at it.")

    class Meta:
        ordering = ["catalog_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "key"], name="competence_theme_once"),
        ]

    def __str__(self) -> str:
        return self.title
