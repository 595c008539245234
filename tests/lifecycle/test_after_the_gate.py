"""What stays open once a gate has passed, and who is still told that a gate waits for them."""

from __future__ import annotations

import pytest
from django.core import mail

from cbrms.errors import ValidationFailed
from lifecycle.models import Requirement, RequirementStatus
from lifecycle.notifications import gate_requested_notify
from lifecycle.services.gates import gate_decide, gate_request
from lifecycle.services.requirements import requirement_update
from relationships.models import Membership, Organization, Relationship, Role, Visibility
from relationships.services.relationships import party_accept, party_invite, relationship_create
from tests.factories import MembershipFactory, OrganizationFactory
from tests.lifecycle.builders import prove

pytestmark = pytest.mark.django_db


def _requirement(relationship: Relationship, organization: Organization, **filters) -> Requirement:
    return (
        Requirement.objects.unscoped()
        .select_related("relationship")
        .filter(relationship=relationship, organization=organization, **filters)
        .first()
    )


def _pass_stage(relationship: Relationship, manager: Membership, ser: Membership) -> None:
    """The lead settles what the gate rests on, asks for the gate, and its SER approves."""
    stage = Relationship.objects.unscoped().get(pk=relationship.pk).current_stage
    requirements = list(
        Requirement.objects.unscoped()
        .select_related("relationship")
        .filter(relationship=relationship, stage=stage, organization=manager.organization)
    )
    prove(requirements)  # met needs evidence
    for requirement in requirements:
        requirement_update(requirement=requirement, organization=manager.organization, status="met")
    gate = gate_request(relationship=relationship, requested_by=manager)
    gate_decide(gate=gate, approver=ser, approve=True)


@pytest.fixture
def partnership():
    """A partnership at stage 4 (stages 1-3 passed by the lead), the partner just accepted."""
    lead, partner = OrganizationFactory(), OrganizationFactory()
    people = {
        (org, role): MembershipFactory(organization=org, role=role)
        for org in (lead, partner)
        for role in (Role.RELATIONSHIP_MANAGER, Role.EXECUTIVE)
    }
    relationship = relationship_create(
        organization=lead,
        name="Regional logistics",
        type="partnership",
        ser=people[lead, Role.EXECUTIVE],
    )
    for _ in range(3):
        _pass_stage(
            relationship, people[lead, Role.RELATIONSHIP_MANAGER], people[lead, Role.EXECUTIVE]
        )
    party = party_invite(relationship=relationship, organization=lead, invitee=partner)
    party_accept(party=party, organization=partner, ser=people[partner, Role.EXECUTIVE])
    return relationship, lead, partner, people


def test_a_partner_joining_in_stage_4_still_records_its_own_stages_1_to_3(partnership):
    relationship, lead, partner, _ = partnership
    own = _requirement(relationship, partner, stage=1, visibility=Visibility.INTERNAL)
    prove([own])
    requirement_update(requirement=own, organization=partner, status=RequirementStatus.MET)
    assert Requirement.objects.unscoped().get(pk=own.pk).status == RequirementStatus.MET

    # What the lead's gate rested on stays as it was approved.
    passed = _requirement(relationship, lead, stage=1, visibility=Visibility.INTERNAL)
    with pytest.raises(ValidationFailed) as refused:
        requirement_update(requirement=passed, organization=lead, status="in_progress")
    assert refused.value.code == "stage_closed"


def test_only_the_sers_a_gate_still_waits_for_are_emailed(partnership):
    relationship, lead, partner, people = partnership
    lead_manager, lead_ser = people[lead, Role.RELATIONSHIP_MANAGER], people[lead, Role.EXECUTIVE]
    _pass_stage(relationship, lead_manager, lead_ser)  # stage 4 -> 5
    stage_5 = Requirement.objects.unscoped().filter(relationship=relationship, stage=5)
    assert stage_5.exists()
    prove(stage_5)
    for requirement in stage_5.select_related("relationship"):
        requirement_update(requirement=requirement, organization=lead, status="met")
    gate = gate_request(relationship=relationship, requested_by=lead_manager)

    assert gate_requested_notify(gate_id=gate.pk) == 2  # both SERs
    gate_decide(gate=gate, approver=lead_ser, approve=True)
    mail.outbox.clear()
    assert gate_requested_notify(gate_id=gate.pk) == 1
    assert [m.to for m in mail.outbox] == [[people[partner, Role.EXECUTIVE].user.email]]

    gate_decide(gate=gate, approver=people[partner, Role.EXECUTIVE], approve=True)
    mail.outbox.clear()
    assert gate_requested_notify(gate_id=gate.pk) == 0  # the gate passed: nobody waits
    assert mail.outbox == []
