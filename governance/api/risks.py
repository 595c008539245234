"""``relationships/{id}/risks/``: the risk register, its 5 x 5 heat map and its CSV export."""

from __future__ import annotations

from django.db.models import Count
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from cbrms.api.pagination import CursorPagination
from cbrms.api.schema import CONFLICT
from cbrms.api.viewsets import CreateMixin, OrgViewSet, UpdateMixin
from governance.api.exports import ExportMixin
from governance.api.serializers import HeatCellSerializer, RiskInputSerializer, RiskSerializer
from governance.models import Risk, RiskStatus
from governance.services.risks import risk_create, risk_update
from relationships.models import Relationship, Visibility
from relationships.roles import Capability

RISK_EXAMPLE = OpenApiExample(
    "A joint risk",
    value={
        "title": "Peak-season capacity shortfall",
        "cause": "Both warehouses plan their seasonal staff separately.",
        "effect": "Late deliveries in November and December.",
        "likelihood": 4,
        "impact": 3,
        "mitigation": "One joint staffing plan, agreed by 1 September.",
        "next_review": "2026-12-15",
        "visibility": "joint",
    },
    request_only=True,
)


class RiskFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=RiskStatus.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)
    likelihood = filters.NumberFilter()
    impact = filters.NumberFilter()
    min_score = filters.NumberFilter(field_name="score", lookup_expr="gte")
    organization = filters.CharFilter(field_name="organization__slug")
    review_before = filters.DateFilter(field_name="next_review", lookup_expr="lte")

    class Meta:
        model = Risk
        fields = [
            "status",
            "visibility",
            "likelihood",
            "impact",
            "min_score",
            "organization",
            "review_before",
        ]


class ByScore(CursorPagination):
    ordering = ("-score", "-id")


#: The CSV export's columns: (header, how to read it from a row).
EXPORT_COLUMNS = (
    ("id", lambda r: r.pk),
    ("title", lambda r: r.title),
    ("visibility", lambda r: r.visibility),
    ("organization", lambda r: r.organization.slug),
    ("owner", lambda r: r.owner.user.email if r.owner else ""),
    ("cause", lambda r: r.cause),
    ("effect", lambda r: r.effect),
    ("likelihood", lambda r: r.likelihood),
    ("impact", lambda r: r.impact),
    ("score", lambda r: r.score),
    ("mitigation", lambda r: r.mitigation),
    ("status", lambda r: r.status),
    ("next_review", lambda r: r.next_review or ""),
    ("updated_at", lambda r: r.updated_at.isoformat()),
)


@extend_schema_view(
    list=extend_schema(
        summary="List the risk register",
        description=(
            "Joint risks and your organization's internal ones, highest score first. Filters: "
            "`status` (repeatable), `visibility`, `likelihood`, `impact`, `min_score`, "
            "`organization` (slug of the owner), `review_before` (a date)."
        ),
    ),
    retrieve=extend_schema(summary="Get a risk"),
    create=extend_schema(
        summary="Record a risk",
        description=(
            "Owned by your organization (and `owner`, one of its members; you by default). "
            "Joint risks from stage 5 (`409 too_early` before); only active parties write "
            "(`403 not_a_party`)."
        ),
        examples=[RISK_EXAMPLE],
        responses={201: RiskSerializer, 409: CONFLICT},
    ),
    update=extend_schema(summary="Replace a risk (all fields)"),
    partial_update=extend_schema(
        summary="Change a risk",
        description=(
            "A joint risk is any active party's to update; an internal one its organization's. "
            "Only the owning organization names the owner or shares an internal risk "
            "(`visibility: joint`); a joint risk stays joint (`409 already_joint`). Closing "
            "records `closed_at`."
        ),
        responses={200: RiskSerializer, 409: CONFLICT},
    ),
)
class RiskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    UpdateMixin,
    ExportMixin,
    OrgViewSet,
):
    model = Risk
    export_columns = EXPORT_COLUMNS
    export_filename = "risks.csv"
    export_ordering = ("-score", "-id")
    parent_lookups = {"relationship": ("relationship", Relationship)}
    serializer_class = RiskSerializer
    input_serializers = {
        "create": RiskInputSerializer,
        "update": RiskInputSerializer,
        "partial_update": RiskInputSerializer,
    }
    filterset_class = RiskFilterSet
    filter_backends = [filters.DjangoFilterBackend]
    pagination_class = ByScore
    filtered_actions = ("heatmap", "export")
    capabilities = {
        "list": Capability.REGISTERS_VIEW,
        "retrieve": Capability.REGISTERS_VIEW,
        "heatmap": Capability.REGISTERS_VIEW,
        "export": Capability.REGISTERS_VIEW,
        "create": Capability.REGISTERS_EDIT,
        "update": Capability.REGISTERS_EDIT,
        "partial_update": Capability.REGISTERS_EDIT,
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("organization", "owner__user", "owner__organization")

    def create_object(self, serializer):
        return risk_create(
            relationship=self.get_parent("relationship"),
            membership=self.membership,
            **serializer.validated_data,
        )

    def update_object(self, serializer):
        return risk_update(
            risk=serializer.instance, membership=self.membership, **serializer.validated_data
        )

    @extend_schema(
        summary="The risk heat map",
        description=(
            "How many risks sit in each cell of likelihood x impact (cells with none are left "
            "out), with the list's filters (`likelihood` and `impact` aside)."
        ),
        filters=True,
        responses={200: HeatCellSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def heatmap(self, request, *args, **kwargs):
        cells = (
            self.filter_queryset(self.get_queryset())
            .order_by()
            .values("likelihood", "impact")
            .annotate(count=Count("id"))
            .order_by("likelihood", "impact")
        )
        return Response(HeatCellSerializer(cells, many=True).data)
