"""The gate panel: the request form, or the pending gate with its decisions and what it rests
on, or the last gate's rejection."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest

from cbrms.errors import ApplicationError, PermissionRefused
from lifecycle.forms import GateDecisionForm, GateRequestForm
from lifecycle.models import (
    ApproverPool,
    DecisionRecord,
    GateKind,
    GateStatus,
    RecordKind,
    Requirement,
    Stage,
)
from lifecycle.selectors.gates import (
    EvidenceChange,
    StatusChange,
    gate_evidence_changes,
    gate_state,
    gate_status_changes,
    pending_gate,
    resting_on_drafts_only,
    turned_down_gate,
    visible_ids,
)
from lifecycle.services.approvers import approval_rule
from lifecycle.services.gates import gate_requester_check
from relationships.disclosure import request_disclosure
from relationships.models import Relationship, RelationshipStatus
from relationships.permissions import can
from relationships.roles import Capability


@dataclass
class ApproverRow:
    organization: str
    person: str
    pool: str
    decision: DecisionRecord | None
    is_me: bool


@dataclass
class PendingGate:
    gate: DecisionRecord
    stale: bool
    required: list[ApproverRow] = field(default_factory=list)
    quorum_pool: list[ApproverRow] = field(default_factory=list)
    quorum: int = 0
    quorum_approved: int = 0
    #: The members' SERs other than the acting organization's are not shown to it (an
    #: ecosystem whose member directory is closed): it sees the quorum, not who makes it.
    pool_undisclosed: bool = False
    #: What the gate rests on: the same rows for every SER; another party's internal work is
    #: counted, not shown (``visible``).
    evidence: list[EvidenceChange] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    #: Met requirements of the gate whose evidence is all still draft: the SER should know.
    drafts_only: list[Requirement] = field(default_factory=list)
    drafts_only_private: int = 0
    my_decision: DecisionRecord | None = None
    is_my_gate: bool = False

    @property
    def changed_evidence(self) -> int:
        return sum(1 for row in self.evidence if row.change != "unchanged")

    @property
    def private_evidence(self) -> int:
        return sum(1 for row in self.evidence if row.evidence is not None and not row.visible)


def _pending(request: HttpRequest, relationship: Relationship) -> PendingGate | None:
    gate = pending_gate(relationship)
    if gate is None:
        return None
    state = gate_state(gate)
    decisions = {decision.actor_id: decision for decision in state.decisions}
    me = request.membership.pk
    pending = PendingGate(
        gate=gate,
        stale=state.stale,
        quorum=gate.payload.get("quorum", 0),
        my_decision=decisions.get(me),
        is_my_gate=gate.actor_id == me,
    )
    for approver in gate.approver_list:
        row = ApproverRow(
            organization=approver.organization.name,
            person=str(approver.membership.user),
            pool=approver.pool,
            decision=decisions.get(approver.membership_id),
            is_me=approver.membership_id == me,
        )
        if approver.pool == ApproverPool.REQUIRED:
            pending.required.append(row)
        else:
            pending.quorum_pool.append(row)
    pending.quorum_approved = sum(
        1
        for row in pending.quorum_pool
        if row.decision and row.decision.kind == RecordKind.APPROVED
    )
    pending.pool_undisclosed = relationship.pk in request_disclosure(request).closed
    pending.evidence = gate_evidence_changes(gate)
    pending.status_changes = gate_status_changes(gate)
    drafts = resting_on_drafts_only(gate)
    seen = visible_ids(Requirement, [requirement.pk for requirement in drafts])
    pending.drafts_only = [requirement for requirement in drafts if requirement.pk in seen]
    pending.drafts_only_private = len(drafts) - len(pending.drafts_only)
    return pending


@dataclass
class Rejection:
    """The gate of the current stage the SERs turned down, and why."""

    gate: DecisionRecord
    rejections: list[DecisionRecord]
    is_my_gate: bool


def _rejection(request: HttpRequest, relationship: Relationship) -> Rejection | None:
    gate = turned_down_gate(relationship)
    if gate is None:
        return None
    rejections = [entry for entry in gate.ledger_entries if entry.kind == RecordKind.REJECTED]
    return Rejection(gate, rejections, gate.actor_id == request.membership.pk)


def _request_refusal(request: HttpRequest, relationship: Relationship) -> str:
    """Why this member cannot request the current stage's gate ("" when they can).

    The party rule is the service's own check, so the form shows exactly when the service
    would accept the requester.
    """
    if relationship.is_closed:
        return "closed"
    if not can(request, Capability.GATES_REQUEST):
        return "role"
    try:
        gate_requester_check(
            relationship=relationship,
            requested_by=request.membership,
            stage=relationship.current_stage,
        )
    except PermissionRefused as refusal:
        return "lead" if refusal.code == "not_lead" else "role"
    return ""


def gate_panel_context(
    request: HttpRequest,
    relationship: Relationship,
    *,
    request_form: GateRequestForm | None = None,
    decision_form: GateDecisionForm | None = None,
    confirming: bool = False,
    missing: list[dict] | None = None,
) -> dict:
    """What the gate panel shows. ``confirming``: ``decision_form`` passed its check and waits
    for the SER to confirm it."""
    pending = _pending(request, relationship)
    refusal = _request_refusal(request, relationship)
    may_request = not refusal and (pending is None or pending.stale)
    awaits_me = bool(
        pending
        and can(request, Capability.GATES_DECIDE)
        and any(row.is_me for row in pending.required + pending.quorum_pool)
        and pending.my_decision is None
    )
    # A stale gate takes no decisions (the service refuses them): it must be requested again.
    may_decide = awaits_me and not pending.stale
    current = relationship.current_stage
    deciders, deciders_quorum, deciders_problem = [], 0, ""
    if may_request:
        try:
            rule = approval_rule(relationship=relationship, from_stage=current)
        except ApplicationError as problem:
            deciders_problem = problem.message
        else:
            deciders = [
                f"{slot.membership.user} ({slot.organization_name})" for slot in rule.required
            ]
            deciders_quorum = rule.quorum
    return {
        "pending": pending,
        "rejection": None if pending else _rejection(request, relationship),
        "deciders": deciders,
        "deciders_quorum": deciders_quorum,
        "deciders_problem": deciders_problem,
        "may_request": may_request,
        "request_refusal": refusal,
        "request_form": request_form
        or (GateRequestForm(current_stage=current) if may_request else None),
        "awaits_me": awaits_me,
        "may_decide": may_decide,
        "decision_form": decision_form or (GateDecisionForm() if may_decide else None),
        "confirming": confirming and may_decide,
        "missing": missing or [],
        "lead_decides_alone": Stage.is_internal(current) or relationship.is_ecosystem,
        "is_lead": relationship.lead_organization_id == request.organization.pk,
        "current_stage": current,
        "current_stage_name": Stage(current).label,
        "exited": relationship.status == RelationshipStatus.EXITED,
        "GateKind": GateKind,
        "GateStatus": GateStatus,
    }
