"""What the lifecycle panels of the relationship page show, read as the acting organization.

The relationship page (``relationships.views.relationship_detail``) renders them through the
``lifecycle_workspace`` template tag; the lifecycle views render them again after a form, in
place (HTMX) or on a page of their own. The queries live in ``lifecycle.selectors`` and go
through the scoped managers, so another organization's internal requirements, evidence and
gates never reach a template; these modules shape what they return for the templates:

- ``timeline``: the eight stages and their counts;
- ``checklist``: a stage's requirement cards with the forms the member may use;
- ``gate``: the gate panel (request, pending gate, decision and its confirmation, rejection);
- ``record``: the decision record (the ledger) and what of it is private.
"""

from __future__ import annotations

from django.http import HttpRequest

from lifecycle.panels.checklist import checklist_context, prepare_requirement, stage_progress
from lifecycle.panels.documents import documents_card_context
from lifecycle.panels.gate import gate_panel_context
from lifecycle.panels.record import decision_record_context
from lifecycle.panels.timeline import selected_stage, timeline
from relationships.disclosure import request_disclosure
from relationships.models import Relationship

__all__ = [
    "checklist_context",
    "decision_record_context",
    "gate_panel_context",
    "prepare_requirement",
    "selected_stage",
    "stage_progress",
    "timeline",
    "workspace_context",
]


def workspace_context(request: HttpRequest, relationship: Relationship) -> dict:
    request_disclosure(request)  # read once, up front: the panels name organizations and people
    stage = selected_stage(request, relationship)
    gate_panel = gate_panel_context(request, relationship)
    return {
        "relationship": relationship,
        "timeline": timeline(request, relationship, stage),
        **checklist_context(request, relationship, stage),
        **gate_panel,
        "gate_waiting": gate_panel["pending"] is not None
        and stage == gate_panel["pending"].gate.from_stage,
        **decision_record_context(request, relationship),
        **documents_card_context(request, relationship),
    }
