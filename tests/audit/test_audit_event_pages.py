"""Pages of ``audit-events/``: every visible event once, in order, forwards and backwards.

The list reads each branch of the scope on its own (``cbrms.audit.pagination``); these
tests hold it to the scope itself: what ``AuditEvent.objects`` shows the organization, newest
first, is exactly what walking the pages returns, whatever the filters and the page size.
"""

from __future__ import annotations

import operator
from functools import reduce

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cbrms.audit.models import AuditEvent
from cbrms.tenancy.context import acting_as
from relationships.models import Relationship, Role
from relationships.services.relationships import party_invite
from relationships.visibility import audit_scope_branches
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, OrganizationFactory, make_relationship

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/partner-org/audit-events/"


def rename(relationship: Relationship, name: str) -> None:
    with acting_as(relationship.lead_organization):
        Relationship.objects.filter(pk=relationship.pk).update(name=name)


@pytest.fixture
def trail(world):
    """The partner's trail, with other organizations' events written in between.

    The partner reads its own events, the joint and directory events of the shared
    relationship, and the joint events of an ecosystem it is a plain member of, whose member
    directory is closed: the other members' party rows there are not its to read, nor are
    the internal events of ``own`` (its members) or of anyone else.
    """
    hub, rival = OrganizationFactory(slug="hub-org"), OrganizationFactory(slug="rival-org")
    ecosystem = make_relationship(
        lead=hub, partners=(world.partner, rival), type="ecosystem", name="Eco"
    )
    for n in range(4):
        MembershipFactory(organization=world.own)  # own's internal events
        MembershipFactory(organization=world.partner)  # the partner's own
        rename(world.relationship, f"Shared {n}")  # joint
        rename(ecosystem, f"Eco {n}")  # joint, in the ecosystem
        MembershipFactory(organization=rival)  # rival's internal events
        party_invite(  # directory events of the shared relationship, owned by the invitee
            relationship=world.relationship,
            organization=world.own,
            invitee=OrganizationFactory(),
        )
    return {"ecosystem": ecosystem, "hub": hub, "rival": rival}


def visible_ids(organization, **filters) -> list[int]:
    """The scope's own answer, newest first."""
    with acting_as(organization):
        events = AuditEvent.objects.filter(**filters).order_by("-id")
        return list(events.values_list("id", flat=True))


def walk(client, url: str, link: str = "next") -> list[dict]:
    """Follow ``link`` from ``url`` to the end; the bodies of every page."""
    bodies = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        bodies.append(response.json())
        url = bodies[-1][link]
    return bodies


def ids_of(body: dict) -> list[int]:
    return [row["id"] for row in body["results"]]


@pytest.fixture
def partner_client(world):
    return api_client_for(world.member("partner", Role.EXECUTIVE))


def test_the_pages_hold_every_visible_event_once_newest_first(world, trail, partner_client):
    expected = visible_ids(world.partner)
    pages = [ids_of(body) for body in walk(partner_client, f"{URL}?page_size=4")]
    assert [event_id for page in pages for event_id in page] == expected
    assert all(len(page) == 4 for page in pages[:-1])
    assert 0 < len(pages[-1]) <= 4

    # Each way an event reaches the partner is on the pages ...
    shown = AuditEvent.objects.unscoped().filter(pk__in=expected)
    assert shown.filter(organization_id=world.partner.pk).exists()
    assert shown.filter(audience="joint", relationship_id=trail["ecosystem"].pk).exists()
    assert shown.filter(audience="directory", relationship_id=world.relationship.pk).exists()
    # ... and nothing it may not read.
    hidden = AuditEvent.objects.unscoped().exclude(pk__in=expected)
    assert hidden.filter(organization_id=world.own.pk, audience="internal").count() >= 4
    assert hidden.filter(organization_id=trail["rival"].pk).exists()
    assert hidden.filter(audience="directory", relationship_id=trail["ecosystem"].pk).exists()


def test_the_branches_hold_exactly_the_scope(world, trail):
    """``audit_scope_branches`` regroups the scope's condition; the rows must stay the same."""
    organizations = (world.own, world.partner, world.stranger, trail["hub"], trail["rival"])
    for organization in organizations:
        branches = AuditEvent.objects.unscoped().filter(
            reduce(operator.or_, audit_scope_branches(organization))
        )
        assert sorted(branches.values_list("id", flat=True), reverse=True) == visible_ids(
            organization
        )


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("action=update", {"action": "update"}),
        ("object_type=relationships.party", {"table": "relationships_party"}),
        ("table=relationships_membership", {"table": "relationships_membership"}),
    ],
)
def test_filters_apply_to_every_page(world, trail, partner_client, query, filters):
    expected = visible_ids(world.partner, **filters)
    assert len(expected) > 3
    pages = walk(partner_client, f"{URL}?page_size=3&{query}")
    assert [event_id for body in pages for event_id in ids_of(body)] == expected


def test_the_relationship_filter_pages_through_one_relationship(world, trail, partner_client):
    relationship = world.relationship.pk
    expected = visible_ids(world.partner, relationship_id=relationship)
    pages = walk(partner_client, f"{URL}?page_size=5&relationship={relationship}")
    assert [event_id for body in pages for event_id in ids_of(body)] == expected
    assert len(pages) > 1


def test_previous_walks_the_same_pages_back(world, trail, partner_client):
    forward = walk(partner_client, f"{URL}?page_size=4&action=update")
    assert len(forward) >= 3
    assert forward[0]["previous"] is None
    assert forward[-1]["next"] is None

    backward = walk(partner_client, forward[-1]["previous"], link="previous")
    assert [ids_of(body) for body in backward] == [ids_of(body) for body in forward[-2::-1]]
    # Back on the first page, "next" leads on exactly as it did the first time.
    assert backward[-1]["previous"] is None
    again = partner_client.get(backward[-1]["next"]).json()
    assert ids_of(again) == ids_of(forward[1])
    assert "action=update" in backward[-1]["next"]


def test_a_new_event_does_not_shift_the_pages_already_cursored(world, trail, partner_client):
    first = partner_client.get(f"{URL}?page_size=4").json()
    rename(world.relationship, "Renamed meanwhile")
    second = partner_client.get(first["next"]).json()
    expected = visible_ids(world.partner)
    assert ids_of(second) == expected[5:9]  # one newer event now precedes the first page


def test_a_cursor_whose_position_is_no_id_is_refused(partner_client):
    response = partner_client.get(f"{URL}?cursor=cD1hYmM%3D")  # "p=abc"
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_a_tenant_with_no_relationships_pages_its_own_events(db):
    lonely = OrganizationFactory(slug="lonely-org")
    for _ in range(3):
        MembershipFactory(organization=lonely)
    client = api_client_for(MembershipFactory(organization=lonely, role=Role.ADMIN))
    expected = visible_ids(lonely)
    assert len(expected) >= 4
    pages = walk(client, "/api/v1/orgs/lonely-org/audit-events/?page_size=2")
    assert [event_id for body in pages for event_id in ids_of(body)] == expected
    assert len(pages) == -(-len(expected) // 2)


def test_the_query_count_does_not_grow_with_the_relationships(world, partner_client):
    partner_client.get(URL)  # a token's first use records it

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert partner_client.get(f"{URL}?page_size=10").status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        make_relationship(lead=OrganizationFactory(), partners=(world.partner,), name=f"R{n}")
    assert queries() == few
