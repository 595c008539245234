"""Parties of a relationship, and the acting organization's own invitations."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from cbrms.api.pagination import CursorPagination
from cbrms.api.schema import CONFLICT, error
from cbrms.api.viewsets import CreateMixin, DestroyMixin, OrgViewSet, UpdateMixin
from cbrms.tenancy.api import write_action
from relationships.api.serializers import (
    InvitationAcceptSerializer,
    InvitationSerializer,
    PartyInviteSerializer,
    PartySerializer,
    PartyUpdateSerializer,
)
from relationships.filtersets import PartyFilterSet
from relationships.models import Party, PartyStatus, Relationship
from relationships.roles import Capability
from relationships.selectors import invitations_of, parties_with_details
from relationships.services.partners import (
    join_request_approve,
    join_request_refuse,
    party_invitation_resend,
)
from relationships.services.relationships import (
    party_accept,
    party_decline,
    party_invite,
    party_leave,
    party_revoke,
    party_set_ser,
)


class OldestFirstPagination(CursorPagination):
    ordering = "id"


INVITE_EXAMPLE = OpenApiExample(
    "Invite a partner",
    value={"organization": "contoso"},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List a relationship's parties",
        description=(
            "Every party, whatever its status. In an ecosystem whose member directory is "
            "closed, a member sees its own party only."
        ),
    ),
    retrieve=extend_schema(summary="Get a party"),
    create=extend_schema(
        summary="Invite an organization (lead only)",
        description=(
            "The organization takes part once it accepts (see `invitations`). An organization "
            "that left or declined may be invited again."
        ),
        examples=[INVITE_EXAMPLE],
        responses={
            201: PartySerializer,
            403: error("Not the lead organization (`not_lead`), or a weaker role."),
            409: CONFLICT,
        },
    ),
    partial_update=extend_schema(
        summary="Name your party's SER",
        description="Each organization names its own SER (`not_own_party` otherwise).",
    ),
    update=extend_schema(summary="Name your party's SER"),
    resend=extend_schema(
        summary="Remind an invited organization (lead only)",
        description=(
            "Emails again the invited organization's people who may answer (administrators, "
            "executives, relationship managers). `invitation_closed` (409) once answered."
        ),
        request=None,
        responses={200: PartySerializer, 409: CONFLICT},
    ),
    approve=extend_schema(
        summary="Let in an organization that asked to join (orchestrator only)",
        description="The party becomes an active member. `request_closed` (409) when not asking.",
        request=None,
        responses={200: PartySerializer, 409: CONFLICT},
    ),
    refuse=extend_schema(
        summary="Refuse a request to join (orchestrator only)",
        description="The party's status becomes `refused`; the organization may ask again.",
        request=None,
        responses={200: PartySerializer, 409: CONFLICT},
    ),
    destroy=extend_schema(
        summary="Leave, remove a party, or revoke an invitation",
        description=(
            "Your own party leaves the relationship; the lead may remove another party. The "
            "row stays, with status `left` (answer 204). The lead itself cannot leave "
            "(`lead_cannot_leave`), and only an active party can leave (`not_active`). On a "
            "party still `invited`, the lead revokes the invitation (status `revoked`); it can "
            "invite the organization again later."
        ),
        responses={204: None, 409: CONFLICT},
    ),
)
class PartyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    UpdateMixin,
    DestroyMixin,
    OrgViewSet,
):
    """The organizations taking part in one relationship (``.../relationships/{id}/parties/``)."""

    model = Party
    parent_lookups = {"relationship": ("relationship", Relationship)}
    serializer_class = PartySerializer
    input_serializers = {
        "create": PartyInviteSerializer,
        "update": PartyUpdateSerializer,
        "partial_update": PartyUpdateSerializer,
    }
    capabilities = {
        "list": Capability.PARTIES_VIEW,
        "retrieve": Capability.PARTIES_VIEW,
        "create": Capability.PARTIES_MANAGE,
        "update": Capability.PARTIES_MANAGE,
        "partial_update": Capability.PARTIES_MANAGE,
        "destroy": Capability.PARTIES_MANAGE,
        "resend": Capability.PARTIES_MANAGE,
        "approve": Capability.PARTIES_MANAGE,
        "refuse": Capability.PARTIES_MANAGE,
    }
    filterset_class = PartyFilterSet
    pagination_class = OldestFirstPagination

    def narrow_queryset(self, queryset):
        return parties_with_details(queryset)

    def create_object(self, serializer):
        data = serializer.validated_data
        return party_invite(
            relationship=self.get_parent("relationship"),
            organization=self.organization,
            invitee=data["organization"],
            role=data.get("role"),
        )

    def update_object(self, serializer):
        party = serializer.instance
        ser = serializer.validated_data.get("ser", party.ser)
        return party_set_ser(party=party, organization=self.organization, ser=ser)

    def destroy_object(self, instance):
        if instance.status == PartyStatus.INVITED:
            party_revoke(party=instance, organization=self.organization)
        else:
            party_leave(party=instance, organization=self.organization)

    def _decide(self, service):
        party = self.write(service, party=self.get_object(), organization=self.organization)
        return Response(self.output(party))

    @write_action(detail=True)
    def resend(self, request, *args, **kwargs):
        return self._decide(party_invitation_resend)

    @write_action(detail=True)
    def approve(self, request, *args, **kwargs):
        return self._decide(join_request_approve)

    @write_action(detail=True)
    def refuse(self, request, *args, **kwargs):
        return self._decide(join_request_refuse)


@extend_schema_view(
    list=extend_schema(
        summary="List your open invitations",
        description="Invitations of the acting organization to relationships, not yet answered.",
    ),
    retrieve=extend_schema(summary="Get an open invitation"),
)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """The acting organization's open invitations: accept (naming a SER) or decline them."""

    model = Party
    serializer_class = InvitationSerializer
    input_serializers = {"accept": InvitationAcceptSerializer}
    capabilities = {
        "list": Capability.PARTIES_VIEW,
        "retrieve": Capability.PARTIES_VIEW,
        "accept": Capability.INVITATIONS_ANSWER,
        "decline": Capability.INVITATIONS_ANSWER,
    }
    filter_backends = []

    def narrow_queryset(self, queryset):
        return invitations_of(queryset, organization=self.organization)

    @extend_schema(
        summary="Accept an invitation",
        description="The organization becomes an active party and sees the relationship.",
        examples=[OpenApiExample("Naming our SER", value={"ser": 12}, request_only=True)],
        responses={200: InvitationSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def accept(self, request, *args, **kwargs):
        invitation = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        party = self.write(
            party_accept,
            party=invitation,
            organization=self.organization,
            ser=serializer.validated_data.get("ser"),
        )
        return Response(self.output(party, reload=False))

    @extend_schema(
        summary="Decline an invitation",
        request=None,
        responses={200: InvitationSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def decline(self, request, *args, **kwargs):
        # A declined party leaves the scope of the invitations: nothing stays to check.
        party = self.write(
            party_decline, visible=None, party=self.get_object(), organization=self.organization
        )
        return Response(self.output(party, reload=False))
