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
from governance.models.management import (
    CompetenceTheme,
    PortfolioCriteria,
    PortfolioPlacement,
    Profile,
    SystemCatalog,
    SystemItem,
    SystemSection,
)
from governance.models.maturity import (
    MaturityAnswer,
    MaturityModel,
    MaturityPrinciple,
    MaturityReview,
    MaturitySubmission,
    ReviewStatus,
)
from governance.models.meetings import Action, ActionStatus, Decision, Meeting, MeetingStatus
from governance.models.objectives import (
    Cadence,
    Direction,
    Kpi,
    Measurement,
    Objective,
    ObjectiveStatus,
    Principle,
)
from governance.models.registers import WorkspaceRecord
from governance.models.reminders import ReminderDigest
from governance.models.risks import Risk, RiskStatus
from governance.models.surveys import (
    SurveyAnswer,
    SurveyParticipation,
    SurveyRound,
    TrustIndicator,
)

__all__ = [
    "Action",
    "ActionStatus",
    "Cadence",
    "CompetenceTheme",
    "Decision",
    "Direction",
    "EscalationAudience",
    "EscalationLevel",
    "Issue",
    "IssueStatus",
    "IssueStep",
    "IssueStepKind",
    "KnowledgeAsset",
    "KnowledgeStatus",
    "Kpi",
    "MaturityAnswer",
    "MaturityModel",
    "MaturityPrinciple",
    "MaturityReview",
    "MaturitySubmission",
    "Measurement",
    "Meeting",
    "MeetingStatus",
    "Objective",
    "ObjectiveStatus",
    "PortfolioCriteria",
    "PortfolioPlacement",
    "Principle",
    "Profile",
    "ReminderDigest",
    "ReviewStatus",
    "Risk",
    "RiskStatus",
    "Sharing",
    "SurveyAnswer",
    "SurveyParticipation",
    "SurveyRound",
    "SystemCatalog",
    "SystemItem",
    "SystemSection",
    "TrustIndicator",
    "WorkspaceRecord",
]
