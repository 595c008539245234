"""Controlled documents: relationship management plans and exit strategies, made of sections.

A document belongs to one organization (the lead, for a joint one) and, except for the
organization-wide corporate RMP, to one relationship. Its visibility is the workspace's: an
internal document is its organization's alone, a joint one is seen by every active party. Each
section carries a version that grows with every save, so two people saving from the same version
cannot both win (``section_save``).
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from lifecycle.models.choices import VersionStatus
from lifecycle.models.ledger import DecisionRecord
from lifecycle.sections import ORGANIZATION_KINDS, DocumentKind
from relationships.models import Membership, Organization, Relationship, Visibility


def _workspace_audit() -> object:
    return audit_trigger(
        organization_column="organization_id",
        relationship_column="relationship_id",
        visibility_column="visibility",
    )


class Document(models.Model):
    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            # One document of a kind per organization and relationship (a joint one is the lead's),
            # and one corporate RMP per organization.
            models.UniqueConstraint(
                fields=["relationship", "organization", "kind"],
                condition=Q(relationship__isnull=False),
                name="document_once_per_relationship",
            ),
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=Q(relationship__isnull=True),
                name="document_once_per_organization",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ORGANIZATION_KINDS, relationship__isnull=True)
                | (~Q(kind__in=ORGANIZATION_KINDS) & Q(relationship__isnull=False)),
                name="document_corporate_has_no_relationship",
            ),
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[DocumentKind.INTERNAL_RMP, *ORGANIZATION_KINDS],
                    visibility=Visibility.JOINT,
                ),
                name="document_internal_kinds_stay_internal",
            ),
            models.CheckConstraint(
                condition=~Q(kind=DocumentKind.JOINT_RMP, visibility=Visibility.INTERNAL),
                name="document_joint_rmp_is_joint",
            ),
            models.CheckConstraint(
                condition=~Q(kind=DocumentKind.EXIT_EVALUATION, visibility=Visibility.INTERNAL),
                name="document_exit_evaluation_is_joint",
            ),
        ]
        indexes = [
            models.Index(fields=["relationship", "visibility"], name="document_rel_vis"),
            models.Index(fields=["organization", "kind"], name="document_org_kind"),
        ]
        triggers = [_workspace_audit()]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    """One section of a document. ``relationship``, ``organization`` and ``visibility`` are the
    document's, copied so the section is scoped (and audited) like any workspace row."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="sections")
    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    key = models.SlugField(max_length=40)
    position = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField(default=1)
    body = models.TextField(blank=True, help_text="Markdown, as written.")
    body_html = models.TextField(blank=True, help_text="The body rendered and sanitized.")
    fields = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["document_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "key"], name="section_once"),
        ]
        triggers = [_workspace_audit()]

    def __str__(self) -> str:
        return f"{self.document} / {self.key}"


class SectionEditing(models.Model):
    """The "being edited by" mark: set while someone has a section's form open, refreshed while
    it stays open, and gone on its own when ``expires_at`` passes. A hint, never a lock."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="editing")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    expires_at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "membership"], name="section_editing_once"),
        ]
        indexes = [models.Index(fields=["section", "expires_at"], name="section_editing_live")]

    def __str__(self) -> str:
        return f"{self.section} edited by membership {self.membership_id}"


class DocumentVersion(models.Model):
    """A version of a document put to its SERs: the sections as they were when the issue was
    requested, and their SHA-256. Once issued it never changes (a trigger refuses UPDATE and
    DELETE); its content never changes at all, whatever its status."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    relationship = models.ForeignKey(
        Relationship, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20, choices=VersionStatus.choices, default=VersionStatus.IN_APPROVAL
    )
    title = models.CharField(max_length=200)
    sections = models.JSONField(help_text="The sections as issued: key, title, body, fields.")
    content_hash = models.CharField(max_length=64)
    request = models.OneToOneField(
        DecisionRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="document_version",
        help_text="The ledger entry that asked for the issue; decisions point at it.",
    )
    requested_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["document_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_once"),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status=VersionStatus.IN_APPROVAL),
                name="document_version_one_in_approval",
            ),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values), name="document_version_status"
            ),
        ]
        triggers = [
            _workspace_audit(),
            pgtrigger.Protect(
                name="issued_is_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status=VersionStatus.ISSUED),
            ),
            pgtrigger.Protect(
                name="content_is_immutable",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.sections IS DISTINCT FROM NEW.sections"
                    " OR OLD.content_hash IS DISTINCT FROM NEW.content_hash"
                    " OR OLD.number IS DISTINCT FROM NEW.number"
                    " OR OLD.document_id IS DISTINCT FROM NEW.document_id"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number} ({self.status})"


class DocumentPdf(models.Model):
    """The PDF of an issued version, as one organization reads it, made once and kept: asking
    again returns this file. Each organization has its own (the approval record and the register
    summaries are what it may see), so it is its organization's alone."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="pdfs")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300, help_text="In the default storage.")
    filename = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    generated_at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "organization"], name="document_pdf_once"),
        ]

    def __str__(self) -> str:
        return f"PDF of {self.version} for organization {self.organization_id}"
