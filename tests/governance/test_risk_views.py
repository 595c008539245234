"""The risk register in the browser: heat map with counts that filter the list, forms that keep
what was typed and say what is wrong beside the field, and nothing internal of the other side."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from governance.models import Risk
from governance.services.issues import escalation_sweep
from relationships.models import Role
from tests.governance.test_issues import overdue, raise_issue
from tests.governance.test_risks_api import at_stage_5, risk

pytestmark = pytest.mark.django_db


def browser(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def page_url(world, position="own", name="risk-list", *extra) -> str:
    return reverse(name, args=[getattr(world, position).slug, world.relationship.pk, *extra])


def test_the_heat_map_counts_and_its_cells_filter_the_list(world):
    at_stage_5(world)
    risk(world, likelihood=5, impact=5, title="Depot fire")
    risk(world, likelihood=5, impact=5, title="Flooded ramp", visibility="joint")
    risk(world, likelihood=1, impact=2, title="Label misprints")
    client = browser(world.member("own", Role.VIEWER))
    page = client.get(page_url(world))
    assert page.status_code == 200
    assert 'aria-label="2 risks of likelihood 5 and impact 5"' in page.text
    assert 'aria-label="1 risk of likelihood 1 and impact 2"' in page.text
    assert "Record a risk" not in page.text  # a viewer reads only
    cell = client.get(page_url(world) + "?likelihood=5&impact=5")
    assert "Depot fire" in cell.text
    assert "Flooded ramp" in cell.text
    assert "Label misprints" not in cell.text
    joint_only = client.get(page_url(world) + "?visibility=joint")
    assert "Flooded ramp" in joint_only.text
    assert "Depot fire" not in joint_only.text


def test_the_partner_sees_joint_risks_and_its_own_never_the_leads_internal_ones(world):
    at_stage_5(world)
    risk(world, title="Northwind margin squeeze")
    risk(world, visibility="joint", title="Peak capacity")
    risk(world, "partner", title="Contoso lease ends")
    partner = browser(world.member("partner", Role.CONTRIBUTOR))
    page = partner.get(page_url(world, "partner"))
    assert "Peak capacity" in page.text
    assert "Contoso lease ends" in page.text
    assert "Northwind margin squeeze" not in page.text
    exported = partner.get(page_url(world, "partner", "risk-export"))
    text = b"".join(exported.streaming_content).decode()
    assert "Northwind margin squeeze" not in text
    assert "Peak capacity" in text
    hidden = Risk.objects.unscoped().get(title="Northwind margin squeeze")
    assert partner.get(page_url(world, "partner", "risk-page", hidden.pk)).status_code == 404


def test_a_refused_risk_keeps_what_was_typed_and_says_why_beside_the_field(world):
    client = browser(world.member("own", Role.CONTRIBUTOR))
    data = {
        "title": "Key account lost",
        "likelihood": "9",
        "impact": "3",
        "status": "open",
        "visibility": "internal",
        "cause": "Price war",
    }
    refused = client.post(page_url(world, "own", "risk-create"), data)
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.text
    assert 'value="Key account lost"' in refused.text
    assert "Price war" in refused.text
    early = client.post(
        page_url(world, "own", "risk-create"), {**data, "likelihood": "3", "visibility": "joint"}
    )
    assert early.status_code == 400
    assert "The joint workspace opens in stage 5" in early.text
    assert not Risk.objects.unscoped().exists()
    saved = client.post(
        page_url(world, "own", "risk-create"), {**data, "likelihood": "4"}, follow=True
    )
    assert escape("Risk “Key account lost” recorded (score 12).") in saved.text


def test_the_partner_updates_a_joint_risk_but_not_its_owner(world):
    at_stage_5(world)
    joint = risk(world, visibility="joint", title="Peak capacity", likelihood=4, impact=4)
    partner = browser(world.member("partner", Role.RELATIONSHIP_MANAGER))
    page = partner.get(page_url(world, "partner", "risk-page", joint.pk))
    assert "its owner is theirs to name" in page.text
    assert 'name="owner"' not in page.text
    saved = partner.post(
        page_url(world, "partner", "risk-update", joint.pk),
        {
            "title": "Peak capacity",
            "likelihood": "2",
            "impact": "4",
            "status": "treating",
            "visibility": "joint",
            "mitigation": "Shared seasonal pool",
        },
        follow=True,
    )
    assert "score 8" in saved.text
    joint.refresh_from_db()
    assert (joint.likelihood, joint.status, joint.owner.organization_id) == (
        2,
        "treating",
        world.own.pk,
    )


def test_the_relationship_page_shows_the_workspace_as_each_side_sees_it(world):
    at_stage_5(world)
    risk(world, title="Northwind only: margin squeeze", likelihood=5, impact=5)
    risk(world, visibility="joint", title="Peak capacity", likelihood=4, impact=4)
    issue = raise_issue(world, visibility="joint", title="Disputed invoices")
    overdue(issue)
    escalation_sweep()
    partner = browser(world.member("partner", Role.VIEWER))
    page = partner.get(
        reverse("relationship-detail", args=[world.partner.slug, world.relationship.pk])
    )
    assert "Joint workspace" in page.text
    assert "Peak capacity" in page.text
    assert "Northwind only" not in page.text
    assert "Disputed invoices" in page.text
    assert "1 open, 1 escalated" in page.text
    own = browser(world.member("own", Role.VIEWER))
    mine = own.get(reverse("relationship-detail", args=[world.own.slug, world.relationship.pk]))
    assert "Northwind only: margin squeeze" in mine.text
