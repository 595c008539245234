"""``/api/v1/orgs/{org_slug}/relationships/``: the relationships the organization takes part in."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from cbrms.api.filters import StableOrderingFilter, StrictSearchFilter
from cbrms.api.schema import error
from cbrms.api.viewsets import CreateMixin, DestroyMixin, OrgViewSet, UpdateMixin
from cbrms.tenancy.api import write_action
from relationships.api.serializers import (
    RelationshipCreateSerializer,
    RelationshipSerializer,
    RelationshipUpdateSerializer,
)
from relationships.filtersets import RelationshipFilterSet
from relationships.models import Relationship
from relationships.roles import Capability
from relationships.selectors import relationships_with_party_summary
from relationships.services.relationships import (
    relationship_archive,
    relationship_create,
    relationship_restore,
    relationship_update,
)

NOT_LEAD = error(
    "Not the lead organization (`not_lead`), or a role without `relationships.manage`."
)

CREATE_EXAMPLE = OpenApiExample(
    "A partnership",
    value={
        "name": "North Sea wind maintenance",
        "type": "partnership",
        "description": "Joint maintenance of offshore wind farms.",
        "ser": 12,
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List relationships",
        description=(
            "Relationships the organization is an active party of, each with its lead, how "
            "many parties take part (`party_count`) and your own party (`my_party`); the "
            "parties themselves are listed, paginated, at `relationships/{id}/parties/`. "
            "Archived ones are left out unless `archived=true`."
        ),
    ),
    retrieve=extend_schema(
        summary="Get a relationship",
        description=(
            "Archived relationships are reachable by id. The parties are listed at "
            "`relationships/{id}/parties/`."
        ),
    ),
    create=extend_schema(
        summary="Start a relationship",
        description="The acting organization becomes its lead (the orchestrator of an ecosystem).",
        examples=[CREATE_EXAMPLE],
    ),
    update=extend_schema(
        summary="Replace a relationship's description (lead only)",
        responses={200: RelationshipSerializer, 403: NOT_LEAD},
    ),
    partial_update=extend_schema(
        summary="Change a relationship (lead only)",
        responses={200: RelationshipSerializer, 403: NOT_LEAD},
    ),
    destroy=extend_schema(
        summary="Archive a relationship (lead only)",
        description="Nothing is deleted: the relationship is hidden from lists until restored.",
        responses={204: None, 403: NOT_LEAD},
    ),
)
class RelationshipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    UpdateMixin,
    DestroyMixin,
    OrgViewSet,
):
    """Relationships: anyone may read them; only the lead organization changes them."""

    model = Relationship
    serializer_class = RelationshipSerializer
    input_serializers = {
        "create": RelationshipCreateSerializer,
        "update": RelationshipUpdateSerializer,
        "partial_update": RelationshipUpdateSerializer,
    }
    capabilities = {
        "list": Capability.RELATIONSHIPS_VIEW,
        "retrieve": Capability.RELATIONSHIPS_VIEW,
        "create": Capability.RELATIONSHIPS_MANAGE,
        "update": Capability.RELATIONSHIPS_MANAGE,
        "partial_update": Capability.RELATIONSHIPS_MANAGE,
        "destroy": Capability.RELATIONSHIPS_MANAGE,
        "restore": Capability.RELATIONSHIPS_MANAGE,
    }
    filter_backends = [DjangoFilterBackend, StrictSearchFilter, StableOrderingFilter]
    filterset_class = RelationshipFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at", "current_stage"]
    ordering = ["name"]

    def narrow_queryset(self, queryset):
        return relationships_with_party_summary(queryset, organization=self.organization)

    def create_object(self, serializer):
        return relationship_create(organization=self.organization, **serializer.validated_data)

    def update_object(self, serializer):
        return relationship_update(
            relationship=serializer.instance,
            organization=self.organization,
            **serializer.validated_data,
        )

    def destroy_object(self, instance):
        relationship_archive(relationship=instance, organization=self.organization)

    @extend_schema(
        summary="Restore an archived relationship (lead only)",
        request=None,
        responses={200: RelationshipSerializer, 403: NOT_LEAD},
    )
    @write_action(detail=True)
    def restore(self, request, *args, **kwargs):
        """Bring an archived relationship back into the lists."""
        relationship = self.write(
            relationship_restore, relationship=self.get_object(), organization=self.organization
        )
        return Response(self.output(relationship))
