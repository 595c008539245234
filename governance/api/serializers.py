"""Serializers of the workspace registers: one read shape and one input shape per register."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cbrms.api.serializers import InputSerializer
from cbrms.errors import ValidationFailed
from cbrms.tenancy.api import ScopedRelatedField
from governance.models import (
    Action,
    ActionStatus,
    Cadence,
    Decision,
    Direction,
    EscalationAudience,
    EscalationLevel,
    Issue,
    IssueStep,
    KnowledgeAsset,
    KnowledgeStatus,
    Kpi,
    Measurement,
    Meeting,
    MeetingStatus,
    Objective,
    ObjectiveStatus,
    Principle,
    Risk,
    RiskStatus,
    Sharing,
    SurveyRound,
    TrustIndicator,
)
from governance.selectors import kpi_state
from relationships.api.disclosure import (
    DisclosedMemberField,
    DisclosedOrganizationField,
    PersonSerializer,
)
from relationships.disclosure import request_disclosure
from relationships.models import Membership, Visibility


def owner_field(does: str = "owns it", *, help_text: str = "") -> ScopedRelatedField:
    """The optional ``owner`` of a row: one of the caller's people (the caller when left out)."""
    return ScopedRelatedField(
        Membership,
        required=False,
        allow_null=True,
        help_text=help_text or f"Membership id of the person of your organization who {does}.",
    )


def same_relationship(obj, relationship, field: str) -> None:
    """A related row a client named (a KPI's objective, a decision's meeting) is of the
    relationship in the URL."""
    if obj is not None and obj.relationship_id != relationship.pk:
        raise ValidationFailed(
            "It belongs to another relationship.",
            fields={field: ["Not of this relationship."]},
        )


SCALE_HELP = "1 (rare / minor) to 5 (almost certain / severe)."


class RiskSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField(help_text="Slug of the owning organization.")
    owner = DisclosedMemberField(membership_attr="owner")
    score = serializers.IntegerField(read_only=True, help_text="Likelihood x impact, 1 to 25.")

    class Meta:
        model = Risk
        fields = [
            "id",
            "relationship",
            "organization",
            "visibility",
            "title",
            "cause",
            "effect",
            "likelihood",
            "impact",
            "score",
            "mitigation",
            "status",
            "next_review",
            "owner",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RiskInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    cause = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    effect = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    likelihood = serializers.IntegerField(min_value=1, max_value=5, help_text=SCALE_HELP)
    impact = serializers.IntegerField(min_value=1, max_value=5, help_text=SCALE_HELP)
    mitigation = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=RiskStatus.choices, required=False)
    next_review = serializers.DateField(required=False, allow_null=True)
    owner = owner_field("owns the risk")
    visibility = serializers.ChoiceField(
        choices=Visibility.choices,
        help_text="`joint` (every active party sees it; from stage 5) or `internal` (yours).",
    )


class HeatCellSerializer(serializers.Serializer):
    likelihood = serializers.IntegerField()
    impact = serializers.IntegerField()
    count = serializers.IntegerField()


class EscalationLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationLevel
        fields = ["id", "position", "name", "hours", "audience"]
        read_only_fields = fields


class LadderLevelInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=100)
    hours = serializers.IntegerField(min_value=1, max_value=24 * 365)
    audience = serializers.ChoiceField(choices=EscalationAudience.choices)


class LadderInputSerializer(InputSerializer):
    levels = LadderLevelInputSerializer(many=True, help_text="Bottom first.")


class IssueStepSerializer(serializers.ModelSerializer):
    by = DisclosedMemberField(membership_attr="by")
    from_level = serializers.CharField(source="from_level.name", allow_null=True, default=None)
    to_level = serializers.CharField(source="to_level.name", allow_null=True, default=None)

    class Meta:
        model = IssueStep
        fields = ["kind", "from_level", "to_level", "reason", "by", "at"]
        read_only_fields = fields


class IssueSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField(help_text="Slug of the owning organization.")
    owner = DisclosedMemberField(membership_attr="owner")
    level = EscalationLevelSerializer(read_only=True)
    steps = IssueStepSerializer(many=True, read_only=True)

    class Meta:
        model = Issue
        fields = [
            "id",
            "relationship",
            "organization",
            "visibility",
            "title",
            "description",
            "status",
            "level",
            "level_due_at",
            "owner",
            "resolution",
            "resolved_at",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class IssueInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    owner = owner_field("owns the issue")
    visibility = serializers.ChoiceField(choices=Visibility.choices)


class IssueMoveSerializer(InputSerializer):
    reason = serializers.CharField(max_length=10000, help_text="Why it moves: kept with it.")


class IssueResolveSerializer(InputSerializer):
    resolution = serializers.CharField(max_length=10000, help_text="How it was settled.")


class KnowledgeAssetSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField(help_text="Slug of the owning organization.")
    owner = DisclosedMemberField(membership_attr="owner")

    class Meta:
        model = KnowledgeAsset
        fields = [
            "id",
            "relationship",
            "organization",
            "visibility",
            "name",
            "description",
            "sharing",
            "conditions",
            "status",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class KnowledgeInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    sharing = serializers.ChoiceField(choices=Sharing.choices)
    conditions = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text="Required when `sharing` is `conditions`.",
    )
    status = serializers.ChoiceField(choices=KnowledgeStatus.choices, required=False)
    owner = owner_field("owns the asset")
    visibility = serializers.ChoiceField(choices=Visibility.choices)


# --- objectives and KPIs ---------------------------------------------------------------------


class ObjectiveSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField(help_text="Slug of the owning organization.")
    owner = DisclosedMemberField(membership_attr="owner")
    principle = serializers.ChoiceField(
        choices=Principle.choices, allow_blank=True, read_only=True, help_text="Empty: not said."
    )

    class Meta:
        model = Objective
        fields = [
            "id",
            "relationship",
            "organization",
            "visibility",
            "title",
            "description",
            "target_date",
            "status",
            "principle",
            "requirement_key",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ObjectiveInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ObjectiveStatus.choices, required=False)
    principle = serializers.ChoiceField(
        choices=Principle.choices,
        required=False,
        allow_blank=True,
        help_text="The principle of collaboration it serves (ISO/TR 44000).",
    )
    requirement_key = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="A requirement of the relationship's catalog it serves, e.g. `iso44001:8.7.2`.",
    )
    owner = owner_field("owns it")
    visibility = serializers.ChoiceField(choices=Visibility.choices)


class KpiSerializer(serializers.ModelSerializer):
    """A KPI and how it stands: its latest value, on or off track, its trend, when the next
    value is due."""

    organization = DisclosedOrganizationField(help_text="Slug of the owning organization.")
    owner = DisclosedMemberField(membership_attr="owner")
    latest_value = serializers.SerializerMethodField()
    latest_period = serializers.SerializerMethodField()
    on_track = serializers.SerializerMethodField(
        help_text="Whether the latest value meets the target; null before the first value."
    )
    trend = serializers.SerializerMethodField(
        help_text="`improving`, `worsening` or `steady` against the value before; empty before "
        "two values."
    )
    next_due = serializers.SerializerMethodField(help_text="When the next value is due.")

    class Meta:
        model = Kpi
        fields = [
            "id",
            "relationship",
            "objective",
            "organization",
            "visibility",
            "name",
            "unit",
            "target",
            "direction",
            "cadence",
            "owner",
            "latest_value",
            "latest_period",
            "on_track",
            "trend",
            "next_due",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _state(self, kpi: Kpi):
        cache = self.context.setdefault("kpi_states", {})
        if kpi.pk not in cache:
            cache[kpi.pk] = kpi_state(kpi)
        return cache[kpi.pk]

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True))
    def get_latest_value(self, kpi: Kpi):
        latest = self._state(kpi).latest
        return None if latest is None else str(latest.value)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_latest_period(self, kpi: Kpi):
        latest = self._state(kpi).latest
        return None if latest is None else latest.period

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_on_track(self, kpi: Kpi):
        return self._state(kpi).on_track

    @extend_schema_field(serializers.CharField())
    def get_trend(self, kpi: Kpi) -> str:
        return self._state(kpi).trend

    @extend_schema_field(serializers.DateField())
    def get_next_due(self, kpi: Kpi):
        return self._state(kpi).next_due


class KpiInputSerializer(InputSerializer):
    objective = ScopedRelatedField(Objective, help_text="Id of the objective it measures.")
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=30)
    target = serializers.DecimalField(max_digits=14, decimal_places=4)
    direction = serializers.ChoiceField(choices=Direction.choices)
    cadence = serializers.ChoiceField(choices=Cadence.choices)
    owner = owner_field("records it")


class KpiUpdateSerializer(KpiInputSerializer):
    objective = None


class MeasurementSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField(
        help_text="Slug of the organization that recorded it."
    )
    recorded_by = DisclosedMemberField(membership_attr="recorded_by")

    class Meta:
        model = Measurement
        fields = [
            "id",
            "kpi",
            "relationship",
            "organization",
            "visibility",
            "period",
            "value",
            "note",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MeasurementInputSerializer(InputSerializer):
    kpi = ScopedRelatedField(Kpi, help_text="Id of the KPI.")
    period = serializers.DateField(help_text="The last day of the period the value is for.")
    value = serializers.DecimalField(max_digits=14, decimal_places=4)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class MeasurementUpdateSerializer(InputSerializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


# --- meetings, decisions, actions ------------------------------------------------------------

PEOPLE_HELP = (
    "Membership ids of people of the relationship's active parties (your own people only, "
    "for an internal row)."
)


class MeetingSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField(help_text="Slug of the organization that holds it.")
    owner = DisclosedMemberField(membership_attr="owner")
    attendees = serializers.SerializerMethodField()
    decisions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "relationship",
            "organization",
            "visibility",
            "title",
            "held_at",
            "location",
            "agenda",
            "minutes",
            "status",
            "attendees",
            "decisions",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(many=True))
    def get_attendees(self, meeting: Meeting) -> list[dict]:
        disclosure = request_disclosure(self.context["request"])
        people = (disclosure.person(m, meeting.relationship_id) for m in meeting.attendees.all())
        return [person.as_dict("id") for person in people if person is not None]


class MeetingInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    held_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agenda = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    minutes = serializers.CharField(max_length=50000, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=MeetingStatus.choices, required=False)
    attendees = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text=PEOPLE_HELP
    )
    owner = owner_field("chairs it")
    visibility = serializers.ChoiceField(choices=Visibility.choices)


class DecisionSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField(
        help_text="Slug of the organization that recorded it."
    )
    owner = DisclosedMemberField(membership_attr="owner")

    class Meta:
        model = Decision
        fields = [
            "id",
            "relationship",
            "meeting",
            "organization",
            "visibility",
            "title",
            "rationale",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DecisionInputSerializer(InputSerializer):
    meeting = ScopedRelatedField(Meeting, help_text="Id of the meeting it was taken at.")
    title = serializers.CharField(max_length=300)
    rationale = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class DecisionUpdateSerializer(DecisionInputSerializer):
    meeting = None


class ActionSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField(help_text="Slug of the owner's organization.")
    owner = DisclosedMemberField(membership_attr="owner")
    overdue = serializers.SerializerMethodField(help_text="Open and past its due date.")

    class Meta:
        model = Action
        fields = [
            "id",
            "relationship",
            "organization",
            "visibility",
            "title",
            "description",
            "due_date",
            "status",
            "overdue",
            "done_at",
            "meeting",
            "decision",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, action: Action) -> bool:
        return action.status == ActionStatus.OPEN and action.due_date < timezone.localdate()


class ActionInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    due_date = serializers.DateField()
    owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Membership id of who does it: one of your people, or of a partner's for a "
        "joint action (the action then belongs to their organization).",
    )
    meeting = ScopedRelatedField(Meeting, required=False, allow_null=True)
    decision = ScopedRelatedField(Decision, required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices)


class ActionUpdateSerializer(InputSerializer):
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    due_date = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    owner = owner_field(help_text="Membership id of a person of the action's organization.")
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


# --- trust surveys -----------------------------------------------------------------------------


class SurveyRoundSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField(help_text="Slug of the organization that opened it.")
    is_open = serializers.BooleanField(read_only=True)
    answered_by_me = serializers.SerializerMethodField(
        help_text="Whether you have answered this round (nobody else's answer is shown)."
    )

    class Meta:
        model = SurveyRound
        fields = [
            "id",
            "relationship",
            "organization",
            "title",
            "indicators",
            "threshold",
            "opened_at",
            "closes_at",
            "is_open",
            "answered_by_me",
        ]
        read_only_fields = fields

    def get_answered_by_me(self, survey: SurveyRound) -> bool:
        answered = self.context.get("answered_rounds")
        if answered is None:
            return False
        return survey.pk in answered


class SurveyOpenSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    closes_at = serializers.DateTimeField(help_text="When the round closes (within 90 days).")
    indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=TrustIndicator.choices),
        required=False,
        help_text="The indicators asked; all of them by default.",
    )


class SurveyAnswerItemSerializer(InputSerializer):
    indicator = serializers.ChoiceField(choices=TrustIndicator.choices)
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SurveySubmitSerializer(InputSerializer):
    answers = SurveyAnswerItemSerializer(many=True, help_text="One per indicator of the round.")


class IndicatorResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    mean = serializers.FloatField()
    counts = serializers.ListField(
        child=serializers.IntegerField(), help_text="How many scored 1, 2, 3, 4 and 5."
    )
    comments = serializers.ListField(child=serializers.CharField(), help_text="In no order.")


class PartyResultSerializer(serializers.Serializer):
    organization = serializers.SerializerMethodField()
    answered = serializers.IntegerField(help_text="How many of its people answered.")
    shown = serializers.BooleanField(
        help_text="False below the round's threshold: not enough answers to show."
    )
    indicators = IndicatorResultSerializer(many=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_organization(self, result) -> str | None:
        disclosure = request_disclosure(self.context["request"])
        relationship_id = self.context["relationship_id"]
        return disclosure.organization_slug(result.organization, relationship_id)


class SurveyResultsSerializer(serializers.Serializer):
    survey = SurveyRoundSerializer()
    answered = serializers.IntegerField()
    parties = PartyResultSerializer(many=True)
    joint = IndicatorResultSerializer(
        many=True, help_text="Over the parties shown only (a hidden party's answers are left out)."
    )
