"""An issued version of a controlled document is evidence of the requirements that ask for it,
pinned to its hash: the joint RMP and the exit strategy on joint work, an internal RMP on its
own organization's work, and nothing anywhere else."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from cbrms.tenancy.context import acting_as
from lifecycle.models import DocumentVersion, Evidence, VersionStatus
from lifecycle.sections import DOCUMENTS
from lifecycle.services.documents import document_create
from relationships.models import Role, Visibility
from tests.lifecycle.pages import at_stage, client_for, requirements
from tests.lifecycle.test_document_versions import versions_url, write

pytestmark = pytest.mark.django_db

CATALOGS = Path(__file__).resolve().parents[2] / "lifecycle" / "catalogs"


def test_every_item_a_document_answers_is_in_a_catalog():
    known = set()
    for path in CATALOGS.glob("*.yaml"):
        known |= {item["id"] for item in yaml.safe_load(path.read_text())["items"]}
    for spec in DOCUMENTS.values():
        assert spec.answers <= known, spec.kind


def issue(document, lead, partner=None) -> DocumentVersion:
    number = lead.manager_api.post(versions_url(lead.organization, document), {}).json()["number"]
    lead.ser_api.post(versions_url(lead.organization, document, f"{number}/approve/"), {})
    if partner is not None:
        partner.ser_api.post(versions_url(partner.organization, document, f"{number}/approve/"), {})
    version = DocumentVersion.objects.unscoped().get(document=document, number=number)
    assert version.status == VersionStatus.ISSUED
    return version


def requirement_for(relationship, organization, key: str, stage: int, visibility):
    return next(
        r for r in requirements(relationship, organization, stage, visibility) if r.item.key == key
    )


def evidence_url(org, relationship) -> str:
    return f"/api/v1/orgs/{org.slug}/relationships/{relationship.pk}/evidence/"


@pytest.fixture
def joint_rmp(world, lead):
    relationship = at_stage(world.relationship, 4)
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        document = document_create(
            kind="joint_rmp",
            organization=world.own,
            membership=lead.manager,
            relationship=relationship,
        )
    write(document, lead, "purpose", "We distribute together.")
    return document


def test_an_issued_joint_rmp_is_pinned_as_evidence_of_initiating_it(
    world, lead, partner, joint_rmp
):
    version = issue(joint_rmp, lead, partner)
    initiate = requirement_for(world.relationship, world.own, "iso44001:8.5.9", 4, Visibility.JOINT)
    response = partner.manager_api.post(
        evidence_url(world.partner, world.relationship),
        {
            "requirement": initiate.pk,
            "kind": "document",
            "title": "Joint RMP v1",
            "document_version": version.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_hash"] == version.content_hash
    assert body["status"] == "approved"  # its SERs issued it
    assert body["document_version"]["number"] == 1
    assert body["document_version"]["kind"] == "joint_rmp"

    # A later version changes nothing of what was pinned.
    write(joint_rmp, lead, "purpose", "We distribute together, and store too.")
    issue(joint_rmp, lead, partner)
    pinned = Evidence.objects.unscoped().get(pk=body["id"])
    assert (pinned.document_version, pinned.content_hash) == (version, version.content_hash)
    refused = partner.manager_api.patch(
        f"{evidence_url(world.partner, world.relationship)}{pinned.pk}/",
        {"note": "something else"},
        format="json",
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "evidence_pinned")

    # The lead sees it, in the partner's name.
    seen = lead.manager_api.get(f"{evidence_url(world.own, world.relationship)}{pinned.pk}/")
    assert seen.json()["organization"] == world.partner.slug


def test_a_version_is_refused_where_it_does_not_answer_or_is_not_issued(
    world, lead, partner, joint_rmp
):
    url = evidence_url(world.own, world.relationship)
    initiate = requirement_for(world.relationship, world.own, "iso44001:8.5.9", 4, Visibility.JOINT)
    pending = lead.manager_api.post(versions_url(world.own, joint_rmp), {}).json()
    in_approval = lead.manager_api.post(
        url,
        {
            "requirement": initiate.pk,
            "kind": "document",
            "title": "Too early",
            "document_version": pending["id"],
        },
        format="json",
    )
    assert (in_approval.status_code, in_approval.json()["code"]) == (400, "version_not_issued")

    lead.ser_api.post(versions_url(world.own, joint_rmp, "1/approve/"), {})
    partner.ser_api.post(versions_url(world.partner, joint_rmp, "1/approve/"), {})
    other = next(
        r
        for r in requirements(world.relationship, world.own, 4, Visibility.JOINT)
        if r.item.key != "iso44001:8.5.9"
    )
    elsewhere = lead.manager_api.post(
        url,
        {
            "requirement": other.pk,
            "kind": "document",
            "title": "Not what it asks for",
            "document_version": pending["id"],
        },
        format="json",
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (400, "document_does_not_answer")
    missing = lead.manager_api.post(
        url,
        {"requirement": initiate.pk, "kind": "document", "title": "No version"},
        format="json",
    )
    assert missing.status_code == 400
    assert "document_version" in missing.json()["fields"]
    assert not Evidence.objects.unscoped().filter(kind="document").exists()


def test_an_internal_rmp_answers_its_own_organizations_work_only(world, lead, partner):
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        internal = document_create(
            kind="internal_rmp",
            organization=world.own,
            membership=lead.manager,
            relationship=world.relationship,
        )
    version = issue(internal, lead)
    own_rmp = requirement_for(world.relationship, world.own, "iso44001:8.2.9", 1, "internal")
    attached = lead.manager_api.post(
        evidence_url(world.own, world.relationship),
        {
            "requirement": own_rmp.pk,
            "kind": "document",
            "title": "Internal RMP v1",
            "document_version": version.pk,
        },
        format="json",
    )
    assert attached.status_code == 201, attached.content
    assert attached.json()["visibility"] == "internal"

    # The partner can neither name the lead's internal version nor learn that it exists.
    theirs = requirement_for(world.relationship, world.partner, "iso44001:8.2.9", 1, "internal")
    refused = partner.manager_api.post(
        evidence_url(world.partner, world.relationship),
        {
            "requirement": theirs.pk,
            "kind": "document",
            "title": "Borrowed",
            "document_version": version.pk,
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "document_version" in refused.json()["fields"]
    assert Evidence.objects.unscoped().filter(kind="document").count() == 1


def test_the_requirement_card_offers_the_versions_it_accepts(world, lead, partner, joint_rmp):
    version = issue(joint_rmp, lead, partner)
    initiate = requirement_for(world.relationship, world.own, "iso44001:8.5.9", 4, Visibility.JOINT)
    client = client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    page = client.get(
        reverse(
            "relationship-requirement", args=[world.own.slug, world.relationship.pk, initiate.pk]
        )
    )
    assert "Attach an issued plan" in page.text
    assert f'<option value="{version.pk}">' in page.text
    other = next(
        r
        for r in requirements(world.relationship, world.own, 4, Visibility.JOINT)
        if r.item.key != "iso44001:8.5.9"
    )
    elsewhere = client.get(
        reverse("relationship-requirement", args=[world.own.slug, world.relationship.pk, other.pk])
    )
    assert "Attach an issued plan" not in elsewhere.text

    url = reverse(
        "relationship-evidence-pin", args=[world.own.slug, world.relationship.pk, initiate.pk]
    )
    attached = client.post(
        url, {f"pin-{initiate.pk}-document_version": str(version.pk)}, follow=True
    )
    assert "attached to" in attached.text
    assert "issued version 1, pinned to" in attached.text
    evidence = Evidence.objects.unscoped().get(kind="document")
    assert evidence.content_hash == version.content_hash
    # A version the card does not offer is refused beside the field, nothing stored.
    bad = client.post(url, {f"pin-{initiate.pk}-document_version": "999999"})
    assert "Select a valid choice" in bad.text
    assert Evidence.objects.unscoped().filter(kind="document").count() == 1
