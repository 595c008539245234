"""Driving the lifecycle through the API, as an integration would."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.test import APIClient

from relationships.models import Membership, Organization, Party, Relationship, Role
from relationships.services.relationships import party_set_ser
from tests.conftest import api_client_for
from tests.factories import MembershipFactory


@dataclass
class Side:
    """One organization of a relationship: its manager and its SER, each with a token."""

    organization: Organization
    manager: Membership
    ser: Membership
    manager_api: APIClient
    ser_api: APIClient

    def url(self, relationship: Relationship, suffix: str = "") -> str:
        return f"/api/v1/orgs/{self.organization.slug}/relationships/{relationship.pk}/{suffix}"


def side_of(organization: Organization, relationship: Relationship | None = None) -> Side:
    manager = MembershipFactory(organization=organization, role=Role.RELATIONSHIP_MANAGER)
    ser = MembershipFactory(organization=organization, role=Role.EXECUTIVE)
    if relationship is not None:
        party = Party.objects.unscoped().get(relationship=relationship, organization=organization)
        party_set_ser(party=party, organization=organization, ser=ser)
    return Side(organization, manager, ser, api_client_for(manager), api_client_for(ser))


def settle_stage(side: Side, relationship: Relationship, stage: int) -> int:
    """Mark every requirement of ``stage`` that ``side`` sees as met, with a note as evidence.

    Returns how many requirements were settled.
    """
    rows = side.manager_api.get(
        side.url(relationship, f"requirements/?stage={stage}&page_size=200")
    )
    assert rows.status_code == 200, rows.content
    settled = 0
    for row in rows.json()["results"]:
        if row["status"] in ("met", "not_applicable"):
            continue
        if row["organization"] != side.organization.slug and row["visibility"] == "internal":
            raise AssertionError("another organization's internal requirement was listed")
        evidence = side.manager_api.post(
            side.url(relationship, "evidence/"),
            {
                "requirement": row["id"],
                "kind": "note",
                "title": f"Evidence for {row['item']}",
                "note": f"How {side.organization.name} meets {row['title']}.",
            },
            format="json",
        )
        assert evidence.status_code == 201, evidence.content
        done = side.manager_api.patch(
            side.url(relationship, f"requirements/{row['id']}/"), {"status": "met"}, format="json"
        )
        assert done.status_code == 200, done.content
        settled += 1
    return settled


def request_gate(side: Side, relationship: Relationship, **body):
    return side.manager_api.post(
        side.url(relationship, "gates/"), body or {"kind": "advance"}, format="json"
    )


def approve(side: Side, relationship: Relationship, gate_id: int, comment: str = "Agreed."):
    return side.ser_api.post(
        side.url(relationship, f"gates/{gate_id}/approve/"), {"comment": comment}, format="json"
    )
