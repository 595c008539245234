"""Demo data: three organizations with a person in every role, their relationships, and an
ecosystem of smaller suppliers around one of them.

``manage.py seed_demo`` loads it, and ``make run`` runs that on every start. So the seed is
idempotent, and it first checks in five queries whether anything is missing at all. Rows are
recognised by their natural keys (an organization by its slug, a person by their email, a
relationship by its lead organization and name, a party by relationship and organization); what
exists is left alone, whatever people have changed in it since, and only what is missing is made.
A relationship counts as seeded once its ledger holds the passed gate into its demo stage.

Every write goes through the services, as a named person of the organization doing it, so the
audit trail of the demo reads like one people made. A new relationship reaches its stage through
requirements, evidence and stage gates (``demo.lifecycle``), never by setting the stage.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest, JSONArray
from django.utils import timezone
from django.utils.text import slugify

from cbrms.tenancy.context import acting_as
from demo.documents import DOCUMENTS as DEMO_DOCUMENTS
from demo.documents import DemoDocument
from demo.lifecycle import (
    PARTNER_SELECTION,
    Side,
    joint_work,
    partner_prepare,
    stages_pass,
)
from demo.maturity import PARTNERSHIP_REVIEWS, ensure_maturity_reviews
from demo.portfolio import PLACEMENTS, ensure_portfolio
from demo.registers import (
    PARTNERSHIP_ISSUES,
    PARTNERSHIP_KNOWLEDGE,
    PARTNERSHIP_RISKS,
    DemoAsset,
    DemoIssue,
    DemoRisk,
)
from demo.story import NORTHWIND_CONTOSO, Story
from demo.webhooks import ensure_demo_webhook
from demo.workspace import (
    PARTNERSHIP_MEETINGS,
    PARTNERSHIP_OBJECTIVES,
    PARTNERSHIP_SURVEYS,
    ensure_meetings,
    ensure_objectives,
    ensure_surveys,
)
from governance.models import (
    Issue,
    KnowledgeAsset,
    MaturityReview,
    Meeting,
    Objective,
    PortfolioPlacement,
    Risk,
    SurveyRound,
)
from governance.services.issues import issue_escalate, issue_raise, issue_resolve
from governance.services.knowledge import knowledge_create
from governance.services.risks import risk_create
from lifecycle.models import (
    Document,
    DocumentVersion,
    EvidenceKind,
    GateApprover,
    RecordKind,
    Requirement,
    Section,
)
from lifecycle.services.document_versions import version_decide, version_request
from lifecycle.services.documents import document_create, document_share, section_save
from lifecycle.services.evidence import evidence_create, version_answers
from relationships.models import (
    Membership,
    Organization,
    Party,
    Relationship,
    RelationshipType,
    Role,
    SizeClass,
    User,
    WebhookEndpoint,
)
from relationships.services.organizations import (
    membership_add,
    organization_create,
    organization_update,
)
from relationships.services.partners import join_request, partner_invite
from relationships.services.relationships import (
    party_accept,
    party_invite,
    relationship_create,
    relationship_update,
)

# Published in README.md and valid for the demo accounts only. Django's password validators
# would refuse it for a real account; the seed sets it on the user directly.
DEMO_PASSWORD = "cbrms-demo"  # noqa: S105

# The local part of each demo login, and the role it holds: manager@northwind.example, ...
LOGIN_ROLES: dict[str, str] = {
    "admin": Role.ADMIN,
    "executive": Role.EXECUTIVE,
    "manager": Role.RELATIONSHIP_MANAGER,
    "contributor": Role.CONTRIBUTOR,
    "viewer": Role.VIEWER,
}

# A PostgreSQL advisory lock (any constant key), so that two seeds never create side by side.
_SEED_LOCK_KEY = 440012017


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    size_class: str
    sector: str
    country: str
    people: dict[str, str]  # login local part (a key of LOGIN_ROLES) -> full name

    def email(self, login: str) -> str:
        return f"{login}@{self.slug}.example"

    @property
    def actor_login(self) -> str:
        """Who of the organization handles its relationships in the demo."""
        return "manager" if "manager" in self.people else "admin"


@dataclass(frozen=True)
class DemoParty:
    slug: str
    accepted: bool = True  # False: the invitation is left open
    ser_login: str | None = None


@dataclass(frozen=True)
class DemoRelationship:
    name: str
    type: str
    lead: str
    description: str
    stage: int  # reached through the stage gates, each approved by the lead's SER
    parties: tuple[DemoParty, ...]
    lead_ser_login: str = "executive"
    story: Story | None = None  # the parties' evidence in their own words; generic notes if None
    open_to_join_requests: bool = False  # ecosystems: any organization may ask to join
    join_requests: tuple[tuple[str, str], ...] = ()  # (slug, message) waiting for the lead
    email_invitations: tuple[tuple[str, str], ...] = ()  # (address, organization name), open
    risks: tuple[DemoRisk, ...] = ()  # the risk register, from stage 5
    issues: tuple[DemoIssue, ...] = ()  # issues, up their escalation ladder
    knowledge: tuple[DemoAsset, ...] = ()  # the knowledge-sharing register
    workspace: bool = False  # objectives, meetings and surveys (demo.workspace)


# The three organizations of the demo, with one person in every role.
CORE_ORGANIZATIONS = (
    DemoOrganization(
        slug="northwind",
        name="Northwind Traders",
        size_class=SizeClass.LARGE,
        sector="Wholesale food distribution",
        country="GB",
        people={
            "admin": "Priya Raman",
            "executive": "Margaret Hale",
            "manager": "Tom Becker",
            "contributor": "Aisha Bello",
            "viewer": "Liam O'Connor",
        },
    ),
    DemoOrganization(
        slug="contoso",
        name="Contoso Ltd",
        size_class=SizeClass.MEDIUM,
        sector="Contract logistics",
        country="NL",
        people={
            "admin": "Daniel de Vries",
            "executive": "Sofia Marquez",
            "manager": "Henrik Larsen",
            "contributor": "Grace Mensah",
            "viewer": "Yusuf Demir",
        },
    ),
    DemoOrganization(
        slug="fabrikam",
        name="Fabrikam Inc",
        size_class=SizeClass.LARGE,
        sector="Industrial automation",
        country="US",
        people={
            "admin": "Elena Petrova",
            "executive": "James Whitfield",
            "manager": "Mei Lin",
            "contributor": "Carlos Rocha",
            "viewer": "Hannah Weber",
        },
    ),
)

# The ecosystem's members: small and medium suppliers, each with one admin. Slugs come from names.
ECOSYSTEM_MEMBERS = tuple(
    DemoOrganization(slugify(name), name, size_class, sector, country, {"admin": admin})
    for name, size_class, sector, country, admin in (
        ("Alder Ridge Packaging", "small", "Packaging", "GB", "Owen Price"),
        ("Bluewater Freight", "medium", "Road freight", "NL", "Femke Jansen"),
        ("Copperleaf Components", "small", "Electronics manufacturing", "DE", "Jonas Keller"),
        ("Driftwood Organics", "micro", "Organic farming", "IE", "Niamh Byrne"),
        ("Emberline Energy Services", "medium", "Energy services", "NO", "Ingrid Solberg"),
        ("Fernhill Textiles", "small", "Textiles", "PT", "Rui Almeida"),
        ("Granite Peak Engineering", "medium", "Engineering services", "US", "Marcus Reed"),
        ("Harbourside Cold Storage", "small", "Cold-chain warehousing", "DK", "Freja Nielsen"),
        ("Ironbark Tooling", "micro", "Tooling", "AU", "Kieran Walsh"),
        ("Juniper Data Labs", "micro", "Software", "EE", "Kadri Tamm"),
        ("Kestrel Recycling", "small", "Recycling", "BE", "Lotte Peeters"),
        ("Lakeshore Print Works", "micro", "Printing", "CA", "Emily Tremblay"),
        ("Meridian Quality Assurance", "small", "Testing and inspection", "FR", "Camille Laurent"),
        ("Northgate Fleet Services", "medium", "Fleet maintenance", "SE", "Erik Lindqvist"),
        ("Oakmere Furniture", "small", "Furniture", "GB", "Ruth Ashby"),
        ("Pinecrest Chemicals", "medium", "Specialty chemicals", "DE", "Stefan Braun"),
        ("Quayside Customs Brokers", "micro", "Customs brokerage", "NL", "Pieter Smit"),
        ("Redfern Solar", "small", "Renewable energy", "ES", "Lucia Navarro"),
        ("Silverbirch Consulting", "micro", "Sustainability consulting", "FI", "Aino Virtanen"),
        ("Tidewater Marine Supplies", "small", "Marine supplies", "GB", "Callum Fraser"),
        ("Upland Dairy Cooperative", "medium", "Dairy", "NZ", "Aroha Ngata"),
        ("Vantage Safety Systems", "small", "Safety equipment", "IT", "Giulia Romano"),
        ("Willow Creek Logistics", "small", "Rail and barge logistics", "AT", "Lena Huber"),
    )
)

# One member has not answered its invitation yet; another found the ecosystem and asked to join.
_OPEN_INVITATIONS = {"vantage-safety-systems"}
_ASKING = {
    "willow-creek-logistics": (
        "We move freight by rail and barge along the Danube and would share our emissions data "
        "per shipment with the ecosystem."
    )
}

RELATIONSHIPS = (
    DemoRelationship(
        name="Northwind and Contoso distribution partnership",
        type=RelationshipType.PARTNERSHIP,
        lead="northwind",
        description=(
            "Contoso runs Northwind's regional warehousing and last-mile delivery; the two plan "
            "capacity, service levels and improvements together."
        ),
        # Stages 1-4 approved with evidence on both sides, stage 5 under way (demo.story).
        stage=5,
        parties=(DemoParty("contoso", ser_login="executive"),),
        story=NORTHWIND_CONTOSO,
        risks=PARTNERSHIP_RISKS,
        issues=PARTNERSHIP_ISSUES,
        knowledge=PARTNERSHIP_KNOWLEDGE,
        workspace=True,
    ),
    DemoRelationship(
        name="Contoso warehouse automation supply",
        type=RelationshipType.SUPPLIER,
        lead="contoso",
        description="Fabrikam supplies and maintains the sorting systems of Contoso's warehouses.",
        # Partners are invited in stage 4 (partner selection); it has not gone further yet.
        stage=4,
        parties=(DemoParty("fabrikam", ser_login="executive"),),
        # A second supplier, not in CBRMS yet, invited by email and not answered.
        email_invitations=(("sam.okafor@tailspin-robotics.example", "Tailspin Robotics"),),
    ),
    DemoRelationship(
        name="Northwind sustainable sourcing ecosystem",
        type=RelationshipType.ECOSYSTEM,
        lead="northwind",
        description=(
            "Northwind's smaller suppliers and service providers share packaging, cold-chain and "
            "emissions data to cut waste across the supply chain."
        ),
        stage=5,
        parties=tuple(
            DemoParty(member.slug, accepted=member.slug not in _OPEN_INVITATIONS)
            for member in ECOSYSTEM_MEMBERS
            if member.slug not in _ASKING
        ),
        open_to_join_requests=True,
        join_requests=tuple(_ASKING.items()),
    ),
)

ORGANIZATIONS = CORE_ORGANIZATIONS + ECOSYSTEM_MEMBERS
#: The organization whose admin finds a demo webhook endpoint.
WEBHOOK_OWNER = "northwind"
_WORKSPACES = sum(relationship.workspace for relationship in RELATIONSHIPS)
_BY_SLUG = {organization.slug: organization for organization in ORGANIZATIONS}
_SINGULAR = {
    "organizations": "organization",
    "users": "user",
    "memberships": "membership",
    "relationships": "relationship",
    "parties": "party",
    "stage gates": "stage gate",
    "documents": "document",
    "risks": "risk",
    "issues": "issue",
    "knowledge assets": "knowledge asset",
    "objectives": "objective",
    "meetings": "meeting",
    "survey rounds": "survey round",
    "maturity reviews": "maturity review",
    "webhook endpoints": "webhook endpoint",
    "portfolio placements": "portfolio placement",
}
KINDS = tuple(_SINGULAR)


def demo_logins() -> list[tuple[str, str]]:
    """(email, full name) of every demo account, core organizations first."""
    return [
        (organization.email(login), full_name)
        for organization in ORGANIZATIONS
        for login, full_name in organization.people.items()
    ]


def _expected() -> Counter:
    return Counter(
        {
            "organizations": len(ORGANIZATIONS),
            "users": len(demo_logins()),
            "memberships": len(demo_logins()),
            "relationships": len(RELATIONSHIPS),
            "parties": sum(
                1 + len(relationship.parties) + len(relationship.join_requests)
                for relationship in RELATIONSHIPS
            ),
            "stage gates": sum(relationship.stage - 1 for relationship in RELATIONSHIPS),
            "documents": len(DEMO_DOCUMENTS),
            "risks": sum(len(relationship.risks) for relationship in RELATIONSHIPS),
            "issues": sum(len(relationship.issues) for relationship in RELATIONSHIPS),
            "knowledge assets": sum(len(relationship.knowledge) for relationship in RELATIONSHIPS),
            "objectives": len(PARTNERSHIP_OBJECTIVES) * _WORKSPACES,
            "meetings": len(PARTNERSHIP_MEETINGS) * _WORKSPACES,
            "survey rounds": len(PARTNERSHIP_SURVEYS) * _WORKSPACES,
            "maturity reviews": len(PARTNERSHIP_REVIEWS) * _WORKSPACES,
            "webhook endpoints": 1,
            "portfolio placements": len(PLACEMENTS),
        }
    )


@dataclass
class DemoSeedResult:
    """What the seed made, per kind of row; the rest of the demo was there already."""

    created: Counter = field(default_factory=Counter)
    passwords_set: int = 0

    @property
    def present(self) -> Counter:
        return _expected() - self.created

    def summary(self) -> str:
        def describe(counts: Counter) -> str:
            return ", ".join(
                f"{counts[kind]} {kind if counts[kind] > 1 else _SINGULAR[kind]}"
                for kind in KINDS
                if counts[kind]
            )

        if not +self.created and not self.passwords_set:
            return f"Demo data already present ({describe(self.present)}); nothing to do."
        lines = [f"Demo data created: {describe(self.created) or 'nothing new'}."]
        if +self.present:
            lines.append(f"Already present: {describe(self.present)}.")
        if self.passwords_set:
            lines.append(f"Demo password set on {self.passwords_set} existing users.")
        return "\n".join(lines)


@dataclass
class _State:
    """The demo rows that exist, by natural key."""

    organizations: dict[str, Organization]
    users: dict[str, User]
    memberships: set[tuple[str, str]]  # (organization slug, email)
    # (lead slug, name); loaded ones carry ``stage_reached`` (see _load_state)
    relationships: dict[tuple[str, str], Relationship]
    parties: set[tuple[int, str]]  # (relationship id, organization slug)
    #: (owner slug, kind, relationship id or None) of the documents the demo organizations own
    documents: set[tuple[str, str, int | None]] = field(default_factory=set)

    def document_key(self, demo: DemoDocument) -> tuple[str, str, int | None]:
        relationship = self.relationships.get(demo.relationship) if demo.relationship else None
        return (demo.owner, demo.kind.value, relationship.pk if relationship else None)

    def has_document(self, demo: DemoDocument) -> bool:
        return self.document_key(demo) in self.documents

    def users_without_password(self) -> list[User]:
        return [u for u in self.users.values() if u.password.startswith(UNUSABLE_PASSWORD_PREFIX)]

    @property
    def complete(self) -> bool:
        expected = _expected()
        return (
            len(self.organizations) == expected["organizations"]
            and len(self.users) == expected["users"]
            and not self.users_without_password()
            and len(self.memberships) == expected["memberships"]
            and len(self.relationships) == expected["relationships"]
            and len(self.parties) == expected["parties"]
            and all(self.has_document(demo) for demo in DEMO_DOCUMENTS)
            and all(
                self.relationships[(demo.lead, demo.name)].stage_reached >= demo.stage
                for demo in RELATIONSHIPS
            )
            and all(
                self.relationships[(demo.lead, demo.name)].risk_count >= len(demo.risks)
                and self.relationships[(demo.lead, demo.name)].issue_count >= len(demo.issues)
                and self.relationships[(demo.lead, demo.name)].asset_count >= len(demo.knowledge)
                and (
                    not demo.workspace
                    or (
                        self.relationships[(demo.lead, demo.name)].objective_count
                        and self.relationships[(demo.lead, demo.name)].meeting_count
                        and self.relationships[(demo.lead, demo.name)].survey_count
                        and self.relationships[(demo.lead, demo.name)].review_count
                    )
                )
                for demo in RELATIONSHIPS
            )
            and getattr(self.organizations[WEBHOOK_OWNER], "has_webhook", False)
            and getattr(self.organizations[WEBHOOK_OWNER], "has_portfolio", False)
        )


def _load_state() -> _State:
    """Five queries, whatever the size of the demo."""
    emails = [email for email, _ in demo_logins()]
    # How far each relationship got: the furthest stage a passed gate led into. The current stage
    # counts too, for relationships seeded before stage gates existed (set directly, no ledger).
    stage_reached = Greatest(
        "current_stage",
        Max(
            "decision_records__to_stage",
            filter=Q(decision_records__kind=RecordKind.GATE_PASSED),
        ),
    )
    relationships = {
        (r.lead_organization.slug, r.name): r
        for r in Relationship.objects.unscoped()  # unscoped(system): demo data
        .select_related("lead_organization")
        .filter(
            name__in=[r.name for r in RELATIONSHIPS],
            lead_organization__slug__in={r.lead for r in RELATIONSHIPS},
        )
        .annotate(
            stage_reached=stage_reached,
            risk_count=_count_of(Risk),
            issue_count=_count_of(Issue),
            asset_count=_count_of(KnowledgeAsset),
            objective_count=_count_of(Objective),
            meeting_count=_count_of(Meeting),
            survey_count=_count_of(SurveyRound),
            review_count=_count_of(MaturityReview),
        )
    }
    state = _State(
        organizations={
            o.slug: o
            for o in Organization.objects.unscoped()  # unscoped(system): demo data
            .filter(slug__in=_BY_SLUG)
            .annotate(
                document_keys=_document_keys(),
                has_webhook=Exists(
                    WebhookEndpoint.objects.unscoped().filter(  # unscoped(system): demo data
                        organization=OuterRef("pk")
                    )
                ),
                has_portfolio=Exists(
                    PortfolioPlacement.objects.unscoped().filter(  # unscoped(system): demo data
                        organization=OuterRef("pk")
                    )
                ),
            )
        },
        users={u.email: u for u in User.objects.filter(email__in=emails)},
        # Only each person's own organization counts: a demo user may join other organizations.
        memberships={
            pair
            for pair in Membership.objects.unscoped()  # unscoped(system): demo data
            .filter(organization__slug__in=_BY_SLUG, user__email__in=emails)
            .values_list("organization__slug", "user__email")
            if pair[1].endswith(f"@{pair[0]}.example")
        },
        relationships=relationships,
        parties=set(
            Party.objects.unscoped()  # unscoped(system): demo data
            .filter(relationship__in=[r.pk for r in relationships.values()])
            .values_list("relationship_id", "organization__slug")
        ),
    )
    state.documents = {
        (slug, kind, relationship_id)
        for slug, organization in state.organizations.items()
        for kind, relationship_id in (organization.document_keys or [])
    }
    return state


def _count_of(register):
    """How many rows a relationship's register holds: one subquery."""
    # unscoped(system): demo data
    rows = register.objects.unscoped().filter(relationship=OuterRef("pk")).order_by()
    return Coalesce(Subquery(rows.values("relationship").annotate(n=Count("id")).values("n")), 0)


def _document_keys():
    """Per organization, the (kind, relationship id) of the documents it owns: one subquery."""
    # unscoped(system): demo data
    owned = Document.objects.unscoped().filter(organization=OuterRef("pk"))
    return ArraySubquery(owned.order_by().values(pair=JSONArray("kind", "relationship_id")))


def demo_seed() -> DemoSeedResult:
    """Create whatever is missing of the demo data; when nothing is, return after five queries."""
    if _load_state().complete:
        return DemoSeedResult()
    return _seed()


@transaction.atomic
def _seed() -> DemoSeedResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEED_LOCK_KEY])
    state = _load_state()  # again: another seed may have finished while we waited
    result = DemoSeedResult()
    _ensure_users(state, result)
    _ensure_organizations(state, result)
    for relationship in RELATIONSHIPS:
        _ensure_relationship(relationship, state, result)
    for document in DEMO_DOCUMENTS:
        _ensure_document(document, state, result)
    organization = state.organizations[WEBHOOK_OWNER]
    result.created["portfolio placements"] += ensure_portfolio(
        organization, _member(WEBHOOK_OWNER, "executive")
    )
    # Last: a demo endpoint existing earlier would hear (and queue) the seeding's events.
    result.created["webhook endpoints"] += ensure_demo_webhook(
        organization, _member(WEBHOOK_OWNER, "admin")
    )
    return result


def _ensure_users(state: _State, result: DemoSeedResult) -> None:
    """Demo people, with the demo password. Users are not tenant rows: no service makes them."""
    missing = [(email, name) for email, name in demo_logins() if email not in state.users]
    without_password = state.users_without_password()
    if not missing and not without_password:
        return
    # One hash for every demo account: hashing is deliberately slow (about 0.3 s each), the
    # password is the same and published, so a salt per account would protect nothing here.
    encoded = make_password(DEMO_PASSWORD)
    created = User.objects.bulk_create(
        [User(email=email, full_name=name, password=encoded) for email, name in missing]
    )
    for user in without_password:
        user.password = encoded
        user.save(update_fields=["password"])
    state.users.update((user.email, user) for user in created)
    result.created["users"] += len(created)
    result.passwords_set += len(without_password)


def _ensure_organizations(state: _State, result: DemoSeedResult) -> None:
    """Each organization with its first admin, then the admin adds the rest of the people."""
    for demo in ORGANIZATIONS:
        admin = state.users[demo.email("admin")]
        organization = state.organizations.get(demo.slug)
        if organization is None:
            # Registering a tenant is a system action: no organization acts yet.
            organization = organization_create(
                name=demo.name,
                slug=demo.slug,
                size_class=demo.size_class,
                country=demo.country,
                sector=demo.sector,
                admin=admin,
            )
            state.organizations[demo.slug] = organization
            state.memberships.add((demo.slug, admin.email))
            result.created["organizations"] += 1
            result.created["memberships"] += 1
        missing = [
            (login, full_name)
            for login, full_name in demo.people.items()
            if (demo.slug, demo.email(login)) not in state.memberships
        ]
        if not missing:
            _ensure_management_ser(demo, organization)
            continue
        with acting_as(organization, user=admin):
            for login, full_name in missing:
                email = demo.email(login)
                membership_add(
                    organization=organization,
                    email=email,
                    role=LOGIN_ROLES[login],
                    full_name=full_name,  # demo people get the published password: no invitation
                )
                state.memberships.add((demo.slug, email))
                result.created["memberships"] += 1
        _ensure_management_ser(demo, organization)


def _ensure_management_ser(demo: DemoOrganization, organization: Organization) -> None:
    """The executive answers for the management system too: they issue its corporate RMP."""
    if "executive" in demo.people and organization.ser_id is None:
        with acting_as(organization):
            organization_update(organization=organization, ser=_member(demo.slug, "executive"))


def _member(slug: str, login: str) -> Membership:
    """The membership of ``login`` (a key of LOGIN_ROLES) in the demo organization ``slug``."""
    return (
        Membership.objects.unscoped()  # unscoped(system): demo data
        .select_related("user")
        .get(organization__slug=slug, user__email=_BY_SLUG[slug].email(login))
    )


def _ser(slug: str, login: str | None) -> Membership | None:
    """The membership of ``login`` in the organization, to be named its SER (or None)."""
    return None if login is None else _member(slug, login)


def _side(state: _State, slug: str, ser_login: str) -> Side:
    """The organization in the persons of its relationship handler and its SER."""
    demo = _BY_SLUG[slug]
    return Side(
        state.organizations[slug], _member(slug, demo.actor_login), _member(slug, ser_login)
    )


def _acting_for(state: _State, slug: str):
    """Act as the organization, in the person of whoever handles its relationships."""
    demo = _BY_SLUG[slug]
    return acting_as(state.organizations[slug], user=state.users[demo.email(demo.actor_login)])


def _ensure_relationship(demo: DemoRelationship, state: _State, result: DemoSeedResult) -> None:
    """The relationship and whichever parties are missing.

    A new relationship walks to its stage on the way: the lead passes the gates before partner
    selection, invites its partners in stage 4, partners with a story record their own
    preparation, then the lead passes the remaining gates and the joint work of the story
    starts. A relationship that exists is left where it is.
    """
    lead = state.organizations[demo.lead]
    relationship = state.relationships.get((demo.lead, demo.name))
    is_new = relationship is None
    if is_new:
        with _acting_for(state, demo.lead):
            relationship = relationship_create(
                organization=lead,
                name=demo.name,
                type=demo.type,
                description=demo.description,
                ser=_ser(demo.lead, demo.lead_ser_login),
            )
        state.relationships[(demo.lead, demo.name)] = relationship
        state.parties.add((relationship.pk, demo.lead))
        result.created["relationships"] += 1
        result.created["parties"] += 1
        lead_side = _side(state, demo.lead, demo.lead_ser_login)
        invite_stage = min(demo.stage, PARTNER_SELECTION)
        result.created["stage gates"] += stages_pass(
            relationship=relationship,
            lead=lead_side,
            stages=range(1, invite_stage),
            story=demo.story,
        )

    for demo_party in demo.parties:
        if (relationship.pk, demo_party.slug) in state.parties:
            continue
        invitee = state.organizations[demo_party.slug]
        with _acting_for(state, demo.lead):
            party = party_invite(relationship=relationship, organization=lead, invitee=invitee)
        if demo_party.accepted:
            with _acting_for(state, demo_party.slug):
                ser = _ser(demo_party.slug, demo_party.ser_login)
                party_accept(party=party, organization=invitee, ser=ser)
        state.parties.add((relationship.pk, demo_party.slug))
        result.created["parties"] += 1
    _ensure_outsiders(demo, relationship, state, result, is_new=is_new)

    if not is_new:
        _ensure_registers(demo, relationship, state, result)
        return
    story = demo.story
    sides = {demo.lead: lead_side}
    if story is not None:
        for demo_party in demo.parties:
            if demo_party.accepted and demo_party.ser_login and demo_party.slug in story.proofs:
                sides[demo_party.slug] = _side(state, demo_party.slug, demo_party.ser_login)
                partner_prepare(
                    relationship=relationship, partner=sides[demo_party.slug], story=story
                )
    result.created["stage gates"] += stages_pass(
        relationship=relationship,
        lead=lead_side,
        stages=range(invite_stage, demo.stage),
        story=story,
    )
    if story is not None:
        joint_work(relationship=relationship, sides=sides, story=story)
    _ensure_registers(demo, relationship, state, result)


def _ensure_registers(
    demo: DemoRelationship, relationship: Relationship, state: _State, result: DemoSeedResult
) -> None:
    """The joint workspace's registers, each filled once (a relationship seeded before a
    register existed gets it too)."""
    _ensure_risks(demo, relationship, state, result)
    _ensure_issues(demo, relationship, state, result)
    _ensure_knowledge(demo, relationship, state, result)
    if not demo.workspace:
        return
    relationship.refresh_from_db(fields=["current_stage", "status"])
    people = {"acting_for": lambda slug: _acting_for(state, slug), "member": _member}
    if not getattr(relationship, "objective_count", 0):
        result.created["objectives"] += ensure_objectives(relationship, **people)
        relationship.objective_count = len(PARTNERSHIP_OBJECTIVES)
    if not getattr(relationship, "meeting_count", 0):
        result.created["meetings"] += ensure_meetings(relationship, lead=demo.lead, **people)
        relationship.meeting_count = len(PARTNERSHIP_MEETINGS)
    if not getattr(relationship, "survey_count", 0):
        result.created["survey rounds"] += ensure_surveys(relationship, lead=demo.lead, **people)
        relationship.survey_count = len(PARTNERSHIP_SURVEYS)
    if not getattr(relationship, "review_count", 0):
        result.created["maturity reviews"] += ensure_maturity_reviews(
            relationship, lead=demo.lead, **people
        )
        relationship.review_count = len(PARTNERSHIP_REVIEWS)


def _ensure_risks(
    demo: DemoRelationship, relationship: Relationship, state: _State, result: DemoSeedResult
) -> None:
    """The relationship's risk register, each risk recorded by its owner's manager, once it is
    in the joint workspace (a relationship seeded before registers existed gets it too)."""
    if not demo.risks or getattr(relationship, "risk_count", 0):
        return
    relationship.refresh_from_db(fields=["current_stage", "status"])  # gates may have moved it
    today = timezone.localdate()
    for demo_risk in demo.risks:
        manager = _member(demo_risk.owner, "manager")
        with _acting_for(state, demo_risk.owner):
            risk_create(
                relationship=relationship,
                membership=manager,
                title=demo_risk.title,
                cause=demo_risk.cause,
                effect=demo_risk.effect,
                likelihood=demo_risk.likelihood,
                impact=demo_risk.impact,
                mitigation=demo_risk.mitigation,
                status=demo_risk.status,
                visibility=demo_risk.visibility,
                next_review=(
                    today + timedelta(days=demo_risk.review_in_days)
                    if demo_risk.review_in_days is not None
                    else None
                ),
            )
    relationship.risk_count = len(demo.risks)
    result.created["risks"] += len(demo.risks)


def _ensure_issues(
    demo: DemoRelationship, relationship: Relationship, state: _State, result: DemoSeedResult
) -> None:
    """The relationship's issues, raised by their owner's manager and moved up the ladder (or
    resolved) by hand with their reasons, as people would."""
    if not demo.issues or getattr(relationship, "issue_count", 0):
        return
    relationship.refresh_from_db(fields=["current_stage", "status"])
    for demo_issue in demo.issues:
        manager = _member(demo_issue.owner, "manager")
        with _acting_for(state, demo_issue.owner):
            issue = issue_raise(
                relationship=relationship,
                membership=manager,
                title=demo_issue.title,
                description=demo_issue.description,
                visibility=demo_issue.visibility,
            )
            for reason in demo_issue.escalations:
                issue = issue_escalate(issue=issue, membership=manager, reason=reason)
            if demo_issue.resolution:
                issue_resolve(issue=issue, membership=manager, resolution=demo_issue.resolution)
    relationship.issue_count = len(demo.issues)
    result.created["issues"] += len(demo.issues)


def _ensure_knowledge(
    demo: DemoRelationship, relationship: Relationship, state: _State, result: DemoSeedResult
) -> None:
    """The knowledge-sharing register, each entry classed by its owner's manager."""
    if not demo.knowledge or getattr(relationship, "asset_count", 0):
        return
    relationship.refresh_from_db(fields=["current_stage", "status"])
    for demo_asset in demo.knowledge:
        manager = _member(demo_asset.owner, "manager")
        with _acting_for(state, demo_asset.owner):
            knowledge_create(
                relationship=relationship,
                membership=manager,
                name=demo_asset.name,
                description=demo_asset.description,
                sharing=demo_asset.sharing,
                conditions=demo_asset.conditions,
                visibility=demo_asset.visibility,
            )
    relationship.asset_count = len(demo.knowledge)
    result.created["knowledge assets"] += len(demo.knowledge)


def _ensure_outsiders(
    demo: DemoRelationship,
    relationship: Relationship,
    state: _State,
    result: DemoSeedResult,
    *,
    is_new: bool,
) -> None:
    """Organizations on their way in: an ecosystem open to requests and those asking (parties
    with status ``requested``), and invitations by email not answered yet (made once, with the
    relationship)."""
    lead = state.organizations[demo.lead]
    if demo.open_to_join_requests and not relationship.open_to_join_requests:
        with _acting_for(state, demo.lead):
            relationship_update(
                relationship=relationship, organization=lead, open_to_join_requests=True
            )
    for slug, message in demo.join_requests:
        if (relationship.pk, slug) in state.parties:
            continue
        with _acting_for(state, slug):
            join_request(
                relationship=relationship, organization=state.organizations[slug], message=message
            )
        state.parties.add((relationship.pk, slug))
        result.created["parties"] += 1
    if is_new:
        inviter = _member(demo.lead, "manager")
        for email, organization_name in demo.email_invitations:
            with _acting_for(state, demo.lead):
                partner_invite(
                    relationship=relationship,
                    organization=lead,
                    invited_by=inviter,
                    email=email,
                    organization_name=organization_name,
                )


def _ensure_document(demo: DemoDocument, state: _State, result: DemoSeedResult) -> None:
    """The document, written section by section by its parties' relationship managers, as
    they would in the product (every save through ``section_save``)."""
    if state.has_document(demo):
        return
    relationship = state.relationships[demo.relationship] if demo.relationship else None
    if relationship is not None:
        relationship.refresh_from_db(fields=["current_stage", "status"])  # gates moved it
    owner = _member(demo.owner, "manager")
    with _acting_for(state, demo.owner):
        document = document_create(
            kind=demo.kind,
            organization=owner.organization,
            membership=owner,
            relationship=relationship,
        )
        if demo.shared:
            document_share(document=document, organization=owner.organization)
    for key, content in demo.sections.items():
        _write_section(document, key, content, state)
    if demo.issue:
        _issue(document, owner, state)
    for key, content in (demo.after_issue or {}).items():
        _write_section(document, key, content, state)
    state.documents.add(state.document_key(demo))
    result.created["documents"] += 1


def _issue(document: Document, requester: Membership, state: _State) -> None:
    """Version 1, approved by every SER it waits for, as they would in the product."""
    with _acting_for(state, requester.organization.slug):
        version = version_request(
            document=document,
            requested_by=requester,
            reason="Agreed at the joint management team meeting.",
        )
    approvers = GateApprover.objects.unscoped().filter(  # unscoped(system): demo data
        gate=version.request
    )
    for approver in approvers.select_related("membership__organization"):
        membership = approver.membership
        with acting_as(membership.organization, user=membership.user, membership=membership):
            version_decide(version=version, approver=membership, approve=True, comment="Approved.")
    _pin(version, requester, state)


def _pin(version: DocumentVersion, requester: Membership, state: _State) -> None:
    """The issued version, attached as evidence to the open requirements it answers."""
    if version.relationship_id is None:
        return
    version.refresh_from_db()
    with _acting_for(state, requester.organization.slug):
        # Only what the requester sees: its own internal work and the joint work.
        open_requirements = Requirement.objects.filter(
            relationship_id=version.relationship_id, stage=version.relationship.current_stage
        ).select_related("item", "relationship")
        for requirement in open_requirements:
            if version_answers(version, requirement):
                evidence_create(
                    requirement=requirement,
                    membership=requester,
                    kind=EvidenceKind.DOCUMENT,
                    title=f"{version.document.title}, version {version.number}",
                    document_version=version,
                )


def _write_section(document: Document, key: str, content, state: _State) -> None:
    writer = _member(content.by, "manager")
    with _acting_for(state, content.by):
        section = Section.objects.select_related("document__relationship").get(
            document=document, key=key
        )
        section_save(
            section=section,
            membership=writer,
            expected_version=section.version,
            body=content.body,
            fields=content.fields,
        )
