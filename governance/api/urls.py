"""URLs of the governance API, mounted under ``/api/v1/``."""

from rest_framework.routers import SimpleRouter

from governance.api.views import AuditEventViewSet

router = SimpleRouter(use_regex_path=False)
router.register("orgs/<slug:org_slug>/audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
