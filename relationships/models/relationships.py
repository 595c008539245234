"""Relationships and the organizations taking part in them."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from relationships import hooks
from relationships.models.choices import (
    FrameworkProfile,
    PartyRole,
    PartyStatus,
    RelationshipStatus,
    RelationshipType,
)
from relationships.models.organizations import Membership, Organization


class Relationship(models.Model):
    """One collaborative business relationship between two or more organizations.

    It is visible to the organizations that are active parties of it (``Party``). It moves
    through the eight lifecycle stages (``current_stage``) by stage gates, never by an edit.
    """

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=30, choices=RelationshipType.choices)
    framework_profile = models.CharField(max_length=30, choices=FrameworkProfile.choices)
    lead_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="led_relationships"
    )
    current_stage = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=RelationshipStatus.choices, default=RelationshipStatus.ACTIVE
    )
    member_directory_visible = models.BooleanField(
        default=False,
        help_text="Ecosystems: whether members may see each other in the member list.",
    )
    open_to_join_requests = models.BooleanField(
        default=False,
        help_text="Ecosystems: whether any organization may find it and ask to join.",
    )
    survey_threshold = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(3)],
        help_text=(
            "Trust surveys: how many of a party's people must answer before its results show "
            "(never below 3, so that no answer can be singled out)."
        ),
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(survey_threshold__gte=3), name="relationship_survey_threshold_3"
            ),
            models.CheckConstraint(
                condition=Q(current_stage__gte=1, current_stage__lte=8),
                name="relationship_stage_1_to_8",
            ),
            models.CheckConstraint(
                condition=Q(type__in=RelationshipType.values), name="relationship_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RelationshipStatus.values),
                name="relationship_status_valid",
            ),
            # An ecosystem runs on the ecosystem profile, and only an ecosystem does.
            models.CheckConstraint(
                condition=(
                    Q(type=RelationshipType.ECOSYSTEM, framework_profile=FrameworkProfile.ECOSYSTEM)
                    | (
                        ~Q(type=RelationshipType.ECOSYSTEM)
                        & Q(framework_profile__in=[FrameworkProfile.ISO44001, FrameworkProfile.SME])
                    )
                ),
                name="relationship_profile_matches_type",
            ),
            models.CheckConstraint(
                condition=Q(open_to_join_requests=False) | Q(type=RelationshipType.ECOSYSTEM),
                name="relationship_join_requests_ecosystem",
            ),
        ]
        indexes = [
            models.Index(fields=["type"], name="relationship_type_idx"),
            models.Index(fields=["name", "id"], name="relationship_name_idx"),
            models.Index(
                fields=["id"],
                condition=Q(member_directory_visible=True),
                name="relationship_open_dir_idx",
            ),
            models.Index(fields=["current_stage"], name="relationship_stage_idx"),
            models.Index(fields=["status"], name="relationship_status_idx"),
            models.Index(fields=["created_at", "id"], name="relationship_created_idx"),
            models.Index(fields=["updated_at", "id"], name="relationship_updated_idx"),
            GinIndex(
                OpClass(Upper("name"), name="gin_trgm_ops"), name="relationship_name_trgm_idx"
            ),
        ]
        triggers = [
            audit_trigger(
                organization_column="lead_organization_id",
                relationship_column="id",
                visibility="joint",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def stage_name(self) -> str:
        return hooks.stage_name(self.current_stage)

    @property
    def is_ecosystem(self) -> bool:
        return self.type == RelationshipType.ECOSYSTEM

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_closed(self) -> bool:
        """Exited or archived: its record is kept, and no more work is done in it."""
        return self.status == RelationshipStatus.EXITED or self.is_archived


class Party(models.Model):
    """An organization taking part in a relationship, and the SER who answers for it.

    One party per organization per relationship. Exactly one party leads: the ``lead`` of a
    bilateral relationship or the ``orchestrator`` of an ecosystem. A party that leaves keeps
    its row (status ``left``): the history of who took part is part of the record.
    """

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(max_length=20, choices=PartyRole.choices)
    status = models.CharField(max_length=10, choices=PartyStatus.choices)
    ser = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ser_of",
        verbose_name="senior executive responsible",
    )
    ser_invitation = models.ForeignKey(
        "relationships.MemberInvitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ser_of_parties",
        help_text="The SER named by email, not a member yet: they become the SER on joining.",
    )
    request_message = models.TextField(
        blank=True, max_length=2000, help_text="Ecosystems: what the organization wrote asking."
    )
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the invited organization was last emailed."
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name_plural = "parties"
        ordering = ["relationship_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "organization"], name="party_one_per_organization"
            ),
            models.UniqueConstraint(
                fields=["relationship"],
                condition=Q(role__in=[PartyRole.LEAD, PartyRole.ORCHESTRATOR]),
                name="party_one_lead",
            ),
            models.CheckConstraint(condition=Q(role__in=PartyRole.values), name="party_role_valid"),
            models.CheckConstraint(
                condition=Q(status__in=PartyStatus.values), name="party_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=PartyStatus.LEFT, left_at__isnull=False)
                | (~Q(status=PartyStatus.LEFT) & Q(left_at__isnull=True)),
                name="party_left_at_iff_left",
            ),
            models.CheckConstraint(
                condition=~Q(status=PartyStatus.ACTIVE) | Q(joined_at__isnull=False),
                name="party_active_has_joined_at",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="party_org_status_idx"),
            models.Index(fields=["relationship", "status"], name="party_rel_status_idx"),
        ]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility="directory",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} in {self.relationship} ({self.role})"

    @property
    def is_lead(self) -> bool:
        return self.role in (PartyRole.LEAD, PartyRole.ORCHESTRATOR)


class OpenEcosystem(Relationship):
    """An ecosystem its orchestrator opened to requests to join: what any organization may see
    of it to decide whether to ask (its own scope rule, ``relationships.visibility``)."""

    objects = ScopedManager()

    class Meta:
        proxy = True
        ordering = ["name", "id"]
