"""The SME profile (ISO 44003): the owner of a small organization can be requester and SER.

In the SME profile the party's own SER may request a gate and then approve it; the gate and
the approval record that it was a self-approval. Anywhere else an executive does not request
gates, and large organizations do not get the SME profile at all.
"""

from __future__ import annotations

import pytest

from lifecycle.models import DecisionRecord, RecordKind
from relationships.models import Relationship, Role, SizeClass
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, OrganizationFactory
from tests.lifecycle.helpers import Side, approve, request_gate, side_of
from tests.lifecycle.staging import fresh, ledger, put_at_stage, settle

pytestmark = pytest.mark.django_db

LARGE_REFUSED = "Not available to a large organization."


def create_relationship(side: Side, **body):
    return side.manager_api.post(
        f"/api/v1/orgs/{side.organization.slug}/relationships/", body, format="json"
    )


@pytest.fixture
def sme() -> tuple[Relationship, Side]:
    """A small organization's relationship on the SME profile, created through the API."""
    owner = side_of(OrganizationFactory(name="Small Joinery", size_class=SizeClass.SMALL))
    created = create_relationship(
        owner,
        name="Kitchen fitting alliance",
        type="partnership",
        framework_profile="iso44003-sme",
        ser=owner.ser.pk,
    )
    assert created.status_code == 201, created.content
    relationship = Relationship.objects.unscoped().get(pk=created.json()["id"])
    assert relationship.framework_profile == "iso44003-sme"
    return relationship, owner


def ser_requests(side: Side, relationship: Relationship, **body):
    return side.ser_api.post(
        side.url(relationship, "gates/"), body or {"kind": "advance"}, format="json"
    )


def test_the_ser_requests_the_gate_and_approves_it_recorded_as_self_approval(sme):
    relationship, owner = sme
    settle(relationship, 1)

    requested = ser_requests(owner, relationship)
    assert requested.status_code == 201, requested.content
    gate = requested.json()
    assert gate["self_approval"] is True
    assert gate["requested_by"]["membership"] == owner.ser.pk
    assert [a["membership"] for a in gate["approvers"]] == [owner.ser.pk]

    decided = approve(owner, relationship, gate["id"])
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "passed"
    assert fresh(relationship).current_stage == 2

    gate_entry = DecisionRecord.objects.unscoped().get(pk=gate["id"])
    assert gate_entry.payload["self_approval"] is True
    approval = ledger(relationship).get(gate_id=gate["id"], kind=RecordKind.APPROVED)
    assert (approval.actor_id, approval.payload) == (owner.ser.pk, {"self_approved": True})


def test_a_gate_the_manager_requested_is_not_a_self_approval(sme):
    relationship, owner = sme
    settle(relationship, 1)
    gate = request_gate(owner, relationship).json()
    assert gate["self_approval"] is False
    assert approve(owner, relationship, gate["id"]).json()["status"] == "passed"
    approval = ledger(relationship).get(gate_id=gate["id"], kind=RecordKind.APPROVED)
    assert approval.payload == {}


def test_only_the_partys_own_ser_requests_among_executives(sme):
    relationship, owner = sme
    settle(relationship, 1)
    other_executive = MembershipFactory(organization=owner.organization, role=Role.EXECUTIVE)
    refused = api_client_for(other_executive).post(
        owner.url(relationship, "gates/"), {"kind": "advance"}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "cannot_request_gate")
    assert not ledger(relationship).exists()


def test_a_self_approval_does_not_replace_the_other_partys_ser(sme):
    relationship, owner = sme
    partner_org = OrganizationFactory(name="Small Tiling", size_class=SizeClass.MICRO)
    invited = owner.manager_api.post(
        owner.url(relationship, "parties/"), {"organization": partner_org.slug}, format="json"
    )
    assert invited.status_code == 201, invited.content
    partner = side_of(partner_org)
    accepted = partner.manager_api.post(
        f"/api/v1/orgs/{partner_org.slug}/invitations/{invited.json()['id']}/accept/",
        {"ser": partner.ser.pk},
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    relationship = put_at_stage(relationship, 5)
    settle(relationship, 5)

    gate = ser_requests(owner, relationship).json()
    assert gate["self_approval"] is True
    assert approve(owner, relationship, gate["id"]).json()["status"] == "pending"
    assert fresh(relationship).current_stage == 5
    assert approve(partner, relationship, gate["id"]).json()["status"] == "passed"
    assert fresh(relationship).current_stage == 6


def test_in_the_full_profile_an_executive_cannot_request_a_gate(world):
    relationship = world.relationship
    assert relationship.framework_profile == "iso44001"
    lead = side_of(world.own, relationship)
    settle(relationship, 1)
    refused = ser_requests(lead, relationship)
    assert (refused.status_code, refused.json()["code"]) == (403, "cannot_request_gate")
    assert not ledger(relationship).exists()


def test_the_sme_profile_is_refused_for_a_large_organization():
    large = side_of(OrganizationFactory(name="Big Engineering", size_class=SizeClass.LARGE))
    refused = create_relationship(
        large, name="Would-be SME", type="partnership", framework_profile="iso44003-sme"
    )
    assert refused.status_code == 400
    assert refused.json()["fields"]["framework_profile"] == [LARGE_REFUSED]
    assert not Relationship.objects.unscoped().filter(name="Would-be SME").exists()
    medium = side_of(OrganizationFactory(size_class=SizeClass.MEDIUM))
    accepted = create_relationship(
        medium, name="Medium SME", type="partnership", framework_profile="iso44003-sme"
    )
    assert accepted.status_code == 201, accepted.content


def test_a_large_organizations_relationship_cannot_switch_to_the_sme_profile(world):
    lead = side_of(world.own, world.relationship)
    refused = lead.manager_api.patch(
        lead.url(world.relationship), {"framework_profile": "iso44003-sme"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["fields"]["framework_profile"] == [LARGE_REFUSED]
    assert fresh(world.relationship).framework_profile == "iso44001"
