"""Joint objectives and the KPIs that measure them (ISO 44001 8.6.5, 8.7.2): what the partners
set out to achieve, and the figures that say whether they are getting there."""

from __future__ import annotations

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from governance.models.registers import WorkspaceRecord
from relationships.models import Membership, Organization, Relationship, Visibility


class Principle(models.TextChoices):
    """The 12 principles of collaborative relationships (ISO/TR 44000), DOMAIN.md's names."""

    RELATIONSHIP_MANAGEMENT = "relationship_management", "Relationship management"
    VISION_AND_VALUES = "vision_and_values", "Visions and values"
    BUSINESS_OBJECTIVES = "business_objectives", "Business objectives"
    LEADERSHIP = "leadership", "Collaborative leadership"
    GOVERNANCE = "governance", "Governance and processes"
    COMPETENCE = "competence", "Collaborative competence and behaviour"
    TRUST = "trust", "Trust and commitment to mutual benefit"
    VALUE_CREATION = "value_creation", "Value creation"
    KNOWLEDGE_SHARING = "knowledge_sharing", "Information and knowledge sharing"
    RISK_MANAGEMENT = "risk_management", "Risk management"
    MEASUREMENT = "measurement", "Relationship measurement and optimization"
    EXIT_STRATEGY = "exit_strategy", "Exit strategy"


class ObjectiveStatus(models.TextChoices):
    ACTIVE = "active", "In progress"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Not achieved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Objective(WorkspaceRecord):
    """What the partners set out to achieve together (or one side on its own), by when, and
    the principle or catalog requirement it serves."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ObjectiveStatus.choices, default=ObjectiveStatus.ACTIVE
    )
    principle = models.CharField(max_length=30, choices=Principle.choices, blank=True)
    requirement_key = models.CharField(
        max_length=60,
        blank=True,
        help_text="A requirement of the relationship's catalog it serves, e.g. iso44001:8.7.2.",
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["target_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ObjectiveStatus.values), name="objective_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(principle="") | Q(principle__in=Principle.values),
                name="objective_principle_valid",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="objective_visibility_valid"
            ),
        ]
        indexes = [models.Index(fields=["relationship", "visibility"], name="objective_rel_vis")]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility_column="visibility",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Direction(models.TextChoices):
    UP = "up", "Higher is better"
    DOWN = "down", "Lower is better"


class Cadence(models.TextChoices):
    """How often a KPI is measured; each value is a number of months."""

    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    HALF_YEARLY = "half_yearly", "Every six months"
    YEARLY = "yearly", "Yearly"

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}[self.value]


class Kpi(WorkspaceRecord):
    """A figure that measures an objective: its unit, its target, which way is better and how
    often it is measured. It has the audience of its objective."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=30, help_text="What the figure counts: %, days, EUR...")
    target = models.DecimalField(max_digits=14, decimal_places=4)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY)

    objects = ScopedManager()

    class Meta:
        ordering = ["objective_id", "name", "id"]
        verbose_name = "KPI"
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="kpi_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(cadence__in=Cadence.values), name="kpi_cadence_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="kpi_visibility_valid"
            ),
        ]
        indexes = [models.Index(fields=["relationship", "visibility"], name="kpi_rel_vis")]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility_column="visibility",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    def meets(self, value: Decimal) -> bool:
        """Whether ``value`` is on the right side of the target."""
        return value >= self.target if self.direction == Direction.UP else value <= self.target

    def due_after(self, last: datetime.date) -> datetime.date:
        """When the measurement after one of ``last`` is due."""
        return last + relativedelta(months=Cadence(self.cadence).months)


class Measurement(models.Model):
    """One value of a KPI for a period (the period's last day). Recorded by any party that may
    keep the KPI; it has the KPI's audience."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The organization that recorded the value.",
    )
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    period = models.DateField(help_text="The last day of the period the value is for.")
    value = models.DecimalField(max_digits=14, decimal_places=4)
    note = models.TextField(blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = "KPI value"
        ordering = ["kpi_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "period"], name="measurement_once_per_period"),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="measurement_visibility_valid"
            ),
        ]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility_column="visibility",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi.name} {self.period}: {self.value}"
