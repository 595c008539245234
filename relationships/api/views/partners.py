"""Organizations coming in from outside a relationship: invited by email (the lead's
``partner-invitations``), or asking to join an ecosystem open to requests (``ecosystems``)."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from cbrms.api.schema import CONFLICT, error
from cbrms.api.viewsets import CreateMixin, DestroyMixin, OrgViewSet
from cbrms.tenancy.api import write_action
from relationships.api.serializers import (
    JoinRequestSerializer,
    OpenEcosystemSerializer,
    PartnerInvitationSerializer,
    PartnerInviteSerializer,
    PartySerializer,
)
from relationships.models import OpenEcosystem, PartnerInvitation, Party, Relationship
from relationships.roles import Capability
from relationships.services.partners import (
    join_request,
    partner_invitation_resend,
    partner_invitation_revoke,
    partner_invite,
)

PARTNER_INVITE_EXAMPLE = OpenApiExample(
    "Invite an organization not yet on CBRMS",
    value={
        "email": "dana.price@fabrikam.example",
        "organization_name": "Fabrikam",
        "message": "We would like to plan the joint delivery with you.",
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List invitations by email (lead only)",
        description="Every invitation by email the lead sent for this relationship, newest first.",
    ),
    retrieve=extend_schema(summary="Get an invitation by email"),
    create=extend_schema(
        summary="Invite an organization by email (lead only)",
        description=(
            "Emails the address a signed link that works once, until it expires "
            "(`CBRMS_MEMBER_INVITATION_DAYS`). Whoever follows it sets the organization up "
            "with its first account and names its SER, or answers for an organization they "
            "belong to; the organization then takes part as an active party (`party`). For an "
            "organization you know in CBRMS, invite it by its slug on `parties/` instead. "
            "`already_invited` (409): an invitation to this address is open here."
        ),
        examples=[PARTNER_INVITE_EXAMPLE],
        responses={
            201: PartnerInvitationSerializer,
            403: error("Not the lead organization (`not_lead`), or a weaker role."),
            409: CONFLICT,
        },
    ),
    destroy=extend_schema(
        summary="Revoke an invitation by email (lead only)",
        description=(
            "Its link stops working at once; it stays listed as `revoked`. "
            "`invitation_closed` (409) once accepted, declined or revoked."
        ),
        responses={204: None, 409: CONFLICT},
    ),
    resend=extend_schema(
        summary="Send an invitation by email again (lead only)",
        description=(
            "A new link (the previous one stops working) and a new expiry; also for an "
            "expired invitation. `invitation_closed` (409) once accepted, declined or revoked."
        ),
        request=None,
        responses={200: PartnerInvitationSerializer, 409: CONFLICT},
    ),
)
class PartnerInvitationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, CreateMixin, DestroyMixin, OrgViewSet
):
    """``.../relationships/{id}/partner-invitations/``: organizations invited by email."""

    model = PartnerInvitation
    parent_lookups = {"relationship": ("relationship", Relationship)}
    serializer_class = PartnerInvitationSerializer
    input_serializers = {"create": PartnerInviteSerializer}
    capabilities = {
        "list": Capability.PARTIES_MANAGE,
        "retrieve": Capability.PARTIES_MANAGE,
        "create": Capability.PARTIES_MANAGE,
        "destroy": Capability.PARTIES_MANAGE,
        "resend": Capability.PARTIES_MANAGE,
    }
    filter_backends = []

    def narrow_queryset(self, queryset):
        return queryset.select_related("invited_by__user")

    def create_object(self, serializer):
        return partner_invite(
            relationship=self.get_parent("relationship"),
            organization=self.organization,
            invited_by=self.membership,
            **serializer.validated_data,
        )

    def destroy_object(self, instance):
        partner_invitation_revoke(invitation=instance, organization=self.organization)

    @write_action(detail=True)
    def resend(self, request, *args, **kwargs):
        invitation = self.write(
            partner_invitation_resend, invitation=self.get_object(), organization=self.organization
        )
        return Response(self.output(invitation))


@extend_schema_view(
    list=extend_schema(
        summary="List ecosystems open to requests to join",
        description=(
            "Ecosystems whose orchestrator opened them to requests (`open_to_join_requests`), "
            "with your organization's status in each, if any."
        ),
    ),
    retrieve=extend_schema(summary="Get an ecosystem open to requests"),
)
class OpenEcosystemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """``/api/v1/orgs/{org}/ecosystems/``: where an organization finds an ecosystem and asks."""

    model = OpenEcosystem
    serializer_class = OpenEcosystemSerializer
    input_serializers = {"join": JoinRequestSerializer}
    capabilities = {
        "list": Capability.RELATIONSHIPS_VIEW,
        "retrieve": Capability.RELATIONSHIPS_VIEW,
        "join": Capability.ECOSYSTEMS_JOIN,
    }
    filter_backends = []

    def narrow_queryset(self, queryset):
        own = Party.objects.filter(relationship=OuterRef("pk"), organization=self.organization)
        return queryset.select_related("lead_organization").annotate(
            my_status=Subquery(own.values("status")[:1])
        )

    @extend_schema(
        summary="Ask to join an ecosystem",
        description=(
            "Your organization's party is created with status `requested`; the orchestrator "
            "approves it (you become an active member) or refuses it (you may ask again). "
            "`already_party` (409) while you are invited, asking or a member already."
        ),
        examples=[
            OpenApiExample(
                "Asking",
                value={"message": "We supply cold-chain logistics in the Benelux."},
                request_only=True,
            )
        ],
        responses={201: PartySerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def join(self, request, *args, **kwargs):
        ecosystem = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        party = self.write(
            join_request,
            relationship=ecosystem,
            organization=self.organization,
            message=serializer.validated_data["message"],
        )
        return Response(
            PartySerializer(party, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
