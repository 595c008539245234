"""Models of the governance app, re-exported so callers import from ``governance.models``."""

from governance.models.issues import (
    EscalationAudience,
    EscalationLevel,
    Issue,
    IssueStatus,
    IssueStep,
    IssueStepKind,
)
from governance.models.knowledge import KnowledgeAsset, KnowledgeStatus, Sharing
from governance.models.registers import WorkspaceRecord
from governance.models.risks import Risk, RiskStatus

__all__ = [
    "EscalationAudience",
    "EscalationLevel",
    "Issue",
    "IssueStatus",
    "IssueStep",
    "IssueStepKind",
    "KnowledgeAsset",
    "KnowledgeStatus",
    "Risk",
    "RiskStatus",
    "Sharing",
    "WorkspaceRecord",
]
