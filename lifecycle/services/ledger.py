"""Appending to and verifying the decision ledger: one hash chain per audience.

A relationship's ledger is several chains, one per audience, so that whoever may read a chain
reads all of it, with no gap in its numbering that counts what they may not see:

- ``joint``: the decisions every party sees (the gates of stages 5-8 of a bilateral
  relationship; the orchestrator's gate requests and outcomes of an ecosystem);
- ``internal:<organization id>``: one organization's own decisions about the relationship (the
  lead's gates of stages 1-4), seen by it alone;
- ``member:<organization id>``: an ecosystem member's decisions on joint gates (its SER's
  approvals), seen by it and the orchestrator, and by the other members only while the
  orchestrator keeps the member directory open.

An organization's decisions about no relationship (the issue of its corporate RMP) form its own
chain ``internal:<organization id>`` with no relationship (``organization_chain_verify``).

Each entry holds its chain's previous hash and a SHA-256 over its content (``chain`` included);
``sequence`` counts within the chain. Entries sealed before the split into chains keep their
place in the old, single chain in ``legacy_*`` (migration 0004), which ``legacy_verify`` checks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from lifecycle.models import GENESIS_HASH, DecisionRecord
from relationships.models import Membership, Organization, Relationship, Visibility

JOINT_CHAIN = "joint"

#: The content sealed by an entry's hash before the ledger had one chain per audience.
LEGACY_HASHED_FIELDS = (
    "relationship_id",
    "sequence",
    "kind",
    "gate_id",
    "gate_kind",
    "from_stage",
    "to_stage",
    "organization_id",
    "visibility",
    "actor_id",
    "actor_user_id",
    "text",
    "payload",
)
HASHED_FIELDS = (*LEGACY_HASHED_FIELDS, "chain", "legacy_hash")


def chain_of(*, relationship: Relationship | None, organization_id: int, visibility: str) -> str:
    """The audience an entry belongs to (see the module)."""
    if relationship is None or visibility == Visibility.INTERNAL:
        return f"internal:{organization_id}"
    if relationship.is_ecosystem and organization_id != relationship.lead_organization_id:
        return f"member:{organization_id}"
    return JOINT_CHAIN


def _digest(prev_hash: str, created_at: datetime, fields: dict, names: tuple[str, ...]) -> str:
    content = {name: fields.get(name) for name in names}
    content["created_at"] = created_at.isoformat(timespec="microseconds")
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def record_digest(*, prev_hash: str, created_at: datetime, **fields) -> str:
    """SHA-256 over the previous hash of the chain and a canonical JSON of the entry."""
    return _digest(prev_hash, created_at, fields, HASHED_FIELDS)


def legacy_record_digest(*, prev_hash: str, created_at: datetime, **fields) -> str:
    """The digest entries had in the single chain (``legacy_*`` values in ``fields``)."""
    return _digest(prev_hash, created_at, fields, LEGACY_HASHED_FIELDS)


def relationship_lock(relationship: Relationship) -> Relationship:
    """The relationship's row, locked: entries of one relationship are appended (and its stage
    moved) one at a time."""
    # unscoped(lock): the relationship, under the lock
    return Relationship.objects.unscoped().select_for_update().get(pk=relationship.pk)


def organization_lock(organization_id: int) -> Organization:
    """The organization's row, locked: the entries of its own chain (about no relationship)
    are appended one at a time."""
    # unscoped(lock): the organization, under the lock
    return Organization.objects.unscoped().select_for_update().get(pk=organization_id)


def record_append(
    *,
    relationship: Relationship | None,
    kind: str,
    organization_id: int,
    visibility: str,
    from_stage: int | None,
    to_stage: int | None,
    gate: DecisionRecord | None = None,
    gate_kind: str = "",
    actor: Membership | None = None,
    text: str = "",
    payload: dict | None = None,
) -> DecisionRecord:
    """Append one entry to the chain of its audience in ``relationship``'s ledger (or, with no
    relationship, to the organization's own chain).

    The caller holds the relationship's row lock (``select_for_update``; the organization's,
    ``organization_lock``, for its own chain), so entries are appended one at a time; the
    unique (relationship, chain, sequence) and (relationship, chain, prev_hash) constraints
    (NULLs not distinct) stop a fork even if a caller forgot.
    """
    chain = chain_of(
        relationship=relationship, organization_id=organization_id, visibility=visibility
    )
    last = (
        DecisionRecord.objects.unscoped()  # unscoped(by-id): the chain's last entry
        .filter(relationship=relationship, chain=chain)
        .order_by("-sequence")
        .values("sequence", "hash")
        .first()
    )
    fields = {
        "relationship_id": relationship.pk if relationship else None,
        "chain": chain,
        "sequence": (last["sequence"] + 1) if last else 1,
        "kind": kind,
        "gate_id": gate.pk if gate else None,
        "gate_kind": gate_kind,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "organization_id": organization_id,
        "visibility": visibility,
        "actor_id": actor.pk if actor else None,
        "actor_user_id": actor.user_id if actor else None,
        "text": text,
        "payload": payload or {},
        "legacy_hash": None,
    }
    prev_hash = last["hash"] if last else GENESIS_HASH
    created_at = timezone.now()  # microseconds, as PostgreSQL stores them: the digest recomputes
    digest = record_digest(prev_hash=prev_hash, created_at=created_at, **fields)
    # unscoped(create): appended to a chain of the relationship, or of the organization
    return DecisionRecord.objects.unscoped().create(
        **fields, created_at=created_at, prev_hash=prev_hash, hash=digest
    )


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainResult:
    """One chain of one relationship's ledger, recomputed."""

    chain: str
    verified: bool
    records: int
    broken_at: int | None = None  # sequence, in the chain, of the first entry that fails
    reason: str = ""


@dataclass(frozen=True)
class ChainVerification:
    """Every chain asked for of one relationship's ledger."""

    relationship_id: int
    chains: list[ChainResult] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return all(result.verified for result in self.chains)

    @property
    def records(self) -> int:
        return sum(result.records for result in self.chains)

    @property
    def first_break(self) -> ChainResult | None:
        return next((result for result in self.chains if not result.verified), None)

    @property
    def broken_at(self) -> int | None:
        broken = self.first_break
        return None if broken is None else broken.broken_at

    @property
    def reason(self) -> str:
        broken = self.first_break
        return "" if broken is None else broken.reason


def _verify_rows(chain: str, rows) -> ChainResult:
    expected_prev, count = GENESIS_HASH, 0
    for count, row in enumerate(rows, start=1):
        if row["sequence"] != count:
            return ChainResult(chain, False, count, row["sequence"], "an entry is missing")
        if row["prev_hash"] != expected_prev:
            return ChainResult(
                chain, False, count, row["sequence"], "the link to the previous entry is broken"
            )
        fields = {name: row[name] for name in HASHED_FIELDS}
        if (
            record_digest(prev_hash=row["prev_hash"], created_at=row["created_at"], **fields)
            != row["hash"]
        ):
            return ChainResult(chain, False, count, row["sequence"], "the entry was altered")
        expected_prev = row["hash"]
    return ChainResult(chain, True, count)


def chain_names(*, relationship_id: int) -> list[str]:
    """Every chain of the relationship's ledger, joint first."""
    names = (
        DecisionRecord.objects.unscoped()  # unscoped(by-id): the relationship's chains
        .filter(relationship_id=relationship_id)
        .order_by()
        .values_list("chain", flat=True)
        .distinct()
    )
    return sorted(set(names), key=lambda name: (name != JOINT_CHAIN, name))


def chain_verify(*, relationship_id: int, chains: list[str] | None = None) -> ChainVerification:
    """Recompute every hash of the given chains (default: all) of a relationship, in order.

    Reads the chains whole, whatever the caller may see: the callers decide which chains to ask
    for (``decisions/verify/`` asks for those the acting organization reads in full).
    """
    results = []
    for chain in chains if chains is not None else chain_names(relationship_id=relationship_id):
        rows = (
            DecisionRecord.objects.unscoped()  # unscoped(by-id): the chain, whole, to verify it
            .filter(relationship_id=relationship_id, chain=chain)
            .order_by("sequence")
            .values("created_at", "prev_hash", "hash", *HASHED_FIELDS)
            .iterator(chunk_size=500)
        )
        results.append(_verify_rows(chain, rows))
    return ChainVerification(relationship_id, results)


def organization_chain_verify(*, organization_id: int) -> ChainResult:
    """Recompute the organization's own chain: its decisions about no relationship."""
    chain = f"internal:{organization_id}"
    rows = (
        DecisionRecord.objects.unscoped()  # unscoped(by-id): the organization's chain, whole
        .filter(relationship__isnull=True, chain=chain)
        .order_by("sequence")
        .values("created_at", "prev_hash", "hash", *HASHED_FIELDS)
        .iterator(chunk_size=500)
    )
    return _verify_rows(chain, rows)


def legacy_verify(*, relationship_id: int) -> ChainResult:
    """Recompute the single chain the entries sealed before the split formed, with the values
    they had in it. Intact when there were no such entries."""
    rows = (
        DecisionRecord.objects.unscoped()  # unscoped(by-id): the relationship's sealed entries
        .filter(relationship_id=relationship_id, legacy_sequence__isnull=False)
        .order_by("legacy_sequence")
        .values("created_at", "legacy_sequence", "legacy_prev_hash", "legacy_hash", *HASHED_FIELDS)
        .iterator(chunk_size=500)
    )
    expected_prev, count = GENESIS_HASH, 0
    for count, row in enumerate(rows, start=1):
        sequence = row["legacy_sequence"]
        if sequence != count:
            return ChainResult("legacy", False, count, sequence, "an entry is missing")
        if row["legacy_prev_hash"] != expected_prev:
            return ChainResult(
                "legacy", False, count, sequence, "the link to the previous entry is broken"
            )
        fields = {name: row[name] for name in LEGACY_HASHED_FIELDS}
        fields["sequence"] = sequence
        digest = legacy_record_digest(
            prev_hash=row["legacy_prev_hash"], created_at=row["created_at"], **fields
        )
        if digest != row["legacy_hash"]:
            return ChainResult("legacy", False, count, sequence, "the entry was altered")
        expected_prev = row["legacy_hash"]
    return ChainResult("legacy", True, count)
