"""Two SERs approving at the same instant end with exactly one stage advance.

Real concurrency needs real transactions: each thread has its own database connection and
commits, so these tests run with ``transactional_db``. A barrier releases the threads together;
``gate_decide`` locks the relationship row first, so whichever comes second sees the first one's
approval and the stage moves once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections, transaction

import lifecycle.tasks
from cbrms.errors import Conflict
from lifecycle.models import DecisionRecord, GateKind, RecordKind, RelationshipFramework
from lifecycle.services.framework import framework_upgrade
from lifecycle.services.gates import gate_decide, gate_request
from lifecycle.services.ledger import chain_verify
from relationships.models import Membership, Role
from relationships.services.relationships import party_set_ser
from tests.factories import MembershipFactory, OrganizationFactory, active_party, make_relationship
from tests.lifecycle.staging import fresh, ledger, put_at_stage, settle
from tests.lifecycle.test_framework_upgrade import V1, load_v2

pytestmark = pytest.mark.django_db(transaction=True)

# (kind, from stage, to stage): consecutive joint gates, each decided by both SERs at once.
ROUNDS = [
    (GateKind.ADVANCE, 5, 6),
    (GateKind.ADVANCE, 6, 7),
    (GateKind.ADVANCE, 7, 8),
    (GateKind.SEND_BACK, 8, 7),
    (GateKind.ADVANCE, 7, 8),
]


class RecordedTask:
    """Stands in for a Celery task: the tests count notifications instead of queueing them."""

    def __init__(self):
        self.calls: list[dict] = []

    def delay(self, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture
def decided_notifications(monkeypatch) -> RecordedTask:
    monkeypatch.setattr(lifecycle.tasks, "notify_gate_requested", RecordedTask())
    recorded = RecordedTask()
    monkeypatch.setattr(lifecycle.tasks, "notify_gate_decided", recorded)
    return recorded


@pytest.fixture
def bilateral():
    lead_org, partner_org = OrganizationFactory(), OrganizationFactory()
    relationship = make_relationship(lead=lead_org, partners=(partner_org,))
    sers = []
    for organization in (lead_org, partner_org):
        ser = MembershipFactory(organization=organization, role=Role.EXECUTIVE)
        party_set_ser(
            party=active_party(relationship, organization), organization=organization, ser=ser
        )
        sers.append(ser)
    manager = MembershipFactory(organization=lead_org, role=Role.RELATIONSHIP_MANAGER)
    settle(relationship, 5, 6, 7, 8)
    return put_at_stage(relationship, 5), manager, sers


def at_the_same_instant(calls: list[Callable[[], object]]) -> tuple[list, list[Exception]]:
    """Run ``calls`` in threads released together; return their results and exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait(timeout=10)
            result = call()
            with lock:
                results.append(result)
        except Exception as error:  # every exception is part of the verdict
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a decision never finished"
    return results, errors


def decision(gate_id: int, approver: Membership) -> Callable[[], DecisionRecord]:
    def decide():
        gate = DecisionRecord.objects.unscoped().get(pk=gate_id)
        return gate_decide(gate=gate, approver=approver, approve=True, comment="Agreed.")

    return decide


def test_two_sers_approving_at_once_move_the_stage_exactly_once(bilateral, decided_notifications):
    relationship, manager, sers = bilateral
    for kind, from_stage, to_stage in ROUNDS:
        assert fresh(relationship).current_stage == from_stage
        gate = gate_request(
            relationship=relationship, requested_by=manager, kind=kind, reason="Round of the test."
        )
        decided_before = len(decided_notifications.calls)

        results, errors = at_the_same_instant([decision(gate.pk, ser) for ser in sers])

        assert errors == []
        assert sorted(entry.kind for entry in results) == [RecordKind.APPROVED] * 2
        assert fresh(relationship).current_stage == to_stage
        entries = ledger(relationship).filter(gate=gate)
        assert entries.filter(kind=RecordKind.GATE_PASSED).count() == 1
        assert entries.filter(kind=RecordKind.APPROVED).count() == 2
        assert len(decided_notifications.calls) == decided_before + 1

    assert ledger(relationship).filter(kind=RecordKind.GATE_PASSED).count() == len(ROUNDS)
    chain = chain_verify(relationship_id=relationship.pk)
    assert chain.verified, chain
    assert chain.records == ledger(relationship).count() == 4 * len(ROUNDS)


def test_the_same_ser_approving_twice_at_once_is_recorded_once(bilateral, decided_notifications):
    relationship, manager, sers = bilateral
    gate = gate_request(relationship=relationship, requested_by=manager)

    results, errors = at_the_same_instant([decision(gate.pk, sers[0]) for _ in range(2)])

    assert [entry.kind for entry in results] == [RecordKind.APPROVED]
    assert [getattr(error, "code", repr(error)) for error in errors] == ["already_decided"]
    assert isinstance(errors[0], Conflict)
    assert ledger(relationship).filter(gate=gate, kind=RecordKind.APPROVED).count() == 1
    assert fresh(relationship).current_stage == 5  # still waiting for the other SER
    assert decided_notifications.calls == []
    assert chain_verify(relationship_id=relationship.pk).verified


def test_an_upgrade_racing_a_gate_request_waits_for_it_and_is_refused(
    bilateral, decided_notifications, tmp_path
):
    """The gate request holds the relationship's lock until it commits; an upgrade started
    meanwhile must wait for it and then see the pending gate, not swap the catalog under it."""
    relationship, manager, _ = bilateral
    load_v2(tmp_path)
    framework = RelationshipFramework.objects.unscoped().get(relationship=relationship)
    requested, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def request_and_hold():
        try:
            with transaction.atomic():
                outcome["gate"] = gate_request(relationship=relationship, requested_by=manager)
                requested.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    def upgrade():
        try:
            outcome["upgrade"] = framework_upgrade(
                framework=framework, organization=relationship.lead_organization
            )
        except Exception as error:  # the verdict
            outcome["upgrade"] = error
        finally:
            connections.close_all()

    requester = threading.Thread(target=request_and_hold)
    requester.start()
    assert requested.wait(timeout=10)
    upgrader = threading.Thread(target=upgrade)
    upgrader.start()
    upgrader.join(timeout=1)
    still_waiting = upgrader.is_alive()
    release.set()
    requester.join(timeout=10)
    upgrader.join(timeout=10)

    assert still_waiting, "the upgrade did not wait for the gate request to commit"
    refused = outcome["upgrade"]
    assert (type(refused), getattr(refused, "code", None)) == (Conflict, "gate_pending")
    framework.refresh_from_db(from_queryset=RelationshipFramework.objects.unscoped())
    assert framework.catalog.version == V1
