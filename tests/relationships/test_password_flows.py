"""Passwords in the browser: change one, reset a forgotten one, set one never set.

Invited people set their first password on the invitation page (test_member_invitations.py).
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from cbrms.celery import app as celery_app
from relationships.models import User
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_URL = "https://cbrms.example.org"
NEW_PASSWORD = "tangerine-lighthouse-42"


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.CBRMS_BASE_URL = BASE_URL
    cache.clear()  # the reset throttle counts emails per account in the cache


@pytest.fixture
def celery_eager():
    """Tasks run in the test's process when enqueued; errors raise. The app read its settings at
    startup, so its configuration is set (and restored) directly."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def logged_in_client(user) -> Client:
    client = Client()
    assert client.login(
        request=RequestFactory().post("/login/"), email=user.email, password=PASSWORD
    )
    return client


def can_log_in(email: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"username": email, "password": password})
    return response.status_code == 302


def link_in(body: str) -> str:
    """The path of the one CBRMS link in an email that leads to a set-password page."""
    match = re.search(re.escape(BASE_URL) + r"(/password/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def set_password_through(link: str, password: str = NEW_PASSWORD) -> Client:
    """Open the emailed link as its reader would, and save ``password`` on the page it opens."""
    client = Client()
    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert 'name="new_password1"' in page.text
    form_url = page.redirect_chain[-1][0]  # the token leaves the URL for .../set-password/
    response = client.post(
        form_url, {"new_password1": password, "new_password2": password}, follow=True
    )
    assert "Your password has been saved" in response.text
    return client


# --- changing one's password -------------------------------------------------------------------


def test_the_user_menu_offers_to_change_the_password(db):
    membership = MembershipFactory()
    response = logged_in_client(membership.user).get("/", follow=True)
    assert f'href="{reverse("password_change")}">Change password</a>' in response.text


def test_changing_the_password_requires_being_logged_in(db):
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_weak_new_password_is_refused_with_the_validators_messages(db):
    user = UserFactory()
    client = logged_in_client(user)

    page = client.get(reverse("password_change"))
    assert "Your password must contain at least 8 characters." in page.text  # the rules, upfront

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "Please correct the fields marked below" in response.text
    assert "This password is too common." in response.text
    assert "This password is entirely numeric." in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_wrong_current_password_is_refused(db):
    user = UserFactory()
    response = logged_in_client(user).post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Your old password was entered incorrectly" in response.text
    assert can_log_in(user.email, PASSWORD)


def test_after_a_change_the_new_password_works_and_the_old_one_does_not(db):
    user = UserFactory()
    client = logged_in_client(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "Your password has been changed" in response.text
    # This session stays logged in; the next login needs the new password.
    assert client.get(reverse("password_change")).status_code == 200
    assert not can_log_in(user.email, PASSWORD)
    assert can_log_in(user.email, NEW_PASSWORD)


# --- resetting a forgotten password ------------------------------------------------------------


def test_a_forgotten_password_is_reset_through_the_emailed_link(db):
    user = UserFactory(full_name="Ada Park")
    client = Client()
    login_page = client.get(reverse("login"))
    assert f'href="{reverse("password_reset")}">Forgot your password?</a>' in login_page.text

    response = client.post(reverse("password_reset"), {"email": user.email.upper()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_reset_done")
    assert "Check your email" in response.text

    [email] = mail.outbox
    assert email.to == [user.email]
    assert email.subject == "Reset your CBRMS password"
    assert "Hello Ada Park," in email.body
    assert "expires in 3 days" in email.body
    assert not email.alternatives  # plain text only
    link = link_in(email.body)  # on CBRMS_BASE_URL, whatever host the request came to

    # A weak password is refused on the page the link opens, with the validators' reasons.
    page = client.get(link, follow=True)
    assert "Choose a new password" in page.text
    form_url = page.redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "password", "new_password2": "password"})
    assert "This password is too common." in weak.text

    done = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert can_log_in(user.email, NEW_PASSWORD)
    assert not can_log_in(user.email, PASSWORD)

    # The link works once.
    again = Client().get(link, follow=True)
    assert "This link does not work any more" in again.text
    assert 'name="new_password1"' not in again.text


def test_an_unknown_email_gets_the_same_answer_and_no_email(db):
    user = UserFactory()
    known = Client().post(reverse("password_reset"), {"email": user.email})
    unknown = Client().post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("password_reset_done")
    assert [email.to for email in mail.outbox] == [[user.email]]


def test_an_account_gets_one_reset_email_per_interval_and_the_page_does_not_tell(db):
    user = UserFactory()
    for _ in range(3):
        response = Client().post(reverse("password_reset"), {"email": user.email})
        assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1


def test_a_tampered_link_is_refused(db):
    user = UserFactory()
    Client().post(reverse("password_reset"), {"email": user.email})
    link = link_in(mail.outbox[0].body)
    response = Client().get(link[:-3] + "xx/")
    assert "This link does not work any more" in response.text


def test_someone_who_never_set_a_password_can_ask_for_a_link(db):
    user = User.objects.create_user(email="invited@example.test", password=None)
    Client().post(reverse("password_reset"), {"email": user.email})
    [email] = mail.outbox
    assert email.subject == "Set your CBRMS password"
    set_password_through(link_in(email.body))
    assert can_log_in(user.email, NEW_PASSWORD)
