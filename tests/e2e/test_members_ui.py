"""People in a real browser: an admin invites a person, who creates their account from the
link and lands in the organization; a run of wrong passwords meets the lockout page."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cbrms.tenancy.context import acting_as
from relationships.links import invitation_link
from relationships.models import MemberInvitation, Membership, Role
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = Path(os.environ.get("CBRMS_SCREENSHOT_DIR", tempfile.gettempdir()))
NEW_PASSWORD = "tangerine-lighthouse-42"


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_an_admin_invites_and_the_person_joins_from_the_link(world, page: Page, browser):
    admin = world.member("own", Role.ADMIN)
    log_in(page, admin.user.email)
    page.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name=f"Members of {world.own.name}")).to_be_visible()

    # A mistake first: the message stands next to the field, nothing is sent.
    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".field--invalid")).to_contain_text("Enter a valid email address")
    page.get_by_label("Email address").fill("lin.chen@example.test")
    page.get_by_label("Role").select_option("relationship_manager")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation sent to lin.chen@example.test")
    invitations = page.locator("section", has_text="Invitations waiting for an answer")
    expect(invitations).to_contain_text("lin.chen@example.test")
    page.screenshot(path=str(SCREENSHOTS / "cbrms-members.png"), full_page=True)

    with acting_as(world.own):
        link = invitation_link(MemberInvitation.objects.get(email="lin.chen@example.test"))
    newcomer = browser.new_context(base_url=page.url.split("/o/")[0]).new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name=f"Join {world.own.name}")).to_be_visible()
    newcomer.get_by_label("Your name").fill("Lin Chen")
    newcomer.get_by_label("Choose a password").fill(NEW_PASSWORD)
    newcomer.get_by_label("The same password again").fill(NEW_PASSWORD)
    newcomer.screenshot(path=str(SCREENSHOTS / "cbrms-invitation.png"), full_page=True)
    newcomer.get_by_role("button", name="Create my account and join").click()
    expect(newcomer).to_have_url(re.compile(rf"/o/{world.own.slug}/relationships/$"))
    expect(newcomer.locator(".messages")).to_contain_text(f"Welcome to {world.own.name}")
    membership = Membership.objects.unscoped().get(user__email="lin.chen@example.test")
    assert membership.role == Role.RELATIONSHIP_MANAGER

    page.reload()
    expect(page.locator("section", has_text="People")).to_contain_text("Lin Chen")
    newcomer.context.close()


def test_wrong_passwords_meet_the_lockout_page_and_its_way_out(world, page: Page):
    member = world.member("own", Role.CONTRIBUTOR)
    for _ in range(10):
        log_in(page, member.user.email, "not-the-password")
    expect(page.get_by_role("heading", name="Signing in is paused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("reset your password by email")
    page.screenshot(path=str(SCREENSHOTS / "cbrms-locked-out.png"), full_page=True)
    log_in(page, member.user.email)  # the right password: still paused
    expect(page.get_by_role("heading", name="Signing in is paused")).to_be_visible()
    page.get_by_role("link", name="Reset your password by email").click()
    expect(page).to_have_url(re.compile(r"/password/reset/$"))
