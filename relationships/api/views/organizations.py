"""The acting organization itself, and its members."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from cbrms.api.filters import StrictSearchFilter
from cbrms.api.schema import CONFLICT
from cbrms.api.viewsets import CreateMixin, DestroyMixin, OrgViewSet, UpdateMixin
from cbrms.tenancy.api import write_action
from relationships import signin
from relationships.api.serializers import (
    MemberInvitationCreateSerializer,
    MemberInvitationSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    OrganizationSerializer,
    OrganizationUpdateSerializer,
)
from relationships.filtersets import MembershipFilterSet
from relationships.models import MemberInvitation, Membership, Organization
from relationships.roles import Capability
from relationships.services.members import (
    member_invitation_resend,
    member_invitation_revoke,
    member_invite,
)
from relationships.services.organizations import (
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
        return queryset.filter(pk=self.organization.pk).select_related("ser__user")

    def update_object(self, serializer):
        return organization_update(organization=serializer.instance, **serializer.validated_data)


INVITATION_EXAMPLE = OpenApiExample(
    "Invite a relationship manager",
    value={"email": "ada@example.com", "role": "relationship_manager"},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="List members", description="Every member, whatever their role."),
    retrieve=extend_schema(summary="Get a member"),
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
    UpdateMixin,
    DestroyMixin,
    OrgViewSet,
):
    """``/api/v1/orgs/{org_slug}/members/``: who works in the organization, and their role.

    People join by accepting an invitation (``member-invitations/``), not by being added.
    """

    model = Membership
    serializer_class = MembershipSerializer
    input_serializers = {
        "update": MembershipUpdateSerializer,
        "partial_update": MembershipUpdateSerializer,
    }
    capabilities = {
        "list": Capability.MEMBERS_VIEW,
        "retrieve": Capability.MEMBERS_VIEW,
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

    @write_action(detail=True)
    def unlock(self, request, *args, **kwargs):
        membership = self.get_object()
        # Not tenant data (the lockout's records): nothing to check for visibility.
        self.write(
            signin.account_unlock, visible=None, email=membership.user.email, by=request.user.email
        )
        return Response(self.output(membership))

    def update_object(self, serializer):
        return membership_change_role(
            membership=serializer.instance, role=serializer.validated_data["role"]
        )

    def destroy_object(self, instance):
        membership_remove(membership=instance)


@extend_schema_view(
    list=extend_schema(
        summary="List invitations to join (admins)",
        description="Every invitation the organization sent, newest first, with its status.",
    ),
    retrieve=extend_schema(summary="Get an invitation to join (admins)"),
    create=extend_schema(
        summary="Invite a person to join (admins)",
        description=(
            "Emails the address a link to accept or decline; nobody becomes a member without "
            "accepting. The answer is the same whether the address has a CBRMS account or "
            "not. `already_member` (409): the address belongs to a member; `already_invited` "
            "(409): an invitation to it is open (resend or revoke that one)."
        ),
        examples=[INVITATION_EXAMPLE],
        responses={201: MemberInvitationSerializer, 409: CONFLICT},
    ),
    destroy=extend_schema(
        summary="Revoke an invitation to join (admins)",
        description=(
            "Its link stops working at once; it stays listed as `revoked`. "
            "`invitation_closed` (409) once accepted, declined or revoked."
        ),
        responses={204: None, 409: CONFLICT},
    ),
    resend=extend_schema(
        summary="Send an invitation again (admins)",
        description=(
            "A new link (the previous one stops working) and a new expiry; also for an "
            "expired invitation. `invitation_closed` (409) once accepted, declined or revoked."
        ),
        request=None,
        responses={200: MemberInvitationSerializer, 409: CONFLICT},
    ),
)
class MemberInvitationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, CreateMixin, DestroyMixin, OrgViewSet
):
    """``/api/v1/orgs/{org_slug}/member-invitations/``: how people are asked to join."""

    model = MemberInvitation
    serializer_class = MemberInvitationSerializer
    input_serializers = {"create": MemberInvitationCreateSerializer}
    capabilities = {
        "list": Capability.MEMBERS_MANAGE,
        "retrieve": Capability.MEMBERS_MANAGE,
        "create": Capability.MEMBERS_MANAGE,
        "destroy": Capability.MEMBERS_MANAGE,
        "resend": Capability.MEMBERS_MANAGE,
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("invited_by__user")

    def create_object(self, serializer):
        return member_invite(
            organization=self.organization, invited_by=self.membership, **serializer.validated_data
        )

    def destroy_object(self, instance):
        member_invitation_revoke(invitation=instance)

    @write_action(detail=True)
    def resend(self, request, *args, **kwargs):
        invitation = self.write(member_invitation_resend, invitation=self.get_object())
        return Response(self.output(invitation))
