"""Browser URLs. Pages of tenant data live under ``/o/<org_slug>/``: the organization acting."""

from django.urls import include, path
from django.views.generic import RedirectView

from relationships import views

organization_patterns = [
    path("", RedirectView.as_view(pattern_name="relationship-list"), name="organization-home"),
    path("relationships/", views.relationship_list, name="relationship-list"),
    path("relationships/new/", views.relationship_create_view, name="relationship-create"),
    path("relationships/<int:pk>/", views.relationship_detail, name="relationship-detail"),
    path("switch/", views.organization_switch, name="organization-switch"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("o/<slug:org_slug>/", include(organization_patterns)),
]
