"""What an organization may see of the workspace registers: the workspace rule of
``relationships.visibility`` (its own rows, and the joint rows of relationships it is an active
party of), registered for each register; ``GovernanceConfig.ready`` imports this module."""

from __future__ import annotations

from cbrms.tenancy.scopes import scope_rule
from governance.models import Risk
from relationships.visibility import workspace_rule

scope_rule(Risk)(workspace_rule)
