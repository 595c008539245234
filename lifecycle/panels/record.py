"""The decision record: the relationship's ledger as the acting organization reads it."""

from __future__ import annotations

from django.http import HttpRequest

from lifecycle.models import DecisionRecord, Stage
from lifecycle.selectors.gates import ledger_verification
from relationships.disclosure import request_disclosure
from relationships.models import Relationship

#: How many ledger entries the decision record shows, newest first.
LEDGER_ENTRIES_SHOWN = 50


def private_decisions(request: HttpRequest, relationship: Relationship) -> list[str]:
    """What the acting organization's view of the ledger leaves out, said rather than implied
    (an empty record where gates have passed reads as if nothing was decided)."""
    notes = []
    lead = relationship.lead_organization
    if request.organization.pk != lead.pk and relationship.current_stage > Stage.first():
        notes.append(
            f"The gates of stages 1 to 4 are {lead.name}'s own decisions: their record, and "
            f"the evidence behind them, are {lead.name}'s alone."
        )
    if relationship.pk in request_disclosure(request).closed:
        notes.append(
            "The member list of this ecosystem is closed: other members' decisions stay "
            "with the orchestrator."
        )
    return notes


def decision_record_context(request: HttpRequest, relationship: Relationship) -> dict:
    entries = DecisionRecord.objects.filter(relationship=relationship)
    shown = list(
        entries.select_related("actor_user", "actor", "organization").order_by("-id")[
            :LEDGER_ENTRIES_SHOWN
        ]
    )
    total = len(shown) if len(shown) < LEDGER_ENTRIES_SHOWN else entries.count()
    return {
        "ledger_entries": shown,
        "ledger_total": total,
        "ledger_hidden": total - len(shown),
        "chain": ledger_verification(relationship),
        "ledger_private": private_decisions(request, relationship),
    }
