"""The management system's own documents (ISO 44001 clauses 4 and 5): context, interested
parties, scope, policy and governance are controlled documents like the corporate RMP: the
organization's alone, written in sections, issued by the SER of its management system and
immutable once issued; no other organization reaches them."""

from __future__ import annotations

import pytest
from django.test import Client

from lifecycle.models import Document, DocumentVersion, Section
from lifecycle.sections import DOCUMENTS, ORGANIZATION_KINDS
from relationships.models import Role
from tests.conftest import api_client_for
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SYSTEM_KINDS = ["ms_context", "ms_stakeholders", "ms_scope", "ms_policy", "ms_governance"]


def documents_url(org, suffix="") -> str:
    return f"/api/v1/orgs/{org.slug}/documents/{suffix}"


@pytest.fixture
def ser(world):
    executive = MembershipFactory(organization=world.own, role=Role.EXECUTIVE)
    admin = api_client_for(world.member("own", Role.ADMIN))
    named = admin.patch(f"/api/v1/orgs/{world.own.slug}/", {"ser": executive.pk}, format="json")
    assert named.status_code == 200, named.content
    return executive


def test_every_system_document_is_an_organization_kind_with_sections():
    assert set(SYSTEM_KINDS) < set(ORGANIZATION_KINDS)
    for kind in SYSTEM_KINDS:
        assert len(DOCUMENTS[kind].sections) >= 2, kind


@pytest.mark.parametrize("kind", SYSTEM_KINDS)
def test_started_written_and_issued_by_the_system_s_ser(world, ser, kind):
    manager = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    started = manager.post(documents_url(world.own), {"kind": kind}, format="json")
    assert started.status_code == 201, started.content
    document = started.json()
    assert (document["relationship"], document["visibility"]) == (None, "internal")
    again = manager.post(documents_url(world.own), {"kind": kind}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "document_exists")

    section = Section.objects.unscoped().filter(document_id=document["id"]).first()
    url = documents_url(world.own, f"{document['id']}/sections/{section.key}/")
    etag = manager.get(url)["ETag"]
    saved = manager.patch(url, {"body": "Written by us."}, format="json", HTTP_IF_MATCH=etag)
    assert saved.status_code == 200, saved.content

    versions = documents_url(world.own, f"{document['id']}/versions/")
    assert manager.post(versions, {"reason": "First issue."}).status_code == 201
    assert manager.post(f"{versions}1/approve/", {}).status_code == 403  # not the SER
    issued = api_client_for(ser).post(f"{versions}1/approve/", {})
    assert (issued.status_code, issued.json()["status"]) == (200, "issued")
    version = DocumentVersion.objects.unscoped().get(document_id=document["id"], number=1)
    assert any(s["body"] == "Written by us." for s in version.sections)

    for position in ("partner", "stranger"):
        other = api_client_for(world.member(position, Role.ADMIN))
        slug_url = documents_url(world.org(position), f"{document['id']}/")
        assert other.get(slug_url).status_code == 404
        listed = other.get(documents_url(world.org(position)))
        assert document["id"] not in [row["id"] for row in listed.json()["results"]]


def test_a_system_document_belongs_to_no_relationship(world):
    manager = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    response = manager.post(
        documents_url(world.own),
        {"kind": "ms_policy", "relationship": world.relationship.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "relationship" in response.json()["fields"]
    assert not Document.objects.unscoped().filter(kind="ms_policy").exists()


def test_the_documents_page_offers_the_system_documents(world):
    client = Client()
    client.force_login(world.member("own", Role.RELATIONSHIP_MANAGER).user)
    html = client.get(f"/o/{world.own.slug}/documents/").content.decode()
    for kind in SYSTEM_KINDS:
        assert f'value="{kind}"' in html, kind
