"""Reading gates, stages and the SER inbox: all scoped to the acting organization."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from lifecycle.models import (
    CLOSING_KINDS,
    DecisionRecord,
    Evidence,
    GateApprover,
    GateKind,
    GateStatus,
    RecordKind,
    Requirement,
    Stage,
    StageState,
)
from lifecycle.services.gates import (
    gate_is_stale,
    gate_snapshots,
    snapshot_is_stale,
)
from lifecycle.services.ledger import JOINT_CHAIN, ChainVerification, chain_verify
from lifecycle.services.requirements import settled_q
from relationships.models import (
    Membership,
    Relationship,
    RelationshipStatus,
)

DECISION_KINDS = (RecordKind.APPROVED, RecordKind.REJECTED)


def ledger_verification(relationship: Relationship) -> ChainVerification:
    """The chains of ``relationship``'s ledger the acting organization reads, recomputed.

    Each chain is read whole or not at all (``relationships.disclosure``), so the chains of the
    entries it sees are the ones it may verify; the others are no part of the answer.
    """
    chains = (
        DecisionRecord.objects.filter(relationship=relationship)
        .order_by()
        .values_list("chain", flat=True)
        .distinct()
    )
    ordered = sorted(set(chains), key=lambda chain: (chain != JOINT_CHAIN, chain))
    return chain_verify(relationship_id=relationship.pk, chains=ordered)


def with_gate_details(queryset: QuerySet) -> QuerySet:
    """Gates of ``queryset`` (scoped) with what is needed to show their state.

    Their entries and approvers come through the same scope: a member of a closed ecosystem
    gets no row that names another member (``relationships.disclosure``), and a gate's status
    is read off its closing entry, which is the orchestrator's.
    """
    return (
        queryset.filter(kind=RecordKind.GATE_REQUESTED)
        .select_related("actor_user", "organization", "relationship")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=DecisionRecord.objects.select_related(
                    "actor_user", "actor", "organization"
                ).order_by("id"),
                to_attr="ledger_entries",
            ),
            Prefetch(
                "approvers",
                queryset=GateApprover.objects.select_related(
                    "organization", "membership__user", "membership__organization"
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
        entries = list(DecisionRecord.objects.unscoped().filter(gate=gate).order_by("id"))
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
    # Scoped: another party must not learn that the lead's internal (stage 1-4) gate waits.
    pending = (
        DecisionRecord.objects.filter(
            relationship=relationship,
            kind=RecordKind.GATE_REQUESTED,
            gate_kind=GateKind.ADVANCE,
            from_stage=relationship.current_stage,
        )
        .exclude(entries__kind__in=CLOSING_KINDS)
        .exists()
    )
    counts: dict[int, list[int]] = {stage: [0, 0] for stage in Stage.values}
    # Items a catalog upgrade dropped are kept for the record but count for no stage.
    current = Requirement.objects.filter(
        relationship=relationship, item__catalog_id=F("relationship__framework__catalog_id")
    )
    settled = ExpressionWrapper(settled_q(), output_field=BooleanField())
    for stage, is_settled in current.annotate(settled=settled).values_list("stage", "settled"):
        counts[stage][0] += 1
        counts[stage][1] += is_settled
    exited = relationship.status == RelationshipStatus.EXITED
    views = []
    for number, name in Stage.choices:
        if number < relationship.current_stage or (exited and number == Stage.last()):
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
    stale: bool = False


def waiting_approvals(*, membership: Membership) -> QuerySet:
    """``membership``'s approver slots on open gates it has not decided yet (scoped)."""
    decided_by_me = DecisionRecord.objects.unscoped().filter(
        gate=OuterRef("gate"), actor=membership, kind__in=DECISION_KINDS
    )
    closed = DecisionRecord.objects.unscoped().filter(gate=OuterRef("gate"), kind__in=CLOSING_KINDS)
    return (
        GateApprover.objects.filter(membership=membership)
        .exclude(Exists(decided_by_me))
        .exclude(Exists(closed))
    )


def approval_inbox(*, membership: Membership) -> list[InboxEntry]:
    """Gates waiting for ``membership``'s decision, oldest first, with what changed since the
    relationship's previous gate was decided, and whether the evidence changed since the request.

    A constant number of queries whatever the number of gates: the slots with their gates and
    each relationship's previous decision (a subquery), then the evidence and requirements of
    every gate at once.
    """
    previous_decision = (
        DecisionRecord.objects.unscoped()
        .filter(
            relationship_id=OuterRef("gate__relationship_id"),
            kind__in=CLOSING_KINDS,
            id__lt=OuterRef("gate_id"),  # ids follow the order of appending, across chains
        )
        .order_by("-id")
        .values("created_at")[:1]
    )
    slots = list(
        waiting_approvals(membership=membership)
        .select_related("gate__relationship", "gate__actor_user", "gate__organization")
        .annotate(since=Coalesce(Subquery(previous_decision), F("gate__relationship__created_at")))
        .order_by("gate__created_at", "gate_id")
    )
    if not slots:
        return []
    gates = [slot.gate for slot in slots]
    current = gate_snapshots({(gate.relationship_id, gate.from_stage) for gate in gates})
    snapshot_ids = {int(pk) for gate in gates for pk in gate.payload.get("evidence", {})}
    # Scoped: an entry names only evidence and requirements the acting organization may see.
    evidence = list(Evidence.objects.filter(id__in=snapshot_ids).order_by("id"))
    changed = reduce(
        operator.or_,
        (
            Q(
                relationship_id=slot.gate.relationship_id,
                stage=slot.gate.from_stage,
                updated_at__gt=slot.since,
            )
            for slot in slots
        ),
    )
    requirements = list(Requirement.objects.filter(changed).select_related("item"))

    entries = []
    for slot in slots:
        gate = slot.gate
        snapshot = gate.payload.get("evidence", {})
        changed_evidence = [
            e for e in evidence if str(e.pk) in snapshot and e.updated_at > slot.since
        ]
        changed_requirements = [
            r
            for r in requirements
            if r.relationship_id == gate.relationship_id
            and r.stage == gate.from_stage
            and r.updated_at > slot.since
        ]
        stale = snapshot_is_stale(gate.payload, current[(gate.relationship_id, gate.from_stage)])
        entries.append(
            InboxEntry(gate, slot, slot.since, changed_evidence, changed_requirements, stale)
        )
    return entries
