"""Stage gates: requesting them, deciding them, and the stage moves they cause.

A gate is an entry of the decision ledger (``gate_requested``); approvals, rejections and the
outcome are further entries. Nothing is ever updated: the state of a gate is read off the
entries that point at it (see ``lifecycle.selectors.gates``).
"""

from __future__ import annotations

import operator
from functools import reduce

from django.db import transaction
from django.db.models import Q

from cbrms.errors import Conflict, PermissionRefused, ValidationFailed
from lifecycle import tasks, webhooks
from lifecycle.models import (
    CLOSING_KINDS,
    ApproverPool,
    DecisionRecord,
    Evidence,
    EvidenceStatus,
    GateKind,
    RecordKind,
    Requirement,
    Stage,
)
from lifecycle.services.approvers import (
    active_party,
    approval_rule,
    approvers_payload,
    approvers_record,
    is_approver,
    recorded_decisions,
    requester_role,
)
from lifecycle.services.ledger import record_append, relationship_lock
from lifecycle.services.requirements import gating_q, gating_requirements, settled_q
from relationships.models import (
    Membership,
    Relationship,
    RelationshipStatus,
    Visibility,
)
from relationships.services.relationships import relationship_ensure_open


def gate_snapshots(keys: set[tuple[int, int]]) -> dict[tuple[int, int], dict[str, dict]]:
    """What gates leaving each (relationship id, stage) would rest on now, in two queries:
    ``{key: {"evidence": {evidence id: content hash}, "requirements": {id: status}}}``.

    A gate keeps this snapshot from its request; comparing it with the present tells whether
    the gate went stale. Withdrawn evidence is left out.
    """
    snapshots: dict[tuple[int, int], dict[str, dict]] = {
        key: {"evidence": {}, "requirements": {}} for key in keys
    }
    if not keys:
        return snapshots
    where = reduce(operator.or_, (Q(relationship_id=rel, stage=stage) for rel, stage in keys))
    # unscoped(by-id): every requirement the gates rest on
    requirements = Requirement.objects.unscoped().filter(where).filter(gating_q())
    for rel, stage, pk, status in requirements.values_list(
        "relationship_id", "stage", "id", "status"
    ):
        snapshots[(rel, stage)]["requirements"][str(pk)] = status
    evidence = (
        Evidence.objects.unscoped()  # unscoped(by-id): the evidence of those requirements
        .filter(requirement__in=requirements)
        .exclude(status=EvidenceStatus.WITHDRAWN)
        .values_list("requirement__relationship_id", "requirement__stage", "id", "content_hash")
    )
    for rel, stage, pk, digest in evidence:
        snapshots[(rel, stage)]["evidence"][str(pk)] = digest
    return snapshots


def snapshot_is_stale(payload: dict, snapshot: dict[str, dict]) -> bool:
    """Whether a gate's request ``payload`` no longer matches the present ``snapshot``.

    Gates requested before statuses were snapshotted carry evidence only.
    """
    if payload.get("evidence", {}) != snapshot["evidence"]:
        return True
    statuses = payload.get("requirements")
    return statuses is not None and statuses != snapshot["requirements"]


def gate_is_stale(gate: DecisionRecord) -> bool:
    """Whether the evidence, or a requirement's status, changed since the gate was requested."""
    key = (gate.relationship_id, gate.from_stage)
    return snapshot_is_stale(gate.payload, gate_snapshots({key})[key])


def pending_gate(relationship: Relationship) -> DecisionRecord | None:
    return (
        # unscoped(by-id): the relationship's open gate, any chain
        DecisionRecord.objects.unscoped()
        .filter(relationship=relationship, kind=RecordKind.GATE_REQUESTED)
        .exclude(entries__kind__in=CLOSING_KINDS)
        .order_by("-id")
        .first()
    )


def _unmet_requirements(*, relationship: Relationship, stage: int) -> list[dict]:
    unmet = (
        gating_requirements(relationship=relationship, stage=stage)
        .filter(item__mandatory=True)
        .exclude(settled_q())
    )
    return [{"id": r.pk, "item": r.item.key, "title": r.item.title} for r in unmet]


def _target(relationship: Relationship, kind: str) -> tuple[int, int]:
    stage = relationship.current_stage
    if kind == GateKind.ADVANCE:
        return stage, min(stage + 1, Stage.last())
    if kind == GateKind.SEND_BACK:
        if stage == Stage.first():
            raise Conflict("Stage 1 has no earlier stage to go back to.", code="no_earlier_stage")
        return stage, stage - 1
    if kind == GateKind.ACTIVATE_EXIT:
        if not Stage.exit_activated_from(stage):
            raise Conflict(
                "The exit strategy can be activated from stage 5, 6 or 7 only.",
                code="exit_not_allowed",
            )
        return stage, Stage.EXIT
    raise ValidationFailed("Unknown kind of gate.", fields={"kind": ["Not a valid choice."]})


def gate_requester_check(
    *, relationship: Relationship, requested_by: Membership, stage: int
) -> bool:
    """Who may request; returns whether the requester is also an approver (SME self-approval)."""
    party = active_party(relationship, requested_by.organization_id)
    if party is None:
        raise PermissionRefused("Only an active party of the relationship requests its gates.")
    if (Stage.is_internal(stage) or relationship.is_ecosystem) and not party.is_lead:
        raise PermissionRefused(
            "The lead organization requests the gates of stages 1-4 (and every gate of an "
            "ecosystem).",
            code="not_lead",
        )
    role = requester_role(relationship=relationship, party=party, requested_by=requested_by)
    if not role:
        raise PermissionRefused(
            "Gates are requested by a relationship manager or an administrator (or, in the SME "
            "profile, by the party's own SER).",
            code="cannot_request_gate",
        )
    return role == "own_ser"  # ISO 44003: the owner may be requester and SER; recorded


@transaction.atomic
def gate_request(
    *,
    relationship: Relationship,
    requested_by: Membership,
    kind: str = GateKind.ADVANCE,
    reason: str = "",
    notify: bool = True,
) -> DecisionRecord:
    """Ask the SERs to decide on leaving the current stage (forward, back, or into exit).

    ``notify=False`` sends no email (demo data, imports); the ledger is the same either way.
    """
    relationship = relationship_lock(relationship)
    relationship_ensure_open(relationship)
    from_stage, to_stage = _target(relationship, kind)
    if kind != GateKind.ADVANCE and not reason.strip():
        raise ValidationFailed(
            "Give the reason for this decision.", fields={"reason": ["This field is required."]}
        )
    self_approval = gate_requester_check(
        relationship=relationship, requested_by=requested_by, stage=from_stage
    )
    if kind == GateKind.ADVANCE:
        unmet = _unmet_requirements(relationship=relationship, stage=from_stage)
        if unmet:
            raise ValidationFailed(
                f"{len(unmet)} mandatory requirement(s) of stage {from_stage} are neither met "
                "nor justified as not applicable.",
                code="requirements_unmet",
                extra={"missing": unmet},
            )
    rule = approval_rule(relationship=relationship, from_stage=from_stage)
    visibility = Visibility.INTERNAL if Stage.is_internal(from_stage) else Visibility.JOINT

    previous = pending_gate(relationship)
    if previous is not None:
        if not gate_is_stale(previous):
            raise Conflict(
                "A gate is already waiting for its decision.",
                code="gate_pending",
                extra={"gate": previous.pk},
            )
        record_append(
            relationship=relationship,
            kind=RecordKind.GATE_SUPERSEDED,
            gate=previous,
            organization_id=requested_by.organization_id,
            visibility=previous.visibility,
            from_stage=previous.from_stage,
            to_stage=previous.to_stage,
            actor=requested_by,
            text="The evidence changed; the gate was requested again.",
        )

    key = (relationship.pk, from_stage)
    gate = record_append(
        relationship=relationship,
        kind=RecordKind.GATE_REQUESTED,
        gate_kind=kind,
        organization_id=requested_by.organization_id,
        visibility=visibility,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=requested_by,
        text=reason,
        payload={
            **gate_snapshots({key})[key],
            **approvers_payload(rule),
            "self_approval": self_approval,
        },
    )
    approvers_record(request=gate, relationship=relationship, visibility=visibility, rule=rule)
    webhooks.gate_requested_emit(gate)
    if notify:
        transaction.on_commit(
            lambda: tasks.notify_gate_requested.delay(
                organization_id=requested_by.organization_id, gate_id=gate.pk
            )
        )
    return gate


def gate_is_satisfied(gate: DecisionRecord, decisions: dict[int, str]) -> bool:
    approved = {m for m, kind in decisions.items() if kind == RecordKind.APPROVED}
    required = [a for a in gate.payload["approvers"] if a["pool"] == ApproverPool.REQUIRED]
    quorum_pool = [a for a in gate.payload["approvers"] if a["pool"] == ApproverPool.QUORUM]
    if not all(a["membership"] in approved for a in required):
        return False
    return sum(1 for a in quorum_pool if a["membership"] in approved) >= gate.payload["quorum"]


def gate_is_defeated(gate: DecisionRecord, decisions: dict[int, str]) -> bool:
    """Whether the gate can no longer pass: a required SER rejected it, or so many of the
    quorum pool rejected it that the quorum is out of reach. One ecosystem member's objection
    is recorded but does not veto what the quorum decides."""
    rejected = {m for m, kind in decisions.items() if kind == RecordKind.REJECTED}
    approvers = gate.payload["approvers"]
    if any(a["membership"] in rejected for a in approvers if a["pool"] == ApproverPool.REQUIRED):
        return True
    quorum_pool = [a for a in approvers if a["pool"] == ApproverPool.QUORUM]
    still_possible = sum(1 for a in quorum_pool if a["membership"] not in rejected)
    return still_possible < gate.payload["quorum"]


def _apply(relationship: Relationship, gate: DecisionRecord) -> None:
    """Move the relationship as the passed gate decided."""
    fields = ["current_stage", "updated_at"]
    if gate.gate_kind == GateKind.ADVANCE and gate.from_stage == Stage.EXIT:
        relationship.status = RelationshipStatus.EXITED
        fields.append("status")
    elif gate.gate_kind == GateKind.ACTIVATE_EXIT:
        relationship.status = RelationshipStatus.EXITING
        fields.append("status")
    elif gate.gate_kind == GateKind.SEND_BACK and relationship.status == RelationshipStatus.EXITING:
        relationship.status = RelationshipStatus.ACTIVE
        fields.append("status")
    relationship.current_stage = gate.to_stage
    relationship.save(update_fields=fields)


def gate_decision_check(
    *, gate: DecisionRecord, approver: Membership, approve: bool, comment: str = ""
) -> dict[int, str]:
    """Refuse, with the reason, a decision ``gate_decide`` would refuse; else return the
    decisions already recorded (approver id to kind).

    The browser asks it before it shows its confirmation, so a decision that would be refused
    is refused before the SER confirms it, for the same reason.
    """
    # unscoped(by-id): the gate's own entries
    if DecisionRecord.objects.unscoped().filter(gate=gate, kind__in=CLOSING_KINDS).exists():
        raise Conflict("This gate has already been decided.", code="gate_closed")
    if not is_approver(gate, approver):
        raise PermissionRefused(
            "You are not one of the SERs this gate waits for.", code="not_an_approver"
        )
    decisions = recorded_decisions(gate)
    if approver.pk in decisions:
        raise Conflict("You have already decided on this gate.", code="already_decided")
    if gate_is_stale(gate):
        raise Conflict(
            "The evidence changed after the gate was requested, so approvals given now would "
            "rest on something else. Request the gate again.",
            code="gate_stale",
        )
    if approver.pk == gate.actor_id and not gate.payload.get("self_approval"):
        raise PermissionRefused("You cannot approve a gate you requested.", code="self_approval")
    if not approve and not comment.strip():
        raise ValidationFailed(
            "Say why you reject the gate.", fields={"comment": ["Required for a rejection."]}
        )
    return decisions


@transaction.atomic
def gate_decide(
    *,
    gate: DecisionRecord,
    approver: Membership,
    approve: bool,
    comment: str = "",
    notify: bool = True,
) -> DecisionRecord:
    """Record one SER's approval or rejection; the last needed approval moves the stage, and a
    rejection that leaves the gate unable to pass reopens the stage.

    The relationship row is locked first, so two SERs deciding at the same instant are
    recorded one after the other and the stage moves exactly once.
    """
    relationship = relationship_lock(gate.relationship)
    # unscoped(lock): re-read under the lock
    gate = DecisionRecord.objects.unscoped().get(pk=gate.pk)
    decisions = gate_decision_check(gate=gate, approver=approver, approve=approve, comment=comment)
    self_approved = approver.pk == gate.actor_id

    entry = record_append(
        relationship=relationship,
        kind=RecordKind.APPROVED if approve else RecordKind.REJECTED,
        gate=gate,
        organization_id=approver.organization_id,
        visibility=gate.visibility,
        from_stage=gate.from_stage,
        to_stage=gate.to_stage,
        actor=approver,
        text=comment,
        payload={"self_approved": self_approved} if self_approved else {},
    )
    decisions[approver.pk] = entry.kind
    outcome = None
    if not approve:
        if gate_is_defeated(gate, decisions):
            outcome = RecordKind.GATE_REOPENED
    elif gate_is_satisfied(gate, decisions):
        outcome = RecordKind.GATE_PASSED
        _apply(relationship, gate)
    if outcome is not None:
        # The outcome names whose decision settled it (in the requester's chain: the ledger
        # shows its actor as the approver's organization's person, named only where allowed).
        settled = record_append(
            relationship=relationship,
            kind=outcome,
            gate=gate,
            organization_id=gate.organization_id,
            visibility=gate.visibility,
            from_stage=gate.from_stage,
            to_stage=gate.to_stage,
            actor=approver,
        )
        webhooks.gate_decided_emit(gate, settled)
        if notify:
            transaction.on_commit(
                lambda: tasks.notify_gate_decided.delay(
                    organization_id=gate.organization_id, gate_id=gate.pk
                )
            )
    return entry
