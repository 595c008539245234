"""Stages, the framework a relationship runs on, and its requirements."""

from __future__ import annotations

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from cbrms.api.filters import BooleanFilter
from cbrms.api.pagination import CursorPagination
from cbrms.api.schema import CONFLICT
from cbrms.api.viewsets import OrgViewSet, UpdateMixin
from cbrms.tenancy.api import write_action
from lifecycle.api.serializers import (
    FrameworkSerializer,
    FrameworkUpdateSerializer,
    FrameworkUpgradeSerializer,
    RequirementSerializer,
    RequirementUpdateSerializer,
    StageSerializer,
    UpgradeReportSerializer,
)
from lifecycle.models import RelationshipFramework, Requirement, RequirementStatus
from lifecycle.selectors.gates import stage_overview
from lifecycle.services.framework import framework_set_quorum, framework_upgrade
from lifecycle.services.requirements import requirement_update
from relationships.models import Relationship, Visibility
from relationships.roles import Capability

RELATIONSHIP = {"relationship": ("relationship", Relationship)}


@extend_schema_view(
    list=extend_schema(
        summary="The eight stages",
        description=(
            "Each stage's state (not started, in progress, gate requested, approved) and how "
            "many of the requirements you can see are settled. States follow from the gates."
        ),
        responses=StageSerializer(many=True),
    )
)
class StageViewSet(OrgViewSet):
    """``relationships/{id}/stages/``: where the relationship stands in its lifecycle."""

    model = RelationshipFramework
    parent_lookups = RELATIONSHIP
    capabilities = {"list": Capability.LIFECYCLE_VIEW}
    serializer_class = StageSerializer
    pagination_class = None

    def list(self, request, *args, **kwargs):
        relationship = self.get_parent("relationship")
        stages = stage_overview(relationship)
        return Response(StageSerializer(stages, many=True).data)


@extend_schema_view(
    retrieve=extend_schema(summary="The catalog and gate rules of a relationship"),
    partial_update=extend_schema(
        summary="Set the ecosystem quorum (lead only)",
        description=(
            "How many members' SERs must approve a stage 5-8 gate besides the orchestrator's."
        ),
    ),
)
class FrameworkViewSet(mixins.RetrieveModelMixin, UpdateMixin, OrgViewSet):
    """``relationships/{id}/framework/``: which catalog version applies, and the quorum."""

    model = RelationshipFramework
    parent_lookups = RELATIONSHIP
    serializer_class = FrameworkSerializer
    input_serializers = {"partial_update": FrameworkUpdateSerializer}
    lookup_field = "relationship_id"
    lookup_url_kwarg = "relationship"
    capabilities = {
        "retrieve": Capability.LIFECYCLE_VIEW,
        "partial_update": Capability.FRAMEWORK_MANAGE,
        "upgrade": Capability.FRAMEWORK_MANAGE,
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("catalog")

    def update_object(self, serializer):
        return framework_set_quorum(
            framework=serializer.instance,
            organization=self.organization,
            member_quorum=serializer.validated_data["member_quorum"],
        )

    @extend_schema(
        summary="Upgrade to a newer catalog version (lead only)",
        description=(
            "Moves the relationship to another version of its catalog. Requirement statuses, "
            "owners and evidence are carried over by item id; the report lists what was added, "
            "removed (kept for the record, no longer gating) and changed."
        ),
        request=FrameworkUpgradeSerializer,
        responses={200: UpgradeReportSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def upgrade(self, request, *args, **kwargs):
        framework = self.get_object()
        serializer = FrameworkUpgradeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = self.write(
            framework_upgrade,
            visible=framework,
            framework=framework,
            organization=self.organization,
            version=serializer.validated_data.get("version"),
        )
        return Response(UpgradeReportSerializer(report).data)


class StageOrderPagination(CursorPagination):
    ordering = ("stage", "id")


class RequirementFilterSet(filters.FilterSet):
    stage = filters.NumberFilter()
    status = filters.MultipleChoiceFilter(choices=RequirementStatus.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)
    mandatory = BooleanFilter(field_name="item__mandatory")

    class Meta:
        model = Requirement
        fields = ["stage", "status", "visibility", "mandatory"]


@extend_schema_view(
    list=extend_schema(
        summary="List requirements",
        description=(
            "Your organization's internal requirements and the joint ones. Another party's "
            "internal work never appears."
        ),
    ),
    retrieve=extend_schema(summary="Get a requirement"),
    update=extend_schema(summary="Record progress on a requirement (all fields)"),
    partial_update=extend_schema(
        summary="Record progress on a requirement",
        description=(
            "`not_applicable` needs a `justification`. Requirements a passed gate rested on "
            "(the joint ones and the lead's own) keep their status (`stage_closed`)."
        ),
    ),
)
class RequirementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, UpdateMixin, OrgViewSet):
    """``relationships/{id}/requirements/``: the checklist of every stage."""

    model = Requirement
    parent_lookups = RELATIONSHIP
    serializer_class = RequirementSerializer
    filterset_class = RequirementFilterSet
    pagination_class = StageOrderPagination
    input_serializers = {
        "update": RequirementUpdateSerializer,
        "partial_update": RequirementUpdateSerializer,
    }
    capabilities = {
        "list": Capability.LIFECYCLE_VIEW,
        "retrieve": Capability.LIFECYCLE_VIEW,
        "update": Capability.REQUIREMENTS_EDIT,
        "partial_update": Capability.REQUIREMENTS_EDIT,
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related(
            "item",
            "organization",
            "owner__user",
            "owner__organization",
            "settled_by__user",
            "settled_by__organization",
        ).annotate(
            evidence_count=Count("evidence"),
            retired=ExpressionWrapper(
                ~Q(item__catalog_id=F("relationship__framework__catalog_id")),
                output_field=BooleanField(),
            ),
        )

    def update_object(self, serializer):
        return requirement_update(
            requirement=serializer.instance,
            organization=self.organization,
            by=self.membership,
            **serializer.validated_data,
        )
