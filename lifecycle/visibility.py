"""What an organization may see of the lifecycle: the tenancy rules of this app's models.

Built from the relationships app's predicates (``relationships.visibility``), registered with the
tenancy mechanism (``cbrms.tenancy.scopes``); ``LifecycleConfig.ready`` imports this module.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cbrms.tenancy.scopes import scope_rule
from lifecycle.models import (
    DecisionRecord,
    Document,
    DocumentPdf,
    DocumentVersion,
    Evidence,
    GateApprover,
    RelationshipFramework,
    Requirement,
    Section,
    SectionEditing,
)
from relationships.disclosure import may_name_q
from relationships.models import Organization
from relationships.visibility import active_relationship_ids, workspace_q, workspace_rule

scope_rule(Requirement, Evidence, Document, Section, SectionEditing, DocumentVersion)(
    workspace_rule
)


@scope_rule(DocumentPdf)
def _own_pdfs(queryset: QuerySet, organization: Organization) -> QuerySet:
    """An organization's PDFs of the versions it sees: made in its scope, for it alone."""
    return queryset.filter(organization=organization)


@scope_rule(RelationshipFramework)
def _frameworks(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Joint: every active party sees which catalog applies and how gates are decided."""
    return queryset.filter(relationship_id__in=active_relationship_ids(organization))


def ledger_q(organization: Organization) -> Q:
    """Ledger rows ``organization`` may see: the workspace rule, and only rows naming an
    organization it may be told of (``relationships.disclosure``): in an ecosystem whose member
    directory is closed, another member's approvals and SER seat are not there for it."""
    return workspace_q(organization) & may_name_q(organization)


@scope_rule(DecisionRecord, GateApprover)
def _ledger(queryset: QuerySet, organization: Organization) -> QuerySet:
    return queryset.filter(ledger_q(organization))
