"""The eight stages driven through the REST API alone, with the right SERs deciding."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from lifecycle.models import DecisionRecord
from relationships.models import Relationship
from tests.factories import OrganizationFactory
from tests.lifecycle.helpers import approve, request_gate, settle_stage, side_of

pytestmark = pytest.mark.django_db


def _stage(relationship):
    return Relationship.objects.unscoped().get(pk=relationship.pk)


def test_a_bilateral_relationship_goes_from_stage_1_to_stage_8_and_exits(world):
    lead_org, partner_org = OrganizationFactory(), OrganizationFactory()
    lead = side_of(lead_org)
    created = lead.manager_api.post(
        f"/api/v1/orgs/{lead_org.slug}/relationships/",
        {"name": "Offshore maintenance", "type": "partnership", "ser": lead.ser.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    relationship = Relationship.objects.unscoped().get(pk=created.json()["id"])
    stages = lead.manager_api.get(lead.url(relationship, "stages/")).json()
    assert [s["state"] for s in stages] == ["in_progress"] + ["not_started"] * 7

    # The lead works alone through stages 1-3; its SER alone decides their gates.
    for stage in (1, 2, 3):
        assert request_gate(lead, relationship).json()["code"] == "requirements_unmet"
        assert settle_stage(lead, relationship, stage) > 0
        gate = request_gate(lead, relationship)
        assert gate.status_code == 201, gate.content
        body = gate.json()
        assert [a["organization"] for a in body["approvers"]] == [lead_org.slug]
        assert body["visibility"] == "internal"
        decided = approve(lead, relationship, body["id"])
        assert decided.status_code == 200, decided.content
        assert decided.json()["status"] == "passed"
        assert _stage(relationship).current_stage == stage + 1

    # Stage 4: the partner is chosen, invited and accepts, naming its own SER.
    invite = lead.manager_api.post(
        lead.url(relationship, "parties/"), {"organization": partner_org.slug}, format="json"
    )
    assert invite.status_code == 201, invite.content
    partner = side_of(partner_org)
    accepted = partner.manager_api.post(
        f"/api/v1/orgs/{partner_org.slug}/invitations/{invite.json()['id']}/accept/",
        {"ser": partner.ser.pk},
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    settle_stage(lead, relationship, 4)
    gate = request_gate(lead, relationship).json()
    assert [a["organization"] for a in gate["approvers"]] == [lead_org.slug]
    # The partner cannot see, let alone decide, the lead's internal stage-4 gate.
    assert approve(partner, relationship, gate["id"]).status_code == 404
    assert approve(lead, relationship, gate["id"]).json()["status"] == "passed"
    assert _stage(relationship).current_stage == 5

    # Stages 5-7 are joint: either party may request, and both SERs must approve.
    for stage in (5, 6, 7):
        requester = partner if stage == 6 else lead
        settle_stage(requester, relationship, stage)
        gate = request_gate(requester, relationship)
        assert gate.status_code == 201, gate.content
        gate = gate.json()
        assert sorted(a["organization"] for a in gate["approvers"]) == sorted(
            [lead_org.slug, partner_org.slug]
        )
        first = approve(lead, relationship, gate["id"]).json()
        assert first["status"] == "pending"
        assert _stage(relationship).current_stage == stage
        assert approve(partner, relationship, gate["id"]).json()["status"] == "passed"
        assert _stage(relationship).current_stage == stage + 1

    # Stage 8: exit. Its gate passed, the relationship has exited.
    settle_stage(lead, relationship, 8)
    gate = request_gate(lead, relationship).json()
    approve(lead, relationship, gate["id"])
    assert approve(partner, relationship, gate["id"]).json()["status"] == "passed"
    final = _stage(relationship)
    assert (final.current_stage, final.status) == (8, "exited")
    stages = partner.manager_api.get(partner.url(relationship, "stages/")).json()
    assert {s["state"] for s in stages} == {"approved"}
    assert request_gate(lead, relationship).json()["code"] == "relationship_closed"

    # The whole record verifies, for either side, and from the command line.
    # Each side is told how many entries it sees: the partner none of the lead's stages 1-4.
    ledger = DecisionRecord.objects.unscoped().filter(relationship=relationship)
    for side, seen in ((lead, ledger), (partner, ledger.filter(visibility="joint"))):
        chain = side.manager_api.get(side.url(relationship, "decisions/verify/")).json()
        assert chain["verified"] is True
        assert chain["records"] == seen.count()
    call_command("verify_decisions")
    # The partner's ledger shows the joint decisions only: none of stages 1-4.
    entries = partner.manager_api.get(partner.url(relationship, "decisions/?page_size=200"))
    assert entries.json()["results"]
    assert all(e["from_stage"] >= 5 for e in entries.json()["results"])


def test_sending_back_and_activating_the_exit_are_decisions_with_a_reason(world):
    lead_org, partner_org = OrganizationFactory(), OrganizationFactory()
    from tests.factories import make_relationship

    relationship = make_relationship(lead=lead_org, partners=(partner_org,))
    lead, partner = side_of(lead_org, relationship), side_of(partner_org, relationship)
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(current_stage=6)

    missing_reason = request_gate(lead, relationship, kind="send_back")
    assert missing_reason.status_code == 400
    assert "reason" in missing_reason.json()["fields"]

    back = request_gate(lead, relationship, kind="send_back", reason="Targets were not agreed.")
    assert back.status_code == 201, back.content
    assert back.json()["to_stage"] == 5
    approve(lead, relationship, back.json()["id"])
    assert approve(partner, relationship, back.json()["id"]).json()["status"] == "passed"
    assert _stage(relationship).current_stage == 5

    exit_gate = request_gate(
        partner, relationship, kind="activate_exit", reason="The market closed."
    ).json()
    assert exit_gate["to_stage"] == 8
    rejected = partner.ser_api.post(
        partner.url(relationship, f"gates/{exit_gate['id']}/reject/"), {}, format="json"
    )
    assert rejected.status_code == 400  # a rejection needs its comment
    approve(partner, relationship, exit_gate["id"])
    refused = lead.ser_api.post(
        lead.url(relationship, f"gates/{exit_gate['id']}/reject/"),
        {"comment": "We can still save it."},
        format="json",
    )
    assert refused.json()["status"] == "rejected"
    assert _stage(relationship).current_stage == 5  # a rejection reopens the stage

    exit_gate = request_gate(lead, relationship, kind="activate_exit", reason="Agreed to end.")
    approve(lead, relationship, exit_gate.json()["id"])
    approve(partner, relationship, exit_gate.json()["id"])
    final = _stage(relationship)
    assert (final.current_stage, final.status) == (8, "exiting")


def test_only_one_gate_waits_at_a_time_and_nobody_decides_twice(world):
    lead_org, partner_org = OrganizationFactory(), OrganizationFactory()
    from tests.factories import make_relationship

    relationship = make_relationship(lead=lead_org, partners=(partner_org,))
    lead, partner = side_of(lead_org, relationship), side_of(partner_org, relationship)
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(current_stage=5)
    settle_stage(lead, relationship, 5)
    gate = request_gate(lead, relationship).json()
    again = request_gate(partner, relationship)
    assert (again.status_code, again.json()["code"]) == (409, "gate_pending")
    assert approve(lead, relationship, gate["id"]).status_code == 200
    twice = approve(lead, relationship, gate["id"])
    assert (twice.status_code, twice.json()["code"]) == (409, "already_decided")
    # A manager is not an approver, whatever their role allows elsewhere.
    manager_try = lead.manager_api.post(
        lead.url(relationship, f"gates/{gate['id']}/approve/"), {}, format="json"
    )
    assert manager_try.status_code == 403


def test_a_party_without_a_ser_blocks_the_joint_gate(world):
    lead_org, partner_org = OrganizationFactory(), OrganizationFactory()
    from tests.factories import make_relationship

    relationship = make_relationship(lead=lead_org, partners=(partner_org,))
    lead = side_of(lead_org, relationship)
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(current_stage=5)
    settle_stage(lead, relationship, 5)
    response = request_gate(lead, relationship)
    assert response.status_code == 400
    assert response.json()["code"] == "ser_missing"
    assert partner_org.name in response.json()["message"]
