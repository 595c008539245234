"""``relationships/{id}/knowledge/``: the knowledge-sharing register and its CSV export."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from cbrms.api.schema import CONFLICT
from governance.api.base import RegisterViewSet
from governance.api.serializers import KnowledgeAssetSerializer, KnowledgeInputSerializer
from governance.models import KnowledgeAsset, KnowledgeStatus, Sharing
from governance.services.knowledge import knowledge_create, knowledge_update
from relationships.models import Visibility


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
class KnowledgeAssetViewSet(RegisterViewSet):
    model = KnowledgeAsset
    serializer_class = KnowledgeAssetSerializer
    input_serializers = {
        "create": KnowledgeInputSerializer,
        "update": KnowledgeInputSerializer,
        "partial_update": KnowledgeInputSerializer,
    }
    filterset_class = KnowledgeFilterSet
    export_columns = EXPORT_COLUMNS
    export_filename = "knowledge.csv"
    export_ordering = ("name", "id")

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
