"""Serializers of the governance API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.filtersets import object_type_of
from governance.models import AuditEvent


class AuditActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(allow_null=True)


class AuditEventSerializer(serializers.ModelSerializer):
    """One change, as the audit trigger recorded it.

    ``changes`` maps each changed column to ``[old, new]`` (``old`` is null on create, ``new``
    on delete). Secrets are never recorded (token digests are redacted).
    """

    object_type = serializers.SerializerMethodField()
    relationship = serializers.IntegerField(source="relationship_id", allow_null=True)
    actor = serializers.SerializerMethodField()
    acting_organization = serializers.SlugField(
        source="acting_organization_slug",
        allow_null=True,
        help_text="Slug of the organization the change was made as.",
    )
    changes = serializers.JSONField(help_text="Column -> [old value, new value].")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "object_type",
            "table",
            "object_id",
            "relationship",
            "audience",
            "actor",
            "acting_organization",
            "changes",
        ]
        read_only_fields = fields

    def get_object_type(self, event: AuditEvent) -> str | None:
        return object_type_of(event.table)

    @extend_schema_field(AuditActorSerializer(allow_null=True))
    def get_actor(self, event: AuditEvent) -> dict | None:
        if event.actor_user_id is None:
            return None
        return {"id": event.actor_user_id, "email": event.actor_email}
