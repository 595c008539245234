"""What the lifecycle panels of the relationship page show, read as the acting organization.

The relationship page (``relationships.views.relationship_detail``) renders them through the
``lifecycle_workspace`` template tag; the lifecycle views render them again after a form, in
place (HTMX) or on a page of their own. Every read goes through the scoped managers, so
another organization's internal requirements, evidence and gates never reach a template.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest

from cbrms.errors import ApplicationError, PermissionRefused
from lifecycle.forms import EvidenceForm, GateDecisionForm, GateRequestForm, RequirementStatusForm
from lifecycle.models import (
    CLOSING_KINDS,
    ApproverPool,
    DecisionRecord,
    Evidence,
    EvidenceStatus,
    GateKind,
    GateStatus,
    RecordKind,
    RelationshipFramework,
    Requirement,
    RequirementStatus,
    Stage,
    StageState,
)
from lifecycle.selectors.gates import (
    gate_state,
    ledger_verification,
    stage_overview,
    with_gate_details,
)
from lifecycle.services.approvers import approval_rule
from lifecycle.services.gates import gate_requester_check
from lifecycle.services.requirements import requirement_is_open, settled_q
from relationships.disclosure import request_disclosure
from relationships.models import Relationship, RelationshipStatus, Visibility
from relationships.permissions import can
from relationships.roles import Capability

#: How many ledger entries the decision record shows, newest first.
LEDGER_ENTRIES_SHOWN = 50

_TIMELINE_CLASS = {
    StageState.APPROVED: "done",
    StageState.IN_PROGRESS: "current",
    StageState.GATE_REQUESTED: "current",
    StageState.NOT_STARTED: "upcoming",
}
_TIMELINE_LABEL = {
    StageState.APPROVED: "Done",
    StageState.IN_PROGRESS: "Current stage",
    StageState.GATE_REQUESTED: "Gate requested",
    StageState.NOT_STARTED: "Upcoming",
}


def selected_stage(request: HttpRequest, relationship: Relationship) -> int:
    """The stage whose checklist the page shows: ``?stage=N``, else the current stage."""
    try:
        stage = int(request.GET.get("stage", ""))
    except ValueError:
        return relationship.current_stage
    return stage if stage in Stage.values else relationship.current_stage


# --- the timeline ----------------------------------------------------------------------------


def timeline(request: HttpRequest, relationship: Relationship, selected: int) -> list[dict]:
    """The stages, with their state and how many of the requirements the acting organization
    works on are settled. A party other than the lead passed stages 1-4 on the lead's own work:
    its counts there are its own checklist's, and the stage says whose gate it was."""
    others_gate = request.organization.pk != relationship.lead_organization_id
    return [
        {
            "number": stage.number,
            "name": stage.name,
            "state": _TIMELINE_CLASS[stage.state],
            "label": _TIMELINE_LABEL[stage.state],
            "is_current": stage.number == relationship.current_stage
            and relationship.status != RelationshipStatus.EXITED,
            "selected": stage.number == selected,
            "requirements": stage.requirements,
            "settled": stage.settled,
            "own_checklist": others_gate and Stage.is_internal(stage.number),
        }
        for stage in stage_overview(relationship)
    ]


# --- the checklist ---------------------------------------------------------------------------


def _catalog_id(relationship: Relationship) -> int | None:
    return (
        RelationshipFramework.objects.filter(relationship=relationship)
        .values_list("catalog_id", flat=True)
        .first()
    )


def stage_progress(relationship: Relationship, stage: int) -> dict:
    """How many of the checklist's requirements are settled (met or not applicable)."""
    counts = Requirement.objects.filter(
        relationship=relationship, stage=stage, item__catalog_id=_catalog_id(relationship)
    ).aggregate(
        total=Count("pk"),
        settled=Count("pk", filter=settled_q()),
    )
    return {"settled_count": counts["settled"], "requirement_count": counts["total"]}


def checklist_requirements(relationship: Relationship, stage: int, *, pk: int | None = None):
    """The stage's requirements the acting organization sees: its own internal ones and the
    joint ones, of the catalog version the relationship runs on, with their evidence."""
    queryset = (
        Requirement.objects.filter(
            relationship=relationship, stage=stage, item__catalog_id=_catalog_id(relationship)
        )
        .select_related(
            "item",
            "owner__user",
            "owner__organization",
            "settled_by__user",
            "settled_by__organization",
            "organization",
        )
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related(
                    "organization", "owner__user", "owner__organization"
                ).order_by("created_at", "id"),
                to_attr="evidence_items",
            )
        )
        .order_by("item__position", "id")
    )
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    return queryset


def prepare_requirement(
    request: HttpRequest,
    requirement: Requirement,
    *,
    status_form: RequirementStatusForm | None = None,
    evidence_form: EvidenceForm | None = None,
    feedback: str = "",
) -> Requirement:
    """Attach the forms the member may use (bound ones keep what was typed) and feedback."""
    editable = requirement_is_open(requirement)
    requirement.may_edit = editable and can(request, Capability.REQUIREMENTS_EDIT)
    requirement.may_add_evidence = editable and can(request, Capability.EVIDENCE_MANAGE)
    requirement.feedback = feedback
    if requirement.may_edit:
        requirement.status_form = status_form or RequirementStatusForm(
            prefix=f"req-{requirement.pk}",
            initial={"status": requirement.status, "justification": requirement.justification},
        )
    if requirement.may_add_evidence:
        requirement.evidence_form = evidence_form or EvidenceForm(prefix=f"ev-{requirement.pk}")
    requirement.evidence_open = evidence_form is not None and evidence_form.errors
    return requirement


def checklist_context(request: HttpRequest, relationship: Relationship, stage: int) -> dict:
    requirements = []
    for requirement in checklist_requirements(relationship, stage):
        requirement.relationship = relationship
        requirements.append(prepare_requirement(request, requirement))
    return {
        "stage_number": stage,
        "stage_name": Stage(stage).label,
        "requirements": requirements,
        "stage_passed": stage < relationship.current_stage,
        "stage_closed": any(not requirement_is_open(r) for r in requirements),
        "stage_upcoming": stage > relationship.current_stage and not relationship.is_closed,
        "settled_count": sum(1 for r in requirements if r.is_settled),
        "requirement_count": len(requirements),
    }


# --- the gate panel --------------------------------------------------------------------------


@dataclass
class ApproverRow:
    organization: str
    person: str
    pool: str
    decision: DecisionRecord | None
    is_me: bool


@dataclass
class EvidenceRow:
    title: str
    version: int | None
    kind: str
    requirement: str
    change: str  # unchanged | changed | withdrawn | removed | added


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
    evidence: list[EvidenceRow] = field(default_factory=list)
    #: Met requirements of the gate whose evidence is all still draft: the SER should know.
    drafts_only: list[Requirement] = field(default_factory=list)
    status_changes: list[dict] = field(default_factory=list)
    my_decision: DecisionRecord | None = None
    is_my_gate: bool = False

    @property
    def changed_evidence(self) -> int:
        return sum(1 for row in self.evidence if row.change != "unchanged")


def _visible_pending_gate(relationship: Relationship) -> DecisionRecord | None:
    return (
        with_gate_details(DecisionRecord.objects.filter(relationship=relationship))
        .exclude(entries__kind__in=CLOSING_KINDS)
        .order_by("-id")
        .first()
    )


def _evidence_rows(relationship: Relationship, gate: DecisionRecord) -> list[EvidenceRow]:
    """The evidence the gate rests on, as requested, and what became of it since."""
    snapshot: dict[str, str] = gate.payload.get("evidence", {})
    gating = Q(visibility=Visibility.JOINT) | Q(organization_id=relationship.lead_organization_id)
    current = {
        evidence.pk: evidence
        for evidence in Evidence.objects.filter(relationship=relationship)
        .filter(Q(pk__in=[int(pk) for pk in snapshot]) | Q(requirement__stage=gate.from_stage))
        .filter(gating)
        .select_related("requirement__item")
        .order_by("requirement__item__position", "id")
    }
    rows = []
    for pk, evidence in current.items():
        item = evidence.requirement.item
        requirement = f"{item.key.rpartition(':')[2]} {item.title}"
        if str(pk) not in snapshot:
            if evidence.status == EvidenceStatus.WITHDRAWN:
                continue
            change = "added"
        elif evidence.status == EvidenceStatus.WITHDRAWN:
            change = "withdrawn"
        else:
            change = "unchanged" if evidence.content_hash == snapshot[str(pk)] else "changed"
        rows.append(
            EvidenceRow(evidence.title, evidence.version, evidence.kind, requirement, change)
        )
    for pk in snapshot:
        if int(pk) not in current:
            rows.append(EvidenceRow("", None, "", "", "removed"))
    return rows


def resting_on_drafts_only(relationship: Relationship, stage: int):
    """The met requirements a gate leaving ``stage`` rests on whose evidence (not withdrawn) is
    all draft: proven, but on documents nobody has approved yet."""
    approved = Evidence.objects.filter(
        requirement_id=OuterRef("pk"), status=EvidenceStatus.APPROVED
    )
    return (
        Requirement.objects.filter(relationship=relationship, stage=stage)
        .filter(Requirement.gating_q(), status=RequirementStatus.MET)
        .exclude(Exists(approved))
        .select_related("item")
        .order_by("item__position", "id")
    )


def _status_changes(relationship: Relationship, gate: DecisionRecord) -> list[dict]:
    """Requirements whose status moved since the request (gates that recorded statuses)."""
    statuses: dict[str, str] | None = gate.payload.get("requirements")
    if not statuses:
        return []
    changed = (
        Requirement.objects.filter(relationship=relationship, pk__in=[int(pk) for pk in statuses])
        .select_related("item")
        .order_by("item__position", "id")
    )
    return [
        {
            "requirement": requirement,
            "before": RequirementStatus(statuses[str(requirement.pk)]).label,
        }
        for requirement in changed
        if statuses[str(requirement.pk)] != requirement.status
    ]


def _pending_gate(request: HttpRequest, relationship: Relationship) -> PendingGate | None:
    gate = _visible_pending_gate(relationship)
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
    pending.evidence = _evidence_rows(relationship, gate)
    pending.drafts_only = list(resting_on_drafts_only(relationship, gate.from_stage))
    pending.status_changes = _status_changes(relationship, gate)
    return pending


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
    missing: list[dict] | None = None,
) -> dict:
    pending = _pending_gate(request, relationship)
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
        "missing": missing or [],
        "lead_decides_alone": Stage.is_internal(current) or relationship.is_ecosystem,
        "is_lead": relationship.lead_organization_id == request.organization.pk,
        "current_stage": current,
        "current_stage_name": Stage(current).label,
        "exited": relationship.status == RelationshipStatus.EXITED,
        "GateKind": GateKind,
        "GateStatus": GateStatus,
    }


# --- the decision record ---------------------------------------------------------------------


def private_decisions(request: HttpRequest, relationship: Relationship) -> list[str]:
    """What the acting organization's view of the ledger leaves out, said rather than implied
    (an empty record where gates have passed reads as if nothing was decided)."""
    notes = []
    lead = relationship.lead_organization
    if request.organization.pk != lead.pk and relationship.current_stage > Stage.first():
        notes.append(
            f"The gates of stages 1 to 4 are {lead.name}'s own decisions: their record, and "
            f"the evidence behind them, are {lead.name}'s alone."
        )
    if relationship.pk in request_disclosure(request).closed:
        notes.append(
            "The member list of this ecosystem is closed: other members' decisions stay "
            "with the orchestrator."
        )
    return notes


def decision_record_context(request: HttpRequest, relationship: Relationship) -> dict:
    entries = DecisionRecord.objects.filter(relationship=relationship)
    shown = list(
        entries.select_related("actor_user", "actor", "organization").order_by("-id")[
            :LEDGER_ENTRIES_SHOWN
        ]
    )
    total = len(shown) if len(shown) < LEDGER_ENTRIES_SHOWN else entries.count()
    return {
        "ledger_entries": shown,
        "ledger_total": total,
        "ledger_hidden": total - len(shown),
        "chain": ledger_verification(relationship),
        "ledger_private": private_decisions(request, relationship),
    }


# --- all of it -------------------------------------------------------------------------------


def workspace_context(request: HttpRequest, relationship: Relationship) -> dict:
    request_disclosure(request)  # read once, up front: the panels name organizations and people
    stage = selected_stage(request, relationship)
    gate_panel = gate_panel_context(request, relationship)
    return {
        "relationship": relationship,
        "timeline": timeline(request, relationship, stage),
        **checklist_context(request, relationship, stage),
        **gate_panel,
        "gate_waiting": gate_panel["pending"] is not None
        and stage == gate_panel["pending"].gate.from_stage,
        **decision_record_context(request, relationship),
    }
