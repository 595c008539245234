"""Emails to people about their place in an organization."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.timesince import timeuntil

from relationships.models import Membership, User


def password_link_lifetime() -> str:
    """How long a set-password link works, in words: "3 days" (``PASSWORD_RESET_TIMEOUT``)."""
    now = timezone.now()
    lifetime = timeuntil(now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT), now=now)
    return lifetime.replace("\xa0", " ")  # plain-text emails: no non-breaking spaces


def _set_password_url(user: User) -> str:
    """The link of a password reset email: Django's token, Django's view, our base URL."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.CBRMS_BASE_URL}{path}"


def member_added_notify(*, membership_id: int) -> int:
    """Tell a person they were added to the acting organization, and with which role.

    Someone who has never set a password (a new user, see ``membership_add``) also gets a link to
    set one. Whether they have one is decided when the email is sent, not when they were added.
    Returns the number of emails sent: 0 when the membership is gone or the user is inactive.
    """
    membership = (
        Membership.objects.select_related("user", "organization").filter(pk=membership_id).first()
    )
    if membership is None or not membership.user.is_active:
        return 0
    user, organization = membership.user, membership.organization
    needs_password = not user.has_usable_password()
    context = {
        "user": user,
        "organization": organization,
        "role": membership.get_role_display(),
        "organization_url": settings.CBRMS_BASE_URL
        + reverse("organization-home", kwargs={"org_slug": organization.slug}),
        "set_password_url": _set_password_url(user) if needs_password else None,
        "link_lifetime": password_link_lifetime(),
        "reset_url": settings.CBRMS_BASE_URL + reverse("password_reset"),
    }
    subject = f"You were added to {organization.name} on CBRMS"
    body = render_to_string("relationships/email/member_added.txt", context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
