"""What a pending gate rests on: evidence and requirement statuses; and the ledger's guards."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from lifecycle.models import Requirement
from relationships.models import Relationship
from tests.factories import OrganizationFactory, make_relationship
from tests.lifecycle.helpers import approve, request_gate, settle_stage, side_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(world):
    lead_org, partner_org = OrganizationFactory(), OrganizationFactory()
    relationship = make_relationship(lead=lead_org, partners=(partner_org,))
    lead, partner = side_of(lead_org, relationship), side_of(partner_org, relationship)
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(current_stage=5)
    settle_stage(lead, relationship, 5)
    gate = request_gate(lead, relationship).json()
    return relationship, lead, partner, gate


def test_a_requirement_reopened_after_the_request_makes_the_gate_stale(pending):
    relationship, lead, partner, gate = pending
    assert approve(lead, relationship, gate["id"]).status_code == 200
    requirement = Requirement.objects.unscoped().filter(relationship=relationship, stage=5).first()
    reopened = lead.manager_api.patch(
        lead.url(relationship, f"requirements/{requirement.pk}/"),
        {"status": "in_progress"},
        format="json",
    )
    assert reopened.status_code == 200
    refused = approve(partner, relationship, gate["id"])
    assert (refused.status_code, refused.json()["code"]) == (409, "gate_stale")
    assert Relationship.objects.unscoped().get(pk=relationship.pk).current_stage == 5


def test_the_quorum_cannot_exceed_the_active_members(world):
    hub = OrganizationFactory()
    members = [OrganizationFactory() for _ in range(2)]
    ecosystem = make_relationship(lead=hub, partners=tuple(members), type="ecosystem")
    orchestrator = side_of(hub, ecosystem)
    too_many = orchestrator.manager_api.patch(
        orchestrator.url(ecosystem, "framework/"), {"member_quorum": 3}, format="json"
    )
    assert too_many.status_code == 400
    assert "member_quorum" in too_many.json()["fields"]
    fine = orchestrator.manager_api.patch(
        orchestrator.url(ecosystem, "framework/"), {"member_quorum": 2}, format="json"
    )
    assert fine.status_code == 200


@pytest.mark.parametrize("table", ["lifecycle_decisionrecord", "lifecycle_gateapprover"])
def test_the_ledger_cannot_be_truncated(pending, table):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush the test's deferred FK checks
    with (
        pytest.raises(ProgrammingError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {table} CASCADE")
