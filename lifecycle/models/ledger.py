"""The decision ledger: stage gates, approvals and their outcomes, append-only and hash-chained.

A relationship's ledger is one chain per audience (``lifecycle.services.ledger``): every entry
holds the hash of the previous entry of its chain, and its own hash over its content and that
previous hash. A trigger refuses UPDATE and DELETE, so the application cannot rewrite the
record; ``manage.py verify_decisions`` detects any edit made behind its back.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Cast, Concat

from cbrms.tenancy.managers import ScopedManager
from lifecycle.models.choices import REQUEST_KINDS, ApproverPool, GateKind, RecordKind, Stage
from relationships.models import Membership, Organization, Relationship, Visibility

GENESIS_HASH = "0" * 64


_append_only = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
# Row triggers do not see TRUNCATE; a statement trigger refuses it too.
_no_truncate = pgtrigger.Trigger(
    name="no_truncate",
    when=pgtrigger.Before,
    operation=pgtrigger.Truncate,
    level=pgtrigger.Statement,
    func="RAISE EXCEPTION 'The decision ledger is append-only: % cannot be truncated.', "
    "TG_TABLE_NAME;",
)


class DecisionRecord(models.Model):
    """One entry of a relationship's decision ledger, or of an organization's own.

    A ``gate_requested`` entry *is* the stage gate; approvals, rejections and outcomes point at
    it through ``gate``. Gates leaving stages 1-4 are the lead's internal decisions; from stage
    5 on they are joint. Decisions about no relationship (the issue of an organization's
    corporate RMP) sit in the organization's own chain with no relationship and no stage.
    """

    relationship = models.ForeignKey(
        Relationship,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decision_records",
    )
    chain = models.CharField(
        max_length=40,
        help_text="The audience's chain: joint, internal:<organization>, member:<organization>.",
    )
    sequence = models.PositiveIntegerField(help_text="Position in its chain, from 1.")
    kind = models.CharField(max_length=20, choices=RecordKind.choices)
    gate = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    gate_kind = models.CharField(max_length=20, choices=GateKind.choices, blank=True)
    from_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    to_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    actor = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(
        blank=True, help_text="The reason of a request, or a decision's comment."
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The entry's place in the relationship's single chain, for entries sealed before the
    # ledger had one chain per audience (migration 0004); null (not "") for later ones, and
    # sealed as such: ``legacy_hash`` is part of every entry's digest.
    legacy_sequence = models.PositiveIntegerField(null=True, blank=True)
    legacy_prev_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    legacy_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = ScopedManager()

    class Meta:
        ordering = ["relationship_id", "id"]
        constraints = [
            # An organization's own chain (no relationship) is one chain too: NULLs not distinct.
            models.UniqueConstraint(
                fields=["relationship", "chain", "sequence"],
                name="decision_record_sequence",
                nulls_distinct=False,
            ),
            models.UniqueConstraint(
                fields=["relationship", "chain", "prev_hash"],
                name="decision_record_no_fork",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(chain="joint") | Q(chain__regex=r"^(internal|member):[0-9]+$"),
                name="decision_record_chain_form",
            ),
            # An internal entry is in its organization's own chain.
            models.CheckConstraint(
                condition=~Q(visibility="internal")
                | Q(chain=Concat(Value("internal:"), Cast("organization_id", models.TextField()))),
                name="decision_record_internal_chain",
            ),
            # A request (of a gate, or of a document's issue) opens a decision; every other
            # entry points at the request it decides.
            models.CheckConstraint(
                condition=Q(kind__in=REQUEST_KINDS, gate__isnull=True)
                | (~Q(kind__in=REQUEST_KINDS) & Q(gate__isnull=False)),
                name="decision_record_gate_link",
            ),
            # About a relationship: its stages; about none: internal, and no stage.
            models.CheckConstraint(
                condition=Q(
                    relationship__isnull=False,
                    from_stage__gte=1,
                    from_stage__lte=8,
                    to_stage__gte=1,
                    to_stage__lte=8,
                )
                | Q(
                    relationship__isnull=True,
                    from_stage__isnull=True,
                    to_stage__isnull=True,
                    visibility="internal",
                ),
                name="decision_record_stages",
            ),
        ]
        indexes = [
            models.Index(fields=["gate", "kind"], name="decision_record_gate_kind"),
            models.Index(
                fields=["kind", "relationship", "created_at"], name="decision_record_kind_rel"
            ),
        ]
        # No audit trigger: the ledger is itself the record of who decided what, and when.
        triggers = [_append_only, _no_truncate]

    def __str__(self) -> str:
        return f"{self.chain} #{self.sequence} {self.kind} ({self.relationship_id})"

    @property
    def closes_relationship(self) -> bool:
        """The advance out of the last stage: the exit is complete, there is no next stage."""
        return self.from_stage == self.to_stage == Stage.EXIT and self.from_stage is not None


class GateApprover(models.Model):
    """Whose decision a gate waits for, fixed when the gate is requested (append-only).

    ``required`` approvers must all approve; ``quorum`` approvers (ecosystem members' SERs)
    count towards the relationship's member quorum.
    """

    gate = models.ForeignKey(DecisionRecord, on_delete=models.PROTECT, related_name="approvers")
    relationship = models.ForeignKey(
        Relationship, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    pool = models.CharField(max_length=10, choices=ApproverPool.choices)

    objects = ScopedManager()

    class Meta:
        ordering = ["gate_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gate", "organization"], name="gate_approver_once"),
        ]
        indexes = [models.Index(fields=["membership", "gate"], name="gate_approver_inbox")]
        triggers = [_append_only, _no_truncate]

    def __str__(self) -> str:
        return f"{self.membership} on gate {self.gate_id}"
