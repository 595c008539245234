"""Serializers of the governance API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.filtersets import object_type_of
from governance.models import AuditEvent
from relationships.api.disclosure import HIDDEN_NOTE
from relationships.disclosure import request_disclosure


class AuditActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="User id; null if unnamed.")
    email = serializers.EmailField(allow_null=True)


class AuditEventSerializer(serializers.ModelSerializer):
    """One change, as the audit trigger recorded it.

    ``changes`` maps each changed column to ``[old, new]`` (``old`` is null on create, ``new``
    on delete). Secrets are never recorded (token digests are redacted).
    """

    object_type = serializers.SerializerMethodField()
    relationship = serializers.IntegerField(source="relationship_id", allow_null=True)
    actor = serializers.SerializerMethodField()
    acting_organization = serializers.SerializerMethodField(
        help_text=f"Slug of the organization the change was made as. {HIDDEN_NOTE}"
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

    def _hidden(self, event: AuditEvent) -> bool:
        disclosure = request_disclosure(self.context["request"])
        return disclosure.hides(event.acting_organization_id, event.relationship_id)

    @extend_schema_field(AuditActorSerializer(allow_null=True))
    def get_actor(self, event: AuditEvent) -> dict | None:
        if event.actor_user_id is None:
            return None
        if self._hidden(event):
            return {"id": None, "email": None}
        return {"id": event.actor_user_id, "email": event.actor_email}

    @extend_schema_field({"type": "string", "nullable": True})
    def get_acting_organization(self, event: AuditEvent) -> str | None:
        if self._hidden(event):
            return None
        return event.acting_organization_slug
