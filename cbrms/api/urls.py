"""The v1 API: one router per app, mounted under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("relationships.api.urls")),
    path("", include("lifecycle.api.urls")),
    path("", include("governance.api.urls")),
    path("", include("cbrms.jobs.urls")),
]
