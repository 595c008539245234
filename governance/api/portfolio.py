"""``/api/v1/orgs/{org}/portfolio/`` and ``.../portfolio-criteria/``: the organization's
relationships on its value x risk matrix, and what it means by value and risk."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from cbrms.api.serializers import InputSerializer
from cbrms.api.viewsets import CreateMixin, OrgViewSet, UpdateMixin
from cbrms.tenancy.api import ScopedRelatedField
from governance.models import PortfolioCriteria, PortfolioPlacement, Profile
from governance.services.portfolio import (
    criteria_of,
    criteria_set,
    placement_set,
    suggest_profile,
)
from relationships.models import Relationship
from relationships.roles import Capability


class PlacementSerializer(serializers.ModelSerializer):
    relationship_name = serializers.CharField(source="relationship.name")
    suggested_profile = serializers.SerializerMethodField(
        help_text="What the organization's criteria suggest for this place on the matrix."
    )
    decided_by = serializers.EmailField(source="decided_by.user.email", default=None)

    class Meta:
        model = PortfolioPlacement
        fields = [
            "id",
            "relationship",
            "relationship_name",
            "value",
            "risk",
            "suggested_profile",
            "profile",
            "rationale",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields

    def get_suggested_profile(self, placement) -> str:
        criteria = self.context["criteria"]
        return suggest_profile(value=placement.value, risk=placement.risk, criteria=criteria)


class PlacementInputSerializer(InputSerializer):
    relationship = ScopedRelatedField(model=Relationship)
    value = serializers.IntegerField(min_value=1, max_value=5, help_text="1 low to 5 high.")
    risk = serializers.IntegerField(min_value=1, max_value=5, help_text="1 low to 5 high.")
    profile = serializers.ChoiceField(
        choices=Profile.choices,
        required=False,
        allow_blank=True,
        help_text="Left out: the suggestion. Another profile needs a `rationale`.",
    )
    rationale = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class PlacementUpdateSerializer(PlacementInputSerializer):
    relationship = None


class CriteriaSerializer(serializers.ModelSerializer):
    class Meta:
        model = PortfolioCriteria
        fields = ["full_from", "programme_from", "value_meaning", "risk_meaning", "updated_at"]
        read_only_fields = fields


class CriteriaInputSerializer(InputSerializer):
    full_from = serializers.IntegerField(
        min_value=2, max_value=5, help_text="The full lifecycle from this value or risk on."
    )
    programme_from = serializers.IntegerField(
        min_value=1, max_value=4, help_text="The light profile from this on (below: none)."
    )
    value_meaning = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    risk_meaning = serializers.CharField(required=False, allow_blank=True, max_length=5000)


_PLACEMENT_EXAMPLE = {
    "id": 4,
    "relationship": 12,
    "relationship_name": "Northwind and Contoso distribution partnership",
    "value": 5,
    "risk": 3,
    "suggested_profile": "full",
    "profile": "full",
    "rationale": "Our largest channel partner.",
    "decided_by": "executive@northwind.example",
    "decided_at": "2026-11-27T09:30:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="The portfolio: your relationships placed by value and risk",
        examples=[OpenApiExample("A placement", value=_PLACEMENT_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(summary="One relationship's place and profile"),
    create=extend_schema(
        summary="Place a relationship and decide its profile",
        description=(
            "Value and risk from 1 to 5. Without `profile`, the suggestion of your criteria is "
            "decided; another profile needs a `rationale` (400 `rationale_required`). Placing a "
            "relationship again replaces its place, recording who decided and when."
        ),
        examples=[
            OpenApiExample(
                "Full lifecycle for a key partner",
                value={"relationship": 12, "value": 5, "risk": 3},
                request_only=True,
            ),
            OpenApiExample(
                "Light profile against the suggestion",
                value={
                    "relationship": 14,
                    "value": 4,
                    "risk": 2,
                    "profile": "sme",
                    "rationale": "A small supplier: the light profile is enough for now.",
                },
                request_only=True,
            ),
        ],
    ),
    update=extend_schema(summary="Place a relationship again, with all its fields"),
    partial_update=extend_schema(
        summary="Move a relationship or change its profile",
        description=(
            "A placement that followed the criteria follows them to its new place; a profile "
            "decided against them stays until it is changed."
        ),
    ),
)
class PortfolioViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, CreateMixin, UpdateMixin, OrgViewSet
):
    """The organization's own portfolio: no partner sees it."""

    model = PortfolioPlacement
    serializer_class = PlacementSerializer
    input_serializers = {
        "create": PlacementInputSerializer,
        "update": PlacementUpdateSerializer,
        "partial_update": PlacementUpdateSerializer,
    }
    capabilities = {
        "list": Capability.SYSTEM_VIEW,
        "retrieve": Capability.SYSTEM_VIEW,
        "create": Capability.SYSTEM_MANAGE,
        "update": Capability.SYSTEM_MANAGE,
        "partial_update": Capability.SYSTEM_MANAGE,
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("relationship", "decided_by__user")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self.request, "organization", None) is not None:
            context["criteria"] = criteria_of(self.request.organization.pk)
        return context

    def create_object(self, serializer):
        return placement_set(membership=self.membership, **serializer.validated_data)

    def update_object(self, serializer):
        placement = serializer.instance
        changes = serializer.validated_data
        followed = placement.profile == suggest_profile(
            value=placement.value, risk=placement.risk, criteria=criteria_of(self.organization.pk)
        )
        return placement_set(
            membership=self.membership,
            relationship=placement.relationship,
            value=changes.get("value", placement.value),
            risk=changes.get("risk", placement.risk),
            # A placement that followed the criteria follows them to its new place; a decided
            # exception stays until someone decides otherwise.
            profile=changes.get("profile", "" if followed else placement.profile),
            rationale=changes.get("rationale", placement.rationale),
        )


@extend_schema_view(
    list=extend_schema(
        summary="Your portfolio criteria",
        description=(
            "What your organization means by value and risk, and where the profiles start. "
            "Empty until set: then the full lifecycle starts at 4 and the light profile at 2."
        ),
    ),
    create=extend_schema(
        summary="Set your portfolio criteria",
        examples=[
            OpenApiExample(
                "Criteria",
                value={
                    "full_from": 4,
                    "programme_from": 2,
                    "value_meaning": "1: under 50k a year and easy to replace; 5: a key channel.",
                    "risk_meaning": "1: nothing stops if it fails; 5: customers notice at once.",
                },
                request_only=True,
            )
        ],
    ),
)
class PortfolioCriteriaViewSet(mixins.ListModelMixin, CreateMixin, OrgViewSet):
    """One row per organization, set with ``POST`` (which replaces it)."""

    model = PortfolioCriteria
    serializer_class = CriteriaSerializer
    input_serializers = {"create": CriteriaInputSerializer}
    pagination_class = None
    capabilities = {"list": Capability.SYSTEM_VIEW, "create": Capability.SYSTEM_MANAGE}

    def create_object(self, serializer):
        return criteria_set(membership=self.membership, **serializer.validated_data)
