"""Controlled documents in the browser: starting one from the relationship page, writing a
section, and a save that comes second keeping what was typed beside the current text."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from cbrms.tenancy.context import acting_as
from lifecycle.models import Document, Section
from lifecycle.services.documents import document_create, section_editing_mark, section_save
from relationships.models import Role
from tests.lifecycle.pages import HTMX, at_stage, client_for, detail_url

pytestmark = pytest.mark.django_db


def page_url(org, document) -> str:
    return reverse("document-page", args=[org.slug, document.pk])


def edit_url(org, document, key: str) -> str:
    return reverse("document-section-edit", args=[org.slug, document.pk, key])


def start_url(org) -> str:
    return reverse("document-start", args=[org.slug])


def started(relationship, side, kind: str) -> Document:
    with acting_as(side.organization, user=side.manager.user, membership=side.manager):
        return document_create(
            kind=kind,
            organization=side.organization,
            membership=side.manager,
            relationship=relationship,
        )


def test_the_lead_starts_the_joint_rmp_from_the_relationship_page(world, lead, partner):
    relationship = at_stage(world.relationship, 4)
    manager = client_for(lead.manager)
    page = manager.get(detail_url(world.own, relationship)).text
    assert "Start the joint relationship management plan" in page
    assert "Start the internal relationship management plan" in page
    # The partner is offered its own plans, never the joint RMP (the lead starts it).
    partner_page = client_for(partner.manager).get(detail_url(world.partner, relationship)).text
    assert "Start the joint relationship management plan" not in partner_page
    assert "Start the internal relationship management plan" in partner_page

    response = manager.post(
        start_url(world.own),
        {"kind": "joint_rmp", "relationship": relationship.pk},
        follow=True,
    )
    document = Document.objects.unscoped().get(relationship=relationship, kind="joint_rmp")
    assert response.redirect_chain[-1][0] == page_url(world.own, document)
    assert escape(f"“{document.title}” started") in response.text
    assert "1. Purpose and scope" in response.text
    assert "13. Joint exit strategy" in response.text
    # Both parties are listed, with their SERs.
    assert world.partner.name in response.text
    assert (
        "Start the joint relationship management plan"
        not in manager.get(detail_url(world.own, relationship)).text
    )

    # Too early: refused with the reason, nothing made.
    early = manager.post(
        start_url(world.own),
        {"kind": "exit_strategy", "relationship": at_stage(world.relationship, 1).pk},
        follow=True,
    )
    assert "starts in stage 2, Knowledge" in early.text
    assert not Document.objects.unscoped().filter(kind="exit_strategy").exists()


def test_a_section_is_written_with_its_structured_fields(world, lead):
    relationship = at_stage(world.relationship, 4)
    document = started(relationship, lead, "joint_rmp")
    manager = client_for(lead.manager)
    form = manager.get(edit_url(world.own, document, "governance")).text
    assert "Joint management team" in form
    assert 'name="section-version" value="1"' in form

    response = manager.post(
        edit_url(world.own, document, "governance"),
        {
            "section-version": "1",
            "section-body": "The team meets **every two weeks**. <script>x()</script>",
            "section-field_meeting_cadence": "fortnightly",
            "section-management_team-rows": "2",
            "section-management_team-0-person": "Tom Becker",
            "section-management_team-0-party": "Northwind",
            "section-management_team-0-role": "Co-chair",
            "section-management_team-1-person": "",
            "section-decision_rights-rows": "0",
        },
        follow=True,
    )
    assert escape("“Joint governance” saved.") in response.text
    section = Section.objects.unscoped().get(document=document, key="governance")
    assert section.version == 2
    assert section.fields["meeting_cadence"] == "fortnightly"
    assert section.fields["management_team"] == [
        {"person": "Tom Becker", "party": "Northwind", "role": "Co-chair"}
    ]
    assert "<strong>every two weeks</strong>" in response.text
    assert "<script>x()</script>" not in response.text
    assert "Every two weeks" in response.text  # the cadence, by its label


def test_a_save_that_comes_second_keeps_what_was_typed_beside_the_current_text(
    world, lead, partner
):
    relationship = at_stage(world.relationship, 4)
    document = started(relationship, lead, "joint_rmp")
    section = Section.objects.unscoped().get(document=document, key="purpose")
    # Contoso opened the form at version 1 ... and Northwind saved first.
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        section_save(
            section=section,
            membership=lead.manager,
            expected_version=1,
            body="Northwind's purpose text.",
        )
    typed = "Contoso's purpose text, typed for ten minutes."
    second = client_for(partner.manager).post(
        edit_url(world.partner, document, "purpose"),
        {"section-version": "1", "section-body": typed},
    )
    assert second.status_code == 200
    text = second.text
    assert "Someone saved this section after you opened it" in text
    assert "Your text is kept below: merge, then save." in text
    assert escape(typed) in text  # in the editor
    assert "<p>Northwind's purpose text.</p>" in text  # the current text, beside
    assert 'name="section-version" value="2"' in text  # saving again is a choice
    assert Section.objects.unscoped().get(pk=section.pk).body == "Northwind's purpose text."

    merged = client_for(partner.manager).post(
        edit_url(world.partner, document, "purpose"),
        {"section-version": "2", "section-body": "Northwind's purpose text. " + typed},
        follow=True,
    )
    assert escape("“Purpose and scope” saved.") in merged.text
    assert Section.objects.unscoped().get(pk=section.pk).version == 3


def test_others_see_who_is_editing(world, lead, partner):
    relationship = at_stage(world.relationship, 4)
    document = started(relationship, lead, "joint_rmp")
    section = Section.objects.unscoped().get(document=document, key="risks")
    partner.manager.user.full_name = "Henrik Larsen"
    partner.manager.user.save(update_fields=["full_name"])
    poll = client_for(partner.manager).post(
        reverse("document-section-editing", args=[world.partner.slug, document.pk, "risks"]),
        headers=HTMX,
    )
    assert poll.status_code == 200
    page = client_for(lead.manager).get(page_url(world.own, document)).text
    assert f"Being edited by Henrik Larsen ({world.partner.name})" in page
    lead.manager.user.full_name = "Tom Becker"
    lead.manager.user.save(update_fields=["full_name"])
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        section_editing_mark(section=section, membership=lead.manager)
    # Each sees the other, nobody is told about themselves.
    partner_page = client_for(partner.manager).get(page_url(world.partner, document)).text
    assert f"Being edited by Tom Becker ({world.own.name})" in partner_page
    assert "Henrik Larsen (" not in partner_page


def test_who_may_read_and_write_documents_in_the_browser(world, lead, partner):
    relationship = at_stage(world.relationship, 4)
    joint = started(relationship, lead, "joint_rmp")
    internal = started(relationship, lead, "internal_rmp")
    data = {"section-version": "1", "section-body": "x"}

    viewer = client_for(world.member("own", Role.VIEWER))
    assert viewer.get(page_url(world.own, joint)).status_code == 200
    assert "Edit<span" not in viewer.get(page_url(world.own, joint)).text
    assert viewer.post(edit_url(world.own, joint, "purpose"), data).status_code == 403

    partner_client = client_for(partner.manager)
    assert partner_client.get(page_url(world.partner, joint)).status_code == 200
    assert partner_client.get(page_url(world.partner, internal)).status_code == 404
    assert partner_client.post(edit_url(world.partner, internal, "roles"), data).status_code == 404
    listed = partner_client.get(reverse("document-list", args=[world.partner.slug])).text
    assert joint.title in listed
    assert internal.title not in listed

    stranger = client_for(world.member("stranger", Role.ADMIN))
    assert stranger.get(page_url(world.stranger, joint)).status_code == 404
    assert stranger.get(page_url(world.own, joint)).status_code == 404
    assert Section.objects.unscoped().get(document=internal, key="roles").version == 1
