"""What every row of a joint workspace register has (DESIGN.md, tenancy): the relationship it
is about, the organization that owns it, the person who owns it, its audience, and its dates.
Its history is the audit trail (each concrete register declares the trigger)."""

from __future__ import annotations

from django.db import models

from relationships.models import Membership, Organization, Relationship, Visibility


class WorkspaceRecord(models.Model):
    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The organization that owns the row; an internal row is seen by it alone.",
    )
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    owner = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The person who answers for the row, of the owning organization.",
    )
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
