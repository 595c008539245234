"""``relationships/{id}/issues/`` and ``.../escalation-ladder/``: issues and the ladder they
climb."""

from __future__ import annotations

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from cbrms.api.filters import IsoDateTimeFilter
from cbrms.api.schema import CONFLICT
from cbrms.api.viewsets import OrgViewSet
from cbrms.tenancy.api import write_action
from governance.api.base import RELATIONSHIP, RegisterViewSet
from governance.api.exports import owner_email
from governance.api.serializers import (
    EscalationLevelSerializer,
    IssueInputSerializer,
    IssueMoveSerializer,
    IssueResolveSerializer,
    IssueSerializer,
    LadderInputSerializer,
)
from governance.models import EscalationLevel, Issue, IssueStatus, IssueStep
from governance.services.issues import (
    issue_deescalate,
    issue_escalate,
    issue_raise,
    issue_resolve,
    issue_update,
    ladder_read,
    ladder_set,
)
from relationships.models import Visibility
from relationships.roles import Capability


class IssueFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=IssueStatus.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)
    level = filters.NumberFilter(field_name="level__position")
    overdue_before = IsoDateTimeFilter(field_name="level_due_at", lookup_expr="lte")

    class Meta:
        model = Issue
        fields = ["status", "visibility", "level", "overdue_before"]


@extend_schema_view(
    list=extend_schema(
        summary="List issues",
        description=(
            "Joint issues and your organization's internal ones, the most pressing first. "
            "Filters: `status`, `visibility`, `level` (a position on the ladder), "
            "`overdue_before` (a date-time: issues whose level runs out by then)."
        ),
    ),
    retrieve=extend_schema(summary="Get an issue, with its history"),
    create=extend_schema(
        summary="Raise an issue",
        description=(
            "It starts on the first level of the relationship's ladder; `level_due_at` says "
            "when that level's time runs out, after which the sweep escalates it and emails "
            "the next level's people. Joint issues from stage 5 (`409 too_early`)."
        ),
        examples=[
            OpenApiExample(
                "A joint issue",
                value={
                    "title": "Invoices disputed for October deliveries",
                    "description": "Contoso bills waiting time Northwind's contract excludes.",
                    "visibility": "joint",
                },
                request_only=True,
            )
        ],
        responses={201: IssueSerializer, 409: CONFLICT},
    ),
    update=extend_schema(summary="Replace an issue's title, description, owner and audience"),
    partial_update=extend_schema(
        summary="Change an issue's title, description, owner or audience",
        description="Its level and status change through escalate, deescalate and resolve.",
    ),
)
class IssueViewSet(RegisterViewSet):
    model = Issue
    serializer_class = IssueSerializer
    input_serializers = {
        "create": IssueInputSerializer,
        "update": IssueInputSerializer,
        "partial_update": IssueInputSerializer,
        "escalate": IssueMoveSerializer,
        "deescalate": IssueMoveSerializer,
        "resolve": IssueResolveSerializer,
    }
    filterset_class = IssueFilterSet
    export_filename = "issues.csv"
    export_ordering = ("level_due_at", "id")
    export_columns = (
        ("id", lambda i: i.pk),
        ("title", lambda i: i.title),
        ("description", lambda i: i.description),
        ("status", lambda i: i.status),
        ("level", lambda i: i.level.position),
        ("level_name", lambda i: i.level.name),
        ("level_due_at", lambda i: i.level_due_at.isoformat() if i.level_due_at else ""),
        ("resolution", lambda i: i.resolution),
        ("visibility", lambda i: i.visibility),
        ("organization", lambda i: i.organization.slug),
        ("owner", owner_email),
        ("updated_at", lambda i: i.updated_at.isoformat()),
    )
    capabilities = {
        "list": Capability.REGISTERS_VIEW,
        "retrieve": Capability.REGISTERS_VIEW,
        "export": Capability.REGISTERS_VIEW,
        "create": Capability.REGISTERS_EDIT,
        "update": Capability.REGISTERS_EDIT,
        "partial_update": Capability.REGISTERS_EDIT,
        "escalate": Capability.REGISTERS_EDIT,
        "deescalate": Capability.REGISTERS_EDIT,
        "resolve": Capability.REGISTERS_EDIT,
    }

    def narrow_queryset(self, queryset):
        steps = IssueStep.objects.select_related(
            "from_level", "to_level", "by__user", "by__organization"
        ).order_by("at", "id")
        return queryset.select_related(
            "organization", "owner__user", "owner__organization", "level"
        ).prefetch_related(Prefetch("steps", queryset=steps))

    def create_object(self, serializer):
        return issue_raise(
            relationship=self.get_parent("relationship"),
            membership=self.membership,
            **serializer.validated_data,
        )

    def update_object(self, serializer):
        return issue_update(
            issue=serializer.instance, membership=self.membership, **serializer.validated_data
        )

    def _act(self, request, service, field: str):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issue = self.write(
            service,
            issue=self.get_object(),
            membership=self.membership,
            **{field: serializer.validated_data[field]},
        )
        return Response(self.output(issue))

    @extend_schema(
        summary="Escalate an issue one level",
        description="`409 at_top` on the last level; `409 issue_resolved` once resolved.",
        responses={200: IssueSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def escalate(self, request, *args, **kwargs):
        return self._act(request, issue_escalate, "reason")

    @extend_schema(
        summary="Bring an issue back down one level",
        description="`409 at_bottom` on the first level.",
        responses={200: IssueSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def deescalate(self, request, *args, **kwargs):
        return self._act(request, issue_deescalate, "reason")

    @extend_schema(
        summary="Resolve an issue",
        description="With its resolution, kept in its history.",
        responses={200: IssueSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def resolve(self, request, *args, **kwargs):
        return self._act(request, issue_resolve, "resolution")


@extend_schema_view(
    list=extend_schema(
        summary="The relationship's escalation ladder",
        description=(
            "Bottom first. Until the lead sets one (or the first issue is raised), the default "
            "ladder the relationship would start with, with `id` null."
        ),
    ),
)
class EscalationLadderViewSet(mixins.ListModelMixin, OrgViewSet):
    model = EscalationLevel
    parent_lookups = RELATIONSHIP
    serializer_class = EscalationLevelSerializer
    input_serializers = {"replace": LadderInputSerializer}
    pagination_class = None
    filter_backends = []
    capabilities = {"list": Capability.REGISTERS_VIEW, "replace": Capability.PARTIES_MANAGE}

    def list(self, request, *args, **kwargs):
        levels = ladder_read(self.get_parent("relationship"))
        return Response(EscalationLevelSerializer(levels, many=True).data)

    @extend_schema(
        summary="Set the escalation ladder (lead only)",
        description=(
            "Replaces the ladder, bottom first. A level open issues stand on cannot be dropped "
            "(`409 level_in_use`); `403 not_lead` for the other parties."
        ),
        examples=[
            OpenApiExample(
                "Three levels",
                value={
                    "levels": [
                        {"name": "Working team", "hours": 48, "audience": "owner"},
                        {"name": "Joint management team", "hours": 120, "audience": "managers"},
                        {"name": "SERs", "hours": 240, "audience": "sers"},
                    ]
                },
                request_only=True,
            )
        ],
        responses={200: EscalationLevelSerializer(many=True), 409: CONFLICT},
    )
    @write_action(detail=False, methods=["put"], url_path="replace")
    def replace(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        levels = self.write(
            ladder_set,
            visible=None,
            relationship=self.get_parent("relationship"),
            organization=self.organization,
            levels=serializer.validated_data["levels"],
        )
        return Response(EscalationLevelSerializer(levels, many=True).data)
