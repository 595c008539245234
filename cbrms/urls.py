"""Top-level URLs: the browser UI, the v1 API and its documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("api/v1/", include("cbrms.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include("relationships.urls")),
    path("", include("lifecycle.urls")),
    path("", include("governance.urls")),
]

handler400 = "cbrms.views.bad_request"
handler403 = "cbrms.views.permission_denied"
handler404 = "cbrms.views.page_not_found"
handler500 = "cbrms.views.server_error"
