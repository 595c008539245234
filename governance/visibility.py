"""What an organization may see of the workspace registers: the workspace rule of
``relationships.visibility`` (its own rows, and the joint rows of relationships it is an active
party of), registered for each register; ``GovernanceConfig.ready`` imports this module."""

from __future__ import annotations

from django.db.models import QuerySet

from cbrms.tenancy.scopes import scope_rule
from governance.models import (
    Action,
    Decision,
    EscalationLevel,
    Issue,
    IssueStep,
    KnowledgeAsset,
    Kpi,
    MaturityAnswer,
    MaturityReview,
    MaturitySubmission,
    Measurement,
    Meeting,
    Objective,
    PortfolioCriteria,
    PortfolioPlacement,
    Risk,
    SurveyAnswer,
    SurveyParticipation,
    SurveyRound,
)
from relationships.models import Organization
from relationships.visibility import active_relationship_ids, workspace_rule

scope_rule(
    Risk,
    Issue,
    IssueStep,
    KnowledgeAsset,
    Objective,
    Kpi,
    Measurement,
    Meeting,
    Decision,
    Action,
)(workspace_rule)


@scope_rule(MaturityAnswer, MaturitySubmission)
def _own_side_of_a_review(queryset: QuerySet, organization: Organization) -> QuerySet:
    """A party's answers and its submission are its own: sealed from the other parties for
    good (they read the report's figures), and from an ecosystem's other members."""
    return queryset.filter(organization=organization)


@scope_rule(EscalationLevel, SurveyRound, MaturityReview)
def _joint_of_active(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Joint by nature (a ladder, a survey round): every active party of the relationship
    sees it."""
    return queryset.filter(relationship_id__in=active_relationship_ids(organization))


@scope_rule(SurveyParticipation)
def _own_participations(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Who of its people took part: the organization's own business, and the answers are
    elsewhere."""
    return queryset.filter(organization=organization)


@scope_rule(SurveyAnswer)
def _no_raw_answers(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Nobody reads answers one by one, not even their own party: a party's results are the
    aggregate ``governance.selectors.survey_results`` computes once enough people answered."""
    return queryset.none()


@scope_rule(PortfolioCriteria, PortfolioPlacement)
def _own_management_system(queryset: QuerySet, organization: Organization) -> QuerySet:
    """The management system is the organization's alone: no partner sees any of it."""
    return queryset.filter(organization=organization)
