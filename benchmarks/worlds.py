"""Worlds to measure in: organizations, relationships, parties and an audit trail, loaded in bulk.

Rows are written with ``bulk_create`` (the audit triggers still record each one) and the bulk of
the audit trail with one ``INSERT ... SELECT generate_series``: a million rows in seconds, not the
hours the services would take. The services' rules are kept (one lead party per relationship,
``joined_at`` on active parties, the ecosystem profile on ecosystems), so the rows look like the
ones the application writes.

Two organizations are followed:

- the *acting* organization, a heavy tenant: a party of ``acting_relationships`` bilateral
  relationships and the orchestrator of an ecosystem of ``ecosystem_members`` members;
- the *quiet* organization, a light one: a partner in two relationships, with few audit rows
  among many, which is where a list scoped by ``OR`` is most likely to scan.

Whatever the world's size, ``MATCHING`` of the acting organization's relationships are
partnerships with ``SEARCH_TERM`` in their name, so the filtered and searched list returns the
same rows in every world; other tenants use the word too (about one name in 24), so the search
is not selective by itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.utils import timezone

from benchmarks.scratch import progress
from relationships.models import (
    FrameworkProfile,
    Membership,
    Organization,
    Party,
    PartyRole,
    PartyStatus,
    Relationship,
    RelationshipType,
    Role,
    SizeClass,
    User,
)
from relationships.services.tokens import token_create

ACTING_SLUG = "acting-org"
QUIET_SLUG = "quiet-org"
SEARCH_TERM = "harbour"
MATCHING = 20
BATCH = 2_000

# Plain words for names; a word list reads better than a column of quoted strings.
ADJECTIVES = (  # noqa: SIM905
    "Agile Bright Coastal Digital Eastern Fair Green Highland Inland Joint Keystone Lean Modern "
    "Northern Open Prime Quality Regional Southern Trusted United Vital Western Zenith"
).split()
NOUNS = (  # noqa: SIM905
    "Logistics Sourcing Packaging Energy Freight Retail Analytics Maintenance Recycling Glass "
    "Components Catering Textiles Software Tooling Fleet Water Print Security Cloud Grain "
    "Timber Steel Dairy"
).split()
BILATERAL_TYPES = (
    RelationshipType.PARTNERSHIP,
    RelationshipType.SUPPLIER,
    RelationshipType.ALLIANCE,
    RelationshipType.JOINT_VENTURE,
    RelationshipType.BUSINESS_CUSTOMER,
    RelationshipType.CONSORTIUM,
)
SIZE_CLASSES = (SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL, SizeClass.MICRO)
COUNTRIES = ("GB", "DE", "FR", "NL", "US", "SE", "ES", "IT")


@dataclass(frozen=True)
class WorldSpec:
    """How big a world is. ``organizations`` counts the acting and the quiet one."""

    name: str
    organizations: int
    relationships: int  # the ecosystem included
    ecosystem_members: int
    acting_relationships: int  # bilateral relationships the acting organization is a party of
    audit_rows: int  # generated on top of those the triggers write while loading

    def __post_init__(self) -> None:
        if self.ecosystem_members > self.organizations - 2:
            raise ValueError("the ecosystem's members are the organizations but acting and quiet")
        if not MATCHING + 1 <= self.acting_relationships <= self.relationships - 3:
            raise ValueError("acting_relationships does not fit this world")


SMALL = WorldSpec("small", 57, 200, 55, 100, 10_000)
LARGE = WorldSpec("large", 1_002, 20_000, 1_000, 1_000, 1_000_000)


def scaled(spec: WorldSpec, factor: float) -> WorldSpec:
    """``spec`` with its deployment-wide counts multiplied (quick runs while developing)."""
    if factor == 1:
        return spec
    members = max(60, int(spec.ecosystem_members * factor))
    return WorldSpec(
        f"{spec.name}x{factor:g}",
        organizations=members + 2,
        relationships=max(400, int(spec.relationships * factor)),
        ecosystem_members=members,
        acting_relationships=max(MATCHING + 1, int(spec.acting_relationships * factor)),
        audit_rows=max(20_000, int(spec.audit_rows * factor)),
    )


@dataclass
class World:
    """A loaded world: who acts, with which token, and how many rows each big table holds."""

    spec: WorldSpec
    tokens: dict[str, str]  # organization slug -> bearer token of a relationship manager
    ecosystem_id: int
    row_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Bilateral:
    lead: int  # organization index
    partner: int
    type: str
    name: str
    archived: bool
    partner_status: str


def _plan_relationships(spec: WorldSpec, rng: random.Random) -> list[_Bilateral]:
    """The bilateral relationships: the acting organization's first, then everyone else's."""
    others = range(2, spec.organizations)  # 0 acts, 1 is quiet
    nouns_without_term = [n for n in NOUNS if SEARCH_TERM not in n.lower()]
    plans = []
    for i in range(spec.relationships - 1):
        other = rng.choice(others)
        if i < MATCHING:
            kind = RelationshipType.PARTNERSHIP
            name = f"{SEARCH_TERM.title()} {rng.choice(nouns_without_term)} partnership"
        elif i < spec.acting_relationships:
            kind = rng.choice(BILATERAL_TYPES)
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(nouns_without_term)} {kind.label.lower()}"
        else:
            kind = rng.choice(BILATERAL_TYPES)
            noun = SEARCH_TERM.title() if rng.random() < 1 / 24 else rng.choice(NOUNS)
            name = f"{rng.choice(ADJECTIVES)} {noun} {kind.label.lower()}"
        if i < spec.acting_relationships:  # half led by the acting organization, half joined
            lead, partner = (0, other) if i % 2 == 0 else (other, 0)
            status, archived = PartyStatus.ACTIVE, i >= MATCHING and i % 20 == 19
        elif i < spec.acting_relationships + 2:  # the quiet organization's two
            lead, partner, status, archived = other, 1, PartyStatus.ACTIVE, False
        else:
            lead, partner = other, rng.choice(others)
            while partner == lead:
                partner = rng.choice(others)
            status = PartyStatus.INVITED if rng.random() < 0.05 else PartyStatus.ACTIVE
            archived = rng.random() < 0.05
        plans.append(_Bilateral(lead, partner, kind, name, archived, status))
    return plans


def build_world(spec: WorldSpec, *, seed: int = 44001) -> World:
    """Load ``spec`` into the (empty) database and analyze it."""
    rng = random.Random(seed)
    now = timezone.now()
    organizations = Organization.objects.unscoped().bulk_create(
        [
            Organization(
                name=_organization_name(i),
                slug=ACTING_SLUG if i == 0 else QUIET_SLUG if i == 1 else f"org-{i:04d}",
                size_class=SizeClass.LARGE if i == 0 else SIZE_CLASSES[i % len(SIZE_CLASSES)],
                sector="Manufacturing",
                country=COUNTRIES[i % len(COUNTRIES)],
            )
            for i in range(spec.organizations)
        ],
        batch_size=BATCH,
    )
    org_ids = [org.pk for org in organizations]
    progress(f"  {spec.name}: {len(org_ids):,} organizations")

    # Every organization has an executive, the SER of its parties.
    users = User.objects.bulk_create(
        [
            User(
                email=f"ser{i}@bench.test", full_name=f"SER {i}", password=UNUSABLE_PASSWORD_PREFIX
            )
            for i in org_ids
        ],
        batch_size=BATCH,
    )
    sers = Membership.objects.unscoped().bulk_create(
        [
            Membership(user=user, organization_id=org_id, role=Role.EXECUTIVE)
            for user, org_id in zip(users, org_ids, strict=True)
        ],
        batch_size=BATCH,
    )
    ser_ids = [membership.pk for membership in sers]
    tokens = {
        ACTING_SLUG: _manager_token(organizations[0]),
        QUIET_SLUG: _manager_token(organizations[1]),
    }

    plans = _plan_relationships(spec, rng)
    ecosystem = Relationship(
        name="Sustainable sourcing ecosystem",
        type=RelationshipType.ECOSYSTEM,
        framework_profile=FrameworkProfile.ECOSYSTEM,
        lead_organization_id=org_ids[0],
        current_stage=5,
    )
    relationships = [
        Relationship(
            name=plan.name,
            type=plan.type,
            framework_profile=FrameworkProfile.ISO44001,
            lead_organization_id=org_ids[plan.lead],
            current_stage=rng.randint(1, 8),
            archived_at=now if plan.archived else None,
        )
        for plan in plans
    ]
    # Created in a shuffled order, so no tenant's rows sit together at one end of an index.
    order = [*relationships, ecosystem]
    rng.shuffle(order)
    Relationship.objects.unscoped().bulk_create(order, batch_size=BATCH)
    progress(f"  {spec.name}: {len(order):,} relationships")

    def party(relationship, org_index, role, status) -> Party:
        joined = now - timedelta(days=30) if status != PartyStatus.INVITED else None
        return Party(
            relationship=relationship,
            organization_id=org_ids[org_index],
            role=role,
            status=status,
            ser_id=ser_ids[org_index] if status == PartyStatus.ACTIVE else None,
            joined_at=joined,
            left_at=now if status == PartyStatus.LEFT else None,
        )

    parties = [party(ecosystem, 0, PartyRole.ORCHESTRATOR, PartyStatus.ACTIVE)]
    for member in range(2, 2 + spec.ecosystem_members):
        draw = rng.random()
        status = (
            PartyStatus.LEFT
            if draw < 0.01
            else PartyStatus.INVITED
            if draw < 0.04
            else PartyStatus.ACTIVE
        )
        parties.append(party(ecosystem, member, PartyRole.MEMBER, status))
    for relationship, plan in zip(relationships, plans, strict=True):
        parties.append(party(relationship, plan.lead, PartyRole.LEAD, PartyStatus.ACTIVE))
        parties.append(party(relationship, plan.partner, PartyRole.PARTNER, plan.partner_status))
    rng.shuffle(parties)
    Party.objects.unscoped().bulk_create(parties, batch_size=BATCH)
    progress(f"  {spec.name}: {len(parties):,} parties")

    _generate_audit_rows(spec.audit_rows)
    progress(f"  {spec.name}: {spec.audit_rows:,} audit rows generated; analyzing")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return World(spec, tokens, ecosystem.pk, _row_counts())


def _organization_name(i: int) -> str:
    if i == 0:
        return "Acting Organization"
    if i == 1:
        return "Quiet Organization"
    return f"{ADJECTIVES[i % len(ADJECTIVES)]} {NOUNS[(i // 7) % len(NOUNS)]} {i:04d}"


def _manager_token(organization: Organization) -> str:
    user = User.objects.create(
        email=f"manager@{organization.slug}.bench.test", password=UNUSABLE_PASSWORD_PREFIX
    )
    membership = Membership.objects.unscoped().create(
        user=user, organization=organization, role=Role.RELATIONSHIP_MANAGER
    )
    return token_create(membership=membership, name="benchmark").key


# One statement: relationship-level rows (joint), party rows (directory) and organization-level
# rows (internal), spread over every relationship and organization, oldest first. Each row is
# owned by the relationship's lead, or by the organization, and made by its SER.
_AUDIT_SQL = """
WITH rel AS (
    SELECT r.id, r.lead_organization_id AS org_id, m.user_id,
           row_number() OVER (ORDER BY r.id) - 1 AS k
    FROM relationships_relationship r
    JOIN relationships_membership m
      ON m.organization_id = r.lead_organization_id AND m.role = 'executive'
), org AS (
    SELECT m.organization_id AS org_id, m.user_id,
           row_number() OVER (ORDER BY m.organization_id) - 1 AS k
    FROM relationships_membership m WHERE m.role = 'executive'
)
INSERT INTO governance_auditevent (
    created_at, action, "table", object_id, organization_id, relationship_id, audience,
    actor_user_id, acting_organization_id, changes
)
SELECT
    now() - make_interval(secs => %(rows)s - g),
    (ARRAY['create', 'update', 'update', 'delete'])[1 + g %% 4],
    CASE WHEN g %% 10 < 6 THEN 'relationships_relationship'
         WHEN g %% 10 < 8 THEN 'relationships_party'
         ELSE 'relationships_membership' END,
    g,
    CASE WHEN g %% 10 < 8 THEN rel.org_id ELSE org.org_id END,
    CASE WHEN g %% 10 < 8 THEN rel.id END,
    CASE WHEN g %% 10 < 6 THEN 'joint' WHEN g %% 10 < 8 THEN 'directory' ELSE 'internal' END,
    CASE WHEN g %% 10 < 8 THEN rel.user_id ELSE org.user_id END,
    CASE WHEN g %% 10 < 8 THEN rel.org_id ELSE org.org_id END,
    jsonb_build_object('current_stage', jsonb_build_array(g %% 8, g %% 8 + 1))
FROM generate_series(1, %(rows)s) AS g
JOIN rel ON rel.k = (g::bigint * 7919) %% (SELECT count(*) FROM rel)
JOIN org ON org.k = (g::bigint * 104729) %% (SELECT count(*) FROM org)
"""


def _generate_audit_rows(rows: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_AUDIT_SQL, {"rows": rows})


BIG_TABLES = (
    "relationships_organization",
    "relationships_relationship",
    "relationships_party",
    "relationships_membership",
    "governance_auditevent",
)


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in BIG_TABLES:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names above
            counts[table] = cursor.fetchone()[0]
    return counts
