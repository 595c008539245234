"""Two organizations in two browsers: Northwind invites a new organization by email, which sets
itself up from the link and names its SER; both edit the joint RMP, collide and lose nothing;
both SERs issue it; Fabrikam never sees Northwind's internal RMP."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cbrms.tenancy.context import acting_as
from lifecycle.models import Document, DocumentVersion, Section, VersionStatus
from lifecycle.services.documents import document_create
from relationships.links import invitation_link
from relationships.models import MemberInvitation, PartnerInvitation
from tests.factories import PASSWORD, make_relationship
from tests.lifecycle.helpers import side_of
from tests.lifecycle.pages import at_stage

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = Path(os.environ.get("CBRMS_SCREENSHOT_DIR", tempfile.gettempdir()))
NEW_PASSWORD = "tangerine-lighthouse-42"


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Relationships", level=1)).to_be_visible()


def new_page(browser, page: Page) -> Page:
    return browser.new_context(base_url=page.url.split("/o/")[0].split("/login")[0]).new_page()


def approve(page: Page, document_url: str, number: int) -> None:
    page.goto(document_url)
    page.get_by_role("button", name=f"Approve version {number}").click()
    page.get_by_role("button", name="Confirm approval").click()


def test_a_new_partner_joins_by_email_and_both_sides_write_and_issue_the_joint_rmp(
    world, page: Page, browser, live_server
):
    lead = side_of(world.own)
    relationship = at_stage(
        make_relationship(lead=world.own, name="Cold chain pilot", ser=lead.ser), 4
    )
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        joint = document_create(
            kind="joint_rmp",
            organization=world.own,
            membership=lead.manager,
            relationship=relationship,
        )
        internal = document_create(
            kind="internal_rmp",
            organization=world.own,
            membership=lead.manager,
            relationship=relationship,
        )

    # Northwind's manager invites Fabrikam, which is not in CBRMS, by email.
    log_in(page, lead.manager.user.email)
    page.goto(f"/o/{world.own.slug}/relationships/{relationship.pk}/")
    page.get_by_label("Their email address").fill("dana.price@fabrikam.example")
    page.get_by_label("Organization name").fill("Fabrikam")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation sent to dana.price@fabrikam")
    expect(page.locator("table", has_text="Sent to")).to_contain_text("Waiting for an answer")

    # Dana follows the link, sets Fabrikam up and names Chris as SER.
    link = invitation_link(PartnerInvitation.objects.unscoped().get())
    dana = new_page(browser, page)
    dana.goto(link)
    expect(dana.get_by_role("heading", name=f"{world.own.name} invites Fabrikam")).to_be_visible()
    dana.get_by_label("Identifier").fill("fabrikam")
    dana.get_by_label("Size").select_option("medium")
    dana.get_by_label("Country").fill("NL")
    dana.get_by_label("Your name").fill("Dana Price")
    dana.get_by_label("Choose a password").fill(NEW_PASSWORD)
    dana.get_by_label("The same password again").fill(NEW_PASSWORD)
    dana.get_by_label("Email of your SER for this relationship").fill("chris@fabrikam.example")
    dana.screenshot(path=str(SCREENSHOTS / "cbrms-partner-join.png"), full_page=True)
    dana.get_by_role("button", name="Create our organization and take part").click()
    expect(dana).to_have_url(re.compile(rf"/o/fabrikam/relationships/{relationship.pk}/$"))
    expect(dana.locator(".messages")).to_contain_text("Fabrikam takes part in")
    expect(dana.locator("#parties-heading + table, .table-wrap").first).to_contain_text(
        "Named by email; SER once they join"
    )

    # Chris accepts the invitation to Fabrikam and becomes its SER at once.
    chris = new_page(browser, page)
    chris.goto(
        invitation_link(MemberInvitation.objects.unscoped().get(email="chris@fabrikam.example"))
    )
    chris.get_by_label("Your name").fill("Chris Bauer")
    chris.get_by_label("Choose a password").fill(NEW_PASSWORD)
    chris.get_by_label("The same password again").fill(NEW_PASSWORD)
    chris.get_by_role("button", name="Create my account and join").click()
    expect(chris.locator(".messages")).to_contain_text("Welcome to Fabrikam")
    page.reload()
    expect(page.locator(".table-wrap").first).to_contain_text("Chris Bauer")

    # Both open the purpose section; Northwind saves first, Fabrikam's save comes second.
    edit = f"/documents/{joint.pk}/sections/purpose/"
    page.goto(f"/o/{world.own.slug}{edit}")
    dana.goto(f"/o/fabrikam{edit}")
    expect(dana.locator("#editors")).to_contain_text(
        f"Being edited by {lead.manager.user.full_name} ({world.own.name})"
    )
    page.get_by_role("textbox", name="Text").fill("Northwind plans the routes.")
    page.get_by_role("button", name="Save section").click()
    expect(page.locator(".messages")).to_contain_text("saved")
    dana.get_by_role("textbox", name="Text").fill("Fabrikam runs the depots.")
    dana.get_by_role("button", name="Save section").click()
    expect(dana.get_by_role("heading", name=re.compile("The current text"))).to_be_visible()
    expect(dana.locator(".doc-merge")).to_contain_text("Northwind plans the routes.")
    expect(dana.get_by_role("textbox", name="Text")).to_have_value("Fabrikam runs the depots.")
    dana.screenshot(path=str(SCREENSHOTS / "cbrms-section-merge.png"), full_page=True)
    dana.get_by_role("textbox", name="Text").fill(
        "Northwind plans the routes.\n\nFabrikam runs the depots."
    )
    dana.get_by_role("button", name="Save section").click()
    expect(dana.locator(".messages")).to_contain_text("saved")
    purpose = Section.objects.unscoped().get(document=joint, key="purpose")
    assert purpose.body == "Northwind plans the routes.\n\nFabrikam runs the depots."
    assert purpose.version == 3

    # Northwind asks for the issue; both SERs approve it.
    page.goto(f"/o/{world.own.slug}/documents/{joint.pk}/")
    page.get_by_role("button", name="Ask the SERs to issue this draft").click()
    expect(page.locator(".doc-versions")).to_contain_text("In approval")
    northwind_ser = new_page(browser, page)
    log_in(northwind_ser, lead.ser.user.email)
    approve(northwind_ser, f"/o/{world.own.slug}/documents/{joint.pk}/", 1)
    approve(chris, f"/o/fabrikam/documents/{joint.pk}/", 1)
    expect(chris.locator(".doc-versions")).to_contain_text("Issued")
    chris.screenshot(path=str(SCREENSHOTS / "cbrms-joint-rmp-issued.png"), full_page=True)
    version = DocumentVersion.objects.unscoped().get(document=joint, number=1)
    assert version.status == VersionStatus.ISSUED
    assert "Fabrikam runs the depots." in version.sections[0]["body"]

    # Fabrikam sees the joint RMP and never Northwind's internal one.
    dana.goto("/o/fabrikam/documents/")
    expect(dana.locator("main")).to_contain_text(joint.title)
    expect(dana.locator("main")).not_to_contain_text(internal.title)
    response = dana.goto(f"/o/fabrikam/documents/{internal.pk}/")
    assert response.status == 404
    assert Document.objects.unscoped().get(pk=internal.pk).visibility == "internal"
    for other in (dana, chris, northwind_ser):
        other.context.close()
