"""``/api/v1/orgs/{org_slug}/audit-events/``: the audit trail the organization may read.

The trail itself is the base's (``cbrms.audit``); who may read which event is this app's rule
(``relationships.visibility``), and so is how the people and organizations it names are shown
(``relationships.disclosure``).
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers

from cbrms.api.viewsets import OrgViewSet
from cbrms.audit.filtersets import AuditEventFilterSet, object_type_of
from cbrms.audit.models import AuditEvent
from cbrms.audit.pagination import AuditEventPagination
from relationships.api.disclosure import HIDDEN_NOTE
from relationships.disclosure import request_disclosure
from relationships.models import Organization, User
from relationships.roles import Capability
from relationships.visibility import audit_scope_branches


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


@extend_schema_view(
    list=extend_schema(
        summary="List audit events",
        description=(
            "Newest first. The organization's own records, the joint records of the "
            "relationships it is an active party of, and the party changes of those whose "
            "member list it may see; never another organization's internal records (its "
            "members, its tokens). Cursor pages: follow `next` and `previous`."
        ),
    ),
    retrieve=extend_schema(summary="Get an audit event"),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Read-only: the trail is written by database triggers and cannot be changed."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    capabilities = {"list": Capability.AUDIT_VIEW, "retrieve": Capability.AUDIT_VIEW}
    filterset_class = AuditEventFilterSet
    pagination_class = AuditEventPagination

    def narrow_queryset(self, queryset):
        # The trail holds plain ids (it outlives what it describes): name who acted, and as
        # which organization, with subqueries rather than a query per row.
        actor_email = User.objects.filter(pk=OuterRef("actor_user_id")).values("email")[:1]
        acting_slug = (
            # unscoped(by-id): names the acting organization of visible events
            Organization.objects.unscoped()
            .filter(pk=OuterRef("acting_organization_id"))
            .order_by()  # not Organization's ordering by name: there is one row
            .values("slug")[:1]
        )
        return queryset.annotate(
            actor_email=Subquery(actor_email), acting_organization_slug=Subquery(acting_slug)
        )

    def scope_branch_querysets(self) -> list[QuerySet]:
        """The filtered trail, one queryset per branch of the scope (``AuditEventPagination``).

        They find the candidates of a page, nothing more: the page is read through
        ``get_queryset()``, whose scope decides what is shown. So they start from the
        unscoped trail, where each branch walks its own index.
        """
        # unscoped(tenancy): index branches only; get_queryset() scopes the page
        trail = self.filter_queryset(AuditEvent.objects.unscoped().all())
        return [trail.filter(branch) for branch in audit_scope_branches(self.organization)]
