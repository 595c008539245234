"""Controlled documents through the API: starting them, who sees them, and writing sections
without losing anyone's edit (ETag / If-Match)."""

from __future__ import annotations

import pytest

from cbrms.audit.models import AuditEvent
from lifecycle.models import Document, Section
from lifecycle.sections import DOCUMENTS, DocumentKind
from relationships.models import Relationship, RelationshipStatus, Role
from tests.conftest import api_client_for
from tests.lifecycle.pages import at_stage

pytestmark = pytest.mark.django_db


def docs_url(org) -> str:
    return f"/api/v1/orgs/{org.slug}/documents/"


def section_url(org, document_id: int, key: str, suffix: str = "") -> str:
    return f"{docs_url(org)}{document_id}/sections/{key}/{suffix}"


def start(client, org, kind: str, relationship=None, expect: int = 201):
    body = {"kind": kind}
    if relationship is not None:
        body["relationship"] = relationship.pk
    response = client.post(docs_url(org), body, format="json")
    assert response.status_code == expect, response.content
    return response.json()


@pytest.fixture
def joint_rmp(world, lead):
    relationship = at_stage(world.relationship, 4)
    return start(lead.manager_api, world.own, "joint_rmp", relationship)


# --- starting documents ----------------------------------------------------------------------


def test_the_lead_starts_the_joint_rmp_in_stage_4_with_every_section(world, lead, partner):
    too_early = start(lead.manager_api, world.own, "joint_rmp", world.relationship, expect=409)
    assert too_early["code"] == "too_early"
    assert "stage 4, Partner selection" in too_early["message"]

    relationship = at_stage(world.relationship, 4)
    refused = start(partner.manager_api, world.partner, "joint_rmp", relationship, expect=403)
    assert refused["code"] == "not_lead"

    document = start(lead.manager_api, world.own, "joint_rmp", relationship)
    assert (document["kind"], document["visibility"], document["organization"]) == (
        "joint_rmp",
        "joint",
        world.own.slug,
    )
    assert [s["key"] for s in document["sections"]] == [
        spec.key for spec in DOCUMENTS[DocumentKind.JOINT_RMP].sections
    ]
    assert all(s["version"] == 1 for s in document["sections"])

    again = start(lead.manager_api, world.own, "joint_rmp", relationship, expect=409)
    assert again["code"] == "document_exists"
    # The partner reads it, and its sections.
    seen = partner.manager_api.get(f"{docs_url(world.partner)}{document['id']}/")
    assert seen.status_code == 200
    assert seen.json()["title"] == document["title"]


def test_who_may_start_a_document(world, lead):
    for role in (Role.VIEWER, Role.CONTRIBUTOR, Role.EXECUTIVE):
        client = api_client_for(world.member("own", role))
        response = client.post(docs_url(world.own), {"kind": "corporate_rmp"}, format="json")
        assert response.status_code == 403, role
    corporate = start(lead.manager_api, world.own, "corporate_rmp")
    assert corporate["relationship"] is None
    wrong = lead.manager_api.post(
        docs_url(world.own),
        {"kind": "corporate_rmp", "relationship": world.relationship.pk},
        format="json",
    )
    assert wrong.status_code == 400
    assert "relationship" in wrong.json()["fields"]
    # A relationship the organization cannot see is no relationship at all.
    hidden = lead.manager_api.post(
        docs_url(world.own),
        {"kind": "internal_rmp", "relationship": world.stranger_relationship.pk},
        format="json",
    )
    assert hidden.status_code == 400
    assert "relationship" in hidden.json()["fields"]


def test_internal_and_corporate_plans_never_reach_another_organization(world, lead, partner):
    internal = start(lead.manager_api, world.own, "internal_rmp", world.relationship)
    corporate = start(lead.manager_api, world.own, "corporate_rmp")
    partner_internal = start(partner.manager_api, world.partner, "internal_rmp", world.relationship)
    etag = lead.manager_api.get(section_url(world.own, internal["id"], "objectives"))["ETag"]
    lead.manager_api.patch(
        section_url(world.own, internal["id"], "objectives"),
        {"body": "Northwind secret margin target"},
        format="json",
        headers={"If-Match": etag},
    )

    stranger = api_client_for(world.member("stranger", Role.ADMIN))
    for client, org in ((partner.manager_api, world.partner), (stranger, world.stranger)):
        listed = client.get(docs_url(org)).json()["results"]
        assert {d["id"] for d in listed} <= {partner_internal["id"]}
        for document in (internal, corporate):
            assert client.get(f"{docs_url(org)}{document['id']}/").status_code == 404
            sections = client.get(f"{docs_url(org)}{document['id']}/sections/")
            assert sections.status_code == 404
            assert client.get(section_url(org, document["id"], "objectives")).status_code in (404,)
        # Nor through the audit feed.
        feed = client.get(f"/api/v1/orgs/{org.slug}/audit-events/?page_size=200").text
        assert "Northwind secret margin target" not in feed
    # The lead's own feed has it: the trail holds the change.
    assert AuditEvent.objects.unscoped().filter(table="lifecycle_section").exists()
    own_feed = lead.manager_api.get(f"/api/v1/orgs/{world.own.slug}/audit-events/?page_size=200")
    assert "Northwind secret margin target" in own_feed.text
    # And the lead never sees the partner's.
    assert (
        lead.manager_api.get(f"{docs_url(world.own)}{partner_internal['id']}/").status_code == 404
    )


# --- writing sections --------------------------------------------------------------------------


def test_a_section_is_written_from_the_version_read_and_a_stale_write_loses_nothing(
    world, lead, partner, joint_rmp
):
    url = section_url(world.own, joint_rmp["id"], "purpose")
    read = lead.manager_api.get(url)
    assert read.status_code == 200
    assert read["ETag"] == '"1"'
    assert read.json()["title"] == "Purpose and scope"

    missing = lead.manager_api.patch(url, {"body": "No version"}, format="json")
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"

    body = "We **distribute** together. <script>alert(1)</script> [x](javascript:alert(1))"
    saved = lead.manager_api.patch(url, {"body": body}, format="json", headers={"If-Match": '"1"'})
    assert saved.status_code == 200, saved.content
    assert saved["ETag"] == '"2"'
    section = saved.json()
    assert section["body"] == body  # kept as written
    assert "<strong>distribute</strong>" in section["body_html"]
    assert "<script" not in section["body_html"]
    assert "javascript:" not in section["body_html"].replace("javascript:alert(1))", "")
    assert section["updated_by"]["id"] == lead.manager.pk

    # The partner started from version 1 too: refused, told what is current, nothing saved.
    partner_url = section_url(world.partner, joint_rmp["id"], "purpose")
    stale = partner.manager_api.patch(
        partner_url, {"body": "Contoso's version"}, format="json", headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale["ETag"] == '"2"'
    answer = stale.json()
    assert answer["code"] == "stale_version"
    assert answer["current"]["body"] == body
    assert answer["current"]["version"] == 2
    stored = Section.objects.unscoped().get(document_id=joint_rmp["id"], key="purpose")
    assert (stored.version, stored.body) == (2, body)

    # From the current version, the partner's save goes through.
    merged = partner.manager_api.patch(
        partner_url,
        {"body": body + "\n\nContoso adds its view."},
        format="json",
        headers={"If-Match": '"2"'},
    )
    assert merged.status_code == 200
    assert merged["ETag"] == '"3"'

    # Saving what is there already changes nothing.
    same = partner.manager_api.patch(
        partner_url,
        {"body": body + "\n\nContoso adds its view."},
        format="json",
        headers={"If-Match": '"3"'},
    )
    assert same["ETag"] == '"3"'
    bad = partner.manager_api.patch(
        partner_url, {"body": "x"}, format="json", headers={"If-Match": "latest"}
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_if_match"


def test_structured_fields_are_checked_against_the_section(world, lead, joint_rmp):
    url = section_url(world.own, joint_rmp["id"], "governance")
    structure = lead.manager_api.get(url).json()["structure"]
    assert [f["key"] for f in structure] == [
        "meeting_cadence",
        "management_team",
        "decision_rights",
    ]

    wrong = lead.manager_api.patch(
        url,
        {
            "fields": {
                "meeting_cadence": "hourly",
                "budget": "1M",
                "management_team": [{"person": "Ana", "shoe_size": "40"}],
            }
        },
        format="json",
        headers={"If-Match": '"1"'},
    )
    assert wrong.status_code == 400
    errors = wrong.json()["fields"]
    assert set(errors) == {"meeting_cadence", "budget", "management_team"}
    assert "fortnightly" in errors["meeting_cadence"][0]

    saved = lead.manager_api.patch(
        url,
        {
            "fields": {
                "meeting_cadence": "fortnightly",
                "management_team": [
                    {"person": "Tom Becker", "party": "Northwind", "role": "Co-chair"},
                    {"person": "", "party": "", "role": ""},
                ],
            }
        },
        format="json",
        headers={"If-Match": '"1"'},
    )
    assert saved.status_code == 200, saved.content
    fields = saved.json()["fields"]
    assert fields["meeting_cadence"] == "fortnightly"
    assert fields["management_team"] == [
        {"person": "Tom Becker", "party": "Northwind", "role": "Co-chair"}
    ]
    # Only what is given changes.
    again = lead.manager_api.patch(
        url, {"body": "Text only."}, format="json", headers={"If-Match": '"2"'}
    )
    assert again.json()["fields"]["meeting_cadence"] == "fortnightly"


def test_who_may_write_which_section(world, lead, partner, joint_rmp):
    own_internal = start(lead.manager_api, world.own, "internal_rmp", world.relationship)
    data, headers = {"body": "x"}, {"If-Match": '"1"'}
    viewer = api_client_for(world.member("own", Role.VIEWER))
    denied = viewer.patch(section_url(world.own, joint_rmp["id"], "purpose"), data, headers=headers)
    assert denied.status_code == 403
    contributor = api_client_for(world.member("partner", Role.CONTRIBUTOR))
    allowed = contributor.patch(
        section_url(world.partner, joint_rmp["id"], "purpose"), data, format="json", headers=headers
    )
    assert allowed.status_code == 200
    # Another organization's internal plan is not there to write.
    hidden = partner.manager_api.patch(
        section_url(world.partner, own_internal["id"], "roles"),
        data,
        format="json",
        headers=headers,
    )
    assert hidden.status_code == 404
    assert Section.objects.unscoped().get(document_id=own_internal["id"], key="roles").version == 1


def test_a_closed_relationship_s_documents_take_no_more_writes(world, lead, joint_rmp):
    Relationship.objects.unscoped().filter(pk=world.relationship.pk).update(
        status=RelationshipStatus.EXITED
    )
    refused = lead.manager_api.patch(
        section_url(world.own, joint_rmp["id"], "purpose"),
        {"body": "Too late"},
        format="json",
        headers={"If-Match": '"1"'},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "relationship_closed"


def test_the_parties_section_shows_the_parties_and_their_sers(world, lead, partner, joint_rmp):
    parties = lead.manager_api.get(section_url(world.own, joint_rmp["id"], "parties")).json()
    rows = {row["organization"]: row for row in parties["parties"]}
    assert set(rows) == {world.own.slug, world.partner.slug}
    assert rows[world.partner.slug]["ser"]["id"] == partner.ser.pk
    other = lead.manager_api.get(section_url(world.own, joint_rmp["id"], "purpose")).json()
    assert other["parties"] is None


def test_others_see_who_is_editing_a_section(world, lead, partner, joint_rmp):
    url = section_url(world.partner, joint_rmp["id"], "risks")
    assert partner.manager_api.post(url + "editing/").status_code == 204
    seen = lead.manager_api.get(section_url(world.own, joint_rmp["id"], "risks")).json()
    assert [e["person"]["id"] for e in seen["editing"]] == [partner.manager.pk]
    # Nobody is told about themselves.
    assert partner.manager_api.get(url).json()["editing"] == []
    assert partner.manager_api.delete(url + "editing/").status_code == 204
    assert (
        lead.manager_api.get(section_url(world.own, joint_rmp["id"], "risks")).json()["editing"]
        == []
    )


def test_the_exit_strategy_is_drafted_internally_and_shared_from_stage_5(world, lead, partner):
    relationship = at_stage(world.relationship, 2)
    exit_strategy = start(lead.manager_api, world.own, "exit_strategy", relationship)
    assert exit_strategy["visibility"] == "internal"
    share_url = f"{docs_url(world.own)}{exit_strategy['id']}/share/"
    early = lead.manager_api.post(share_url)
    assert early.status_code == 409
    assert early.json()["code"] == "too_early"
    partner_url = f"{docs_url(world.partner)}{exit_strategy['id']}/"
    assert partner.manager_api.get(partner_url).status_code == 404

    at_stage(world.relationship, 5)
    shared = lead.manager_api.post(share_url)
    assert shared.status_code == 200, shared.content
    assert shared.json()["visibility"] == "joint"
    assert partner.manager_api.get(partner_url).status_code == 200
    assert (
        Section.objects.unscoped()
        .filter(document_id=exit_strategy["id"])
        .exclude(visibility="joint")
        .count()
        == 0
    )
    assert Document.objects.unscoped().get(pk=exit_strategy["id"]).visibility == "joint"
