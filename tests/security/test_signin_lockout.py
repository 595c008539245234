"""Failed sign-ins lock the account and the address, through every way in (relationships.signin).

The probe that found the gap: 100 wrong passwords on the login page, each answered normally, then
the right one logged in; on the token endpoint, a new ``X-Forwarded-For`` on each request got
past the throttle. Here the same attempts meet the lock, whatever the header says.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from relationships.models import Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 10  # settings.AXES_FAILURE_LIMIT (checked below)


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    settings.CBRMS_BASE_URL = "https://cbrms.example.org"
    cache.clear()  # the token endpoint's throttle and the reset-email throttle live there


def spoofed(i: int) -> str:
    return f"203.0.113.{i % 250}, 198.51.100.{i % 250}"


def login(email: str, password: str, *, address="192.0.2.10", forwarded: str | None = None):
    headers = {"REMOTE_ADDR": address}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(reverse("login"), {"username": email, "password": password}, **headers)


def token(email: str, password: str, slug: str, *, address="192.0.2.10", forwarded=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    body = {"email": email, "password": password, "organization": slug}
    return Client().post("/api/v1/auth/token/", body, content_type="application/json", **headers)


def assert_lockout_page(response) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert "Signing in is paused" in page
    assert reverse("password_reset") in page  # the way back in
    assert "administrator of your organization" in page
    assert int(response["Retry-After"]) > 0


# --- the login page ----------------------------------------------------------------------------


def test_a_hundred_wrong_passwords_lock_the_account_whatever_x_forwarded_for_says():
    user = UserFactory()
    statuses = [login(user.email, "wrong", forwarded=spoofed(i)).status_code for i in range(100)]
    assert statuses[: LIMIT - 1] == [200] * (LIMIT - 1)  # the form again, "not right"
    assert set(statuses[LIMIT - 1 :]) == {429}
    # The right password, from the same address or from another one: refused.
    assert_lockout_page(login(user.email, PASSWORD))
    assert_lockout_page(login(user.email, PASSWORD, address="192.0.2.99"))


def test_the_account_locks_whichever_addresses_the_failures_come_from():
    user = UserFactory()
    for i in range(LIMIT):
        login(user.email, "wrong", address=f"192.0.2.{i + 1}")
    assert_lockout_page(login(user.email, PASSWORD, address="192.0.2.200"))


def test_the_address_locks_whichever_accounts_it_tries():
    victims = [UserFactory() for _ in range(LIMIT)]
    for victim in victims:
        login(victim.email, "wrong", address="192.0.2.50")
    bystander = UserFactory()
    assert_lockout_page(login(bystander.email, PASSWORD, address="192.0.2.50"))
    # Elsewhere the bystander, and each victim (one failure each), sign in as usual.
    assert login(bystander.email, PASSWORD, address="192.0.2.51").status_code == 302
    assert login(victims[0].email, PASSWORD, address="192.0.2.51").status_code == 302


def test_the_email_is_counted_whatever_its_case():
    user = UserFactory()
    for i in range(LIMIT):
        email = user.email.upper() if i % 2 else f"  {user.email} "
        login(email, "wrong", address=f"192.0.2.{i + 1}")
    assert_lockout_page(login(user.email, PASSWORD, address="192.0.2.200"))


def test_a_lock_ends_after_the_cool_off(settings):
    user = UserFactory()
    for _ in range(LIMIT):
        login(user.email, "wrong")
    assert login(user.email, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    assert login(user.email, PASSWORD).status_code == 302


def test_attempts_during_a_lock_do_not_extend_it():
    user = UserFactory()
    for _ in range(LIMIT):
        login(user.email, "wrong")
    until = AccessAttempt.objects.get().attempt_time
    for _ in range(5):
        assert login(user.email, "wrong").status_code == 429
    assert AccessAttempt.objects.get().attempt_time == until


# --- behind proxies ------------------------------------------------------------------------


def test_behind_one_trusted_proxy_the_client_is_the_entry_it_appended(settings):
    settings.CBRMS_TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # Clients behind the proxy; each spoofs a different left-most entry, the proxy appends the
    # real address. The real address is what gets locked.
    victims = [UserFactory() for _ in range(LIMIT)]
    for i, victim in enumerate(victims):
        login(victim.email, "wrong", address="10.0.0.2", forwarded=f"198.51.100.{i}, 203.0.113.7")
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").count() == LIMIT
    bystander = UserFactory()
    locked = login(bystander.email, PASSWORD, address="10.0.0.2", forwarded="203.0.113.7")
    assert locked.status_code == 429
    other = login(bystander.email, PASSWORD, address="10.0.0.2", forwarded="203.0.113.8")
    assert other.status_code == 302


def test_without_trusted_proxies_the_header_is_ignored():
    user = UserFactory()
    login(user.email, "wrong", address="192.0.2.77", forwarded="203.0.113.1")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.77"]


# --- the token endpoint ------------------------------------------------------------------------


def test_the_token_endpoint_locks_the_account_and_says_so_in_json():
    membership = MembershipFactory()
    email, slug = membership.user.email, membership.organization.slug
    statuses = []
    for i in range(60):
        statuses.append(token(email, "wrong", slug, forwarded=spoofed(i)).status_code)
    assert statuses[: LIMIT - 1] == [400] * (LIMIT - 1)
    assert set(statuses[LIMIT - 1 :]) == {429}
    cache.clear()  # past the per-minute throttle: the lock still holds
    response = token(email, PASSWORD, slug, address="192.0.2.99")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out"
    assert body["retry_after_seconds"] > 0
    assert "reset your password" in body["message"]
    assert response["Retry-After"] == str(body["retry_after_seconds"])


def test_failures_on_the_token_endpoint_and_the_login_page_add_up():
    membership = MembershipFactory()
    email, slug = membership.user.email, membership.organization.slug
    for i in range(LIMIT // 2):
        token(email, "wrong", slug, address=f"192.0.2.{i + 1}")
    for i in range(LIMIT // 2):
        login(email, "wrong", address=f"192.0.2.{i + 100}")
    assert login(email, PASSWORD, address="192.0.2.200").status_code == 429


def test_the_token_throttle_counts_the_connection_not_the_header():
    statuses = [
        token(f"nobody{i}@example.com", "x", "nowhere", forwarded=spoofed(i)).status_code
        for i in range(25)
    ]
    assert 429 in statuses


# --- password change and reset -----------------------------------------------------------------


def change(client: Client, old: str):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": "tangerine-42-x", "new_password2": "tangerine-42-x"},
        REMOTE_ADDR="192.0.2.10",
    )


def test_a_wrong_current_password_counts_and_locks():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    for _ in range(LIMIT - 1):
        assert change(client, "wrong").status_code == 200
    assert_lockout_page(change(client, "wrong"))
    assert_lockout_page(change(client, PASSWORD))  # locked: even the right one is refused
    assert_lockout_page(login(user.email, PASSWORD, address="192.0.2.99"))
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_invalid_reset_links_lock_the_address():
    user = UserFactory()
    statuses = [
        Client().get(f"/password/reset/Mg/bad-token-{i}/", REMOTE_ADDR="192.0.2.60").status_code
        for i in range(LIMIT + 1)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429, 429]  # "this link is not valid", then locked
    refused = Client().post(
        reverse("password_reset"), {"email": user.email}, REMOTE_ADDR="192.0.2.60"
    )
    assert refused.status_code == 429
    assert not mail.outbox


def test_a_locked_account_recovers_by_resetting_its_password():
    user = UserFactory()
    for _ in range(LIMIT):
        login(user.email, "wrong", address="192.0.2.10")
    client = Client()
    sent = client.post(reverse("password_reset"), {"email": user.email}, REMOTE_ADDR="192.0.2.20")
    assert sent.status_code == 302
    [email] = mail.outbox
    link = re.search(r"https://cbrms\.example\.org(/password/reset/\S+/)", email.body).group(1)
    page = client.get(link, follow=True, REMOTE_ADDR="192.0.2.20")
    form_url = page.redirect_chain[-1][0]
    saved = client.post(
        form_url,
        {"new_password1": "tangerine-42-x", "new_password2": "tangerine-42-x"},
        REMOTE_ADDR="192.0.2.20",
    )
    assert saved.status_code == 302
    assert login(user.email, "tangerine-42-x", address="192.0.2.10").status_code == 302


# --- admins see and lift locks -----------------------------------------------------------------


def test_an_admin_sees_a_locked_member_and_lifts_the_lock(world):
    from tests.conftest import api_client_for

    member = world.member("own", Role.CONTRIBUTOR)
    for i in range(LIMIT):
        login(member.user.email, "wrong", address=f"192.0.2.{i + 1}")
    admin = api_client_for(world.member("own", Role.ADMIN))
    url = f"/api/v1/orgs/{world.own.slug}/members/{member.pk}/"
    assert admin.get(url).json()["locked_until"] is not None
    rows = admin.get(f"/api/v1/orgs/{world.own.slug}/members/?locked=true").json()["results"]
    assert [row["id"] for row in rows] == [member.pk]

    lifted = admin.post(f"{url}unlock/")
    assert lifted.status_code == 200
    assert lifted.json()["locked_until"] is None
    assert login(member.user.email, PASSWORD, address="192.0.2.1").status_code == 302


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_admins_lift_locks(world, role):
    from tests.conftest import api_client_for

    member = world.member("own", Role.CONTRIBUTOR)
    for _ in range(LIMIT):
        login(member.user.email, "wrong")
    client = api_client_for(world.member("own", role))
    url = f"/api/v1/orgs/{world.own.slug}/members/{member.pk}/unlock/"
    assert client.post(url).status_code == 403
    assert login(member.user.email, PASSWORD, address="192.0.2.1").status_code == 429


@pytest.mark.parametrize("position", ["partner", "stranger"])
def test_another_organization_s_admin_cannot_see_or_lift_a_lock(world, position):
    from tests.conftest import api_client_for

    member = world.member("own", Role.CONTRIBUTOR)
    for _ in range(LIMIT):
        login(member.user.email, "wrong")
    admin = world.member(position, Role.ADMIN)
    client = api_client_for(admin)
    url = f"/api/v1/orgs/{admin.organization.slug}/members/{member.pk}/unlock/"
    assert client.post(url).status_code == 404
    url = f"/api/v1/orgs/{world.own.slug}/members/{member.pk}/unlock/"
    assert client.post(url).status_code == 404
    assert login(member.user.email, PASSWORD, address="192.0.2.1").status_code == 429
