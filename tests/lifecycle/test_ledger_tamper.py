"""The decision ledger cannot be rewritten, and an edit made behind the application's back shows.

PostgreSQL triggers refuse UPDATE and DELETE on the ledger and on the approvers of a gate, so the
application (ORM or raw SQL) cannot change a recorded decision. Someone with enough rights can
still switch the triggers off; the hash chain is what catches that: ``chain_verify``, the
``verify_decisions`` command and ``decisions/verify/`` all point at the first entry that no
longer verifies.
"""

from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from lifecycle.models import DecisionRecord, GateApprover, RecordKind
from lifecycle.services.gates import gate_decide, gate_request
from lifecycle.services.ledger import chain_verify
from relationships.models import Relationship, Role
from relationships.services.relationships import party_set_ser
from tests.conftest import api_client_for
from tests.factories import active_party
from tests.lifecycle.staging import ledger, settle

pytestmark = pytest.mark.django_db

TABLES = ("lifecycle_decisionrecord", "lifecycle_gateapprover")
REFUSED = "Cannot update or delete rows"


@pytest.fixture
def decided(world) -> Relationship:
    """The world's relationship after two passed internal gates: six ledger entries."""
    relationship = world.relationship
    ser = world.member("own", Role.EXECUTIVE)
    party_set_ser(party=active_party(relationship, world.own), organization=world.own, ser=ser)
    settle(relationship, 1, 2)
    for stage in (1, 2):
        gate = gate_request(
            relationship=Relationship.objects.unscoped().get(pk=relationship.pk),
            requested_by=world.member("own", Role.RELATIONSHIP_MANAGER),
        )
        gate_decide(gate=gate, approver=ser, approve=True, comment=f"Stage {stage} is done.")
    assert ledger(relationship).count() == 6
    assert chain_verify(relationship_id=relationship.pk).verified
    return relationship


@contextmanager
def triggers_disabled(table: str):
    """Behind the application's back: what a database superuser could do."""
    with connection.cursor() as cursor:
        # The test's transaction still holds deferred foreign-key checks; ALTER TABLE waits for
        # none, so run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        try:
            yield cursor
        finally:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def approval_of_stage(relationship: Relationship, stage: int) -> DecisionRecord:
    return ledger(relationship).get(kind=RecordKind.APPROVED, from_stage=stage)


def run_verify_decisions() -> tuple[CommandError | None, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_decisions", stdout=out, stderr=err)
    except CommandError as error:
        return error, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def verify_through_the_api(world, relationship: Relationship, position: str = "partner") -> dict:
    """Asked by a viewer: the verdict covers the chains they read, and only those."""
    viewer = world.member(position, Role.VIEWER)
    response = api_client_for(viewer).get(
        f"/api/v1/orgs/{world.org(position).slug}/relationships/{relationship.pk}/decisions/verify/"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET relationship_id = relationship_id WHERE relationship_id = %s",
        "DELETE FROM {table} WHERE relationship_id = %s",
    ],
    ids=["update", "delete"],
)
def test_a_trigger_refuses_update_and_delete(decided, table, statement):
    before = list(ledger(decided).values_list("id", "hash"))
    approvers = GateApprover.objects.unscoped().filter(relationship=decided).count()
    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table), [decided.pk])
    assert list(ledger(decided).values_list("id", "hash")) == before
    assert GateApprover.objects.unscoped().filter(relationship=decided).count() == approvers


def test_the_orm_cannot_rewrite_or_delete_a_decision_either(decided):
    approval = approval_of_stage(decided, 1)
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        ledger(decided).filter(pk=approval.pk).update(text="Never agreed.")
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        approval.delete()
    approval.refresh_from_db(from_queryset=ledger(decided))
    assert approval.text == "Stage 1 is done."


def test_an_intact_ledger_verifies_everywhere(decided, world):
    error, out, _ = run_verify_decisions()
    assert error is None
    assert f"relationship {decided.pk}: 6 entries, chains intact" in out
    internal = f"internal:{world.own.pk}"
    assert verify_through_the_api(world, decided, "own") == {
        "verified": True,
        "records": 6,
        "broken_at": None,
        "reason": "",
        "chains": [
            {"chain": internal, "verified": True, "records": 6, "broken_at": None, "reason": ""}
        ],
    }
    # The lead's internal chain is no part of the partner's answer, not even by number.
    assert verify_through_the_api(world, decided) == {
        "verified": True,
        "records": 0,
        "broken_at": None,
        "reason": "",
        "chains": [],
    }


def test_an_approval_edited_behind_the_applications_back_is_caught(decided, world):
    approval = approval_of_stage(decided, 1)
    with triggers_disabled("lifecycle_decisionrecord") as cursor:
        cursor.execute(
            "UPDATE lifecycle_decisionrecord SET text = %s WHERE id = %s",
            ["Approved only on condition of a new budget.", approval.pk],
        )
    # The trigger is back: the application still cannot edit.
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        ledger(decided).filter(pk=approval.pk).update(text="Put back.")

    result = chain_verify(relationship_id=decided.pk)
    assert (result.verified, result.broken_at, result.reason) == (
        False,
        approval.sequence,
        "the entry was altered",
    )

    error, _, err = run_verify_decisions()
    assert isinstance(error, CommandError)
    assert (
        f"relationship {decided.pk}: BROKEN in chain internal:{world.own.pk} "
        f"at entry {approval.sequence}" in err
    )

    shown = verify_through_the_api(world, decided, "own")
    assert (shown["verified"], shown["broken_at"]) == (False, approval.sequence)
    # A chain the partner does not read tells it nothing, broken or not.
    shown = verify_through_the_api(world, decided)
    assert (shown["verified"], shown["broken_at"], shown["chains"]) == (True, None, [])


def test_a_changed_payload_is_caught_too(decided):
    gate = ledger(decided).get(kind=RecordKind.GATE_REQUESTED, from_stage=2)
    with triggers_disabled("lifecycle_decisionrecord") as cursor:
        cursor.execute(
            "UPDATE lifecycle_decisionrecord SET payload = payload || '{\"quorum\": 1}' "
            "WHERE id = %s",
            [gate.pk],
        )
    result = chain_verify(relationship_id=decided.pk)
    assert (result.verified, result.broken_at) == (False, gate.sequence)


def test_a_deleted_entry_in_the_middle_is_caught(decided, world):
    approval = approval_of_stage(decided, 1)
    with triggers_disabled("lifecycle_decisionrecord") as cursor:
        cursor.execute("DELETE FROM lifecycle_decisionrecord WHERE id = %s", [approval.pk])
    assert ledger(decided).count() == 5

    result = chain_verify(relationship_id=decided.pk)
    # The entry after the gap is the first that no longer sits where the chain says.
    assert (result.verified, result.broken_at, result.reason) == (
        False,
        approval.sequence + 1,
        "an entry is missing",
    )

    error, _, err = run_verify_decisions()
    assert isinstance(error, CommandError)
    assert "BROKEN" in err

    shown = verify_through_the_api(world, decided, "own")
    assert (shown["verified"], shown["broken_at"]) == (False, approval.sequence + 1)
    assert verify_through_the_api(world, decided)["verified"] is True  # not its chain
