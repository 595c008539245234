"""Fixtures shared by the whole suite.

The *world*: three organizations. ``own`` leads a relationship in which ``partner`` is an active
party; ``stranger`` takes no part. ``actor`` runs a test once for every role in every one of
those positions: the matrix every resource is tested against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient

from cbrms.tenancy.context import acting_as
from relationships.models import Membership, Organization, Relationship, Role
from tests.factories import MembershipFactory, OrganizationFactory, make_relationship, make_token

POSITIONS = ("own", "partner", "stranger")
ROLES = tuple(Role.values)


@dataclass
class World:
    own: Organization
    partner: Organization
    stranger: Organization
    relationship: Relationship
    stranger_relationship: Relationship
    members: dict[tuple[str, str], Membership] = field(default_factory=dict)

    def org(self, position: str) -> Organization:
        return getattr(self, position)

    def member(self, position: str, role: str) -> Membership:
        key = (position, role)
        if key not in self.members:
            self.members[key] = MembershipFactory(organization=self.org(position), role=role)
        return self.members[key]


@pytest.fixture
def world(db) -> World:
    own = OrganizationFactory(name="Northwind Test", slug="own-org")
    partner = OrganizationFactory(name="Contoso Test", slug="partner-org")
    stranger = OrganizationFactory(name="Fabrikam Test", slug="stranger-org")
    relationship = make_relationship(lead=own, partners=(partner,), name="Shared relationship")
    other = OrganizationFactory(name="Other Test", slug="other-org")
    stranger_relationship = make_relationship(
        lead=stranger, partners=(other,), name="Stranger's relationship"
    )
    return World(own, partner, stranger, relationship, stranger_relationship)


@dataclass
class Actor:
    """A member of one organization of the world, with an API client holding their token."""

    position: str
    role: str
    membership: Membership
    client: APIClient

    @property
    def organization(self) -> Organization:
        return self.membership.organization

    @property
    def slug(self) -> str:
        return self.organization.slug


def api_client_for(membership: Membership) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(membership)}")
    return client


def session_client_for(membership: Membership) -> APIClient:
    """A client signed in through the browser session, as people are (not with a token)."""
    client = APIClient()
    client.force_login(membership.user)
    return client


@pytest.fixture(
    params=[(p, r) for p in POSITIONS for r in ROLES], ids=lambda pr: f"{pr[0]}-{pr[1]}"
)
def actor(request, world) -> Actor:
    position, role = request.param
    membership = world.member(position, role)
    return Actor(position, role, membership, api_client_for(membership))


@pytest.fixture
def own_admin(world) -> Actor:
    membership = world.member("own", Role.ADMIN)
    return Actor("own", Role.ADMIN, membership, api_client_for(membership))


@pytest.fixture
def acting():
    """``with acting(org): ...`` inside a test, to read scoped data as that organization."""
    return acting_as


#: Statement triggers that refuse TRUNCATE on the decision ledger (lifecycle/models/ledger.py).
LEDGER_TRUNCATE_GUARDS = (
    "lifecycle.DecisionRecord:no_truncate",
    "lifecycle.GateApprover:no_truncate",
)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_ledger_guard():
    """Django's ``flush`` (run after every transactional test) truncates every table; the
    ledger's guard refuses that. The flush command alone ignores the guard: anything else in a
    test that truncates the ledger is still refused."""
    import pgtrigger
    from django.core.management.commands import flush

    original = flush.Command.handle

    def handle(self, **options):
        with pgtrigger.ignore(*LEDGER_TRUNCATE_GUARDS):
            return original(self, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original
