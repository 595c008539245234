"""A party that leaves loses access at once; what it contributed to joint records stays,
attributed to it."""

from __future__ import annotations

import pytest

from relationships.models import Party, Role, Visibility
from relationships.services.relationships import party_leave
from tests.conftest import api_client_for
from tests.lifecycle.pages import at_stage, note, requirements

pytestmark = pytest.mark.django_db


def test_joint_evidence_of_a_party_that_left_stays_in_its_name(world):
    author = world.member("partner", Role.CONTRIBUTOR)
    relationship = at_stage(world.relationship, 4)  # joint engagement has begun
    joint = requirements(relationship, world.own, 4, Visibility.JOINT)[0]
    evidence = note(joint, author, "Our view of the opportunity")

    party = Party.objects.unscoped().get(
        relationship=world.relationship, organization=world.partner
    )
    party_leave(party=party, organization=world.partner)

    partner = api_client_for(author)
    base = f"/api/v1/orgs/{world.partner.slug}/relationships/{world.relationship.pk}"
    assert partner.get(f"{base}/evidence/{evidence.pk}/").status_code == 404

    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    url = f"/api/v1/orgs/{world.own.slug}/relationships/{world.relationship.pk}/evidence/"
    rows = {row["id"]: row for row in lead.get(url).json()["results"]}
    kept = rows[evidence.pk]
    assert kept["title"] == "Our view of the opportunity"
    assert kept["organization"] == world.partner.slug
    assert kept["owner"]["full_name"] == author.user.full_name
