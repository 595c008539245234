"""Issuing a document: a frozen, hashed version its SERs approve through the ledger; issued
versions never change; any two versions compare section by section."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cbrms.tenancy.context import acting_as
from lifecycle.models import DecisionRecord, DocumentVersion, RecordKind, Section, VersionStatus
from lifecycle.services.documents import document_create, section_save
from lifecycle.services.ledger import chain_verify
from relationships.models import Role
from tests.conftest import api_client_for
from tests.lifecycle.pages import at_stage, client_for

pytestmark = pytest.mark.django_db


def versions_url(org, document, suffix: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/documents/{document.pk}/versions/{suffix}"


def write(document, side, key: str, body: str) -> None:
    with acting_as(side.organization, user=side.manager.user, membership=side.manager):
        section = (
            Section.objects.unscoped()
            .select_related("document__relationship")
            .get(document=document, key=key)
        )
        section_save(
            section=section, membership=side.manager, expected_version=section.version, body=body
        )


@pytest.fixture
def joint_rmp(world, lead, partner):
    relationship = at_stage(world.relationship, 4)
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        document = document_create(
            kind="joint_rmp",
            organization=world.own,
            membership=lead.manager,
            relationship=relationship,
        )
    write(document, lead, "purpose", "We distribute together.\nNorthwind plans, Contoso moves.")
    return document


def test_both_sers_issue_the_joint_rmp_through_the_ledger(world, lead, partner, joint_rmp):
    asked = lead.manager_api.post(
        versions_url(world.own, joint_rmp), {"reason": "Agreed at the team meeting."}
    )
    assert asked.status_code == 201, asked.content
    version = asked.json()
    assert (version["number"], version["status"]) == (1, "in_approval")
    frozen = DocumentVersion.objects.unscoped().get(document=joint_rmp, number=1)
    canonical = json.dumps(
        {"title": frozen.title, "sections": frozen.sections},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert version["content_hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert {a["person"]["id"] for a in version["approvers"]} == {lead.ser.pk, partner.ser.pk}
    assert frozen.sections[0]["body"].startswith("We distribute together.")

    again = lead.manager_api.post(versions_url(world.own, joint_rmp), {})
    assert again.status_code == 409
    assert again.json()["code"] == "version_pending"

    # The draft stays open; the frozen copy does not follow it.
    write(joint_rmp, partner, "purpose", "Changed after the request.")
    first = lead.ser_api.post(versions_url(world.own, joint_rmp, "1/approve/"), {})
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "in_approval"
    second = partner.ser_api.post(versions_url(world.partner, joint_rmp, "1/approve/"), {})
    assert second.json()["status"] == "issued"
    issued = DocumentVersion.objects.unscoped().get(pk=frozen.pk)
    assert issued.decided_at is not None
    assert issued.sections[0]["body"].startswith("We distribute together.")
    kinds = list(
        DecisionRecord.objects.unscoped()
        .filter(relationship=world.relationship)
        .filter(pk__gte=issued.request_id)
        .values_list("kind", flat=True)
        .order_by("id")
    )
    assert kinds == [
        RecordKind.ISSUE_REQUESTED,
        RecordKind.APPROVED,
        RecordKind.APPROVED,
        RecordKind.VERSION_ISSUED,
    ]
    assert chain_verify(relationship_id=world.relationship.pk).verified
    decisions = partner.manager_api.get(versions_url(world.partner, joint_rmp, "1/")).json()
    assert [d["kind"] for d in decisions["decisions"]] == ["approved", "approved", "version_issued"]


def test_who_may_ask_and_who_may_decide(world, lead, partner, joint_rmp):
    contributor = api_client_for(world.member("own", Role.CONTRIBUTOR))
    assert contributor.post(versions_url(world.own, joint_rmp), {}).status_code == 403
    other_executive = api_client_for(world.member("own", Role.EXECUTIVE))
    refused = other_executive.post(versions_url(world.own, joint_rmp), {})
    assert refused.status_code == 403
    assert refused.json()["code"] == "cannot_request_issue"

    partner.manager_api.post(versions_url(world.partner, joint_rmp), {})
    not_ser = other_executive.post(versions_url(world.own, joint_rmp, "1/approve/"), {})
    assert not_ser.status_code == 403
    assert not_ser.json()["code"] == "not_an_approver"
    manager = lead.manager_api.post(versions_url(world.own, joint_rmp, "1/approve/"), {})
    assert manager.status_code == 403  # a manager holds no gates.decide
    stranger = api_client_for(world.member("stranger", Role.EXECUTIVE))
    assert stranger.get(versions_url(world.stranger, joint_rmp)).status_code == 404

    twice = lead.ser_api.post(versions_url(world.own, joint_rmp, "1/approve/"), {})
    assert twice.status_code == 200
    again = lead.ser_api.post(versions_url(world.own, joint_rmp, "1/approve/"), {})
    assert again.json()["code"] == "already_decided"


def test_a_rejection_says_why_and_a_new_version_can_follow(world, lead, partner, joint_rmp):
    lead.manager_api.post(versions_url(world.own, joint_rmp), {})
    silent = partner.ser_api.post(versions_url(world.partner, joint_rmp, "1/reject/"), {})
    assert silent.status_code == 400
    rejected = partner.ser_api.post(
        versions_url(world.partner, joint_rmp, "1/reject/"),
        {"comment": "The resources section is empty."},
    )
    assert rejected.json()["status"] == "rejected"
    closed = lead.ser_api.post(versions_url(world.own, joint_rmp, "1/approve/"), {})
    assert closed.json()["code"] == "version_closed"
    assert lead.manager_api.post(versions_url(world.own, joint_rmp), {}).json()["number"] == 2


def test_nothing_changed_since_the_issued_version_is_refused(world, lead, partner, joint_rmp):
    lead.manager_api.post(versions_url(world.own, joint_rmp), {})
    for side, org in ((lead, world.own), (partner, world.partner)):
        side.ser_api.post(versions_url(org, joint_rmp, "1/approve/"), {})
    same = lead.manager_api.post(versions_url(world.own, joint_rmp), {})
    assert same.status_code == 409
    assert same.json()["code"] == "nothing_changed"


def test_an_issued_version_refuses_changes_through_the_api_and_sql(world, lead, partner, joint_rmp):
    lead.manager_api.post(versions_url(world.own, joint_rmp), {})
    pending = DocumentVersion.objects.unscoped().get(document=joint_rmp)
    # Even in approval, the frozen content never changes.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE lifecycle_documentversion SET content_hash = 'x' WHERE id = %s", [pending.pk]
        )
    for side, org in ((lead, world.own), (partner, world.partner)):
        side.ser_api.post(versions_url(org, joint_rmp, "1/approve/"), {})
    url = versions_url(world.own, joint_rmp, "1/")
    for method in ("put", "patch", "delete"):
        assert getattr(lead.manager_api, method)(url, {}).status_code == 405
    for sql in (
        "UPDATE lifecycle_documentversion SET status = 'rejected' WHERE id = %s",
        "DELETE FROM lifecycle_documentversion WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pending.pk])
    assert DocumentVersion.objects.unscoped().get(pk=pending.pk).status == VersionStatus.ISSUED


def test_an_internal_rmp_is_issued_by_its_own_ser_and_seen_by_nobody_else(world, lead, partner):
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        internal = document_create(
            kind="internal_rmp",
            organization=world.own,
            membership=lead.manager,
            relationship=world.relationship,
        )
    asked = lead.manager_api.post(versions_url(world.own, internal), {}).json()
    assert [a["person"]["id"] for a in asked["approvers"]] == [lead.ser.pk]
    assert partner.manager_api.get(versions_url(world.partner, internal)).status_code == 404
    assert lead.ser_api.post(versions_url(world.own, internal, "1/approve/"), {}).json()[
        "status"
    ] == ("issued")
    # The partner's ledger shows none of it.
    assert (
        not DecisionRecord.objects.unscoped()
        .filter(
            relationship=world.relationship, visibility="joint", kind=RecordKind.ISSUE_REQUESTED
        )
        .exists()
    )


def test_two_versions_compare_section_by_section(world, lead, partner, joint_rmp):
    lead.manager_api.post(versions_url(world.own, joint_rmp), {})
    write(joint_rmp, partner, "purpose", "We distribute together.\nContoso moves, quickly.")
    compare = lead.manager_api.get(
        f"/api/v1/orgs/{world.own.slug}/documents/{joint_rmp.pk}/compare/?before=1&after=draft"
    )
    assert compare.status_code == 200, compare.content
    sections = {s["key"]: s for s in compare.json()["sections"]}
    purpose = sections["purpose"]
    assert purpose["change"] == "changed"
    assert {"op": "delete", "text": "Northwind plans, Contoso moves."} in purpose["lines"]
    assert {"op": "insert", "text": "Contoso moves, quickly."} in purpose["lines"]
    assert {"op": "equal", "text": "We distribute together."} in purpose["lines"]
    assert sections["governance"]["change"] == "unchanged"
    wrong = lead.manager_api.get(
        f"/api/v1/orgs/{world.own.slug}/documents/{joint_rmp.pk}/compare/?before=9"
    )
    assert wrong.status_code == 400
    assert "before" in wrong.json()["fields"]

    # The browser's diff view says the same.
    page = (
        client_for(lead.manager)
        .get(
            reverse("document-compare", args=[world.own.slug, joint_rmp.pk])
            + "?before=1&after=draft"
        )
        .text
    )
    assert "<del>- Northwind plans, Contoso moves.</del>" in page
    assert "<ins>+ Contoso moves, quickly.</ins>" in page


def test_issuing_in_the_browser(world, lead, partner, joint_rmp):
    page_url = reverse("document-page", args=[world.own.slug, joint_rmp.pk])
    manager = client_for(lead.manager)
    assert "Ask the SERs to issue this draft" in manager.get(page_url).text
    asked = manager.post(
        reverse("document-version-request", args=[world.own.slug, joint_rmp.pk]),
        {"reason": "Ready."},
        follow=True,
    )
    assert "Version 1 is frozen and waits for its SERs" in asked.text
    assert "Ask the SERs to issue this draft" not in asked.text

    ser = client_for(lead.ser)
    approvals = ser.get(reverse("approvals", args=[world.own.slug])).text
    assert "Documents to issue" in approvals
    assert f"{joint_rmp.title}, version 1" in approvals
    assert "Approve version 1" in ser.get(page_url).text
    decide_url = reverse("document-version-decide", args=[world.own.slug, joint_rmp.pk, 1])
    # Shown back first: nothing is recorded until the SER confirms.
    asked = ser.post(decide_url, {"decision": "approve", "comment": "Looks right."})
    assert "Approve version 1?" in asked.text
    assert "Confirm approval" in asked.text
    assert not DecisionRecord.objects.unscoped().filter(kind=RecordKind.APPROVED).exists()
    changed = ser.post(
        decide_url, {"decision": "approve", "comment": "Looks right.", "change": "1"}
    )
    assert "Approve version 1?" not in changed.text
    assert ">Looks right.</textarea>" in changed.text
    refused = ser.post(decide_url, {"decision": "reject", "comment": ""}, follow=True)
    assert "Say why you reject this version." in refused.text
    ser.post(decide_url, {"decision": "approve", "comment": "Looks right.", "confirmed": "1"})
    waiting = (
        client_for(partner.ser)
        .get(reverse("document-page", args=[world.partner.slug, joint_rmp.pk]))
        .text
    )
    assert f"{lead.ser.user} ({world.own.name}):\n            approved: “Looks right.”" in waiting
    assert f"{partner.ser.user} ({world.partner.name}):\n            waiting" in waiting
    partner_ser = client_for(partner.ser)
    done = partner_ser.post(
        reverse("document-version-decide", args=[world.partner.slug, joint_rmp.pk, 1]),
        {"decision": "approve", "confirmed": "1"},
        follow=True,
    )
    assert "Version 1 is issued." in done.text
    assert "Approve version 1" not in done.text
    # A manager cannot decide, even by posting.
    assert manager.post(decide_url, {"decision": "approve"}).status_code == 403


def test_the_versions_list_query_count_does_not_grow_with_the_versions(
    world, lead, partner, joint_rmp
):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert lead.manager_api.get(versions_url(world.own, joint_rmp)).status_code == 200
        return len(queries)

    def one_rejected_version(text: str) -> None:
        write(joint_rmp, lead, "purpose", text)
        number = lead.manager_api.post(versions_url(world.own, joint_rmp), {}).json()["number"]
        partner.ser_api.post(
            versions_url(world.partner, joint_rmp, f"{number}/reject/"), {"comment": "Not yet."}
        )

    one_rejected_version("First try.")
    once = queries_for_list()
    for attempt in ("Second try.", "Third try."):
        one_rejected_version(attempt)
    assert queries_for_list() == once
