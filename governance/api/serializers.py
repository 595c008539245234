"""Serializers of the workspace registers: one read shape and one input shape per register."""

from __future__ import annotations

from rest_framework import serializers

from cbrms.api.serializers import InputSerializer
from cbrms.tenancy.api import ScopedRelatedField
from governance.models import (
    EscalationAudience,
    EscalationLevel,
    Issue,
    IssueStep,
    KnowledgeAsset,
    KnowledgeStatus,
    Risk,
    RiskStatus,
    Sharing,
)
from relationships.api.disclosure import DisclosedMemberField, DisclosedOrganizationField
from relationships.models import Membership, Visibility

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
    owner = ScopedRelatedField(
        Membership,
        required=False,
        allow_null=True,
        help_text="Membership id of the person of your organization who owns the risk.",
    )
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
    owner = ScopedRelatedField(
        Membership,
        required=False,
        allow_null=True,
        help_text="Membership id of the person of your organization who owns the issue.",
    )
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
    owner = ScopedRelatedField(
        Membership,
        required=False,
        allow_null=True,
        help_text="Membership id of the person of your organization who owns the asset.",
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices)
