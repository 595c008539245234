"""Serializers of the relationships API: reads (``<Model>Serializer``) and write inputs.

Serializers check the shape of input only; who may do what is decided by the capability table
(``relationships.roles``) and the services. Every writable relation is a scoped field, so an id
the acting organization cannot see is refused as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cbrms.api.serializers import InputModelSerializer, InputSerializer
from cbrms.tenancy.api import ScopedRelatedField
from relationships.models import (
    ApiToken,
    FrameworkProfile,
    InvitationStatus,
    MemberInvitation,
    Membership,
    OpenEcosystem,
    Organization,
    PartnerInvitation,
    Party,
    PartyRole,
    Relationship,
    RelationshipType,
    Role,
    SizeClass,
    User,
)
from relationships.selectors import organization_for_invitation
from relationships.signin import lock_end

# --- organizations and people ------------------------------------------------------------


class OrganizationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name"]
        read_only_fields = fields


class MemberSummarySerializer(serializers.ModelSerializer):
    """A member named in another record (a party's SER, a token's owner)."""

    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name"]
        read_only_fields = fields


class OrganizationSerializer(serializers.ModelSerializer):
    is_sme = serializers.BooleanField(
        read_only=True, help_text="Micro, small or medium: may use the ISO 44003 SME profile."
    )
    ser = MemberSummarySerializer(
        read_only=True,
        allow_null=True,
        help_text="The SER of the organization's management system: issues its corporate RMP.",
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "slug",
            "name",
            "size_class",
            "sector",
            "country",
            "is_sme",
            "ser",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrganizationUpdateSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    size_class = serializers.ChoiceField(choices=SizeClass.choices, required=False)
    sector = serializers.CharField(max_length=120, required=False, allow_blank=True)
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$", required=False, help_text="ISO 3166-1 alpha-2 code, e.g. GB."
    )
    ser = ScopedRelatedField(
        Membership,
        required=False,
        allow_null=True,
        help_text="Membership id of the executive who is the SER of your management system.",
    )


class UserSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    locked_until = serializers.SerializerMethodField(
        help_text=(
            "While too many failed sign-ins lock this person's account: when the lock ends. "
            "Admins lift it sooner with `POST members/{id}/unlock/`."
        )
    )

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "locked_until", "created_at", "updated_at"]
        read_only_fields = fields

    def get_locked_until(self, membership) -> datetime | None:
        # ``last_signin_failure``: annotated by the view (relationships.signin), one subquery.
        return lock_end(getattr(membership, "last_signin_failure", None))


class MembershipUpdateSerializer(InputSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MemberInvitationSerializer(serializers.ModelSerializer):
    """An invitation to join the organization, as its admins see it. The link is never shown:
    it goes to the invited address only."""

    status = serializers.ChoiceField(choices=InvitationStatus.choices, read_only=True)
    invited_by = serializers.SerializerMethodField()

    class Meta:
        model = MemberInvitation
        fields = [
            "id",
            "email",
            "role",
            "status",
            "invited_by",
            "created_at",
            "sent_at",
            "expires_at",
            "accepted_at",
            "declined_at",
            "revoked_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MemberSummarySerializer(allow_null=True))
    def get_invited_by(self, invitation) -> dict | None:
        inviter = invitation.invited_by
        return None if inviter is None else MemberSummarySerializer(inviter).data


class PartnerInvitationSerializer(MemberInvitationSerializer):
    """An invitation of an organization to a relationship by email, as the lead sees it. The
    link goes to the invited address only; ``party`` is the party its acceptance made."""

    class Meta:
        model = PartnerInvitation
        fields = [
            "id",
            "relationship",
            "email",
            "organization_name",
            "message",
            "status",
            "invited_by",
            "party",
            "created_at",
            "sent_at",
            "expires_at",
            "accepted_at",
            "declined_at",
            "revoked_at",
        ]
        read_only_fields = fields


class PartnerInviteSerializer(InputSerializer):
    email = serializers.EmailField(help_text="A person at the organization; the link goes there.")
    organization_name = serializers.CharField(
        max_length=200, help_text="The organization's name as you know it (they may correct it)."
    )
    message = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Shown to them."
    )


class MemberInvitationCreateSerializer(InputSerializer):
    email = serializers.EmailField(help_text="Where the invitation goes; the person's login.")
    role = serializers.ChoiceField(choices=Role.choices, help_text="The role they will hold.")


# --- relationships and parties -----------------------------------------------------------


class OwnPartySerializer(serializers.ModelSerializer):
    """Your organization's own party in a relationship."""

    ser = MemberSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Party
        fields = ["id", "role", "status", "ser"]
        read_only_fields = fields

    def get_attribute(self, instance):
        # Nested as source="acting_parties": the list of at most one party that
        # relationships_with_party_summary prefetches.
        own = super().get_attribute(instance)
        return own[0] if own else None


class RelationshipSerializer(serializers.ModelSerializer):
    """A relationship. Its parties are listed, paginated, at `relationships/{id}/parties/`."""

    lead_organization = OrganizationSummarySerializer(
        read_only=True, help_text="The lead (the orchestrator of an ecosystem)."
    )
    stage_name = serializers.CharField(read_only=True)
    is_archived = serializers.BooleanField(read_only=True)
    # party_count and acting_parties: see relationships_with_party_summary.
    party_count = serializers.IntegerField(
        read_only=True,
        help_text=(
            "Active parties you can see, yours included. In an ecosystem whose member "
            "directory is closed, a member sees its own party and the orchestrator's: 2."
        ),
    )
    my_party = OwnPartySerializer(
        source="acting_parties",
        read_only=True,
        allow_null=True,
        help_text="Your organization's party: its id, role, status and SER.",
    )

    class Meta:
        model = Relationship
        fields = [
            "id",
            "name",
            "description",
            "type",
            "framework_profile",
            "current_stage",
            "stage_name",
            "status",
            "lead_organization",
            "member_directory_visible",
            "open_to_join_requests",
            "survey_threshold",
            "is_archived",
            "archived_at",
            "party_count",
            "my_party",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RelationshipCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    type = serializers.ChoiceField(choices=RelationshipType.choices)
    framework_profile = serializers.ChoiceField(
        choices=FrameworkProfile.choices,
        required=False,
        help_text="Defaults to the ecosystem profile for an ecosystem, ISO 44001 otherwise.",
    )
    ser = ScopedRelatedField(
        Membership,
        required=False,
        allow_null=True,
        help_text="Membership id of your organization's SER (an executive).",
    )
    member_directory_visible = serializers.BooleanField(required=False, default=False)


class RelationshipUpdateSerializer(InputModelSerializer):
    class Meta:
        model = Relationship
        fields = [
            "name",
            "description",
            "type",
            "framework_profile",
            "member_directory_visible",
            "open_to_join_requests",
            "survey_threshold",
        ]


class PartySerializer(serializers.ModelSerializer):
    organization = OrganizationSummarySerializer(read_only=True)
    ser = MemberSummarySerializer(read_only=True, allow_null=True)
    is_lead = serializers.BooleanField(read_only=True)
    ser_pending = serializers.SerializerMethodField(
        help_text="A SER was named by email and becomes SER once they join their organization."
    )

    class Meta:
        model = Party
        fields = [
            "id",
            "relationship",
            "organization",
            "role",
            "status",
            "is_lead",
            "ser",
            "ser_pending",
            "request_message",
            "invited_at",
            "joined_at",
            "left_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_ser_pending(self, party) -> bool:
        return party.ser_id is None and party.ser_invitation_id is not None


class JoinRequestSerializer(InputSerializer):
    message = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Who you are and what you bring: the orchestrator reads it.",
    )


class OpenEcosystemSerializer(serializers.ModelSerializer):
    """An ecosystem open to requests to join, as any organization sees it."""

    orchestrator = OrganizationSummarySerializer(source="lead_organization", read_only=True)
    my_status = serializers.SerializerMethodField(
        help_text="Your organization's status there, if it has one (`requested`, `active`...)."
    )

    class Meta:
        model = OpenEcosystem
        fields = ["id", "name", "description", "orchestrator", "current_stage", "my_status"]
        read_only_fields = fields

    def get_my_status(self, ecosystem) -> str | None:
        return getattr(ecosystem, "my_status", None)


class PartyInviteSerializer(InputSerializer):
    organization = serializers.SlugField(help_text="Slug of the organization to invite.")
    role = serializers.ChoiceField(
        choices=PartyRole.choices,
        required=False,
        help_text="Optional: `partner`, or `member` in an ecosystem (the only allowed values).",
    )

    def validate_organization(self, slug: str) -> Organization:
        invitee = organization_for_invitation(slug=slug)
        if invitee is None:
            raise serializers.ValidationError("There is no organization with this slug.")
        return invitee


class PartyUpdateSerializer(InputSerializer):
    ser = ScopedRelatedField(
        Membership,
        allow_null=True,
        help_text="Membership id of your organization's SER (an executive), or null.",
    )


class InvitationRelationshipSerializer(serializers.ModelSerializer):
    lead_organization = OrganizationSummarySerializer(read_only=True)

    class Meta:
        model = Relationship
        fields = ["id", "name", "type", "lead_organization"]
        read_only_fields = fields


class InvitationSerializer(serializers.ModelSerializer):
    relationship = InvitationRelationshipSerializer(read_only=True)

    class Meta:
        model = Party
        fields = ["id", "relationship", "role", "status", "invited_at", "joined_at"]
        read_only_fields = fields


class InvitationAcceptSerializer(InputSerializer):
    ser = ScopedRelatedField(
        Membership,
        required=False,
        allow_null=True,
        help_text="Membership id of your organization's SER for this relationship.",
    )


# --- tokens ----------------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    owner = MemberSummarySerializer(source="membership", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "owner",
            "is_active",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]
        read_only_fields = fields


class IssuedTokenSerializer(ApiTokenSerializer):
    """A token just issued: the only response that ever carries its secret."""

    token = serializers.CharField(
        read_only=True, help_text="The secret. Shown once: store it now, it cannot be shown again."
    )
    organization = serializers.SlugField(
        source="organization.slug", read_only=True, help_text="The organization it acts as."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "organization", "token"]
        read_only_fields = fields

    def to_representation(self, issued):
        """``issued`` is a ``relationships.services.tokens.IssuedToken``."""
        data = super().to_representation(issued.token)
        data["token"] = issued.key
        return data


class ApiTokenCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(
        required=False, help_text="At most 366 days ahead; 90 days from now by default."
    )


class TokenObtainSerializer(InputSerializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    organization = serializers.SlugField(help_text="Slug of the organization the token acts as.")
    name = serializers.CharField(max_length=100, required=False, default="API token")
    expires_at = serializers.DateTimeField(required=False)
