"""What an organization may see. Every tenant model's scope is answered here, once.

The rules (DESIGN.md, "Tenancy"):

- an organization sees its own organization-level records;
- for each relationship where it is an *active* party, it sees the relationship, the joint
  records of that relationship, and its own internal records about it;
- it never sees another organization's internal records;
- in an ecosystem, the member list is visible to the orchestrator, and to the other members only
  when the relationship's ``member_directory_visible`` setting allows it.

The predicates below are the rule; the ``scope_rule`` registrations plug them into the tenancy
mechanism (``cbrms.tenancy.scopes``) for the models of this app and for the audit trail. The
models of the apps above register theirs with the same predicates (``lifecycle.visibility``).
``RelationshipsConfig.ready`` imports this module.
"""

from __future__ import annotations

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q, QuerySet

from cbrms.audit.models import AuditEvent
from cbrms.tenancy.scopes import scope_rule
from relationships.models import (
    ApiToken,
    MemberInvitation,
    Membership,
    OpenEcosystem,
    Organization,
    PartnerInvitation,
    Party,
    PartyRole,
    PartyStatus,
    Relationship,
    RelationshipStatus,
    RelationshipType,
    Visibility,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)

# --- the predicates ------------------------------------------------------------------------


def active_relationship_ids(organization: Organization) -> QuerySet:
    """Ids of the relationships where ``organization`` is an active party (a subquery)."""
    return (
        Party.objects.unscoped()  # unscoped(tenancy): the rule itself: it is what scopes Party
        .filter(organization=organization, status=PartyStatus.ACTIVE)
        .values("relationship_id")
    )


def directory_relationship_ids(organization: Organization) -> QuerySet:
    """Relationships whose full party list ``organization`` may see (a subquery).

    Every relationship it is an active party of, except ecosystems where it is a plain member
    and the orchestrator keeps the member directory closed.
    """
    # The open-directory ecosystems are few: a subquery on their partial index is cheaper than
    # joining every relationship of a large orchestrator (see benchmarks/README.md).
    # unscoped(tenancy): the rule itself, over relationships
    open_directories = Relationship.objects.unscoped().filter(member_directory_visible=True)
    return (
        Party.objects.unscoped()  # unscoped(tenancy): the rule itself: it is what scopes Party
        .filter(organization=organization, status=PartyStatus.ACTIVE)
        .filter(~Q(role=PartyRole.MEMBER) | Q(relationship_id__in=open_directories.values("id")))
        .values("relationship_id")
    )


def workspace_q(
    organization: Organization,
    *,
    relationship_field: str = "relationship",
    owner_field: str = "organization",
    visibility_field: str = "visibility",
) -> Q:
    """The one answer to "what of a relationship may ``organization`` see".

    Its own records (internal or joint) about any relationship, plus the joint records of the
    relationships where it is an active party. Every workspace resource filters through this.
    """
    own = Q(**{owner_field: organization})
    joint = Q(
        **{
            visibility_field: Visibility.JOINT,
            f"{relationship_field}__in": active_relationship_ids(organization),
        }
    )
    return own | joint


def visible_to(
    queryset: QuerySet, organization: Organization, *, relationship_id: int | None = None
) -> QuerySet:
    """Scope a workspace queryset to ``organization``, optionally to one relationship."""
    queryset = queryset.filter(workspace_q(organization))
    if relationship_id is not None:
        queryset = queryset.filter(relationship_id=relationship_id)
    return queryset


def workspace_rule(queryset: QuerySet, organization: Organization) -> QuerySet:
    """The scope of a workspace model (``relationship``, owning ``organization``,
    ``visibility``): a new register registers this for its model, and that is all."""
    return queryset.filter(workspace_q(organization))


# --- the rules of this app's models --------------------------------------------------------


@scope_rule(Organization)
def _organizations(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Itself, the organizations it meets in the relationships it may see in full, and the lead
    (orchestrator) of every relationship it takes part in."""
    # unscoped(tenancy): the rule that scopes Organization
    partners = Party.objects.unscoped().filter(
        relationship_id__in=directory_relationship_ids(organization)
    )
    # unscoped(tenancy): the rule that scopes Organization
    leads = Relationship.objects.unscoped().filter(id__in=active_relationship_ids(organization))
    return queryset.filter(
        Q(pk=organization.pk)
        | Q(pk__in=partners.values("organization_id"))
        | Q(pk__in=leads.values("lead_organization_id"))
    )


@scope_rule(
    Membership,
    ApiToken,
    MemberInvitation,
    PartnerInvitation,
    WebhookEndpoint,
    WebhookMessage,
    WebhookAttempt,
)
def _own_organization(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Its people, their tokens, its invitations, its webhooks: nobody else's."""
    return queryset.filter(organization=organization)


@scope_rule(Relationship)
def _relationships(queryset: QuerySet, organization: Organization) -> QuerySet:
    return queryset.filter(id__in=active_relationship_ids(organization))


@scope_rule(OpenEcosystem)
def _open_ecosystems(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Every ecosystem open to requests to join, and still running: their orchestrators chose
    to be found."""
    return queryset.filter(
        type=RelationshipType.ECOSYSTEM, open_to_join_requests=True, archived_at__isnull=True
    ).exclude(status=RelationshipStatus.EXITED)


@scope_rule(Party)
def _parties(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Its own parties; every party of the relationships whose member list it may see; and the
    lead's (orchestrator's) party of every relationship it takes part in, which a member of a
    closed ecosystem knows anyway (the relationship names its orchestrator)."""
    return queryset.filter(
        Q(organization=organization)
        | Q(relationship_id__in=directory_relationship_ids(organization))
        | Q(
            role__in=(PartyRole.LEAD, PartyRole.ORCHESTRATOR),
            relationship_id__in=active_relationship_ids(organization),
        )
    )


# --- the audit trail -----------------------------------------------------------------------


@scope_rule(AuditEvent)
def _audit_events(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Its own events; the joint events of its relationships; the party changes of those whose
    member list it may see (``AuditEvent.audience``)."""
    return queryset.filter(
        Q(organization_id=organization.pk)
        | Q(audience="joint", relationship_id__in=active_relationship_ids(organization))
        | Q(audience="directory", relationship_id__in=directory_relationship_ids(organization))
    )


def audit_scope_branches(organization: Organization) -> list[Q]:
    """The condition of the audit events' scope as separate branches with literal ids.

    Their ``OR`` holds the same rows, regrouped so that each branch can walk an index on its
    own (``relationships.api.audit``'s pagination): every relationship whose member list
    ``organization`` may see is one it is an active party of, so the joint and directory events
    of those are readable, and of its other relationships only the joint ones. The ids are read
    now, in one query; most organizations see every member list of theirs, which leaves the last
    branch empty.
    """
    in_directory = Q(relationship_id__in=directory_relationship_ids(organization))
    ids = (
        active_relationship_ids(organization)
        .order_by()
        .aggregate(
            listed=ArrayAgg("relationship_id", filter=in_directory, default=[]),
            unlisted=ArrayAgg("relationship_id", filter=~in_directory, default=[]),
        )
    )
    return [
        Q(organization_id=organization.pk),
        Q(audience__in=["joint", "directory"], relationship_id__any=ids["listed"]),
        Q(audience="joint", relationship_id__any=ids["unlisted"]),
    ]


def audience_of(*, relationship_id: int | None, organization_id: int, visibility: str) -> set[int]:
    """The organizations that see a workspace record: ``workspace_q`` read the other way.

    Its owner always; for a joint record, every active party of its relationship too (an
    organization's own record about no relationship is its alone). Who is told of a change
    (webhooks) asks this, so nobody hears of a record they cannot read.
    """
    audience = {organization_id}
    if visibility == Visibility.JOINT and relationship_id is not None:
        audience.update(
            Party.objects.unscoped()  # unscoped(tenancy): the rule itself, read backwards
            .filter(relationship_id=relationship_id, status=PartyStatus.ACTIVE)
            .values_list("organization_id", flat=True)
        )
    return audience


def record_audience(record) -> set[int]:
    """``audience_of`` a workspace row: one with ``relationship_id`` (or none),
    ``organization_id`` and ``visibility``."""
    return audience_of(
        relationship_id=record.relationship_id,
        organization_id=record.organization_id,
        visibility=record.visibility,
    )
