"""The relationship portfolio (ISO 44001 6.3): each relationship placed by value and risk, the
profile its place suggests under the organization's criteria, the profile decided (with a reason
when it differs), by whom; the organization's alone."""

from __future__ import annotations

import pytest
from django.test import Client

from cbrms.errors import ValidationFailed
from cbrms.tenancy.context import acting_as
from governance.models import PortfolioCriteria, PortfolioPlacement
from governance.services.portfolio import criteria_of, placement_set, suggest_profile
from relationships.models import Role
from tests.api_cases import ALL_ROLES, ResourceCases
from tests.conftest import api_client_for
from tests.factories import make_relationship

pytestmark = pytest.mark.django_db


def url(world, position="own", suffix="") -> str:
    return f"/api/v1/orgs/{world.org(position).slug}/{suffix}"


@pytest.mark.parametrize(
    ("value", "risk", "profile"),
    [(5, 1, "full"), (1, 4, "full"), (3, 3, "sme"), (2, 1, "sme"), (1, 1, "none")],
)
def test_the_place_suggests_the_profile(world, value, risk, profile):
    with acting_as(world.own):
        criteria = criteria_of(world.own.pk)  # the defaults: full from 4, light from 2
    assert suggest_profile(value=value, risk=risk, criteria=criteria) == profile


def test_the_organization_s_criteria_move_the_suggestions(world):
    executive = api_client_for(world.member("own", Role.EXECUTIVE))
    bad = executive.post(
        url(world, suffix="portfolio-criteria/"),
        {"full_from": 3, "programme_from": 3},
        format="json",
    )
    assert bad.status_code == 400
    assert "programme_from" in bad.json()["fields"]
    saved = executive.post(
        url(world, suffix="portfolio-criteria/"),
        {"full_from": 5, "programme_from": 3, "value_meaning": "5: a key channel."},
        format="json",
    )
    assert saved.status_code == 201, saved.content
    assert executive.get(url(world, suffix="portfolio-criteria/")).json()[0]["full_from"] == 5
    with acting_as(world.own):
        criteria = criteria_of(world.own.pk)
    assert suggest_profile(value=4, risk=4, criteria=criteria) == "sme"
    assert suggest_profile(value=2, risk=2, criteria=criteria) == "none"


class TestPortfolioResource(ResourceCases):
    path = "portfolio/"
    write_roles = frozenset({Role.ADMIN, Role.EXECUTIVE})
    operations = frozenset({"list", "retrieve", "create", "update"})

    def path_params(self, world):
        return {}

    def make_object(self, world):
        executive = world.member("own", Role.EXECUTIVE)
        with acting_as(world.own):
            return placement_set(
                membership=executive, relationship=world.relationship, value=4, risk=2
            )

    def make_many(self, world, count):
        executive = world.member("own", Role.EXECUTIVE)
        for index in range(count):
            relationship = make_relationship(lead=world.own, name=f"Placed {index} {id(self)}")
            with acting_as(world.own):
                placement_set(membership=executive, relationship=relationship, value=3, risk=3)

    def create_payload(self, world):
        return {"relationship": world.relationship.pk, "value": 2, "risk": 2}

    def update_payload(self, world, obj):
        return {"value": 5}

    def check_updated(self, obj, payload):
        obj.refresh_from_db()
        assert obj.value == 5
        assert obj.profile == "full"  # it followed the criteria, and follows them still


def test_a_decision_against_the_criteria_says_why_and_who(world):
    executive = world.member("own", Role.EXECUTIVE)
    client = api_client_for(executive)
    payload = {"relationship": world.relationship.pk, "value": 5, "risk": 3, "profile": "sme"}
    refused = client.post(url(world, suffix="portfolio/"), payload, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "rationale_required")
    assert "rationale" in refused.json()["fields"]
    payload["rationale"] = "A small partner: the light profile is enough this year."
    placed = client.post(url(world, suffix="portfolio/"), payload, format="json")
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert (body["profile"], body["suggested_profile"]) == ("sme", "full")
    assert body["decided_by"] == executive.user.email
    # Moving it keeps the decided exception.
    moved = client.patch(url(world, suffix=f"portfolio/{body['id']}/"), {"risk": 4}, format="json")
    assert (moved.status_code, moved.json()["profile"]) == (200, "sme")


def test_another_organization_s_relationship_cannot_be_placed(world):
    client = api_client_for(world.member("own", Role.ADMIN))
    response = client.post(
        url(world, suffix="portfolio/"),
        {"relationship": world.stranger_relationship.pk, "value": 3, "risk": 3},
        format="json",
    )
    assert response.status_code == 400
    assert "relationship" in response.json()["fields"]
    assert not PortfolioPlacement.objects.unscoped().exists()


def test_the_partner_sees_nothing_of_our_portfolio(world):
    TestPortfolioResource().make_object(world)
    partner = api_client_for(world.member("partner", Role.ADMIN))
    assert partner.get(url(world, "partner", "portfolio/")).json()["results"] == []
    placement = PortfolioPlacement.objects.unscoped().get()
    assert partner.get(url(world, "partner", f"portfolio/{placement.pk}/")).status_code == 404
    assert not PortfolioCriteria.objects.unscoped().exists()


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_the_page_shows_the_matrix_and_offers_decisions_to_executives(world, role):
    TestPortfolioResource().make_object(world)
    client = Client()
    client.force_login(world.member("own", role).user)
    html = client.get(f"/o/{world.own.slug}/portfolio/").content.decode()
    assert world.relationship.name in html
    assert ("Place it" in html) is (role in (Role.ADMIN, Role.EXECUTIVE))


def test_the_page_s_form_shows_the_refusal_beside_the_field(world):
    client = Client()
    client.force_login(world.member("own", Role.EXECUTIVE).user)
    response = client.post(
        f"/o/{world.own.slug}/portfolio/place/",
        {"relationship": world.relationship.pk, "value": 5, "risk": 5, "profile": "none"},
    )
    assert response.status_code == 400
    assert "say why" in " ".join(response.context["placement_form"].errors["rationale"])
    assert not PortfolioPlacement.objects.unscoped().exists()


def test_scores_outside_1_to_5_are_refused_by_the_service(world):
    with acting_as(world.own), pytest.raises(ValidationFailed):
        placement_set(
            membership=world.member("own", Role.ADMIN),
            relationship=world.relationship,
            value=6,
            risk=1,
        )
