"""Putting a relationship at a given point of its lifecycle through the services, quickly.

``tests/lifecycle/helpers.py`` drives the lifecycle through the API, as an integration would;
these builders call the same services directly, for tests that need the state rather than the
journey (many gates, many relationships, a ledger with internal and joint entries).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.functions import Now

from cbrms.tenancy.context import acting_as
from lifecycle.models import DecisionRecord, Evidence, Requirement, RequirementStatus
from lifecycle.services.evidence import evidence_create
from lifecycle.services.gates import gate_decide, gate_request
from lifecycle.services.requirements import gating_requirements
from relationships.models import Membership, Party, Relationship, Visibility
from relationships.services.relationships import party_set_ser
from tests.conftest import World, api_client_for
from tests.lifecycle.helpers import Side

PDF_HEAD = b"%PDF-1.4\n"
# The smallest PNG there is: a 1x1 transparent pixel.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def as_member(membership: Membership):
    """Act as ``membership`` (and its organization), as a request of theirs would."""
    return acting_as(membership.organization, user=membership.user, membership=membership)


def fresh(relationship: Relationship) -> Relationship:
    return Relationship.objects.unscoped().get(pk=relationship.pk)


def world_side(world: World, position: str, *relationships: Relationship) -> Side:
    """The world's relationship manager and executive of ``position``, the executive named SER
    of its party in each of ``relationships`` (so the role matrix includes the real SER)."""
    manager = world.member(position, "relationship_manager")
    ser = world.member(position, "executive")
    for relationship in relationships:
        name_ser(relationship, ser)
    return Side(world.org(position), manager, ser, api_client_for(manager), api_client_for(ser))


def name_ser(relationship: Relationship, ser: Membership) -> None:
    """``ser`` becomes the SER of its organization's party in ``relationship``."""
    organization = ser.organization
    party = Party.objects.unscoped().get(relationship=relationship, organization=organization)
    party_set_ser(party=party, organization=organization, ser=ser)


def requirements_of(
    relationship: Relationship, organization, *, stage: int, visibility: str = Visibility.INTERNAL
):
    """``organization``'s requirements of ``stage`` (joint ones are owned by the lead)."""
    return list(
        Requirement.objects.unscoped()
        .filter(
            relationship=relationship,
            organization=organization,
            stage=stage,
            visibility=visibility,
        )
        .select_related("item", "relationship")
        .order_by("item__position")
    )


def prove(requirements) -> None:
    """A note of evidence on each of ``requirements`` (met needs evidence), in one insert."""
    Evidence.objects.unscoped().bulk_create(
        Evidence(
            requirement=requirement,
            relationship_id=requirement.relationship_id,
            organization_id=requirement.organization_id,
            visibility=requirement.visibility,
            kind="note",
            title="Proof",
            note=f"Proof of {requirement.pk}.",
            content_hash=hashlib.sha256(f"Proof of {requirement.pk}.".encode()).hexdigest(),
        )
        for requirement in requirements
    )


def settle(relationship: Relationship, stage: int) -> int:
    """Mark every requirement a gate leaving ``stage`` rests on as met (now), on evidence."""
    unsettled = gating_requirements(relationship=relationship, stage=stage).exclude(
        status__in=(RequirementStatus.MET, RequirementStatus.NOT_APPLICABLE)
    )
    prove(unsettled.exclude(evidence__isnull=False))
    return unsettled.update(status=RequirementStatus.MET, updated_at=Now())


def add_evidence(
    requirement: Requirement,
    by: Membership,
    *,
    kind: str = "note",
    title: str = "Evidence",
    note: str = "",
    url: str = "",
    filename: str = "evidence.txt",
    content: bytes = b"",
) -> Evidence:
    upload = SimpleUploadedFile(filename, content) if kind == "file" else None
    with as_member(by):
        return evidence_create(
            requirement=requirement,
            membership=by,
            kind=kind,
            title=title,
            note=note or (f"About {requirement.item.key}." if kind == "note" else ""),
            url=url,
            file=upload,
        )


def request(
    relationship: Relationship, requester: Membership, *, kind: str = "advance", reason: str = ""
) -> DecisionRecord:
    with as_member(requester):
        return gate_request(
            relationship=fresh(relationship), requested_by=requester, kind=kind, reason=reason
        )


def decide(
    gate: DecisionRecord, ser: Membership, *, approve: bool = True, comment: str = "Agreed."
) -> DecisionRecord:
    with as_member(ser):
        return gate_decide(gate=gate, approver=ser, approve=approve, comment=comment)


def pass_gate(
    relationship: Relationship,
    requester: Membership,
    sers: Iterable[Membership],
    *,
    reason: str = "",
    comment: str = "Agreed.",
) -> DecisionRecord:
    """Settle the current stage, request its gate and have every SER approve it."""
    settle(relationship, fresh(relationship).current_stage)
    gate = request(relationship, requester, reason=reason)
    for ser in sers:
        decide(gate, ser, comment=comment)
    return gate


def remove_stored_files() -> None:
    """Delete the evidence files the database knows of: a test's rows roll back, its uploaded
    files would stay behind in MEDIA_ROOT. Call it at the end of a test (fixture teardown)."""
    storage = Evidence._meta.get_field("file").storage
    for name in Evidence.objects.unscoped().exclude(file="").values_list("file", flat=True):
        storage.delete(name)
