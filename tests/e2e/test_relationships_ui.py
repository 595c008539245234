"""The relationship pages in a real browser: log in, list, search, detail, switch, log out."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from relationships.models import Relationship, Role
from tests.factories import PASSWORD, MembershipFactory, make_relationship

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

# Screenshots for a person to look at (CI can keep them as artifacts).
SCREENSHOTS = Path(os.environ.get("CBRMS_SCREENSHOT_DIR", tempfile.gettempdir()))
LIST_SCREENSHOT = SCREENSHOTS / "cbrms-relationship-list.png"
DETAIL_SCREENSHOT = SCREENSHOTS / "cbrms-relationship-detail.png"


@pytest.fixture
def person(world):
    """A relationship manager of the lead who is also a viewer at the partner."""
    membership = world.member("own", Role.RELATIONSHIP_MANAGER)
    membership.user.full_name = "Ada Lovelace"
    membership.user.save(update_fields=["full_name"])
    MembershipFactory(user=membership.user, organization=world.partner, role=Role.VIEWER)
    make_relationship(
        lead=world.own,
        partners=(world.stranger,),
        name="Rail maintenance alliance",
        type="alliance",
        description="Track renewal across the northern network.",
    )
    Relationship.objects.unscoped().filter(pk=world.relationship.pk).update(
        current_stage=5, description="Joint delivery of the harbour programme."
    )
    return membership.user


def log_in(page: Page, email: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def results(page: Page):
    return page.locator("#relationship-results tbody tr")


def open_switcher_and_pick(page: Page, organization_name: str) -> None:
    page.locator("summary", has_text="Organization").click()
    page.get_by_role("link", name=re.compile(organization_name)).click()


def test_a_day_in_the_browser(page: Page, world, person):
    # Log in: the list of the first of the person's organizations, by name (Contoso Test).
    log_in(page, person.email)
    expect(page).to_have_url(re.compile(r"/o/partner-org/relationships/$"))
    expect(page.get_by_role("heading", name="Relationships", level=1)).to_be_visible()
    expect(results(page)).to_have_count(1)
    # A viewer of the partner does not get to start relationships.
    expect(page.get_by_role("link", name="Start a relationship")).to_have_count(0)

    # Switch organization from the list: the list of the other organization.
    open_switcher_and_pick(page, "Northwind Test")
    expect(page).to_have_url(re.compile(r"/o/own-org/relationships/$"))
    expect(page.locator(".org-switcher summary")).to_contain_text("Northwind Test")
    expect(results(page)).to_have_count(2)
    shared_row = results(page).filter(has_text="Shared relationship")
    expect(shared_row).to_contain_text("Working together")
    expect(shared_row).to_contain_text("Contoso Test")
    expect(page.get_by_role("link", name="Start a relationship")).to_be_visible()
    page.screenshot(path=LIST_SCREENSHOT, full_page=True)

    # Search: HTMX swaps the table in place and pushes the URL; the page is not reloaded.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Search by name").fill("rail")
    expect(page).to_have_url(re.compile(r"[?&]q=rail"))
    expect(results(page)).to_have_count(1)
    expect(results(page).first).to_contain_text("Rail maintenance alliance")
    expect(page.locator("#results-summary")).to_have_text("1 relationship matches the filters")
    assert page.evaluate("window.notReloaded") is True
    # The switcher follows the pushed URL: switching now would keep the search.
    expect(page.locator("#org-switcher a", has_text="Contoso Test")).to_have_attribute(
        "href", re.compile(r"next=.*q%3Drail")
    )
    page.get_by_label("Search by name").fill("")
    expect(results(page)).to_have_count(2)

    # Open a relationship: the eight-stage timeline, stage 5 current.
    page.get_by_role("link", name="Shared relationship").click()
    expect(page).to_have_url(re.compile(rf"/o/own-org/relationships/{world.relationship.pk}/$"))
    expect(page.locator("ol.timeline > li")).to_have_count(8)
    expect(page.locator('ol.timeline > li[aria-current="step"]')).to_contain_text(
        "Working together"
    )
    expect(page.locator("ol.timeline > li.timeline__stage--done")).to_have_count(4)
    expect(page.get_by_role("cell", name="Partner", exact=True)).to_be_visible()
    page.screenshot(path=DETAIL_SCREENSHOT, full_page=True)

    # Switch on the detail page: the partner sees this relationship too, so the page stays.
    open_switcher_and_pick(page, "Contoso Test")
    expect(page).to_have_url(re.compile(rf"/o/partner-org/relationships/{world.relationship.pk}/$"))
    expect(page.get_by_role("heading", name="Shared relationship", level=1)).to_be_visible()

    # Log out.
    page.locator("summary", has_text="Signed in as").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    page.goto("/o/own-org/relationships/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))


def test_search_works_without_javascript(page_without_js: Page, world, person):
    page = page_without_js
    log_in(page, person.email)
    page.goto("/o/own-org/relationships/")
    page.get_by_label("Search by name").fill("alliance")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]q=alliance"))
    expect(results(page)).to_have_count(1)
    expect(results(page).first).to_contain_text("Rail maintenance alliance")


def test_starting_a_relationship_in_the_browser(page: Page, world, person):
    log_in(page, person.email)
    page.goto("/o/own-org/relationships/")
    page.get_by_role("link", name="Start a relationship").click()
    page.get_by_label("Name").fill("Harbour logistics")
    page.get_by_label("Type of relationship").select_option(label="Partnership")
    page.get_by_label("Framework profile").select_option(label="ISO/TS 44007 (ecosystem)")
    page.get_by_role("button", name="Start relationship").click()
    expect(page.get_by_role("alert")).to_contain_text("An ecosystem runs on the ISO/TS 44007")
    expect(page.get_by_label("Name")).to_have_value("Harbour logistics")

    page.get_by_label("Framework profile").select_option(label="Default for the type")
    page.get_by_role("button", name="Start relationship").click()
    expect(page.get_by_role("heading", name="Harbour logistics", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("started at stage 1")
    expect(page.locator('ol.timeline > li[aria-current="step"]')).to_contain_text(
        "Operational awareness"
    )
