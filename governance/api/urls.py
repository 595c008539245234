"""Governance routes: the workspace registers, nested under a relationship."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from governance.api.export_requests import ExportViewSet
from governance.api.issues import EscalationLadderViewSet, IssueViewSet
from governance.api.knowledge import KnowledgeAssetViewSet
from governance.api.maturity import MaturityReviewViewSet
from governance.api.meetings import ActionViewSet, DecisionViewSet, MeetingViewSet
from governance.api.objectives import KpiViewSet, MeasurementViewSet, ObjectiveViewSet
from governance.api.portfolio import PortfolioCriteriaViewSet, PortfolioViewSet
from governance.api.risks import RiskViewSet
from governance.api.surveys import ActivityViewSet, SurveyViewSet

router = SimpleRouter()
router.register("objectives", ObjectiveViewSet, basename="objective")
router.register("kpis", KpiViewSet, basename="kpi")
router.register("measurements", MeasurementViewSet, basename="measurement")
router.register("risks", RiskViewSet, basename="risk")
router.register("issues", IssueViewSet, basename="issue")
router.register("escalation-ladder", EscalationLadderViewSet, basename="escalation-ladder")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("meeting-decisions", DecisionViewSet, basename="meeting-decision")
router.register("actions", ActionViewSet, basename="action")
router.register("knowledge", KnowledgeAssetViewSet, basename="knowledge-asset")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("activity", ActivityViewSet, basename="activity")
router.register("maturity-reviews", MaturityReviewViewSet, basename="maturity-review")

exports = ExportViewSet.as_view({"post": "create"})

#: The organization's management system (its own, about no relationship in particular).
system_router = SimpleRouter()
system_router.register("portfolio", PortfolioViewSet, basename="portfolio-placement")
system_router.register(
    "portfolio-criteria", PortfolioCriteriaViewSet, basename="portfolio-criteria"
)

urlpatterns = [
    path("orgs/<slug:org_slug>/relationships/<int:relationship>/", include(router.urls)),
    path("orgs/<slug:org_slug>/", include(system_router.urls)),
    path(
        "orgs/<slug:org_slug>/relationships/<int:relationship>/exports/",
        exports,
        name="relationship-export",
    ),
]
