"""Checklist work in the browser beyond statuses: a requirement's owner and due date, and the
life of evidence (approve a draft, withdraw, restore, replace), for each side of a relationship."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from cbrms.audit.models import AuditEvent
from lifecycle.models import Evidence, EvidenceStatus, RequirementStatus
from relationships.models import Role, Visibility
from tests.factories import MembershipFactory
from tests.lifecycle.pages import (
    HTMX,
    at_stage,
    client_for,
    detail_url,
    evidence_status_url,
    evidence_url,
    note,
    plan_url,
    replace_url,
    requirements,
    status_url,
)

pytestmark = pytest.mark.django_db


def plan(requirement, owner="", due=""):
    prefix = f"plan-{requirement.pk}"
    return {f"{prefix}-owner": str(owner), f"{prefix}-due_date": due}


def fresh_evidence(evidence: Evidence) -> Evidence:
    return Evidence.objects.unscoped().get(pk=evidence.pk)


# --- owner and due date ----------------------------------------------------------------------


def test_a_manager_names_the_owner_and_due_date_of_a_requirement(world, lead):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    page = client.get(detail_url(world.own, world.relationship)).text
    assert "Owner and due date" in page
    # Only the organization's own people can be chosen.
    assert f'<option value="{lead.ser.pk}">{lead.ser.user}</option>' in page

    response = client.post(
        plan_url(world.own, requirement), plan(requirement, lead.ser.pk, "2027-03-31"), follow=True
    )
    assert escape(f"“{requirement.item.title}”: owned by {lead.ser.user}, due 31 Mar 2027.") in (
        response.text
    )
    requirement.refresh_from_db()
    assert (requirement.owner, requirement.due_date) == (lead.ser, datetime.date(2027, 3, 31))
    assert '<time datetime="2027-03-31">31 Mar 2027</time>' in response.text
    assert (
        AuditEvent.objects.unscoped()
        .filter(
            table="lifecycle_requirement", object_id=requirement.pk, changes__has_key="owner_id"
        )
        .exists()
    )

    # Clearing both is a change too; saving the same again changes nothing.
    cleared = client.post(plan_url(world.own, requirement), plan(requirement), follow=True)
    assert "owned by nobody, no due date." in cleared.text
    requirement.refresh_from_db()
    assert (requirement.owner, requirement.due_date) == (None, None)
    again = client.post(plan_url(world.own, requirement), plan(requirement), follow=True)
    assert "Nothing changed." in again.text


def test_a_bad_date_or_a_stranger_as_owner_is_refused_beside_the_field(world, lead, partner):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    refused = client.post(plan_url(world.own, requirement), plan(requirement, "", "2027-02-30"))
    assert refused.status_code == 200
    assert "Enter a valid date." in refused.text
    assert '<details class="plan-form" open>' in refused.text
    assert 'value="2027-02-30"' in refused.text  # what was typed stays

    # A partner's member, or someone of a third organization, is not a choice.
    outsider = MembershipFactory(organization=world.stranger, role=Role.RELATIONSHIP_MANAGER)
    for someone in (partner.manager, outsider):
        refused = client.post(
            plan_url(world.own, requirement), plan(requirement, someone.pk, "2027-02-01")
        )
        assert "Select a valid choice." in refused.text
    requirement.refresh_from_db()
    assert (requirement.owner, requirement.due_date) == (None, None)


def test_a_partner_s_owner_is_kept_when_the_lead_sets_only_the_due_date(world, lead, partner):
    relationship = at_stage(world.relationship, 5)
    joint = requirements(relationship, world.own, 5, Visibility.JOINT)[0]
    partner_client = client_for(partner.manager)
    taken = partner_client.post(
        plan_url(world.partner, joint), plan(joint, partner.manager.pk), headers=HTMX
    )
    assert taken.status_code == 200
    assert "<html" not in taken.text
    joint.refresh_from_db()
    assert joint.owner == partner.manager

    lead_client = client_for(lead.manager)
    page = lead_client.get(detail_url(world.own, relationship)).text
    assert escape("A partner's member owns it now") in page
    lead_client.post(plan_url(world.own, joint), plan(joint, "", "2027-06-30"))
    joint.refresh_from_db()
    assert (joint.owner, joint.due_date) == (partner.manager, datetime.date(2027, 6, 30))


def test_who_may_plan_a_requirement(world, lead):
    requirement = requirements(world.relationship, world.own, 1)[0]
    data = plan(requirement, "", "2027-01-15")
    viewer = client_for(world.member("own", Role.VIEWER))
    assert "Owner and due date" not in viewer.get(detail_url(world.own, world.relationship)).text
    denied = viewer.post(plan_url(world.own, requirement), data)
    assert denied.status_code == 403
    assert "Your role does not allow this" in denied.text

    # The partner does not see the lead's internal requirement; a stranger not the relationship.
    partner_manager = world.member("partner", Role.RELATIONSHIP_MANAGER)
    assert (
        client_for(partner_manager).post(plan_url(world.partner, requirement), data).status_code
        == 404
    )
    stranger = world.member("stranger", Role.ADMIN)
    assert client_for(stranger).post(plan_url(world.stranger, requirement), data).status_code == 404
    assert client_for(stranger).post(plan_url(world.own, requirement), data).status_code == 404
    requirement.refresh_from_db()
    assert requirement.due_date is None

    contributor = client_for(world.member("own", Role.CONTRIBUTOR))
    contributor.post(plan_url(world.own, requirement), data)
    requirement.refresh_from_db()
    assert requirement.due_date == datetime.date(2027, 1, 15)


# --- the life of evidence --------------------------------------------------------------------


def evidence_action(evidence, status: str) -> dict:
    return {f"evs-{evidence.pk}-status": status}


def test_approving_then_withdrawing_the_last_evidence_reopens_the_requirement(world, lead):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    evidence = note(requirement, lead.manager, "SER appointment letter")
    prefix = f"req-{requirement.pk}"
    client.post(status_url(world.own, requirement), {f"{prefix}-status": "met"})
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.MET

    page = client.get(detail_url(world.own, world.relationship)).text
    assert "Approve “SER appointment letter”" in page  # a draft can be approved
    approved = client.post(
        evidence_status_url(world.own, evidence), evidence_action(evidence, "approved"), follow=True
    )
    assert escape("Evidence “SER appointment letter” approved.") in approved.text
    assert fresh_evidence(evidence).status == EvidenceStatus.APPROVED
    assert "Approve “SER appointment letter”" not in approved.text  # no longer a draft

    withdrawn = client.post(
        evidence_status_url(world.own, evidence),
        evidence_action(evidence, "withdrawn"),
        follow=True,
    )
    assert "Nothing proves the requirement now: it is back in progress." in withdrawn.text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.IN_PROGRESS
    assert "Restore as draft “SER appointment letter”" in withdrawn.text

    restored = client.post(
        evidence_status_url(world.own, evidence), evidence_action(evidence, "draft"), follow=True
    )
    assert escape("Evidence “SER appointment letter” restored as a draft.") in restored.text
    assert fresh_evidence(evidence).status == EvidenceStatus.DRAFT

    # A move the evidence's status does not offer is refused, and nothing changes.
    refused = client.post(
        evidence_status_url(world.own, evidence), evidence_action(evidence, "draft")
    )
    assert "This evidence is draft now: it can be approve or withdraw." in refused.text
    assert fresh_evidence(evidence).status == EvidenceStatus.DRAFT


def test_withdrawing_one_of_two_pieces_leaves_the_requirement_met(world, lead):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    first = note(requirement, lead.manager, "First")
    note(requirement, lead.manager, "Second")
    client.post(status_url(world.own, requirement), {f"req-{requirement.pk}-status": "met"})
    response = client.post(
        evidence_status_url(world.own, first), evidence_action(first, "withdrawn"), follow=True
    )
    assert escape("Evidence “First” withdrawn.") in response.text
    assert "Nothing proves the requirement now" not in response.text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.MET


def test_replacing_a_note_makes_a_new_version_the_gate_will_see(world, lead):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    evidence = note(requirement, lead.manager, "Business case", "Draft one.")
    prefix = f"evr-{evidence.pk}"
    page = client.get(detail_url(world.own, world.relationship)).text
    assert "The new content becomes version 2" in page

    response = client.post(
        replace_url(world.own, evidence),
        {f"{prefix}-title": "Business case (board copy)", f"{prefix}-note": "Draft two."},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert escape("Evidence “Business case (board copy)” replaced: now version 2.") in response.text
    evidence = fresh_evidence(evidence)
    assert (evidence.version, evidence.note, evidence.title) == (
        2,
        "Draft two.",
        "Business case (board copy)",
    )

    # The same text again is no new version.
    same = client.post(
        replace_url(world.own, evidence),
        {f"{prefix}-title": "Business case (board copy)", f"{prefix}-note": "Draft two."},
        follow=True,
    )
    assert "its content is unchanged." in same.text
    assert fresh_evidence(evidence).version == 2


def test_a_bad_replacement_is_refused_beside_its_field_and_keeps_the_input(world, lead):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    link = client.post(
        evidence_url(world.own, requirement),
        {
            f"ev-{requirement.pk}-kind": "link",
            f"ev-{requirement.pk}-title": "Policy page",
            f"ev-{requirement.pk}-url": "https://intranet.example/policy",
        },
    )
    assert link.status_code == 302
    evidence = Evidence.objects.unscoped().get(requirement=requirement)
    prefix = f"evr-{evidence.pk}"
    refused = client.post(
        replace_url(world.own, evidence),
        {f"{prefix}-title": "Policy page", f"{prefix}-url": "javascript:alert(1)"},
    )
    assert refused.status_code == 200
    assert "Enter an http(s) address." in refused.text
    assert 'value="javascript:alert(1)"' in refused.text
    assert '<details class="evidence__replace" open>' in refused.text
    assert fresh_evidence(evidence).url == "https://intranet.example/policy"


def test_a_file_is_replaced_by_a_new_file(world, lead):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    prefix = f"ev-{requirement.pk}"
    client.post(
        evidence_url(world.own, requirement),
        {
            f"{prefix}-kind": "file",
            f"{prefix}-title": "Charter",
            f"{prefix}-file": SimpleUploadedFile("charter.txt", b"v1", "text/plain"),
        },
    )
    evidence = Evidence.objects.unscoped().get(requirement=requirement)
    first_hash = evidence.content_hash
    prefix = f"evr-{evidence.pk}"
    # Without a file, the form says what it needs.
    missing = client.post(replace_url(world.own, evidence), {f"{prefix}-title": "Charter"})
    assert "This field is required." in missing.text
    replaced = client.post(
        replace_url(world.own, evidence),
        {
            f"{prefix}-title": "Charter",
            f"{prefix}-file": SimpleUploadedFile("charter-v2.txt", b"v2", "text/plain"),
        },
        follow=True,
    )
    assert escape("Evidence “Charter” replaced: now version 2.") in replaced.text
    evidence = fresh_evidence(evidence)
    assert evidence.content_hash != first_hash
    assert evidence.filename == "charter-v2.txt"


def test_evidence_is_changed_only_by_the_organization_that_provided_it(world, lead, partner):
    relationship = at_stage(world.relationship, 4)
    internal = note(requirements(relationship, world.own, 4)[0], lead.manager, "Internal memo")
    relationship = at_stage(world.relationship, 5)
    joint = requirements(relationship, world.own, 5, Visibility.JOINT)[0]
    theirs = note(joint, lead.manager, "Lead's joint plan")
    partner_client = client_for(partner.manager)
    page = partner_client.get(detail_url(world.partner, relationship)).text
    assert escape("Lead's joint plan") in page
    assert f"evs-{theirs.pk}-status" not in page  # no actions on another party's evidence

    refused = partner_client.post(
        evidence_status_url(world.partner, theirs), evidence_action(theirs, "withdrawn")
    )
    assert "Only the organization that provided the evidence changes it." in refused.text
    refused = partner_client.post(
        replace_url(world.partner, theirs),
        {f"evr-{theirs.pk}-title": "Hijacked", f"evr-{theirs.pk}-note": "Ours now."},
    )
    assert "Only the organization that provided the evidence changes it." in refused.text
    theirs = fresh_evidence(theirs)
    assert (theirs.status, theirs.title, theirs.version) == (
        EvidenceStatus.DRAFT,
        "Lead's joint plan",
        1,
    )

    # The lead's internal evidence is not there at all for the partner, or for a stranger.
    action = evidence_action(internal, "withdrawn")
    assert (
        partner_client.post(evidence_status_url(world.partner, internal), action).status_code == 404
    )
    stranger = client_for(world.member("stranger", Role.ADMIN))
    assert stranger.post(evidence_status_url(world.stranger, internal), action).status_code == 404
    viewer = client_for(world.member("own", Role.VIEWER))
    assert viewer.post(evidence_status_url(world.own, internal), action).status_code == 403
    assert fresh_evidence(internal).status == EvidenceStatus.DRAFT


def test_evidence_of_a_passed_stage_offers_no_actions_and_refuses_changes(world, lead):
    requirement = requirements(world.relationship, world.own, 1)[0]
    evidence = note(requirement, lead.manager, "Stage 1 note")
    relationship = at_stage(world.relationship, 2)
    client = client_for(lead.manager)
    page = client.get(detail_url(world.own, relationship, 1)).text
    assert "Stage 1 note" in page
    assert f"evs-{evidence.pk}-status" not in page
    refused = client.post(
        evidence_status_url(world.own, evidence), evidence_action(evidence, "withdrawn")
    )
    assert refused.status_code == 200
    assert "its evidence is part of the approved record" in refused.text
    assert fresh_evidence(evidence).status == EvidenceStatus.DRAFT


def test_a_new_version_of_approved_evidence_is_a_draft_again(world, lead):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    evidence = note(requirement, lead.manager, "Charter", "Approved text.")
    client.post(evidence_status_url(world.own, evidence), evidence_action(evidence, "approved"))
    assert fresh_evidence(evidence).status == EvidenceStatus.APPROVED

    # A title alone is no new content: the approval stands.
    prefix = f"evr-{evidence.pk}"
    client.post(
        replace_url(world.own, evidence),
        {f"{prefix}-title": "Charter (signed)", f"{prefix}-note": "Approved text."},
    )
    assert fresh_evidence(evidence).status == EvidenceStatus.APPROVED

    replaced = client.post(
        replace_url(world.own, evidence),
        {f"{prefix}-title": "Charter (signed)", f"{prefix}-note": "Changed text."},
        follow=True,
    )
    assert "It is a draft again until someone approves the new version." in replaced.text
    evidence = fresh_evidence(evidence)
    assert (evidence.version, evidence.status) == (2, EvidenceStatus.DRAFT)

    # Through the API too: the rule is the service's.
    evidence.status = EvidenceStatus.APPROVED
    evidence.save(update_fields=["status"])
    url = lead.url(world.relationship, f"evidence/{evidence.pk}/")
    changed = lead.manager_api.patch(url, {"note": "Third text."}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["version"], changed.json()["status"]) == (3, "draft")
