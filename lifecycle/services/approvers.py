"""Who must approve a gate: the rules of DOMAIN.md, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from cbrms.errors import ValidationFailed
from lifecycle.models import (
    ApproverPool,
    DecisionRecord,
    GateApprover,
    RecordKind,
    RelationshipFramework,
    Stage,
)
from relationships.models import (
    FrameworkProfile,
    Membership,
    Party,
    PartyRole,
    PartyStatus,
    Relationship,
    Role,
)


@dataclass(frozen=True)
class ApproverSlot:
    organization_id: int
    organization_name: str
    membership: Membership
    pool: str


@dataclass(frozen=True)
class ApprovalRule:
    slots: tuple[ApproverSlot, ...]
    quorum: int  # how many ``quorum``-pool approvals are needed besides the required ones

    @property
    def required(self) -> tuple[ApproverSlot, ...]:
        return tuple(s for s in self.slots if s.pool == ApproverPool.REQUIRED)


def approval_rule(*, relationship: Relationship, from_stage: int) -> ApprovalRule:
    """The SERs whose approval a decision leaving ``from_stage`` needs.

    - stages 1-4: the lead's SER (the orchestrator's, in an ecosystem);
    - stages 5-8: the SER of every active party;
    - ecosystems, stages 5-8: the orchestrator's SER plus ``member_quorum`` members' SERs.

    Raises a validation error naming the parties that have not named a SER.
    """
    parties = list(
        Party.objects.unscoped()  # unscoped(by-id): every party decides, seen or not
        .filter(relationship=relationship, status=PartyStatus.ACTIVE)
        .select_related("organization", "ser")
        .order_by("id")
    )
    lead = [p for p in parties if p.is_lead]
    if Stage.is_internal(from_stage):
        deciding, quorum = lead, 0
    elif relationship.is_ecosystem:
        # unscoped(by-id): the relationship's own framework
        framework = RelationshipFramework.objects.unscoped().get(relationship=relationship)
        quorum = framework.member_quorum
        deciding = parties
    else:
        deciding, quorum = parties, 0

    missing = [
        p.organization.name
        for p in deciding
        if p.ser_id is None and (p.is_lead or not relationship.is_ecosystem)
    ]
    if missing:
        raise ValidationFailed(
            "Every party whose approval is needed must name its SER first: " + ", ".join(missing),
            code="ser_missing",
            extra={"parties_without_ser": missing},
        )
    slots = []
    for party in deciding:
        if party.ser_id is None:
            continue  # an ecosystem member without a SER simply cannot count towards the quorum
        pool = (
            ApproverPool.QUORUM
            if relationship.is_ecosystem and party.role == PartyRole.MEMBER
            else ApproverPool.REQUIRED
        )
        slots.append(ApproverSlot(party.organization_id, party.organization.name, party.ser, pool))
    available = sum(1 for s in slots if s.pool == ApproverPool.QUORUM)
    if quorum > available:
        raise ValidationFailed(
            f"The quorum needs {quorum} members' SERs but only {available} members have one.",
            code="quorum_unreachable",
        )
    return ApprovalRule(tuple(slots), quorum)


# --- the machinery every request for the SERs' decision shares (gates, document issues) ------


def active_party(relationship: Relationship, organization_id: int) -> Party | None:
    """The organization's active seat in ``relationship`` (with its SER), if it has one."""
    return (
        Party.objects.unscoped()  # unscoped(by-id): the organization's own seat
        .filter(
            relationship=relationship, organization_id=organization_id, status=PartyStatus.ACTIVE
        )
        .select_related("organization", "ser")
        .first()
    )


def requester_role(*, relationship: Relationship, party: Party, requested_by: Membership) -> str:
    """How ``requested_by`` may ask the SERs for a decision: ``"manager"`` (an admin or a
    relationship manager), ``"own_ser"`` (ISO 44003: in the SME profile the party's own SER
    may ask, and then approve, recorded as such), or ``""`` (not at all)."""
    if requested_by.role in (Role.ADMIN, Role.RELATIONSHIP_MANAGER):
        return "manager"
    if (
        requested_by.role == Role.EXECUTIVE
        and relationship.framework_profile == FrameworkProfile.SME
        and party.ser_id == requested_by.pk
    ):
        return "own_ser"
    return ""


def approvers_payload(rule: ApprovalRule) -> dict:
    """What a request writes down of its approvers, in its ledger entry's payload."""
    return {
        "approvers": [
            {"organization": s.organization_id, "membership": s.membership.pk, "pool": s.pool}
            for s in rule.slots
        ],
        "quorum": rule.quorum,
    }


def approvers_record(
    *, request: DecisionRecord, relationship: Relationship, visibility: str, rule: ApprovalRule
) -> None:
    """The approvers of a request just appended to the ledger, one row each."""
    # unscoped(create): the approvers of a request just recorded
    GateApprover.objects.unscoped().bulk_create(
        GateApprover(
            gate=request,
            relationship=relationship,
            organization_id=slot.organization_id,
            visibility=visibility,
            membership=slot.membership,
            pool=slot.pool,
        )
        for slot in rule.slots
    )


def recorded_decisions(request: DecisionRecord) -> dict[int, str]:
    """{approver membership id: approved|rejected} for the entries recorded so far."""
    rows = (
        DecisionRecord.objects.unscoped()  # unscoped(by-id): the request's own entries
        .filter(gate=request, kind__in=(RecordKind.APPROVED, RecordKind.REJECTED))
        .values_list("actor_id", "kind")
    )
    return dict(rows)


def is_approver(request: DecisionRecord, membership: Membership) -> bool:
    # unscoped(by-id): the request's own approvers
    return GateApprover.objects.unscoped().filter(gate=request, membership=membership).exists()
