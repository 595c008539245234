"""The joint workspace registers in a real browser: a KPI value recorded in place, an action
marked done from the list, the actions tabs swapped by HTMX, no script refused by the page's
Content Security Policy along the way."""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cbrms.tenancy.context import acting_as
from governance.models import Action, Measurement
from governance.services.meetings import action_create
from governance.services.objectives import kpi_create, measurement_record, objective_create
from relationships.models import Relationship, Role
from tests.e2e.test_relationships_ui import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = Path(os.environ.get("CBRMS_SCREENSHOT_DIR", tempfile.gettempdir()))


@pytest.fixture
def workspace(world):
    Relationship.objects.unscoped().filter(pk=world.relationship.pk).update(current_stage=5)
    world.relationship.refresh_from_db()
    manager = world.member("own", Role.RELATIONSHIP_MANAGER)
    with acting_as(world.own, user=manager.user, membership=manager):
        goal = objective_create(
            relationship=world.relationship,
            membership=manager,
            title="Keep the shelves full",
            visibility="joint",
        )
        kpi = kpi_create(
            objective=goal,
            membership=manager,
            name="On-shelf availability",
            unit="%",
            target=Decimal("97"),
            direction="up",
            cadence="monthly",
        )
        for month, value in ((8, "94"), (9, "95.5"), (10, "96")):
            measurement_record(
                kpi=kpi,
                membership=manager,
                period=datetime.date(2026, month, 28),
                value=Decimal(value),
            )
        action_create(
            relationship=world.relationship,
            membership=manager,
            title="Send the pilot store list",
            due_date=timezone.localdate() - datetime.timedelta(days=2),
            visibility="joint",
        )
    return manager, goal, kpi


def test_a_kpi_value_and_an_action_done_without_leaving_the_page(page: Page, world, workspace):
    manager, goal, kpi = workspace
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, manager.user.email)
    base = f"/o/{world.own.slug}/relationships/{world.relationship.pk}/"

    page.goto(base + f"objectives/{goal.pk}/")
    card = page.locator(f"#kpi-{kpi.pk}")
    expect(card.locator("svg.kpi-chart")).to_have_attribute("aria-label", re.compile("off track"))
    card.get_by_label("Period ending").fill("2026-11-26")
    card.get_by_label("Value", exact=True).fill("97.5")
    card.get_by_role("button", name="Record the value").click()
    expect(page.locator(f"#kpi-{kpi.pk}")).to_contain_text("Value recorded.")
    expect(page.locator(f"#kpi-{kpi.pk} svg.kpi-chart")).to_have_attribute(
        "aria-label", re.compile("latest 97.5 %, on track, improving")
    )
    expect(page).to_have_url(re.compile(rf"/objectives/{goal.pk}/$"))  # never left the page
    assert Measurement.objects.unscoped().filter(kpi=kpi).count() == 4
    page.screenshot(path=SCREENSHOTS / "cbrms-kpi-recorded.png", full_page=True)

    page.goto(base + "actions/")
    page.get_by_role("link", name="Overdue").click()
    expect(page).to_have_url(re.compile(r"show=overdue"))
    expect(page.locator("#action-results")).to_contain_text("Send the pilot store list")
    expect(page.get_by_role("link", name="Overdue")).to_have_attribute("aria-current", "page")
    page.get_by_role("button", name="Done: Send the pilot store list").click()
    status = page.locator('#action-results tbody tr td[data-label="Status"]').first
    expect(status).to_contain_text("Done")
    expect(page.get_by_role("button", name="Done: Send the pilot store list")).to_have_count(0)
    assert Action.objects.unscoped().get().status == "done"
    assert refused == []
