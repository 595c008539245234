"""Objectives and KPIs: a KPI's values over time say whether it is on track and which way it
moves; a KPI has its objective's audience, and sharing an objective shares its KPIs and their
history; in the browser, the trend chart and a value recorded without leaving the page."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from cbrms.tenancy.context import acting_as
from governance.models import Kpi, Measurement, Objective
from governance.services.objectives import kpi_create, measurement_record, objective_create
from relationships.models import Role
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.governance.test_risks_api import at_stage_5

pytestmark = pytest.mark.django_db


def objective(world, position="own", visibility="internal", **fields) -> Objective:
    member = world.member(position, Role.RELATIONSHIP_MANAGER)
    with acting_as(member.organization, user=member.user, membership=member):
        return objective_create(
            relationship=world.relationship,
            membership=member,
            title=fields.pop("title", f"{position} {visibility} objective"),
            visibility=visibility,
            **fields,
        )


def kpi(world, goal: Objective, position="own", values=(), **fields) -> Kpi:
    member = world.member(position, Role.RELATIONSHIP_MANAGER)
    with acting_as(member.organization, user=member.user, membership=member):
        made = kpi_create(
            objective=goal,
            membership=member,
            name=fields.pop("name", "On-time deliveries"),
            unit=fields.pop("unit", "%"),
            target=Decimal(fields.pop("target", "95")),
            direction=fields.pop("direction", "up"),
            cadence=fields.pop("cadence", "monthly"),
        )
        for month, value in enumerate(values, start=1):
            measurement_record(
                kpi=made,
                membership=member,
                period=datetime.date(2026, month, 28),
                value=Decimal(value),
            )
    return made


def api(world, position="own", path="objectives/") -> str:
    slug = getattr(world, position).slug
    return f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/{path}"


class TestObjectiveResource(ResourceCases):
    path = "relationships/{relationship}/objectives/"
    write_roles = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR})
    operations = frozenset({"list", "retrieve", "create", "update"})

    def make_object(self, world):
        return objective(world)

    def create_payload(self, world):
        return {"title": "Cut stock-outs", "visibility": "internal", "principle": "value_creation"}

    def update_payload(self, world, obj):
        return {"title": "Cut stock-outs by half", "status": "achieved"}


class TestKpiResource(ResourceCases):
    path = "relationships/{relationship}/kpis/"
    write_roles = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR})
    operations = frozenset({"list", "retrieve", "create", "update"})

    def make_object(self, world):
        return kpi(world, objective(world))

    def create_payload(self, world):
        goal = objective(world)
        return {
            "objective": goal.pk,
            "name": "Cost per case",
            "unit": "EUR",
            "target": "0.85",
            "direction": "down",
            "cadence": "monthly",
        }

    def update_payload(self, world, obj):
        return {"name": "Cost per case delivered"}


class TestMeasurementResource(ResourceCases):
    path = "relationships/{relationship}/measurements/"
    write_roles = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR})
    operations = frozenset({"list", "retrieve", "create", "update"})

    def make_object(self, world):
        made = kpi(world, objective(world), values=["90"])
        return Measurement.objects.unscoped().get(kpi=made)

    def create_payload(self, world):
        return {"kpi": kpi(world, objective(world)).pk, "period": "2026-02-28", "value": "93.5"}

    def update_payload(self, world, obj):
        return {"note": "Corrected from the depot's report"}


def test_a_kpi_is_on_track_when_its_latest_value_meets_the_target_either_way():
    goal = Objective(title="x")
    up = Kpi(objective=goal, name="On time", unit="%", target=Decimal("95"), direction="up")
    down = Kpi(objective=goal, name="Cost", unit="EUR", target=Decimal("0.85"), direction="down")
    assert up.meets(Decimal("95"))
    assert up.meets(Decimal("96"))
    assert not up.meets(Decimal("94.9"))
    assert down.meets(Decimal("0.85"))
    assert down.meets(Decimal("0.80"))
    assert not down.meets(Decimal("0.86"))


def test_the_api_says_how_a_kpi_stands_and_when_its_next_value_is_due(world):
    goal = objective(world)
    improving = kpi(world, goal, values=["91", "93", "94.5"])
    cost = kpi(world, goal, name="Cost per case", target="0.85", direction="down")
    with acting_as(world.own):
        measurement_record(
            kpi=cost,
            membership=world.member("own", Role.RELATIONSHIP_MANAGER),
            period=datetime.date(2026, 1, 31),
            value=Decimal("0.80"),
        )
    rows = {
        row["id"]: row
        for row in api_client_for(world.member("own", Role.VIEWER))
        .get(api(world, path="kpis/"))
        .json()["results"]
    }
    assert rows[improving.pk]["latest_value"] == "94.5000"
    assert rows[improving.pk]["on_track"] is False
    assert rows[improving.pk]["trend"] == "improving"
    assert rows[improving.pk]["next_due"] == "2026-04-28"
    assert rows[cost.pk]["on_track"] is True
    assert rows[cost.pk]["trend"] == ""


def test_one_value_per_period_and_none_for_a_period_to_come(world):
    made = kpi(world, objective(world), values=["90"])
    client = api_client_for(world.member("own", Role.CONTRIBUTOR))
    again = client.post(
        api(world, path="measurements/"), {"kpi": made.pk, "period": "2026-01-28", "value": "91"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_measured"
    future = datetime.date.today() + datetime.timedelta(days=40)
    ahead = client.post(
        api(world, path="measurements/"),
        {"kpi": made.pk, "period": future.isoformat(), "value": "91"},
    )
    assert ahead.status_code == 400
    assert "period" in ahead.json()["fields"]
    assert Measurement.objects.unscoped().filter(kpi=made).count() == 1


def test_an_objective_serves_a_requirement_of_the_relationship_s_catalog(world):
    client = api_client_for(world.member("own", Role.CONTRIBUTOR))
    refused = client.post(
        api(world),
        {"title": "Measure", "visibility": "internal", "requirement_key": "iso44001:99.1"},
    )
    assert refused.status_code == 400
    assert "requirement_key" in refused.json()["fields"]
    made = client.post(
        api(world),
        {"title": "Measure", "visibility": "internal", "requirement_key": "iso44001:8.7.2"},
    )
    assert made.status_code == 201, made.json()


def test_internal_objectives_kpis_and_values_stay_with_their_organization(world):
    at_stage_5(world)
    kpi(world, objective(world, title="Northwind only: renewal leverage"), values=["4"])
    kpi(world, objective(world, visibility="joint", title="Shelves full"), values=["96"])
    partner = api_client_for(world.member("partner", Role.VIEWER))
    titles = [r["title"] for r in partner.get(api(world, "partner")).json()["results"]]
    assert titles == ["Shelves full"]
    assert len(partner.get(api(world, "partner", "kpis/")).json()["results"]) == 1
    assert len(partner.get(api(world, "partner", "measurements/")).json()["results"]) == 1
    text = b"".join(partner.get(api(world, "partner", "objectives/export/")).streaming_content)
    assert b"Northwind only" not in text
    hidden = Objective.objects.unscoped().get(title__startswith="Northwind only")
    assert partner.get(api(world, "partner", f"objectives/{hidden.pk}/")).status_code == 404


def test_the_partner_measures_a_joint_kpi_but_not_an_internal_one(world):
    at_stage_5(world)
    joint = kpi(world, objective(world, visibility="joint"))
    internal = kpi(world, objective(world))
    partner = api_client_for(world.member("partner", Role.CONTRIBUTOR))
    recorded = partner.post(
        api(world, "partner", "measurements/"),
        {"kpi": joint.pk, "period": "2026-03-31", "value": "97"},
    )
    assert recorded.status_code == 201
    assert recorded.json()["organization"] == world.partner.slug
    refused = partner.post(
        api(world, "partner", "measurements/"),
        {"kpi": internal.pk, "period": "2026-03-31", "value": "97"},
    )
    assert refused.status_code == 400  # not a KPI the partner can name
    assert not Measurement.objects.unscoped().filter(kpi=internal).exists()


def test_sharing_an_objective_shares_its_kpis_and_their_history(world):
    at_stage_5(world)
    goal = objective(world, title="Lower the cost to serve")
    made = kpi(world, goal, values=["1.02", "0.98"])
    owner = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    shared = owner.patch(api(world, path=f"objectives/{goal.pk}/"), {"visibility": "joint"})
    assert shared.status_code == 200
    assert set(Kpi.objects.unscoped().filter(pk=made.pk).values_list("visibility", flat=True)) == {
        "joint"
    }
    assert set(Measurement.objects.unscoped().values_list("visibility", flat=True)) == {"joint"}
    partner = api_client_for(world.member("partner", Role.VIEWER))
    values = partner.get(api(world, "partner", f"measurements/?kpi={made.pk}")).json()
    assert [row["value"] for row in values["results"]] == ["1.0200", "0.9800"]
    back = owner.patch(api(world, path=f"objectives/{goal.pk}/"), {"visibility": "internal"})
    assert back.status_code == 409
    assert back.json()["code"] == "already_joint"


def test_the_values_export_streams_the_visible_values(world):
    at_stage_5(world)
    kpi(world, objective(world, visibility="joint"), values=["91", "92"])
    kpi(world, objective(world), name="Secret margin", values=["12"])
    partner = api_client_for(world.member("partner", Role.VIEWER))
    text = b"".join(partner.get(api(world, "partner", "measurements/export/")).streaming_content)
    rows = list(csv.DictReader(io.StringIO(text.decode())))
    assert [row["kpi_name"] for row in rows] == ["On-time deliveries"] * 2
    assert "Secret margin" not in text.decode()


# --- the browser ---------------------------------------------------------------------------------


def browser(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def page(world, name, *extra, position="own") -> str:
    return reverse(name, args=[getattr(world, position).slug, world.relationship.pk, *extra])


def test_the_page_draws_each_kpi_s_trend_and_says_whether_it_is_on_track(world):
    goal = objective(world, title="Shelves full")
    kpi(world, goal, name="Availability", values=["94", "95.5", "96"])
    text = browser(world.member("own", Role.VIEWER)).get(page(world, "objective-list")).text
    assert '<svg class="kpi-chart"' in text
    assert "<polyline" in text
    assert (
        'aria-label="Availability: target 95 %; 3 values from Jan 2026 to Mar 2026, latest 96 %, '
        'on track, improving."' in text
    )
    assert "Set an objective" not in text  # a viewer reads only


def test_a_value_is_recorded_in_place_and_a_wrong_one_is_kept_with_its_error(world):
    goal = objective(world)
    made = kpi(world, goal, values=["90"])
    client = browser(world.member("own", Role.CONTRIBUTOR))
    url = page(world, "measurement-create", goal.pk, made.pk)
    prefix = f"value-{made.pk}"
    swapped = client.post(
        url,
        {f"{prefix}-period": "2026-02-28", f"{prefix}-value": "93.5"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"kpi-{made.pk}",
    )
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith(("{#", "<section"))
    assert "Value recorded." in swapped.text
    assert "<html" not in swapped.text
    assert Measurement.objects.unscoped().filter(kpi=made).count() == 2
    twice = client.post(
        url,
        {f"{prefix}-period": "2026-02-28", f"{prefix}-value": "88"},
        HTTP_HX_REQUEST="true",
    )
    assert twice.status_code == 400
    assert "already has a value" in twice.text
    assert "Tick this to replace the recorded value." in twice.text
    assert 'value="88"' in twice.text
    corrected = client.post(
        url,
        {f"{prefix}-period": "2026-02-28", f"{prefix}-value": "88", f"{prefix}-correct": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert corrected.status_code == 200
    values = Measurement.objects.unscoped().filter(kpi=made).order_by("period")
    assert [str(m.value) for m in values] == ["90.0000", "88.0000"]


def test_an_objective_refused_by_the_service_keeps_what_was_typed(world):
    client = browser(world.member("own", Role.CONTRIBUTOR))
    refused = client.post(
        page(world, "objective-create"),
        {
            "objective-title": "Joint before its time",
            "objective-status": "active",
            "objective-visibility": "joint",
        },
    )
    assert refused.status_code == 400
    assert "The joint workspace opens in stage 5" in refused.text
    assert 'value="Joint before its time"' in refused.text
    assert not Objective.objects.unscoped().exists()


def test_a_kpi_is_changed_in_the_browser_and_a_wrong_target_is_kept(world):
    goal = objective(world)
    made = kpi(world, goal, values=["90"])
    client = browser(world.member("own", Role.CONTRIBUTOR))
    assert "Change the KPI" in client.get(page(world, "objective-page", goal.pk)).text
    url = page(world, "kpi-update", goal.pk, made.pk)
    prefix = f"kpi-{made.pk}"
    fields = {
        f"{prefix}-name": "On-time deliveries",
        f"{prefix}-unit": "%",
        f"{prefix}-target": "ninety",
        f"{prefix}-direction": "up",
        f"{prefix}-cadence": "quarterly",
    }
    refused = client.post(url, fields)
    assert refused.status_code == 400
    assert 'value="ninety"' in refused.text
    saved = client.post(url, {**fields, f"{prefix}-target": "96"})
    assert saved.status_code == 302
    made.refresh_from_db()
    assert (made.target, made.cadence) == (Decimal("96"), "quarterly")
