"""``relationships/{id}/objectives/``, ``.../kpis/`` and ``.../measurements/``: joint objectives,
the KPIs that measure them, and the KPIs' values over time."""

from __future__ import annotations

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from cbrms.api.pagination import CursorPagination
from cbrms.api.schema import CONFLICT
from governance.api.base import RegisterViewSet
from governance.api.exports import owner_email
from governance.api.serializers import (
    KpiInputSerializer,
    KpiSerializer,
    KpiUpdateSerializer,
    MeasurementInputSerializer,
    MeasurementSerializer,
    MeasurementUpdateSerializer,
    ObjectiveInputSerializer,
    ObjectiveSerializer,
    same_relationship,
)
from governance.models import (
    Cadence,
    Kpi,
    Measurement,
    Objective,
    ObjectiveStatus,
    Principle,
)
from governance.selectors import kpi_state
from governance.services.objectives import (
    kpi_create,
    kpi_update,
    measurement_record,
    measurement_update,
    objective_create,
    objective_update,
)
from relationships.models import Visibility


class ObjectiveFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ObjectiveStatus.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)
    principle = filters.ChoiceFilter(choices=Principle.choices)

    class Meta:
        model = Objective
        fields = ["status", "visibility", "principle"]


@extend_schema_view(
    list=extend_schema(
        summary="List objectives",
        description="Joint objectives and your internal ones, by target date. Filters: "
        "`status`, `visibility`, `principle`.",
    ),
    retrieve=extend_schema(summary="Get an objective"),
    create=extend_schema(
        summary="Set an objective",
        description="Joint from stage 5 (`409 too_early`). `requirement_key` must be a "
        "requirement of the relationship's catalog.",
        examples=[
            OpenApiExample(
                "A joint objective",
                value={
                    "title": "Cut store stock-outs by half",
                    "target_date": "2027-06-30",
                    "principle": "value_creation",
                    "requirement_key": "iso44001:8.7.2",
                    "visibility": "joint",
                },
                request_only=True,
            )
        ],
        responses={201: ObjectiveSerializer, 409: CONFLICT},
    ),
    update=extend_schema(summary="Replace an objective (all fields)"),
    partial_update=extend_schema(
        summary="Change an objective",
        description="Sharing an internal objective (`visibility: joint`) shares its KPIs and "
        "their values; a joint objective stays joint (`409 already_joint`).",
    ),
)
class ObjectiveViewSet(RegisterViewSet):
    model = Objective
    serializer_class = ObjectiveSerializer
    input_serializers = {
        "create": ObjectiveInputSerializer,
        "update": ObjectiveInputSerializer,
        "partial_update": ObjectiveInputSerializer,
    }
    filterset_class = ObjectiveFilterSet
    export_filename = "objectives.csv"
    export_ordering = ("target_date", "id")
    export_columns = (
        ("id", lambda o: o.pk),
        ("title", lambda o: o.title),
        ("description", lambda o: o.description),
        ("target_date", lambda o: o.target_date),
        ("status", lambda o: o.status),
        ("principle", lambda o: o.principle),
        ("requirement_key", lambda o: o.requirement_key),
        ("visibility", lambda o: o.visibility),
        ("organization", lambda o: o.organization.slug),
        ("owner", owner_email),
        ("updated_at", lambda o: o.updated_at.isoformat()),
    )

    def narrow_queryset(self, queryset):
        return queryset.select_related("organization", "owner__user", "owner__organization")

    def create_object(self, serializer):
        return objective_create(
            relationship=self.get_parent("relationship"),
            membership=self.membership,
            **serializer.validated_data,
        )

    def update_object(self, serializer):
        return objective_update(
            objective=serializer.instance, membership=self.membership, **serializer.validated_data
        )


class KpiFilterSet(filters.FilterSet):
    objective = filters.NumberFilter(field_name="objective_id")
    cadence = filters.ChoiceFilter(choices=Cadence.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)

    class Meta:
        model = Kpi
        fields = ["objective", "cadence", "visibility"]


def _state(kpi: Kpi):
    """The KPI's state, worked out once per exported row."""
    if "_export_state" not in kpi.__dict__:
        kpi.__dict__["_export_state"] = kpi_state(kpi)
    return kpi.__dict__["_export_state"]


def _latest(kpi: Kpi) -> str:
    state = _state(kpi)
    return "" if state.latest is None else str(state.latest.value)


@extend_schema_view(
    list=extend_schema(
        summary="List KPIs",
        description="With how each stands: latest value, on or off track, trend, next value "
        "due. Filters: `objective`, `cadence`, `visibility`.",
    ),
    retrieve=extend_schema(summary="Get a KPI"),
    create=extend_schema(
        summary="Measure an objective by a KPI",
        description="The KPI has its objective's audience. Any party may add one to a joint "
        "objective; only its organization to an internal one.",
        examples=[
            OpenApiExample(
                "On-shelf availability",
                value={
                    "objective": 1,
                    "name": "On-shelf availability",
                    "unit": "%",
                    "target": "97.5",
                    "direction": "up",
                    "cadence": "monthly",
                },
                request_only=True,
            )
        ],
        responses={201: KpiSerializer},
    ),
    update=extend_schema(summary="Replace a KPI's definition"),
    partial_update=extend_schema(summary="Change a KPI's definition"),
)
class KpiViewSet(RegisterViewSet):
    model = Kpi
    serializer_class = KpiSerializer
    input_serializers = {
        "create": KpiInputSerializer,
        "update": KpiUpdateSerializer,
        "partial_update": KpiUpdateSerializer,
    }
    filterset_class = KpiFilterSet
    export_filename = "kpis.csv"
    export_ordering = ("objective_id", "name", "id")
    export_columns = (
        ("id", lambda k: k.pk),
        ("objective", lambda k: k.objective_id),
        ("name", lambda k: k.name),
        ("unit", lambda k: k.unit),
        ("target", lambda k: k.target),
        ("direction", lambda k: k.direction),
        ("cadence", lambda k: k.cadence),
        ("latest_value", _latest),
        ("on_track", lambda k: _state(k).on_track),
        ("next_due", lambda k: _state(k).next_due),
        ("visibility", lambda k: k.visibility),
        ("organization", lambda k: k.organization.slug),
        ("owner", owner_email),
    )

    def narrow_queryset(self, queryset):
        return queryset.select_related(
            "organization", "owner__user", "owner__organization"
        ).prefetch_related(
            Prefetch("measurements", queryset=Measurement.objects.order_by("period"))
        )

    def create_object(self, serializer):
        data = dict(serializer.validated_data)
        objective = data.pop("objective")
        same_relationship(objective, self.get_parent("relationship"), "objective")
        return kpi_create(objective=objective, membership=self.membership, **data)

    def update_object(self, serializer):
        return kpi_update(
            kpi=serializer.instance, membership=self.membership, **serializer.validated_data
        )


class OldestFirst(CursorPagination):
    """A KPI's values in the order of their periods."""

    ordering = ("period", "id")


class MeasurementFilterSet(filters.FilterSet):
    kpi = filters.NumberFilter(field_name="kpi_id")
    period_after = filters.DateFilter(field_name="period", lookup_expr="gte")
    period_before = filters.DateFilter(field_name="period", lookup_expr="lte")

    class Meta:
        model = Measurement
        fields = ["kpi", "period_after", "period_before"]


@extend_schema_view(
    list=extend_schema(
        summary="List KPI values",
        description="By period, oldest first. Filters: `kpi`, `period_after`, `period_before`.",
    ),
    retrieve=extend_schema(summary="Get a KPI value"),
    create=extend_schema(
        summary="Record a KPI value",
        description="One per KPI and period (`409 already_measured`: correct that one).",
        examples=[
            OpenApiExample(
                "November's value",
                value={"kpi": 1, "period": "2026-11-30", "value": "96.8", "note": "Black Friday"},
                request_only=True,
            )
        ],
        responses={201: MeasurementSerializer, 409: CONFLICT},
    ),
    update=extend_schema(summary="Correct a KPI value (value and note)"),
    partial_update=extend_schema(summary="Correct a KPI value or its note"),
)
class MeasurementViewSet(RegisterViewSet):
    model = Measurement
    serializer_class = MeasurementSerializer
    input_serializers = {
        "create": MeasurementInputSerializer,
        "update": MeasurementUpdateSerializer,
        "partial_update": MeasurementUpdateSerializer,
    }
    filterset_class = MeasurementFilterSet
    pagination_class = OldestFirst
    export_filename = "kpi-values.csv"
    export_ordering = ("kpi_id", "period")
    export_columns = (
        ("id", lambda m: m.pk),
        ("kpi", lambda m: m.kpi_id),
        ("kpi_name", lambda m: m.kpi.name),
        ("period", lambda m: m.period),
        ("value", lambda m: m.value),
        ("unit", lambda m: m.kpi.unit),
        ("note", lambda m: m.note),
        ("visibility", lambda m: m.visibility),
        ("organization", lambda m: m.organization.slug),
    )

    def narrow_queryset(self, queryset):
        return queryset.select_related(
            "kpi", "organization", "recorded_by__user", "recorded_by__organization"
        )

    def create_object(self, serializer):
        data = dict(serializer.validated_data)
        kpi = data.pop("kpi")
        same_relationship(kpi, self.get_parent("relationship"), "kpi")
        return measurement_record(kpi=kpi, membership=self.membership, **data)

    def update_object(self, serializer):
        return measurement_update(
            measurement=serializer.instance,
            membership=self.membership,
            **serializer.validated_data,
        )
