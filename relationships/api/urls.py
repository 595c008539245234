"""URLs of the relationships API, mounted under ``/api/v1/``.

Everything but ``auth/token/`` lives under ``orgs/<org_slug>/``, the organization that acts.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from relationships.api import schema, views
from relationships.api.audit import AuditEventViewSet
from relationships.api.webhooks import WebhookEndpointViewSet, WebhookMessageViewSet

__all__ = ["schema", "urlpatterns"]  # schema: registers the bearer token's OpenAPI scheme

ORG = "orgs/<slug:org_slug>"

router = SimpleRouter(use_regex_path=False)
router.register(f"{ORG}/relationships", views.RelationshipViewSet, basename="relationship")
router.register(
    f"{ORG}/relationships/<int:relationship>/parties", views.PartyViewSet, basename="party"
)
router.register(
    f"{ORG}/relationships/<int:relationship>/partner-invitations",
    views.PartnerInvitationViewSet,
    basename="partner-invitation",
)
router.register(f"{ORG}/invitations", views.InvitationViewSet, basename="invitation")
router.register(f"{ORG}/ecosystems", views.OpenEcosystemViewSet, basename="ecosystem")
router.register(f"{ORG}/members", views.MembershipViewSet, basename="membership")
router.register(
    f"{ORG}/member-invitations", views.MemberInvitationViewSet, basename="member-invitation"
)
router.register(f"{ORG}/tokens", views.ApiTokenViewSet, basename="api-token")
router.register(f"{ORG}/audit-events", AuditEventViewSet, basename="audit-event")
router.register(f"{ORG}/webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register(f"{ORG}/webhook-messages", WebhookMessageViewSet, basename="webhook-message")

organization_detail = views.OrganizationViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update"}
)

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path(f"{ORG}/", organization_detail, name="organization-detail"),
    *router.urls,
]
