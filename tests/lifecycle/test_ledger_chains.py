"""One hash chain per audience: a partner reads the whole joint chain and nothing that counts
the lead's internal decisions.

The probe that found the gap: a partner's ``decisions/`` listed a joint entry with ``sequence: 13``,
so it learned that twelve internal entries came first, although ``verify/`` took care to report
only what it may see.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from lifecycle.models import DecisionRecord
from lifecycle.services.ledger import JOINT_CHAIN, chain_verify, legacy_verify
from relationships.models import Relationship, RelationshipType, Role
from tests.conftest import api_client_for
from tests.factories import OrganizationFactory, make_relationship
from tests.lifecycle.builders import pass_gate, world_side
from tests.lifecycle.helpers import approve, request_gate, side_of
from tests.lifecycle.staging import put_at_stage, settle
from tests.lifecycle.test_ledger_tamper import triggers_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(world) -> Relationship:
    """Stages 1-4 passed by the lead's SER (internal), stage 5 passed by both SERs (joint)."""
    relationship = world.relationship
    lead = world_side(world, "own", relationship)
    partner = world_side(world, "partner", relationship)
    for _ in range(4):
        pass_gate(relationship, lead.manager, [lead.ser], comment="Internal call.")
    pass_gate(relationship, lead.manager, [lead.ser, partner.ser], comment="Joint call.")
    return relationship


def entries(world, position: str, relationship: Relationship) -> list[dict]:
    client = api_client_for(world.member(position, Role.VIEWER))
    url = f"/api/v1/orgs/{world.org(position).slug}/relationships/{relationship.pk}/decisions/"
    return client.get(f"{url}?page_size=200").json()["results"]


def verify(world, position: str, relationship: Relationship) -> dict:
    client = api_client_for(world.member(position, Role.VIEWER))
    url = f"/api/v1/orgs/{world.org(position).slug}/relationships/{relationship.pk}/decisions/"
    return client.get(f"{url}verify/").json()


def test_the_partner_reads_a_whole_joint_chain_numbered_from_one(world, decided):
    shown = entries(world, "partner", decided)
    assert {entry["chain"] for entry in shown} == {JOINT_CHAIN}
    # Gate requested, two approvals, passed: 1 to 4, nothing before them.
    assert sorted(entry["sequence"] for entry in shown) == [1, 2, 3, 4]
    first = min(shown, key=lambda entry: entry["sequence"])
    assert first["prev_hash"] == "0" * 64


def test_the_lead_reads_its_internal_chain_and_the_joint_one(world, decided):
    shown = entries(world, "own", decided)
    internal = f"internal:{world.own.pk}"
    by_chain = {}
    for entry in shown:
        by_chain.setdefault(entry["chain"], []).append(entry["sequence"])
    assert set(by_chain) == {internal, JOINT_CHAIN}
    assert sorted(by_chain[internal]) == list(range(1, 13))  # 4 gates x requested, approved, passed
    assert sorted(by_chain[JOINT_CHAIN]) == [1, 2, 3, 4]


def test_each_verifies_the_chains_it_reads_and_no_other(world, decided):
    assert verify(world, "partner", decided) == {
        "verified": True,
        "records": 4,
        "broken_at": None,
        "reason": "",
        "chains": [
            {"chain": "joint", "verified": True, "records": 4, "broken_at": None, "reason": ""}
        ],
    }
    lead = verify(world, "own", decided)
    assert (lead["verified"], lead["records"]) == (True, 16)
    assert [c["chain"] for c in lead["chains"]] == ["joint", f"internal:{world.own.pk}"]


def test_a_broken_internal_chain_tells_the_partner_nothing(world, decided):
    internal = DecisionRecord.objects.unscoped().filter(
        relationship=decided, chain=f"internal:{world.own.pk}", sequence=2
    )
    with triggers_disabled("lifecycle_decisionrecord") as cursor:
        cursor.execute(
            "UPDATE lifecycle_decisionrecord SET text = 'Rewritten.' WHERE id = %s",
            [internal.get().pk],
        )
    lead = verify(world, "own", decided)
    assert (lead["verified"], lead["broken_at"], lead["reason"]) == (
        False,
        2,
        "the entry was altered",
    )
    assert verify(world, "partner", decided)["verified"] is True
    assert not chain_verify(relationship_id=decided.pk).verified


def test_an_ecosystem_member_reads_the_joint_chain_and_its_own(db):
    orchestrator = OrganizationFactory(slug="port-authority")
    members = [OrganizationFactory(slug=f"member-{n}") for n in range(3)]
    relationship = make_relationship(
        lead=orchestrator, partners=tuple(members), type=RelationshipType.ECOSYSTEM
    )
    lead = side_of(orchestrator, relationship)
    sides = [side_of(member, relationship) for member in members]
    lead.manager_api.patch(lead.url(relationship, "framework/"), {"member_quorum": 2})
    put_at_stage(relationship, 5)
    settle(relationship, 5)
    gate = request_gate(lead, relationship).json()["id"]
    for side in (lead, *sides[:2]):
        assert approve(side, relationship, gate).status_code == 200

    client = sides[0].manager_api
    shown = client.get(sides[0].url(relationship, "decisions/")).json()["results"]
    by_chain = {}
    for entry in shown:
        by_chain.setdefault(entry["chain"], []).append(entry["sequence"])
    # The orchestrator's request, approval and outcome; its own approval; nothing of member 1.
    assert by_chain == {JOINT_CHAIN: [3, 2, 1], f"member:{members[0].pk}": [1]}
    chains = client.get(sides[0].url(relationship, "decisions/verify/")).json()["chains"]
    assert [c["chain"] for c in chains] == ["joint", f"member:{members[0].pk}"]
    everything = chain_verify(relationship_id=relationship.pk)
    assert everything.verified
    assert len(everything.chains) == 3  # joint, and the two members' who approved


def test_verify_decisions_checks_every_chain(world, decided, capsys):
    call_command("verify_decisions", "--relationship", str(decided.pk))
    out = capsys.readouterr().out
    assert f"relationship {decided.pk}: 16 entries, chains intact" in out
    assert f"joint 4, internal:{world.own.pk} 12" in out


def test_entries_appended_after_the_split_have_no_legacy_place(decided):
    assert not DecisionRecord.objects.unscoped().filter(legacy_sequence__isnull=False).exists()
    assert legacy_verify(relationship_id=decided.pk).verified


def test_an_outcome_names_whose_decision_settled_the_gate(world, decided):
    shown = entries(world, "own", decided)
    passed = [e for e in shown if e["kind"] == "gate_passed" and e["chain"] == JOINT_CHAIN]
    [joint_outcome] = passed
    partner_ser = world.member("partner", Role.EXECUTIVE)
    assert joint_outcome["actor"]["membership"] == partner_ser.pk  # the second, last approval
    assert joint_outcome["closes_relationship"] is False
