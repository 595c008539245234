"""``relationships/{id}/knowledge/``: the knowledge-sharing register and its CSV export."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action

from cbrms.api.schema import CONFLICT
from cbrms.api.viewsets import CreateMixin, OrgViewSet, UpdateMixin
from governance.api.exports import csv_response
from governance.api.serializers import KnowledgeAssetSerializer, KnowledgeInputSerializer
from governance.models import KnowledgeAsset, KnowledgeStatus, Sharing
from governance.services.knowledge import knowledge_create, knowledge_update
from relationships.models import Relationship, Visibility
from relationships.roles import Capability


class KnowledgeFilterSet(filters.FilterSet):
    sharing = filters.ChoiceFilter(choices=Sharing.choices)
    status = filters.ChoiceFilter(choices=KnowledgeStatus.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)

    class Meta:
        model = KnowledgeAsset
        fields = ["sharing", "status", "visibility"]


EXPORT_COLUMNS = (
    ("id", lambda a: a.pk),
    ("name", lambda a: a.name),
    ("sharing", lambda a: a.sharing),
    ("conditions", lambda a: a.conditions),
    ("description", lambda a: a.description),
    ("status", lambda a: a.status),
    ("visibility", lambda a: a.visibility),
    ("organization", lambda a: a.organization.slug),
    ("owner", lambda a: a.owner.user.email if a.owner else ""),
    ("updated_at", lambda a: a.updated_at.isoformat()),
)


@extend_schema_view(
    list=extend_schema(
        summary="List the knowledge-sharing register",
        description="Filters: `sharing`, `status`, `visibility`. By name.",
    ),
    retrieve=extend_schema(summary="Get an information asset"),
    create=extend_schema(
        summary="Class an information asset",
        description=(
            "`sharing`: `share`, `conditions` (then `conditions` says which) or "
            "`do_not_share`. Joint from stage 5 (`409 too_early`)."
        ),
        examples=[
            OpenApiExample(
                "Shared with conditions",
                value={
                    "name": "Store delivery windows",
                    "sharing": "conditions",
                    "conditions": "Contoso's planners only, for route planning; not to carriers.",
                    "visibility": "joint",
                },
                request_only=True,
            )
        ],
        responses={201: KnowledgeAssetSerializer, 409: CONFLICT},
    ),
    update=extend_schema(summary="Replace an information asset (all fields)"),
    partial_update=extend_schema(summary="Change an information asset's class or terms"),
)
class KnowledgeAssetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, CreateMixin, UpdateMixin, OrgViewSet
):
    model = KnowledgeAsset
    parent_lookups = {"relationship": ("relationship", Relationship)}
    serializer_class = KnowledgeAssetSerializer
    input_serializers = {
        "create": KnowledgeInputSerializer,
        "update": KnowledgeInputSerializer,
        "partial_update": KnowledgeInputSerializer,
    }
    filterset_class = KnowledgeFilterSet
    filtered_actions = ("export",)
    capabilities = {
        "list": Capability.REGISTERS_VIEW,
        "retrieve": Capability.REGISTERS_VIEW,
        "export": Capability.REGISTERS_VIEW,
        "create": Capability.REGISTERS_EDIT,
        "update": Capability.REGISTERS_EDIT,
        "partial_update": Capability.REGISTERS_EDIT,
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("organization", "owner__user", "owner__organization")

    def create_object(self, serializer):
        return knowledge_create(
            relationship=self.get_parent("relationship"),
            membership=self.membership,
            **serializer.validated_data,
        )

    def update_object(self, serializer):
        return knowledge_update(
            asset=serializer.instance, membership=self.membership, **serializer.validated_data
        )

    @extend_schema(
        summary="Export the knowledge-sharing register as CSV",
        description="The rows the list would give, with the same filters, streamed.",
        filters=True,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset()).order_by("name", "id")
        return csv_response(rows, EXPORT_COLUMNS, filename="knowledge.csv")
