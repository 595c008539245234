"""Reads around controlled documents: who is editing a section, and what a computed section
shows."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from lifecycle.models import (
    DecisionRecord,
    DocumentVersion,
    GateApprover,
    RecordKind,
    SectionEditing,
    VersionStatus,
)
from relationships.models import Membership, Party, PartyStatus, Relationship


def editors_by_section(section_ids, *, besides: Membership | None = None) -> dict[int, list]:
    """Section id -> the live "being edited" marks on it (scoped), oldest first, without
    ``besides`` (the reader's own mark). One query for any number of sections."""
    marks = (
        SectionEditing.objects.filter(section_id__in=section_ids, expires_at__gt=timezone.now())
        .select_related("membership__user", "membership__organization")
        .order_by("id")
    )
    if besides is not None:
        marks = marks.exclude(membership=besides)
    found: dict[int, list] = defaultdict(list)
    for mark in marks:
        found[mark.section_id].append(mark)
    return found


def section_editors(section, *, besides: Membership | None = None) -> list:
    """The live marks on one section, without ``besides``."""
    return editors_by_section([section.pk], besides=besides).get(section.pk, [])


def document_parties(relationship: Relationship) -> list[Party]:
    """The active parties the reader may see, with their SERs: the "parties" section's data.
    Scoped, so a closed ecosystem's member sees itself and the orchestrator only."""
    return list(
        Party.objects.filter(relationship=relationship, status=PartyStatus.ACTIVE)
        .select_related("organization", "ser__user")
        .order_by("id")
    )


def waiting_versions(*, membership: Membership):
    """The document versions waiting for ``membership``'s decision as SER (scoped)."""
    decided = DecisionRecord.objects.unscoped().filter(  # unscoped(by-id): the version's request
        gate=OuterRef("request"),
        actor=membership,
        kind__in=(RecordKind.APPROVED, RecordKind.REJECTED),
    )
    return (
        DocumentVersion.objects.filter(
            status=VersionStatus.IN_APPROVAL, request__approvers__membership=membership
        )
        .exclude(Exists(decided))
        .select_related("document", "relationship", "requested_by__user")
        .order_by("requested_at", "id")
    )


def with_version_details(queryset):
    """Versions with their decisions and approvers (scoped), two queries for any number."""
    entries = DecisionRecord.objects.select_related(
        "actor__user", "actor__organization", "actor_user", "organization"
    ).order_by("id")
    approvers = GateApprover.objects.select_related(
        "membership__user", "membership__organization", "organization"
    ).order_by("id")
    return queryset.select_related("request").prefetch_related(
        Prefetch("request__entries", queryset=entries, to_attr="visible_entries"),
        Prefetch("request__approvers", queryset=approvers, to_attr="visible_approvers"),
    )


def version_decisions(version: DocumentVersion) -> list[DecisionRecord]:
    """The approvals, rejections and outcome of a version, as the reader may see them."""
    return _request_details(version, "visible_entries")


def version_approvers(version: DocumentVersion) -> list[GateApprover]:
    return _request_details(version, "visible_approvers")


def _request_details(version: DocumentVersion, attribute: str) -> list:
    """The prefetched rows (``with_version_details``), loaded now for a version read without."""
    if not hasattr(version.request, attribute):
        [loaded] = with_version_details(DocumentVersion.objects.filter(pk=version.pk))
        version.request = loaded.request
    return getattr(version.request, attribute)


def issued_versions(relationship) -> list[DocumentVersion]:
    """The issued versions of the relationship's documents the acting organization sees, newest
    first: what may be attached as evidence (``version_answers`` says where)."""
    return list(
        DocumentVersion.objects.filter(relationship=relationship, status=VersionStatus.ISSUED)
        .select_related("document")
        .order_by("-decided_at", "-id")
    )
