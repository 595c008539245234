"""Governance routes: the workspace registers, nested under a relationship."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from governance.api.issues import EscalationLadderViewSet, IssueViewSet
from governance.api.knowledge import KnowledgeAssetViewSet
from governance.api.risks import RiskViewSet

router = SimpleRouter()
router.register("risks", RiskViewSet, basename="risk")
router.register("issues", IssueViewSet, basename="issue")
router.register("escalation-ladder", EscalationLadderViewSet, basename="escalation-ladder")
router.register("knowledge", KnowledgeAssetViewSet, basename="knowledge-asset")

urlpatterns = [
    path("orgs/<slug:org_slug>/relationships/<int:relationship>/", include(router.urls)),
]
