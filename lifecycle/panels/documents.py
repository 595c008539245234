"""The documents of a relationship as its page lists them, and a document's sections as its
page shows them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import HttpRequest

from cbrms.errors import ApplicationError
from lifecycle.models import Document, DocumentVersion, RecordKind, Section, VersionStatus
from lifecycle.sections import (
    DOCUMENTS,
    JOINT_KINDS,
    ORGANIZATION_KINDS,
    DocumentKind,
    FieldSpec,
    SectionSpec,
)
from lifecycle.selectors.documents import (
    document_parties,
    editors_by_section,
    version_approvers,
    version_decisions,
    with_version_details,
)
from lifecycle.services.document_versions import (
    version_approval_rule,
    version_decision_check,
    version_requester_check,
)
from lifecycle.services.documents import document_start_check
from relationships.models import Relationship
from relationships.permissions import can
from relationships.roles import Capability

#: The order a relationship's documents are listed and offered in.
RELATIONSHIP_KINDS = (
    DocumentKind.JOINT_RMP,
    DocumentKind.INTERNAL_RMP,
    DocumentKind.EXIT_STRATEGY,
    DocumentKind.EXIT_EVALUATION,
)


def startable_kinds(request: HttpRequest, relationship: Relationship | None) -> list:
    """The kinds the member may start now, as the service would decide (besides "exists")."""
    if not can(request, Capability.DOCUMENTS_START):
        return []
    kinds = RELATIONSHIP_KINDS if relationship is not None else ORGANIZATION_KINDS
    existing = set(
        Document.objects.filter(relationship=relationship)
        .filter(Q(organization=request.organization) | Q(kind__in=JOINT_KINDS))
        .values_list("kind", flat=True)
    )
    offered = []
    for kind in kinds:
        if kind in existing:
            continue
        try:
            document_start_check(
                kind=kind, organization=request.organization, relationship=relationship
            )
        except ApplicationError:
            continue
        offered.append(kind)
    return [(kind.value, kind.label) for kind in offered]


def documents_card_context(request: HttpRequest, relationship: Relationship) -> dict:
    documents = list(
        Document.objects.filter(relationship=relationship)
        .select_related("organization")
        .order_by("kind", "id")
    )
    order = {kind: position for position, kind in enumerate(RELATIONSHIP_KINDS)}
    documents.sort(key=lambda d: (order.get(d.kind, 99), d.pk))
    return {"documents": documents, "startable_kinds": startable_kinds(request, relationship)}


@dataclass
class FieldView:
    spec: FieldSpec
    value: object

    @property
    def choice_label(self) -> str:
        return dict(self.spec.choices).get(self.value, "")


@dataclass
class SectionView:
    section: Section
    spec: SectionSpec | None
    fields: list[FieldView] = field(default_factory=list)
    editors: list = field(default_factory=list)
    parties: list | None = None

    @property
    def title(self) -> str:
        return self.spec.title if self.spec else self.section.key

    @property
    def is_empty(self) -> bool:
        return not self.section.body.strip() and not any(f.value for f in self.fields)


def section_views(request: HttpRequest, document: Document) -> list[SectionView]:
    sections = list(
        Section.objects.filter(document=document)
        .select_related("updated_by__user", "updated_by__organization")
        .order_by("position")
    )
    editors = editors_by_section([s.pk for s in sections], besides=request.membership)
    spec = DOCUMENTS[document.kind]
    views = []
    for section in sections:
        section.document = document
        section_spec = spec.section(section.key)
        views.append(
            SectionView(
                section,
                section_spec,
                [FieldView(f, section.fields.get(f.key)) for f in section_spec.fields]
                if section_spec
                else [],
                editors.get(section.pk, []),
                document_parties(document.relationship)
                if section_spec and section_spec.computed == "parties" and document.relationship
                else None,
            )
        )
    return views


def versions_panel_context(request: HttpRequest, document: Document) -> dict:
    """The document's versions, newest first, and what the member may do about them: ask for
    an issue (asking the service's own check), or decide the version that waits for them."""
    versions = list(
        with_version_details(DocumentVersion.objects.filter(document=document))
        .select_related("requested_by__user", "requested_by__organization")
        .order_by("-number")
    )
    pending = next((v for v in versions if v.status == VersionStatus.IN_APPROVAL), None)
    may_request = False
    if pending is None and can(request, Capability.DOCUMENTS_ISSUE):
        try:
            version_requester_check(document=document, requested_by=request.membership)
            may_request = True
        except ApplicationError:
            pass
    awaits_me = False
    if pending is not None and can(request, Capability.GATES_DECIDE):
        try:
            version_decision_check(
                version=pending, approver=request.membership, approve=True, comment=""
            )
            awaits_me = True
        except ApplicationError:
            pass
    decisions = version_decisions(pending) if pending else []
    decided = {
        entry.actor_id: entry
        for entry in decisions
        if entry.kind in (RecordKind.APPROVED, RecordKind.REJECTED)
    }
    return {
        "versions": versions,
        "pending_version": pending,
        "pending_approvers": [
            (approver, decided.get(approver.membership_id))
            for approver in (version_approvers(pending) if pending else [])
        ],
        "may_request_issue": may_request,
        "version_awaits_me": awaits_me,
        # Why an issue cannot be asked for yet (no SER named), said before anyone tries.
        "issue_blocker": _issue_blocker(document) if may_request else "",
    }


def _issue_blocker(document) -> str:
    try:
        version_approval_rule(document)
    except ApplicationError as error:
        return error.message
    return ""
