"""A SER's decision in the browser: confirmed before it is recorded, a rejection's reason shown
to the requester, and "what changed since the last gate" read the same by every SER."""

from __future__ import annotations

import re

import pytest

from lifecycle.models import DecisionRecord, RecordKind
from relationships.models import Visibility
from tests.factories import make_relationship
from tests.lifecycle.builders import add_evidence, pass_gate, requirements_of, settle
from tests.lifecycle.builders import name_ser as name_party_ser
from tests.lifecycle.builders import request as request_as
from tests.lifecycle.helpers import side_of
from tests.lifecycle.pages import (
    HTMX,
    approvals_url,
    at_stage,
    client_for,
    decide,
    decide_url,
    detail_url,
    fresh,
    note,
    request_gate,
    requirements,
)
from tests.lifecycle.pages import settle as settle_for

pytestmark = pytest.mark.django_db


def decisions(gate) -> int:
    return (
        DecisionRecord.objects.unscoped()
        .filter(gate=gate, kind__in=(RecordKind.APPROVED, RecordKind.REJECTED))
        .count()
    )


@pytest.fixture
def gate(world, lead):
    settle_for(world.relationship, world.own, 1)
    return request_gate(world.relationship, lead)


def test_the_ser_lands_on_the_decision_form_with_the_evidence_below_it(world, lead, gate):
    page = client_for(lead.ser).get(detail_url(world.own, world.relationship)).text
    form = page.index("Your decision")
    assert form < page.index("Evidence the gate rests on") < page.index("Who decides")
    # The approvals page links straight to that panel.
    inbox = client_for(lead.ser).get(approvals_url(world.own)).text
    assert f"/relationships/{world.relationship.pk}/#gate-panel" in inbox


def test_a_decision_is_shown_back_and_recorded_only_once_confirmed(world, lead, gate):
    ser = client_for(lead.ser)
    url = decide_url(world.own, world.relationship, gate)
    data = {"decision-decision": "reject", "decision-comment": "The budget is not signed."}

    asked = ser.post(url, data, headers=HTMX)
    assert "<html" not in asked.text
    assert "Reject this gate?" in asked.text
    assert "You reject moving from stage 1 to stage 2: the stage stays open." in asked.text
    assert "The budget is not signed." in asked.text
    assert "Confirm rejection" in asked.text
    assert decisions(gate) == 0

    # Changing one's mind brings the form back with the comment as typed.
    changed = ser.post(url, {**data, "decision-confirmed": "1", "decision-change": "1"})
    assert "Your decision" in changed.text
    assert "Reject this gate?" not in changed.text
    assert re.search(r"<textarea[^>]*>\s*The budget is not signed.</textarea>", changed.text)
    assert decisions(gate) == 0

    approved = decide(ser, world.own, world.relationship, gate, "approve", "Fine after all.")
    assert approved.status_code == 302
    assert decisions(gate) == 1
    assert fresh(world.relationship).current_stage == 2


def test_a_decision_refused_at_the_check_is_never_asked_to_be_confirmed(world, lead, gate):
    ser = client_for(lead.ser)
    url = decide_url(world.own, world.relationship, gate)
    refused = ser.post(url, {"decision-decision": "reject", "decision-comment": ""})
    assert "Say why you reject the gate." in refused.text
    assert "Reject this gate?" not in refused.text
    # The manager, who is no SER here, is refused before anything is asked.
    manager = client_for(lead.manager)
    denied = manager.post(url, {"decision-decision": "approve", "decision-confirmed": "1"})
    assert denied.status_code == 403
    assert decisions(gate) == 0


def test_a_confirmation_of_a_gate_that_went_stale_meanwhile_is_refused(world, lead, gate):
    ser = client_for(lead.ser)
    url = decide_url(world.own, world.relationship, gate)
    data = {"decision-decision": "approve", "decision-comment": "Good."}
    assert "Approve this gate?" in ser.post(url, data).text
    note(requirements(world.relationship, world.own, 1)[0], lead.manager, "A late change")
    refused = ser.post(url, {**data, "decision-confirmed": "1"})
    assert "The evidence changed after the gate was requested" in refused.text
    assert decisions(gate) == 0
    assert fresh(world.relationship).current_stage == 1


def test_the_requester_reads_why_the_gate_was_rejected(world, lead, gate):
    decide(
        client_for(lead.ser),
        world.own,
        world.relationship,
        gate,
        "reject",
        "The SER's duties are not written down.",
    )
    page = client_for(lead.manager).get(detail_url(world.own, world.relationship)).text
    assert "The gate you requested was rejected" in page
    assert "The SER&#x27;s duties are not written down." in page
    assert str(lead.ser.user) in page
    assert "Request stage gate" in page

    # Another member of the organization reads it too, not as the requester.
    other = client_for(world.member("own", "contributor"))
    assert "The last gate was rejected" in other.get(detail_url(world.own, world.relationship)).text

    # Once the gate is requested again, the panel is about the new one.
    request_gate(world.relationship, lead)
    page = client_for(lead.manager).get(detail_url(world.own, world.relationship)).text
    assert "was rejected" not in page
    assert "Waiting for decisions" in page


def test_what_changed_since_the_last_gate_reads_the_same_for_every_ser(world):
    lead = side_of(world.own)
    partner = side_of(world.partner)
    relationship = make_relationship(lead=world.own, partners=(world.partner,), name="Parity")
    name_party_ser(relationship, lead.ser)
    name_party_ser(relationship, partner.ser)
    relationship = at_stage(relationship, 4)
    joint_5 = requirements_of(relationship, world.own, stage=5, visibility=Visibility.JOINT)
    # Done before the stage-4 gate, internal to the lead and decided by its SER alone: no
    # change since the last gate for anyone.
    add_evidence(joint_5[0], lead.manager, title="Early governance draft")
    pass_gate(relationship, lead.manager, [lead.ser])
    assert fresh(relationship).current_stage == 5
    # Since then, each side added to the joint work.
    add_evidence(joint_5[1], lead.manager, title="Knowledge protocol")
    add_evidence(joint_5[2], partner.manager, title="Contoso risk review")
    settle(relationship, 5)
    gate = request_as(relationship, lead.manager)

    rows = {}
    for side in (lead, partner):
        response = side.ser_api.get(f"/api/v1/orgs/{side.organization.slug}/approvals/")
        [rows[side.organization.pk]] = response.json()
    lead_row, partner_row = rows[world.own.pk], rows[world.partner.pk]
    assert lead_row["gate"] == partner_row["gate"] == gate.pk
    assert lead_row["changes_since"] == partner_row["changes_since"]
    assert lead_row["changed_counts"] == partner_row["changed_counts"]
    titles = sorted(e["title"] for e in lead_row["changed_evidence"])
    assert "Early governance draft" not in titles
    assert {"Knowledge protocol", "Contoso risk review"} <= set(titles)
    assert sorted(e["title"] for e in partner_row["changed_evidence"]) == titles
    assert lead_row["changed_counts"]["private"] == 0

    # The approvals pages and the gate panels say the same.
    def changed_cell(side) -> str:
        page = client_for(side.ser).get(approvals_url(side.organization)).text
        return re.search(r'<td data-label="Changed">(.*?)</td>', page, re.S).group(1)

    def resting(side) -> str:
        page = client_for(side.ser).get(detail_url(side.organization, relationship)).text
        return re.search(r"Evidence the gate rests on \(([^)]*)\)", page).group(1)

    assert changed_cell(lead) == changed_cell(partner)
    assert f"{len(titles)} items of evidence" in changed_cell(lead)
    assert resting(lead) == resting(partner)
