"""The corporate RMP is issued by the SER of the organization's management system, in the
organization's own chain of the ledger, and reaches nobody else."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from lifecycle.models import DecisionRecord, DocumentVersion, RecordKind
from lifecycle.services.ledger import organization_chain_verify
from relationships.models import Organization, Role, SizeClass
from tests.conftest import api_client_for
from tests.factories import MembershipFactory
from tests.lifecycle.pages import client_for

pytestmark = pytest.mark.django_db


def documents_url(org, suffix="") -> str:
    return f"/api/v1/orgs/{org.slug}/documents/{suffix}"


@pytest.fixture
def corporate(world):
    manager = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    document = manager.post(documents_url(world.own), {"kind": "corporate_rmp"}, format="json")
    assert document.status_code == 201, document.content
    return document.json()


def test_the_management_system_ser_issues_the_corporate_rmp(world, corporate):
    manager = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    versions = documents_url(world.own, f"{corporate['id']}/versions/")
    missing = manager.post(versions, {})
    assert (missing.status_code, missing.json()["code"]) == (400, "ser_missing")

    executive = MembershipFactory(organization=world.own, role=Role.EXECUTIVE)
    admin = api_client_for(world.member("own", Role.ADMIN))
    named = admin.patch(f"/api/v1/orgs/{world.own.slug}/", {"ser": executive.pk}, format="json")
    assert named.status_code == 200, named.content
    assert named.json()["ser"]["id"] == executive.pk

    asked = manager.post(versions, {"reason": "Annual review."})
    assert asked.status_code == 201, asked.content
    assert [a["person"]["id"] for a in asked.json()["approvers"]] == [executive.pk]
    # The requester is no approver, and another executive is not the SER.
    assert manager.post(f"{versions}1/approve/", {}).status_code == 403
    other = api_client_for(MembershipFactory(organization=world.own, role=Role.EXECUTIVE))
    assert other.post(f"{versions}1/approve/", {}).json()["code"] == "not_an_approver"

    issued = api_client_for(executive).post(f"{versions}1/approve/", {})
    assert (issued.status_code, issued.json()["status"]) == (200, "issued")
    version = DocumentVersion.objects.unscoped().get(document_id=corporate["id"])
    entries = list(
        DecisionRecord.objects.unscoped()
        .filter(organization=world.own, relationship__isnull=True)
        .order_by("sequence")
        .values_list("kind", "chain", "from_stage")
    )
    chain = f"internal:{world.own.pk}"
    assert entries == [
        (RecordKind.ISSUE_REQUESTED, chain, None),
        (RecordKind.APPROVED, chain, None),
        (RecordKind.VERSION_ISSUED, chain, None),
    ]
    assert organization_chain_verify(organization_id=world.own.pk).verified
    assert version.request.relationship_id is None

    # Nobody else reaches it: not the partner, not its ledger entries.
    partner = api_client_for(world.member("partner", Role.ADMIN))
    assert partner.get(documents_url(world.partner, f"{corporate['id']}/")).status_code == 404
    assert (
        partner.get(documents_url(world.partner, f"{corporate['id']}/versions/1/")).status_code
        == 404
    )

    # The organization's chain is append-only like every other.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE lifecycle_decisionrecord SET text = 'forged' WHERE id = %s",
            [version.request_id],
        )


def test_the_ser_of_a_small_organization_may_ask_and_approve_alone(world, corporate):
    Organization.objects.unscoped().filter(pk=world.own.pk).update(size_class=SizeClass.SMALL)
    executive = MembershipFactory(organization=world.own, role=Role.EXECUTIVE)
    Organization.objects.unscoped().filter(pk=world.own.pk).update(ser=executive)
    client = api_client_for(executive)
    versions = documents_url(world.own, f"{corporate['id']}/versions/")
    assert client.post(versions, {}).status_code == 201
    issued = client.post(f"{versions}1/approve/", {})
    assert issued.json()["status"] == "issued"
    approval = DecisionRecord.objects.unscoped().get(
        organization=world.own, relationship__isnull=True, kind=RecordKind.APPROVED
    )
    assert approval.payload == {"self_approved": True}


def test_a_large_organizations_ser_cannot_ask_for_the_issue_alone(world, corporate):
    executive = MembershipFactory(organization=world.own, role=Role.EXECUTIVE)
    Organization.objects.unscoped().filter(pk=world.own.pk).update(ser=executive)
    asked = api_client_for(executive).post(
        documents_url(world.own, f"{corporate['id']}/versions/"), {}
    )
    assert (asked.status_code, asked.json()["code"]) == (403, "cannot_request_issue")


def test_an_admin_names_the_ser_in_the_browser_and_only_an_executive(world):
    executive = MembershipFactory(organization=world.own, role=Role.EXECUTIVE)
    admin = client_for(world.member("own", Role.ADMIN))
    page = admin.get(reverse("member-list", args=[world.own.slug]))
    assert "Senior executive responsible of our management system" in page.text
    named = admin.post(
        reverse("organization-ser", args=[world.own.slug]),
        {"ser-ser": str(executive.pk)},
        follow=True,
    )
    assert "is the SER of your management system now" in named.text
    world.own.refresh_from_db()
    assert world.own.ser == executive
    contributor = world.member("own", Role.CONTRIBUTOR)
    refused = admin.post(
        reverse("organization-ser", args=[world.own.slug]),
        {"ser-ser": str(contributor.pk)},
        follow=True,
    )
    assert "Choose one of your executives as SER." in refused.text
    # The API says the same, in its words.
    response = api_client_for(world.member("own", Role.ADMIN)).patch(
        f"/api/v1/orgs/{world.own.slug}/", {"ser": contributor.pk}, format="json"
    )
    assert response.status_code == 400
    assert "ser" in response.json()["fields"]
    # While serving, the executive keeps the role.
    demoted = api_client_for(world.member("own", Role.ADMIN)).patch(
        f"/api/v1/orgs/{world.own.slug}/members/{executive.pk}/", {"role": "viewer"}, format="json"
    )
    assert (demoted.status_code, demoted.json()["code"]) == (409, "member_is_ser")
