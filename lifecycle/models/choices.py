"""Vocabularies of the lifecycle app."""

from __future__ import annotations

from django.db import models


class Stage(models.IntegerChoices):
    """The eight stages of a relationship's lifecycle (ISO 44001 clause 8), in order.

    Stages 1-4 are one organization's own work (its gates are internal to the lead); 5-8 are
    joint. The exit strategy is activated from 5, 6 or 7 into 8.
    """

    OPERATIONAL_AWARENESS = 1, "Operational awareness"
    KNOWLEDGE = 2, "Knowledge"
    INTERNAL_ASSESSMENT = 3, "Internal assessment"
    PARTNER_SELECTION = 4, "Partner selection"
    WORKING_TOGETHER = 5, "Working together"
    VALUE_CREATION = 6, "Value creation"
    STAYING_TOGETHER = 7, "Staying together"
    EXIT = 8, "Exit strategy activation"

    @classmethod
    def is_internal(cls, stage: int) -> bool:
        """Stages 1-4: one organization's own work; their gates are the lead's alone."""
        return stage <= cls.PARTNER_SELECTION

    @classmethod
    def exit_activated_from(cls, stage: int) -> bool:
        """Whether the exit strategy may be activated from ``stage`` (into stage 8)."""
        return cls.WORKING_TOGETHER <= stage < cls.EXIT

    @classmethod
    def first(cls) -> Stage:
        return cls.OPERATIONAL_AWARENESS

    @classmethod
    def last(cls) -> Stage:
        return cls.EXIT


class ItemScope(models.TextChoices):
    """Whether a catalog item is each organization's own work or the parties' joint work."""

    INTERNAL = "internal", "Internal"
    JOINT = "joint", "Joint"


class RequirementStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


#: A settled requirement is done with: met (on evidence), or justified as not applicable.
SETTLED_STATUSES = (RequirementStatus.MET, RequirementStatus.NOT_APPLICABLE)


class StageState(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    GATE_REQUESTED = "gate_requested", "Gate requested"
    APPROVED = "approved", "Approved"


class EvidenceKind(models.TextChoices):
    NOTE = "note", "Note"
    LINK = "link", "Link"
    FILE = "file", "File"
    DOCUMENT = "document", "Issued document version"


class EvidenceStatus(models.TextChoices):
    """Documented information is controlled: drafted, then approved, eventually withdrawn."""

    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class GateKind(models.TextChoices):
    """What a gate decides: leave the stage forward, go back one, or activate the exit."""

    ADVANCE = "advance", "Advance to the next stage"
    SEND_BACK = "send_back", "Send back one stage"
    ACTIVATE_EXIT = "activate_exit", "Activate the exit strategy"


class GateStatus(models.TextChoices):
    """Where a gate stands; read off its ledger entries, never stored."""

    PENDING = "pending", "Waiting for decisions"
    PASSED = "passed", "Passed"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class RecordKind(models.TextChoices):
    """Entries of a relationship's decision ledger."""

    GATE_REQUESTED = "gate_requested", "Gate requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    GATE_PASSED = "gate_passed", "Gate passed"
    GATE_REOPENED = "gate_reopened", "Stage reopened"
    GATE_SUPERSEDED = "gate_superseded", "Superseded by a new request"
    ISSUE_REQUESTED = "issue_requested", "Issue of a document requested"
    VERSION_ISSUED = "version_issued", "Document version issued"
    VERSION_REJECTED = "version_rejected", "Document version rejected"


#: The entries that close a gate: once one exists, the gate is decided (or replaced).
CLOSING_KINDS = (RecordKind.GATE_PASSED, RecordKind.GATE_REOPENED, RecordKind.GATE_SUPERSEDED)
#: The entries that open a decision (the others point at one), and those that close an issue.
REQUEST_KINDS = (RecordKind.GATE_REQUESTED, RecordKind.ISSUE_REQUESTED)
ISSUE_CLOSING_KINDS = (RecordKind.VERSION_ISSUED, RecordKind.VERSION_REJECTED)


class VersionStatus(models.TextChoices):
    IN_APPROVAL = "in_approval", "In approval"
    ISSUED = "issued", "Issued"
    REJECTED = "rejected", "Rejected"


class ApproverPool(models.TextChoices):
    REQUIRED = "required", "Required"
    QUORUM = "quorum", "Counts towards the quorum"
