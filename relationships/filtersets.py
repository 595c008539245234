"""Filters of the relationships app's API lists (``?type=alliance&stage=5`` ...)."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from cbrms.api.filters import BooleanFilter
from relationships import hooks
from relationships.models import (
    ApiToken,
    Membership,
    Party,
    PartyRole,
    PartyStatus,
    Relationship,
    RelationshipStatus,
    RelationshipType,
    Role,
)


class RelationshipFilterSet(filters.FilterSet):
    """Archived relationships are left out unless ``?archived=true`` asks for them."""

    type = filters.ChoiceFilter(choices=RelationshipType.choices)
    stage = filters.TypedChoiceFilter(
        field_name="current_stage",
        choices=lambda: sorted(hooks.stage_names().items()),
        coerce=int,
        label="Current lifecycle stage (1-8)",
    )
    status = filters.ChoiceFilter(choices=RelationshipStatus.choices)
    partner = filters.CharFilter(
        method="filter_partner",
        label="Slug of another organization taking part (active or invited) or leading",
    )
    archived = BooleanFilter(
        method="filter_archived",
        label="true: only archived relationships; false (the default): only live ones",
    )

    class Meta:
        model = Relationship
        fields = ["type", "stage", "status", "partner", "archived"]

    def filter_partner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Party.objects is scoped: an ecosystem member cannot find out, by filtering, that
        # another organization is a member when the directory is closed to it. The lead is
        # shown on every relationship anyway.
        parties = Party.objects.filter(
            relationship=OuterRef("pk"),
            organization__slug=value,
            status__in=[PartyStatus.ACTIVE, PartyStatus.INVITED],
        )
        return queryset.filter(Q(Exists(parties)) | Q(lead_organization__slug=value))

    def filter_archived(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(archived_at__isnull=not value)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("archived") is None:
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset


class PartyFilterSet(filters.FilterSet):
    role = filters.ChoiceFilter(choices=PartyRole.choices)
    status = filters.ChoiceFilter(choices=PartyStatus.choices)

    class Meta:
        model = Party
        fields = ["role", "status"]


class MembershipFilterSet(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices)
    locked = BooleanFilter(
        field_name="last_signin_failure",  # annotated by MembershipViewSet
        lookup_expr="isnull",
        exclude=True,
        label="Locked out of signing in, or not",
    )

    class Meta:
        model = Membership
        fields = ["role", "locked"]


class ApiTokenFilterSet(filters.FilterSet):
    membership = filters.NumberFilter(field_name="membership_id", label="Owner's membership id")
    revoked = BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True, label="Revoked or not"
    )

    class Meta:
        model = ApiToken
        fields = ["membership", "revoked"]
