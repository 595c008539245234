"""``manage.py seed_demo``: the demo data README.md promises, loaded once however often it runs."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection, transaction

from cbrms.tenancy.context import acting_as
from relationships.models import (
    Membership,
    Organization,
    Party,
    PartyRole,
    PartyStatus,
    Relationship,
    RelationshipType,
    Role,
)

pytestmark = pytest.mark.django_db

CORE = ("northwind", "contoso", "fabrikam")
LOGINS = {
    "admin": Role.ADMIN,
    "executive": Role.EXECUTIVE,
    "manager": Role.RELATIONSHIP_MANAGER,
    "contributor": Role.CONTRIBUTOR,
    "viewer": Role.VIEWER,
}
PASSWORD = "cbrms-demo"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every table of every installed app, the audit trail included."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table in tables
    }


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """Seed twice, once for the whole class, and roll it back after: other tests start empty."""
    with django_db_blocker.unblock(), transaction.atomic():
        first_output = seed()
        counts = row_counts()
        second_output = seed()
        yield {"first": first_output, "second": second_output, "counts": counts}
        transaction.set_rollback(True)


def party(relationship: Relationship, slug: str) -> Party:
    return (
        Party.objects.unscoped()
        .select_related("ser__user")
        .get(relationship=relationship, organization__slug=slug)
    )


class TestSeedDemo:
    """What the demo promises, after the command ran twice."""

    def test_the_three_demo_organizations_exist(self, seeded):
        organizations = Organization.objects.unscoped().filter(slug__in=CORE)
        assert {o.slug: o.name for o in organizations} == {
            "northwind": "Northwind Traders",
            "contoso": "Contoso Ltd",
            "fabrikam": "Fabrikam Inc",
        }
        assert {o.slug: o.size_class for o in organizations} == {
            "northwind": "large",
            "contoso": "medium",
            "fabrikam": "large",
        }

    @pytest.mark.parametrize("slug", CORE)
    @pytest.mark.parametrize("login", LOGINS)
    def test_every_demo_login_works_with_the_demo_password(self, seeded, slug, login):
        email = f"{login}@{slug}.example"
        user = authenticate(email=email, password=PASSWORD)
        assert user is not None, email
        assert user.full_name
        membership = Membership.objects.unscoped().get(user=user, organization__slug=slug)
        assert membership.role == LOGINS[login]
        assert authenticate(email=email, password="wrong") is None

    def test_the_northwind_contoso_partnership_is_at_stage_5_with_both_sers(self, seeded):
        relationship = Relationship.objects.unscoped().get(
            lead_organization__slug="northwind", parties__organization__slug="contoso"
        )
        assert relationship.type == RelationshipType.PARTNERSHIP
        assert relationship.current_stage == 5
        northwind, contoso = party(relationship, "northwind"), party(relationship, "contoso")
        assert (northwind.role, northwind.status) == (PartyRole.LEAD, PartyStatus.ACTIVE)
        assert (contoso.role, contoso.status) == (PartyRole.PARTNER, PartyStatus.ACTIVE)
        assert northwind.ser.user.email == "executive@northwind.example"
        assert contoso.ser.user.email == "executive@contoso.example"

    def test_northwind_takes_no_part_in_the_contoso_fabrikam_relationship(self, seeded):
        relationship = Relationship.objects.unscoped().get(
            lead_organization__slug="contoso", parties__organization__slug="fabrikam"
        )
        assert party(relationship, "fabrikam").status == PartyStatus.ACTIVE
        parties = Party.objects.unscoped().filter(relationship=relationship)
        assert not parties.filter(organization__slug="northwind").exists()
        with acting_as(Organization.objects.unscoped().get(slug="northwind")):
            assert not Relationship.objects.filter(pk=relationship.pk).exists()

    def test_northwind_orchestrates_an_ecosystem_of_at_least_20_active_members(self, seeded):
        ecosystem = Relationship.objects.unscoped().get(
            lead_organization__slug="northwind", type=RelationshipType.ECOSYSTEM
        )
        assert party(ecosystem, "northwind").role == PartyRole.ORCHESTRATOR
        members = (
            Party.objects.unscoped()
            .filter(relationship=ecosystem, role=PartyRole.MEMBER)
            .select_related("organization")
        )
        active = [p for p in members if p.status == PartyStatus.ACTIVE]
        assert len(active) >= 20
        assert any(p.status == PartyStatus.INVITED for p in members)
        for member in members:
            assert member.organization.size_class in ("micro", "small", "medium")
            admin = authenticate(
                email=f"admin@{member.organization.slug}.example", password=PASSWORD
            )
            assert admin is not None
            assert Membership.objects.unscoped().get(user=admin).role == Role.ADMIN

    def test_the_audit_trail_names_who_acted(self, seeded):
        from governance.models import AuditEvent

        relationship = Relationship.objects.unscoped().get(
            lead_organization__slug="northwind", parties__organization__slug="contoso"
        )
        events = AuditEvent.objects.unscoped().filter(
            table="relationships_relationship", object_id=relationship.pk
        )
        manager = Membership.objects.unscoped().get(user__email="manager@northwind.example")
        assert {e.actor_user_id for e in events} == {manager.user_id}
        assert {e.acting_organization_id for e in events} == {manager.organization_id}
        assert any(e.changes.get("current_stage") == [1, 5] for e in events)

    def test_a_second_run_creates_nothing(self, seeded):
        assert "created" in seeded["first"]
        assert "already present" in seeded["second"]
        assert seeded["counts"]["governance_auditevent"] > 0
        assert seeded["counts"]["relationships_party"] > 0
        assert row_counts() == seeded["counts"]  # every table, the audit trail included

    def test_a_second_run_only_checks(self, seeded, django_assert_max_num_queries):
        with django_assert_max_num_queries(5):
            output = seed()
        assert "nothing to do" in output


def test_a_partly_seeded_database_is_completed(db):
    """A run that finds some of the demo (say, one organization) adds only the rest."""
    from relationships.services.organizations import organization_create

    organization_create(name="Contoso", slug="contoso", size_class="medium", country="NL")
    output = seed()
    assert "Already present: 1 organization." in output
    assert Organization.objects.unscoped().filter(slug="contoso").count() == 1
    assert authenticate(email="viewer@contoso.example", password=PASSWORD) is not None
