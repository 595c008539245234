"""``/api/v1/orgs/{org_slug}/audit-events/``: the audit trail the organization may read."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from cbrms.api.viewsets import OrgViewSet
from governance.api.pagination import AuditEventPagination
from governance.api.serializers import AuditEventSerializer
from governance.filtersets import AuditEventFilterSet
from governance.models import AuditEvent
from relationships.models import Organization, User
from relationships.roles import Capability


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
        trail = self.filter_queryset(AuditEvent.objects.unscoped().all())
        return [trail.filter(branch) for branch in AuditEvent.scope_branches(self.organization)]
