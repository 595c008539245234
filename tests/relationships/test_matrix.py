"""The role x position matrix on relationships and parties.

``actor`` is every role of every position: ``own`` leads the shared relationship, ``partner`` is
an active party of it, ``stranger`` takes no part. Reads follow the position; writes need a
role with ``relationships.manage`` / ``parties.manage`` *and* the lead's seat. Whatever the
answer for an object outside the scope, it is the answer for an id that does not exist.
"""

from __future__ import annotations

import pytest

from relationships.models import PartnerInvitation, Party, Relationship, Role
from relationships.services.partners import join_request
from relationships.services.relationships import party_invite
from tests.factories import OrganizationFactory, make_relationship

pytestmark = pytest.mark.django_db

MANAGERS = {Role.ADMIN, Role.RELATIONSHIP_MANAGER}
AUDITORS = {Role.ADMIN, Role.EXECUTIVE, Role.RELATIONSHIP_MANAGER}
MISSING_ID = 10**9


def sees(actor) -> bool:
    return actor.position in ("own", "partner")


def write_outcome(actor, success: int) -> tuple[int, str | None]:
    """The role is checked first (it does not depend on the object), then scope, then seat."""
    if actor.role not in MANAGERS:
        return 403, "permission_denied"
    if not sees(actor):
        return 404, "not_found"
    if actor.position == "partner":
        return 403, "not_lead"
    return success, None


def outcome(response) -> tuple[int, str | None]:
    code = response.json().get("code") if response.status_code >= 400 else None
    return response.status_code, code


def rel_url(actor, relationship_id, suffix=""):
    return f"/api/v1/orgs/{actor.slug}/relationships/{relationship_id}/{suffix}"


def test_list(actor, world):
    response = actor.client.get(f"/api/v1/orgs/{actor.slug}/relationships/")
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    assert ("Shared relationship" in names) == sees(actor)
    assert ("Stranger's relationship" in names) == (actor.position == "stranger")


def test_list_of_another_organization_is_404(actor, world):
    other = "stranger-org" if actor.position != "stranger" else "own-org"
    response = actor.client.get(f"/api/v1/orgs/{other}/relationships/")
    assert outcome(response) == (404, "not_found")


def test_detail(actor, world):
    response = actor.client.get(rel_url(actor, world.relationship.pk))
    if sees(actor):
        assert response.status_code == 200
        assert response.json()["lead_organization"]["slug"] == "own-org"
    else:
        assert outcome(response) == (404, "not_found")
        assert outcome(actor.client.get(rel_url(actor, MISSING_ID))) == (404, "not_found")


def test_update(actor, world):
    response = actor.client.patch(
        rel_url(actor, world.relationship.pk), {"name": "Changed"}, format="json"
    )
    assert outcome(response) == write_outcome(actor, 200)
    world.relationship.refresh_from_db()
    assert (world.relationship.name == "Changed") == (response.status_code == 200)
    if not sees(actor):
        missing = actor.client.patch(rel_url(actor, MISSING_ID), {"name": "x"}, format="json")
        assert outcome(missing) == outcome(response)


def test_archive(actor, world):
    response = actor.client.delete(rel_url(actor, world.relationship.pk))
    assert outcome(response) == write_outcome(actor, 204)
    archived = Relationship.objects.unscoped().get(pk=world.relationship.pk).is_archived
    assert archived == (response.status_code == 204)


def test_create(actor, world):
    response = actor.client.post(
        f"/api/v1/orgs/{actor.slug}/relationships/",
        {"name": "New", "type": "alliance"},
        format="json",
    )
    if actor.role in MANAGERS:
        assert response.status_code == 201
        assert response.json()["lead_organization"]["slug"] == actor.slug
    else:
        assert outcome(response) == (403, "permission_denied")


def test_parties_list(actor, world):
    response = actor.client.get(rel_url(actor, world.relationship.pk, "parties/"))
    if sees(actor):
        assert response.status_code == 200
        slugs = {row["organization"]["slug"] for row in response.json()["results"]}
        assert slugs == {"own-org", "partner-org"}
    else:
        assert outcome(response) == (404, "not_found")


def test_parties_detail(actor, world):
    party = Party.objects.unscoped().get(relationship=world.relationship, organization=world.own)
    response = actor.client.get(rel_url(actor, world.relationship.pk, f"parties/{party.pk}/"))
    if sees(actor):
        assert response.json()["is_lead"] is True
    else:
        assert outcome(response) == (404, "not_found")


def test_parties_invite(actor, world):
    invitee = OrganizationFactory(slug="invitee")
    response = actor.client.post(
        rel_url(actor, world.relationship.pk, "parties/"), {"organization": "invitee"}
    )
    assert outcome(response) == write_outcome(actor, 201)
    invited = Party.objects.unscoped().filter(organization=invitee).exists()
    assert invited == (response.status_code == 201)


def test_invite_by_email(actor, world):
    response = actor.client.post(
        rel_url(actor, world.relationship.pk, "partner-invitations/"),
        {"email": "someone@newco.example", "organization_name": "Newco"},
        format="json",
    )
    assert outcome(response) == write_outcome(actor, 201)
    sent = PartnerInvitation.objects.unscoped().filter(email="someone@newco.example").exists()
    assert sent == (response.status_code == 201)


def test_remind_an_invited_organization(actor, world):
    invitee = OrganizationFactory(slug="invitee")
    party = party_invite(relationship=world.relationship, organization=world.own, invitee=invitee)
    before = Party.objects.unscoped().get(pk=party.pk).notified_at
    response = actor.client.post(
        rel_url(actor, world.relationship.pk, f"parties/{party.pk}/resend/")
    )
    assert outcome(response) == write_outcome(actor, 200)
    after = Party.objects.unscoped().get(pk=party.pk).notified_at
    assert (after != before) == (response.status_code == 200)


@pytest.mark.parametrize("decision", ["approve", "refuse"])
def test_decide_a_request_to_join(actor, world, decision):
    ecosystem = make_relationship(lead=world.own, partners=(world.partner,), type="ecosystem")
    ecosystem.open_to_join_requests = True
    ecosystem.save(update_fields=["open_to_join_requests"])
    asking = join_request(
        relationship=ecosystem, organization=OrganizationFactory(slug="asking"), message=""
    )
    response = actor.client.post(rel_url(actor, ecosystem.pk, f"parties/{asking.pk}/{decision}/"))
    # A member of an ecosystem whose directory is closed does not see the asking party.
    expected = write_outcome(actor, 200)
    if actor.position == "partner" and expected[0] == 403 and expected[1] == "not_lead":
        expected = (404, "not_found")
    assert outcome(response) == expected
    status = Party.objects.unscoped().get(pk=asking.pk).status
    assert (status != "requested") == (response.status_code == 200)


def test_audit_events_of_the_relationship(actor, world):
    response = actor.client.get(
        f"/api/v1/orgs/{actor.slug}/audit-events/?relationship={world.relationship.pk}"
    )
    if actor.role not in AUDITORS:
        assert outcome(response) == (403, "permission_denied")
        return
    assert response.status_code == 200
    tables = {row["table"] for row in response.json()["results"]}
    if not sees(actor):
        assert tables == set()
        return
    for table in ("relationships_relationship", "relationships_party"):
        response = actor.client.get(
            f"/api/v1/orgs/{actor.slug}/audit-events/"
            f"?relationship={world.relationship.pk}&table={table}"
        )
        assert response.json()["results"], table
