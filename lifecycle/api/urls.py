"""Lifecycle routes, nested under a relationship, plus the SER approval inbox."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from lifecycle.api import views
from lifecycle.api.documents import DocumentViewSet, SectionViewSet, VersionViewSet

router = SimpleRouter()
router.register("requirements", views.RequirementViewSet, basename="requirement")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("gates", views.GateViewSet, basename="gate")
router.register("decisions", views.DecisionRecordViewSet, basename="decision")
router.register("stages", views.StageViewSet, basename="stage")

documents = SimpleRouter()
documents.register("documents", DocumentViewSet, basename="document")
sections = SimpleRouter()
sections.register("sections", SectionViewSet, basename="section")
sections.register("versions", VersionViewSet, basename="document-version")

framework = views.FrameworkViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
framework_upgrade = views.FrameworkViewSet.as_view({"post": "upgrade"})
inbox = views.ApprovalInboxViewSet.as_view({"get": "list"})

urlpatterns = [
    path("orgs/<slug:org_slug>/approvals/", inbox, name="approval-inbox"),
    path("orgs/<slug:org_slug>/", include(documents.urls)),
    path("orgs/<slug:org_slug>/documents/<int:document>/", include(sections.urls)),
    path(
        "orgs/<slug:org_slug>/relationships/<int:relationship>/",
        include(
            [
                path("framework/", framework, name="framework"),
                path("framework/upgrade/", framework_upgrade, name="framework-upgrade"),
                *router.urls,
            ]
        ),
    ),
]
