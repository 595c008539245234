"""Serializers of the lifecycle API: the shape of input and output, no rules."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cbrms.api.serializers import InputSerializer
from cbrms.tenancy.api import ScopedRelatedField
from lifecycle.models import (
    DecisionRecord,
    DocumentVersion,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    GateKind,
    GateStatus,
    RelationshipFramework,
    Requirement,
    RequirementStatus,
    StageState,
)
from lifecycle.services.catalogs import catalog_latest
from relationships.api.disclosure import DisclosedMemberField, DisclosedOrganizationField
from relationships.disclosure import request_disclosure
from relationships.models import Membership


class StageSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=StageState.choices)
    requirements = serializers.IntegerField(help_text="Requirements you can see in this stage.")
    settled = serializers.IntegerField(help_text="Of those, met or justified not applicable.")


class FrameworkSerializer(serializers.ModelSerializer):
    profile = serializers.CharField(source="catalog.profile", read_only=True)
    catalog_version = serializers.CharField(source="catalog.version", read_only=True)
    catalog_title = serializers.CharField(source="catalog.title", read_only=True)
    latest_version = serializers.SerializerMethodField()

    class Meta:
        model = RelationshipFramework
        fields = [
            "profile",
            "catalog_version",
            "catalog_title",
            "latest_version",
            "member_quorum",
            "started_at",
            "upgraded_at",
        ]
        read_only_fields = ["started_at", "upgraded_at"]

    def get_latest_version(self, framework) -> str:
        return catalog_latest(framework.catalog.profile).version


class FrameworkUpdateSerializer(InputSerializer):
    member_quorum = serializers.IntegerField(min_value=0, max_value=10_000)

    def validate(self, attrs):
        # PATCH validates partially, but the quorum is the one thing this PATCH changes.
        if "member_quorum" not in attrs:
            raise serializers.ValidationError({"member_quorum": ["This field is required."]})
        return attrs


class BlankAsNullMixin:
    """Sends ``null`` where the row stores an empty string: a ledger entry that is no gate has
    no gate kind, a note has no URL; the schema promises an enum or a URI, or null."""

    def to_representation(self, value):
        return None if value == "" else super().to_representation(value)


class NullableChoiceField(BlankAsNullMixin, serializers.ChoiceField):
    pass


class NullableURLField(BlankAsNullMixin, serializers.URLField):
    pass


class FrameworkUpgradeSerializer(InputSerializer):
    version = serializers.CharField(
        required=False, help_text="Catalog version to move to; the newest when left out."
    )


class UpgradeReportSerializer(serializers.Serializer):
    from_version = serializers.CharField()
    to_version = serializers.CharField()
    carried = serializers.IntegerField(help_text="Requirements kept with their status.")
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    changed = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class RequirementSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.key", read_only=True)
    title = serializers.CharField(source="item.title", read_only=True)
    guidance = serializers.CharField(source="item.guidance", read_only=True)
    mandatory = serializers.BooleanField(source="item.mandatory", read_only=True)
    expected_evidence = serializers.CharField(source="item.evidence", read_only=True)
    organization = DisclosedOrganizationField()
    owner = DisclosedMemberField(membership_attr="owner")
    settled_by = DisclosedMemberField(
        membership_attr="settled_by",
        help_text="Who marked it met or not applicable; null while it is not settled.",
    )
    evidence_count = serializers.IntegerField(read_only=True)
    retired = serializers.BooleanField(
        read_only=True,
        help_text="The item left the catalog in an upgrade: kept for the record, gates nothing.",
    )

    class Meta:
        model = Requirement
        fields = [
            "id",
            "item",
            "stage",
            "title",
            "guidance",
            "mandatory",
            "expected_evidence",
            "visibility",
            "organization",
            "status",
            "justification",
            "owner",
            "due_date",
            "settled_by",
            "settled_at",
            "evidence_count",
            "retired",
            "updated_at",
        ]
        read_only_fields = fields


class RequirementUpdateSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=RequirementStatus.choices, required=False)
    justification = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    owner = ScopedRelatedField(
        model=Membership,
        required=False,
        allow_null=True,
        help_text="A member of your organization.",
    )
    due_date = serializers.DateField(required=False, allow_null=True)


class PinnedVersionSerializer(serializers.ModelSerializer):
    """The issued version a piece of evidence is pinned to."""

    kind = serializers.CharField(source="document.kind", read_only=True)

    class Meta:
        model = DocumentVersion
        fields = ["id", "document", "kind", "number", "title", "content_hash", "decided_at"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField()
    document_version = PinnedVersionSerializer(
        read_only=True, allow_null=True, help_text="Issued versions of documents only."
    )
    owner = DisclosedMemberField(membership_attr="owner")
    url = NullableURLField(read_only=True, allow_null=True, help_text="Links only.")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "requirement",
            "kind",
            "title",
            "version",
            "status",
            "owner",
            "organization",
            "visibility",
            "note",
            "url",
            "filename",
            "content_type",
            "size",
            "content_hash",
            "document_version",
            "download_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_download_url(self, evidence) -> str | None:
        if evidence.kind != EvidenceKind.FILE:
            return None
        slug = self.context["request"].organization.slug
        return (
            f"/api/v1/orgs/{slug}/relationships/{evidence.relationship_id}"
            f"/evidence/{evidence.pk}/download/"
        )


class EvidenceCreateSerializer(InputSerializer):
    requirement = ScopedRelatedField(model=Requirement)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    title = serializers.CharField(max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    file = serializers.FileField(required=False, allow_empty_file=False, use_url=False)
    status = serializers.ChoiceField(choices=EvidenceStatus.choices, required=False)
    owner = ScopedRelatedField(model=Membership, required=False, allow_null=True)
    document_version = ScopedRelatedField(
        model=DocumentVersion,
        required=False,
        help_text="`kind: document` only: the id of an issued version to attach.",
    )


class EvidenceUpdateSerializer(InputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    note = serializers.CharField(required=False, max_length=50_000)
    url = serializers.URLField(required=False, max_length=1000)
    file = serializers.FileField(required=False, allow_empty_file=False, use_url=False)
    status = serializers.ChoiceField(choices=EvidenceStatus.choices, required=False)


class LedgerActorSerializer(serializers.Serializer):
    membership = serializers.IntegerField(allow_null=True)
    email = serializers.EmailField(allow_null=True)
    full_name = serializers.CharField()


class LedgerEntrySerializer(serializers.ModelSerializer):
    organization = DisclosedOrganizationField()
    actor = serializers.SerializerMethodField()
    closes_relationship = serializers.BooleanField(
        read_only=True,
        help_text="The advance out of stage 8 (to_stage is 8 too): the exit is complete.",
    )
    chain = serializers.CharField(
        read_only=True,
        help_text=(
            "The chain the entry is sealed in: `joint` (every party), `internal:<organization "
            "id>` (your own decisions), or `member:<organization id>` (an ecosystem member's). "
            "`sequence` counts within it."
        ),
    )
    gate_kind = NullableChoiceField(
        choices=GateKind.choices,
        read_only=True,
        allow_null=True,
        help_text="The kind of gate the entry belongs to; null on entries that are no gate.",
    )

    class Meta:
        model = DecisionRecord
        fields = [
            "id",
            "chain",
            "sequence",
            "kind",
            "gate",
            "gate_kind",
            "from_stage",
            "to_stage",
            "closes_relationship",
            "organization",
            "visibility",
            "actor",
            "text",
            "created_at",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields

    @extend_schema_field(LedgerActorSerializer(allow_null=True))
    def get_actor(self, record) -> dict | None:
        # Named as a person of their own organization (an outcome entry's actor is the SER whose
        # decision settled the gate, whoever requested it).
        organization_id = record.actor.organization_id if record.actor else record.organization_id
        person = request_disclosure(self.context["request"]).person_by_user(
            record.actor_user, record.actor_id, organization_id, record.relationship_id
        )
        if person is None:
            return None
        return {
            "membership": person.membership,
            "email": person.email,
            "full_name": person.full_name,
        }


class ApproverSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.slug")
    membership = serializers.IntegerField(source="membership_id")
    email = serializers.EmailField(source="membership.user.email")
    full_name = serializers.CharField(source="membership.user.full_name")
    pool = serializers.CharField()
    decision = serializers.CharField(allow_null=True)


class GateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(source="gate_kind", choices=GateKind.choices)
    from_stage = serializers.IntegerField()
    to_stage = serializers.IntegerField()
    closes_relationship = serializers.BooleanField(
        help_text="An advance out of stage 8 (to_stage is 8 too): passing it completes the exit."
    )
    status = serializers.ChoiceField(choices=GateStatus.choices)
    stale = serializers.BooleanField(
        help_text="The evidence changed since the request: it must be requested again."
    )
    reason = serializers.CharField(source="text")
    requested_by = serializers.DictField()
    requested_at = serializers.DateTimeField(source="created_at")
    visibility = serializers.CharField()
    quorum = serializers.IntegerField()
    self_approval = serializers.BooleanField(
        help_text="SME profile: the requester is also the SER who approves (recorded as such)."
    )
    approvers = ApproverSerializer(many=True)
    decisions = LedgerEntrySerializer(many=True)
    evidence = serializers.DictField(
        child=serializers.CharField(), help_text="Evidence id -> content hash, as requested."
    )


class GateCreateSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=GateKind.choices, default=GateKind.ADVANCE)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class GateDecisionSerializer(InputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class ChainResultSerializer(serializers.Serializer):
    chain = serializers.CharField(
        help_text="joint, internal:<organization id> (yours) or member:<organization id>."
    )
    verified = serializers.BooleanField()
    records = serializers.IntegerField(help_text="Entries in the chain.")
    broken_at = serializers.IntegerField(
        allow_null=True, help_text="Sequence of the first entry that fails, in this chain."
    )
    reason = serializers.CharField(allow_blank=True)


class ChainSerializer(serializers.Serializer):
    verified = serializers.BooleanField(help_text="Every chain you read is intact.")
    records = serializers.IntegerField(help_text="Entries of the chains you read.")
    broken_at = serializers.IntegerField(
        allow_null=True, help_text="Where the first broken chain breaks (see `chains`)."
    )
    reason = serializers.CharField(allow_blank=True)
    chains = ChainResultSerializer(many=True)


class ChangedCountsSerializer(serializers.Serializer):
    requirements = serializers.IntegerField()
    evidence = serializers.IntegerField()
    private = serializers.IntegerField()


class InboxEntrySerializer(serializers.Serializer):
    gate = serializers.IntegerField(source="gate.pk")
    relationship = serializers.DictField()
    kind = serializers.CharField(source="gate.gate_kind")
    from_stage = serializers.IntegerField(source="gate.from_stage")
    to_stage = serializers.IntegerField(source="gate.to_stage")
    reason = serializers.CharField(source="gate.text")
    requested_at = serializers.DateTimeField(source="gate.created_at")
    requested_by = serializers.DictField()
    stale = serializers.BooleanField()
    changes_since = serializers.DateTimeField(source="since")
    changed_evidence = serializers.ListField(
        child=serializers.DictField(),
        help_text="Evidence changed since `changes_since` that you may see.",
    )
    changed_requirements = serializers.ListField(
        child=serializers.DictField(),
        help_text="Requirements changed since `changes_since` that you may see.",
    )
    changed_counts = ChangedCountsSerializer(
        help_text=(
            "How much changed in all, over what the gate rests on: the same for every SER of "
            "the gate. `private` counts the changes in another party's internal work, which "
            "the lists leave out."
        )
    )
