"""``/api/v1/orgs/{org}/audit-events/``: the trail each organization may read."""

from __future__ import annotations

import pytest

from cbrms.audit.models import AuditEvent
from cbrms.tenancy.context import acting_as
from relationships.models import Relationship, Role
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

AUDITORS = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.RELATIONSHIP_MANAGER})


class TestAuditEventResource(ResourceCases):
    path = "audit-events/"
    operations = frozenset({"list", "retrieve"})
    read_roles = AUDITORS
    write_roles = AUDITORS

    def make_object(self, world):
        """A change of the shared relationship, made by one of ``own``'s admins."""
        admin = world.member("own", Role.ADMIN)
        with acting_as(world.own, user=admin.user):
            relationship = Relationship.objects.get(pk=world.relationship.pk)
            relationship.description = f"{relationship.description}+"
            relationship.save()
        return AuditEvent.objects.unscoped().latest("id")


def events(client, slug, query=""):
    response = client.get(f"/api/v1/orgs/{slug}/audit-events/?page_size=200&{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_contributors_and_viewers_do_not_read_the_trail(world, role):
    response = api_client_for(world.member("own", role)).get("/api/v1/orgs/own-org/audit-events/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_writes_through_the_api_show_who_changed_what(world, own_admin):
    client = own_admin.client
    created = client.post(
        "/api/v1/orgs/own-org/relationships/", {"name": "Audited", "type": "alliance"}
    ).json()
    client.patch(f"/api/v1/orgs/own-org/relationships/{created['id']}/", {"name": "Renamed"})
    client.delete(f"/api/v1/orgs/own-org/relationships/{created['id']}/")

    rows = events(
        client, "own-org", f"object_type=relationships.relationship&object_id={created['id']}"
    )
    assert [row["action"] for row in rows] == ["update", "update", "create"]  # newest first
    archive, rename, create = rows
    actor = {"id": own_admin.membership.user_id, "email": own_admin.membership.user.email}
    for row in rows:
        assert row["actor"] == actor
        assert row["acting_organization"] == "own-org"
        assert row["table"] == "relationships_relationship"
        assert row["object_type"] == "relationships.relationship"
        assert row["relationship"] == created["id"]
        assert row["audience"] == "joint"
    assert create["changes"]["name"] == [None, "Audited"]
    assert rename["changes"]["name"] == ["Audited", "Renamed"]
    assert archive["changes"]["archived_at"][0] is None
    assert archive["changes"]["archived_at"][1] is not None


def test_a_deleted_membership_is_recorded(world, own_admin):
    member = world.member("own", Role.VIEWER)
    assert own_admin.client.delete(f"/api/v1/orgs/own-org/members/{member.pk}/").status_code == 204
    rows = events(own_admin.client, "own-org", "table=relationships_membership&action=delete")
    assert [row["object_id"] for row in rows] == [member.pk]
    assert rows[0]["changes"]["role"] == ["viewer", None]
    assert rows[0]["actor"]["id"] == own_admin.membership.user_id


def test_a_bulk_queryset_update_is_recorded_row_by_row(world, own_admin):
    with acting_as(world.own, user=own_admin.membership.user):
        changed = Relationship.objects.filter(pk=world.relationship.pk).update(status="exiting")
    assert changed == 1
    rows = events(
        own_admin.client, "own-org", f"relationship={world.relationship.pk}&action=update"
    )
    assert rows[0]["changes"] == {
        "status": ["active", "exiting"],
    }
    assert rows[0]["actor"]["id"] == own_admin.membership.user_id


def test_filters_by_actor_and_action(world, own_admin):
    other_admin = world.member("own", Role.RELATIONSHIP_MANAGER)
    api_client_for(other_admin).patch(
        f"/api/v1/orgs/own-org/relationships/{world.relationship.pk}/", {"name": "By the RM"}
    )
    rows = events(own_admin.client, "own-org", f"actor={other_admin.user_id}")
    assert rows
    assert {row["actor"]["id"] for row in rows} == {other_admin.user_id}
    assert all(
        row["action"] == "create" for row in events(own_admin.client, "own-org", "action=create")
    )


def test_the_partner_sees_joint_events_but_not_our_internal_ones(world, own_admin):
    own_admin.client.patch(
        f"/api/v1/orgs/own-org/relationships/{world.relationship.pk}/", {"name": "Joint rename"}
    )
    own_admin.client.post("/api/v1/orgs/own-org/tokens/", {"name": "our token"})
    own_admin.client.post(
        "/api/v1/orgs/own-org/members/", {"email": "new@example.test", "role": "viewer"}
    )
    partner = api_client_for(world.member("partner", Role.EXECUTIVE))
    rows = events(partner, "partner-org")
    renames = [
        r for r in rows if r["changes"].get("name") == ["Shared relationship", "Joint rename"]
    ]
    assert len(renames) == 1
    assert renames[0]["actor"]["id"] == own_admin.membership.user_id
    assert renames[0]["acting_organization"] == "own-org"
    own_internal = AuditEvent.objects.unscoped().filter(
        organization_id=world.own.pk,
        table__in=["relationships_apitoken", "relationships_membership"],
    )
    assert own_internal.count() >= 2
    assert not {r["id"] for r in rows} & set(own_internal.values_list("id", flat=True))


def test_a_stranger_sees_none_of_it(world, own_admin):
    own_admin.client.patch(
        f"/api/v1/orgs/own-org/relationships/{world.relationship.pk}/", {"name": "Private"}
    )
    stranger = api_client_for(world.member("stranger", Role.ADMIN))
    rows = events(stranger, "stranger-org")
    ours = set(
        AuditEvent.objects.unscoped()
        .filter(organization_id__in=[world.own.pk, world.partner.pk])
        .values_list("id", flat=True)
    )
    assert ours
    assert not {r["id"] for r in rows} & ours
    assert not [r for r in rows if r["relationship"] == world.relationship.pk]
    assert stranger.get("/api/v1/orgs/own-org/audit-events/").status_code == 404


def test_the_trail_cannot_be_written_through_the_api(own_admin):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(own_admin.client, method)("/api/v1/orgs/own-org/audit-events/", {})
        assert response.status_code == 405, method
        assert response.json()["code"] == "method_not_allowed"
