"""Vocabularies of the lifecycle app."""

from django.db import models


class ItemScope(models.TextChoices):
    """Whether a catalog item is each organization's own work or the parties' joint work."""

    INTERNAL = "internal", "Internal"
    JOINT = "joint", "Joint"


class RequirementStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class StageState(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    GATE_REQUESTED = "gate_requested", "Gate requested"
    APPROVED = "approved", "Approved"


class EvidenceKind(models.TextChoices):
    NOTE = "note", "Note"
    LINK = "link", "Link"
    FILE = "file", "File"


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


#: The entries that close a gate: once one exists, the gate is decided (or replaced).
CLOSING_KINDS = (RecordKind.GATE_PASSED, RecordKind.GATE_REOPENED, RecordKind.GATE_SUPERSEDED)


class ApproverPool(models.TextChoices):
    REQUIRED = "required", "Required"
    QUORUM = "quorum", "Counts towards the quorum"
