"""Browser URLs. Pages of tenant data live under ``/o/<org_slug>/``: the organization acting."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from relationships import (
    job_views,
    member_views,
    partner_views,
    party_views,
    views,
    webhook_views,
)

organization_patterns = [
    path("", RedirectView.as_view(pattern_name="relationship-list"), name="organization-home"),
    path("relationships/", views.relationship_list, name="relationship-list"),
    path("relationships/new/", views.relationship_create_view, name="relationship-create"),
    path("relationships/<int:pk>/", views.relationship_detail, name="relationship-detail"),
    path("switch/", views.organization_switch, name="organization-switch"),
    path("jobs/", job_views.job_list, name="download-list"),
    path("jobs/<uuid:pk>/", job_views.job_page, name="job-page"),
    path("jobs/<uuid:pk>/download/", job_views.job_download, name="job-file"),
    path("jobs/<uuid:pk>/cancel/", job_views.job_cancel_view, name="job-cancel-form"),
    path("webhooks/", webhook_views.webhook_list, name="webhook-list"),
    path("webhooks/events/", webhook_views.webhook_events, name="webhook-events"),
    path("webhooks/<int:pk>/", webhook_views.webhook_detail, name="webhook-detail"),
    path("webhooks/<int:pk>/rotate/", webhook_views.webhook_rotate_view, name="webhook-rotate"),
    path("webhooks/<int:pk>/test/", webhook_views.webhook_test_view, name="webhook-test"),
    path("webhooks/<int:pk>/enable/", webhook_views.webhook_enable_view, name="webhook-enable"),
    path("webhooks/<int:pk>/disable/", webhook_views.webhook_disable_view, name="webhook-disable"),
    path("webhooks/<int:pk>/delete/", webhook_views.webhook_delete_view, name="webhook-delete"),
    path(
        "webhooks/<int:pk>/messages/<uuid:message_pk>/replay/",
        webhook_views.webhook_replay_view,
        name="webhook-replay",
    ),
    path(
        "relationships/<int:pk>/parties/invite/",
        party_views.party_invite_view,
        name="relationship-party-invite",
    ),
    path(
        "relationships/<int:pk>/parties/<int:party_pk>/revoke/",
        party_views.party_revoke_view,
        name="relationship-party-revoke",
    ),
    path(
        "relationships/<int:pk>/parties/<int:party_pk>/resend/",
        party_views.party_resend_view,
        name="relationship-party-resend",
    ),
    path(
        "relationships/<int:pk>/parties/<int:party_pk>/approve/",
        party_views.join_request_approve_view,
        name="relationship-join-request-approve",
    ),
    path(
        "relationships/<int:pk>/parties/<int:party_pk>/refuse/",
        party_views.join_request_refuse_view,
        name="relationship-join-request-refuse",
    ),
    path(
        "relationships/<int:pk>/parties/<int:party_pk>/leave/",
        party_views.party_leave_view,
        name="relationship-party-leave",
    ),
    path(
        "relationships/<int:pk>/parties/<int:party_pk>/ser/",
        party_views.party_ser_view,
        name="relationship-party-ser",
    ),
    path(
        "relationships/<int:pk>/join-requests/",
        party_views.join_requests_setting_view,
        name="relationship-join-requests",
    ),
    path(
        "relationships/<int:pk>/partner-invitations/",
        party_views.partner_invite_view,
        name="relationship-partner-invite",
    ),
    path(
        "relationships/<int:pk>/partner-invitations/<int:invitation_pk>/resend/",
        party_views.partner_invitation_resend_view,
        name="relationship-partner-invitation-resend",
    ),
    path(
        "relationships/<int:pk>/partner-invitations/<int:invitation_pk>/revoke/",
        party_views.partner_invitation_revoke_view,
        name="relationship-partner-invitation-revoke",
    ),
    path("ecosystems/", partner_views.ecosystem_list, name="ecosystem-list"),
    path("ecosystems/<int:pk>/join/", partner_views.ecosystem_join, name="ecosystem-join"),
    path("invitations/", party_views.invitation_list, name="invitation-list"),
    path(
        "invitations/<int:party_pk>/accept/",
        party_views.invitation_accept,
        name="invitation-accept",
    ),
    path(
        "invitations/<int:party_pk>/decline/",
        party_views.invitation_decline,
        name="invitation-decline",
    ),
    path("members/", member_views.member_list, name="member-list"),
    path("members/ser/", member_views.organization_ser_view, name="organization-ser"),
    path("members/invite/", member_views.member_invite_view, name="member-invite"),
    path("members/<int:pk>/unlock/", member_views.member_unlock_view, name="member-unlock"),
    path(
        "members/invitations/<int:pk>/resend/",
        member_views.member_invitation_resend_view,
        name="member-invitation-resend",
    ),
    path(
        "members/invitations/<int:pk>/revoke/",
        member_views.member_invitation_revoke_view,
        name="member-invitation-revoke",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # Django's views and URL names (password_change, password_reset, ...), with our templates.
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "join/<str:token>/", partner_views.partner_invitation_page, name="partner-invitation-page"
    ),
    path(
        "invitations/<str:token>/",
        member_views.member_invitation_page,
        name="member-invitation-page",
    ),
    path("o/<slug:org_slug>/", include(organization_patterns)),
]
