"""A relationship's progress through its catalog: requirements and the evidence behind them."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from lifecycle.models.catalogs import Catalog, CatalogItem
from lifecycle.models.choices import (
    SETTLED_STATUSES,
    EvidenceKind,
    EvidenceStatus,
    RequirementStatus,
)
from relationships.models import Membership, Organization, Relationship, Visibility


class RelationshipFramework(models.Model):
    """Which catalog version a relationship runs on, and its gate rules.

    Joint: every active party sees which catalog applies and how gates are decided.
    """

    relationship = models.OneToOneField(
        Relationship, on_delete=models.CASCADE, related_name="framework"
    )
    catalog = models.ForeignKey(Catalog, on_delete=models.PROTECT, related_name="+")
    member_quorum = models.PositiveSmallIntegerField(
        default=0,
        help_text="Ecosystems: how many members' SERs must approve a gate besides the "
        "orchestrator's SER.",
    )
    started_at = models.DateTimeField(auto_now_add=True)
    upgraded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        triggers = [
            audit_trigger(
                organization_column=None, relationship_column="relationship_id", visibility="joint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.relationship} on {self.catalog}"


class Requirement(models.Model):
    """One catalog item as it stands for one relationship.

    Internal items exist once per party organization and are visible only to it; joint items
    exist once per relationship (owned by the lead) and every active party sees them.
    """

    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="requirements"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="+")
    stage = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=20, choices=RequirementStatus.choices, default=RequirementStatus.TODO
    )
    justification = models.TextField(
        blank=True, help_text="Why the requirement does not apply (required for not applicable)."
    )
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    settled_by = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who marked it met or not applicable (kept while it stays settled).",
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["relationship_id", "stage", "item__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "organization", "item"], name="requirement_once"
            ),
            models.CheckConstraint(
                condition=~Q(status=RequirementStatus.NOT_APPLICABLE) | ~Q(justification=""),
                name="requirement_not_applicable_justified",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequirementStatus.values), name="requirement_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["relationship", "organization", "stage"], name="requirement_rel_org_stage"
            ),
            models.Index(
                fields=["relationship", "visibility", "stage"], name="requirement_rel_vis_stage"
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
        return f"{self.item.key} ({self.get_status_display()})"

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED_STATUSES

    @staticmethod
    def gating_q() -> Q:
        """What stage gates rest on: the joint items, and the lead's own internal ones. Another
        party's internal checklist is its own record and never gates anything."""
        return Q(visibility=Visibility.JOINT) | Q(
            organization_id=models.F("relationship__lead_organization_id")
        )

    @property
    def is_gating(self) -> bool:
        """``gating_q`` for one requirement (its ``relationship`` loaded)."""
        return (
            self.visibility == Visibility.JOINT
            or self.organization_id == self.relationship.lead_organization_id
        )


class PrivateStorage(FileSystemStorage):
    """Evidence files: under MEDIA_ROOT (outside the web root), served only by checked views.

    The location is left to FileSystemStorage, which reads MEDIA_ROOT when used (so a changed
    setting takes effect); there is no URL: nothing serves these files but our views.
    """

    def url(self, name):
        raise ValueError("Evidence files have no public URL; use the download view.")


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name is random: the user's file name only ever reaches Content-Disposition.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"evidence/{instance.organization_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """Documented information proving a requirement: a note, a link, a file, or an issued
    version of a controlled document (``document_version``, pinned: its hash is the version's).

    Controlled like any documented information: a title, a version that grows with every
    change of content, an owner and a status. ``content_hash`` (SHA-256 of the content) is what
    a stage gate snapshots: a changed hash makes a pending gate's approvals stale.
    """

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="evidence")
    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=EvidenceStatus.choices, default=EvidenceStatus.DRAFT
    )
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    file = models.FileField(upload_to=evidence_upload_to, storage=PrivateStorage, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    document_version = models.ForeignKey(
        "lifecycle.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["requirement_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=EvidenceKind.NOTE, note__gt="")
                    | Q(kind=EvidenceKind.LINK, url__gt="")
                    | Q(kind=EvidenceKind.FILE, file__gt="")
                    | Q(kind=EvidenceKind.DOCUMENT, document_version__isnull=False)
                ),
                name="evidence_has_content",
            ),
            models.CheckConstraint(
                condition=Q(content_hash__regex=r"^[0-9a-f]{64}$"), name="evidence_hash_sha256"
            ),
        ]
        indexes = [
            models.Index(fields=["relationship", "visibility"], name="evidence_rel_vis"),
            models.Index(fields=["relationship", "organization"], name="evidence_rel_org"),
        ]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility_column="visibility",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"
