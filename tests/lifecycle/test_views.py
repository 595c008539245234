"""The lifecycle in the browser, through Django's test client: the stage checklist, evidence,
stage gates and the SER's approvals, as each organization and role sees them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from cbrms.tenancy.context import acting_as
from lifecycle.models import (
    DecisionRecord,
    Evidence,
    RecordKind,
    Requirement,
    RequirementStatus,
)
from lifecycle.services.evidence import evidence_create
from lifecycle.services.requirements import requirement_update
from relationships.models import Role, Visibility
from tests.factories import make_relationship
from tests.lifecycle.pages import (
    HTMX,
    approvals_url,
    at_stage,
    client_for,
    decide,
    decide_url,
    detail_url,
    evidence_url,
    fresh,
    gate_request_url,
    items_on,
    lifecycle_url,
    name_ser,
    note,
    request_gate,
    requirements,
    settle,
    status_url,
)

pytestmark = pytest.mark.django_db

# --- the checklist ---------------------------------------------------------------------------


def test_the_checklist_shows_own_internal_and_joint_work_never_the_partners(world, lead, partner):
    relationship = at_stage(world.relationship, 4)  # internal work plus the joint engagement
    own_internal = requirements(relationship, world.own, 4)
    partner_internal = requirements(relationship, world.partner, 4)
    joint = requirements(relationship, world.own, 4, Visibility.JOINT)
    assert own_internal
    assert partner_internal
    assert joint
    note(own_internal[0], lead.manager, "Northwind candidate scores")
    note(partner_internal[0], partner.manager, "Contoso private scoring")
    note(joint[0], partner.manager, "Contoso view on joint objectives")

    lead_page = client_for(world.member("own", Role.VIEWER)).get(
        detail_url(world.own, relationship)
    )
    assert lead_page.status_code == 200
    shown = items_on(lead_page.text)
    assert sorted(shown) == sorted(r.pk for r in own_internal + joint)
    assert "Stage 4 checklist: Partner selection" in lead_page.text
    assert "Northwind candidate scores" in lead_page.text
    assert "Contoso view on joint objectives" in lead_page.text  # joint evidence of the partner
    assert "Contoso private scoring" not in lead_page.text

    partner_page = client_for(world.member("partner", Role.VIEWER)).get(
        detail_url(world.partner, relationship)
    )
    shown = items_on(partner_page.text)
    assert sorted(shown) == sorted(r.pk for r in partner_internal + joint)
    assert "Contoso private scoring" in partner_page.text
    assert "Northwind candidate scores" not in partner_page.text

    # A partner's internal requirement is not found under the lead, even by its id.
    viewer = client_for(world.member("own", Role.ADMIN))
    page = lifecycle_url(
        "relationship-requirement",
        world.own,
        relationship,
        requirement_pk=partner_internal[0].pk,
    )
    assert viewer.get(page).status_code == 404
    assert viewer.post(status_url(world.own, partner_internal[0]), {}).status_code == 404


def test_each_stage_of_the_timeline_opens_its_checklist(world, lead):
    relationship = at_stage(world.relationship, 2)
    client = client_for(lead.manager)
    current = client.get(detail_url(world.own, relationship)).text
    assert "Stage 2 checklist: Knowledge" in current
    assert current.count('aria-current="step"') == 1
    assert f'href="{detail_url(world.own, relationship, 1)}#lifecycle-stages"' in current

    past = client.get(detail_url(world.own, relationship, 1)).text
    assert "Stage 1 checklist: Operational awareness" in past
    assert sorted(items_on(past)) == [r.pk for r in requirements(relationship, world.own, 1)]
    assert "This stage passed its gate" in past
    assert "Save status" not in past  # a passed stage is read-only

    assert "Stage 2 checklist" in client.get(detail_url(world.own, relationship, 99)).text
    assert "Stage 2 checklist" in client.get(f"{detail_url(world.own, relationship)}?stage=x").text


def test_a_contributor_adds_a_note_then_marks_the_requirement_met(world):
    contributor = world.member("own", Role.CONTRIBUTOR)
    client = client_for(contributor)
    requirement = requirements(world.relationship, world.own, 1)[0]
    met = {f"req-{requirement.pk}-status": "met", f"req-{requirement.pk}-justification": ""}

    # Met means proven: without evidence the form says so, next to the status.
    refused = client.post(status_url(world.own, requirement), met, follow=True)
    assert "Met means proven: add the evidence first" in refused.text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.TODO

    prefix = f"ev-{requirement.pk}"
    response = client.post(
        evidence_url(world.own, requirement),
        {
            f"{prefix}-kind": "note",
            f"{prefix}-title": "Board minutes",
            f"{prefix}-note": "The board named the SER on 3 March.",
        },
        follow=True,
    )
    assert "Evidence “Board minutes” added" in response.text
    assert "The board named the SER on 3 March." in response.text
    evidence = Evidence.objects.unscoped().get(requirement=requirement)
    assert (evidence.organization, evidence.visibility, evidence.version) == (
        world.own,
        Visibility.INTERNAL,
        1,
    )

    response = client.post(status_url(world.own, requirement), met, follow=True)
    assert response.redirect_chain[-1][0] == (
        detail_url(world.own, world.relationship) + f"#requirement-{requirement.pk}"
    )
    assert escape(f"“{requirement.item.title}” is now met.") in response.text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.MET
    assert (requirement.settled_by, requirement.settled_at is not None) == (contributor, True)


def test_with_htmx_the_requirement_card_is_swapped_in_place(world):
    client = client_for(world.member("own", Role.CONTRIBUTOR))
    requirement = requirements(world.relationship, world.own, 1)[0]
    response = client.post(
        status_url(world.own, requirement),
        {f"req-{requirement.pk}-status": "in_progress"},
        headers=HTMX,
    )
    assert response.status_code == 200
    text = response.text
    assert "<html" not in text
    assert text.lstrip().startswith('<li class="requirement requirement--in_progress"')
    assert "is now in progress." in text
    # The timeline and the gate panel follow, out of band.
    assert 'id="lifecycle-stages" aria-labelledby="stage-heading" hx-swap-oob="true"' in text
    assert 'id="gate-panel" aria-labelledby="gate-heading" hx-swap-oob="true"' in text
    # Nothing was left in the session for the next full page.
    assert "is now in progress." not in client.get(detail_url(world.own, world.relationship)).text


def test_not_applicable_without_justification_shows_the_error_and_keeps_the_input(world):
    client = client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    requirement = requirements(world.relationship, world.own, 1)[2]
    prefix = f"req-{requirement.pk}"
    response = client.post(
        status_url(world.own, requirement),
        {f"{prefix}-status": "not_applicable", f"{prefix}-justification": "  "},
    )
    assert response.status_code == 200
    text = response.text
    assert "Say why the requirement does not apply." in text
    assert "Required when the status is not applicable." in text
    assert '<option value="not_applicable" selected>' in text
    assert f'id="requirement-{requirement.pk}"' in text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.TODO
    # The card shows the stored status, not the refused one.
    assert 'class="badge badge--status-todo"' in text

    # With HTMX the same card comes back in place, with the error.
    swapped = client.post(
        status_url(world.own, requirement),
        {f"{prefix}-status": "not_applicable"},
        headers=HTMX,
    )
    assert "Say why the requirement does not apply." in swapped.text
    assert "<html" not in swapped.text

    # Evidence refused by the service keeps what was typed too.
    prefix = f"ev-{requirement.pk}"
    refused = client.post(
        evidence_url(world.own, requirement),
        {f"{prefix}-kind": "link", f"{prefix}-title": "Kept title", f"{prefix}-url": ""},
    )
    assert "A link must be an http(s) address." in refused.text
    assert 'value="Kept title"' in refused.text
    assert '<details class="evidence-form" open>' in refused.text
    assert not Evidence.objects.unscoped().filter(requirement=requirement).exists()

    justified = client.post(
        status_url(world.own, requirement),
        {
            f"req-{requirement.pk}-status": "not_applicable",
            f"req-{requirement.pk}-justification": "Covered by the group policy.",
        },
        follow=True,
    )
    assert "is now not applicable." in justified.text
    assert "Covered by the group policy." in justified.text


def test_a_viewer_reads_the_checklist_but_gets_403_on_every_form(world, lead):
    viewer = client_for(world.member("own", Role.VIEWER))
    requirement = requirements(world.relationship, world.own, 1)[0]
    page = viewer.get(detail_url(world.own, world.relationship)).text
    assert escape(requirement.item.title) in page
    assert "Save status" not in page
    assert "Add evidence" not in page
    assert "Request stage gate" not in page

    settle(world.relationship, world.own, 1)
    gate = request_gate(world.relationship, lead)
    proofs = Evidence.objects.unscoped().filter(requirement=requirement).count()
    attempts = [
        (status_url(world.own, requirement), {f"req-{requirement.pk}-status": "met"}),
        (evidence_url(world.own, requirement), {}),
        (gate_request_url(world.own, world.relationship), {"gate-kind": "advance"}),
        (decide_url(world.own, world.relationship, gate), {"decision-decision": "approve"}),
    ]
    for url, data in attempts:
        response = viewer.post(url, data)
        assert response.status_code == 403, url
        assert "Your role does not allow this" in response.text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.MET  # settled above, untouched by the viewer
    assert Evidence.objects.unscoped().filter(requirement=requirement).count() == proofs
    assert fresh(world.relationship).current_stage == 1


# --- evidence files --------------------------------------------------------------------------


def test_a_file_is_uploaded_and_downloaded_as_a_safe_attachment(world, lead):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    prefix = f"ev-{requirement.pk}"
    upload = SimpleUploadedFile("minutes.txt", b"Minutes of the board\n", content_type="text/html")
    response = client.post(
        evidence_url(world.own, requirement),
        {f"{prefix}-kind": "file", f"{prefix}-title": "Board minutes", f"{prefix}-file": upload},
        follow=True,
    )
    assert "Evidence “Board minutes” added" in response.text
    evidence = Evidence.objects.unscoped().get(requirement=requirement)
    download = lifecycle_url(
        "relationship-evidence-download", world.own, world.relationship, evidence_pk=evidence.pk
    )
    assert (
        f'<a href="{download}" target="_blank" rel="noopener noreferrer">Board minutes</a>'
        in response.text
    )

    file = client.get(download)
    assert file.status_code == 200
    assert file["Content-Disposition"] == 'attachment; filename="minutes.txt"'
    assert file["Content-Type"] == "text/plain"  # as checked at upload, not as the client said
    assert file["X-Content-Type-Options"] == "nosniff"
    assert file["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert file["Cache-Control"] == "private, no-store"
    assert b"".join(file.streaming_content) == b"Minutes of the board\n"

    # Internal evidence: the partner and a stranger get 404, under their own organization.
    for position in ("partner", "stranger"):
        other = world.member(position, Role.ADMIN)
        url = lifecycle_url(
            "relationship-evidence-download",
            other.organization,
            world.relationship,
            evidence_pk=evidence.pk,
        )
        assert client_for(other).get(url).status_code == 404


def test_a_refused_file_keeps_the_form_and_explains(world, lead):
    client = client_for(lead.manager)
    requirement = requirements(world.relationship, world.own, 1)[0]
    prefix = f"ev-{requirement.pk}"
    response = client.post(
        evidence_url(world.own, requirement),
        {
            f"{prefix}-kind": "file",
            f"{prefix}-title": "Fake PDF",
            f"{prefix}-file": SimpleUploadedFile("report.pdf", b"not a pdf at all"),
        },
    )
    assert response.status_code == 200
    assert "The file&#x27;s content is not a .pdf file." in response.text
    assert 'value="Fake PDF"' in response.text


def test_user_content_is_escaped_and_links_open_safely(world, lead):
    requirement = requirements(world.relationship, world.own, 1)[0]
    note(requirement, lead.manager, "<script>alert(1)</script>", "<b>bold</b> text")
    with acting_as(world.own):
        evidence_create(
            requirement=requirement,
            membership=lead.manager,
            kind="link",
            title="Policy",
            url='https://example.test/a"><img src=x onerror=alert(1)>',
        )
    text = client_for(lead.manager).get(detail_url(world.own, world.relationship)).text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt; text" in text
    assert "<img src=x" not in text
    assert (
        'href="https://example.test/a&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" '
        'target="_blank" rel="noopener noreferrer"'
    ) in text


# --- stage gates -----------------------------------------------------------------------------


def test_requesting_a_gate_with_unmet_requirements_lists_what_is_missing(world, lead):
    client = client_for(lead.manager)
    page = client.get(detail_url(world.own, world.relationship)).text
    assert "Request stage gate" in page
    assert "Advance to stage 2, Knowledge" in page
    assert f"Decided by {lead.ser.user} (Northwind Test)" in page

    response = client.post(
        gate_request_url(world.own, world.relationship), {"gate-kind": "advance"}
    )
    assert response.status_code == 200
    text = response.text
    assert "8 mandatory requirement(s) of stage 1 are neither met nor justified" in text
    for requirement in requirements(world.relationship, world.own, 1):
        assert escape(requirement.item.title) in text

    (left,) = settle(world.relationship, world.own, 1, leave=1)
    again = client.post(
        gate_request_url(world.own, world.relationship), {"gate-kind": "advance"}, headers=HTMX
    )
    assert again.text.lstrip().startswith('<section class="card gate-panel" id="gate-panel"')
    assert "1 mandatory requirement(s) of stage 1" in again.text
    missing = re.findall(r'class="missing-list">(.*?)</ul>', again.text, re.S)[0]
    assert escape(left.item.title) in missing
    assert f"#requirement-{left.pk}" in missing
    assert not DecisionRecord.objects.unscoped().filter(relationship=world.relationship).exists()


def test_sending_back_needs_a_reason_and_exit_is_offered_from_stages_5_to_7_only(
    world, lead, partner
):
    client = client_for(lead.manager)
    relationship = at_stage(world.relationship, 3)
    page = client.get(detail_url(world.own, relationship)).text
    assert "Send back to stage 2, Knowledge" in page
    assert "Activate the exit strategy" not in page

    refused = client.post(gate_request_url(world.own, relationship), {"gate-kind": "send_back"})
    assert "Give the reason for this decision." in refused.text
    assert "This field is required." in refused.text

    relationship = at_stage(world.relationship, 6)
    assert "Activate the exit strategy" in client.get(detail_url(world.own, relationship)).text
    sent = client.post(
        gate_request_url(world.own, relationship),
        {"gate-kind": "activate_exit", "gate-reason": "The programme ends in March."},
        follow=True,
    )
    assert "Gate requested: activate the exit strategy." in sent.text
    assert "The programme ends in March." in sent.text
    assert "Waiting for decisions" in sent.text


def test_an_ser_approves_through_the_form_and_the_stage_advances(world, lead):
    settle(world.relationship, world.own, 1)
    evidence = note(requirements(world.relationship, world.own, 1)[0], lead.manager, "SER letter")
    manager = client_for(lead.manager)
    requested = manager.post(
        gate_request_url(world.own, world.relationship),
        {"gate-kind": "advance", "gate-reason": "All of stage 1 is done."},
        follow=True,
    )
    assert requested.redirect_chain[-1][0] == detail_url(world.own, world.relationship) + (
        "#gate-panel"
    )
    assert (
        f"Gate requested: advance to the next stage. Waiting for the decision of {lead.ser.user}."
        in (requested.text)
    )
    assert "Your decision" not in requested.text  # the manager does not decide
    gate = DecisionRecord.objects.unscoped().get(kind=RecordKind.GATE_REQUESTED)

    ser = client_for(lead.ser)
    page = ser.get(detail_url(world.own, world.relationship)).text
    assert "Your decision" in page
    resting = Evidence.objects.unscoped().filter(relationship=world.relationship).count()
    assert f"Evidence the gate rests on ({resting})" in page
    assert "SER letter" in page
    assert "Unchanged" in page
    assert "Stage 1 checklist" in page

    rejected = ser.post(
        decide_url(world.own, world.relationship, gate), {"decision-decision": "reject"}
    )
    assert "Say why you reject the gate." in rejected.text
    assert fresh(world.relationship).current_stage == 1

    approved = decide(
        ser, world.own, world.relationship, gate, "approve", "Well prepared.", follow=True
    )
    assert "You approved the gate: the relationship moved to stage 2, Knowledge." in approved.text
    assert fresh(world.relationship).current_stage == 2
    text = approved.text
    assert "Lifecycle: stage 2 of 8, Knowledge" in text
    assert "Stage 2 checklist: Knowledge" in text
    # The decision record shows the request, the approval and the outcome, and verifies.
    assert "Well prepared." in text
    assert "All of stage 1 is done." in text
    assert "Gate passed" in text
    assert "Verified: no entry was altered" in text
    assert evidence.title in Evidence.objects.unscoped().get(pk=evidence.pk).title


def test_changed_evidence_makes_the_pending_gate_stale(world, lead):
    settle(world.relationship, world.own, 1)
    first = requirements(world.relationship, world.own, 1)[0]
    note(first, lead.manager, "Original plan")
    gate = request_gate(world.relationship, lead)
    note(first, lead.manager, "Late addition")

    ser = client_for(lead.ser)
    page = ser.get(detail_url(world.own, world.relationship)).text
    assert "The work changed after this gate was requested:" in page
    assert "Added since the request" in page
    assert "Your decision is awaited once the gate is requested again." in page
    assert "decision-comment" not in page
    refused = ser.post(
        decide_url(world.own, world.relationship, gate),
        {"decision-decision": "approve", "decision-comment": "Fine."},
    )
    assert "The evidence changed after the gate was requested" in refused.text
    assert fresh(world.relationship).current_stage == 1
    # The manager may request it again.
    assert (
        "Request again"
        in client_for(lead.manager).get(detail_url(world.own, world.relationship)).text
    )


def test_a_partners_ser_cannot_see_the_leads_internal_stage_1_gate(world, lead, partner):
    settle(world.relationship, world.own, 1)
    gate = request_gate(world.relationship, lead)

    ser = client_for(partner.ser)
    page = ser.get(detail_url(world.partner, world.relationship)).text
    assert "Waiting for decisions" not in page
    assert "Your decision" not in page
    assert "Stages 1 to 4 are each organization’s own work"  # noqa: RUF001 in page
    assert "Gate requested" not in page  # nor in the decision record
    response = ser.post(
        decide_url(world.partner, world.relationship, gate),
        {"decision-decision": "approve", "decision-comment": "Sneaky."},
    )
    assert response.status_code == 404
    assert "Sneaky." not in response.text
    assert "Nothing is waiting for your decision." in ser.get(approvals_url(world.partner)).text
    assert fresh(world.relationship).current_stage == 1


def test_the_partners_manager_cannot_request_the_leads_internal_gate(world, partner):
    client = client_for(partner.manager)
    assert (
        "Request stage gate" not in client.get(detail_url(world.partner, world.relationship)).text
    )
    response = client.post(
        gate_request_url(world.partner, world.relationship), {"gate-kind": "advance"}
    )
    assert response.status_code == 200
    assert "The lead organization requests the gates of stages 1-4" in response.text


# --- the SER's inbox -------------------------------------------------------------------------


def test_the_inbox_lists_pending_gates_for_the_ser_only(world, lead):
    settle(world.relationship, world.own, 1)
    request_gate(world.relationship, lead)

    ser = client_for(lead.ser)
    page = ser.get(approvals_url(world.own))
    assert page.status_code == 200
    text = page.text
    assert "Shared relationship" in text
    assert f'href="{detail_url(world.own, world.relationship)}#gate-panel"' in text
    assert "Advance to the next stage" in text
    assert str(lead.manager.user) in text
    # The header links the inbox, with the count.
    assert re.search(
        r'Approvals <span class="nav-count">1<span class="visually-hidden"> waiting', text
    )

    manager = client_for(lead.manager).get(approvals_url(world.own)).text
    assert "Nothing is waiting for your decision." in manager
    assert "Shared relationship" not in manager.split("<main", 1)[1]
    assert 'class="nav-count"' not in manager
    home = client_for(lead.manager).get(detail_url(world.own, world.relationship)).text
    assert approvals_url(world.own) not in home  # only executives get the link

    stranger = client_for(world.member("stranger", Role.EXECUTIVE))
    assert stranger.get(approvals_url(world.own)).status_code == 404


# --- scope, CSRF and queries -----------------------------------------------------------------


def test_other_organizations_objects_are_404(world, lead):
    stranger_req = (
        Requirement.objects.unscoped().filter(relationship=world.stranger_relationship).first()
    )
    client = client_for(world.member("own", Role.ADMIN))
    for url in (
        lifecycle_url("relationship-gate", world.own, world.stranger_relationship),
        lifecycle_url(
            "relationship-requirement",
            world.own,
            world.stranger_relationship,
            requirement_pk=stranger_req.pk,
        ),
        # The stranger's requirement under our own relationship's URL.
        lifecycle_url(
            "relationship-requirement",
            world.own,
            world.relationship,
            requirement_pk=stranger_req.pk,
        ),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "This page does not exist" in response.text
    post = client.post(
        status_url(world.own, stranger_req), {f"req-{stranger_req.pk}-status": "met"}
    )
    assert post.status_code == 404


def test_forms_need_their_csrf_token(world, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead.manager.user)
    requirement = requirements(world.relationship, world.own, 1)[0]
    page = client.get(detail_url(world.own, world.relationship)).text
    assert page.count("csrfmiddlewaretoken") >= 2 * 8 + 1  # two forms a requirement, the gate
    response = client.post(
        status_url(world.own, requirement), {f"req-{requirement.pk}-status": "met"}
    )
    assert response.status_code == 403
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.TODO


def test_the_relationship_page_query_count_does_not_grow_with_evidence(world, lead, partner):
    relationship = at_stage(world.relationship, 5)
    client = client_for(lead.manager)
    url = detail_url(world.own, relationship)

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    few = queries()
    for requirement in requirements(relationship, world.own, 5, Visibility.JOINT):
        for n in range(3):
            note(requirement, lead.manager, f"Lead note {n}")
            note(requirement, partner.manager, f"Partner note {n}")
    assert queries() == few


def test_the_gate_panel_query_count_does_not_grow_with_the_evidence_it_rests_on(world, lead):
    small = world.relationship
    large = make_relationship(lead=world.own, name="Large relationship")
    name_ser(large, world.own, lead.ser)
    client = client_for(lead.ser)

    def with_gate(relationship, notes: int) -> int:
        rows = requirements(relationship, world.own, 1)
        for n in range(notes):
            note(rows[n % len(rows)], lead.manager, f"Note {n}")
        settle(relationship, world.own, 1)
        request_gate(relationship, lead)
        url = detail_url(world.own, relationship)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert "Your decision" in response.text
        return len(captured)

    assert with_gate(small, 1) == with_gate(large, 16)


def test_a_status_changed_since_the_request_is_shown_to_the_ser(world, lead):
    settle(world.relationship, world.own, 1)
    request_gate(world.relationship, lead)
    second = requirements(world.relationship, world.own, 1)[1]
    with acting_as(world.own):
        requirement_update(
            requirement=second, organization=world.own, status=RequirementStatus.IN_PROGRESS
        )
    page = client_for(lead.ser).get(detail_url(world.own, world.relationship)).text
    changes = page.split("Status changed since the request", 1)[1].split("</ul>", 1)[0]
    assert escape(second.item.title) in changes
    assert "Met → In progress" in changes


def test_an_executive_gets_a_readable_403_for_checklist_forms(world, lead):
    requirement = requirements(world.relationship, world.own, 1)[0]
    response = client_for(lead.ser).post(
        status_url(world.own, requirement), {f"req-{requirement.pk}-status": "met"}
    )
    assert response.status_code == 403
    # The error page renders outside the acting scope: the header's link comes without a count.
    assert "Your role does not allow this" in response.text
    assert approvals_url(world.own) in response.text


def test_a_partner_that_joined_late_still_records_its_own_early_stages(world, partner):
    relationship = at_stage(world.relationship, 5)
    client = client_for(partner.manager)
    page = client.get(detail_url(world.partner, relationship, 2)).text
    assert "Your organization’s own checklist of it stays open" in page  # noqa: RUF001
    assert "Save status" in page
    own = requirements(relationship, world.partner, 2)[0]
    note(own, partner.manager, "Our own stage 2 note")  # met needs evidence
    response = client.post(
        status_url(world.partner, own), {f"req-{own.pk}-status": "met"}, follow=True
    )
    assert "is now met." in response.text
    own.refresh_from_db()
    assert own.status == RequirementStatus.MET


def test_a_joint_gate_waits_for_every_partys_ser(world, lead, partner):
    relationship = at_stage(world.relationship, 5)
    settle(relationship, world.own, 5)
    gate = request_gate(relationship, lead)

    first = decide(
        client_for(lead.ser),
        world.own,
        relationship,
        gate,
        "approve",
        "Northwind agrees.",
        follow=True,
    )
    assert "You approved the gate. It now waits for the other SERs." in first.text
    assert "You approved this gate on" in first.text
    assert fresh(relationship).current_stage == 5

    partner_ser = client_for(partner.ser)
    page = partner_ser.get(detail_url(world.partner, relationship)).text
    panel = page.split('id="gate-panel"', 1)[1].split("</section>", 1)[0]
    assert "Waiting for decisions" in panel
    assert "Northwind agrees." in panel
    assert re.search(
        r"SER of Northwind Test</span></span>\s*<span class=\"approver__decision\">Approved", panel
    )
    assert "Your decision" in panel
    assert len(re.findall(r'class="nav-count">1<', page)) == 1  # the partner SER's inbox

    done = decide(
        partner_ser, world.partner, relationship, gate, "approve", "Contoso agrees.", follow=True
    )
    assert "moved to stage 6, Value creation" in done.text
    assert fresh(relationship).current_stage == 6
