"""Stage gates, the decision ledger and the SER approval inbox."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cbrms.api.schema import CONFLICT, error
from cbrms.api.viewsets import OrgViewSet
from cbrms.tenancy.api import write_action, writes
from lifecycle.api.serializers import (
    ChainSerializer,
    GateCreateSerializer,
    GateDecisionSerializer,
    GateSerializer,
    InboxEntrySerializer,
    LedgerEntrySerializer,
)
from lifecycle.api.views.progress import RELATIONSHIP
from lifecycle.models import DecisionRecord, GateApprover, GateKind
from lifecycle.selectors.gates import (
    approval_inbox,
    gate_state,
    ledger_verification,
    with_gate_details,
)
from lifecycle.services.gates import gate_decide, gate_request
from relationships.disclosure import Disclosure, request_disclosure
from relationships.roles import Capability

UNMET = error(
    "`requirements_unmet` (with `missing`), `ser_missing`, `quorum_unreachable` or another "
    "validation error."
)


def requester(gate: DecisionRecord, disclosure: Disclosure) -> dict | None:
    """Who requested ``gate``, as the acting organization may be told."""
    person = disclosure.person_by_user(
        gate.actor_user, gate.actor_id, gate.organization_id, gate.relationship_id
    )
    if person is None:
        return None
    return {"membership": person.membership, "email": person.email, "full_name": person.full_name}


def gate_representation(gate: DecisionRecord, disclosure: Disclosure) -> dict:
    state = gate_state(gate)
    decided = {d.actor_id: d.kind for d in state.decisions}
    approvers = getattr(gate, "approver_list", None)
    if approvers is None:  # scoped: no approver the acting organization may not be told of
        approvers = list(
            GateApprover.objects.filter(gate=gate).select_related(
                "organization", "membership__user"
            )
        )
    for approver in approvers:
        approver.decision = decided.get(approver.membership_id)
    return {
        "id": gate.pk,
        "gate_kind": gate.gate_kind,
        "from_stage": gate.from_stage,
        "to_stage": gate.to_stage,
        "closes_relationship": gate.closes_relationship,
        "status": state.status,
        "stale": state.stale,
        "text": gate.text,
        "requested_by": requester(gate, disclosure),
        "created_at": gate.created_at,
        "visibility": gate.visibility,
        "quorum": gate.payload.get("quorum", 0),
        "self_approval": gate.payload.get("self_approval", False),
        "approvers": approvers,
        "decisions": state.decisions,
        "evidence": gate.payload.get("evidence", {}),
    }


class GateFilterSet(filters.FilterSet):
    stage = filters.NumberFilter(field_name="from_stage")
    kind = filters.ChoiceFilter(field_name="gate_kind", choices=GateKind.choices)

    class Meta:
        model = DecisionRecord
        fields = ["stage", "kind"]


ADVANCE_EXAMPLE = OpenApiExample(
    "Ask to leave the current stage", value={"kind": "advance"}, request_only=True
)
EXIT_EXAMPLE = OpenApiExample(
    "Activate the exit strategy",
    value={"kind": "activate_exit", "reason": "The contract ends on 31 March."},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="List stage gates", responses=GateSerializer(many=True)),
    retrieve=extend_schema(summary="Get a stage gate", responses=GateSerializer),
    create=extend_schema(
        summary="Request a stage gate",
        description=(
            "`advance` leaves the current stage once every mandatory requirement is met or "
            "justified; `send_back` returns one stage and `activate_exit` jumps from stage 5, 6 "
            "or 7 to 8 — both need a `reason`. The request snapshots the evidence hashes and "
            "fixes the SERs who must decide. Stages 1-4: the lead's SER; 5-8: every active "
            "party's SER; ecosystems: the orchestrator's SER plus the member quorum."
        ),
        request=GateCreateSerializer,
        responses={201: GateSerializer, 400: UNMET, 409: CONFLICT},
        examples=[ADVANCE_EXAMPLE, EXIT_EXAMPLE],
    ),
)
class GateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """``relationships/{id}/gates/``: requests to leave a stage, and the SERs' decisions."""

    model = DecisionRecord
    parent_lookups = RELATIONSHIP
    serializer_class = GateSerializer
    filterset_class = GateFilterSet
    capabilities = {
        "list": Capability.LIFECYCLE_VIEW,
        "retrieve": Capability.LIFECYCLE_VIEW,
        "create": Capability.GATES_REQUEST,
        "approve": Capability.GATES_DECIDE,
        "reject": Capability.GATES_DECIDE,
    }

    def narrow_queryset(self, queryset):
        return with_gate_details(queryset)

    def _gates(self, gates, **kwargs) -> dict | list:
        disclosure = request_disclosure(self.request)
        context = self.get_serializer_context()
        if kwargs.get("many"):
            rows = [gate_representation(gate, disclosure) for gate in gates]
        else:
            rows = gate_representation(gates, disclosure)
        return GateSerializer(rows, context=context, **kwargs).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._gates(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._gates(self.get_object()))

    def _read(self, gate_id: int) -> dict:
        return self._gates(self.get_queryset().get(pk=gate_id))

    @writes
    def create(self, request, *args, **kwargs):
        serializer = GateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        gate = self.write(
            gate_request,
            relationship=self.get_parent("relationship"),
            requested_by=self.membership,
            **serializer.validated_data,
        )
        return Response(self._read(gate.pk), status=status.HTTP_201_CREATED)

    def _decide(self, request, *, approve: bool):
        gate = self.get_object()
        serializer = GateDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.write(
            gate_decide,
            gate=gate,
            approver=self.membership,
            approve=approve,
            comment=serializer.validated_data["comment"],
        )
        return Response(self._read(gate.pk))

    @extend_schema(
        summary="Approve a stage gate (SERs)",
        description=(
            "The last approval needed moves the relationship. `gate_stale` (409) when the "
            "evidence changed since the request; `not_an_approver` (403) for anyone the gate "
            "does not wait for."
        ),
        request=GateDecisionSerializer,
        responses={200: GateSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def approve(self, request, *args, **kwargs):
        return self._decide(request, approve=True)

    @extend_schema(
        summary="Reject a stage gate (SERs)",
        description=(
            "A rejection needs a comment and reopens the stage. In an ecosystem, a member's "
            "rejection reopens it only once the member quorum can no longer be reached."
        ),
        request=GateDecisionSerializer,
        responses={200: GateSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def reject(self, request, *args, **kwargs):
        return self._decide(request, approve=False)


@extend_schema_view(
    list=extend_schema(
        summary="The decision ledger",
        description=(
            "Every gate request, approval, rejection and outcome you may see, in order. Each "
            "entry holds the hash of the previous one."
        ),
    ),
)
class DecisionRecordViewSet(mixins.ListModelMixin, OrgViewSet):
    """``relationships/{id}/decisions/``: the append-only, hash-chained record of decisions."""

    model = DecisionRecord
    parent_lookups = RELATIONSHIP
    serializer_class = LedgerEntrySerializer
    capabilities = {"list": Capability.LIFECYCLE_VIEW, "verify": Capability.LIFECYCLE_VIEW}

    def narrow_queryset(self, queryset):
        return queryset.select_related("organization", "actor_user", "actor")

    @extend_schema(
        summary="Verify the ledger's hash chains",
        description=(
            "The ledger is one chain per audience: the joint chain, your organization's "
            "internal chain, and in an ecosystem one per member. This recomputes every hash of "
            "each chain you read in full, and says whether they are intact and where the first "
            "break is. Chains you may not read are not part of the answer, not even by number."
        ),
        responses=ChainSerializer,
    )
    @action(detail=False, methods=["get"])
    def verify(self, request, *args, **kwargs):
        result = ledger_verification(self.get_parent("relationship"))
        body = {
            "verified": result.verified,
            "records": result.records,
            "broken_at": result.broken_at,
            "reason": result.reason,
            "chains": [vars(chain) for chain in result.chains],
        }
        return Response(ChainSerializer(body).data)


@extend_schema_view(
    list=extend_schema(
        summary="Gates waiting for my decision",
        description=(
            "Across all relationships, the gates whose required SERs include you and that you "
            "have not decided, oldest first, with the evidence and requirements changed since "
            "the relationship's previous gate. The changes are counted over everything the gate "
            "rests on, so every SER of a gate reads the same `changed_counts`; the lists name "
            "what you may see, and `changed_counts.private` the rest."
        ),
        responses=InboxEntrySerializer(many=True),
    )
)
class ApprovalInboxViewSet(mixins.ListModelMixin, OrgViewSet):
    """``/orgs/{org}/approvals/``: the SER's inbox."""

    model = GateApprover
    serializer_class = InboxEntrySerializer
    pagination_class = None
    capabilities = {"list": Capability.LIFECYCLE_VIEW}

    def list(self, request, *args, **kwargs):
        disclosure = request_disclosure(request)
        rows = []
        for entry in approval_inbox(membership=self.membership):
            gate = entry.gate
            rows.append(
                {
                    "gate": gate,
                    "relationship": {"id": gate.relationship_id, "name": gate.relationship.name},
                    "requested_by": requester(gate, disclosure),
                    "stale": entry.stale,
                    "since": entry.since,
                    "changed_evidence": [
                        {"id": e.pk, "title": e.title, "version": e.version}
                        for e in entry.changed_evidence
                    ],
                    "changed_requirements": [
                        {"id": r.pk, "item": r.item.key, "status": r.status}
                        for r in entry.changed_requirements
                    ],
                    "changed_counts": {
                        "requirements": entry.changed_requirement_count,
                        "evidence": entry.changed_evidence_count,
                        "private": entry.changes_private,
                    },
                }
            )
        return Response(InboxEntrySerializer(rows, many=True).data)
