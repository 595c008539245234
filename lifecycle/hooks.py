"""The lifecycle's reactions to the relationships app (``relationships.hooks``), and the stage
vocabulary it lends it.

A relationship starts its lifecycle on the newest catalog of its profile, with the lead's
checklist; an organization that joins gets its own copy of the internal items.
"""

from __future__ import annotations

from lifecycle.models import Stage
from lifecycle.services.requirements import lifecycle_start, requirements_provision
from relationships import hooks
from relationships.models import Party, Relationship

hooks.register_stages(Stage)


@hooks.on_relationship_started
def start_lifecycle(relationship: Relationship) -> None:
    lifecycle_start(relationship=relationship)


@hooks.on_party_joined
def provision_checklist(party: Party) -> None:
    # Idempotent: a party that left and joins again keeps the checklist it had.
    requirements_provision(relationship=party.relationship, organization=party.organization)
