"""Inviting an organization by email: the lead sends a signed link that works once, until it
expires; whoever follows it sets the organization up with its first account and names its SER,
or answers for an organization they belong to, or declines. The lead resends or revokes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cbrms.celery import app as celery_app
from relationships.links import invitation_link
from relationships.models import (
    Membership,
    Organization,
    PartnerInvitation,
    Party,
    PartyStatus,
    Role,
    User,
)
from relationships.services.partners import partner_invite
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

BASE_URL = "https://cbrms.example.org"
NEW_PASSWORD = "tangerine-lighthouse-42"
ADDRESS = "dana.price@fabrikam.example"


@pytest.fixture(autouse=True)
def _eager_mail(settings):
    """The emails go out through their Celery tasks, run in the test's process."""
    settings.CBRMS_BASE_URL = BASE_URL
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def invite(world, *, email=ADDRESS, name="Fabrikam") -> PartnerInvitation:
    return partner_invite(
        relationship=world.relationship,
        organization=world.own,
        invited_by=world.member("own", Role.RELATIONSHIP_MANAGER),
        email=email,
        organization_name=name,
    )


def api_url(world, suffix="") -> str:
    return (
        f"/api/v1/orgs/{world.own.slug}/relationships/{world.relationship.pk}/"
        f"partner-invitations/{suffix}"
    )


def link_in(message) -> str:
    match = re.search(re.escape(BASE_URL) + r"(/join/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def join_data(**overrides) -> dict:
    return {
        "answer": "join",
        "organization_name": "Fabrikam",
        "slug": "fabrikam",
        "size_class": "medium",
        "country": "nl",
        "sector": "Logistics",
        "ser_email": "ceo@fabrikam.example",
        "full_name": "Dana Price",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }


class TestPartnerInvitationResource(ResourceCases):
    path = "relationships/{relationship}/partner-invitations/"
    read_roles = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER})
    operations = frozenset({"list", "retrieve", "create", "delete"})

    def make_object(self, world):
        serial = PartnerInvitation.objects.unscoped().count()
        return invite(world, email=f"someone{serial}@example.test", name=f"Org {serial}")

    def create_payload(self, world):
        serial = PartnerInvitation.objects.unscoped().count()
        return {"email": f"new{serial}@example.test", "organization_name": "Newco"}

    def check_deleted(self, world, obj):
        """Revoked, not gone: the invitation stays on record."""
        obj.refresh_from_db()
        assert obj.status == "revoked"


def test_the_lead_invites_by_email_and_the_link_sets_the_organization_up(
    world, django_capture_on_commit_callbacks
):
    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(
            api_url(world),
            {"email": "Dana.Price@Fabrikam.example", "organization_name": "Fabrikam"},
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["status"], body["party"]) == (ADDRESS, "pending", None)
    [message] = mail.outbox
    assert message.to == [ADDRESS]
    assert world.relationship.name in message.body
    link = link_in(message)

    page = Client().get(link)
    assert page.status_code == 200
    assert "Set up your organization" in page.text
    assert "Your account" in page.text

    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        joined = visitor.post(link, join_data(), follow=True)
    assert joined.redirect_chain[-1][0] == reverse(
        "relationship-detail", args=["fabrikam", world.relationship.pk]
    )
    fabrikam = Organization.objects.unscoped().get(slug="fabrikam")
    assert (fabrikam.name, fabrikam.country, fabrikam.size_class) == ("Fabrikam", "NL", "medium")
    dana = User.objects.get(email=ADDRESS)
    assert dana.check_password(NEW_PASSWORD)
    admin = Membership.objects.unscoped().get(user=dana, organization=fabrikam)
    assert admin.role == Role.ADMIN
    party = Party.objects.unscoped().get(relationship=world.relationship, organization=fabrikam)
    assert (party.status, party.ser) == (PartyStatus.ACTIVE, None)
    invitation = PartnerInvitation.objects.unscoped().get(pk=body["id"])
    assert (invitation.status, invitation.party, invitation.accepted_by) == (
        "accepted",
        party,
        dana,
    )
    # Logged in as the new admin, who sees the relationship and its SER to come.
    assert "Named by email; SER once they join" in joined.text

    # The SER got an invitation to join Fabrikam as an executive; accepting makes them SER.
    ser_message = mail.outbox[-1]
    assert ser_message.to == ["ceo@fabrikam.example"]
    ser_link = re.search(re.escape(BASE_URL) + r"(/invitations/\S+/)", ser_message.body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            ser_link,
            {
                "answer": "signup",
                "full_name": "Chris Executive",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )
    party.refresh_from_db()
    assert party.ser.user.email == "ceo@fabrikam.example"
    assert party.ser.role == Role.EXECUTIVE
    assert party.ser_invitation is None

    # The lead sees who accepted, through the party the invitation made.
    again = lead.get(api_url(world, f"{body['id']}/")).json()
    assert (again["status"], again["party"]) == ("accepted", party.pk)


def test_a_link_works_once(world, django_capture_on_commit_callbacks):
    link = invitation_link(invite(world))
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert visitor.post(link, join_data()).status_code == 302
    # The same link again, even by the person who used it (logged in now): closed, nothing
    # more is made.
    assert "This invitation is accepted" in Client().get(link).text
    reused = visitor.post(link, join_data(slug="fabrikam-two"))
    assert reused.status_code == 400
    assert "This invitation is accepted" in reused.text
    assert not Organization.objects.unscoped().filter(slug="fabrikam-two").exists()
    assert Party.objects.unscoped().filter(relationship=world.relationship).count() == 3


def test_an_expired_link_is_refused_and_a_resend_renews_it(
    world, django_capture_on_commit_callbacks
):
    invitation = invite(world)
    old_link = invitation_link(invitation)
    PartnerInvitation.objects.unscoped().filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert "This invitation is expired" in Client().get(old_link).text
    refused = Client().post(old_link, join_data())
    assert refused.status_code == 400
    assert "This invitation is expired" in refused.text
    assert not Organization.objects.unscoped().filter(slug="fabrikam").exists()

    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resent = lead.post(api_url(world, f"{invitation.pk}/resend/"))
    assert resent.status_code == 200
    assert resent.json()["status"] == "pending"
    new_link = link_in(mail.outbox[0])
    assert new_link != old_link
    assert Client().get(old_link).status_code == 404  # the resend voided the old link
    assert Client().get(new_link).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: signing.dumps({"i": 1, "n": "guess"}, salt="cbrms.partner-invitation"),
        # A member invitation's link, signed with its own salt, does not open a partner one.
        lambda token: signing.dumps(
            signing.loads(token, salt="cbrms.partner-invitation"), salt="cbrms.member-invitation"
        ),
    ],
    ids=["edited", "forged-nonce", "other-kind"],
)
def test_a_tampered_link_is_refused(world, tamper):
    link = invitation_link(invite(world))
    token = link.rstrip("/").rsplit("/", 1)[1]
    bad = reverse("partner-invitation-page", args=[tamper(token)])
    assert Client().get(bad).status_code == 404
    assert Client().post(bad, join_data()).status_code == 404
    assert not Organization.objects.unscoped().filter(slug="fabrikam").exists()


def test_a_revoked_or_declined_link_no_longer_works(world, django_capture_on_commit_callbacks):
    revoked = invite(world)
    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    assert lead.delete(api_url(world, f"{revoked.pk}/")).status_code == 204
    assert "This invitation is revoked" in Client().get(invitation_link(revoked)).text
    assert lead.delete(api_url(world, f"{revoked.pk}/")).json()["code"] == "invitation_closed"

    declined = invite(world, email="other@fabrikam.example")
    link = invitation_link(declined)
    assert Client().post(link, {"answer": "decline"}).status_code == 302
    declined.refresh_from_db()
    assert declined.status == "declined"
    assert Client().post(link, join_data()).status_code == 400


def test_bad_input_is_shown_beside_the_field_and_nothing_is_made(world):
    link = invitation_link(invite(world))
    own_ser = Client().post(link, join_data(ser_email=ADDRESS))
    assert own_ser.status_code == 400
    assert "Name someone other than yourself." in own_ser.text
    assert 'value="Fabrikam"' in own_ser.text  # typed input kept

    taken = Client().post(link, join_data(slug=world.partner.slug))
    assert taken.status_code == 400
    assert "Taken: choose another identifier." in taken.text
    assert not User.objects.filter(email=ADDRESS).exists()  # the account rolled back too

    mismatch = Client().post(link, join_data(password2="something-else-99"))
    assert mismatch.status_code == 400
    assert "The two passwords differ." in mismatch.text
    assert PartnerInvitation.objects.unscoped().get().status == "pending"


def test_a_person_with_an_account_answers_for_their_organization(world, newcomer_executive):
    organization, executive = newcomer_executive
    answering = MembershipFactory(
        organization=organization, role=Role.RELATIONSHIP_MANAGER, user__email=ADDRESS
    )
    link = invitation_link(invite(world))
    anonymous = Client().get(link)
    assert "Log in to answer" in anonymous.text

    client = Client()
    client.force_login(answering.user)
    page = client.get(link)
    assert "Answer for an organization you belong to" in page.text
    answered = client.post(
        link,
        {
            "answer": "accept",
            "answer-organization": str(organization.pk),
            "answer-ser": str(executive.pk),
        },
    )
    assert answered.status_code == 302
    party = Party.objects.unscoped().get(relationship=world.relationship, organization=organization)
    assert (party.status, party.ser) == (PartyStatus.ACTIVE, executive)


def test_a_person_logged_in_with_another_address_cannot_answer(world, newcomer_executive):
    organization, _ = newcomer_executive
    other = MembershipFactory(organization=organization, role=Role.ADMIN)
    link = invitation_link(invite(world))
    client = Client()
    client.force_login(other.user)
    assert "but this invitation is for" in client.get(link).text
    refused = client.post(link, {"answer": "accept", "answer-organization": str(organization.pk)})
    assert refused.status_code == 400
    assert "another email address" in refused.text
    refused = client.post(link, join_data())
    assert refused.status_code == 400
    assert "another email address" in refused.text
    assert not Party.objects.unscoped().filter(organization=organization).exists()


@pytest.fixture
def newcomer_executive():
    organization = OrganizationFactory(name="Fabrikam Test", slug="fabrikam-test")
    return organization, MembershipFactory(organization=organization, role=Role.EXECUTIVE)


@pytest.mark.parametrize("position", ["partner", "stranger"])
def test_only_the_lead_invites_by_email(world, position):
    client = api_client_for(world.member(position, Role.ADMIN))
    slug = getattr(world, position).slug
    response = client.post(
        f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/partner-invitations/",
        {"email": ADDRESS, "organization_name": "Fabrikam"},
        format="json",
    )
    # The partner sees the relationship but does not lead it; the stranger does not see it.
    assert response.status_code == (403 if position == "partner" else 404)
    assert not PartnerInvitation.objects.unscoped().exists()


def test_the_partner_never_sees_the_leads_invitations(world):
    invite(world)
    partner = api_client_for(world.member("partner", Role.ADMIN))
    url = (
        f"/api/v1/orgs/{world.partner.slug}/relationships/{world.relationship.pk}/"
        "partner-invitations/"
    )
    assert partner.get(url).json()["results"] == []


def test_a_second_open_invitation_to_the_same_address_is_refused(world):
    invite(world)
    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    response = lead.post(
        api_url(world), {"email": ADDRESS.upper(), "organization_name": "Fab"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "already_invited")


def test_the_lead_reminds_an_invited_organization(world, django_capture_on_commit_callbacks):
    invitee = OrganizationFactory(slug="contoso-test")
    answerers = [
        MembershipFactory(organization=invitee, role=role)
        for role in (Role.ADMIN, Role.EXECUTIVE, Role.RELATIONSHIP_MANAGER)
    ]
    MembershipFactory(organization=invitee, role=Role.VIEWER)
    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    parties = f"/api/v1/orgs/{world.own.slug}/relationships/{world.relationship.pk}/parties/"
    with django_capture_on_commit_callbacks(execute=True):
        party = lead.post(parties, {"organization": "contoso-test"}, format="json").json()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in answerers)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminded = lead.post(f"{parties}{party['id']}/resend/")
    assert reminded.status_code == 200
    assert len(mail.outbox) == 3
    assert "/o/contoso-test/invitations/" in mail.outbox[0].body
    # A partner cannot remind on the lead's behalf.
    partner = api_client_for(world.member("partner", Role.ADMIN))
    url = (
        f"/api/v1/orgs/{world.partner.slug}/relationships/{world.relationship.pk}/parties/"
        f"{party['id']}/resend/"
    )
    assert partner.post(url).status_code in (403, 404)


def test_the_lead_invites_by_email_in_the_browser(world, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(world.member("own", Role.RELATIONSHIP_MANAGER).user)
    url = reverse("relationship-partner-invite", args=[world.own.slug, world.relationship.pk])
    bad = client.post(url, {"partner-email": "not-an-address", "partner-organization_name": "F"})
    assert bad.status_code == 200
    assert "Enter a valid email address." in bad.text
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            url,
            {"partner-email": ADDRESS, "partner-organization_name": "Fabrikam"},
            follow=True,
        )
    assert f"Invitation sent to {ADDRESS} for Fabrikam." in sent.text
    assert "Invitations by email" in sent.text
    assert "Resend" in sent.text
    invitation = PartnerInvitation.objects.unscoped().get()
    revoke = reverse(
        "relationship-partner-invitation-revoke",
        args=[world.own.slug, world.relationship.pk, invitation.pk],
    )
    assert "is revoked" in client.post(revoke, follow=True).text
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
