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
    EvidenceStatus,
    GateApprover,
    GateKind,
    GateStatus,
    RecordKind,
    Requirement,
    RequirementStatus,
    Stage,
    StageState,
)
from lifecycle.services.gates import (
    gate_is_stale,
    gate_snapshots,
    snapshot_is_stale,
)
from lifecycle.services.ledger import JOINT_CHAIN, ChainVerification, chain_verify
from lifecycle.services.requirements import gating_q, settled_q
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
        # unscoped(by-id): the gate's own entries, read to tell its state
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
    #: What changed since the previous gate, of what the acting organization may see.
    changed_evidence: list[Evidence]
    changed_requirements: list[Requirement]
    stale: bool = False
    #: How much changed in all: the same for every SER of the gate, whatever each may see.
    changed_evidence_count: int = 0
    changed_requirement_count: int = 0

    @property
    def changes_private(self) -> int:
        """Changes the acting organization may not see (another party's internal work)."""
        return (
            self.changed_evidence_count
            + self.changed_requirement_count
            - len(self.changed_evidence)
            - len(self.changed_requirements)
        )


def waiting_approvals(*, membership: Membership) -> QuerySet:
    """``membership``'s approver slots on open gates it has not decided yet (scoped)."""
    # unscoped(by-id): the slot's own gate
    decided_by_me = DecisionRecord.objects.unscoped().filter(
        gate=OuterRef("gate"), actor=membership, kind__in=DECISION_KINDS
    )
    # unscoped(by-id): the slot's own gate
    closed = DecisionRecord.objects.unscoped().filter(gate=OuterRef("gate"), kind__in=CLOSING_KINDS)
    return (
        GateApprover.objects.filter(membership=membership, gate__kind=RecordKind.GATE_REQUESTED)
        .exclude(Exists(decided_by_me))
        .exclude(Exists(closed))
    )


def _stages_q(keys) -> Q:
    """``(relationship id, stage)`` pairs as one condition on requirements."""
    return reduce(operator.or_, (Q(relationship_id=rel, stage=stage) for rel, stage in keys))


def approval_inbox(*, membership: Membership) -> list[InboxEntry]:
    """Gates waiting for ``membership``'s decision, oldest first, with what changed since the
    relationship's previous gate was decided, and whether the work changed since the request.

    "What changed" is counted over what the gate rests on (``gate_basis``), so every SER of a
    gate reads the same counts; the lists name only what the acting organization may see.
    A constant number of queries whatever the number of gates: the slots with their gates and
    each relationship's previous decision (a subquery), then the evidence and requirements of
    every gate at once.
    """
    previous_decision = (
        DecisionRecord.objects.unscoped()  # unscoped(by-id): any chain: only the time is used
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
        .select_related(
            "gate__relationship__lead_organization", "gate__actor_user", "gate__organization"
        )
        .annotate(since=Coalesce(Subquery(previous_decision), F("gate__relationship__created_at")))
        .order_by("gate__created_at", "gate_id")
    )
    if not slots:
        return []
    gates = [slot.gate for slot in slots]
    keys = {(gate.relationship_id, gate.from_stage) for gate in gates}
    current = gate_snapshots(keys)
    changed_since = reduce(
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
    basis = gate_basis(_stages_q(keys))
    requirements = list(basis.filter(changed_since).select_related("item"))
    evidence = list(
        Evidence.objects.unscoped()  # unscoped(by-id): the gates' own requirements
        .filter(requirement__in=basis)
        .select_related("requirement")
        .order_by("id")
    )
    seen_requirements = visible_ids(Requirement, [r.pk for r in requirements])
    seen_evidence = visible_ids(Evidence, [e.pk for e in evidence])

    entries = []
    for slot in slots:
        gate = slot.gate
        key = (gate.relationship_id, gate.from_stage)
        changed_evidence = [
            e
            for e in evidence
            if (e.requirement.relationship_id, e.requirement.stage) == key
            and e.updated_at > slot.since
        ]
        changed_requirements = [
            r
            for r in requirements
            if (r.relationship_id, r.stage) == key and r.updated_at > slot.since
        ]
        entries.append(
            InboxEntry(
                gate,
                slot,
                slot.since,
                [e for e in changed_evidence if e.pk in seen_evidence],
                [r for r in changed_requirements if r.pk in seen_requirements],
                snapshot_is_stale(gate.payload, current[key]),
                changed_evidence_count=len(changed_evidence),
                changed_requirement_count=len(changed_requirements),
            )
        )
    return entries


# --- what one gate rests on --------------------------------------------------------------------


def visible_ids(model, ids) -> set[int]:
    """Which of ``ids`` the acting organization may see: the scope of ``model`` decides."""
    return set(model.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))


def gate_basis(where: Q) -> QuerySet:
    """The requirements gates rest on (joint ones and the lead's own) where ``where`` says.

    Read around the scope, by relationship and stage: a gate rests on the same work whoever
    looks at it, so every SER of a gate reads the same counts. What a page names of it passes
    ``visible_ids`` first.
    """
    # unscoped(by-id): what a gate rests on, every party
    return Requirement.objects.unscoped().filter(where).filter(gating_q())


def pending_gate(relationship: Relationship) -> DecisionRecord | None:
    """The relationship's open gate, if the acting organization may see it, with its details."""
    return (
        with_gate_details(DecisionRecord.objects.filter(relationship=relationship))
        .exclude(entries__kind__in=CLOSING_KINDS)
        .order_by("-id")
        .first()
    )


def turned_down_gate(relationship: Relationship) -> DecisionRecord | None:
    """The latest gate the acting organization sees, if SERs turned it down and the
    relationship is still on the stage it would have left: its rejections say what to fix."""
    latest = (
        with_gate_details(DecisionRecord.objects.filter(relationship=relationship))
        .order_by("-id")
        .first()
    )
    if (
        latest is not None
        and latest.from_stage == relationship.current_stage
        and gate_state(latest).status == GateStatus.REJECTED
    ):
        return latest
    return None


@dataclass(frozen=True)
class EvidenceChange:
    """One piece of evidence a gate rests on, and what became of it since the request."""

    change: str  # unchanged | changed | withdrawn | removed | added
    evidence: Evidence | None = None  # None when removed
    visible: bool = True


def gate_evidence_changes(gate: DecisionRecord) -> list[EvidenceChange]:
    """The evidence the gate was requested on, and any added since, with what changed: the
    same list whoever looks; ``visible`` says what the acting organization may see of it."""
    snapshot: dict[str, str] = gate.payload.get("evidence", {})
    basis = gate_basis(Q(relationship_id=gate.relationship_id, stage=gate.from_stage))
    current = list(
        Evidence.objects.unscoped()  # unscoped(by-id): the gate's own requirements
        .filter(relationship_id=gate.relationship_id)
        .filter(Q(pk__in=[int(pk) for pk in snapshot]) | Q(requirement__in=basis))
        .select_related("requirement__item", "organization")
        .order_by("requirement__item__position", "id")
    )
    seen = visible_ids(Evidence, [evidence.pk for evidence in current])
    changes = []
    for evidence in current:
        requested = snapshot.get(str(evidence.pk))
        if requested is None:
            if evidence.status == EvidenceStatus.WITHDRAWN:
                continue
            change = "added"
        elif evidence.status == EvidenceStatus.WITHDRAWN:
            change = "withdrawn"
        else:
            change = "unchanged" if evidence.content_hash == requested else "changed"
        changes.append(EvidenceChange(change, evidence, evidence.pk in seen))
    kept = {evidence.pk for evidence in current}
    changes += [EvidenceChange("removed") for pk in snapshot if int(pk) not in kept]
    return changes


@dataclass(frozen=True)
class StatusChange:
    requirement: Requirement
    before: str
    visible: bool


def gate_status_changes(gate: DecisionRecord) -> list[StatusChange]:
    """Requirements whose status moved since the request (gates that recorded statuses)."""
    statuses: dict[str, str] | None = gate.payload.get("requirements")
    if not statuses:
        return []
    requirements = [
        requirement
        # unscoped(by-id): the ids in the gate's snapshot
        for requirement in Requirement.objects.unscoped()
        .filter(relationship_id=gate.relationship_id, pk__in=[int(pk) for pk in statuses])
        .select_related("item")
        .order_by("item__position", "id")
        if statuses[str(requirement.pk)] != requirement.status
    ]
    seen = visible_ids(Requirement, [requirement.pk for requirement in requirements])
    return [
        StatusChange(
            requirement,
            RequirementStatus(statuses[str(requirement.pk)]).label,
            requirement.pk in seen,
        )
        for requirement in requirements
    ]


def resting_on_drafts_only(gate: DecisionRecord) -> list[Requirement]:
    """The met requirements the gate rests on whose evidence (not withdrawn) is all draft:
    proven, but on documents nobody has approved yet. The same list for every SER."""
    approved = Evidence.objects.unscoped().filter(  # unscoped(by-id): the gate's own requirements
        requirement_id=OuterRef("pk"), status=EvidenceStatus.APPROVED
    )
    return list(
        gate_basis(Q(relationship_id=gate.relationship_id, stage=gate.from_stage))
        .filter(status=RequirementStatus.MET)
        .exclude(Exists(approved))
        .select_related("item", "organization")
        .order_by("item__position", "id")
    )
