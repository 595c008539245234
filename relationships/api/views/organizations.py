"""The acting organization itself, and its members."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from cbrms.api.filters import StrictSearchFilter
from cbrms.api.schema import CONFLICT
from cbrms.api.viewsets import CreateMixin, DestroyMixin, OrgViewSet, UpdateMixin
from relationships import signin
from relationships.api.serializers import (
    MembershipCreateSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    OrganizationSerializer,
    OrganizationUpdateSerializer,
)
from relationships.filtersets import MembershipFilterSet
from relationships.models import Membership, Organization
from relationships.roles import Capability
from relationships.services.organizations import (
    membership_add,
    membership_change_role,
    membership_remove,
    organization_update,
)


@extend_schema_view(
    retrieve=extend_schema(summary="Get the acting organization"),
    partial_update=extend_schema(summary="Change the acting organization (admins)"),
)
class OrganizationViewSet(mixins.RetrieveModelMixin, UpdateMixin, OrgViewSet):
    """``/api/v1/orgs/{org_slug}/``: the organization the request acts as."""

    model = Organization
    serializer_class = OrganizationSerializer
    input_serializers = {"partial_update": OrganizationUpdateSerializer}
    capabilities = {
        "retrieve": Capability.ORGANIZATION_VIEW,
        "partial_update": Capability.ORGANIZATION_CHANGE,
    }
    # The object is the acting organization, addressed by the slug every org URL starts with.
    lookup_field = "slug"
    lookup_url_kwarg = "org_slug"
    filter_backends = []

    def narrow_queryset(self, queryset):
        return queryset.filter(pk=self.organization.pk)

    def update_object(self, serializer):
        return organization_update(organization=serializer.instance, **serializer.validated_data)


MEMBER_EXAMPLE = OpenApiExample(
    "Add a relationship manager",
    value={"email": "ada@example.com", "role": "relationship_manager", "full_name": "Ada Park"},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="List members", description="Every member, whatever their role."),
    retrieve=extend_schema(summary="Get a member"),
    create=extend_schema(
        summary="Add a member (admins)",
        description=(
            "Adds the person with this email, creating their user (without a password) when "
            "they are new to CBRMS. `already_member` (409) if they are a member already."
        ),
        examples=[MEMBER_EXAMPLE],
        responses={201: MembershipSerializer, 409: CONFLICT},
    ),
    update=extend_schema(
        summary="Change a member's role (admins)",
        responses={200: MembershipSerializer, 409: CONFLICT},
    ),
    partial_update=extend_schema(
        summary="Change a member's role (admins)",
        description=(
            "`last_admin` (409): an organization keeps at least one admin; `member_is_ser` "
            "(409): an executive serving as SER keeps the role until another SER is named."
        ),
        responses={200: MembershipSerializer, 409: CONFLICT},
    ),
    destroy=extend_schema(
        summary="Remove a member (admins)",
        description="Refused with `last_admin` or `member_is_ser` (409), as for role changes.",
        responses={204: None, 409: CONFLICT},
    ),
    unlock=extend_schema(
        summary="Lift a member's sign-in lock (admins)",
        description=(
            "Too many failed sign-ins lock an account for a while (`locked_until`). This lifts "
            "the lock now and forgets those failures. Answers the member; lifting an account "
            "that is not locked changes nothing."
        ),
        request=None,
    ),
)
class MembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    UpdateMixin,
    DestroyMixin,
    OrgViewSet,
):
    """``/api/v1/orgs/{org_slug}/members/``: who works in the organization, and their role."""

    model = Membership
    serializer_class = MembershipSerializer
    input_serializers = {
        "create": MembershipCreateSerializer,
        "update": MembershipUpdateSerializer,
        "partial_update": MembershipUpdateSerializer,
    }
    capabilities = {
        "list": Capability.MEMBERS_VIEW,
        "retrieve": Capability.MEMBERS_VIEW,
        "create": Capability.MEMBERS_MANAGE,
        "update": Capability.MEMBERS_MANAGE,
        "partial_update": Capability.MEMBERS_MANAGE,
        "destroy": Capability.MEMBERS_MANAGE,
        "unlock": Capability.MEMBERS_MANAGE,
    }
    filter_backends = [DjangoFilterBackend, StrictSearchFilter]
    filterset_class = MembershipFilterSet
    search_fields = ["user__email", "user__full_name"]

    def narrow_queryset(self, queryset):
        return queryset.select_related("user").annotate(
            last_signin_failure=signin.locked_until_subquery("user__email")
        )

    @action(detail=True, methods=["post"])
    def unlock(self, request, *args, **kwargs):
        membership = self.get_object()
        signin.account_unlock(email=membership.user.email, by=request.user.email)
        return Response(self.output(membership))

    def create_object(self, serializer):
        return membership_add(organization=self.organization, **serializer.validated_data)

    def update_object(self, serializer):
        return membership_change_role(
            membership=serializer.instance, role=serializer.validated_data["role"]
        )

    def destroy_object(self, instance):
        membership_remove(membership=instance)
