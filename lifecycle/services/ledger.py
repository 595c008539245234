"""Appending to and verifying the decision ledger (the hash chain of each relationship)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from lifecycle.models import GENESIS_HASH, DecisionRecord
from relationships.models import Membership, Relationship

HASHED_FIELDS = (
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


def record_digest(*, prev_hash: str, created_at: datetime, **fields) -> str:
    """SHA-256 over the previous hash and a canonical JSON of the record's content."""
    content = {name: fields.get(name) for name in HASHED_FIELDS}
    content["created_at"] = created_at.isoformat(timespec="microseconds")
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def record_append(
    *,
    relationship: Relationship,
    kind: str,
    organization_id: int,
    visibility: str,
    from_stage: int,
    to_stage: int,
    gate: DecisionRecord | None = None,
    gate_kind: str = "",
    actor: Membership | None = None,
    text: str = "",
    payload: dict | None = None,
) -> DecisionRecord:
    """Append one entry to ``relationship``'s ledger.

    The caller holds the relationship's row lock (``select_for_update``), so entries of one
    relationship are appended one at a time; the unique (relationship, sequence) and
    (relationship, prev_hash) constraints stop a fork even if a caller forgot.
    """
    last = (
        DecisionRecord.objects.unscoped()
        .filter(relationship=relationship)
        .order_by("-sequence")
        .values("sequence", "hash")
        .first()
    )
    fields = {
        "relationship_id": relationship.pk,
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
    }
    prev_hash = last["hash"] if last else GENESIS_HASH
    created_at = timezone.now()  # microseconds, as PostgreSQL stores them: the digest recomputes
    digest = record_digest(prev_hash=prev_hash, created_at=created_at, **fields)
    return DecisionRecord.objects.unscoped().create(
        **fields, created_at=created_at, prev_hash=prev_hash, hash=digest
    )


@dataclass(frozen=True)
class ChainVerification:
    relationship_id: int
    verified: bool
    records: int
    broken_at: int | None = None  # sequence of the first entry that does not verify
    reason: str = ""


def chain_verify(*, relationship_id: int) -> ChainVerification:
    """Recompute every hash of a relationship's ledger, in order; report the first break.

    Reads the whole chain whatever the caller may see: the answer is one boolean about the
    record's integrity, and it has to cover the internal entries too.
    """
    records = (
        DecisionRecord.objects.unscoped()
        .filter(relationship_id=relationship_id)
        .order_by("sequence")
        .values("created_at", "prev_hash", "hash", *HASHED_FIELDS)
        .iterator(chunk_size=500)
    )
    expected_prev = GENESIS_HASH
    count = 0
    for count, row in enumerate(records, start=1):
        if row["sequence"] != count:
            return ChainVerification(
                relationship_id, False, count, row["sequence"], "an entry is missing"
            )
        if row["prev_hash"] != expected_prev:
            return ChainVerification(
                relationship_id,
                False,
                count,
                row["sequence"],
                "the link to the previous entry is broken",
            )
        fields = {name: row[name] for name in HASHED_FIELDS}
        digest = record_digest(prev_hash=row["prev_hash"], created_at=row["created_at"], **fields)
        if digest != row["hash"]:
            return ChainVerification(
                relationship_id, False, count, row["sequence"], "the entry was altered"
            )
        expected_prev = row["hash"]
    return ChainVerification(relationship_id, True, count)
