"""The lifecycle's webhook events: a gate requested and decided, a document version issued.

Registered when the module loads (``LifecycleConfig.ready``); the services call the emitters
inside the transaction of the change, and each event goes to the organizations that see the
record it is about (``audience_of``): an internal gate of stages 1-3 to its owner only.
"""

from __future__ import annotations

from lifecycle.models import DecisionRecord, DocumentVersion, RecordKind, Stage
from relationships.services.webhooks import webhook_emit
from relationships.visibility import record_audience
from relationships.webhook_events import WebhookEventType, register_webhook_event

_RELATIONSHIP_EXAMPLE = {"id": 12, "name": "Northwind and Contoso joint delivery"}
_GATE_EXAMPLE = {
    "gate": 345,
    "relationship": _RELATIONSHIP_EXAMPLE,
    "kind": "advance",
    "from_stage": 4,
    "from_stage_name": "Partner selection",
    "to_stage": 5,
    "to_stage_name": "Working together",
    "visibility": "joint",
    "requested_at": "2026-11-20T09:30:00+00:00",
}

GATE_REQUESTED = register_webhook_event(
    WebhookEventType(
        name="gate.requested",
        label="A stage gate was requested",
        description="Someone asked the SERs to decide on leaving a stage.",
        example=_GATE_EXAMPLE,
    )
)
GATE_DECIDED = register_webhook_event(
    WebhookEventType(
        name="gate.decided",
        label="A stage gate was decided",
        description=(
            "The SERs' decisions settled a gate: `passed` (the relationship moved to "
            "`to_stage`) or `reopened` (a rejection left the gate unable to pass)."
        ),
        example={**_GATE_EXAMPLE, "outcome": "passed", "decided_at": "2026-11-21T14:02:11+00:00"},
    )
)
DOCUMENT_ISSUED = register_webhook_event(
    WebhookEventType(
        name="document.issued",
        label="A document version was issued",
        description=(
            "The SERs approved a version of a controlled document (a relationship management "
            "plan, an exit strategy, a policy): it is now immutable."
        ),
        example={
            "document": 88,
            "kind": "joint_rmp",
            "title": "Joint relationship management plan",
            "version": 2,
            "content_hash": "9f2c…",
            "relationship": _RELATIONSHIP_EXAMPLE,
            "visibility": "joint",
            "issued_at": "2026-11-21T14:02:11+00:00",
        },
    )
)


def _relationship(relationship) -> dict | None:
    if relationship is None:
        return None
    return {"id": relationship.pk, "name": relationship.name}


def _stage_name(stage: int | None) -> str | None:
    return Stage(stage).label if stage else None


def _gate_data(gate: DecisionRecord) -> dict:
    return {
        "gate": gate.pk,
        "relationship": _relationship(gate.relationship),
        "kind": gate.gate_kind,
        "from_stage": gate.from_stage,
        "from_stage_name": _stage_name(gate.from_stage),
        "to_stage": gate.to_stage,
        "to_stage_name": _stage_name(gate.to_stage),
        "visibility": gate.visibility,
        "requested_at": gate.created_at.isoformat(),
    }


def gate_requested_emit(gate: DecisionRecord) -> None:
    data = _gate_data(gate)
    webhook_emit(organization_ids=record_audience(gate), event_type=GATE_REQUESTED.name, data=data)


def gate_decided_emit(gate: DecisionRecord, outcome: DecisionRecord) -> None:
    data = {
        **_gate_data(gate),
        "outcome": "passed" if outcome.kind == RecordKind.GATE_PASSED else "reopened",
        "decided_at": outcome.created_at.isoformat(),
    }
    webhook_emit(organization_ids=record_audience(gate), event_type=GATE_DECIDED.name, data=data)


def document_issued_emit(version: DocumentVersion) -> None:
    document = version.document
    data = {
        "document": document.pk,
        "kind": document.kind,
        "title": version.title,
        "version": version.number,
        "content_hash": version.content_hash,
        "relationship": _relationship(version.relationship),
        "visibility": version.visibility,
        "issued_at": version.decided_at.isoformat(),
    }
    webhook_emit(
        organization_ids=record_audience(version), event_type=DOCUMENT_ISSUED.name, data=data
    )
