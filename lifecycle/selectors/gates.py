"""Reading gates, stages and the SER inbox: all scoped to the acting organization."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from lifecycle.models import (
    DecisionRecord,
    Evidence,
    GateApprover,
    GateKind,
    GateStatus,
    RecordKind,
    Requirement,
    StageState,
)
from lifecycle.services.gates import CLOSING_KINDS, gate_is_stale
from relationships.models import STAGE_NAMES, Membership, Relationship, RelationshipStatus

DECISION_KINDS = (RecordKind.APPROVED, RecordKind.REJECTED)


def with_gate_details(queryset: QuerySet) -> QuerySet:
    """Gates of ``queryset`` (scoped) with what is needed to show their state."""
    return (
        queryset.filter(kind=RecordKind.GATE_REQUESTED)
        .select_related("actor_user", "organization", "relationship")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=DecisionRecord.objects.unscoped()
                .select_related("actor_user", "organization")
                .order_by("sequence"),
                to_attr="ledger_entries",
            ),
            Prefetch(
                "approvers",
                queryset=GateApprover.objects.unscoped().select_related(
                    "organization", "membership__user"
                ),
                to_attr="approver_list",
            ),
        )
    )


@dataclass
class GateState:
    status: str  # pending | passed | rejected | superseded
    stale: bool
    decisions: list[DecisionRecord] = field(default_factory=list)


def gate_state(gate: DecisionRecord) -> GateState:
    """Read a gate's state off its ledger entries (``with_gate_details`` prefetches them)."""
    entries = getattr(gate, "ledger_entries", None)
    if entries is None:
        entries = list(DecisionRecord.objects.unscoped().filter(gate=gate).order_by("sequence"))
    decisions = [e for e in entries if e.kind in DECISION_KINDS]
    closing = next((e for e in entries if e.kind in CLOSING_KINDS), None)
    if closing is None:
        return GateState(GateStatus.PENDING, gate_is_stale(gate), decisions)
    status = {
        RecordKind.GATE_PASSED: GateStatus.PASSED,
        RecordKind.GATE_REOPENED: GateStatus.REJECTED,
        RecordKind.GATE_SUPERSEDED: GateStatus.SUPERSEDED,
    }[closing.kind]
    return GateState(status, False, decisions)


@dataclass(frozen=True)
class StageView:
    number: int
    name: str
    state: str
    requirements: int
    settled: int


def stage_overview(relationship: Relationship) -> list[StageView]:
    """The eight stages with their state and the acting organization's requirement counts.

    States are derived, never stored: stages before the current one passed their gates; the
    current one is in progress or has a gate requested; later ones have not started.
    """
    pending = (
        DecisionRecord.objects.unscoped()
        .filter(
            relationship=relationship,
            kind=RecordKind.GATE_REQUESTED,
            gate_kind=GateKind.ADVANCE,
            from_stage=relationship.current_stage,
        )
        .exclude(entries__kind__in=CLOSING_KINDS)
        .exists()
    )
    counts: dict[int, list[int]] = {n: [0, 0] for n in STAGE_NAMES}
    for stage, status in Requirement.objects.filter(relationship=relationship).values_list(
        "stage", "status"
    ):
        counts[stage][0] += 1
        counts[stage][1] += status in ("met", "not_applicable")
    exited = relationship.status == RelationshipStatus.EXITED
    views = []
    for number, name in STAGE_NAMES.items():
        if number < relationship.current_stage or (exited and number == 8):
            state = StageState.APPROVED
        elif number == relationship.current_stage:
            state = StageState.GATE_REQUESTED if pending else StageState.IN_PROGRESS
        else:
            state = StageState.NOT_STARTED
        views.append(StageView(number, name, state, *counts[number]))
    return views


@dataclass(frozen=True)
class InboxEntry:
    gate: DecisionRecord
    approver: GateApprover
    since: datetime
    changed_evidence: list[Evidence]
    changed_requirements: list[Requirement]


def approval_inbox(*, membership: Membership) -> list[InboxEntry]:
    """Gates waiting for ``membership``'s decision, oldest first, with what changed since the
    relationship's previous gate was decided."""
    decided_by_me = DecisionRecord.objects.unscoped().filter(
        gate=OuterRef("gate"), actor=membership, kind__in=DECISION_KINDS
    )
    closed = DecisionRecord.objects.unscoped().filter(gate=OuterRef("gate"), kind__in=CLOSING_KINDS)
    slots = (
        GateApprover.objects.filter(membership=membership)
        .exclude(Exists(decided_by_me))
        .exclude(Exists(closed))
        .select_related("gate__relationship", "gate__actor_user", "gate__organization")
        .order_by("gate__created_at", "gate_id")
    )
    entries = []
    for slot in slots:
        gate = slot.gate
        previous = (
            DecisionRecord.objects.unscoped()
            .filter(
                relationship_id=gate.relationship_id,
                kind__in=CLOSING_KINDS,
                sequence__lt=gate.sequence,
            )
            .order_by("-sequence")
            .values_list("created_at", flat=True)
            .first()
        ) or gate.relationship.created_at
        snapshot_ids = [int(pk) for pk in gate.payload.get("evidence", {})]
        changed_evidence = list(
            Evidence.objects.filter(id__in=snapshot_ids, updated_at__gt=previous).order_by("id")
        )
        changed_requirements = list(
            Requirement.objects.filter(
                relationship_id=gate.relationship_id,
                stage=gate.from_stage,
                updated_at__gt=previous,
            ).select_related("item")
        )
        entries.append(InboxEntry(gate, slot, previous, changed_evidence, changed_requirements))
    return entries
