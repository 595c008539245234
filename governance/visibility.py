"""What an organization may see of the workspace registers: the workspace rule of
``relationships.visibility`` (its own rows, and the joint rows of relationships it is an active
party of), registered for each register; ``GovernanceConfig.ready`` imports this module."""

from __future__ import annotations

from django.db.models import QuerySet

from cbrms.tenancy.scopes import scope_rule
from governance.models import EscalationLevel, Issue, IssueStep, KnowledgeAsset, Risk
from relationships.models import Organization
from relationships.visibility import active_relationship_ids, workspace_rule

scope_rule(Risk, Issue, IssueStep, KnowledgeAsset)(workspace_rule)


@scope_rule(EscalationLevel)
def _ladders(queryset: QuerySet, organization: Organization) -> QuerySet:
    """A ladder is joint: every active party of the relationship sees it."""
    return queryset.filter(relationship_id__in=active_relationship_ids(organization))
