"""Migration 0004 splits each relationship's single chain into one chain per audience, and
keeps the old chain verifiable: it refuses a ledger that does not verify as it stands, and
every re-sealed entry keeps its old place and hash (``legacy_*``), which ``legacy_verify``
recomputes.

The ledger is rolled back to its one-chain schema (migration 0003), filled the way the
application wrote it then, and migrated forward again.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from datetime import timedelta

import pgtrigger
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from lifecycle.services.ledger import JOINT_CHAIN, chain_verify, legacy_verify
from relationships.models import Relationship
from tests.factories import OrganizationFactory, make_relationship

pytestmark = [pytest.mark.django_db(transaction=True)]

BEFORE = [("lifecycle", "0003_ledger_no_truncate")]
AFTER = [("lifecycle", "0004_ledger_chain_per_audience")]
migration = importlib.import_module("lifecycle.migrations.0004_ledger_chain_per_audience")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    """Every app at its newest migration, as the rest of the suite expects the schema."""
    graph = MigrationExecutor(connection).loader.graph
    return graph.leaf_nodes()


@pytest.fixture
def scene():
    """A partnership, made on today's schema; then the ledger goes back to one chain."""
    lead, partner = OrganizationFactory(), OrganizationFactory()
    relationship = make_relationship(lead=lead, partners=(partner,))
    apps = migrate(BEFORE)
    try:
        yield apps, relationship, lead, partner
    finally:
        with pgtrigger.ignore("lifecycle.DecisionRecord:append_only"):
            connection.cursor().execute("DELETE FROM lifecycle_decisionrecord")
        migrate(latest())


def old_entry(DecisionRecord, relationship, sequence, prev, *, organization, visibility, kind):
    """An entry as the application sealed it in the single chain of its relationship."""
    fields = {
        "relationship_id": relationship.pk,
        "sequence": sequence,
        "kind": kind,
        "gate_id": None,
        "gate_kind": "advance",
        "from_stage": 1,
        "to_stage": 2,
        "organization_id": organization.pk,
        "visibility": visibility,
        "actor_id": None,
        "actor_user_id": None,
        "text": f"entry {sequence}",
        "payload": {},
    }
    created_at = timezone.now() + timedelta(microseconds=sequence)
    content = {**fields, "created_at": created_at.isoformat(timespec="microseconds")}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
    DecisionRecord.objects.create(**fields, created_at=created_at, prev_hash=prev, hash=digest)
    return digest


def fill(apps, relationship: Relationship, lead, partner, *, break_at: int | None = None):
    DecisionRecord = apps.get_model("lifecycle", "DecisionRecord")
    layout = [(lead, "internal")] * 6 + [(lead, "joint"), (partner, "joint"), (lead, "joint")]
    prev = "0" * 64
    for sequence, (organization, visibility) in enumerate(layout, start=1):
        prev = old_entry(
            DecisionRecord,
            relationship,
            sequence,
            prev,
            organization=organization,
            visibility=visibility,
            kind="gate_requested",
        )
    if break_at is not None:
        with pgtrigger.ignore("lifecycle.DecisionRecord:append_only"):
            DecisionRecord.objects.filter(sequence=break_at).update(text="Rewritten.")
    return layout


def test_the_migration_splits_the_chain_and_keeps_the_old_one_verifiable(scene):
    apps, relationship, lead, partner = scene
    fill(apps, relationship, lead, partner)
    migrate(AFTER)

    from lifecycle.models import DecisionRecord

    rows = list(
        DecisionRecord.objects.unscoped()
        .filter(relationship=relationship)
        .order_by("legacy_sequence")
        .values("chain", "sequence", "legacy_sequence")
    )
    internal = f"internal:{lead.pk}"
    assert [(r["chain"], r["sequence"]) for r in rows] == [
        *((internal, n) for n in range(1, 7)),
        (JOINT_CHAIN, 1),
        (JOINT_CHAIN, 2),
        (JOINT_CHAIN, 3),
    ]
    result = chain_verify(relationship_id=relationship.pk)
    assert result.verified
    assert {c.chain: c.records for c in result.chains} == {JOINT_CHAIN: 3, internal: 6}
    legacy = legacy_verify(relationship_id=relationship.pk)
    assert (legacy.verified, legacy.records) == (True, 9)


def test_the_migration_refuses_a_ledger_that_does_not_verify(scene):
    apps, relationship, lead, partner = scene
    fill(apps, relationship, lead, partner, break_at=4)
    with pytest.raises(RuntimeError, match=f"relationship {relationship.pk} does not verify"):
        migration.split_chains(apps, None)
