"""The jobs API, under ``/api/v1/orgs/<org_slug>/``."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from cbrms.jobs.api import JobViewSet

router = SimpleRouter()
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [path("orgs/<slug:org_slug>/", include(router.urls))]
