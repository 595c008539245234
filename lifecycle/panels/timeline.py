"""The stage timeline at the top of the relationship page."""

from __future__ import annotations

from django.http import HttpRequest

from lifecycle.models import Stage, StageState
from lifecycle.selectors.gates import stage_overview
from relationships.models import Relationship, RelationshipStatus

_CLASS = {
    StageState.APPROVED: "done",
    StageState.IN_PROGRESS: "current",
    StageState.GATE_REQUESTED: "current",
    StageState.NOT_STARTED: "upcoming",
}
_LABEL = {
    StageState.APPROVED: "Done",
    StageState.IN_PROGRESS: "Current stage",
    StageState.GATE_REQUESTED: "Gate requested",
    StageState.NOT_STARTED: "Upcoming",
}


def selected_stage(request: HttpRequest, relationship: Relationship) -> int:
    """The stage whose checklist the page shows: ``?stage=N``, else the current stage."""
    try:
        stage = int(request.GET.get("stage", ""))
    except ValueError:
        return relationship.current_stage
    return stage if stage in Stage.values else relationship.current_stage


def timeline(request: HttpRequest, relationship: Relationship, selected: int) -> list[dict]:
    """The stages, with their state and how many of the requirements the acting organization
    works on are settled. A party other than the lead passed stages 1-4 on the lead's own work:
    its counts there are its own checklist's, and the stage says whose gate it was."""
    others_gate = request.organization.pk != relationship.lead_organization_id
    return [
        {
            "number": stage.number,
            "name": stage.name,
            "state": _CLASS[stage.state],
            "label": _LABEL[stage.state],
            "is_current": stage.number == relationship.current_stage
            and relationship.status != RelationshipStatus.EXITED,
            "selected": stage.number == selected,
            "requirements": stage.requirements,
            "settled": stage.settled,
            "own_checklist": others_gate and Stage.is_internal(stage.number),
        }
        for stage in stage_overview(relationship)
    ]
