"""``relationships/{id}/meetings/``, ``.../decisions/`` and ``.../actions/``: joint management
team meetings, what they decided, and who does what by when."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from cbrms.api.filters import IsoDateTimeFilter
from cbrms.api.schema import CONFLICT
from governance.api.base import RegisterViewSet
from governance.api.exports import owner_email
from governance.api.serializers import (
    ActionInputSerializer,
    ActionSerializer,
    ActionUpdateSerializer,
    DecisionInputSerializer,
    DecisionSerializer,
    DecisionUpdateSerializer,
    MeetingInputSerializer,
    MeetingSerializer,
    same_relationship,
)
from governance.models import Action, ActionStatus, Decision, Meeting, MeetingStatus
from governance.services.meetings import (
    action_create,
    action_update,
    decision_record,
    decision_update,
    meeting_create,
    meeting_update,
    resolve_people,
)
from relationships.models import Membership, Visibility


class MeetingFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MeetingStatus.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)
    held_after = IsoDateTimeFilter(field_name="held_at", lookup_expr="gte")
    held_before = IsoDateTimeFilter(field_name="held_at", lookup_expr="lte")

    class Meta:
        model = Meeting
        fields = ["status", "visibility", "held_after", "held_before"]


def attendees_prefetch() -> Prefetch:
    """A meeting's attendees are of every party: read past the own-organization scope of
    ``Membership`` (the meeting itself is what the caller may see)."""
    # unscoped(by-id): the attendees of a meeting the scope shows
    people = Membership.objects.unscoped().select_related("user", "organization")
    return Prefetch("attendees", queryset=people.order_by("organization__name", "user__email"))


@extend_schema_view(
    list=extend_schema(
        summary="List meetings",
        description="Newest first. Filters: `status`, `visibility`, `held_after`, `held_before`.",
    ),
    retrieve=extend_schema(summary="Get a meeting, with its attendees"),
    create=extend_schema(
        summary="Plan or record a meeting",
        description="`attendees`: membership ids of people of the relationship's active "
        "parties (your own people only for an internal meeting). Joint from stage 5.",
        examples=[
            OpenApiExample(
                "A joint management team meeting",
                value={
                    "title": "Joint management team, December",
                    "held_at": "2026-12-10T10:00:00Z",
                    "location": "Video call",
                    "agenda": "1. KPIs\n2. Escalated issues\n3. Risk review",
                    "attendees": [3, 12],
                    "visibility": "joint",
                },
                request_only=True,
            )
        ],
        responses={201: MeetingSerializer, 409: CONFLICT},
    ),
    update=extend_schema(summary="Replace a meeting (all fields)"),
    partial_update=extend_schema(
        summary="Change a meeting: minutes, status, attendees...",
        description="Sharing an internal meeting shares its decisions.",
    ),
)
class MeetingViewSet(RegisterViewSet):
    model = Meeting
    serializer_class = MeetingSerializer
    input_serializers = {
        "create": MeetingInputSerializer,
        "update": MeetingInputSerializer,
        "partial_update": MeetingInputSerializer,
    }
    filterset_class = MeetingFilterSet
    export_filename = "meetings.csv"
    export_ordering = ("-held_at", "-id")
    export_columns = (
        ("id", lambda m: m.pk),
        ("title", lambda m: m.title),
        ("held_at", lambda m: m.held_at.isoformat()),
        ("location", lambda m: m.location),
        ("status", lambda m: m.status),
        ("agenda", lambda m: m.agenda),
        ("minutes", lambda m: m.minutes),
        ("attendees", lambda m: "; ".join(a.user.email for a in m.attendees.all())),
        ("visibility", lambda m: m.visibility),
        ("organization", lambda m: m.organization.slug),
        ("owner", owner_email),
    )

    def narrow_queryset(self, queryset):
        return queryset.select_related(
            "organization", "owner__user", "owner__organization"
        ).prefetch_related(attendees_prefetch(), "decisions")

    def _people(self, data: dict) -> dict:
        if "attendees" in data:
            data["attendees"] = resolve_people(
                self.get_parent("relationship"), data["attendees"], field="attendees"
            )
        return data

    def create_object(self, serializer):
        return meeting_create(
            relationship=self.get_parent("relationship"),
            membership=self.membership,
            **self._people(dict(serializer.validated_data)),
        )

    def update_object(self, serializer):
        return meeting_update(
            meeting=serializer.instance,
            membership=self.membership,
            **self._people(dict(serializer.validated_data)),
        )


class DecisionFilterSet(filters.FilterSet):
    meeting = filters.NumberFilter(field_name="meeting_id")
    visibility = filters.ChoiceFilter(choices=Visibility.choices)

    class Meta:
        model = Decision
        fields = ["meeting", "visibility"]


@extend_schema_view(
    list=extend_schema(summary="List decisions", description="Filters: `meeting`, `visibility`."),
    retrieve=extend_schema(summary="Get a decision"),
    create=extend_schema(
        summary="Record a decision taken at a meeting",
        description="It has the meeting's audience.",
        examples=[
            OpenApiExample(
                "A decision",
                value={
                    "meeting": 1,
                    "title": "Pilot shared forecasting in 20 stores from January",
                    "rationale": "Both planning teams are ready; the pilot limits the risk.",
                },
                request_only=True,
            )
        ],
        responses={201: DecisionSerializer},
    ),
    update=extend_schema(summary="Replace a decision's wording"),
    partial_update=extend_schema(summary="Change a decision's wording"),
)
class DecisionViewSet(RegisterViewSet):
    model = Decision
    serializer_class = DecisionSerializer
    input_serializers = {
        "create": DecisionInputSerializer,
        "update": DecisionUpdateSerializer,
        "partial_update": DecisionUpdateSerializer,
    }
    filterset_class = DecisionFilterSet
    export_filename = "decisions.csv"
    export_ordering = ("meeting_id", "id")
    export_columns = (
        ("id", lambda d: d.pk),
        ("meeting", lambda d: d.meeting_id),
        ("meeting_title", lambda d: d.meeting.title),
        ("held_at", lambda d: d.meeting.held_at.isoformat()),
        ("title", lambda d: d.title),
        ("rationale", lambda d: d.rationale),
        ("visibility", lambda d: d.visibility),
        ("organization", lambda d: d.organization.slug),
    )

    def narrow_queryset(self, queryset):
        return queryset.select_related(
            "meeting", "organization", "owner__user", "owner__organization"
        )

    def create_object(self, serializer):
        data = dict(serializer.validated_data)
        meeting = data.pop("meeting")
        same_relationship(meeting, self.get_parent("relationship"), "meeting")
        return decision_record(meeting=meeting, membership=self.membership, **data)

    def update_object(self, serializer):
        return decision_update(
            decision=serializer.instance, membership=self.membership, **serializer.validated_data
        )


class ActionFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ActionStatus.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)
    meeting = filters.NumberFilter(field_name="meeting_id")
    owner = filters.NumberFilter(field_name="owner_id", label="Membership id of the owner")
    overdue = filters.BooleanFilter(method="filter_overdue", label="Open and past due")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Action
        fields = ["status", "visibility", "meeting", "owner", "overdue", "due_before"]

    def filter_overdue(self, queryset, name, value):
        late = {"status": ActionStatus.OPEN, "due_date__lt": timezone.localdate()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


@extend_schema_view(
    list=extend_schema(
        summary="List actions",
        description="By due date. Filters: `status`, `visibility`, `meeting`, `owner`, "
        "`overdue`, `due_before`.",
    ),
    retrieve=extend_schema(summary="Get an action"),
    create=extend_schema(
        summary="Give someone an action",
        description="`owner`: one of your people, or for a joint action a person of another "
        "active party (the action then belongs to their organization). From a meeting or a "
        "decision, or on its own.",
        examples=[
            OpenApiExample(
                "An action from a meeting",
                value={
                    "title": "Send the pilot store list",
                    "due_date": "2026-12-18",
                    "meeting": 1,
                    "decision": 1,
                    "visibility": "joint",
                },
                request_only=True,
            )
        ],
        responses={201: ActionSerializer, 409: CONFLICT},
    ),
    update=extend_schema(summary="Replace an action"),
    partial_update=extend_schema(
        summary="Change an action, or mark it done",
        description="`status: done` records `done_at`; reopening clears it.",
    ),
)
class ActionViewSet(RegisterViewSet):
    model = Action
    serializer_class = ActionSerializer
    input_serializers = {
        "create": ActionInputSerializer,
        "update": ActionUpdateSerializer,
        "partial_update": ActionUpdateSerializer,
    }
    filterset_class = ActionFilterSet
    export_filename = "actions.csv"
    export_ordering = ("due_date", "id")
    export_columns = (
        ("id", lambda a: a.pk),
        ("title", lambda a: a.title),
        ("description", lambda a: a.description),
        ("due_date", lambda a: a.due_date),
        ("status", lambda a: a.status),
        ("done_at", lambda a: a.done_at.isoformat() if a.done_at else ""),
        ("meeting", lambda a: a.meeting_id or ""),
        ("decision", lambda a: a.decision_id or ""),
        ("visibility", lambda a: a.visibility),
        ("organization", lambda a: a.organization.slug),
        ("owner", owner_email),
    )

    def narrow_queryset(self, queryset):
        return queryset.select_related("organization", "owner__user", "owner__organization")

    def create_object(self, serializer):
        data = dict(serializer.validated_data)
        relationship = self.get_parent("relationship")
        same_relationship(data.get("meeting"), relationship, "meeting")
        same_relationship(data.get("decision"), relationship, "decision")
        owner = data.pop("owner", None)
        if owner is not None:
            [data["owner"]] = resolve_people(relationship, [owner], field="owner")
        return action_create(relationship=relationship, membership=self.membership, **data)

    def update_object(self, serializer):
        return action_update(
            action=serializer.instance, membership=self.membership, **serializer.validated_data
        )
