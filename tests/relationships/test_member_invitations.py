"""Joining an organization by invitation: nobody is added without saying yes.

The probe that found the gap: an admin of Northwind added ``executive@fabrikam.example`` as a
member with one request, got her stored full name back and made her a member she never agreed
to be; an unknown address echoed the name sent instead, so the answers told who has an account.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cbrms.celery import app as celery_app
from relationships.models import MemberInvitation, Membership, Role, User
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BASE_URL = "https://cbrms.example.org"
NEW_PASSWORD = "tangerine-lighthouse-42"


@pytest.fixture(autouse=True)
def _eager_mail(settings):
    """The invitation email goes out through its Celery task, run in the test's process."""
    settings.CBRMS_BASE_URL = BASE_URL
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def invite(client, slug: str, email: str, role: str = Role.CONTRIBUTOR, *, capture):
    with capture(execute=True):
        return client.post(
            f"/api/v1/orgs/{slug}/member-invitations/", {"email": email, "role": role}
        )


def link_of(message) -> str:
    match = re.search(re.escape(BASE_URL) + r"(/invitations/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


class TestMemberInvitationResource(ResourceCases):
    path = "member-invitations/"
    read_roles = frozenset({Role.ADMIN})
    write_roles = frozenset({Role.ADMIN})
    operations = frozenset({"list", "retrieve", "create", "delete"})

    def make_object(self, world):
        serial = MemberInvitation.objects.unscoped().count()
        from relationships.services.members import member_invite

        return member_invite(
            organization=world.own,
            invited_by=world.member("own", Role.ADMIN),
            email=f"invitee{serial}@example.test",
            role=Role.VIEWER,
        )

    def create_payload(self, world):
        serial = MemberInvitation.objects.unscoped().count()
        return {"email": f"new{serial}@example.test", "role": "viewer"}

    def check_deleted(self, world, obj):
        """Revoked, not gone: the invitation stays on record."""
        obj.refresh_from_db()
        assert obj.status == "revoked"


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_admins_see_invitations(world, role):
    client = api_client_for(world.member("own", role))
    assert client.get(f"/api/v1/orgs/{world.own.slug}/member-invitations/").status_code == 403


# --- the answer to the admin tells nothing about the person -------------------------------------


def comparable(body: dict) -> dict:
    return {
        key: value
        for key, value in body.items()
        if key not in ("id", "email", "created_at", "sent_at", "expires_at")
    }


def test_the_answer_is_the_same_whether_the_address_has_an_account(
    world, own_admin, django_capture_on_commit_callbacks
):
    someone = world.member("stranger", Role.EXECUTIVE)
    someone.user.full_name = "Priya Raman-Stranger"
    someone.user.save()
    known = invite(
        own_admin.client,
        world.own.slug,
        someone.user.email,
        capture=django_capture_on_commit_callbacks,
    )
    unknown = invite(
        own_admin.client,
        world.own.slug,
        "nobody-yet@example.test",
        capture=django_capture_on_commit_callbacks,
    )
    assert known.status_code == unknown.status_code == 201
    assert comparable(known.json()) == comparable(unknown.json())
    assert known.json()["status"] == "pending"
    # Her name is stored, and no answer carries it; she is no member until she accepts.
    listing = own_admin.client.get(f"/api/v1/orgs/{world.own.slug}/member-invitations/")
    for response in (known, unknown, listing):
        assert "Priya" not in response.content.decode()
    assert not Membership.objects.unscoped().filter(user=someone.user, organization=world.own)
    # Each address got its email, worded the same.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [someone.user.email, "nobody-yet@example.test"]
    )
    assert len({m.subject for m in mail.outbox}) == 1


def test_inviting_a_member_or_an_open_invitation_again_is_a_conflict(
    world, own_admin, django_capture_on_commit_callbacks
):
    member = world.member("own", Role.VIEWER)
    response = invite(
        own_admin.client,
        world.own.slug,
        member.user.email.upper(),
        capture=django_capture_on_commit_callbacks,
    )
    assert (response.status_code, response.json()["code"]) == (409, "already_member")
    invite(
        own_admin.client,
        world.own.slug,
        "twice@example.test",
        capture=django_capture_on_commit_callbacks,
    )
    again = invite(
        own_admin.client,
        world.own.slug,
        "Twice@Example.test",
        capture=django_capture_on_commit_callbacks,
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_invited")


def test_invitations_are_the_inviting_organization_s_alone(
    world, own_admin, django_capture_on_commit_callbacks
):
    created = invite(
        own_admin.client,
        world.own.slug,
        "ada@example.test",
        capture=django_capture_on_commit_callbacks,
    ).json()
    for position in ("partner", "stranger"):
        admin = world.member(position, Role.ADMIN)
        client = api_client_for(admin)
        url = f"/api/v1/orgs/{admin.organization.slug}/member-invitations/"
        assert created["id"] not in [row["id"] for row in client.get(url).json()["results"]]
        assert client.get(f"{url}{created['id']}/").status_code == 404
        assert client.delete(f"{url}{created['id']}/").status_code == 404


# --- the invited person answers -----------------------------------------------------------------


def test_an_existing_account_accepts_after_logging_in(
    world, own_admin, django_capture_on_commit_callbacks
):
    person = UserFactory(email="grace@example.test")
    invite(
        own_admin.client,
        world.own.slug,
        person.email,
        Role.EXECUTIVE,
        capture=django_capture_on_commit_callbacks,
    )
    [message] = mail.outbox
    assert message.to == [person.email]
    assert world.own.name in message.subject
    assert "with the role Executive" in message.body
    link = link_of(message)

    browser = Client()
    page = browser.get(link)
    assert page.status_code == 200
    assert "Log in to accept" in page.content.decode()
    assert "Create your account" not in page.content.decode()

    login = browser.post(
        f"{reverse('login')}?next={link}", {"username": person.email, "password": PASSWORD}
    )
    assert login.status_code == 302
    assert login["Location"] == link
    accepted = browser.post(link, {"answer": "accept"})
    assert accepted.status_code == 302
    assert accepted["Location"] == f"/o/{world.own.slug}/relationships/"
    membership = Membership.objects.unscoped().get(user=person, organization=world.own)
    assert membership.role == Role.EXECUTIVE
    invitation = MemberInvitation.objects.unscoped().get(email=person.email)
    assert (invitation.status, invitation.accepted_by) == ("accepted", person)
    # The link is single-use: it now says so, and accepting again changes nothing.
    again = browser.post(link, {"answer": "accept"})
    assert "This invitation is accepted" in again.content.decode()
    assert Membership.objects.unscoped().filter(user=person).count() == 1


def test_a_new_person_creates_their_account_from_the_link(
    world, own_admin, django_capture_on_commit_callbacks
):
    invite(
        own_admin.client,
        world.own.slug,
        "Lin@Example.test",
        Role.VIEWER,
        capture=django_capture_on_commit_callbacks,
    )
    link = link_of(mail.outbox[0])
    browser = Client()
    assert "Create your account" in browser.get(link).content.decode()
    short = browser.post(
        link,
        {"answer": "signup", "full_name": "Lin Chen", "password1": "abc", "password2": "abc"},
    )
    assert short.status_code == 200
    assert "This password is too short" in short.content.decode()
    assert not User.objects.filter(email="lin@example.test").exists()

    created = browser.post(
        link,
        {
            "answer": "signup",
            "full_name": "Lin Chen",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert created.status_code == 302
    user = User.objects.get(email="lin@example.test")
    assert (user.full_name, user.check_password(NEW_PASSWORD)) == ("Lin Chen", True)
    assert Membership.objects.unscoped().get(user=user, organization=world.own).role == "viewer"
    assert browser.get(created["Location"]).status_code == 200  # logged in, in the organization


def test_the_link_cannot_create_an_account_over_one_that_logs_in(
    world, own_admin, django_capture_on_commit_callbacks
):
    person = UserFactory(email="kept@example.test")
    invite(
        own_admin.client, world.own.slug, person.email, capture=django_capture_on_commit_callbacks
    )
    body = {
        "answer": "signup",
        "full_name": "X",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    Client().post(link_of(mail.outbox[0]), body)
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    assert not Membership.objects.unscoped().filter(user=person, organization=world.own)


def test_someone_logged_in_with_another_address_cannot_accept(
    world, own_admin, django_capture_on_commit_callbacks
):
    invite(
        own_admin.client,
        world.own.slug,
        "meant@example.test",
        capture=django_capture_on_commit_callbacks,
    )
    other = UserFactory(email="other@example.test")
    browser = Client()
    browser.force_login(other)
    link = link_of(mail.outbox[0])
    assert "this invitation is for meant@example.test" in browser.get(link).content.decode()
    refused = browser.post(link, {"answer": "accept"})
    assert refused.status_code == 200
    assert not Membership.objects.unscoped().filter(user=other, organization=world.own)


def test_declining(world, own_admin, django_capture_on_commit_callbacks):
    created = invite(
        own_admin.client,
        world.own.slug,
        "no@example.test",
        capture=django_capture_on_commit_callbacks,
    ).json()
    response = Client().post(link_of(mail.outbox[0]), {"answer": "decline"})
    assert response.status_code == 302
    url = f"/api/v1/orgs/{world.own.slug}/member-invitations/{created['id']}/"
    assert own_admin.client.get(url).json()["status"] == "declined"


def test_a_resend_voids_the_old_link_and_a_revoke_voids_every_link(
    world, own_admin, django_capture_on_commit_callbacks
):
    created = invite(
        own_admin.client,
        world.own.slug,
        "twice@example.test",
        capture=django_capture_on_commit_callbacks,
    ).json()
    first = link_of(mail.outbox[0])
    url = f"/api/v1/orgs/{world.own.slug}/member-invitations/{created['id']}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert own_admin.client.post(f"{url}resend/").status_code == 200
    second = link_of(mail.outbox[1])
    assert first != second
    assert Client().get(first).status_code == 404
    assert "Create your account" in Client().get(second).content.decode()
    assert own_admin.client.delete(url).status_code == 204
    assert "This invitation is revoked" in Client().get(second).content.decode()
    refused = Client().post(
        second,
        {
            "answer": "signup",
            "full_name": "T",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert "revoked" in refused.content.decode()
    assert not User.objects.filter(email="twice@example.test").exists()
    assert own_admin.client.delete(url).json()["code"] == "invitation_closed"


def test_an_expired_link_says_so_and_a_resend_renews_it(
    world, own_admin, django_capture_on_commit_callbacks
):
    created = invite(
        own_admin.client,
        world.own.slug,
        "late@example.test",
        capture=django_capture_on_commit_callbacks,
    ).json()
    MemberInvitation.objects.unscoped().filter(pk=created["id"]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    link = link_of(mail.outbox[0])
    assert "This invitation is expired" in Client().get(link).content.decode()
    url = f"/api/v1/orgs/{world.own.slug}/member-invitations/{created['id']}/"
    assert own_admin.client.get(url).json()["status"] == "expired"
    with django_capture_on_commit_callbacks(execute=True):
        renewed = own_admin.client.post(f"{url}resend/").json()
    assert renewed["status"] == "pending"
    assert "Create your account" in Client().get(link_of(mail.outbox[1])).content.decode()


@pytest.mark.parametrize("token", ["nonsense", "eyJpIjoxfQ:1a2b3c:abcdef"])
def test_a_forged_or_mangled_link_is_a_readable_404(token):
    response = Client().get(f"/invitations/{token}/")
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()


def test_an_email_job_for_a_replaced_link_sends_nothing(world, acting):
    from relationships.notifications import member_invited_notify as notify
    from relationships.services.members import member_invitation_resend, member_invite

    with acting(world.own):  # as the job does (tenant_task)
        invitation = member_invite(
            organization=world.own, invited_by=None, email="once@example.test", role="viewer"
        )
        first_sent = invitation.sent_at.isoformat()
        member_invitation_resend(invitation=invitation)
        assert notify(invitation_id=invitation.pk, sent_at=first_sent) == 0
        invitation.refresh_from_db()
        now_sent = invitation.sent_at.isoformat()
        assert notify(invitation_id=invitation.pk, sent_at=now_sent, job_id="j1") == 1
        assert notify(invitation_id=invitation.pk, sent_at=now_sent, job_id="j1") == 0


# --- the members page --------------------------------------------------------------------------


def test_an_admin_invites_from_the_members_page(world, django_capture_on_commit_callbacks):
    browser = Client()
    browser.force_login(world.member("own", Role.ADMIN).user)
    page = browser.get(f"/o/{world.own.slug}/members/")
    assert "Invite a person" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = browser.post(
            f"/o/{world.own.slug}/members/invite/", {"email": "new@example.test", "role": "viewer"}
        )
    assert sent.status_code == 302
    listing = browser.get(sent["Location"]).content.decode()
    assert "Invitation sent to new@example.test" in listing
    assert "new@example.test" in listing
    bad = browser.post(f"/o/{world.own.slug}/members/invite/", {"email": "nope", "role": "x"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Enter a valid email address" in text
    assert "Select a valid choice" in text


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_other_roles_see_members_but_not_the_invitations(world, role):
    browser = Client()
    browser.force_login(world.member("own", role).user)
    page = browser.get(f"/o/{world.own.slug}/members/")
    assert page.status_code == 200
    assert "Invite a person" not in page.content.decode()
    refused = browser.post(
        f"/o/{world.own.slug}/members/invite/", {"email": "new@example.test", "role": "viewer"}
    )
    assert refused.status_code == 403
