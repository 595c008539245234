"""A stage gate in a real browser: the manager settles the stage and asks, the SER approves."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cbrms.tenancy.context import acting_as
from lifecycle.models import Requirement, RequirementStatus
from lifecycle.services.evidence import evidence_create
from lifecycle.services.requirements import requirement_update
from relationships.models import Visibility
from tests.factories import PASSWORD
from tests.lifecycle.builders import prove
from tests.lifecycle.helpers import side_of

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = Path(os.environ.get("CBRMS_SCREENSHOT_DIR", tempfile.gettempdir()))
CHECKLIST_SCREENSHOT = SCREENSHOTS / "cbrms-lifecycle-checklist.png"
GATE_SCREENSHOT = SCREENSHOTS / "cbrms-lifecycle-gate-panel.png"
APPROVED_SCREENSHOT = SCREENSHOTS / "cbrms-lifecycle-approved.png"
CONFIRM_SCREENSHOT = SCREENSHOTS / "cbrms-lifecycle-confirm.png"
ERROR_SCREENSHOT = SCREENSHOTS / "cbrms-lifecycle-requirement-error.png"
MISSING_SCREENSHOT = SCREENSHOTS / "cbrms-lifecycle-gate-missing.png"
NO_JS_SCREENSHOT = SCREENSHOTS / "cbrms-lifecycle-requirement-page.png"


def log_in(page: Page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Relationships", level=1)).to_be_visible()


def log_out(page: Page) -> None:
    page.locator("summary", has_text="Signed in as").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))


@pytest.fixture
def stage_one(world):
    """The lead's manager and SER, with every stage-1 requirement but the last one settled."""
    lead = side_of(world.own, world.relationship)
    for membership, name in ((lead.manager, "Grace Hopper"), (lead.ser, "Dana Reyes")):
        membership.user.full_name = name
        membership.user.save(update_fields=["full_name"])
    rows = list(
        Requirement.objects.unscoped()
        .filter(relationship=world.relationship, organization=world.own, stage=1)
        .select_related("item", "relationship")
        .order_by("item__position")
    )
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        evidence_create(
            requirement=rows[0],
            membership=lead.manager,
            kind="note",
            title="SER appointment",
            note="The board appointed Dana Reyes as SER on 3 March.",
        )
        evidence_create(
            requirement=rows[1],
            membership=lead.manager,
            kind="link",
            title="Governance map",
            url="https://intranet.example/governance/map",
        )
        prove(rows[2:-1])
        for requirement in rows[:-1]:
            requirement_update(
                requirement=requirement, organization=world.own, status=RequirementStatus.MET
            )
    assert rows[-1].visibility == Visibility.INTERNAL
    return lead, rows[-1]


def test_a_stage_gate_from_checklist_to_approval(page: Page, world, stage_one):
    lead, last = stage_one
    detail = f"/o/own-org/relationships/{world.relationship.pk}/"

    # The manager opens the relationship: stage 1's checklist, one requirement still to do.
    log_in(page, lead.manager.user.email)
    page.get_by_role("link", name="Shared relationship").click()
    expect(
        page.get_by_role("heading", name="Stage 1 checklist: Operational awareness")
    ).to_be_visible()
    expect(page.locator("#checklist .requirement")).to_have_count(8)
    expect(page.locator("#checklist .badge--status-met")).to_have_count(7)
    card = page.locator(f"#requirement-{last.pk}")
    expect(card.locator(".badge")).to_have_text("To do")
    expect(page.locator('ol.timeline > li[aria-current="step"]')).to_contain_text("7/8")

    # The guidance is there, folded.
    card.locator("summary", has_text="Guidance").click()
    expect(card.locator(".requirement__guidance p").first).to_be_visible()

    # A note of evidence, added in place (HTMX): no reload.
    page.evaluate("window.notReloaded = true")
    card.locator("summary", has_text="Add evidence").click()
    expect(card.get_by_label("Web address")).to_be_hidden()  # only the chosen kind's field shows
    card.get_by_label("Title").fill("Initial RMP v1")
    card.get_by_label("Text of the note").fill(
        "The first relationship management plan, approved on 10 March."
    )
    card.get_by_role("button", name="Add evidence").click()
    expect(card.locator(".requirement__feedback")).to_contain_text(
        "Evidence “Initial RMP v1” added"
    )
    expect(card.locator(".evidence__list")).to_contain_text(
        "The first relationship management plan"
    )
    expect(card.locator(".requirement__feedback")).to_be_focused()

    # Not applicable needs a reason: the service's refusal shows in the card, the choice kept.
    card.get_by_label("Status").select_option("not_applicable")
    expect(card.get_by_label("Why it does not apply")).to_be_visible()
    card.get_by_role("button", name="Save status").click()
    expect(card.get_by_role("alert")).to_contain_text("Say why the requirement does not apply.")
    expect(card.get_by_label("Status")).to_have_value("not_applicable")
    expect(card.locator(".badge").first).to_have_text("To do")
    card.screenshot(path=ERROR_SCREENSHOT)

    # Asking for the gate too early lists what is missing, in the panel.
    panel = page.locator("#gate-panel")
    panel.get_by_role("button", name="Request stage gate").click()
    expect(panel.get_by_role("alert")).to_contain_text("1 mandatory requirement(s) of stage 1")
    expect(panel.locator(".missing-list")).to_contain_text(last.item.title)
    panel.screenshot(path=MISSING_SCREENSHOT)

    # Met, in place; the counts follow.
    card.get_by_label("Status").select_option("met")
    card.get_by_role("button", name="Save status").click()
    expect(card.locator(".badge").first).to_have_text("Met")
    expect(page.locator('ol.timeline > li[aria-current="step"]')).to_contain_text("8/8")
    expect(page.locator("#checklist-progress")).to_have_text("8 of 8 settled")

    # The draft is approved in place, and the requirement gets an owner and a due date.
    card.get_by_role("button", name="Approve “Initial RMP v1”").click()
    expect(card.locator(".requirement__feedback")).to_contain_text(
        "Evidence “Initial RMP v1” approved."
    )
    expect(card.locator(".evidence__meta")).to_contain_text("Approved")
    card.locator("summary", has_text="Owner and due date").click()
    card.get_by_label("Owner").select_option(label="Grace Hopper")
    card.get_by_label("Due date").fill("2027-03-31")
    card.get_by_role("button", name="Save owner and due date").click()
    expect(card.locator(".requirement__facts")).to_contain_text("Grace Hopper")
    expect(card.locator(".requirement__facts")).to_contain_text("31 Mar 2027")
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=CHECKLIST_SCREENSHOT, full_page=True)

    # The gate is requested: the page reloads with the pending gate.
    expect(panel).to_contain_text("Decided by Dana Reyes (Northwind Test)")
    panel.get_by_role("button", name="Request stage gate").click()
    expect(page.locator("ul.messages")).to_contain_text("Gate requested")
    expect(panel).to_contain_text("Waiting for decisions")
    expect(panel.locator(".approver")).to_contain_text("Dana Reyes")
    expect(panel.locator(".approver")).to_contain_text("Waiting")
    expect(page.locator('ol.timeline > li[aria-current="step"]')).to_contain_text("Gate requested")
    log_out(page)

    # The SER sees it in the inbox, with the count in the header.
    log_in(page, lead.ser.user.email)
    approvals = page.get_by_role("link", name=re.compile(r"^Approvals"))
    expect(approvals).to_contain_text("1")
    approvals.click()
    expect(page.get_by_role("heading", name="Approvals", level=1)).to_be_visible()
    row = page.locator("tbody tr", has_text="Shared relationship")
    expect(row).to_contain_text("Advance to the next stage")
    expect(row).to_contain_text("Grace Hopper")
    row.get_by_role("link", name="Shared relationship").click()
    expect(page).to_have_url(re.compile(rf"{detail}#gate-panel$"))

    # The evidence summary, then the approval with a comment.
    panel = page.locator("#gate-panel")
    summary = panel.locator(".gate-evidence")
    expect(summary).to_contain_text("Initial RMP v1")
    expect(summary).to_contain_text("SER appointment")
    # The RMP, the two notes above and one proof for each of the other five settled items.
    expect(summary.locator(".gate-evidence__item--unchanged")).to_have_count(8)
    panel.scroll_into_view_if_needed()
    page.screenshot(path=GATE_SCREENSHOT, full_page=True)
    panel.get_by_label("Comment").fill("Well prepared; go ahead with the knowledge stage.")
    panel.get_by_role("button", name="Approve").click()
    # Shown back before it is recorded.
    confirm = panel.get_by_role("alertdialog", name="Approve this gate?")
    expect(confirm).to_contain_text("moving from stage 1 to stage 2")
    expect(confirm).to_be_focused()
    panel.screenshot(path=CONFIRM_SCREENSHOT)
    confirm.get_by_role("button", name="Confirm approval").click()

    expect(page.locator("ul.messages")).to_contain_text(
        "You approved the gate: the relationship moved to stage 2, Knowledge."
    )
    expect(page.locator('ol.timeline > li[aria-current="step"]')).to_contain_text("Knowledge")
    expect(page.locator("ol.timeline > li.timeline__stage--done")).to_have_count(1)
    expect(page.get_by_role("heading", name="Stage 2 checklist: Knowledge")).to_be_visible()
    record = page.locator("#decision-record")
    expect(record).to_contain_text("Well prepared; go ahead with the knowledge stage.")
    expect(record).to_contain_text("Gate passed")
    expect(record).to_contain_text("Verified")
    expect(page.get_by_role("link", name=re.compile(r"^Approvals"))).not_to_contain_text("1")
    page.screenshot(path=APPROVED_SCREENSHOT, full_page=True)


def test_the_forms_work_without_javascript(page_without_js: Page, world, stage_one):
    page = page_without_js
    lead, last = stage_one
    log_in(page, lead.manager.user.email)
    page.goto(f"/o/own-org/relationships/{world.relationship.pk}/")
    card = page.locator(f"#requirement-{last.pk}")

    # A refused status lands on the requirement's own page, with the error and the input kept.
    card.get_by_label("Status").select_option("not_applicable")
    card.get_by_role("button", name="Save status").click()
    expect(page).to_have_url(re.compile(rf"/requirements/{last.pk}/status/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(last.item.title)
    expect(page.get_by_role("alert")).to_contain_text("Say why the requirement does not apply.")
    expect(page.get_by_label("Status")).to_have_value("not_applicable")
    page.screenshot(path=NO_JS_SCREENSHOT, full_page=True)
    page.get_by_label("Why it does not apply").fill("The group's RMP covers this operation.")
    page.get_by_role("button", name="Save status").click()

    # Accepted: back on the relationship, at the requirement, with the message.
    expect(page).to_have_url(re.compile(rf"/relationships/{world.relationship.pk}/#requirement-"))
    expect(page.locator("ul.messages")).to_contain_text("is now not applicable.")
    expect(page.locator(f"#requirement-{last.pk}")).to_contain_text(
        "The group's RMP covers this operation."
    )
    page.locator("#gate-panel").get_by_role("button", name="Request stage gate").click()
    expect(page.locator("ul.messages")).to_contain_text("Gate requested")
    expect(page.locator("#gate-panel")).to_contain_text("Waiting for decisions")
