"""The knowledge-sharing register: each asset classed share, share with conditions (stated) or
do not share; internal entries stay with their organization, in lists and exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from cbrms.tenancy.context import acting_as
from governance.models import KnowledgeAsset
from governance.services.knowledge import knowledge_create
from relationships.models import Role
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.governance.test_risks_api import at_stage_5

pytestmark = pytest.mark.django_db


def asset(world, position="own", visibility="internal", **fields) -> KnowledgeAsset:
    member = world.member(position, Role.RELATIONSHIP_MANAGER)
    with acting_as(member.organization, user=member.user, membership=member):
        return knowledge_create(
            relationship=world.relationship,
            membership=member,
            name=fields.pop("name", f"{position} {visibility} asset"),
            sharing=fields.pop("sharing", "share"),
            visibility=visibility,
            **fields,
        )


def url(world, position="own", suffix="") -> str:
    slug = getattr(world, position).slug
    return f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/knowledge/{suffix}"


class TestKnowledgeResource(ResourceCases):
    path = "relationships/{relationship}/knowledge/"
    write_roles = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR})
    operations = frozenset({"list", "retrieve", "create", "update"})

    def make_object(self, world):
        return asset(world)

    def create_payload(self, world):
        return {"name": "Price lists", "sharing": "do_not_share", "visibility": "internal"}

    def update_payload(self, world, obj):
        return {"sharing": "conditions", "conditions": "Finance teams only."}


def test_sharing_with_conditions_needs_the_conditions(world):
    client = api_client_for(world.member("own", Role.CONTRIBUTOR))
    refused = client.post(
        url(world), {"name": "Forecasts", "sharing": "conditions", "visibility": "internal"}
    )
    assert refused.status_code == 400
    assert "conditions" in refused.json()["fields"]
    assert not KnowledgeAsset.objects.unscoped().exists()
    made = client.post(
        url(world),
        {
            "name": "Forecasts",
            "sharing": "conditions",
            "conditions": "Planners only",
            "visibility": "internal",
        },
    )
    assert made.status_code == 201
    cleared = client.patch(url(world, suffix=f"{made.json()['id']}/"), {"conditions": " "})
    assert cleared.status_code == 400


def test_internal_entries_never_reach_the_other_side(world):
    at_stage_5(world)
    asset(world, name="Northwind only: supplier prices", sharing="do_not_share")
    asset(world, visibility="joint", name="Both: delivery windows")
    partner = api_client_for(world.member("partner", Role.VIEWER))
    names = [row["name"] for row in partner.get(url(world, "partner")).json()["results"]]
    assert names == ["Both: delivery windows"]
    text = b"".join(partner.get(url(world, "partner", "export/")).streaming_content).decode()
    assert "Northwind only" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["name"] for row in rows] == ["Both: delivery windows"]
    browser = Client()
    browser.force_login(world.member("partner", Role.VIEWER).user)
    page = browser.get(reverse("knowledge-list", args=[world.partner.slug, world.relationship.pk]))
    assert "Both: delivery windows" in page.text
    assert "Northwind only" not in page.text


def test_the_page_filters_by_class_and_keeps_a_refused_entry(world):
    asset(world, name="Route plans", sharing="share")
    asset(world, name="Margins", sharing="do_not_share")
    client = Client()
    client.force_login(world.member("own", Role.CONTRIBUTOR).user)
    base = reverse("knowledge-list", args=[world.own.slug, world.relationship.pk])
    page = client.get(base + "?sharing=do_not_share")
    assert "Margins" in page.text
    assert "Route plans" not in page.text
    refused = client.post(
        reverse("knowledge-create", args=[world.own.slug, world.relationship.pk]),
        {
            "knowledge-name": "Customer list",
            "knowledge-sharing": "conditions",
            "knowledge-conditions": "",
            "knowledge-status": "active",
            "knowledge-visibility": "internal",
        },
    )
    assert refused.status_code == 400
    assert "Required when shared with conditions." in refused.text
    assert 'value="Customer list"' in refused.text
