"""How the layers above react to what happens here, and what they tell it, without this app
knowing them.

DESIGN.md: a reaction that crosses layers is the upper layer's. This app calls the hooks that
upper apps register in their ``AppConfig.ready`` (the lifecycle lays out a new relationship's
checklist, and a newcomer's), inside the transaction of the change itself, in registration
order. A small typed registry, not Django signals: who reacts is found with grep, the arguments
are typed, and a hook that raises rolls the change back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from relationships.models import Party, Relationship

RelationshipStarted = Callable[["Relationship"], None]
PartyJoined = Callable[["Party"], None]

_relationship_started: list[RelationshipStarted] = []
_party_joined: list[PartyJoined] = []


def on_relationship_started(hook: RelationshipStarted) -> RelationshipStarted:
    """Register ``hook(relationship)``: called once a new relationship and its lead exist."""
    if hook not in _relationship_started:
        _relationship_started.append(hook)
    return hook


def on_party_joined(hook: PartyJoined) -> PartyJoined:
    """Register ``hook(party)``: called once an organization became an active party."""
    if hook not in _party_joined:
        _party_joined.append(hook)
    return hook


def relationship_started(relationship: Relationship) -> None:
    for hook in _relationship_started:
        hook(relationship)


def party_joined(party: Party) -> None:
    for hook in _party_joined:
        hook(party)


# --- the stage vocabulary ------------------------------------------------------------------

#: A relationship moves through numbered stages (``Relationship.current_stage``, 1 to 8); what
#: they are called is the lifecycle's vocabulary (``lifecycle.models.Stage``), which it
#: registers here. Without it the stages are only numbered.
_stages: type[models.IntegerChoices] | None = None


def register_stages(vocabulary: type[models.IntegerChoices]) -> None:
    global _stages
    _stages = vocabulary


def stage_names() -> dict[int, str]:
    """Stage number -> name, in order."""
    if _stages is None:
        return {number: f"Stage {number}" for number in range(1, 9)}
    return {int(stage): stage.label for stage in _stages}


def stage_name(number: int) -> str:
    return stage_names()[number]
