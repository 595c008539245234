"""Organizations (the tenants) and the people in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from relationships.models.choices import Role, SizeClass


class Organization(models.Model):
    """A company, public body or charity using CBRMS: the tenant.

    Every tenant-owned row points at the organization that owns it. The size class decides
    whether the organization may run relationships on the lighter SME profile (ISO 44003).
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    size_class = models.CharField(max_length=10, choices=SizeClass.choices)
    sector = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. GB")
    ser = models.ForeignKey(
        "relationships.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="senior executive responsible",
        help_text="The executive answering for the organization's management system of "
        "collaborative relationships: issues its corporate RMP.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size_class__in=SizeClass.values), name="organization_size_class_valid"
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"), name="organization_country_iso2"
            ),
            models.CheckConstraint(
                condition=Q(slug__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"), name="organization_slug_form"
            ),
        ]
        triggers = [audit_trigger(organization_column="id")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sme(self) -> bool:
        return self.size_class != SizeClass.LARGE


class Membership(models.Model):
    """A user's place in one organization, with the role that decides what they may do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [models.Index(fields=["organization", "role"], name="membership_org_role_idx")]
        triggers = [audit_trigger(organization_column="organization_id")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organization})"

    @property
    def is_executive(self) -> bool:
        return self.role == Role.EXECUTIVE
